"""PyTorch's ``*_copy`` functions: each is a view op followed by a copy into new memory (``clone``), so a write
into the result never reaches the input. They are made from one table, ``COPIES``: name -> the view it copies.

Each gradient is the view's (the copy passes g through): a slice's gradient is g in the slice and 0 elsewhere,
a permutation's g permuted back, a reshape's g reshaped back, an expand's g summed back.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.ops._args import one_dim
from minigrad.ops.convert import clone
from minigrad.ops.diagonal import diagonal
from minigrad.ops.shape import expand, permute, reshape, t, torch_split, torch_squeeze, unsqueeze
from minigrad.ops.slice_writes import select
from minigrad.ops.splitting import split_with_sizes
from minigrad.ops.strided import as_strided
from minigrad.ops.unfold import unfold
from minigrad.ops.views import narrow, swapaxes, unbind
from minigrad.scalars import is_integer


def _squeeze(x, dim=None):
    """``torch.squeeze`` (a named dim of size other than 1 stays, as in torch)."""
    return torch_squeeze("squeeze_copy", as_tensor(x), dim)


def _slice(x, dim=0, start=None, end=None, step=1):
    """``torch.slice_copy``'s view: ``x[start:end:step]`` along ``dim`` (start and end clip as in Python)."""
    x = as_tensor(x)
    d = one_dim("slice_copy", x, dim, None)
    if not is_integer(step) or step <= 0:
        raise ValueError(f"slice_copy: step must be a positive int, got step={step!r}")
    return x[(slice(None),) * d + (slice(start, end, int(step)),)]


def _view(x, *size):
    return reshape(x, *size)


def _expand(x, size, *, implicit=False):
    return expand(x, *size) if isinstance(size, (tuple, list)) else expand(x, size)


def _permute(x, dims):
    return permute(x, *dims) if isinstance(dims, (tuple, list)) else permute(x, dims)


def _alias(x):
    return as_tensor(x)


def _detach(x):
    return as_tensor(x).detach()


# name -> (the view op, whether it gives a tuple of pieces)
COPIES = {
    "diagonal_copy": (diagonal, False),
    "permute_copy": (_permute, False),
    "transpose_copy": (swapaxes, False),       # torch.transpose(x, dim0, dim1) swaps two dims
    "t_copy": (t, False),
    "unsqueeze_copy": (unsqueeze, False),
    "squeeze_copy": (_squeeze, False),
    "expand_copy": (_expand, False),
    "view_copy": (_view, False),
    "unfold_copy": (unfold, False),
    "as_strided_copy": (as_strided, False),
    "select_copy": (select, False),
    "slice_copy": (_slice, False),
    "split_copy": (torch_split, True),
    "split_with_sizes_copy": (split_with_sizes, True),
    "unbind_copy": (unbind, True),
    "narrow_copy": (narrow, False),
    "alias_copy": (_alias, False),
    "detach_copy": (_detach, False),
}


def _make(name, view, pieces):
    def copy(x, *args, **kwargs):
        out = view(as_tensor(x), *args, **kwargs)
        return tuple(clone(p) for p in out) if pieces else clone(out)

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = (f"``torch.{name}``: ``{name[:-5]}`` followed by a copy into new memory"
                    f"{' (each piece)' if pieces else ''}.   dL/dx: the view's gradient.")
    return copy


for _name, (_view_op, _pieces) in COPIES.items():
    globals()[_name] = _make(_name, _view_op, _pieces)

__all__ = list(COPIES)
