"""NumPy's error for nested lists of uneven lengths, restated with where they stop being rectangular (shared by
``minigrad.tensor``, ``Tensor(data)`` and the coercion of list operands)."""
import numpy as np


def data_error(owner, data, exc):
    """NumPy's error for data it cannot read as one array, restated with where nested lists stop being
    rectangular."""
    ragged = _first_ragged(data, "data")
    if ragged is None:
        return ValueError(f"{owner}: {exc}")
    where, shapes = ragged
    return ValueError(f"{owner}: data must be rectangular (nested lists of equal lengths), but the items of {where} "
                      f"have shapes {shapes}")


def _first_ragged(data, where):
    if not isinstance(data, (list, tuple)):
        return None
    shapes = []
    for item in data:
        try:
            shapes.append(np.shape(item))
        except ValueError:   # the item itself is ragged: look inside it
            shapes.append(None)
    if None not in shapes and len(set(shapes)) > 1:
        return where, shapes
    for i, item in enumerate(data):
        found = _first_ragged(item, f"{where}[{i}]")
        if found is not None:
            return found
    return None
