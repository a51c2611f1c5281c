"""Assigning to a Layer's parameter, buffer and sub-layer names follows torch.nn.Module's rules, checked
side by side with torch: what each assignment registers, and which ones raise."""
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _both():
    """The same module in both libraries: a parameter, a buffer, a non-persistent buffer and a child."""
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = lib.nn.Parameter(lib.ones(3))
                self.register_buffer("steps", lib.zeros(1))
                self.register_buffer("mask", lib.ones(2), persistent=False)
                self.head = lib.nn.Tanh()
        return Net()
    return build(mg), build(torch)


def _registry(module):
    """What the module has registered, by kind, in each library's terms."""
    return ([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()],
            [n for n, _ in module.named_children()], list(module.state_dict()))


def _same_error(action_m, action_t, error):
    with pytest.raises(error) as ours:
        action_m()
    with pytest.raises(error):
        action_t()
    return str(ours.value)


def test_a_plain_tensor_over_a_parameter_raises_and_leaves_the_parameter():
    m, t = _both()
    message = _same_error(lambda: setattr(m, "scale", mg.zeros(3)), lambda: setattr(t, "scale", torch.zeros(3)),
                          TypeError)
    assert message == "Net: cannot assign 'Tensor' as parameter 'scale' (nn.Parameter or None expected)"
    assert isinstance(m.scale, nn.Parameter) and m.scale.numpy().tolist() == [1.0, 1.0, 1.0]
    assert _registry(m) == _registry(t)
    # An nn.Buffer, a list or a number are refused the same way.
    for value_m, value_t in [(nn.Buffer(mg.ones(3)), torch.nn.Buffer(torch.ones(3))), ([1.0], [1.0]), (3, 3)]:
        _same_error(lambda: setattr(m, "scale", value_m), lambda: setattr(t, "scale", value_t), TypeError)
    assert _registry(m) == _registry(t)


