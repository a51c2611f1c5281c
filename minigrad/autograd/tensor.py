"""``Tensor``: an array on a device, with an optional gradient and a link to the op that made it."""
from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.autograd.mode import STATE
from minigrad.autograd.write_stamps import _mark_written


class _NotGiven:
    """The default of ``axis`` and ``dim`` in var and std: ``axis=None`` given is NumPy's call over every axis
    (ddof=0) and ``dim=None`` PyTorch's (correction=1), so both must be told apart from an argument left out."""

    def __repr__(self):
        return "<not given>"


NOT_GIVEN = _NotGiven()


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``data`` is the backend array (NumPy on ``"cpu"``, CuPy on ``"cuda:N"``).
    A tensor made by an op while grad mode is on and some input requires grad
    has a ``creator`` (the graph node) and ``requires_grad=True``; a tensor
    without creator is a leaf. ``backward()`` fills the ``grad`` of leaves that
    require grad.

    Comparisons are elementwise, so a Tensor is hashable by identity (as a dict
    key, e.g. in optimizer state) and never by value.
    """

    # _post_hooks is set only on a leaf given a post-accumulate-grad hook (backward_hooks.py).
    __slots__ = ("data", "grad", "requires_grad", "creator", "_out_index", "_hooks", "name",
                 "_post_hooks", "__weakref__")
    __hash__ = object.__hash__
    # Make NumPy hand `ndarray <op> Tensor` back to the Tensor's reflected operator.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        if not isinstance(data, np.ndarray) and backend.get_array_module(data) is np:
            data = np.asarray(data)
        if data.dtype.kind in "OSUV":  # objects, strings, records: nothing an op can compute with
            raise TypeError(f"Tensor: cannot hold an array of dtype {data.dtype} (shape {tuple(data.shape)}); "
                            "a Tensor holds numbers or bools (a dict from a dataset? return arrays or a tuple)")
        self.data = data
        self.grad = None
        self.creator = None
        self._out_index = 0
        self._hooks = None
        self.name = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, creator, index):
        """Wrap an op's result (the hot path: no checks)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.creator = creator
        t._out_index = index
        t._hooks = None
        t.name = None
        t.requires_grad = creator is not None
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    @property
    def T(self):
        return _ops.transpose(self)

    def _xp(self):
        return backend.get_array_module(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __repr__(self):
        body = np.array2string(backend.to_numpy(self.data), separator=", ", prefix="tensor(")
        extras = []
        if self.dtype != backend.DEFAULT_FLOAT:
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.creator is not None:
            extras.append(f"grad_fn=<{self.creator.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU, a copy from a GPU)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values as a NumPy array (shared on the CPU; see ``numpy()`` for GPUs)."""
        if backend.device_of(self.data) != "cpu":
            raise TypeError(
                f"np.asarray: this tensor is on {self.device}; NumPy cannot read GPU memory. "
                "Copy it to the host explicitly with t.numpy() or t.cpu()"
            )
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        if copy is False and dtype is not None and np.dtype(dtype) != self.data.dtype:
            raise ValueError(f"np.asarray(copy=False): casting {self.dtype} to {np.dtype(dtype)} needs a copy")
        return np.asarray(self.data, dtype=dtype)

    def __dlpack__(self, **kwargs):
        """Export the memory (no copy) through DLPack; no gradient crosses (see docs/interop.md)."""
        return backend.to_dlpack(self.data, **kwargs)

    def __dlpack_device__(self):
        return self.data.__dlpack_device__()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): tensor has {self.data.size} elements (shape {self.shape}), expected 1")
        return self.data.item()

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def detach(self):
        """A new leaf that shares this tensor's data and records no history."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on a leaf in place and return it."""
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating-point tensors can require grad; this tensor has dtype {self.dtype}"
            )
        if not requires_grad and self.creator is not None:
            raise RuntimeError("requires_grad_(False) is only for leaves; use detach() on a non-leaf")
        self.requires_grad = bool(requires_grad)
        return self

    def to(self, device):
        """This tensor on ``device`` (itself when already there; differentiable otherwise)."""
        device = backend.normalize_device(device)
        if device == self.device:
            return self
        return _ops.to_device(self, device)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy cast to ``dtype`` (differentiable between floating types)."""
        return _ops.astype(self, dtype)

    # ----------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf behind it.

        ``grad`` is the gradient of some scalar with respect to this tensor; it
        defaults to 1 for a one-element tensor. The graph is freed afterwards
        unless ``retain_graph``; ``create_graph`` records the backward pass so
        that the gradients can be differentiated again.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no graph "
                "(was it computed under no_grad, or from inputs that do not require grad?)"
            )
        if STATE.backward_records_graph:
            create_graph = retain_graph = True
        grad = _initial_grad(self, grad, "backward()")
        _engine.run_backward([self], [grad], retain_graph or create_graph, create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self.creator is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            fn = self.creator
            if fn._hooks is None:
                fn._hooks = {}
            hooks = fn._hooks.setdefault(self._out_index, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` in each backward pass as soon as this leaf's ``.grad`` holds its final value for the
        pass (every contribution added), possibly while the rest of the graph is still being differentiated.

        Only for leaves that require grad. It does not run when the pass gives the leaf no gradient, nor
        inside ``minigrad.grad`` (which writes no ``.grad``). Under ``create_graph=True`` it sees the
        recorded ``.grad``. ``hook`` must return None. Returns a handle whose ``remove()`` unregisters it.
        """
        if self.creator is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only for leaf tensors (this one was made by "
                               f"{self.creator.name}); use register_hook on a non-leaf")
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a tensor that does "
                               "not require grad")
        return _backward_hooks.register_post_accumulate_grad_hook(self, hook)

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    # x += y and the like: in place, as in PyTorch, where no graph is being recorded (so that
    # `with no_grad(): p -= lr * p.grad` updates p); while recording, x = x + y as a new node.
    def __iadd__(self, other):
        return self._update(other, "+=", _ops.add, "add")

    def __isub__(self, other):
        return self._update(other, "-=", _ops.sub, "subtract")

    def __imul__(self, other):
        return self._update(other, "*=", _ops.mul, "multiply")

    def __itruediv__(self, other):
        return self._update(other, "/=", _ops.div, "divide")

    def _update(self, other, symbol, op, ufunc):
        """``self <symbol> other``: written into ``self.data``, or recorded as ``self = op(self, other)``."""
        if STATE.grad_enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if self.requires_grad and self.creator is None:
                raise RuntimeError(
                    f"x {symbol} y on a leaf tensor that requires grad (shape {tuple(self.shape)}), a parameter "
                    "say, would cut it from its gradient; update it under minigrad.no_grad() (as an optimizer "
                    "does), or write x = x + y for a new tensor")
            out = op(self, other)
            if out.shape != self.shape:   # the same rule as in place: x keeps its shape
                raise ValueError(f"x {symbol} y: the result has shape {tuple(out.shape)}, not x's {tuple(self.shape)}")
            return out
        value = other.data if isinstance(other, Tensor) else other
        if (hasattr(value, "dtype") and getattr(value, "ndim", 0) and value.dtype != self.dtype
                and value.dtype.kind in "fc" and self.dtype.kind in "fc"):   # as the ops: never a silent cast
            raise TypeError(f"x {symbol} y: x has dtype {self.dtype} and y {value.dtype}; "
                            f"convert one of them first, e.g. y.astype({self.dtype.name!r})")
        try:  # the result keeps x's dtype and shape (a NumPy scalar joins like the Python number it holds)
            getattr(self._xp(), ufunc)(self.data, value, out=self.data, casting="same_kind")
        except (TypeError, ValueError, OverflowError) as exc:
            got = (f"shape {tuple(value.shape)} and dtype {value.dtype}" if hasattr(value, "dtype")
                   else f"{type(value).__name__} {value!r}")
            kind = next(k for k in (TypeError, OverflowError, ValueError) if isinstance(exc, k))  # not NumPy's own
            raise kind(f"x {symbol} y: cannot update x (shape {tuple(self.shape)}, dtype {self.dtype}, "
                       f"{self.device}) in place with y ({got}): {str(exc).splitlines()[0]}") from None
        _mark_written(self)  # a graph recorded before must not use the new values
        return self

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        if self.requires_grad and STATE.grad_enabled:
            raise RuntimeError(
                "in-place assignment to a tensor that requires grad would corrupt its gradient; "
                "build a new tensor (e.g. with minigrad.where) or assign under minigrad.no_grad()"
            )
        self.data[_ops.raw_index(index)] = value.data if isinstance(value, Tensor) else value
        # Stamp the write, so that backward can tell a graph node whose input changed after it was recorded.
        _mark_written(self)

    def __eq__(self, other):
        return _ops.equal(self, other)

    def __ne__(self, other):
        return _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    def __invert__(self):
        return _ops.logical_not(self)

    # ----------------------------------------------------------------- methods
    # Reductions take NumPy's axis/keepdims or PyTorch's dim/keepdim (docs/autodiff.md, section 15);
    # keepdims=None means "not given" (False). sum and mean test for dim first: they are the hot ones.
    def sum(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        if dim is None and keepdim is None:
            return _ops.sum(self, axis, keepdims)
        return _ops.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        if dim is None and keepdim is None:
            return _ops.mean(self, axis, keepdims)
        return _ops.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    # max, min, var and std take their axis by keyword: NumPy and PyTorch read a positional one differently.
    def var(self, *positional, **kwargs):
        """Variance; say which: ``axis=``/``ddof=`` (NumPy's, n) or ``dim=``/``correction=`` (PyTorch's, n - 1)."""
        return _ops.var(self, *positional, **kwargs)

    def std(self, *positional, **kwargs):
        """Standard deviation, with var's arguments and defaults (see ``minigrad.std``)."""
        return _ops.std(self, *positional, **kwargs)

    def max(self, *positional, axis=None, keepdims=None, dim=None, keepdim=None):
        """The maxima over ``axis``; with ``dim=``, PyTorch's ``(values, indices)``."""
        return _ops.max(self, *positional, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)

    def min(self, *positional, axis=None, keepdims=None, dim=None, keepdim=None):
        """The minima over ``axis``; with ``dim=``, PyTorch's ``(values, indices)``."""
        return _ops.min(self, *positional, axis=axis, keepdims=keepdims, dim=dim, keepdim=keepdim)

    def logsumexp(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _ops.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmax(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _ops.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _ops.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def reshape(self, *shape):
        return _ops.reshape(self, *shape)

    def transpose(self, *axes):
        return _ops.transpose(self, *axes)

    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis):
        return _ops.expand_dims(self, axis)

    def flatten(self):
        return _ops.flatten(self)

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def abs(self):
        return _ops.abs(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def leaky_relu(self, negative_slope=0.01):
        return _ops.leaky_relu(self, negative_slope)

    def softplus(self):
        return _ops.softplus(self)

    def clip(self, lo=None, hi=None):
        return _ops.clip(self, lo, hi)

    # ----------------------------------------------------------------- PyTorch's spellings
    # Only names with no NumPy meaning of their own: x.transpose and x.size stay NumPy's (x.max(1) is asked).
    def view(self, *shape):
        """``reshape`` under PyTorch's name: ints or one tuple, one of them may be -1.

        Like ``reshape`` it shares memory where NumPy can, and copies where torch.view would refuse.
        """
        return _ops.reshape(self, *shape)

    def permute(self, *dims):
        """The dims reordered, as ``torch.permute``: dim i of the result is dim ``dims[i]`` (negative allowed)."""
        return _ops.permute(self, *dims)

    def unsqueeze(self, dim):
        """A new dim of length one at ``dim``, in [-ndim-1, ndim] (``expand_dims`` under PyTorch's name)."""
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` as ``torch.Tensor.expand``: -1 keeps a size, new dims may lead."""
        return _ops.expand(self, *sizes)

    def numel(self) -> int:
        """The number of elements (``size`` here, ``numel()`` in PyTorch)."""
        return self.data.size

    def dim(self) -> int:
        """The number of dims (``ndim``)."""
        return self.data.ndim

    def matmul(self, other):
        return _ops.matmul(self, other)

    def clamp(self, min=None, max=None):  # noqa: A002
        """Values limited to [min, max] as ``torch.clamp`` (see ``minigrad.clamp``)."""
        return _ops.clamp(self, min, max)

    def float(self):
        """A float32 copy (differentiable, like ``astype``); itself when already float32."""
        return _ops.astype(self, "float32")

    def double(self):
        """A float64 copy (differentiable, like ``astype``); itself when already float64."""
        return _ops.astype(self, "float64")

    def long(self):
        """An int64 copy, without gradient."""
        return _ops.astype(self, "int64")

    def int(self):
        """An int32 copy, without gradient (``int(t)`` is still the Python number of a one-element tensor)."""
        return _ops.astype(self, "int32")

    def bool(self):
        """A bool copy, without gradient (``bool(t)`` is still the truth of a one-element tensor)."""
        return _ops.astype(self, "bool")

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def softmax(self, dim):
        """Probabilities along ``dim`` (see ``minigrad.softmax``)."""
        return _ops.softmax(self, dim=dim)

    def log_softmax(self, dim):
        """Log-probabilities along ``dim`` (see ``minigrad.log_softmax``)."""
        return _ops.log_softmax(self, dim=dim)

    def gather(self, dim, index):
        """Values along ``dim`` at ``index`` (see ``minigrad.gather``)."""
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        """A copy with ``src`` added where ``index`` sends it along ``dim`` (see ``minigrad.scatter_add``)."""
        return _ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is set, else this tensor's values (see ``minigrad.masked_fill``)."""
        return _ops.masked_fill(self, mask, value)

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces along ``dim`` (see ``minigrad.chunk``)."""
        return _ops.chunk(self, chunks, dim)

    def split(self, split_size_or_sections, dim=0):
        """``torch.Tensor.split``: pieces of ``split_size`` along ``dim`` (the last one shorter), or of the
        given sizes. NumPy arrays have no split method, so this is PyTorch's (``minigrad.split`` asks)."""
        return _ops.torch_split(self, split_size_or_sections, dim)

    def repeat(self, *sizes, **kwargs):
        """``torch.Tensor.repeat``: the whole tensor tiled, one count per dim (a call NumPy's ``repeat`` would
        read as repeating elements is refused; ``tile`` says PyTorch's meaning in both)."""
        return _ops.repeat(self, *sizes, **kwargs)

    def tile(self, *reps):
        """Copies side by side, as ``numpy.tile`` and ``torch.tile`` (see ``minigrad.tile``)."""
        return _ops.tile(self, *reps)

    def t(self):
        """A 2-D tensor transposed; a 0-d or 1-D one as it is (``torch.Tensor.t``)."""
        return _ops.t(self)

    def tril(self, diagonal=0):
        return _ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _ops.triu(self, diagonal)

    def outer(self, other):
        return _ops.outer(self, other)

    def clone(self):
        """A differentiable copy in new memory (``torch.Tensor.clone``)."""
        return _ops.clone(self)

    def contiguous(self):
        """Itself, as ``torch.Tensor.contiguous`` on contiguous data (minigrad never needs a contiguous copy)."""
        return self

    def zero_(self):
        """Fill with zeros in place and return ``self``, as ``torch.Tensor.zero_``.

        Refused on a tensor that requires grad while grad mode is on (PyTorch refuses a leaf; it records
        a non-leaf's write in the graph, which minigrad does not do). Under ``no_grad`` a parameter can be
        zeroed; the write is stamped, so a graph recorded before it refuses to backward.
        """
        if self.requires_grad and STATE.grad_enabled:
            kind = "a leaf tensor" if self.creator is None else "a tensor"
            raise RuntimeError(
                f"zero_(): {kind} that requires grad (shape {tuple(self.shape)}) cannot be written in place while "
                "grad mode is on; call it under minigrad.no_grad(), or build a new tensor (minigrad.zeros_like)")
        self.data[...] = 0
        _mark_written(self)
        return self

    # Reductions, scans and sorts under PyTorch's names (docs/autodiff.md, section 15).
    def prod(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """The product over ``axis`` or ``dim`` (see ``minigrad.prod``); exact gradient at zeros."""
        return _ops.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def cumsum(self, dim=None, *, axis=NOT_GIVEN):
        """The running sum along ``dim`` (or NumPy's ``axis``; ``axis=None``: flattened)."""
        return _ops.cumsum(self, dim, axis=axis)

    def norm(self, p=2, dim=None, keepdim=False):
        """The vector p-norm over ``dim``, as ``torch.Tensor.norm`` (see ``minigrad.norm``)."""
        return _ops.norm(self, p, dim, keepdim)

    def sort(self, *positional, dim=None, axis=NOT_GIVEN, descending=None, stable=None):
        """PyTorch's ``(values, indices)`` with ``dim``/``descending``, NumPy's values with ``axis``; else asked."""
        return _ops.sort(self, *positional, dim=dim, axis=axis, descending=descending, stable=stable)

    def argsort(self, dim=None, *, axis=NOT_GIVEN, descending=False, stable=False):
        """The int64 indices that sort along ``dim`` (default -1), ties in their order."""
        return _ops.argsort(self, dim, axis=axis, descending=descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        """The ``k`` largest (or smallest) entries along ``dim``: ``(values, indices)``, as ``torch.topk``."""
        return _ops.topk(self, k, dim, largest, sorted)

    def all(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """True where every entry over ``axis``/``dim`` is nonzero (a bool tensor)."""
        return _ops.all(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def any(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """True where some entry over ``axis``/``dim`` is nonzero (a bool tensor)."""
        return _ops.any(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def isnan(self):
        return _ops.isnan(self)

    def isinf(self):
        return _ops.isinf(self)

    def isfinite(self):
        return _ops.isfinite(self)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Whether every entry is close to ``other``'s (a Python bool), as ``torch.Tensor.allclose``."""
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def sign(self):
        """-1, 0 or 1 by sign (differentiable, with gradient 0)."""
        return _ops.sign(self)

    # ----------------------------------------------------------------- PyTorch's elementwise arithmetic, comparisons and math functions
    # (section: elementwise)
    # Arithmetic under torch's names and arguments (alpha, rounding_mode); the operators call the same functions.
    def add(self, other, *, alpha=1):
        """self + alpha * other (``torch.Tensor.add``)."""
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        """self - alpha * other (``torch.Tensor.sub``)."""
        return _ops.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _ops.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        """self / other; ``rounding_mode`` "trunc" or "floor" rounds the quotient (see ``minigrad.div``)."""
        return _ops.div(self, other, rounding_mode=rounding_mode)

    divide = div

    def true_divide(self, other):
        return _ops.div(self, other)

    def neg(self):
        return _ops.neg(self)

    negative = neg

    def positive(self):
        """Itself (``torch.Tensor.positive``); refused for bool tensors."""
        return _ops.positive(self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    # Comparisons (bool tensors, no gradient). ``equal`` is torch's: one Python bool for the whole tensor.
    def eq(self, other):
        return _ops.equal(self, other)

    def ne(self, other):
        return _ops.not_equal(self, other)

    def gt(self, other):
        return _ops.greater(self, other)

    def ge(self, other):
        return _ops.greater_equal(self, other)

    def lt(self, other):
        return _ops.less(self, other)

    def le(self, other):
        return _ops.less_equal(self, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other):
        """True when ``other`` has this shape and the same values everywhere (NaN equals nothing), as
        ``torch.Tensor.equal``; a Python bool. (``minigrad.equal`` is NumPy's elementwise ``==``.)"""
        if not isinstance(other, Tensor):
            raise TypeError(f"equal: expected a Tensor, got {type(other).__name__}")
        if other.device != self.device:
            raise ValueError(f"equal: tensors are on different devices, {self.device} and {other.device}")
        return self.shape == other.shape and bool((self.data == other.data).all())

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def fmax(self, other):
        return _ops.fmax(self, other)

    def fmin(self, other):
        return _ops.fmin(self, other)

    def logical_and(self, other):
        return _ops.logical_and(self, other)

    def logical_or(self, other):
        return _ops.logical_or(self, other)

    def logical_xor(self, other):
        return _ops.logical_xor(self, other)

    def logical_not(self):
        return _ops.logical_not(self)

    def bitwise_and(self, other):
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _ops.bitwise_xor(self, other)

    def bitwise_not(self):
        return _ops.bitwise_not(self)

    # Rounding (gradient 0) and the unary math functions.
    def floor(self):
        return _ops.floor(self)

    def ceil(self):
        return _ops.ceil(self)

    def round(self, decimals=0):
        """Rounded to ``decimals`` places, halves to even (``torch.Tensor.round``)."""
        return _ops.round(self, decimals)

    def trunc(self):
        return _ops.trunc(self)

    fix = trunc

    def frac(self):
        return _ops.frac(self)

    def square(self):
        return _ops.square(self)

    def rsqrt(self):
        return _ops.rsqrt(self)

    def reciprocal(self):
        return _ops.reciprocal(self)

    def log1p(self):
        return _ops.log1p(self)

    def expm1(self):
        return _ops.expm1(self)

    def log2(self):
        return _ops.log2(self)

    def log10(self):
        return _ops.log10(self)

    def exp2(self):
        return _ops.exp2(self)

    def tan(self):
        return _ops.tan(self)

    def sinh(self):
        return _ops.sinh(self)

    def cosh(self):
        return _ops.cosh(self)

    def asin(self):
        return _ops.asin(self)

    def acos(self):
        return _ops.acos(self)

    def atan(self):
        return _ops.atan(self)

    def asinh(self):
        return _ops.asinh(self)

    def acosh(self):
        return _ops.acosh(self)

    def atanh(self):
        return _ops.atanh(self)

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

    def erf(self):
        return _ops.erf(self)

    def erfc(self):
        return _ops.erfc(self)

    def erfinv(self):
        return _ops.erfinv(self)

    def sinc(self):
        return _ops.sinc(self)

    def sgn(self):
        return _ops.sgn(self)

    def logit(self, eps=None):
        return _ops.logit(self, eps)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _ops.nan_to_num(self, nan, posinf, neginf)

    def deg2rad(self):
        return _ops.deg2rad(self)

    def rad2deg(self):
        return _ops.rad2deg(self)

    def signbit(self):
        return _ops.signbit(self)

    def isneginf(self):
        return _ops.isneginf(self)

    def isposinf(self):
        return _ops.isposinf(self)

    def isreal(self):
        return _ops.isreal(self)

    # Binary math functions.
    def atan2(self, other):
        return _ops.atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        return _ops.hypot(self, other)

    def logaddexp(self, other):
        return _ops.logaddexp(self, other)

    def logaddexp2(self, other):
        return _ops.logaddexp2(self, other)

    def xlogy(self, other):
        return _ops.xlogy(self, other)

    def copysign(self, other):
        return _ops.copysign(self, other)

    def fmod(self, other):
        return _ops.fmod(self, other)

    def remainder(self, other):
        return _ops.remainder(self, other)

    def floor_divide(self, other):
        return _ops.floor_divide(self, other)

    def float_power(self, exponent):
        """self ** exponent in float64 (``torch.Tensor.float_power``)."""
        return _ops.float_power(self, exponent)

    def lerp(self, end, weight):
        return _ops.lerp(self, end, weight)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return _ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _ops.addcdiv(self, tensor1, tensor2, value=value)

    def clamp_min(self, min):  # noqa: A002
        return _ops.clamp_min(self, min)

    def clamp_max(self, max):  # noqa: A002
        return _ops.clamp_max(self, max)

    def heaviside(self, values):
        return _ops.heaviside(self, values)


    # ----------------------------------------------------------------- PyTorch's shape, indexing and tensor-property methods
    # (section: shapes)

    # ----------------------------------------------------------------- PyTorch's indexing, scatter and counting methods
    # (section: indexing)

    # ----------------------------------------------------------------- PyTorch's reductions, scans, matrix products and linear algebra
    # (section: reductions)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# These need Tensor, so they are imported once it exists.
from minigrad.autograd.coercion import _initial_grad  # noqa: E402
from minigrad import ops as _ops  # noqa: E402  (ops import Tensor; Tensor's operators call ops)
from minigrad.autograd import engine as _engine  # noqa: E402
from minigrad.autograd import backward_hooks as _backward_hooks  # noqa: E402
