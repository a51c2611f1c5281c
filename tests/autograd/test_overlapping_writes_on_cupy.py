"""An in-place write whose operand overlaps the tensor written gives NumPy's values on every device.

NumPy reads an operand that shares memory with the output before it writes (``x[1:] = x[:-1]`` shifts,
``a += a.T`` symmetrises). CuPy does the same for its ufuncs and elementwise kernels (``_copy_in_args_if_needed``
in ``cupy/_core/_kernel.pyx`` copies an input whose memory overlaps an output), so minigrad hands these writes
on as they are; this test holds CuPy to it on a GPU, on arrays large enough for many GPU threads.
"""
import numpy as np

import minigrad as mg


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
