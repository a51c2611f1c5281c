"""grad_fn.next_functions: torch's view of the graph, walked by hand in tutorials; and bare @no_grad."""
import numpy as np
import pytest
import torch

import minigrad as mg


def _walk(lib, backward_first=False):
    """The graph of ((w * 2 + c) * w).sum() as nested (kind, index) names, reached through next_functions only
    (after a backward without retain_graph with ``backward_first``)."""
    w, c = lib.ones(3, requires_grad=True), lib.ones(3)
    y = ((w * 2 + c) * w).sum()
    if backward_first:
        y.backward()

    def kind(node):
        if node is None:
            return None
        name = type(node).__name__
        return "leaf" if name == "AccumulateGrad" else "op"

    seen, stack = [], [(y.grad_fn, 0)]
    while stack:
        node, index = stack.pop()
        seen.append((kind(node), index))
        if node is not None:
            stack.extend(node.next_functions)
    leaves = [n for n, _ in _nodes(y.grad_fn) if type(n).__name__ == "AccumulateGrad"]
    return seen, all(leaf.variable is w for leaf in leaves), len(leaves)


def _nodes(node):
    out, stack = [], list(node.next_functions)
    while stack:
        n, i = stack.pop()
        if n is not None:
            out.append((n, i))
            stack.extend(n.next_functions)
    return out


def test_next_functions_walk_the_graph_as_torchs():
    ours, theirs = _walk(mg), _walk(torch)
    assert ours == theirs
    assert ours[1] is True and ours[2] == 2   # w reached twice, as the variable of an AccumulateGrad


def test_next_functions_after_a_backward_without_retain_graph_is_torchs():
    assert _walk(mg, backward_first=True) == _walk(torch, backward_first=True) == _walk(torch)


def _split_edges(lib, backward_first):
    """The (node name, output index) edges of ``(b * 3).sum()`` for ``a, b = (w * 2).split(2)``, one level down."""
    w = lib.ones(4, requires_grad=True)
    _, b = (w * 2).split(2)
    y = (b * 3).sum()
    if backward_first:
        y.backward()
    (mul, index), = y.grad_fn.next_functions
    return index, [(None if n is None else type(n).__name__.replace("Backward0", ""), i)
                   for n, i in mul.next_functions]


@pytest.mark.parametrize("backward_first", [False, True])
def test_an_edge_into_a_later_output_of_a_node_keeps_its_index_after_backward_as_torchs(backward_first):
    ours = _split_edges(mg, backward_first)
    assert ours == (0, [("Split", 1), (None, 0)])
    assert ours == _split_edges(torch, backward_first)


@pytest.mark.parametrize("backward_first", [False, True])
def test_a_leaf_that_stops_requiring_grad_after_the_forward_keeps_its_edge_as_torchs(backward_first):
    def edges(lib):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        y = a * b
        a.requires_grad_(False)   # after the node was recorded: its edge stays, as the node needs a's gradient
        if backward_first:
            y.sum().backward()
        return [(type(n).__name__ if n is not None else None, i) for n, i in y.grad_fn.next_functions]

    assert edges(mg) == edges(torch) == [("AccumulateGrad", 0), ("AccumulateGrad", 0)]


def test_a_backward_frees_what_nodes_saved_but_keeps_the_edges():
    import gc
    import weakref

    w = mg.ones(4, requires_grad=True)
    hidden = mg.tanh(w * 3)             # Tanh keeps its output; Mul its inputs
    kept = [weakref.ref(hidden.data)]
    y = (hidden * hidden).sum()
    tanh_node = hidden.creator
    del hidden
    y.backward()
    gc.collect()
    assert kept[0]() is None            # the intermediate array is freed, as before
    assert tanh_node.inputs is None and tanh_node._output_data is None and vars(tanh_node) == {}
    (mul, _), = y.grad_fn.next_functions
    assert [type(n).__name__ for n, _ in mul.next_functions] == ["Tanh", "Tanh"]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


class _Masked(mg.Function):
    """x * (x > 0), its mask saved in an attribute (the learner's way)."""

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, F, gy, x):
        return gy * self.mask


class _SavesInAClosure(mg.Function):
    def forward(self, x):
        def keep(node):
            node.kept = x
        keep(self)
        return x * 2

    def backward(self, F, gy, x):
        return gy * 2


class _SavesNothing(mg.Function):
    def forward(self, x):
        return x * 2

    def backward(self, F, gy, x):
        return gy * 2


def test_an_op_that_saves_an_attribute_has_it_freed_by_backward_while_its_node_stays():
    import gc
    import weakref

    w = mg.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = _Masked.apply(w * 1.0).sum()
    node, _ = y.grad_fn.next_functions[0]
    mask = weakref.ref(node.mask)
    y.backward()
    gc.collect()
    assert mask() is None and vars(node) == {}                      # freed, as torch frees saved tensors
    assert y.grad_fn.next_functions[0][0] is node                     # the node itself stays, for next_functions
    assert w.grad.tolist() == [0.0, 1.0, 1.0]


