"""Sequences of different lengths, as ``torch.nn.utils.rnn``: padding them into one tensor, and packing them.

A ``PackedSequence`` holds the valid time steps only, time-major: the rows of step 0 of every sequence, then
the rows of step 1 of the sequences at least 2 long, and so on, the sequences ordered by decreasing length;
``batch_sizes[t]`` says how many sequences are still running at step t. ``RNN``, ``LSTM`` and ``GRU`` take one
and return their output packed the same way, each sequence's state stopping at its own last step.

Every function here is differentiable: each is one gather of rows (``x[index]``), whose adjoint adds the
gradient rows back (``index_add``). No loop over sequences or steps runs on the data.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.creation import full
from minigrad.scalars import is_integer


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


class PackedSequence(_PackedSequenceFields):
    """``data`` (the valid rows, time-major, (sum of lengths, *)), ``batch_sizes`` (int64, one per step),
    and, when the sequences were reordered by length, ``sorted_indices`` and ``unsorted_indices``.

    As torch's: built with ``sorted_indices`` alone, ``unsorted_indices`` is its inverse permutation (the
    recurrent layers and ``pad_packed_sequence`` put the sequences back in the caller's order with it), and
    ``PackedSequence((data, batch_sizes))`` takes the pair in place of the first two arguments."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            if not (isinstance(data, (tuple, list)) and len(data) == 2):
                raise TypeError("PackedSequence: pass data and batch_sizes, or the pair (data, batch_sizes) alone; "
                                f"got {type(data).__name__} and no batch_sizes")
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same sequence with ``data`` moved or cast by ``Tensor.to`` (the indices stay int64)."""
        return self._replace(data=self.data.to(*args, **kwargs))

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    # torch's casts of the data alone
    def double(self) -> "PackedSequence":
        return self._replace(data=self.data.double())

    def float(self) -> "PackedSequence":
        return self._replace(data=self.data.float())

    def half(self) -> "PackedSequence":
        return self._replace(data=self.data.half())

    def long(self) -> "PackedSequence":
        return self._replace(data=self.data.long())

    def int(self) -> "PackedSequence":
        return self._replace(data=self.data.int())

    def short(self) -> "PackedSequence":
        return self._replace(data=self.data.short())

    def char(self) -> "PackedSequence":
        return self._replace(data=self.data.char())

    def byte(self) -> "PackedSequence":
        return self._replace(data=self.data.byte())

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        """The data moved by ``Tensor.cuda`` (the indices stay where they are, as torch's ``to``)."""
        return self._replace(data=self.data.cuda(*args, **kwargs))

    def pin_memory(self) -> "PackedSequence":
        return self._replace(data=self.data.pin_memory())

    def is_pinned(self) -> bool:
        return self.data.is_pinned()

    @property
    def is_cuda(self) -> bool:
        return self.data.device != "cpu"


def invert_permutation(permutation):
    """The inverse of a 1-D ``permutation`` (``out[permutation[i]] = i``), of its dtype and device; None stays None."""
    if permutation is None:
        return None
    order = permutation.numpy()
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return Tensor(inverse).to(permutation.device)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Sequences of shapes (L_i, *) as one tensor (L_max, B, *) (``batch_first``: (B, L_max, *)), each padded with
    ``padding_value`` on the right (or the left) up to the longest.   dL/dseq_i = the rows of g where it sits."""
    sequences = _sequences("pad_sequence", sequences)
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    T, B = int(lengths.max()), len(sequences)
    steps = np.arange(T)[:, None]
    valid = steps < lengths[None, :] if padding_side == "right" else steps >= (T - lengths)[None, :]   # (T, B)
    # Row i of the joined sequences goes to the i-th valid cell in batch-major order.
    t_idx, b_idx = np.nonzero(valid.T)[::-1]
    padded = _scatter_rows(ops.cat(sequences, 0), t_idx * B + b_idx, T * B, padding_value).reshape(
        (T, B) + tuple(sequences[0].shape[1:]))
    return ops.swapaxes(padded, 0, 1) if batch_first else padded


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences that ``pad_sequence`` (padded on the right) joined: sequence i is the first
    ``lengths[i]`` steps of column i."""
    lengths = _lengths("unpad_sequence", lengths, padded_sequences.shape[0 if batch_first else 1])
    x = padded_sequences if batch_first else ops.swapaxes(padded_sequences, 0, 1)
    return [x[i, :int(n)] for i, n in enumerate(lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (``batch_first``: (B, T, *)) of sequences of the given ``lengths``.

    With ``enforce_sorted`` the lengths must not increase; otherwise the sequences are sorted by decreasing
    length (stably) and the order kept in ``sorted_indices``/``unsorted_indices``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must have a time and a batch dim, got shape "
                         f"{tuple(input.shape)}")
    time_major = ops.swapaxes(input, 0, 1) if batch_first else input
    T, B = time_major.shape[0], time_major.shape[1]
    lengths = _lengths("pack_padded_sequence", lengths, B)
    if lengths.max() > T:
        raise ValueError(f"pack_padded_sequence: a length of {int(lengths.max())} is longer than the input's "
                         f"{T} time steps (input shape {tuple(input.shape)})")
    sorted_indices = None   # PackedSequence derives unsorted_indices from it
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(f"pack_padded_sequence: lengths must be sorted in decreasing order when "
                               f"enforce_sorted=True, got {lengths.tolist()}; sort the batch or pass "
                               "enforce_sorted=False")
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        time_major = time_major[:, order]
        sorted_indices = _index(order)
    t_idx, b_idx = _valid_cells(lengths)
    rows = ops.reshape(time_major, (T * B,) + tuple(time_major.shape[2:]))
    batch_sizes = _index((np.arange(int(lengths[0]))[:, None] < lengths[None, :]).sum(1))
    return PackedSequence(rows[t_idx * B + b_idx], batch_sizes, sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch (T, B, *) (``batch_first``: (B, T, *)) and the lengths (int64) of a ``PackedSequence``,
    in the original order of the sequences; ``total_length`` pads to that many steps."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    # torch takes an int only; int() would cut 5.5 to 5 steps unnoticed
    if total_length is not None and not is_integer(total_length):
        raise TypeError(f"pad_packed_sequence: total_length must be an integer, got {total_length!r}")
    padded, lengths = padded_sorted(sequence, padding_value, total_length)
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices.numpy()
        padded, lengths = padded[:, order], lengths[order]
    return (ops.swapaxes(padded, 0, 1) if batch_first else padded), Tensor(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``."""
    sequences = _sequences("pack_sequence", sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a ``PackedSequence`` holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def padded_sorted(sequence, padding_value=0.0, total_length=None):
    """(time-major padded tensor (T, B, *), lengths as a NumPy array), both in the packed (sorted) order."""
    batch_sizes = sequence.batch_sizes.numpy().astype(np.int64)
    B = int(batch_sizes[0])
    lengths = (batch_sizes[None, :] > np.arange(B)[:, None]).sum(1)
    T = len(batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
                             f"sequence ({T} steps)")
        T = int(total_length)
    t_idx, b_idx = _valid_cells(lengths)
    padded = _scatter_rows(sequence.data, t_idx * B + b_idx, T * B, padding_value)
    return padded.reshape((T, B) + tuple(sequence.data.shape[1:])), lengths


def _valid_cells(lengths):
    """(step, sequence) of every valid cell, time-major: the order of a PackedSequence's rows."""
    return np.nonzero(np.arange(int(lengths.max()))[:, None] < lengths[None, :])


def _scatter_rows(rows, cells, n_cells, padding_value):
    """A (n_cells, *) tensor with row ``i`` of ``rows`` at ``cells[i]`` and ``padding_value`` elsewhere: a gather
    from the rows and one padding row, so that it is differentiable like any ``x[index]``."""
    pad = full((1,) + tuple(rows.shape[1:]), padding_value, dtype=rows.dtype, device=rows.device)
    source = np.full(n_cells, rows.shape[0], dtype=np.int64)
    source[cells] = np.arange(len(cells))
    return ops.cat([rows, pad], 0)[source]


def _sequences(name, sequences):
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) and s.ndim >= 1 for s in sequences):
        raise TypeError(f"{name}: expected a non-empty list of Tensors with a time dim")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if len(trailing) > 1:
        raise ValueError(f"{name}: the sequences' shapes after the first dim differ: "
                         f"{[tuple(s.shape) for s in sequences]}")
    if len({s.dtype for s in sequences}) > 1:   # torch casts to the first's dtype; minigrad does not cast silently
        raise TypeError(f"{name}: the sequences' dtypes differ: {[str(s.dtype) for s in sequences]}; convert them "
                        f"to one dtype first")
    return sequences


def _lengths(name, lengths, batch):
    values = lengths.numpy() if isinstance(lengths, Tensor) else np.asarray(lengths)
    # Whole-number floats (the sum of a float mask) are counts, as torch takes them; torch also truncates 2.5 to 2,
    # which would drop a step unnoticed, so a fraction stays refused.
    if values.dtype.kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        values = values.astype(np.int64)
    if values.ndim != 1 or values.dtype.kind not in "iu" or len(values) != batch:
        raise ValueError(f"{name}: lengths must be {batch} integers (one per sequence), got {lengths!r}")
    if values.min() <= 0:
        raise ValueError(f"{name}: every length must be > 0, got {values.tolist()}")
    return values.astype(np.int64)


def _index(values):
    return Tensor(np.asarray(values, dtype=np.int64))
