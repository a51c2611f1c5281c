"""``default_collate`` and ``default_convert``, as ``torch.utils.data``'s: a batch of samples into one batch.

``default_collate(samples)`` follows the structure of the first sample and recurses into it:

- Tensors, NumPy (or CuPy) arrays and NumPy scalars (complex ones too, as torch's) are stacked along a new first
  axis into one Tensor, keeping their dtype; they must all have the same shape (else a ValueError naming the
  samples and the field).
- Python ints become an int64 Tensor and bools a bool Tensor, as in torch; Python floats become the *default
  float dtype* (float32 unless ``minigrad.set_default_dtype`` says otherwise): minigrad's rule for Python
  floats, as ``minigrad.tensor([0.5])``, where torch's ``default_collate`` makes float64.
- str and bytes stay a list of the samples' values.
- A dict (any Mapping) gives a dict of batches with the same keys in the same order (a dict subclass keeps
  its type); a namedtuple gives the namedtuple of batches; a tuple a tuple and a list a list, field by field
  (torch gives a list for a tuple too). A list inside a sample is a sequence of fields, as in torch: samples
  ``([0.1, 0.2], 3)`` collate to ``([Tensor(B), Tensor(B)], Tensor(B))``, not a ``(B, 2)`` Tensor.
- Anything else (None, a custom object, an array of strings) is a TypeError naming the sample and field.

``default_convert(sample)`` is what a DataLoader with ``batch_size=None`` (no batching) applies to each sample:
arrays and NumPy scalars of numbers become Tensors, through the same containers; numbers, strings and
anything else are left as they are.
"""
from __future__ import annotations

import collections.abc
import copy

import numpy as np

from minigrad import backend

__all__ = ["default_collate", "default_convert", "collate_samples", "convert_sample"]

_NUMBER_KINDS = "biufc"   # bool, int, uint, float, complex: what a batch field can hold


def default_collate(batch):
    """A list of samples as one batch of minigrad Tensors (see the module's docstring for the rules)."""
    import minigrad  # at call time: minigrad's package init may import this module

    samples = list(batch)
    return collate_samples(samples, range(len(samples)), minigrad.Tensor, owner="default_collate")


def default_convert(data):
    """``data`` with every array or NumPy scalar of numbers, inside dicts, tuples and lists, made a Tensor."""
    import minigrad  # at call time: minigrad's package init may import this module

    return convert_sample(data, minigrad.Tensor)


def collate_samples(samples, indices, to_tensor, owner="DataLoader"):
    """The batch of ``samples`` (read from dataset ``indices``, named in the errors), each stacked field made a
    Tensor by ``to_tensor(array)`` (the DataLoader's puts it on its device)."""
    if not samples:
        raise ValueError(f"{owner}: there are no samples to collate (got an empty batch)")
    return _collate(samples, (), indices, to_tensor, owner)


def convert_sample(data, to_tensor):
    """``default_convert`` with ``to_tensor(array)`` making the Tensors (of Tensors too: their data)."""
    import minigrad  # at call time: minigrad's package init may import this module

    if isinstance(data, minigrad.Tensor):
        return to_tensor(data.data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, np.generic) or backend.is_array(data):
        if data.dtype.kind not in _NUMBER_KINDS:   # strings, objects: left as they are
            return data
        return to_tensor(np.asarray(data) if isinstance(data, np.generic) else data)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: convert_sample(value, to_tensor) for key, value in data.items()})
    if isinstance(data, tuple):
        items = [convert_sample(value, to_tensor) for value in data]
        return type(data)(*items) if hasattr(data, "_fields") else tuple(items)
    if isinstance(data, list):
        return [convert_sample(value, to_tensor) for value in data]
    return data