def test_an_in_place_writes_array_on_a_node_that_saves_nothing_is_freed_by_backward():
    # recorded_writes keeps the written tensor's array on the node (view_data) to check later writes; ReLU's own
    # code sets no attribute, so the node says so itself
    import gc
    import weakref

    x = mg.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    h = x * 2.0
    h.relu_()
    node = h.creator
    kept = weakref.ref(node.view_data)
    loss = (h * 3.0).sum()
    del h
    loss.backward()
    gc.collect()
    assert kept() is None and vars(node) == {}


def test_an_op_that_stores_attributes_another_way_says_so_itself():
    class Setattr(mg.Function):
        sets_attributes = True

        def forward(self, x):
            setattr(self, "kept", x)   # no STORE_ATTR in its code
            return x * 2

        def backward(self, F, gy, x):
            return gy * 2

    assert Setattr.sets_attributes
    w = mg.ones(3, requires_grad=True)
    y = Setattr.apply(w * 1.0).sum()
    node, _ = y.grad_fn.next_functions[0]
    y.backward()
    assert vars(node) == {}


def test_which_ops_set_attributes_is_read_from_their_code():
    # the engine clears a node's attributes after backward only where its class sets any: making an empty
    # __dict__ to clear it cost the deep chain 3% a node
    from minigrad.autograd.custom_function import CustomNode
    from minigrad.nn.fused import SquaredError
    from minigrad.ops.arithmetic import Mul

    assert _Masked.sets_attributes and _SavesInAClosure.sets_attributes and SquaredError.sets_attributes
    assert CustomNode.sets_attributes   # its ctx's saved tensors are freed by its own _release
    assert not _SavesNothing.sets_attributes and not Mul.sets_attributes

    class Subclass(_Masked):   # inherits a forward that saves
        pass

    assert Subclass.sets_attributes


@pytest.mark.parametrize("switch, recording", [("no_grad", False), ("enable_grad", True)])
def test_switches_decorate_without_parentheses_as_torch_2(switch, recording):
    w = mg.ones(2, requires_grad=True)

    @getattr(mg, switch)
    def f(x):
        """doc kept"""
        return x * 2

    with mg.set_grad_enabled(not recording):
        assert f(w).requires_grad is recording
    assert f.__doc__ == "doc kept" and f.__name__ == "f"
    with pytest.raises(TypeError, match=f"^{switch}: takes no arguments"):
        getattr(mg, switch)(3)


def test_a_custom_functions_ctx_keeps_its_attributes_and_loses_its_saved_tensors_after_backward():
    def run(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.k = k
                ctx.save_for_backward(x)
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        x = lib.ones(3, requires_grad=True)
        y = Scale.apply(x, 2.0)
        ctx = y.grad_fn.ctx if lib is mg else y.grad_fn
        y.sum().backward()
        with pytest.raises(RuntimeError, match="(?i)trying to backward through the graph a second time"):
            ctx.saved_tensors
        return ctx.k, [type(n).__name__ for n, _ in y.grad_fn.next_functions]

    assert run(mg) == run(torch)


def test_a_custom_functions_non_differentiable_outputs_are_freed_after_backward_as_before():
    # the graph now keeps its nodes for next_functions: ctx must not keep the outputs mark_non_differentiable named
    # (they held their arrays as long as the loss was held, where before the node and they were freed)
    import gc
    import weakref

    class MaxWithIndex(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = mg.tensor(mg.argmax(x).item())
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(x, index)
            return x.max(), index

        @staticmethod
        def backward(ctx, g, _):
            x, index = ctx.saved_tensors
            return mg.zeros_like(x).index_fill(0, index.reshape(1), 1.0) * g

    x = mg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    top, index = MaxWithIndex.apply(x)
    loss = top * 2
    kept = weakref.ref(index.data)
    del top, index
    loss.backward()
    gc.collect()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]
    assert kept() is None


def test_grad_fn_name_is_a_string_that_torchs_name_call_also_reads():
    # torch's tutorials print y.grad_fn.name(); that was "TypeError: 'str' object is not callable"
    from minigrad.utils.checkpoint import checkpoint

    x = mg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=mg.float64, requires_grad=True)
    y = (x * 2.0).sum()

    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            return g

    nodes = [y.grad_fn, y.grad_fn.next_functions[0][0], y.grad_fn.next_functions[0][0].next_functions[0][0],
             mg.linalg.inv_ex(x)[0].grad_fn, Cube.apply(x).grad_fn,
             checkpoint(lambda a: a.exp(), x, use_reentrant=False).grad_fn]
    names = ["Sum", "Mul", "AccumulateGrad", "Inv", "CubeBackward", "CheckpointBackward"]
    assert [n.name() for n in nodes] == names
    assert [n.name for n in nodes] == names and all(type(n.name()) is str for n in nodes)
    assert f"{nodes[0].name} node" == "Sum node"
