"""An in-place write whose operand overlaps the tensor written gives NumPy's values on CuPy too.

NumPy reads an operand that shares memory with the output before it writes (``x[1:] = x[:-1]`` shifts,
``a += a.T`` symmetrises). CuPy does not look for overlap: an elementwise kernel reads and writes each element in
one pass, so each thread may read an element another thread has already written, and the result hangs on their
order, silently. The stand-in computes the elements one at a time, in order, reading the operands as they are at
that moment (one of the orders a GPU may take).
"""
import numpy as np

import minigrad as mg


class UnbufferedArray(np.ndarray):
    """CuPy's writes: no copy of an operand that overlaps the output (``out=`` of a ufunc, ``x[index] = v``)."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, UnbufferedArray) else x for x in inputs]
        if method != "__call__" or out is None:
            result = getattr(ufunc, method)(*plain, **kwargs)
            return result.view(UnbufferedArray) if isinstance(result, np.ndarray) else result
        target = out[0].view(np.ndarray)
        live = [np.broadcast_to(x, target.shape) if isinstance(x, np.ndarray) else x for x in plain]
        for pos in np.ndindex(target.shape):
            target[pos] = ufunc(*(x[pos] if isinstance(x, np.ndarray) else x for x in live), **kwargs)
        return out[0]

    def __setitem__(self, index, value):
        target = self.view(np.ndarray)[index]
        live = np.broadcast_to(value.view(np.ndarray) if isinstance(value, np.ndarray) else value, target.shape)
        for pos in np.ndindex(target.shape):
            target[pos] = live[pos]


def _on_gpu(values):
    return mg.tensor(np.array(values, dtype=np.float64)).data.view(UnbufferedArray)


def test_the_stand_in_writes_as_an_unbuffered_kernel():
    a = np.arange(4.0).view(UnbufferedArray)
    a[1:] = a[:-1]
    assert a.view(np.ndarray).tolist() == [0.0, 0.0, 0.0, 0.0]   # each element read after its neighbour's write
    b = np.arange(4.0).view(UnbufferedArray)
    np.add(b[1:], b[:-1], out=b[1:])
    assert b.view(np.ndarray).tolist() == [0.0, 1.0, 3.0, 6.0]   # a running sum, where NumPy adds neighbours


def test_an_update_from_an_overlapping_view_gives_numpy_s_values():
    # x[1:] += x[:-1] and a += a.T passed the overlapping view straight to the ufunc's out=: on CuPy a running
    # sum and a matrix that is not symmetric, where NumPy gives neighbour sums and a + a.T
    x = mg.Tensor(_on_gpu([1.0, 2.0, 3.0, 4.0]))
    t = x[1:]
    t += x[:-1]
    assert x.data.view(np.ndarray).tolist() == [1.0, 3.0, 5.0, 7.0]
    a = mg.Tensor(_on_gpu([[1.0, 2.0], [3.0, 4.0]]))
    a += a.T
    assert a.data.view(np.ndarray).tolist() == [[2.0, 5.0], [5.0, 8.0]]
    a *= a   # the operand is the tensor itself: each element reads only itself
    assert a.data.view(np.ndarray).tolist() == [[4.0, 25.0], [25.0, 64.0]]


def test_an_assignment_from_an_overlapping_view_gives_numpy_s_values():
    # x[1:] = x[:-1] and x[1:].copy_(x[:-1]) copied the overlapping view element by element: on CuPy the first
    # value smeared over the rest, where NumPy shifts
    x = mg.Tensor(_on_gpu([1.0, 2.0, 3.0, 4.0]))
    x[1:] = x[:-1]
    assert x.data.view(np.ndarray).tolist() == [1.0, 1.0, 2.0, 3.0]
    y = mg.Tensor(_on_gpu([1.0, 2.0, 3.0, 4.0]))
    y[:-1].copy_(y[1:])
    assert y.data.view(np.ndarray).tolist() == [2.0, 3.0, 4.0, 4.0]
    z = mg.Tensor(_on_gpu([1.0, 2.0, 3.0, 4.0]))
    z[1:].copy_(z.data[:-1])   # a raw array of the same memory
    assert z.data.view(np.ndarray).tolist() == [1.0, 1.0, 2.0, 3.0]


def test_writes_from_overlapping_views_on_every_device(device):
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64, device=device)
    t = x[1:]
    t += x[:-1]
    assert x.numpy().tolist() == [1.0, 3.0, 5.0, 7.0]
    a = mg.tensor(np.arange(64.0 * 64).reshape(64, 64), dtype=mg.float64, device=device)   # many GPU threads
    want = a.numpy() + a.numpy().T
    a += a.T
    np.testing.assert_array_equal(a.numpy(), want)
    y = mg.tensor(np.arange(4096.0), dtype=mg.float64, device=device)
    y[1:] = y[:-1]
    np.testing.assert_array_equal(y.numpy(), np.concatenate([[0.0], np.arange(4095.0)]))
    z = mg.tensor(np.arange(4096.0), dtype=mg.float64, device=device)
    z[:-1].copy_(z[1:])
    np.testing.assert_array_equal(z.numpy(), np.concatenate([np.arange(1.0, 4096.0), [4095.0]]))
