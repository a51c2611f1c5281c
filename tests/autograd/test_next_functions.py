"""grad_fn.next_functions: torch's view of the graph, walked by hand in tutorials; and bare @no_grad."""
import pytest
import torch

import minigrad as mg


def _walk(lib):
    """The graph of ((w * 2 + c) * w).sum() as nested (kind, index) names, reached through next_functions only."""
    w, c = lib.ones(3, requires_grad=True), lib.ones(3)
    y = ((w * 2 + c) * w).sum()

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


def test_next_functions_after_the_graph_was_freed_is_one_clear_error():
    y = (mg.ones(2, requires_grad=True) * 3).sum()
    node = y.grad_fn
    y.backward()
    with pytest.raises(RuntimeError, match="^Sum: the graph behind this node was freed by backward"):
        node.next_functions


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
