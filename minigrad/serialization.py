"""Checkpoints: ``save(obj, path)`` and ``load(path, map_location="cpu")``, safe by construction.

A checkpoint is one ``.npz`` file (a zip of ``.npy`` arrays). Every array in the
saved tree becomes an entry ``a0``, ``a1``, ...; the tree itself (dicts, lists,
tuples, numbers, strings, and which entry sits where) is a JSON document stored
as the bytes of one more entry, ``__manifest__``. Nothing is pickled, and loading
opens the file with ``allow_pickle=False``: a checkpoint cannot execute code.

Supported leaves: Tensors (their ``requires_grad`` is kept, and a Parameter stays one), NumPy and CuPy
arrays, NumPy scalars, ``int`` (of any size, such as RNG states: stored as decimal
strings, hex past 4000 bits), ``float`` (stored as ``repr`` strings, so nan, inf and every bit
survive), ``bool``, ``None`` and ``str``. Containers: ``dict`` with ``int`` or
``str`` keys (the key type is kept), ``list`` and ``tuple``. Dtypes come back
exactly; Tensors come back on ``map_location``, arrays as NumPy arrays. An array
held by several entries (a tied weight) is stored once and comes back shared. So
``load(path)`` of a saved ``model.state_dict()`` gives its detached Tensors back
(``requires_grad`` False), as ``torch.load`` does; a file saved when ``state_dict``
gave arrays gives NumPy arrays, and ``load_state_dict`` takes either. ``save``
writes the values as they are when it runs (a state dict shares the model's memory).

Saving is atomic: the file is written to a temporary file in the target's own
folder, flushed to disk, then renamed over the target with ``os.replace``. A
crash part-way leaves any previous checkpoint untouched and no temporary file.
"""
from __future__ import annotations

import io
import json
import os
import struct
import zipfile

import numpy as np

from minigrad.atomic import atomic_file

from minigrad.autograd.tensor import Tensor
from minigrad.backend import is_array, normalize_device, to_device, to_numpy

__all__ = ["save", "load"]

_FORMAT = "minigrad-checkpoint"
_VERSION = 1
_MANIFEST = "__manifest__"
_DECIMAL_BITS = 4000   # ints this wide have at most 1205 decimal digits, well inside Python's 4300-digit limit


def type_name(value) -> str:
    """The type's name, with its module when it is another library's: a torch.Tensor is not "a Tensor" here."""
    kind = type(value)
    module = kind.__module__
    return kind.__name__ if module.split(".")[0] in ("builtins", "minigrad") else f"{module}.{kind.__qualname__}"


def check_path(name, path, action) -> None:
    """Refuse, naming the function, a ``path`` that is neither a path nor a file object (os.fspath's own
    "expected str, bytes or os.PathLike object, not NoneType" named neither), and a file object open in text mode."""
    if hasattr(path, action):
        mode = getattr(path, "mode", "b")
        if isinstance(mode, str) and "b" not in mode:
            raise TypeError(f"{name}: the file object must be open in binary mode "
                            f"({'wb' if action == 'write' else 'rb'!r}), got mode {mode!r}")
        return
    names = (str, os.PathLike) if action == "write" else (str, bytes, os.PathLike)   # pathlib takes no bytes
    if not isinstance(path, names):
        raise TypeError(f"{name}: path must be a str, a path-like object or a binary file object open for "
                        f"{'writing' if action == 'write' else 'reading'}, got {type_name(path)}")


def refuse_uninitialized(owner, where, value):
    """Refuse to save a lazy layer's placeholder (``minigrad.nn.lazy``), which has no values yet: written as an empty
    array, it would load "successfully" and fail at the model's first call."""
    if getattr(type(value), "_uninitialized", False):
        raise TypeError(f"{owner}: {where} is an uninitialized lazy parameter or buffer; run the model once "
                        "(its shapes are set by the first call) before saving")


def _is_parameter(value) -> bool:
    from minigrad.nn.layer import Parameter   # minigrad.nn imports this module
    return isinstance(value, Parameter)


