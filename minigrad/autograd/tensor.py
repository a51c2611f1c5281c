"""``Tensor``: an array on a device, with an optional gradient and a link to the op that made it."""
from __future__ import annotations

import numbers
import weakref

import numpy as np

from minigrad import backend
from minigrad.autograd.grad_match import check_grad_slot
from minigrad.autograd.mode import STATE
from minigrad.autograd.printing import array_to_string
from minigrad.autograd.ragged import data_error
from minigrad.autograd.write_stamps import _address, _buffer, _mark_written, mark_detached, mark_relaid
from minigrad.autograd.write_stamps import NO_GRAD, _NO_GRAD_VIEWS, drops_grad, refuse_no_grad_view, \
    set_requires_grad
from minigrad.dtypes import complex64 as _COMPLEX64, float32 as _FLOAT32, float64 as _FLOAT64, int64 as _INT64
from minigrad.layout import strided
from minigrad.memory_format import (channels_last, channels_last_3d, check_memory_format, contiguous_format,
                                    is_channels_last)
from minigrad.scalars import (FLOAT32_MAX, INT64_MAX, INT64_MIN, _check_fits_float, check_fits, fill_number, is_integer,
                              short_number)


class _NotGiven:
    """The default of ``axis`` and ``dim`` in var and std: ``axis=None`` given is NumPy's call over every axis
    (ddof=0) and ``dim=None`` PyTorch's (correction=1), so both must be told apart from an argument left out."""

    def __repr__(self):
        return "<not given>"


NOT_GIVEN = _NotGiven()

# x <op>= y on a view while a graph is recorded is the in-place method's write (Tensor._update)
_IN_PLACE_OF_OPERATOR = {
    "+=": "add_", "-=": "sub_", "*=": "mul_", "/=": "div_", "//=": "floor_divide_", "%=": "remainder_",
    "**=": "pow_", "&=": "bitwise_and_", "|=": "bitwise_or_", "^=": "bitwise_xor_", "<<=": "bitwise_left_shift_",
    ">>=": "bitwise_right_shift_",
}


def is_read_only(data) -> bool:
    """Whether writing into the backend array ``data`` is refused: a read-only NumPy array, or a view whose
    entries share memory (an ``expand()``, a broadcast), where one write would change several entries."""
    # NumPy marks its broadcast read-only; CuPy has no such flag (its flags have no ``writeable``) and
    # broadcasts into a writable array, so a stride of 0 over two or more entries is what tells repetition
    # (an array with no entries repeats none, though NumPy gives its dims stride 0)
    if not getattr(data.flags, "writeable", True):
        return True
    return (0 in data.strides and 0 not in data.shape   # cheap tests first: this runs on every write
            and any(s == 0 and n > 1 for n, s in zip(data.shape, data.strides)))


_PYTHON_DATA = (list, tuple, int, float)


def _refuse_sizes(first, second):
    """``Tensor(2, 3)``: torch.Tensor's sizes; here the second argument would be ``requires_grad``."""
    sizes = ", ".join(str(s) for s in (first, second) if type(s) is int)
    raise TypeError(f"Tensor({sizes}): minigrad.Tensor(data, requires_grad=False) reads data, where torch.Tensor "
                    f"reads integers as sizes; write minigrad.empty({sizes}) (or minigrad.FloatTensor({sizes})) for "
                    f"an uninitialised tensor of that shape, minigrad.tensor([{sizes}]) for the data")


