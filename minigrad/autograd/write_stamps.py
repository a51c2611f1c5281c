"""In-place write stamps: which buffers were written to in place, and at which write count.

A stamp belongs to the memory, not to a Tensor: ``x``, ``x.detach()``, a basic-slice
or reshape view of it and a parameter an optimizer updates all look at one buffer,
and a write through any of them stamps that buffer (PyTorch's version counter,
shared by a tensor and its views). ``Tensor.__setitem__``, ``Optimizer.step`` and
``Layer.load_state_dict`` stamp their writes; the engine compares the stamp of a
node's input with the write count the node recorded, and only when that count has
moved since, so ops pay nothing for it.
"""
import weakref

from minigrad.autograd.mode import STATE

# id(buffer) -> [weak reference to it, the STATE.writes count of its last in-place write].
# Kept aside so that buffers that are never written to, nearly all of them, cost nothing. The reference's callback
# removes an entry as its buffer is freed, before CPython can give the id to another object: an entry found by the
# id of a live array is that array's.
_WRITTEN = {}


def _buffer(array):
    """The array that owns the memory ``array`` looks at (itself, or the base of a view)."""
    base = array.base
    # Stop at a base that is not an array (bytes, an mmap): that object is not ours to track.
    while base is not None and hasattr(base, "base"):
        if hasattr(base, "shape"):
            array = base
        elif type(base).__name__ != "DummyArray":   # NumPy's as_strided (diagonal) wraps the owner in one
            break
        base = base.base
    return array


def view_or_copy(view, array):
    """``view``, a strided view of backend ``array``, if it leads back to ``array``'s memory, else a copy of it.

    Write stamps and writes through views find an array's memory by following ``.base``: NumPy's ``as_strided``
    leads there, CuPy's builds an array over the pointer alone, so on CuPy a view would let a write through it (or
    into ``array``) go unseen by a graph that read the other (``unfold``, ``as_strided``)."""
    return view if _buffer(view) is _buffer(array) else view.copy()


def _address(array) -> int:
    """The address of ``array``'s first element: host memory for NumPy's, device memory for CuPy's."""
    interface = getattr(array, "__cuda_array_interface__", None) or array.__array_interface__
    return interface["data"][0]


def mark_written(*arrays):
    """Stamp an in-place write into each of ``arrays`` (backend arrays) and every view of their memory."""
    count = next_write()
    for array in arrays:
        stamp(array, count)


def next_write() -> int:
    """Count one in-place write (of one or more arrays) and return the count, for :func:`stamp`."""
    STATE.writes += 1
    return STATE.writes


def stamp(array, count):
    """Stamp ``array``'s memory (and every view of it) as written at ``count``, a :func:`next_write` count."""
    # An optimizer's parameter owns its memory and is stamped every step: found by its own id at once (0.4 us of
    # the tiny step's 9 us opt.step(), timed, against finding its buffer first and checking the weak reference).
    entry = _WRITTEN.get(id(array))
    if entry is None:
        buf = array if array.base is None else _buffer(array)
        entry = _WRITTEN.get(id(buf))
        if entry is None:
            key = id(buf)
            _WRITTEN[key] = entry = [weakref.ref(buf, _forgetter(_WRITTEN, key)), count]
    entry[1] = count


def _forgetter(table, key):
    def forget(ref):
        current = table.get(key)
        if current is not None and current[0] is ref:
            del table[key]
    return forget


class _ByTensor(dict):
    """id(Tensor) -> [weak reference to it, a value]: an entry dies with its Tensor, and a later Tensor that reuses
    the id does not read it. A dict itself, so that ``if table:`` stays a C-level test."""

    def put(self, t, value):
        self[id(t)] = [weakref.ref(t, _forgetter(self, id(t))), value]

    def value(self, t, default):
        entry = self.get(id(t))
        return entry[1] if entry is not None and entry[0]() is t else default


# The views of a tensor that requires grad made under no_grad (``with no_grad(): v = h[0]``), each with what it is:
# a floating one requires grad through the tensor it views, as torch's, and is a leaf; torch gives it an
# AccumulateGrad node only once its own flag is set (``requires_grad_(True)``: OWN_FLAG), so until then
# (BASE_ONLY) what backward sends it goes nowhere, and the engine drops it. An integer view (``x.view(int32)``)
# requires no grad (NO_GRAD). Function.apply notes them only on its no_grad path; empty, it costs a dict's truth test.
_NO_GRAD_VIEWS = _ByTensor()
NO_GRAD, BASE_ONLY, OWN_FLAG = 1, 2, 3   # all true: any entry refuses a write in grad mode
RECORDED = 4   # a view recorded in grad mode of one of these (``v[1:]``): noted when made, its graph may be freed since


def note_no_grad_views(inputs, outs):
    """Remember which of ``outs`` (Tensors an op made without recording) share memory with an input that requires
    grad, or with an input noted so (a view of a view, torch's too): written in place once grad mode is on again,
    their base's graph would not know of the write. A floating one requires grad, as torch's view does."""
    memories = [_buffer(x.data) for x in inputs if x.requires_grad or _NO_GRAD_VIEWS.value(x, False)]
    for out in _views_of(outs, memories):
        floating = out.data.dtype.kind in "fc"   # torch's int view of a float tensor requires no grad
        _NO_GRAD_VIEWS.put(out, BASE_ONLY if floating else NO_GRAD)
        out._requires_grad = floating