class _Encoder:
    """Turns a tree of supported values into a JSON-able manifest plus a dict of host arrays."""

    def __init__(self):
        self.arrays = {}
        # One entry per array object: a tied weight sits in a state dict under two names (as one array), and is
        # stored once, as torch.save stores a shared storage once. The arrays are kept so their ids stay theirs.
        self._stored = {}
        self._open = set()   # ids of the containers being encoded: one met again inside itself is a cycle

    def _store(self, array, where):
        seen = self._stored.get(id(array))
        if seen is not None:
            return seen[0]
        host = to_numpy(array)
        if host.dtype.hasobject or host.dtype.kind == "V":
            raise TypeError(f"save: arrays of dtype {host.dtype} cannot be stored without pickle (at {where})")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = host
        self._stored[id(array)] = (name, array)
        return name

    def encode(self, value, where="obj"):
        # bool before int (True is an int in Python); NumPy scalars before float
        # (np.float64 is a float subclass) so that their dtype survives.
        if value is None or isinstance(value, (bool, str)):
            return {"type": "value", "value": value}
        if isinstance(value, np.generic):
            return {"type": "numpy_scalar", "entry": self._store(np.asarray(value), where)}
        if isinstance(value, int):
            # Hex past Python's 4300-digit limit on decimal conversion (sys.set_int_max_str_digits), which
            # str() and int() would otherwise hit; hex has no limit. Smaller ints stay decimal, as before.
            value = int(value)   # an IntEnum's str() is its name on Python 3.10
            text = str(value) if value.bit_length() <= _DECIMAL_BITS else hex(value)
            return {"type": "int", "value": text}
        if isinstance(value, float):
            return {"type": "float", "value": repr(value)}
        if isinstance(value, Tensor):
            refuse_uninitialized("save", where, value)
            node = {"type": "tensor", "entry": self._store(value.data, where),
                    "requires_grad": bool(value.requires_grad)}
            if _is_parameter(value):   # torch.load gives a Parameter back as a Parameter
                node["parameter"] = True
            return node
        if isinstance(value, np.ma.MaskedArray):   # np.savez writes its data alone: masked values came back unmasked
            raise TypeError(f"save: {where} is a numpy.ma.MaskedArray, whose mask a checkpoint would lose; save its "
                            ".data and .mask as two arrays (or .filled(value))")
        if is_array(value):
            return {"type": "array", "entry": self._store(value, where)}
        if isinstance(value, (dict, list, tuple)):
            if id(value) in self._open:
                # (the tree would recurse until Python's RecursionError, naming nothing)
                raise ValueError(f"save: {where} is a container that holds it (a reference cycle), which a "
                                 "checkpoint's tree cannot store; break the cycle before saving")
            self._open.add(id(value))
            try:
                return self._container(value, where)
            finally:
                self._open.discard(id(value))
        hint = " (save its state_dict() instead)" if hasattr(value, "state_dict") else \
            " (turn it into a minigrad Tensor first: minigrad.from_dlpack(x))" if hasattr(value, "__dlpack__") else ""
        raise TypeError(
            f"save: cannot store a value of type {type_name(value)} at {where}{hint} "
            "(supported: Tensor, NumPy/CuPy array, int, float, bool, None, str, dict, list, tuple)"
        )

    def _container(self, value, where):
        if isinstance(value, dict):
            items = []
            for key, item in value.items():
                if isinstance(key, np.integer):
                    key = int(key)
                if isinstance(key, bool) or not isinstance(key, (int, str)):
                    raise TypeError(
                        f"save: dict keys must be int or str, got {type(key).__name__} key {key!r} at {where}"
                    )
                kind = "int" if isinstance(key, int) else "str"
                # the content, not str(): a str Enum key (class E(str, Enum)) printed as "E.A", not its "a"
                text = str(int(key)) if kind == "int" else str.__str__(key)
                items.append([kind, text, self.encode(item, f"{where}[{key!r}]")])
            return {"type": "dict", "items": items}
        kind = "list" if isinstance(value, list) else "tuple"
        return {"type": kind, "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}


def save(obj, path) -> None:
    """Write ``obj`` (a tree of supported values, see the module doc) to ``path`` atomically.

    The file is written exactly at ``path`` (no extension is added). ``path`` may also be a binary file object
    open for writing (``open(name, 'wb')``, ``io.BytesIO()``), as torch.save's ``f`` may; the archive is then
    written into it at its position, not atomically (the caller owns the file).
    """
    check_path("save", path, "write")
    encoder = _Encoder()
    manifest = {"format": _FORMAT, "version": _VERSION, "tree": encoder.encode(obj)}
    arrays = dict(encoder.arrays)
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)

    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    with atomic_file(path, suffix=".npz") as f:
        np.savez(f, **arrays)