def _collate(values, path, indices, to_tensor, owner):
    """The batch of ``values`` (one per sample; ``path`` is where they sit in a sample, for the errors)."""
    import minigrad  # at call time: minigrad's package init may import this module

    first = values[0]
    if isinstance(first, (str, bytes)):   # before the numbers: NumPy's str_ is a str
        return list(values)
    if isinstance(first, (minigrad.Tensor, np.generic, bool, int, float)) or backend.is_array(first):
        return to_tensor(_stack(values, path, indices, owner))
    if isinstance(first, collections.abc.Mapping):
        for k, value in enumerate(values):
            missing = [key for key in first if key not in value] if isinstance(value, collections.abc.Mapping) \
                else None
            if missing is None or missing:
                got = f"has no key {missing[0]!r}" if missing else f"is a {type(value).__name__}, not a dict"
                raise (KeyError if missing else TypeError)(
                    f"{owner}: {_where(path, indices[k])} {got}, but {_where(path, indices[0])} is a dict with keys "
                    f"{list(first)}; every sample must have the same fields")
        return _same_mapping(first, {key: _collate([value[key] for value in values], path + (key,), indices,
                                                   to_tensor, owner) for key in first})
    if isinstance(first, (tuple, list)):
        width = len(first)
        for k, value in enumerate(values):
            if not isinstance(value, (tuple, list)) or len(value) != width:
                got = f"{len(value)} fields" if isinstance(value, (tuple, list)) else f"a {type(value).__name__}"
                raise ValueError(f"{owner}: {_where(path, indices[k])} has {got} but {_where(path, indices[0])} has "
                                 f"{width}; every sample must have the same fields")
        fields = [_collate(list(column), path + (j,), indices, to_tensor, owner)
                  for j, column in enumerate(zip(*values))]
        if isinstance(first, list):
            return fields
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    raise TypeError(f"{owner}: {_where(path, indices[0])} is a {type(first).__name__}; a batch is made of Tensors, "
                    "arrays, numbers, str/bytes, and dicts, tuples or lists of them")


def _stack(values, path, indices, owner):
    """One batch field: ``values`` stacked along a new first axis, as an array of numbers."""
    import minigrad  # at call time: minigrad's package init may import this module

    arrays = [v.data if isinstance(v, minigrad.Tensor) else v if hasattr(v, "shape") and hasattr(v, "dtype")
              else np.asarray(v) for v in values]
    shape = arrays[0].shape
    for k, a in enumerate(arrays):
        if a.shape != shape:
            raise ValueError(f"{owner}: {_where(path, indices[k])} has shape {tuple(a.shape)} but sample "
                             f"{indices[0]}'s has shape {tuple(shape)}; samples must agree to be stacked")
    array = backend.get_array_module(arrays[0]).stack(arrays)
    if array.dtype.kind not in _NUMBER_KINDS:
        what = f"{_field(path)} of the samples holds" if path else "the samples hold"
        raise TypeError(f"{owner}: {what} {array.dtype} values (sample {indices[0]}: {type(values[0]).__name__}); "
                        "a batch field must hold numbers")
    if not hasattr(values[0], "dtype") and array.dtype.kind in "iuf":
        # Python numbers: NumPy would make float64 (and int32 on some platforms); torch's rule for ints, minigrad's
        # for floats (``minigrad.tensor([0.5])`` is float32).
        array = array.astype(backend.DEFAULT_FLOAT if array.dtype.kind == "f" else np.int64, copy=False)
    return array


def _field(path) -> str:
    """``field 0``, ``field 'x'``, ``field 1['x'][0]``: where a value sits in a sample (empty: the sample itself)."""
    if not path:
        return ""
    return "field " + repr(path[0]) + "".join(f"[{key!r}]" for key in path[1:])


def _where(path, index) -> str:
    return f"{_field(path)} of sample {index}" if path else f"sample {index}"


def _same_mapping(like, items: dict):
    """``items`` as a mapping of ``like``'s type where that type can be rebuilt (dict subclasses), else a dict."""
    if type(like) is dict:
        return items
    if isinstance(like, collections.abc.MutableMapping):
        try:
            clone = copy.copy(like)   # keeps a defaultdict's factory or an OrderedDict's type; values replaced
            clone.update(items)
            return clone
        except Exception:   # a mapping that cannot be copied: a plain dict of the same items
            return items
    try:
        return type(like)(items)
    except TypeError:
        return items