def _views_of(outs, memories):
    """The Tensors of ``outs`` that are views into one of ``memories`` (buffers, as ``_buffer`` gives them)."""
    if not memories:
        return []
    return [out for out in outs if getattr(out.data, "base", None) is not None
            and any(_buffer(out.data) is m for m in memories)]


def drops_grad(t):
    """Whether ``t`` requires grad only through the tensor it views (BASE_ONLY): torch gives it no AccumulateGrad
    node, so a gradient sent to it goes nowhere. Ask only when ``_NO_GRAD_VIEWS`` is not empty."""
    return _NO_GRAD_VIEWS.value(t, 0) == BASE_ONLY


def set_requires_grad(t, flag):
    """Set Tensor ``t``'s ``requires_grad`` flag, checked by the caller. A view that requires grad through its base
    keeps requiring grad, as torch's: its own flag says whether its gradient is kept in ``.grad``."""
    if _NO_GRAD_VIEWS and t._requires_grad and _NO_GRAD_VIEWS.value(t, 0) in (BASE_ONLY, OWN_FLAG):
        _NO_GRAD_VIEWS.put(t, OWN_FLAG if flag else BASE_ONLY)
    else:
        t._requires_grad = bool(flag)   # True on a non-leaf, which requires grad already: as torch's


def any_no_grad_view(tensors):
    """Whether one of ``tensors`` is a view noted by :func:`note_no_grad_views` (its own views are noted too)."""
    for t in tensors:   # a loop, not any() over a generator: every unrecorded op asks while such a view lives
        if id(t) in _NO_GRAD_VIEWS and _NO_GRAD_VIEWS.value(t, False):
            return True
    return False


def refuse_no_grad_view(t, what):
    """torch's rule: a view made under no_grad of a tensor that requires grad is not written in place in grad
    mode. The write would change the base's values while its graph (recorded before, or the base's own creator)
    differentiates the old ones: a silently wrong gradient."""
    if STATE.grad_enabled and _NO_GRAD_VIEWS.value(t, False):
        raise RuntimeError(
            f"{what}: this tensor (shape {tuple(t.shape)}) is a view made under no_grad of a tensor that requires "
            "grad (or a view of such a view), and is being written in place with grad mode on (torch refuses it "
            "too): the base's gradient would not follow the write; write it under minigrad.no_grad(), or make the "
            "view with grad mode on, or write into a .clone()")


def note_recorded_views(inputs, outs):
    """Note (RECORDED) which of ``outs``, the outputs of an op recorded in grad mode, view the memory of a noted
    input (``u = v[1:]``, ``v`` made under no_grad): torch refuses their writes too. Noted when made, not found by
    walking the graph at the write, which a backward may have freed by then (``Function.apply``, only while
    ``_NO_GRAD_VIEWS`` is not empty)."""
    memories = [_buffer(x.data) for x in inputs if id(x) in _NO_GRAD_VIEWS and _NO_GRAD_VIEWS.value(x, False)]
    for out in _views_of(outs, memories):
        _NO_GRAD_VIEWS.put(out, RECORDED)


def _mark_written(t):
    """Stamp an in-place write through Tensor ``t``."""
    mark_written(t.data)


def written_at(t) -> int:
    """The write count of the last in-place write into ``t``'s memory (0 if it was never written to)."""
    return array_written_at(t.data)


def array_written_at(array) -> int:
    """The write count of the last in-place write into the memory of a backend array (0 if never written to)."""
    buf = _buffer(array)
    entry = _WRITTEN.get(id(buf))
    return entry[1] if entry is not None else 0


class _TensorChanges:
    """id(Tensor) -> [weak reference to it, the write count of its last change of one kind]. Kept per Tensor, not
    per buffer: an alias of the memory keeps its layout and its graph, so a node that read the alias is unaffected."""

    def __init__(self):
        self._table = _ByTensor()

    def mark(self, t):
        _mark_written(t)
        self._table.put(t, STATE.writes)

    def at(self, t) -> int:
        return self._table.value(t, 0)


# ``w.t_()`` under no_grad rebinds ``w.data`` to another view while ``w`` keeps its place in the graph.
_RELAID = _TensorChanges()
# ``t.detach_()`` of a non-leaf makes it a leaf: a node that read it would send its gradient nowhere.
_DETACHED = _TensorChanges()


def mark_relaid(t):
    """Stamp a write into Tensor ``t`` that also gave it a new layout (shape or strides)."""
    _RELAID.mark(t)


def relaid_at(t) -> int:
    """The write count of ``t``'s last unrecorded layout change (0 if none)."""
    return _RELAID.at(t)


def mark_detached(t):
    """Stamp ``t``'s cut from the graph that made it (``detach_`` of a non-leaf)."""
    _DETACHED.mark(t)


def detached_at(t) -> int:
    """The write count of ``t``'s last ``detach_`` as a non-leaf (0 if none)."""
    return _DETACHED.at(t)
