"""Layer surgery through ``_modules``, ``_parameters`` and ``_buffers``, side by side with torch: the views are the
layer's own direct members, in definition order, and writes through them change what ``parameters()``,
``named_modules()``, ``state_dict()``, attribute access and ``forward`` see (Sequential, ModuleList and
ModuleDict too)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(3))
            self.fc = lib.nn.Linear(3, 4)
            self.register_buffer("steps", lib.zeros(1))
            self.register_parameter("shift", None)
            self.act = lib.nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x * self.scale))
    return Net()


def _names(module):
    return ([n for n, _ in module.named_parameters()], [n for n, _ in module.named_buffers()],
            [n for n, _ in module.named_modules()], list(module.state_dict()))


def test_the_views_list_the_direct_members_in_definition_order_with_none_slots():
    m, t = _net(mg), _net(torch)
    assert list(m._modules) == list(t._modules) == ["fc", "act"]
    assert list(m._parameters) == list(t._parameters) == ["scale", "shift"]
    assert list(m._buffers) == list(t._buffers) == ["steps"]
    assert m._parameters["shift"] is None and m._parameters["scale"] is m.scale
    assert m._buffers["steps"] is m.steps
    assert [c for _, c in m._modules.items()] == [m.fc, m.act]
    assert "fc" in m._modules and "scale" not in m._modules and len(m._modules) == 2


def test_writing_a_module_through_modules_swaps_it_everywhere():
    m, t = _net(mg), _net(torch)
    for lib, model in ((mg, m), (torch, t)):
        for name, child in list(model._modules.items()):
            if isinstance(child, lib.nn.ReLU):
                model._modules[name] = lib.nn.Tanh()
        model._modules["fc"] = lib.nn.Linear(3, 2)
        model._modules["extra"] = lib.nn.Identity()
    assert _names(m) == _names(t)
    assert type(m.act).__name__ == "Tanh" and m.fc.out_features == 2 and m._modules["fc"] is m.fc
    out = m(mg.tensor(np.array([[-1.0, 2.0, 3.0]])))
    assert out.shape == (1, 2) and float(out.data.min()) > -1.0
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Tanh", "Identity"]


def test_deleting_through_the_views_removes_the_member_and_the_attribute():
    m, t = _net(mg), _net(torch)
    for model in (m, t):
        del model._modules["act"]
        del model._parameters["scale"]
        del model._buffers["steps"]
    assert _names(m) == _names(t)
    for model in (m, t):
        for name in ("act", "scale", "steps"):
            assert not hasattr(model, name)
    with pytest.raises(KeyError):
        del m._modules["act"]


def test_parameters_and_buffers_written_through_the_views():
    m, t = _net(mg), _net(torch)
    for lib, model in ((mg, m), (torch, t)):
        model._parameters["scale"] = lib.nn.Parameter(lib.full((3,), 2.0))
        model._parameters["gain"] = lib.nn.Parameter(lib.ones(1))
        model._buffers["steps"] = lib.ones(1)
        model._buffers["count"] = lib.zeros(2)
    assert _names(m) == _names(t)
    assert m.scale is m._parameters["scale"] and float(m.scale.data[0]) == 2.0
    assert float(m.state_dict()["steps"].data[0]) == 1.0
    assert [id(p) for p in m.parameters()][:2] == [id(m.scale), id(m.gain)]


def test_a_plain_tensor_in_parameters_is_listed_as_torch_lists_it():
    m, t = _net(mg), _net(torch)
    m._parameters["scale"] = mg.ones(3)
    t._parameters["scale"] = torch.ones(3)
    assert _names(m) == _names(t)
    assert m.scale is m._parameters["scale"]


def test_wrong_values_raise_one_type_error_and_leave_the_layer():
    m = _net(mg)
    before = _names(m)
    with pytest.raises(TypeError, match=r"Net\._modules\['fc'\]: cannot assign 'int' as child module"):
        m._modules["fc"] = 3
    with pytest.raises(TypeError, match=r"Net\._parameters\['scale'\]: cannot assign 'ndarray' as parameter"):
        m._parameters["scale"] = np.ones(3)
    with pytest.raises(TypeError, match=r"Net\._buffers\['steps'\]: cannot assign 'str' as buffer"):
        m._buffers["steps"] = "x"
    assert _names(m) == before


def test_none_is_allowed_as_in_torch():
    m, t = _net(mg), _net(torch)
    for model in (m, t):
        model._modules["act"] = None
        model._parameters["scale"] = None
        model._buffers["steps"] = None
    assert _names(m) == _names(t)
    assert list(m._modules) == list(t._modules) and m.act is None and m.scale is None


def _seq(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def test_sequential_modules_replace_add_and_delete_layers_that_forward_runs():
    m, t = _seq(mg), _seq(torch)
    assert list(m._modules) == list(t._modules) == ["0", "1", "2"]
    for lib, model in ((mg, m), (torch, t)):
        model._modules["1"] = lib.nn.Tanh()
        model._modules["head"] = lib.nn.Linear(2, 5)
    assert _names(m) == _names(t)   # one name each, no duplicate "1" or "head"
    assert type(m[1]).__name__ == "Tanh" and m.head is m[3] and len(m) == 4
    assert m(mg.ones((1, 3))).shape == (1, 5)
    for model in (m, t):
        del model._modules["0"]
    assert _names(m) == _names(t)
    assert list(m._modules) == list(t._modules) == ["1", "2", "head"]
    assert m(mg.ones((1, 4))).shape == (1, 5)


def test_setattr_of_a_position_on_a_sequential_replaces_that_layer():
    m, t = _seq(mg), _seq(torch)
    for lib, model in ((mg, m), (torch, t)):
        for name, child in list(model.named_children()):
            if isinstance(child, lib.nn.ReLU):
                setattr(model, name, lib.nn.Tanh())
    assert _names(m) == _names(t) and len(m) == len(t) == 3
    assert type(getattr(m, "1")).__name__ == "Tanh"


def test_module_list_and_module_dict_views():
    for lib in (mg, torch):
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ReLU()])
        ml._modules["1"] = lib.nn.Tanh()
        assert type(ml[1]).__name__ == "Tanh" and list(ml._modules) == ["0", "1"]
        md = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 2), "b": lib.nn.ReLU()})
        md._modules["b"] = lib.nn.Tanh()
        md._modules["c"] = lib.nn.Identity()
        del md._modules["a"]
        assert list(md.keys()) == ["b", "c"] and type(md["b"]).__name__ == "Tanh" and md.c is md["c"]
        assert [n for n, _ in md.named_modules()] == ["", "b", "c"] and list(md.state_dict()) == []
    pl = nn.ParameterList([nn.Parameter(mg.ones(2))])
    pl._parameters["0"] = nn.Parameter(mg.zeros(3))
    assert pl[0].shape == (3,) and list(pl.state_dict()) == ["0"]
    with pytest.raises(TypeError, match=r"ModuleList\._modules\['0'\]: cannot assign 'int' as child module"):
        nn.ModuleList([nn.ReLU()])._modules["0"] = 1


def test_setattr_and_getattr_of_a_position_on_module_and_parameter_lists_replace_that_member():
    for lib in (mg, torch):
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ReLU()])
        setattr(ml, "1", lib.nn.Tanh())
        assert len(ml) == 2 and [n for n, _ in ml.named_children()] == ["0", "1"]
        assert type(ml[1]).__name__ == "Tanh" and getattr(ml, "1") is ml[1]
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2))])
        setattr(pl, "0", lib.nn.Parameter(lib.zeros(3)))
        assert len(pl) == 1 and [n for n, _ in pl.named_parameters()] == ["0"] and tuple(pl[0].shape) == (3,)
    with pytest.raises(TypeError, match="ModuleList.__setattr__: expected a Layer, got int"):
        setattr(nn.ModuleList([nn.ReLU()]), "0", 1)


def test_a_parameter_and_buffer_written_onto_a_container_come_first_as_torch_orders_them():
    def build(lib):
        seq = _seq(lib)
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2)])
        md = lib.nn.ModuleDict({"a": lib.nn.Linear(2, 2)})
        for model in (seq, ml, md):
            model._parameters["w"] = lib.nn.Parameter(lib.ones(1))
            model._buffers["b"] = lib.zeros(1)
        return seq, ml, md
    for ours, theirs in zip(build(mg), build(torch)):
        assert _names(ours) == _names(theirs)