class _Decoder:
    """Rebuilds the tree from the manifest and the loaded arrays."""

    def __init__(self, arrays, device):
        self.arrays = arrays
        self.device = device

    def _entry(self, node):
        return self.arrays[node["entry"]]

    def decode(self, node):
        kind = node["type"]
        if kind == "value":
            return node["value"]
        if kind == "int":
            text = node["value"]
            return int(text, 16) if text.lstrip("-").startswith("0x") else int(text)
        if kind == "float":
            return float(node["value"])
        if kind == "tensor":
            data = to_device(self._entry(node), self.device)
            if node.get("parameter") is True:
                from minigrad.nn.layer import Parameter   # minigrad.nn imports this module
                return Parameter(data, requires_grad=node["requires_grad"])
            return Tensor(data, requires_grad=node["requires_grad"])
        if kind == "numpy_scalar":
            return self._entry(node)[()]
        if kind == "array":
            return self._entry(node)
        if kind == "dict":
            return {(int(k) if key_kind == "int" else k): self.decode(v) for key_kind, k, v in node["items"]}
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise ValueError(f"unknown node type {kind!r}")


def load(path, map_location="cpu", *, weights_only=None, mmap=None):
    """Read a checkpoint written by ``save``; Tensors are placed on ``map_location``.

    Raises ``FileNotFoundError`` for a missing file and one ``ValueError`` naming
    the file for a truncated, corrupt or foreign one. ``weights_only`` is PyTorch's
    argument: a minigrad file never holds code (no pickle), so ``True``, ``False``
    and ``None`` all load the same way. ``mmap=True`` is refused: the archive is
    read whole.
    """
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be a bool or None, got {weights_only!r}")
    if mmap not in (None, False):
        raise ValueError(f"load: mmap={mmap!r} is not supported (a minigrad checkpoint is an .npz archive, read whole)")
    if isinstance(map_location, dict) or (callable(map_location) and not isinstance(map_location, str)):
        # torch maps each tensor's saved location through these; a minigrad checkpoint records none to map
        # (its arrays are stored from the host), so they would be a guess
        raise TypeError(
            f"load: map_location must be a device ('cpu', 'cuda', 'cuda:N') or None, got "
            f"{type(map_location).__name__} {map_location!r}: a minigrad checkpoint does not record the devices "
            "its tensors were saved from, so torch's dict and function forms have nothing to map"
        )
    device = normalize_device(map_location)
    check_path("load", path, "read")
    if hasattr(path, "read"):
        # A binary file object open for reading (torch.load's ``f``): one checkpoint read from its position, left
        # open and positioned after it.
        start, raw = tell(path), path.read()
        # Only the first archive: zipfile reads the last end record in the bytes, so of two checkpoints saved one
        # after the other into one file, the first load returned the second. The position is left after it.
        end = _archive_end(raw)
        if end < len(raw) and start is not None:
            raw = raw[:end]
            path.seek(start + end)
        source, path = io.BytesIO(raw), getattr(path, "name", repr(path))
    else:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no checkpoint at {path!r}")
        source = raw = None
    try:
        # Our own file handle, so it is closed whatever np.load makes of the bytes.
        with (source if source is not None else open(path, "rb")) as f:
            npz = np.load(f, allow_pickle=False)
            if not hasattr(npz, "files"):
                raise ValueError("it is a single .npy array, not an .npz archive")
            with npz:
                # Read every entry now: zipfile checks each one's CRC as it is read.
                arrays = {name: npz[name] for name in npz.files}
        manifest = json.loads(arrays.pop(_MANIFEST).tobytes().decode("utf-8"))
        if manifest.get("format") != _FORMAT:
            raise ValueError(f"format is {manifest.get('format')!r}, not {_FORMAT!r}")
        if manifest.get("version") != _VERSION:
            raise ValueError(f"version {manifest.get('version')!r} is not supported (expected {_VERSION})")
        return _Decoder(arrays, device).decode(manifest["tree"])
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
            zipfile.BadZipFile) as err:   # RecursionError: a crafted manifest nested too deep for json
        refused = _pickle_refusal(path if raw is None else io.BytesIO(raw), err)
        if refused:
            raise ValueError(f"load: {path!r} {refused}") from None
        raise ValueError(
            f"load: {path!r} is not a readable minigrad checkpoint (truncated or corrupt?): "
            f"{type(err).__name__}: {err}"
        ) from err


