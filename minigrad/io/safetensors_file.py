"""``save_safetensors`` / ``load_safetensors``: weights in the safetensors format, in minigrad's or PyTorch's layout.

A safetensors file is an 8-byte header length, a JSON header (names, dtypes,
shapes, byte offsets, and a string-to-string ``__metadata__``) and the raw
bytes: reading one never executes code. We write through the ``safetensors``
library into ``atomic_file`` (a crash never leaves half a file) and record the
layout in the metadata under ``minigrad.layout``, so loading knows whether
Linear weights are (in, out) or PyTorch's (out, in).
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from minigrad.atomic import atomic_file
from minigrad.autograd.tensor import Tensor
from minigrad.backend import is_array, normalize_device, to_device, to_numpy
from minigrad.serialization import check_path, refuse_uninitialized, tell, type_name

LAYOUTS = ("minigrad", "torch")
LAYOUT_KEY = "minigrad.layout"
# The safetensors dtypes that have a NumPy type, by their header names (safetensors.numpy reads only these; a file
# of bfloat16 or float8 weights, common from PyTorch, made it stop with a bare KeyError('BF16')).
NUMPY_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "I64": "int64", "U64": "uint64",
                "I32": "int32", "U32": "uint32", "I16": "int16", "U16": "uint16", "I8": "int8", "U8": "uint8",
                "BOOL": "bool", "C64": "complex64"}


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError as err:
        raise ImportError(
            "minigrad.io needs the safetensors package: pip install \"minigrad[interop]\" "
            f"(or pip install safetensors) ({err})"
        ) from err
    return safetensors.numpy


def _check_layout(name, layout):
    if layout not in LAYOUTS:
        raise ValueError(f"{name}: Invalid layout: {layout!r} (expected 'minigrad' or 'torch')")


def _host_arrays(state: dict) -> dict:
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"save_safetensors: state dict keys must be str, got {type(key).__name__} {key!r}")
        if key == "__metadata__":   # the header's own key: the file was written, and could never be read back
            raise ValueError("save_safetensors: the key '__metadata__' is the safetensors header's metadata entry "
                             "and cannot name a tensor; rename it")
        refuse_uninitialized("save_safetensors", repr(key), value)
        if isinstance(value, Tensor):
            value = value.data
        if isinstance(value, np.ma.MaskedArray):   # np.asarray keeps its data alone: masked values would load unmasked
            raise TypeError(f"save_safetensors: {key!r} is a numpy.ma.MaskedArray, whose mask safetensors would lose; "
                            "save its .data and .mask as two entries (or .filled(value))")
        if not is_array(value):
            raise TypeError(f"save_safetensors: {key!r} is a {type_name(value)}, not a minigrad Tensor or a NumPy/CuPy "
                            "array")
        host = np.asarray(to_numpy(value), order="C")  # (not ascontiguousarray: it makes 0-d arrays 1-d)
        if host.dtype.name not in NUMPY_DTYPES.values():   # complex128, longdouble, strings, objects...
            raise TypeError(f"save_safetensors: {key!r} has dtype {host.dtype}, which safetensors cannot store "
                            f"(it stores {', '.join(NUMPY_DTYPES.values())})")
        arrays[key] = host
    return arrays


def save_safetensors(model_or_state_dict, path, layout: str = "minigrad", metadata: dict | None = None) -> None:
    """Write a model's weights (or a state dict) to ``path`` as safetensors, atomically.

    ``layout="torch"`` writes the names and layouts the equivalent PyTorch model
    expects (Linear weights transposed to (out, in)), so
    ``torch_model.load_state_dict(safetensors.torch.load_file(path))`` works; it
    needs the model itself, which knows which entry belongs to which layer.
    ``metadata`` is an optional dict of str to str stored in the header. ``path`` may also be a binary file
    object (``io.BytesIO()``), written into at its position, as ``minigrad.save`` takes one.
    """
    from minigrad.nn.layer import Layer
    from minigrad.io.torch_layout import to_torch

    _check_layout("save_safetensors", layout)
    check_path("save_safetensors", path, "write")
    if isinstance(model_or_state_dict, Layer):
        state = model_or_state_dict.state_dict()
    elif isinstance(model_or_state_dict, dict):
        if layout == "torch":
            raise ValueError(
                "save_safetensors: layout='torch' needs the model (which knows each entry's layer), "
                "not a state dict"
            )
        state = model_or_state_dict
    else:
        raise TypeError(
            f"save_safetensors: expected a Layer or a state dict, got {type(model_or_state_dict).__name__}"
        )
    header = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"save_safetensors: metadata must map str to str, got {key!r}: {value!r}")
        header[key] = value
    if LAYOUT_KEY in header:
        raise ValueError(f"save_safetensors: metadata key {LAYOUT_KEY!r} is reserved for the layout")
    header[LAYOUT_KEY] = layout
    arrays = _host_arrays(state)
    if layout == "torch":
        arrays = to_torch(model_or_state_dict, arrays)
        header.setdefault("format", "pt")  # what PyTorch tooling (transformers) looks for
    data = _safetensors_numpy().save(arrays, metadata=header)
    if hasattr(path, "write"):   # a file object (as minigrad.save takes): written at its position, not atomically
        path.write(data)
        return
    with atomic_file(path, suffix=".safetensors") as f:
        f.write(data)


def _name(path) -> str:
    """How errors name the file: its path, or a file object's name."""
    return getattr(path, "name", repr(path)) if hasattr(path, "read") else os.fspath(path)