def test_none_empties_a_parameter_slot_that_only_a_parameter_fills_again_in_place():
    m, t = _both()
    m.scale, t.scale = None, None
    assert m.scale is None and t.scale is None
    assert _registry(m) == _registry(t) and "scale" not in m.state_dict()
    _same_error(lambda: setattr(m, "scale", mg.ones(3)), lambda: setattr(t, "scale", torch.ones(3)), TypeError)
    m.scale, t.scale = nn.Parameter(mg.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert _registry(m) == _registry(t) and _registry(m)[0] == ["scale"]


def test_a_parameter_takes_over_a_buffer_or_a_child_name_and_a_child_takes_over_a_buffer_name():
    m, t = _both()
    m.steps, t.steps = nn.Parameter(mg.ones(1)), torch.nn.Parameter(torch.ones(1))
    assert _registry(m)[:3] == _registry(t)[:3]
    assert [n for n, _ in m.named_parameters()] == ["scale", "steps"] and [n for n, _ in m.named_buffers()] == ["mask"]
    m.head, t.head = nn.Parameter(mg.ones(1)), torch.nn.Parameter(torch.ones(1))
    assert sorted(_registry(m)[0]) == sorted(_registry(t)[0]) == ["head", "scale", "steps"]
    assert _registry(m)[2] == _registry(t)[2] == []
    # A module over a parameter's name is refused (torch checks the parameter's name before the value's kind).
    message = _same_error(lambda: setattr(m, "scale", nn.ReLU()), lambda: setattr(t, "scale", torch.nn.ReLU()),
                          TypeError)
    assert message == "Net: cannot assign 'ReLU' as parameter 'scale' (nn.Parameter or None expected)"
    # Once the parameter is deleted, the name takes a module.
    del m.scale, t.scale
    m.scale, t.scale = nn.ReLU(), torch.nn.ReLU()
    assert _registry(m) == _registry(t) and _registry(m)[2] == ["scale"]
    # A buffer's name takes a module (torch checks modules before buffers).
    m.mask, t.mask = nn.Tanh(), torch.nn.Tanh()
    assert _registry(m) == _registry(t) and _registry(m)[1] == []


def test_a_child_name_takes_only_a_module_or_none():
    m, t = _both()
    message = _same_error(lambda: setattr(m, "head", mg.ones(1)), lambda: setattr(t, "head", torch.ones(1)), TypeError)
    assert message == "Net: cannot assign 'Tensor' as child module 'head' (nn.Module or None expected)"
    _same_error(lambda: setattr(m, "head", "tanh"), lambda: setattr(t, "head", "tanh"), TypeError)
    m.head, t.head = None, None
    assert _registry(m) == _registry(t)
    m.head, t.head = nn.Sigmoid(), torch.nn.Sigmoid()
    assert _registry(m) == _registry(t) and type(m.head) is nn.Sigmoid


def test_a_buffer_name_takes_a_tensor_or_none_and_keeps_its_persistence():
    m, t = _both()
    message = _same_error(lambda: setattr(m, "steps", 5), lambda: setattr(t, "steps", 5), TypeError)
    assert message == "Net: cannot assign 'int' as buffer 'steps' (nn.Buffer, Tensor or None expected)"
    m.mask, t.mask = mg.zeros(4), torch.zeros(4)
    m.steps, t.steps = mg.full((1,), 7.0), torch.full((1,), 7.0)
    assert _registry(m) == _registry(t)
    assert "mask" not in m.state_dict() and m.state_dict()["steps"].tolist() == [7.0]
    m.steps, t.steps = None, None
    assert _registry(m) == _registry(t)
    # An nn.Buffer brings its own persistence.
    m.mask, t.mask = nn.Buffer(mg.ones(1)), torch.nn.Buffer(torch.ones(1))
    assert _registry(m) == _registry(t) and "mask" in m.state_dict()


def test_register_methods_refuse_a_name_of_another_kind_as_torch():
    m, t = _both()
    cases = [
        (lambda mod, lib: mod.register_parameter("steps", lib.nn.Parameter(lib.ones(1))), KeyError),
        (lambda mod, lib: mod.register_parameter("head", None), KeyError),
        (lambda mod, lib: mod.register_buffer("scale", lib.ones(1)), KeyError),
        (lambda mod, lib: mod.register_buffer("head", lib.ones(1)), KeyError),
        (lambda mod, lib: mod.add_module("scale", lib.nn.ReLU()), KeyError),
        (lambda mod, lib: mod.add_module("steps", None), KeyError),
        (lambda mod, lib: mod.register_parameter("forward", None), KeyError),
        (lambda mod, lib: mod.register_parameter(3, None), TypeError),
        (lambda mod, lib: mod.register_buffer(3, None), TypeError),
        (lambda mod, lib: mod.add_module(3, None), TypeError),
        (lambda mod, lib: mod.register_buffer("a.b", None), KeyError),
        (lambda mod, lib: mod.register_buffer("", None), KeyError),
    ]
    for action, error in cases:
        message = _same_error(lambda: action(m, mg), lambda: action(t, torch), error)
        assert message.strip("\"'").startswith("Net.")
    assert _registry(m) == _registry(t)
    assert str(pytest.raises(KeyError, m.register_buffer, "scale", mg.ones(1)).value) == \
        "\"Net.register_buffer: attribute 'scale' already exists\""
    # Re-registering under a name of the same kind is allowed in both.
    m.register_parameter("scale", None), t.register_parameter("scale", None)
    m.register_buffer("steps", mg.ones(2)), t.register_buffer("steps", torch.ones(2))
    m.add_module("head", None), t.add_module("head", None)
    assert _registry(m) == _registry(t)


def test_none_registered_slots_stay_empty_until_filled():
    def build(lib):
        module = lib.nn.Module()
        module.register_parameter("w", None)
        module.add_module("sub", None)
        module.register_buffer("b", None)
        return module
    m, t = build(mg), build(torch)
    assert _registry(m) == _registry(t) == ([], [], [], [])
    _same_error(lambda: setattr(m, "w", mg.ones(1)), lambda: setattr(t, "w", torch.ones(1)), TypeError)
    _same_error(lambda: setattr(m, "sub", mg.ones(1)), lambda: setattr(t, "sub", torch.ones(1)), TypeError)
    m.w, t.w = nn.Parameter(mg.ones(1)), torch.nn.Parameter(torch.ones(1))
    m.sub, t.sub = nn.Linear(1, 1), torch.nn.Linear(1, 1)
    m.b, t.b = mg.ones(1), torch.ones(1)
    assert _registry(m) == _registry(t) == (["w", "sub.weight", "sub.bias"], ["b"], ["sub"],
                                            ["w", "b", "sub.weight", "sub.bias"])


def test_a_deleted_parameter_name_takes_a_plain_tensor_as_an_attribute():
    m, t = _both()
    del m.scale, t.scale
    m.scale, t.scale = mg.ones(3), torch.ones(3)
    assert _registry(m) == _registry(t) and "scale" not in _registry(m)[0]
    assert m.scale.numpy().tolist() == t.scale.tolist()


def test_a_dict_key_takes_only_what_the_dict_holds():
    for lib, dict_class in ((mg, nn.ModuleDict), (torch, torch.nn.ModuleDict)):
        heads = dict_class({"cls": lib.nn.Linear(2, 2)})
        with pytest.raises(TypeError):
            heads.cls = lib.ones(2)
        assert type(heads.cls).__name__ == "Linear" and type(heads["cls"]).__name__ == "Linear"
        heads.box = lib.nn.Tanh()
        assert list(heads.keys()) == ["cls", "box"]
    scales = nn.ParameterDict({"a": mg.ones(1)})
    with pytest.raises(TypeError, match=r"^ParameterDict\['a'\]: expected a Parameter or a Tensor, got int$"):
        scales.a = 3
    scales.a = mg.zeros(2)
    assert scales["a"].shape == (2,) and isinstance(scales.a, nn.Parameter)


def test_a_plain_attribute_may_be_set_before_super_init_as_torch_allows_but_not_a_member():
    """`self.name = name; super().__init__()` works in torch (only parameters, buffers and sub-modules need the
    Module's __init__ first); minigrad refused every attribute. A member before __init__ is still refused, as
    torch refuses it, since it could not be registered."""
    def build(lib, value):
        class Net(lib.nn.Module):
            def __init__(self):
                self.tag, self.sizes, self.plain = "enc", [2, 3], value
                super().__init__()
                self.fc = lib.nn.Linear(2, 3)
        return Net()

    ours, theirs = build(mg, mg.ones(2)), build(torch, torch.ones(2))
    assert (ours.tag, ours.sizes) == (theirs.tag, theirs.sizes) == ("enc", [2, 3])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["fc.weight", "fc.bias"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for member in (nn.Parameter(mg.ones(1)), nn.Linear(1, 1), [nn.Linear(1, 1)]):
        with pytest.raises(AttributeError, match=r"^Net: call super\(\).__init__\(\) before assigning 'plain'$"):
            build(mg, member)