def tell(file):
    """The file object's position, or None where it cannot seek back (a pipe, a socket)."""
    try:
        return file.tell() if file.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


_END = struct.Struct("<4s4H2LH")            # a zip's end of central directory record
_END64 = struct.Struct("<4sQ2H2L4Q")        # its zip64 form, followed by a 20-byte locator, then the record


def _archive_end(data: bytes) -> int:
    """The length of the first zip archive at the start of ``data``: up to its first end record whose central
    directory (of the size the record gives) sits right before it; ``len(data)`` when none is found (the reader
    then reports what is wrong). The sizes are checked, not the offsets: zipfile records offsets from the start
    of the stream it wrote into, which may hold other bytes before the archive."""
    at = data.find(b"PK\x05\x06")
    while at >= 0 and at + _END.size <= len(data):
        count, size, comment = (*_END.unpack_from(data, at)[4:6], _END.unpack_from(data, at)[7])
        directory_end = at
        if at >= 20 + _END64.size and data[at - 20:at - 16] == b"PK\x06\x07":   # zip64: its record holds the size
            directory_end = at - 20 - _END64.size
            if data[directory_end:directory_end + 4] == b"PK\x06\x06":
                count, size = _END64.unpack_from(data, directory_end)[7:9]
        start = directory_end - size
        if count and 0 <= start and data[start:start + 4] == b"PK\x01\x02":
            return at + _END.size + comment
        at = data.find(b"PK\x05\x06", at + 1)
    return len(data)


def _pickle_refusal(source, err):
    """Why a pickle (plain, inside a .npy/.npz, or a torch.save zip) is refused; None for any other file.
    ``source`` is the file's path, or a BytesIO of what a file object held (whose name cannot be reopened)."""
    text = str(err)
    pickled = "pickled" in text or "allow_pickle" in text
    if not pickled:
        try:
            if isinstance(source, io.BytesIO):
                head = source.getvalue()[:2]
            else:
                with open(source, "rb") as f:
                    head = f.read(2)
            pickled = head[:1] == b"\x80" and head[1:2] in bytes(range(2, 6))   # pickle protocols 2-5
            if not pickled and zipfile.is_zipfile(source):
                with zipfile.ZipFile(source) as z:
                    pickled = any(name.endswith(".pkl") for name in z.namelist())
        except (OSError, zipfile.BadZipFile):
            return None
    if not pickled:
        return None
    return ("holds pickled Python objects, and minigrad.load refuses pickles: unpickling a file can run any code "
            "it contains. minigrad checkpoints (minigrad.save) hold only arrays and a JSON manifest; re-save the "
            "data with minigrad.save, or as plain arrays with numpy.savez")