# the numbers x[index] = value converts as torch converts a Scalar (bool, int, float, complex and NumPy's scalars)
_NUMBER_TYPES = frozenset([bool, int, float, complex, *(np.dtype(c).type for c in "?bBhHiIlLqQefdgFDG")])
_SETITEM = "x[index] = value"

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
    __slots__ = ("data", "grad", "_requires_grad", "creator", "_out_index", "_hooks", "name",
                 "_post_hooks", "__weakref__")
    __hash__ = object.__hash__
    # Make NumPy hand `ndarray <op> Tensor` back to the Tensor's reflected operator.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        python_data = type(data) in _PYTHON_DATA
        if python_data and type(data) is int:
            _refuse_sizes(data, requires_grad)
        if not isinstance(data, np.ndarray) and backend.get_array_module(data) is np:
            try:
                data = np.asarray(data)
            except ValueError as exc:   # ragged nested lists: say where the lengths differ
                raise data_error("Tensor", data, exc) from None
        if python_data and data.dtype.kind in "biuf":
            # torch.Tensor is its FloatTensor: Python numbers become the default float (arrays keep their dtype)
            data = data.astype(backend.DEFAULT_FLOAT)
        if data.dtype.kind in "OSUVMm":  # objects, strings, records, datetimes: nothing an op can compute with
            raise TypeError(f"Tensor: cannot hold an array of dtype {data.dtype} (shape {tuple(data.shape)}); "
                            "a Tensor holds numbers or bools (strings and other objects stay in a list)")
        self.data = data
        self.grad = None
        self.creator = None
        self._out_index = 0
        self._hooks = None
        self.name = None
        self._requires_grad = False
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
        t._requires_grad = creator is not None
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
        """NumPy's ``x.size``, the number of elements (an int); called, PyTorch's ``x.size()`` (the shape) or
        ``x.size(dim)`` (one length). The two spellings cannot be confused: one is called, the other not."""
        return _Size(self.data)

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

    @property
    def mT(self):
        """The last two dims swapped (a batch of matrices transposed), as ``torch.Tensor.mT``; needs 2 or more dims."""
        return self._last_two_swapped("mT")

    def _last_two_swapped(self, name):
        if self.ndim < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return _ops.swapaxes(self, -2, -1)

    @property
    def mH(self):
        """The conjugate transpose of a batch of matrices (``torch.Tensor.mH``): ``mT``, conjugated when complex (a
        copy then: minigrad has no lazy conjugation)."""
        return self._last_two_swapped("mH").conj()

    def _xp(self):
        return backend.get_array_module(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __contains__(self, element):
        """``element in t``: whether any entry equals ``element`` (a number or a tensor, broadcast), as torch's.
        Python's fallback iterated the first dim: ``2 in t`` of a 2-D ``t`` was NumPy's "truth value of an array
        with more than one element is ambiguous", and of a 0-d one "len() of a 0-d tensor"."""
        if not isinstance(element, (Tensor, numbers.Number)):
            raise TypeError(f"Tensor.__contains__ takes a Tensor or a number, got {type(element).__name__} "
                            f"{element!r}")
        return bool((self == element).any().item())

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self._one_value("float"))

    def __int__(self):
        return int(self._one_value("int"))

    def __complex__(self):
        # without it complex(t) fell back to __float__, which a complex tensor refuses
        return complex(self._one_value("complex", real=False))

    def _one_value(self, name, real=True):
        """The number of a one-element tensor of any shape, as torch's ``float(t)`` (NumPy 2 converts 0-d arrays
        only); a complex one has its real part where ``real`` asks for a real number, refused with an imaginary
        part, as torch refuses it."""
        if self.data.size != 1:
            raise TypeError(f"{name}(): only one-element tensors can be converted to Python scalars, got shape "
                            f"{tuple(self.shape)}")
        value = self.data.item()
        if real and isinstance(value, complex):
            if value.imag:
                raise TypeError(f"{name}(): the tensor holds the complex number {value!r}; its imaginary part would "
                                "be dropped (torch refuses it too); take .real first")
            return value.real
        return value

    def __index__(self):
        """An integer (or bool) tensor of one element used as an index, as torch's: ``data[i:i + 16]`` for ``i`` from
        ``randint``, ``range(t)``."""
        if self.data.size != 1 or self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an index (got dtype "
                            f"{self.dtype}, shape {tuple(self.shape)})")
        return int(self.data.reshape(()).item())

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch; other tensors take no format spec."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for a tensor of shape {tuple(self.shape)}; "
                            "only a 0-d tensor formats as a number (use .item() or index it first)")
        return str(self)

    def __repr__(self):
        body = array_to_string(backend.to_numpy(self.data))   # under set_printoptions' options
        extras = []
        if self.size == 0:   # as torch: "[]" shows neither the shape (unless (0,)) nor whether it holds ints
            if self.ndim != 1:
                extras.append(f"size={tuple(self.shape)}")
            if self.dtype != backend.DEFAULT_FLOAT:
                extras.append(f"dtype={self.dtype}")
        elif self.dtype != backend.DEFAULT_FLOAT and self.dtype != np.int64 and self.dtype != np.bool_:
            extras.append(f"dtype={self.dtype}")   # torch names every dtype but the default float, int64 and bool
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.creator is not None:
            extras.append(f"grad_fn=<{self.creator.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # ----------------------------------------------------------------- conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU, a copy from a GPU).

        ``force`` is torch's (``t.numpy(force=True)``, which detaches and copies to the host first): here
        ``numpy()`` already does both, so either value gives the same array."""
        if not isinstance(force, (bool, np.bool_)):
            raise TypeError(f"Tensor.numpy: force must be a bool, got {type(force).__name__} {force!r}")
        return backend.to_numpy(self.data)

    # How many times NumPy has asked a Tensor for its values (__array__): minigrad.tensor compares it around its
    # np.asarray to learn, at no cost to a list of plain numbers, whether the data held a Tensor anywhere
    arrays_given = 0

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values as a NumPy array (shared on the CPU; see ``numpy()`` for GPUs)."""
        Tensor.arrays_given += 1
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

    def to_sparse(self, sparse_dim=None, *, layout=None):
        """This tensor's nonzero entries as a coalesced sparse COO tensor (``torch.Tensor.to_sparse``); the values are
        gathered from this tensor, so gradients reach it. ``sparse_dim`` < ndim keeps the last dims dense."""
        from minigrad.sparse import dense_to_sparse

        return dense_to_sparse(self, sparse_dim, layout)

    def to_dense(self):
        """Itself: a Tensor is already dense (``torch.Tensor.to_dense`` of a strided tensor)."""
        return self

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on a leaf in place and return it."""
        if not isinstance(requires_grad, (bool, np.bool_)):   # torch's check: "False" must not mean True
            raise TypeError(f"Tensor.requires_grad_: requires_grad must be a bool, got {requires_grad!r}")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise _no_grad_dtype_error(self)
        if not requires_grad and self.creator is not None:
            raise _leaf_only_error(self, "requires_grad_(False)", False)
        set_requires_grad(self, requires_grad)
        return self

    @property
    def requires_grad(self) -> bool:
        """Whether this tensor takes part in a graph: a leaf that ``backward`` fills the ``grad`` of, or an op's
        output recorded from one. Set it on a leaf only, to a bool, as torch's setter (a non-leaf's follows its
        inputs: use ``detach()`` for a copy outside the graph)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        # torch's checks, in its order: a bool, a leaf (True on a non-leaf is refused too), a dtype that has grads
        # (torch's setter raises RuntimeError for a non-bool, where its requires_grad_() raises TypeError)
        if not isinstance(value, (bool, np.bool_)):
            raise RuntimeError(f"Tensor.requires_grad: must be set to a bool, got {type(value).__name__} {value!r}")
        if self.creator is not None:
            raise _leaf_only_error(self, f"requires_grad = {bool(value)}", bool(value))
        if value and self.data.dtype.kind not in "fc":
            raise _no_grad_dtype_error(self)
        set_requires_grad(self, value)

    def to(self, *args, **kwargs):
        """This tensor on another device and/or in another dtype, as ``torch.Tensor.to``: ``x.to("cuda")``,
        ``x.to(mg.float64)``, ``x.to(device, dtype)``, ``x.to(other)`` (other's device and dtype), ``copy=True``.
        Itself when nothing changes (and no copy is asked for); differentiable otherwise."""
        device, dtype, copy = to_arguments("Tensor", args, kwargs)
        out = self
        if dtype is not None and dtype != self.data.dtype:
            out = _ops.astype(out, dtype)
        if device is not None and device != out.device:
            out = _ops.to_device(out, device)
        return _ops.clone(self) if copy and out is self else out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy cast to ``dtype`` (differentiable between floating types)."""
        return _ops.astype(self, dtype)

    # ----------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False, inputs=None, *, gradient=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf behind it.

        ``grad`` (or ``gradient=``, torch's keyword) is the gradient of some scalar with respect to this tensor;
        it defaults to 1 for a one-element tensor. The graph is freed afterwards
        unless ``retain_graph``; ``create_graph`` records the backward pass so
        that the gradients can be differentiated again. With ``inputs`` (a Tensor or a sequence of them, leaves
        or not) only their ``.grad`` is written, as torch's (``minigrad.autograd.backward``).
        """
        if gradient is not None:
            if grad is not None:
                raise TypeError("backward(): give the gradient once, as grad or as gradient= (torch's keyword), "
                                "not both")
            grad = gradient
        if not self._requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no graph "
                "(was it computed under no_grad, or from inputs that do not require grad?)"
            )
        if _NO_GRAD_VIEWS and drops_grad(self):
            raise _view_without_graph_error("backward()", self)
        if STATE.backward_records_graph:
            create_graph = retain_graph = True
        if inputs is not None:
            from minigrad.autograd.functional import backward

            return backward(self, grad, retain_graph or create_graph, create_graph, inputs)
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
        if hooks and isinstance(hooks[-1], _RetainGrad):   # retain_grad keeps the gradient after every hook
            hooks.insert(len(hooks) - 1, hook)
        else:
            hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` in each backward pass as soon as this leaf's ``.grad`` holds its final value for the
        pass (every contribution added), possibly while the rest of the graph is still being differentiated.

        Only for leaves that require grad. It does not run when the pass does not reach the leaf, nor inside
        ``minigrad.grad`` (which writes no ``.grad``); where the pass reaches it with no gradient (a node that sends
        None), or after a ``requires_grad_(False)`` that came after the forward, it runs with ``.grad`` left as it
        was, as torch's. Under ``create_graph=True`` it sees the
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

    # sub's body itself (sub and rsub share it): the operator pays no extra call for it
    def __sub__(self, other):
        return _arithmetic._subtract("sub", self, other)

    def __rsub__(self, other):
        return _arithmetic._subtract("sub", other, self)

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
        _arithmetic.check_subtraction(self, other)   # the in-place path below is NumPy's, which allows bools
        return self._update(other, "-=", _ops.sub, "subtract")

    def __imul__(self, other):
        return self._update(other, "*=", _ops.mul, "multiply")

    def __itruediv__(self, other):
        return self._update(other, "/=", _ops.div, "divide")

    def __iand__(self, other):
        return self._update(other, "&=", _ops.bitwise_and, "bitwise_and")

    def __ior__(self, other):
        return self._update(other, "|=", _ops.bitwise_or, "bitwise_or")

    def __ixor__(self, other):
        return self._update(other, "^=", _ops.bitwise_xor, "bitwise_xor")

    def __ilshift__(self, other):
        return self._update(other, "<<=", _ops.bitwise_left_shift, "bitwise_left_shift")

    def __irshift__(self, other):
        return self._update(other, ">>=", _ops.bitwise_right_shift, "bitwise_right_shift")

    # No NumPy ufunc here: the op itself computes (torch's ZeroDivisionError for integers, its power rules), then
    # the result is written back under torch's cast rule.
    def __ifloordiv__(self, other):
        return self._update(other, "//=", _ops.floor_divide)

    def __imod__(self, other):
        return self._update(other, "%=", _ops.remainder)

    def __ipow__(self, other):
        return self._update(other, "**=", _ops.pow)

    def _update(self, other, symbol, op, ufunc=None):
        """``self <symbol> other``: written into ``self.data`` (by the NumPy ``ufunc``, or ``op``'s result written
        back), or recorded as ``self = op(self, other)``."""
        self._refuse_read_only(f"x {symbol} y")
        if STATE.grad_enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            if self.requires_grad and self.creator is None:
                raise RuntimeError(
                    f"x {symbol} y on a leaf tensor that requires grad (shape {tuple(self.shape)}), a parameter "
                    "say, would cut it from its gradient; update it under minigrad.no_grad() (as an optimizer "
                    "does), or write x = x + y for a new tensor")
            if _recorded_writes.views_a_graph_input(self):   # r = h[0]; r *= 3 changes h too, as in torch
                return self._write_result(_IN_PLACE_OF_OPERATOR[symbol], lambda t: op(t, other))
            out = op(self, other)
            if out.shape != self.shape:   # the same rule as in place: x keeps its shape
                raise ValueError(f"x {symbol} y: the result has shape {tuple(out.shape)}, not x's {tuple(self.shape)}")
            return out
        value = other.data if isinstance(other, Tensor) else other
        if (hasattr(value, "dtype") and getattr(value, "ndim", 0) and value.dtype != self.dtype
                and value.dtype.kind in "fc" and self.dtype.kind in "fc"):   # as the ops: never a silent cast
            raise TypeError(f"x {symbol} y: x has dtype {self.dtype} and y {value.dtype}; "
                            f"convert one of them first, e.g. y.astype({self.dtype.name!r})")
        # a float16 x times or over a number float16 cannot hold: mul and div compute it in float32, as torch's
        if ufunc is None or (ufunc in ("multiply", "divide") and _arithmetic._half_with_inexact_number(self, other)):
            out = op(self, other)
            if out.shape != self.shape:
                raise ValueError(f"x {symbol} y: the result has shape {tuple(out.shape)}, not x's {tuple(self.shape)}")
            if out.dtype != self.dtype and not self._can_write(out.dtype, self.dtype):
                raise TypeError(f"x {symbol} y: the result has dtype {out.dtype}, which cannot be written into x of "
                                f"dtype {self.dtype} (torch refuses it too)")
            self.data[...] = out.data
            _mark_written(self)
            return self
        # NumPy's same_kind refuses a signed result into an unsigned x, which torch writes (wrapping), as the
        # in-place methods do (uint8 += int16); a quotient is a float, which neither writes into an integer x
        casting = ("unsafe" if self.dtype.kind == "u" and ufunc != "divide"
                   and getattr(value, "dtype", self.dtype).kind == "i" else "same_kind")
        try:  # the result keeps x's dtype and shape (a NumPy scalar joins like the Python number it holds)
            getattr(self._xp(), ufunc)(self.data, value, out=self.data, casting=casting)
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
        self._refuse_read_only("x[index] = value")
        index = _ops.raw_index(index)
        if value is None:   # NumPy would write NaN into a float tensor
            raise _setitem_type_error(self, value)
        if (value.size if isinstance(value, Tensor) else np.size(value)) != 1:   # one value writes alike in both
            _ops.check_one_reading(index, self.shape)
        _ops.check_empty_masks(index, self.data.shape)
        cls = value.__class__
        if cls in _NUMBER_TYPES:   # converted as torch converts a Scalar (_setitem_number), but for the common writes
            dtype = self.data.dtype
            if cls is float:   # a float32 or float64 tensor and a Python float in range: two comparisons
                fits = dtype is _FLOAT64 or (dtype is _FLOAT32 and -FLOAT32_MAX <= value <= FLOAT32_MAX)
            else:   # an int64 or floating tensor and a Python int of 64 bits
                fits = cls is int and (dtype is _INT64 or dtype.kind == "f") and INT64_MIN <= value <= INT64_MAX
            if not fits:
                value = _setitem_number(value, dtype)
        try:
            self._setitem(index, value)
        except (IndexError, ValueError, TypeError, OverflowError) as exc:
            if isinstance(value, complex) and self.data.dtype.kind in "iuf":
                # NumPy refuses a Python complex for a real array ("float() argument must be ... not 'complex'"):
                # 1 + 0j is its real part, as torch takes it; an imaginary part is refused by name
                check_fits("x[index] = value", value, self.data.dtype)
                return self.__setitem__(index, value.real)
            raise _setitem_error(self, index, value, exc) from None

    def _setitem(self, index, value):
        if STATE.grad_enabled and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
            if self.requires_grad and self.creator is None:
                raise RuntimeError(
                    f"x[index] = value: in-place assignment to a leaf tensor that requires grad (shape "
                    f"{tuple(self.shape)}) is refused while grad mode is on (PyTorch refuses it too); build a new "
                    "tensor (minigrad.where, index_put) or assign under minigrad.no_grad()")
            if isinstance(value, Tensor) and _buffer(value.data) is _buffer(self.data):
                if _recorded_writes.write_back(self, index, value):   # the last step of x[i] += v
                    return
                value = value.clone()   # a view of this tensor (x[0] = x[1]): read before the write, as NumPy does
            # Recorded as torch records it: written entries take value's gradient, overwritten ones get 0.
            self._write_result("__setitem__", lambda t: _assign(t, index, value))
            return
        backend.assign(self.data, index, value.data if isinstance(value, Tensor) else value)   # float16: inf past 65504
        # Stamp the write, so that backward can tell a graph node whose input changed after it was recorded.
        _mark_written(self)

    def __eq__(self, other):
        if other is None or isinstance(other, str):
            # Python's identity answer, as torch's: x == None is False (x in [None, x], list.index, ...), where
            # converting None raised "cannot hold an array of dtype object"
            return NotImplemented
        return _ops.eq(self, other)

    def __ne__(self, other):
        if other is None or isinstance(other, str):
            return NotImplemented
        return _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    # & | ^ ~ are bitwise, as in NumPy and torch: logical on bool masks, bit by bit on integers, refused on floats.
    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    # ----------------------------------------------------------------- methods
    # Reductions take NumPy's axis/keepdims or PyTorch's dim/keepdim (docs/autodiff.md, section 15);
    # keepdims=None means "not given" (False). sum and mean test for dim first: they are the hot ones.
    def sum(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        if dim is None and keepdim is None and dtype is None:
            return _ops.sum(self, axis, keepdims)
        return _ops.sum(self, axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)

    def mean(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        if dim is None and keepdim is None and dtype is None:
            return _ops.mean(self, axis, keepdims)
        return _ops.mean(self, axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)

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

    def squeeze(self, axis=None, *, dim=NOT_GIVEN):
        return _ops.squeeze(self, axis, dim=dim)

    def expand_dims(self, axis):
        return _ops.expand_dims(self, axis)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

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

    def clip(self, lo=None, hi=None, *, min=None, max=None):  # noqa: A002  (torch's keywords)
        return _ops.clip(self, lo, hi, min=min, max=max)

    # ----------------------------------------------------------------- PyTorch's spellings
    # Only names with no NumPy meaning of their own: x.transpose and x.size stay NumPy's (x.max(1) is asked).
    def view(self, *shape, size=None, dtype=None):
        """``reshape`` under PyTorch's name: ints or one tuple, one of them may be -1.

        Like ``reshape`` it shares memory where NumPy can, and copies where torch.view would refuse: many of
        minigrad's results (a convolution's, an einsum's) are laid out non-contiguously where torch's are
        contiguous, so refusing there would break ``conv(x).view(n, -1)``; a write through such a copy does
        not reach ``x`` (docs/autodiff.md, section 15). ``view(dtype)`` is torch's: the same memory read as
        ``dtype`` (see ``minigrad.ops.views.view_dtype``).
        """
        if dtype is not None or size is not None:   # torch's keywords, x.view(dtype=torch.int32), x.view(size=(2, 3))
            if shape or (dtype is not None and size is not None):
                raise TypeError(f"view: takes one of a shape, size= or dtype= (got {shape}, size={size!r}, "
                                f"dtype={dtype!r})")
            return _ops.views.view_dtype(self, dtype) if dtype is not None else _ops.reshape(self, size)
        if len(shape) == 1 and isinstance(shape[0], (np.dtype, type)):
            return _ops.views.view_dtype(self, shape[0])
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

    def softmax(self, dim, dtype=None):
        """Probabilities along ``dim``, in ``dtype`` if given (see ``minigrad.softmax``)."""
        return _ops.softmax(self, dim=dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        """Log-probabilities along ``dim``, in ``dtype`` if given (see ``minigrad.log_softmax``)."""
        return _ops.log_softmax(self, dim=dim, dtype=dtype)

    def gather(self, dim, index, *, sparse_grad=False):
        """Values along ``dim`` at ``index`` (see ``minigrad.gather``)."""
        return _ops.gather(self, dim, index, sparse_grad=sparse_grad)

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

    def clone(self, *, memory_format=None):
        """A differentiable copy in new memory (``torch.Tensor.clone``; ``memory_format``: see ``ops.clone``)."""
        return _ops.clone(self, memory_format=memory_format)

    def contiguous(self, memory_format=None):
        """Itself when its elements are in row-major order, else a row-major copy (differentiable), as
        ``torch.Tensor.contiguous``. (minigrad's ops never need one; ``is_contiguous()`` and ``stride()`` tell.)
        ``memory_format``: ``contiguous_format`` (the default) or ``preserve_format``, see ``minigrad.memory_format``."""
        check_memory_format("contiguous", memory_format, contiguous_format)
        return self if self.data.flags.c_contiguous else _ops.clone(self)

    def zero_(self):
        """Fill with zeros in place and return ``self``, as ``torch.Tensor.zero_``.

        On a tensor that requires grad while grad mode is on, the write is recorded (``_write_result``): the
        tensor becomes a constant, and no gradient flows to what it held. A leaf that requires grad is refused
        then, as in PyTorch; under ``no_grad`` a parameter can be zeroed, and the write is stamped, so a graph
        recorded before it refuses to backward.
        """
        self._refuse_read_only("zero_()")
        if self.requires_grad and STATE.grad_enabled:
            return self._write_result("zero_", lambda t: _creation.zeros_like(t))
        self.data[...] = 0
        _mark_written(self)
        return self

    # Reductions, scans and sorts under PyTorch's names (docs/autodiff.md, section 15).
    def prod(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        """The product over ``axis`` or ``dim`` (see ``minigrad.prod``); exact gradient at zeros."""
        return _ops.prod(self, axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)

    def cumsum(self, dim=None, *, axis=NOT_GIVEN, dtype=None):
        """The running sum along ``dim`` (or NumPy's ``axis``; ``axis=None``: flattened)."""
        return _ops.cumsum(self, dim, axis=axis, dtype=dtype)

    def norm(self, p=2, dim=None, keepdim=False, *, dtype=None):
        """The vector p-norm over ``dim``, as ``torch.Tensor.norm`` (see ``minigrad.norm``)."""
        return _ops.norm(self, p, dim, keepdim, dtype=dtype)

    def sort(self, *positional, dim=None, axis=NOT_GIVEN, descending=None, stable=None):
        """PyTorch's ``(values, indices)`` with ``dim``/``descending``, NumPy's values with ``axis``; else asked."""
        return _ops.sort(self, *positional, dim=dim, axis=axis, descending=descending, stable=stable)

    def argsort(self, dim=None, descending=False, *, axis=NOT_GIVEN, stable=False):
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

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    # Comparisons (bool tensors, no gradient). ``equal`` is torch's: one Python bool for the whole tensor.
    def eq(self, other):
        return _ops.eq(self, other)

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
        ``torch.Tensor.equal``; a Python bool. (``minigrad.equal(a, b)`` asks which reading is meant: NumPy's is
        elementwise.)"""
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

    def bitwise_left_shift(self, other):
        return _ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return _ops.bitwise_right_shift(self, other)

    def hardshrink(self, lambd=0.5):
        """``minigrad.nn.functional.hardshrink`` of this tensor (``torch.Tensor.hardshrink``)."""
        from minigrad.nn.functional import hardshrink
        return hardshrink(self, lambd)

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
    def flip(self, *positional, dims=NOT_GIVEN, axis=NOT_GIVEN):
        """A copy reversed along ``dims`` (ints or one tuple, as ``torch.Tensor.flip``; see ``minigrad.flip``)."""
        if positional and dims is not NOT_GIVEN:
            raise TypeError(f"flip: got both positional dims {positional!r} and dims={dims!r}; give one")
        if positional:
            dims = positional[0] if len(positional) == 1 else positional
        return _ops.flip(self, dims, axis=axis)

    def fliplr(self):
        return _ops.fliplr(self)

    def flipud(self):
        return _ops.flipud(self)

    def roll(self, shifts=NOT_GIVEN, dims=NOT_GIVEN, *, shift=NOT_GIVEN, axis=NOT_GIVEN):
        """A copy shifted cyclically along ``dims`` (see ``minigrad.roll``)."""
        return _ops.roll(self, shifts, dims, shift=shift, axis=axis)

    def rot90(self, k=1, dims=NOT_GIVEN, *, axes=NOT_GIVEN):
        """Rotated by k * 90 degrees in the plane of ``dims`` (see ``minigrad.rot90``)."""
        return _ops.rot90(self, k, dims, axes=axes)

    def narrow(self, dim, start, length):
        """``length`` entries of ``dim`` from ``start``, a view (see ``minigrad.narrow``)."""
        return _ops.narrow(self, dim, start, length)

    def unbind(self, dim=0):
        """The slices along ``dim`` as a tuple (see ``minigrad.unbind``)."""
        return _ops.unbind(self, dim)

    def movedim(self, source, destination):
        return _ops.movedim(self, source, destination)

    def moveaxis(self, source, destination):
        return _ops.movedim(self, source, destination)

    def swapaxes(self, *dims, **named):
        """Two dims exchanged (see ``minigrad.swapaxes``)."""
        return _ops.swapaxes(self, *dims, **named)

    def swapdims(self, *dims, **named):
        return _ops.swapaxes(self, *dims, **named)

    def unflatten(self, dim, sizes):
        return _ops.unflatten(self, dim, sizes)

    def ravel(self):
        return _ops.ravel(self)

    def expand_as(self, other):
        """Broadcast to ``other``'s shape, as ``torch.Tensor.expand_as``."""
        return _ops.expand(self, tuple(other.shape))

    def view_as(self, other):
        """Reshaped to ``other``'s shape (``view`` rules: a view where NumPy can)."""
        return _ops.reshape(self, tuple(other.shape))

    def reshape_as(self, other):
        return _ops.reshape(self, tuple(other.shape))

    def type_as(self, other):
        """Cast to ``other``'s dtype (differentiable between floating dtypes, like ``astype``)."""
        return _ops.astype(self, other.dtype)

    def diag(self, diagonal=NOT_GIVEN, *, k=NOT_GIVEN):
        return _ops.diag(self, diagonal, k=k)

    def diagonal(self, offset=0, dim1=NOT_GIVEN, dim2=NOT_GIVEN, *, axis1=NOT_GIVEN, axis2=NOT_GIVEN):
        """The diagonal ``offset`` of two dims, a writable view (see ``minigrad.diagonal``)."""
        return _ops.diagonal(self, offset, dim1, dim2, axis1=axis1, axis2=axis2)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return _ops.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset=NOT_GIVEN, *, k=NOT_GIVEN):
        return _ops.diagflat(self, offset, k=k)

    def trace(self, offset=0, axis1=0, axis2=1):
        return _ops.trace(self, offset, axis1, axis2)

    def tensor_split(self, indices_or_sections=NOT_GIVEN, dim=NOT_GIVEN, *, axis=NOT_GIVEN, sections=NOT_GIVEN,
                     indices=NOT_GIVEN, tensor_indices_or_sections=NOT_GIVEN):
        return _ops.tensor_split(self, indices_or_sections, dim, axis=axis, sections=sections, indices=indices,
                                 tensor_indices_or_sections=tensor_indices_or_sections)

    def hsplit(self, indices_or_sections):
        return _ops.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return _ops.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return _ops.dsplit(self, indices_or_sections)

    def split_with_sizes(self, split_sizes, dim=0):
        return _ops.split_with_sizes(self, split_sizes, dim)

    def repeat_interleave(self, repeats, dim=NOT_GIVEN, *, axis=NOT_GIVEN, output_size=None):
        """Each element repeated ``repeats`` times along ``dim`` (see ``minigrad.repeat_interleave``)."""
        return _ops.repeat_interleave(self, repeats, dim, axis=axis, output_size=output_size)

    def unfold(self, dimension, size, step):
        """The windows of ``size`` every ``step`` along ``dimension`` in a new last dim (see ``ops.unfold``)."""
        return _ops.unfold(self, dimension, size, step)

    def as_strided(self, size, stride, storage_offset=None):
        """The view of this tensor's storage with ``size``, ``stride`` and ``storage_offset`` in elements (see
        ``minigrad.as_strided``)."""
        return _ops.as_strided(self, size, stride, storage_offset)

    # New tensors like this one: its dtype and device unless given (torch.Tensor.new_*).
    def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        return _creation.zeros(*sizes, size=size, dtype=dtype or self.dtype, device=device or self.device,
                               requires_grad=requires_grad)

    def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        return _creation.ones(*sizes, size=size, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
        return _creation.empty(*sizes, size=size, dtype=dtype or self.dtype, device=device or self.device,
                               requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return _creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new leaf holding a copy of ``data``, in this tensor's dtype and device unless given."""
        return _creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                                requires_grad=requires_grad)

    def new(self, *args):
        """torch's legacy ``x.new(...)``: sizes give an uninitialized tensor, one sequence, array or Tensor the
        data, as ``minigrad.FloatTensor(...)`` reads them, in this tensor's dtype and on its device."""
        from minigrad.legacy_tensor_types import legacy_type
        out = legacy_type(self.dtype, "Tensor.new")(*args)
        return out if self.device == "cpu" else out.to(self.device)

    def pin_memory(self, device=None):
        """A copy (torch's for an unpinned tensor): host memory is not page-locked here, so this is only for
        scripts that call it on their batches; GPU tensors are refused, as torch refuses them."""
        if self.device != "cpu":
            raise RuntimeError(f"pin_memory: only CPU tensors can be pinned, got one on {self.device}")
        return _ops.clone(self)

    def is_pinned(self, device=None) -> bool:
        """False: host memory is never page-locked here (see ``pin_memory``)."""
        return False

    # Properties under PyTorch's names.
    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.data.dtype.kind == "c"

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in row-major order without gaps (a transposed view does not); with
        ``memory_format=channels_last`` (or ``channels_last_3d``), whether they lie in that order, as torch's."""
        if memory_format is channels_last or memory_format is channels_last_3d:
            data = self.data
            return is_channels_last(data.shape, data.strides, data.itemsize, memory_format)
        check_memory_format("is_contiguous", memory_format, contiguous_format)
        return bool(self.data.flags.c_contiguous)

    def nelement(self) -> int:
        return self.data.size

    def ndimension(self) -> int:
        return self.data.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.data.size * self.data.dtype.itemsize

    def stride(self, dim=None):
        """The step between neighbours along each dim, in elements (not NumPy's bytes), or along ``dim``."""
        if self.data.size or any(self.data.strides):   # (an empty slice of a filled array keeps its steps, as torch's)
            steps = tuple(s // self.data.dtype.itemsize for s in self.data.strides)
        else:   # NumPy gives a new empty array strides of 0; torch's are row-major, a dim of 0 counted as 1
            steps = tuple(int(np.prod([max(d, 1) for d in self.data.shape[i + 1:]])) for i in range(self.data.ndim))
        if dim is None:
            return steps
        n = self.data.ndim
        if not is_integer(dim):
            raise TypeError(f"stride: dim must be an int, got {dim!r}")
        if not -max(n, 1) <= dim < max(n, 1) or n == 0:
            raise IndexError(f"stride: dim {dim} is out of range for a tensor of shape {tuple(self.shape)}"
                             + (f" (expected a dim in [{-n}, {n - 1}])" if n else " (a 0-d tensor has no dims)"))
        return steps[dim]

    @property
    def is_cpu(self) -> bool:
        return self.device == "cpu"

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    def get_device(self) -> int:
        """The GPU's index, -1 on the CPU."""
        device = self.device
        return -1 if device == "cpu" else int(device.partition(":")[2] or 0)

    def half(self):
        """A float16 copy (differentiable, like ``float`` and ``double``); itself when already float16."""
        return _ops.astype(self, "float16")

    def byte(self):
        """A uint8 copy, without gradient."""
        return _ops.astype(self, "uint8")

    def short(self):
        """An int16 copy, without gradient."""
        return _ops.astype(self, "int16")

    def char(self):
        """An int8 copy, without gradient."""
        return _ops.astype(self, "int8")

    def cfloat(self):
        """A complex64 copy (torch's ``cfloat``); itself when already complex64. Gradients through complex values
        are refused (docs/autodiff.md, section 12)."""
        return _ops.astype(self, "complex64")

    def cdouble(self):
        """A complex128 copy (torch's ``cdouble``); itself when already complex128."""
        return _ops.astype(self, "complex128")

    def retain_grad(self):
        """Keep this non-leaf's gradient in ``.grad`` after each backward pass, summed over passes as a leaf's
        (a no-op on a leaf). The gradient is the one after this tensor's other hooks."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: cannot retain the gradient of a tensor that does not require grad "
                               f"(shape {tuple(self.shape)}, dtype {self.dtype})")
        if self.creator is not None and not self.retains_grad:
            hooks = self.creator._hooks
            if hooks is None:
                hooks = self.creator._hooks = {}
            hooks.setdefault(self._out_index, []).append(_RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf (False on leaves)."""
        fn = self.creator
        hooks = fn._hooks.get(self._out_index) if fn is not None and fn._hooks else None
        return bool(hooks) and isinstance(hooks[-1], _RetainGrad)

    # ----------------------------------------------------------------- PyTorch's indexing, scatter and counting methods
    # (section: indexing)
    def index_select(self, dim, index):
        """The slices at ``index`` (a vector) along ``dim`` (see ``minigrad.index_select``)."""
        return _ops.index_select(self, dim, index)

    def masked_select(self, mask):
        """The entries where ``mask`` is set, as a 1-D tensor (see ``minigrad.masked_select``)."""
        return _ops.masked_select(self, mask)

    def take(self, index):
        """The entries at flat (row-major) ``index`` (see ``minigrad.take``)."""
        return _ops.take(self, index)

    def take_along_dim(self, indices, dim=None):
        """``numpy.take_along_axis`` with broadcasting (see ``minigrad.take_along_dim``)."""
        return _ops.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple=None):
        """The positions of the nonzero entries; ``as_tuple`` says which reading (see ``minigrad.nonzero``)."""
        return _ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        """The (n, ndim) int64 positions of the nonzero entries (see ``minigrad.argwhere``)."""
        return _ops.argwhere(self)

    def where(self, condition, y):
        """``torch.Tensor.where``: this tensor's values where ``condition`` is set, else ``y``'s."""
        return _ops.where(condition, self, y)

    def index_add(self, dim, index, source, *, alpha=1):
        """A copy with ``alpha * source``'s slices added at ``index`` along ``dim`` (see ``minigrad.index_add``)."""
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def index_fill(self, dim, index, value):
        """A copy with the slices at ``index`` along ``dim`` set to ``value`` (see ``minigrad.index_fill``)."""
        return _ops.index_fill(self, dim, index, value)

    def index_copy(self, dim, index, source):
        """A copy with ``source``'s slices written at ``index`` along ``dim`` (see ``minigrad.index_copy``)."""
        return _ops.index_copy(self, dim, index, source)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """A copy with ``src`` (or ``value``) written where ``index`` sends it (see ``minigrad.scatter``)."""
        return _ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """``src`` reduced into a copy where ``index`` sends it (see ``minigrad.scatter_reduce``)."""
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def masked_scatter(self, mask, source):
        """A copy with ``source``'s entries written, in order, where ``mask`` is set (``minigrad.masked_scatter``)."""
        return _ops.masked_scatter(self, mask, source)

    def index_put(self, indices, values, accumulate=False):
        """A copy with ``values`` written (or added) at ``self[indices]`` (see ``minigrad.index_put``)."""
        return _ops.index_put(self, indices, values, accumulate)

    def _write_result(self, name, make):
        """The in-place form of an out-of-place op: ``make(self)``'s values written into this tensor, stamped.

        While a graph is recorded and this tensor or an operand requires grad, the write is recorded as
        PyTorch's is: this tensor becomes the op's output (``recorded_writes.py``). The result must keep this
        tensor's shape and a dtype torch writes into it, as PyTorch's in-place ops do.
        """
        self._refuse_read_only(f"{name}()")
        if _recorded_writes.records(self, make):
            return _recorded_writes.write_recorded(self, name, make, lambda out: self._check_result(name, out))
        out = make(self)
        if out.requires_grad and STATE.grad_enabled:   # an operand the closure scan could not see requires grad
            self._refuse_grad_source(name, out.shape)
        self._check_result(name, out)
        self.data[...] = out.data
        _mark_written(self)
        return self

    def _refuse_read_only(self, what):
        """An ``expand()``'s output repeats entries of one memory (a read-only array): torch refuses most writes
        into it, and its fill_/zero_/x[i] = v write every alias; minigrad refuses them all, with this message.
        Also refused, as torch: a view made under no_grad of a tensor that requires grad, written in grad mode."""
        if _NO_GRAD_VIEWS:
            refuse_no_grad_view(self, what)
        if is_read_only(self.data):
            raise RuntimeError(
                f"{what}: this tensor (shape {tuple(self.shape)}) is read-only: an expand()ed view, whose entries "
                "share memory (torch refuses most writes into one too), or a read-only NumPy array; write into a "
                ".clone() of it, or into the tensor it expands")

    def _check_result(self, name, out):
        if out.shape != self.shape:
            raise RuntimeError(f"{name}(): the result has shape {tuple(out.shape)}, which cannot be written into "
                               f"this tensor of shape {tuple(self.shape)}")
        if out.dtype != self.dtype and not self._can_write(out.dtype, self.dtype):
            raise RuntimeError(f"{name}(): the result has dtype {out.dtype}, which cannot be written into this "
                               f"tensor of dtype {self.dtype} (PyTorch refuses it too)")

    def _refuse_grad_source(self, name, shape):
        """Refuse writing values that require grad (an operand does, grad mode is on): PyTorch records the write,
        minigrad cannot, and writing them without their gradient would drop it silently."""
        raise RuntimeError(
            f"{name}(): the values written into this tensor (shape {tuple(self.shape)}) come from an operand that "
            f"requires grad (shape {tuple(shape)}); minigrad does not record this write, so the gradient would be lost: "
            f"call it under minigrad.no_grad() (or pass .detach()) to write them without it, or use the "
            f"out-of-place {name[:-1]}()")

    def _check_writable(self, name, instead):
        """Refuse an in-place write into a tensor that requires grad while grad mode is on (minigrad records no
        in-place ops; PyTorch refuses a leaf and records a non-leaf's write)."""
        if self.requires_grad and STATE.grad_enabled:
            kind = "a leaf tensor" if self.creator is None else "a tensor"
            raise RuntimeError(
                f"{name}(): {kind} that requires grad (shape {tuple(self.shape)}) cannot be written in place while "
                f"grad mode is on; call it under minigrad.no_grad(), or {instead}")

    # PyTorch's in-place arithmetic and fills: the out-of-place op's result written back (``_write_result``).
    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place, as ``torch.Tensor.add_``."""
        return self._write_result("add_", lambda t: _ops.add(t, other, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place, as ``torch.Tensor.sub_``."""
        return self._write_result("sub_", lambda t: _ops.sub(t, other, alpha=alpha))

    def mul_(self, other):
        """``self *= other`` in place, as ``torch.Tensor.mul_``."""
        return self._write_result("mul_", lambda t: _ops.mul(t, other))

    def div_(self, other, *, rounding_mode=None):
        """``self /= other`` in place, as ``torch.Tensor.div_`` (an integer tensor needs a ``rounding_mode``)."""
        return self._write_result("div_", lambda t: _ops.div(t, other, rounding_mode=rounding_mode))

    def clamp_(self, min=None, max=None):  # noqa: A002
        """Values limited to [min, max] in place, as ``torch.Tensor.clamp_``."""
        return self._write_result("clamp_", lambda t: _ops.clamp(t, min, max))

    def masked_fill_(self, mask, value):
        """``value`` where ``mask`` is set, in place, as ``torch.Tensor.masked_fill_``."""
        return self._write_result("masked_fill_", lambda t: _ops.masked_fill(t, mask, value))

    def fill_(self, value):
        """Every entry set to ``value`` (a number or a one-element tensor), as ``torch.Tensor.fill_``."""
        self._refuse_read_only("fill_()")
        if isinstance(value, Tensor):
            if value.size != 1:
                raise RuntimeError(f"fill_(): the value must be a number or a one-element tensor, got shape "
                                   f"{tuple(value.shape)}")
            if value.requires_grad or self.requires_grad:   # recorded while grad mode is on
                return self._write_result("fill_", lambda t: _ops.broadcast_to(value.reshape(()), t.shape))
            value = value.item()
        value = fill_number("fill_", value, self.dtype)   # uint8's -1 is 255, as torch's
        if isinstance(value, complex) and self.data.dtype.kind in "iuf":
            value = value.real   # 1 + 0j (an imaginary part was refused above), which NumPy's write refuses
        if self.requires_grad and STATE.grad_enabled:
            return self._write_result("fill_", lambda t: _creation.full_like(t, value))
        self.data[...] = value
        _mark_written(self)
        return self

    def copy_(self, src):
        """``src``'s values (broadcast to this shape, converted to this dtype and device) written in place, as
        ``torch.Tensor.copy_``; recorded while grad mode is on, as any in-place method (``_write_result``)."""
        self._refuse_read_only("copy_()")
        # a backend array as it is: np.asarray refuses a CuPy array (TypeError)
        values = src.data if isinstance(src, Tensor) else src if backend.is_array(src) else np.asarray(src)
        if values.dtype.kind not in "biufc":   # None or a string would be written as NaN or fail in NumPy's words
            of_dtype = f" of dtype {values.dtype}" if hasattr(src, "dtype") else ""   # an array says which
            raise TypeError(f"copy_(): src must be a tensor, an array or numbers, got {type(src).__name__}{of_dtype}")
        try:
            fits = np.broadcast_shapes(values.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"copy_(): src of shape {tuple(values.shape)} does not broadcast to this tensor's "
                               f"shape {tuple(self.shape)}")
        floating = self.dtype.kind in "fc"   # an integer or bool tensor takes the values, cast; it has no gradient
        if isinstance(src, Tensor) and (src.requires_grad or self.requires_grad) and floating:
            device, shape = self.device, self.shape
            if not self.requires_grad:
                return self._write_result("copy_", lambda t: _ops.broadcast_to(src.to(device), shape))
            # the values overwritten stay in the graph with a zero gradient, as torch's (CopyBackwards): their
            # inputs got no gradient at all (x.grad None where torch gives zeros)
            def overwrite(t):
                values = _ops.broadcast_to(src.to(device), shape)
                values = values if values.dtype == t.dtype else values.astype(t.dtype)   # torch's cast, recorded
                return _ops.where(Tensor._make(t._xp().zeros(shape, dtype=bool), None, 0), t, values)

            return self._write_result("copy_", overwrite)
        if self.requires_grad and STATE.grad_enabled:
            constant = Tensor(backend.to_device(values, self.device))
            return self._write_result("copy_", lambda t: _ops.broadcast_to(constant, t.shape))
        backend.assign(self.data, ..., backend.to_device(values, self.device))   # float16: inf past 65504, silently
        _mark_written(self)
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Draws from U(a, b) in place, from minigrad's generator (``manual_seed`` governs them) or ``generator``."""
        rng = _sampling.generator_for("uniform_", generator)
        return self._fill_drawn("uniform_", lambda: _random.uniform_values(self.shape, self.dtype, a, b, rng))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Draws from N(mean, std^2) in place, from minigrad's generator (``manual_seed`` governs them) or
        ``generator``."""
        rng = _sampling.generator_for("normal_", generator)
        return self._fill_drawn("normal_", lambda: _random.normal_values(self.shape, self.dtype, mean, std, rng))

    def _fill_drawn(self, name, draw):
        """``draw()``'s values written in place; drawn only after the checks, so a refused call leaves the seeded
        generator where it was."""
        if self.dtype.kind != "f":
            raise TypeError(f"{name}(): needs a floating tensor, got dtype {self.dtype}")
        self._refuse_read_only(f"{name}()")   # NumPy would refuse the write; CuPy writes every alias
        self._check_writable(name, "draw a new tensor (minigrad.rand / minigrad.randn)")
        self.data[...] = backend.to_device(draw().astype(self.dtype, copy=False), self.device)
        _mark_written(self)
        return self

    def index_add_(self, dim, index, source, *, alpha=1):
        """``index_add`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("index_add_", lambda t: _ops.index_add(t, dim, index, source, alpha=alpha))

    def index_fill_(self, dim, index, value):
        """``index_fill`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("index_fill_", lambda t: _ops.index_fill(t, dim, index, value))

    def index_copy_(self, dim, index, source):
        """``index_copy`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("index_copy_", lambda t: _ops.index_copy(t, dim, index, source))

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """``scatter`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("scatter_", lambda t: _ops.scatter(t, dim, index, src, value=value, reduce=reduce))

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """``scatter_reduce`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("scatter_reduce_", lambda t: _ops.scatter_reduce(t, dim, index, src, reduce,
                                                                                 include_self=include_self))

    def masked_scatter_(self, mask, source):
        """``masked_scatter`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("masked_scatter_", lambda t: _ops.masked_scatter(t, mask, source))

    def index_put_(self, indices, values, accumulate=False):
        """``index_put`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("index_put_", lambda t: _ops.index_put(t, indices, values, accumulate))

    def bincount(self, weights=None, minlength=0):
        """Counts of each value of this 1-D integer tensor (see ``minigrad.bincount``)."""
        return _ops.bincount(self, weights, minlength)

    def histc(self, bins=100, min=0, max=0):  # noqa: A002
        """A histogram in ``bins`` equal bins over [min, max] (see ``minigrad.histc``)."""
        return _ops.histc(self, bins, min, max)

    def unique(self, *args, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        """The distinct values, sorted (see ``minigrad.unique``; the flags are keyword-only)."""
        return _ops.unique(self, *args, sorted=sorted, return_inverse=return_inverse, return_counts=return_counts,
                           dim=dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """Each run of equal consecutive values kept once (see ``minigrad.unique_consecutive``)."""
        return _ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def count_nonzero(self, dim=None):
        """The number of nonzero entries over ``dim`` (see ``minigrad.count_nonzero``)."""
        return _ops.count_nonzero(self, dim)

    # ----------------------------------------------------------------- PyTorch's reductions, scans, matrix products and linear algebra
    # (section: reductions)
    def amax(self, dim=(), keepdim=False):
        """The largest entry over ``dim`` (``()``: every dim); ties share the gradient (``torch.Tensor.amax``)."""
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        """The smallest entry over ``dim`` (``()``: every dim); ties share the gradient (``torch.Tensor.amin``)."""
        return _ops.amin(self, dim, keepdim)

    def aminmax(self, *, dim=None, keepdim=False):
        """``(min, max)`` over one ``dim`` or every dim, a named tuple (``torch.Tensor.aminmax``)."""
        return _ops.aminmax(self, dim=dim, keepdim=keepdim)

    def median(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The lower median: 0-d without ``dim``, ``(values, indices)`` with it (``torch.Tensor.median``)."""
        return _ops.median(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def nanmedian(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``median`` ignoring NaN (``torch.Tensor.nanmedian``)."""
        return _ops.nanmedian(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mode(self, dim=-1, keepdim=False):
        """``(values, indices)`` of the most frequent entry along ``dim`` (``torch.Tensor.mode``)."""
        return _ops.mode(self, dim, keepdim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """``(values, indices)`` of the k-th smallest entry along ``dim`` (``torch.Tensor.kthvalue``)."""
        return _ops.kthvalue(self, k, dim, keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """The q-quantiles along ``dim`` (``torch.Tensor.quantile``; see ``minigrad.quantile``)."""
        return _ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """``quantile`` ignoring NaN (``torch.Tensor.nanquantile``)."""
        return _ops.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum over ``dim`` with NaN as 0 (``torch.Tensor.nansum``)."""
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        """The mean over ``dim`` of the entries that are not NaN (``torch.Tensor.nanmean``)."""
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        """The running product along ``dim``; exact gradient at zeros (``torch.Tensor.cumprod``)."""
        return _ops.cumprod(self, dim, dtype=dtype)

    def cummax(self, dim):
        """``(values, indices)`` of the running maximum along ``dim`` (``torch.Tensor.cummax``)."""
        return _ops.cummax(self, dim)

    def cummin(self, dim):
        """``(values, indices)`` of the running minimum along ``dim`` (``torch.Tensor.cummin``)."""
        return _ops.cummin(self, dim)

    def logcumsumexp(self, dim):
        """log(cumsum(exp(x))) along ``dim``, stably (``torch.Tensor.logcumsumexp``)."""
        return _ops.logcumsumexp(self, dim)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """The n-th forward difference along ``dim`` (``torch.Tensor.diff``)."""
        return _ops.diff(self, n, dim, prepend, append)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        """The covariance of the rows (variables) over the columns (observations) (``torch.Tensor.cov``)."""
        return _ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        """Pearson's correlation coefficients of the rows (``torch.Tensor.corrcoef``)."""
        return _ops.corrcoef(self)

    def mm(self, other):
        """(n, k) @ (k, m), 2-D only (``torch.Tensor.mm``)."""
        return _ops.mm(self, other)

    def bmm(self, other):
        """(B, n, k) @ (B, k, m), 3-D only (``torch.Tensor.bmm``)."""
        return _ops.bmm(self, other)

    def mv(self, vec):
        """(n, m) @ (m,) (``torch.Tensor.mv``)."""
        return _ops.mv(self, vec)

    def dot(self, other):
        """The 0-d dot product of two 1-D tensors (``torch.Tensor.dot``)."""
        return _ops.dot(self, other)

    def vdot(self, other):
        """``dot`` with self conjugated: for real tensors, ``dot`` (``torch.Tensor.vdot``)."""
        return _ops.vdot(self, other)

    def inner(self, other):
        """Sums over the last dims (``torch.Tensor.inner``)."""
        return _ops.inner(self, other)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """beta * self + alpha * (mat1 @ mat2) (``torch.Tensor.addmm``)."""
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """beta * self + alpha * (mat @ vec) (``torch.Tensor.addmv``)."""
        return _ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        """beta * self + alpha * outer(vec1, vec2) (``torch.Tensor.addr``)."""
        return _ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * bmm(batch1, batch2) (``torch.Tensor.baddbmm``)."""
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * (the batch sum of batch1[i] @ batch2[i]) (``torch.Tensor.addbmm``)."""
        return _ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def kron(self, other):
        """The Kronecker product (``torch.Tensor.kron``)."""
        return _ops.kron(self, other)

    def cross(self, other, dim=None):
        """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3) (``torch.Tensor.cross``)."""
        return _ops.cross(self, other, dim)

    def matrix_power(self, n):
        """The n-th matrix power (n < 0: of the inverse) (``torch.Tensor.matrix_power``)."""
        return _ops.matrix_power(self, n)

    def det(self):
        """The determinant of each square matrix (``torch.Tensor.det``)."""
        return _ops.det(self)

    def logdet(self):
        """log det; NaN where det < 0 (``torch.Tensor.logdet``)."""
        return _ops.logdet(self)

    def slogdet(self):
        """``(sign, logabsdet)`` (``torch.Tensor.slogdet``)."""
        return _ops.slogdet(self)

    def inverse(self):
        """The inverse of each square matrix (``torch.Tensor.inverse``)."""
        return _ops.inverse(self)

    def cholesky(self, upper=False):
        """L with self = L L^T (``upper``: L^T) (``torch.Tensor.cholesky``)."""
        return _ops.cholesky(self, upper)

    def pinverse(self, rcond=1e-15):
        """The pseudo-inverse, singular values <= rcond * s_max dropped (``torch.Tensor.pinverse``)."""
        return _ops.pinverse(self, rcond)

    # ----------------------------------------------------------------- PyTorch's in-place methods, aliases and properties
    # (section: inplace)
    # In-place forms ``x.op_(...)`` of out-of-place methods: one generated method per entry, each writing
    # ``x.op(...)`` into x through ``_write_result`` (its refusals, torch's dtype rule, the write stamp).
    _IN_PLACE_RULES = """

While a graph is recorded it is recorded, as torch's: this tensor becomes the op's output
(``minigrad/autograd/recorded_writes.py``; a leaf that requires grad is refused, as in torch).
Refused where the result cannot be written into this tensor: another shape, or a dtype torch will not cast into this one (a float result into an integer
tensor, as ``int_tensor.sqrt_()``; anything but bool into a bool tensor). Under ``no_grad`` the write
is stamped, so a graph recorded before it refuses to backward."""

    def _in_place_method(name, base_name, base, rules=_IN_PLACE_RULES):
        def method(self, *args, **kwargs):
            return self._write_result(name, lambda t: base(t, *args, **kwargs))
        method.__name__ = name
        method.__qualname__ = f"Tensor.{name}"
        method.__wrapped__ = base   # help() and inspect.signature show the out-of-place op's arguments
        summary = (base.__doc__ or "").strip().split("\n\n")[0]
        method.__doc__ = (
            f"``self.{base_name}(...)`` written into this tensor in place and returned (``torch.Tensor.{name}``)."
            + (f"\n\n``{base_name}``: {summary}" if summary else "") + rules)
        return method

    _IN_PLACE_OF = {
        # unary math, rounding and activations
        "abs_": "abs", "absolute_": "abs", "neg_": "neg", "negative_": "neg", "sign_": "sign", "sgn_": "sgn",
        "exp_": "exp", "exp2_": "exp2", "expm1_": "expm1", "log_": "log", "log2_": "log2", "log10_": "log10",
        "log1p_": "log1p", "sqrt_": "sqrt", "rsqrt_": "rsqrt", "square_": "square", "reciprocal_": "reciprocal",
        "sin_": "sin", "cos_": "cos", "tan_": "tan", "asin_": "asin", "acos_": "acos", "atan_": "atan",
        "arcsin_": "asin", "arccos_": "acos", "arctan_": "atan", "sinh_": "sinh", "cosh_": "cosh", "tanh_": "tanh",
        "asinh_": "asinh", "acosh_": "acosh", "atanh_": "atanh", "arcsinh_": "asinh", "arccosh_": "acosh",
        "arctanh_": "atanh", "sinc_": "sinc", "erf_": "erf", "erfc_": "erfc", "erfinv_": "erfinv",
        "sigmoid_": "sigmoid", "relu_": "relu", "logit_": "logit", "nan_to_num_": "nan_to_num",
        "deg2rad_": "deg2rad", "rad2deg_": "rad2deg", "floor_": "floor", "ceil_": "ceil", "round_": "round",
        "trunc_": "trunc", "fix_": "trunc", "frac_": "frac", "lgamma_": "lgamma", "digamma_": "digamma",
        "polygamma_": "polygamma", "mvlgamma_": "mvlgamma", "i0_": "i0", "igamma_": "igamma", "igammac_": "igammac",
        "gcd_": "gcd", "lcm_": "lcm", "ldexp_": "ldexp", "nextafter_": "nextafter",
        # binary and ternary arithmetic
        "multiply_": "mul", "subtract_": "sub", "divide_": "div", "true_divide_": "true_divide", "pow_": "pow",
        "fmod_": "fmod", "remainder_": "remainder",
        "floor_divide_": "floor_divide", "atan2_": "atan2", "arctan2_": "atan2", "hypot_": "hypot",
        "copysign_": "copysign", "xlogy_": "xlogy", "lerp_": "lerp", "addcmul_": "addcmul", "addcdiv_": "addcdiv",
        "clamp_min_": "clamp_min", "clamp_max_": "clamp_max", "clip_": "clamp", "heaviside_": "heaviside",
        "bitwise_and_": "bitwise_and", "bitwise_or_": "bitwise_or", "bitwise_xor_": "bitwise_xor",
        "bitwise_not_": "bitwise_not", "bitwise_left_shift_": "bitwise_left_shift",
        "bitwise_right_shift_": "bitwise_right_shift", "logical_and_": "logical_and", "logical_or_": "logical_or",
        "logical_xor_": "logical_xor", "logical_not_": "logical_not",
        # comparisons (the bool result written as 1 and 0 into a numeric tensor, as torch)
        "eq_": "eq", "ne_": "ne", "lt_": "lt", "le_": "le", "gt_": "gt", "ge_": "ge", "greater_": "gt",
        "greater_equal_": "ge", "less_": "lt", "less_equal_": "le", "not_equal_": "ne",
        # matrix products, scans, triangles, scatter
        "addmm_": "addmm", "addmv_": "addmv", "addr_": "addr", "baddbmm_": "baddbmm", "addbmm_": "addbmm",
        "cumprod_": "cumprod", "tril_": "tril", "triu_": "triu", "scatter_add_": "scatter_add",
    }
    def absolute(self):
        """``abs`` under NumPy's and torch's other name (``torch.Tensor.absolute``)."""
        return _ops.abs(self)

    def cumsum_(self, dim):
        """``self.cumsum(dim)`` written into this tensor in place and returned (``torch.Tensor.cumsum_``; ``dim``
        is required, as torch's). Refused, as every in-place op, on a tensor that requires grad while grad mode
        is on; stamped as a write otherwise."""
        return self._write_result("cumsum_", lambda t: _ops.cumsum(t, dim))

    def float_power_(self, exponent):
        """``self.float_power(exponent)`` written in place (``torch.Tensor.float_power_``). The result is float64, so
        this tensor must be float64, as torch requires (``float_power_`` never casts its result down)."""
        if self.dtype != np.float64:
            raise RuntimeError(f"float_power_(): the base has dtype {self.dtype} but the operation's result requires "
                               "dtype float64 (torch refuses it too); use the out-of-place float_power()")
        return self._write_result("float_power_", lambda t: _ops.float_power(t, exponent))

    def fill_diagonal_(self, fill_value, wrap=False):
        """The main diagonal set to ``fill_value`` (a number or a 0-d tensor) in place, as
        ``torch.Tensor.fill_diagonal_``: entries (i, i, ..., i) of a tensor of 2 or more dims, all of one length
        when more than 2. ``wrap``: on a tall matrix, start again every ``ncols + 1`` rows (as torch and
        ``numpy.fill_diagonal``). Refused on a tensor that requires grad while grad mode is on; stamped as a write
        otherwise."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_(): needs a tensor of at least 2 dims, got shape {tuple(self.shape)}")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f"fill_diagonal_(): all dims must be of equal length beyond 2 dims, got shape "
                               f"{tuple(self.shape)}")
        self._refuse_read_only("fill_diagonal_()")
        self._check_writable("fill_diagonal_", "build a new tensor (e.g. with minigrad.where)")
        if isinstance(fill_value, Tensor):   # a 0-d tensor is read as its number, as torch's
            if fill_value.ndim != 0:
                raise TypeError(f"fill_diagonal_(): fill_value must be a number or a 0-d tensor, got shape "
                                f"{tuple(fill_value.shape)}")
            if fill_value.requires_grad and STATE.grad_enabled:
                self._refuse_grad_source("fill_diagonal_", fill_value.shape)
            fill_value = fill_value.item()
        self._xp().fill_diagonal(self.data, fill_value, wrap=bool(wrap))
        _mark_written(self)
        return self

    # View-changing in-place ops: this tensor takes a view of its own memory with the new shape. torch bumps the
    # version of such a tensor, and minigrad's graph holds the Tensor itself, so the change is stamped as a write.
    def _view_in_place(self, name, view):
        if self.creator is not None and self.requires_grad and STATE.grad_enabled:
            return _recorded_writes.view_recorded(self, view)   # torch records it: the view op's output is self
        self._check_writable(name, f"use the out-of-place {name[:-1]}()")
        before = self.data
        self.data = view(Tensor(before)).data
        if self.data.shape != before.shape or self.data.strides != before.strides:
            mark_relaid(self)   # a node that read only this tensor's shape (w.T's) must refuse too: that shape changed
        else:   # t_() of a vector, squeeze_() with no 1 to drop: the layout is the one every node read
            _mark_written(self)
        return self

    def t_(self):
        """``t()`` in place: a 2-D tensor transposed, a 0-d or 1-D one as it is (``torch.Tensor.t_``)."""
        return self._view_in_place("t_", _ops.t)

    def transpose_(self, dim0, dim1):
        """Dims ``dim0`` and ``dim1`` exchanged in place (``torch.Tensor.transpose_``; minigrad's out-of-place
        ``transpose(*axes)`` is NumPy's permutation, so this PyTorch-only name is the swap, ``swapaxes_``)."""
        return self._view_in_place("transpose_", lambda x: _ops.swapaxes(x, dim0, dim1))

    def swapaxes_(self, axis0, axis1):
        """Two dims exchanged in place (``torch.Tensor.swapaxes_``)."""
        return self._view_in_place("swapaxes_", lambda x: _ops.swapaxes(x, axis0, axis1))

    def swapdims_(self, dim0, dim1):
        """Two dims exchanged in place (``torch.Tensor.swapdims_``)."""
        return self._view_in_place("swapdims_", lambda x: _ops.swapaxes(x, dim0, dim1))

    def unsqueeze_(self, dim):
        """A dim of length one inserted at ``dim`` in place, ``dim`` in [-ndim-1, ndim] (``torch.Tensor.unsqueeze_``).
        """
        return self._view_in_place("unsqueeze_", lambda x: _ops.unsqueeze(x, dim))

    def squeeze_(self, dim=None):
        """Dims of length one removed in place (``torch.Tensor.squeeze_``): every such dim, or those among ``dim``
        (an int or a tuple); a named dim of another length stays, as torch's (NumPy's ``squeeze`` refuses it)."""
        dims = () if dim is None else tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        _ops._args.check_dims("squeeze_", dims, self.ndim, self.shape)
        if dim is None:
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1)
        else:
            axes = tuple(sorted({int(d) % self.ndim for d in dims if self.ndim and self.shape[int(d)] == 1}))
        return self._view_in_place("squeeze_", lambda x: _ops.reshape(x, tuple(n for i, n in enumerate(x.shape)
                                                                                if i not in axes)))

    def detach_(self):
        """This tensor made a leaf that does not require grad, in place (``torch.Tensor.detach_``).

        On a non-leaf the change is stamped as a write: minigrad's graph holds the Tensor itself, so a graph
        recorded before that used it refuses to backward (torch's keeps sending gradients through it). torch
        refuses ``detach_`` on a view; minigrad does not tell views apart there and allows it."""
        if self.creator is not None:
            mark_detached(self)
        if _NO_GRAD_VIEWS and _NO_GRAD_VIEWS.value(self, False):   # no longer requires grad through its base
            _NO_GRAD_VIEWS.put(self, NO_GRAD)
        self.creator = None
        self._out_index = 0
        self._requires_grad = False
        return self

    # Elementwise Python callables: torch's definition is a loop over the values, so these loop (CPU only).
    def apply_(self, callable):  # noqa: A002
        """Each value replaced by ``callable(value)`` in place, cast to this dtype (``torch.Tensor.apply_``). A
        Python loop, as torch's: slow, CPU only, refused on a tensor that requires grad (even under no_grad)."""
        self._check_callable_target("apply_")
        # astype(object) hands the callable Python numbers, as torch's does
        self.data[...] = np.frompyfunc(callable, 1, 1)(self.data.astype(object))
        _mark_written(self)
        return self

    def map_(self, tensor, callable):  # noqa: A002
        """Each value replaced by ``callable(value, other)`` in place, ``tensor`` (of this dtype) broadcast to this
        shape (``torch.Tensor.map_``); a Python loop, as ``apply_``, with its refusals."""
        self._check_callable_target("map_")
        if not isinstance(tensor, Tensor) or tensor.dtype != self.dtype:
            got = f"dtype {tensor.dtype}" if isinstance(tensor, Tensor) else type(tensor).__name__
            raise TypeError(f"map_(): expected a Tensor of this tensor's dtype {self.dtype} for 'tensor', got {got}")
        if tensor.device != "cpu":
            raise RuntimeError(f"map_(): only for CPU tensors, 'tensor' is on {tensor.device}")
        try:
            other = np.broadcast_to(tensor.data, self.shape)
        except ValueError:
            raise RuntimeError(f"map_(): 'tensor' of shape {tuple(tensor.shape)} does not broadcast to this "
                               f"tensor's shape {tuple(self.shape)}") from None
        self.data[...] = np.frompyfunc(callable, 2, 1)(self.data.astype(object), other.astype(object))
        _mark_written(self)
        return self

    def _check_callable_target(self, name):
        if self.requires_grad:
            raise RuntimeError(f"{name}(): cannot run on a tensor that requires grad (shape {tuple(self.shape)}), "
                               f"even under no_grad, as torch; use x.detach().{name}(...)")
        if self.device != "cpu":
            raise RuntimeError(f"{name}(): only for CPU tensors (it calls a Python function per value), this one is "
                               f"on {self.device}")

    # Graph and memory queries under torch's names.
    @property
    def grad_fn(self):
        """The graph node that made this tensor (its ``creator``: a ``Function``, whose ``.name`` is the op's class
        name, e.g. ``'Mul'``), or None for a leaf (``torch.Tensor.grad_fn``)."""
        return self.creator

    @property
    def output_nr(self) -> int:
        """Which output of its creator this tensor is (0 for a leaf and a one-output op)."""
        return self._out_index

    def is_signed(self) -> bool:
        """Whether the dtype holds negative values: signed integers and floats (not uint8, not bool)."""
        return self.dtype.kind in "ifc"

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor; refused for none or more than one element
        (``torch.Tensor.is_nonzero``)."""
        if self.size != 1:
            many = "no values" if self.size == 0 else "more than one value"
            raise RuntimeError(f"is_nonzero(): Boolean value of Tensor with {many} is ambiguous "
                               f"(shape {tuple(self.shape)})")
        return bool(self.data.reshape(()))

    def is_same_size(self, other) -> bool:
        """Whether ``other`` has this tensor's shape."""
        return tuple(self.shape) == tuple(other.shape)

    def is_inference(self) -> bool:
        """False: minigrad has no inference-mode tensors."""
        return False

    def is_conj(self) -> bool:
        """False: minigrad never conjugates lazily (``conj()`` computes the conjugate)."""
        return False

    def is_neg(self) -> bool:
        """False: minigrad's tensors are never lazily negated."""
        return False

    def conj(self):
        """The complex conjugate; a real tensor itself (``torch.Tensor.conj`` returns a non-complex input as it is)."""
        return self if self.data.dtype.kind != "c" else self._complex_part("conj", self.data.conj())

    def resolve_conj(self):
        """Itself (no lazy conjugation to resolve)."""
        return self

    def resolve_neg(self):
        """Itself (no lazy negation to resolve)."""
        return self

    @property
    def real(self):
        """The real part; a real tensor itself (``torch.Tensor.real`` returns it as it is)."""
        return self if self.data.dtype.kind != "c" else self._complex_part("real", self.data.real.copy())

    @property
    def imag(self):
        """The imaginary part of a complex tensor (torch's ``Tensor.imag``, which a real tensor refuses too)."""
        if self.data.dtype.kind != "c":
            raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes (got {self.dtype})")
        return self._complex_part("imag", self.data.imag.copy())

    def _complex_part(self, name, values):
        """``values`` (a part of this complex tensor) as a new Tensor; a complex tensor in a graph is refused,
        since gradients through complex values are not computed (``engine.refuse_complex_gradients``)."""
        if self.requires_grad and STATE.grad_enabled:
            raise RuntimeError(f"{name}: this complex tensor (shape {tuple(self.shape)}, {self.dtype}) requires "
                               "grad, and minigrad does not differentiate through complex values (its derivatives "
                               "are written for real values); keep the differentiated path real, or detach() it")
        return Tensor(values)

    @property
    def H(self):
        """The conjugate transpose of a matrix, for a real tensor the transpose (``torch.Tensor.H``): 2-D, or a 0-d
        tensor as it is (conjugated when complex)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor "
                               "(tensor.mH swaps the last two dims of a batch)")
        return (self if self.ndim == 0 else _ops.transpose(self)).conj()

    def adjoint(self):
        """The conjugate transpose of a batch of matrices, for a real tensor ``mT`` (``torch.Tensor.adjoint``)."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return self.mT.conj()

    @property
    def layout(self):
        """``minigrad.strided`` (equal to the string ``'strided'`` too): a Tensor is a dense array (torch's
        ``torch.strided``); sparse COO tensors are ``minigrad.sparse.SparseCOOTensor``."""
        return strided

    @property
    def is_sparse(self) -> bool:
        """False, as ``is_quantized``, ``is_meta`` and ``is_nested``: a Tensor is dense (sparse COO tensors are their
        own type, ``minigrad.sparse.SparseCOOTensor``), and minigrad has none of the other kinds."""
        return False

    is_quantized = is_meta = is_nested = is_sparse_csr = is_sparse

    def data_ptr(self) -> int:
        """The address of this tensor's first element (in device memory on a GPU)."""
        return _address(self.data)

    def storage_offset(self) -> int:
        """This tensor's first element, counted in elements from the start of the memory it looks at (a view's
        offset into its base, as torch's; 0 for a tensor that owns its memory)."""
        return (_address(self.data) - _address(_buffer(self.data))) // self.data.itemsize

    _TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
                   "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                   "bool": "BoolTensor", "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
                   "uint16": "UInt16Tensor", "uint32": "UInt32Tensor", "uint64": "UInt64Tensor"}

    def type(self, dtype=None, non_blocking=False):
        """With no argument, the type's name as torch spells it, under minigrad's name: ``'minigrad.FloatTensor'``
        (``'minigrad.cuda.FloatTensor'`` on a GPU; Double, Half, Long, Int, Short, Char, Byte, Bool, ComplexFloat,
        ComplexDouble, UInt16, UInt32, UInt64). With a dtype
        (or such a name, ``'minigrad.DoubleTensor'`` or ``'torch.DoubleTensor'``), this tensor cast to it: itself
        when it already has it, else a copy (differentiable between floating dtypes, as ``astype``)."""
        if dtype is None:
            name = self._TYPE_NAMES.get(self.dtype.name)
            if name is None:
                raise TypeError(f"type(): torch has no tensor type name for dtype {self.dtype}")
            return f"minigrad.{'cuda.' if self.device != 'cpu' else ''}{name}"
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), np.dtype):
            dtype = dtype.dtype   # a legacy type class, x.type(minigrad.DoubleTensor), as torch takes it
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            prefix, _, name = dtype.rpartition(".")
            dtypes = {v: k for k, v in self._TYPE_NAMES.items()}
            if prefix not in ("minigrad", "torch", "minigrad.cuda", "torch.cuda") or name not in dtypes:
                raise ValueError(f"type(): unknown tensor type {dtype!r} (e.g. 'minigrad.FloatTensor')")
            out = self if self.dtype == np.dtype(dtypes[name]) else _ops.astype(self, dtypes[name])
            return out.to("cuda") if prefix.endswith("cuda") and self.device == "cpu" else out
        return self if self.dtype == np.dtype(dtype) else _ops.astype(self, dtype)

    @staticmethod
    def _can_write(src, dst) -> bool:
        """torch's rule for writing a result of dtype ``src`` into a tensor of dtype ``dst``: never float into an
        integer, complex into a real or anything but bool into bool (narrowing within a kind is allowed)."""
        rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
        return rank[np.dtype(src).kind] <= rank[np.dtype(dst).kind]

    # ----------------------------------------------------------------- PyTorch's random sampling methods
    # (section: random)
    def bernoulli(self, p=None, *, generator=None):
        """1 with probability ``self`` (or the one probability ``p``), else 0, in this dtype
        (``torch.Tensor.bernoulli``; see ``minigrad.bernoulli``)."""
        return _sampling.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Category indices drawn with this tensor's rows as weights (``torch.Tensor.multinomial``; see
        ``minigrad.multinomial``)."""
        return _sampling.multinomial(self, num_samples, replacement, generator=generator)

    def _fill_sampled(self, name, draw, floating=True):
        """Write ``draw()``'s host values into this tensor in place, stamped (``zero_``'s rules); ``floating``: PyTorch
        refuses these draws into an integer or bool tensor. Everything is checked before the generator moves."""
        self._refuse_read_only(f"{name}()")
        self._check_writable(name, "draw into a new tensor")
        if floating and self.dtype.kind != "f":
            raise RuntimeError(f"{name}: a continuous distribution needs a floating-point tensor, got dtype "
                               f"{self.dtype} (shape {self.shape})")
        values = draw()
        self.data[...] = backend.to_device(values.astype(self.dtype, copy=False), self.device)
        _mark_written(self)
        return self

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill in place with 1 (probability ``p``: a number, or a tensor of probabilities that broadcasts to this
        shape) or 0, any dtype (``torch.Tensor.bernoulli_``)."""
        rng = _sampling.generator_for("bernoulli_", generator)
        return self._fill_sampled("bernoulli_", lambda: _sampling.bernoulli_values("bernoulli_", self.shape, p, rng),
                                  False)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill in place with draws from Exp(lambd): density lambd exp(-lambd x), x >= 0
        (``torch.Tensor.exponential_``)."""
        rng = _sampling.generator_for("exponential_", generator)
        return self._fill_sampled("exponential_",
                                  lambda: _sampling.exponential_values(self.shape, self.dtype, lambd, rng))

    def geometric_(self, p, *, generator=None):
        """Fill in place with draws from Geometric(p) on {1, 2, ...}: P(k) = (1 - p)^(k-1) p, any dtype
        (``torch.Tensor.geometric_``)."""
        rng = _sampling.generator_for("geometric_", generator)
        return self._fill_sampled("geometric_", lambda: _sampling.geometric_values(self.shape, p, rng), False)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill in place with exp(N(mean, std^2)) draws (``torch.Tensor.log_normal_``)."""
        rng = _sampling.generator_for("log_normal_", generator)
        return self._fill_sampled("log_normal_",
                                  lambda: _sampling.log_normal_values(self.shape, self.dtype, mean, std, rng))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill in place with Cauchy draws: density 1 / (pi sigma (1 + ((x - median) / sigma)^2))
        (``torch.Tensor.cauchy_``)."""
        rng = _sampling.generator_for("cauchy_", generator)
        return self._fill_sampled("cauchy_", lambda: _sampling.cauchy_values(self.shape, median, sigma, rng))

    def random_(self, *args, generator=None, **named):
        """Fill in place with integers drawn uniformly (``torch.Tensor.random_``): ``random_(to)`` from [0, to),
        ``random_(from, to)`` from [from, to), ``random_()`` from 0 to 2^mantissa for floats (every value exact),
        the dtype's maximum for integers, 1 for bool; ``from=`` alone draws from ``from`` to that maximum."""
        rng = _sampling.generator_for("random_", generator)
        if set(named) - {"from", "to"} or len(args) > 2:
            raise TypeError(f"random_() takes random_(), random_(to) or random_(from, to), got {len(args)} "
                            f"positional arguments and keywords {sorted(named)}")
        if len(args) == 1 and not named:
            bounds = {"to": args[0]}
        else:
            bounds = dict(zip(("from", "to"), args))
            for key in set(named) & set(bounds):
                raise TypeError(f"random_() got multiple values for argument '{key}'")
            bounds.update(named)
        from_, to = bounds.get("from", 0), bounds.get("to")
        return self._fill_sampled("random_", lambda: _sampling.random_values(self.shape, self.dtype, from_, to, rng),
                                  False)

    # ----------------------------------------------------------------- PyTorch's combining, scatter-into-slice and distance methods
    # (section: combine)
    def select(self, dim, index):
        """The slice at ``index`` of dim ``dim``, that dim removed; a view (``torch.Tensor.select``)."""
        return _ops.slice_writes.select(self, dim, index)

    def msort(self):
        """Sorted along dim 0, the values only (``torch.msort``)."""
        return _ops.msort(self)

    def histogram(self, bins=NOT_GIVEN, *, range=None, weight=None, density=False):  # noqa: A002
        """(hist, bin_edges) of this floating tensor (see ``minigrad.histogram``)."""
        return _ops.histogram(self, bins, range=range, weight=weight, density=density)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        """A copy with ``src`` written on a diagonal (see ``minigrad.diagonal_scatter``)."""
        return _ops.diagonal_scatter(self, src, offset, dim1, dim2)

    def select_scatter(self, src, dim, index):
        """A copy with ``src`` written at ``index`` of ``dim`` (see ``minigrad.select_scatter``)."""
        return _ops.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        """A copy with ``src`` written over a slice of ``dim`` (see ``minigrad.slice_scatter``)."""
        return _ops.slice_scatter(self, src, dim, start, end, step)

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        """A copy with ``source``'s slices reduced into the slices at ``index`` (see ``minigrad.index_reduce``)."""
        return _ops.index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """``index_reduce`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("index_reduce_", lambda t: _ops.index_reduce(t, dim, index, source, reduce,
                                                                             include_self=include_self))

    def put(self, index, source, accumulate=False):
        """A copy with ``source`` written (or added) at flat positions (see ``minigrad.put``)."""
        return _ops.put(self, index, source, accumulate)

    def put_(self, index, source, accumulate=False):
        """``put`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("put_", lambda t: _ops.put(t, index, source, accumulate))

    def sum_to_size(self, *size):
        """Summed down to ``size``, which must expand to this shape (``torch.Tensor.sum_to_size``)."""
        return _ops.sum_to_size(self, *size)

    def renorm(self, p, dim, maxnorm):
        """Slices along ``dim`` of p-norm above ``maxnorm`` scaled down to it (see ``minigrad.renorm``)."""
        return _ops.renorm(self, p, dim, maxnorm)

    def renorm_(self, p, dim, maxnorm):
        """``renorm`` in place (refused on a tensor that requires grad while grad mode is on)."""
        return self._write_result("renorm_", lambda t: _ops.renorm(t, p, dim, maxnorm))

    def dist(self, other, p=2):
        """The p-norm of self - other (see ``minigrad.dist``)."""
        return _ops.dist(self, other, p)

    def narrow_copy(self, dim, start, length):
        """``narrow`` into new memory (``torch.Tensor.narrow_copy``)."""
        return _ops.narrow_copy(self, dim, start, length)

    # ----------------------------------------------------------------- PyTorch's special functions
    # (section: special)
    def lgamma(self):
        return _ops.lgamma(self)

    def digamma(self):
        return _ops.digamma(self)

    def polygamma(self, n):
        return _ops.polygamma(n, self)

    def mvlgamma(self, p):
        return _ops.mvlgamma(self, p)

    def i0(self):
        return _ops.i0(self)

    def igamma(self, other):
        return _ops.igamma(self, other)

    def igammac(self, other):
        return _ops.igammac(self, other)

    def gcd(self, other):
        return _ops.gcd(self, other)

    def lcm(self, other):
        return _ops.lcm(self, other)

    def ldexp(self, other):
        return _ops.ldexp(self, other)

    def frexp(self):
        return _ops.frexp(self)

    def nextafter(self, other):
        return _ops.nextafter(self, other)

    def angle(self):
        return _ops.angle(self)

    # ----------------------------------------------------------------- PyTorch's further linear algebra methods
    # (section: linalg-more)
    def svd(self, some=True, compute_uv=True):
        """``(U, S, V)`` with self = U diag(S) V^T, V not Vh (``torch.Tensor.svd``)."""
        return _ops.svd(self, some, compute_uv)

    def qr(self, some=True):
        """``(Q, R)``, reduced unless ``some=False`` (``torch.Tensor.qr``)."""
        return _ops.qr(self, some)

    def lu(self, pivot=True, get_infos=False):
        """``(LU, pivots)`` (``get_infos``: and ``infos``) (``torch.Tensor.lu``)."""
        return _ops.lu(self, pivot, get_infos)

    def lu_solve(self, LU_data, LU_pivots):  # noqa: N803 (torch's names)
        """X with A X = self from A's LU (``torch.Tensor.lu_solve``)."""
        return _ops.lu_solve(self, LU_data, LU_pivots)

    def matrix_exp(self):
        """e^self of each square matrix (``torch.Tensor.matrix_exp``)."""
        return _ops.matrix_exp(self)

    def cholesky_solve(self, input2, upper=False):
        """X with (L L^T) X = self, L = input2 (``torch.Tensor.cholesky_solve``)."""
        return _ops.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        """(L L^T)^{-1} with L = self (``torch.Tensor.cholesky_inverse``)."""
        return _ops.cholesky_inverse(self, upper)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803
        """``(solution, cloned_coefficient)``: X with T X = self, T a triangle of A (``torch.Tensor.triangular_solve``)."""
        return _ops.triangular_solve(self, A, upper, transpose, unitriangular)

    def ger(self, vec2):
        """``outer`` (``torch.Tensor.ger``)."""
        return _ops.ger(self, vec2)

    def geqrf(self):
        """``(a, tau)``: LAPACK's Householder QR, no gradient (``torch.Tensor.geqrf``)."""
        return _ops.geqrf(self)

    def orgqr(self, input2):
        """The first n columns of the product of the reflectors in (self, tau = input2) (``torch.Tensor.orgqr``)."""
        return _ops.orgqr(self, input2)

    def ormqr(self, input2, input3, left=True, transpose=False):
        """Q C (or Q^T C, C Q, C Q^T) for Q from (self, tau = input2), C = input3 (``torch.Tensor.ormqr``)."""
        return _ops.ormqr(self, input2, input3, left, transpose)

    # The in-place methods of _IN_PLACE_OF, made here, where every out-of-place method is defined.
    for _name, _base in _IN_PLACE_OF.items():
        vars()[_name] = _in_place_method(_name, _base, vars()[_base])
    del _name, _base, _in_place_method, _IN_PLACE_RULES


def _view_without_graph_error(what, t):
    return RuntimeError(
        f"{what}: this tensor (shape {tuple(t.shape)}) is a view made under no_grad of a tensor that requires grad: "
        "it requires grad through that tensor but has no graph, so its gradient would go nowhere (torch refuses it "
        "too: 'does not require grad and does not have a grad_fn'); call requires_grad_() on it to keep its "
        "gradient in .grad, or make the view with grad mode on")


class _RetainGrad:
    """The hook ``retain_grad`` puts last on a non-leaf: adds the gradient into the tensor's ``.grad``.

    It holds the tensor weakly: the tensor holds its creator, which holds this hook.
    """

    __slots__ = ("ref",)

    def __init__(self, tensor):
        self.ref = weakref.ref(tensor)

    def __call__(self, grad):
        t = self.ref()
        if t is None or grad is None:   # None: no gradient reached the tensor, and torch's .grad keeps its value
            return None
        if t.grad is not None:   # as the engine does for a leaf: never broadcast or round into a user's .grad
            check_grad_slot(t.grad.data, grad.data)
        if STATE.grad_enabled:   # create_graph: keep the graph, in a node of its own (grad is passed on too)
            new = _ops.clone(grad)
            t.grad = new if t.grad is None else t.grad + new
        else:   # a copy: the engine passes this array on, and may add into it where a leaf's .grad shares it
            t.grad = Tensor(grad.data.copy() if t.grad is None else t.grad.data + grad.data)
        return None


class _Size(int):
    """``Tensor.size``: the element count as an int, which can also be called as PyTorch's ``size``."""

    def __new__(cls, data):
        self = int.__new__(cls, data.size)
        self._shape = data.shape
        return self

    def __reduce__(self):   # pickled and copied as the plain count
        return (int, (int(self),))

    def __call__(self, dim=None):
        if dim is None:
            return self._shape
        if not is_integer(dim):
            raise TypeError(f"size: dim must be an int, got {dim!r}")
        n = len(self._shape)
        if not -n <= dim < n:
            raise IndexError(f"size: dim {dim} is out of range for a tensor of shape {self._shape} "
                             f"(expected a dim in [{-n}, {n - 1}])")
        return self._shape[dim]


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again, as does the end of a ``with`` block
    on the handle (torch's ``RemovableHandle``)."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


# These need Tensor, so they are imported once it exists.
from minigrad.autograd.coercion import _initial_grad  # noqa: E402
from minigrad.autograd.to_arguments import to_arguments  # noqa: E402
from minigrad import ops as _ops  # noqa: E402  (ops import Tensor; Tensor's operators call ops)
from minigrad.ops import arithmetic as _arithmetic  # noqa: E402
from minigrad.ops.scatter import assign as _assign  # noqa: E402  (x[index] = value, recorded)
from minigrad.autograd import engine as _engine  # noqa: E402
from minigrad.autograd import recorded_writes as _recorded_writes  # noqa: E402
from minigrad.autograd import backward_hooks as _backward_hooks  # noqa: E402
from minigrad import creation as _creation  # noqa: E402
from minigrad import random as _random  # noqa: E402
from minigrad import sampling as _sampling  # noqa: E402


def _no_grad_dtype_error(t):
    """torch's refusal to let an integer or bool tensor require grad: a RuntimeError, from the setter, the method and
    the constructors alike."""
    return RuntimeError(f"only floating-point and complex tensors can require grad; this tensor has dtype {t.dtype}")


def _leaf_only_error(t, what, requires_grad):
    """torch's refusal to change the ``requires_grad`` of a non-leaf (an op's output), with its hint for False."""
    hint = ("; to use a computed tensor in a subgraph that doesn't require differentiation, use "
            "var_no_grad = var.detach()") if not requires_grad else ""
    return RuntimeError(f"{what}: you can only change requires_grad flags of leaf variables; this tensor (shape "
                        f"{tuple(t.shape)}, dtype {t.dtype}) is the output of {t.creator.name}{hint}")


def _setitem_number(value, dtype):
    """The number ``value`` (Python's or NumPy's) for ``x[index] = value`` into ``dtype``, converted as torch converts
    a Scalar there (the fills' rule, ``scalars.fill_number``): uint8's -1 is 255; int8's 300, NaN or inf for an
    integer dtype are refused, RuntimeError as torch's. A Python int outside int64's range is torch's ValueError for
    every dtype (its indexed write reads the number as a long long; uint64's 2**63 too). A complex number for a real
    dtype gives its real part where the imaginary part is 0, else is refused (``check_fits``; a bool dtype takes any
    nonzero as True, as torch's). A floating dtype: a finite number past
    float32's range (1e40) is refused for float32 and complex64 (either part), where NumPy's cast made it inf, while
    float16 takes 70000 as inf, as torch's x[i] = v does (unlike its fill_). Dtypes are compared by equality here:
    an unpickled array's float32 is another object."""
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{_SETITEM}: the integer {short_number(value)} is outside int64's range, which torch's "
                         "indexed write cannot read ('Overflow when unpacking long long'); write it with fill_ or full")
    kind = dtype.kind
    if kind == "b":
        return value
    if kind in "iu":   # wraps uint8's -1, refuses what the dtype cannot hold, takes 1 + 0j as 1
        return fill_number(_SETITEM, value, dtype)
    if kind == "f" and isinstance(value, (complex, np.complexfloating)):
        check_fits(_SETITEM, value, dtype)   # refuses an imaginary part
        value = value.real                   # NumPy's write of 1+0j would warn that it drops it
    if dtype == _FLOAT32 or dtype == _COMPLEX64:
        _check_fits_float(_SETITEM, value, dtype)
    return value


def _setitem_type_error(x, value):
    return TypeError(f"x[index] = value: cannot write a {type(value).__name__} into a tensor of dtype {x.dtype} "
                     f"(shape {tuple(x.shape)}); the value must be numbers or a Tensor")


def _setitem_error(x, index, value, exc):
    """NumPy's (or an inner op's) error from ``x[index] = value`` restated with the op and the shapes."""
    if isinstance(exc, IndexError):
        return IndexError(f"x[index] = value: {exc} (tensor of shape {tuple(x.shape)})")
    try:
        target = tuple(x.data[index].shape)
        shape = tuple(value.shape) if isinstance(value, Tensor) else np.shape(value)
        kind = value.dtype.kind if isinstance(value, Tensor) else np.asarray(value).dtype.kind
    except (IndexError, ValueError, TypeError):
        return type(exc)(f"x[index] = value: {exc} (tensor of shape {tuple(x.shape)})")
    if kind in "USOV":
        return _setitem_type_error(x, value)
    if not _broadcasts(shape, target):
        return ValueError(f"x[index] = value: a value of shape {shape} does not broadcast to the indexed shape "
                          f"{target} (tensor of shape {tuple(x.shape)})")
    return type(exc)(f"x[index] = value: {exc} (tensor of shape {tuple(x.shape)})")


def _broadcasts(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False