def _read_header(path: str, data: bytes) -> dict:
    """The JSON header, checked enough that every malformed file fails here or in safetensors."""
    if len(data) < 8:
        raise ValueError(f"the file has {len(data)} bytes, fewer than the 8-byte header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ValueError(f"the header claims {length} bytes but only {len(data) - 8} follow (truncated?)")
    header = json.loads(data[8:8 + length].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


def _file_end(data: bytes, header: dict) -> int:
    """Where the file whose header is ``header`` ends in ``data``: the 8-byte length, the header, and the bytes
    up to the last tensor's end offset."""
    (length,) = struct.unpack("<Q", data[:8])
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"
            and isinstance(entry, dict) and isinstance(entry.get("data_offsets"), list)
            and len(entry["data_offsets"]) == 2 and isinstance(entry["data_offsets"][1], int)]
    return 8 + length + max(ends, default=0)


class DtypeError(ValueError):
    """A well-formed file holding a dtype NumPy lacks: not "truncated or corrupt"."""


def _refuse_foreign_dtypes(path, header):
    """One error naming every entry whose dtype NumPy has no type for (bfloat16, float8...)."""
    foreign = {key: entry.get("dtype") for key, entry in header.items()
               if key != "__metadata__" and isinstance(entry, dict) and entry.get("dtype") not in NUMPY_DTYPES}
    if foreign:
        listed = ", ".join(f"{key!r} ({dtype})" for key, dtype in foreign.items())
        raise DtypeError(
            f"load_safetensors: {path!r} holds {listed}: NumPy, and so minigrad, has no such dtype (minigrad reads "
            f"{', '.join(NUMPY_DTYPES)}); convert the weights where they were made (in PyTorch, "
            "{k: v.float() for k, v in state.items()}) and save them again"
        )


def read_safetensors(path) -> tuple[dict, dict]:
    """(arrays, metadata) of a safetensors file (a path or a binary file object); one ValueError naming the file
    if it is not a valid one."""
    check_path("load_safetensors", path, "read")
    source = path
    is_file = hasattr(source, "read")   # a binary file object open for reading: one file read from its position, left open
    if not is_file and not os.path.exists(os.fspath(source)):
        raise FileNotFoundError(f"load_safetensors: no file at {os.fspath(source)!r}")
    path = _name(source)
    st = _safetensors_numpy()
    from safetensors import SafetensorError as st_error  # its own class, not a ValueError

    try:
        if is_file:
            start, data = tell(source), source.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        header = _read_header(path, data)
        if is_file:   # one file's bytes (the header says how many), as minigrad.load reads one
            end = _file_end(data, header)
            if end < len(data) and start is not None:
                data = data[:end]
                source.seek(start + end)
        metadata = header.get("__metadata__") or {}
        try:
            arrays = st.load(data)
        except KeyError:   # safetensors.numpy's lookup of a valid dtype it has no NumPy type for
            _refuse_foreign_dtypes(path, header)
            raise
    except DtypeError:
        raise
    except (ValueError, KeyError, OSError, struct.error, st_error) as err:  # UnicodeDecodeError: a ValueError
        raise ValueError(
            f"load_safetensors: {path!r} is not a readable safetensors file (truncated or corrupt?): "
            f"{type(err).__name__}: {err}"
        ) from err
    # Arrays made from the file's bytes may be read-only views: give the caller its own copies.
    return {k: np.array(v) for k, v in arrays.items()}, metadata


def load_safetensors(path, model=None, layout: str | None = None, strict: bool = True, device="cpu"):
    """Read a safetensors file: return its state dict, or load it into ``model``.

    ``layout`` is ``"minigrad"`` or ``"torch"``; by default the one recorded in the
    file by ``save_safetensors``. A file written by PyTorch
    (``safetensors.torch.save_file(torch_model.state_dict(), path)``) has no
    record: pass ``layout="torch"`` and the ``model`` whose layers say how to map
    it back. With ``model``, the arrays go into its parameters and buffers
    (``strict`` as in ``Layer.load_state_dict``, whose ``LoadResult`` is
    returned); without, the arrays come back as a dict on ``device``. ``path`` may also be a binary file
    object open for reading: one file is read from its position, and the object is left after it.
    """
    from minigrad.io.torch_layout import from_torch

    arrays, metadata = read_safetensors(path)
    if layout is None:
        layout = metadata.get(LAYOUT_KEY)
        if layout is None:
            raise ValueError(
                f"load_safetensors: {_name(path)!r} does not record its layout (not written by minigrad?); "
                "pass layout='torch' for a file written from a PyTorch state dict, or layout='minigrad'"
            )
    _check_layout("load_safetensors", layout)
    if model is None:
        if layout == "torch":
            raise ValueError(
                f"load_safetensors: {_name(path)!r} is in PyTorch's layout; pass model= so that its layers "
                "say which arrays to transpose back"
            )
        device = normalize_device(device)
        return {k: to_device(v, device) for k, v in arrays.items()}
    if layout == "torch":
        arrays = from_torch(model, arrays)
    try:
        return model.load_state_dict(arrays, strict=strict)
    except ValueError as err:
        raise ValueError(f"load_safetensors: {_name(path)!r} (layout {layout!r}): {err}") from err
