"""A NumPy stand-in for device arrays that counts every read back to the host (``float``, ``bool``, ``item`` of a
0-d result): on a GPU each such read waits for the device, so tests count them where a step should make few."""
import numpy as np


class DeviceArray(np.ndarray):
    """A stand-in device array: reading a value back to the host is counted in ``DeviceArray.reads``."""

    reads = 0

    def _read(self, kind):
        type(self).reads += 1
        return kind(np.asarray(self).reshape(()).item())

    def __float__(self):
        return self._read(float)

    def __bool__(self):
        return self._read(bool)

    def item(self, *args):
        return self._read(lambda v: v)


class DeviceModule:
    """NumPy, but vdot (whose NumPy result is a plain scalar) keeps the stand-in type."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def vdot(a, b):
        return np.asarray(np.vdot(a, b)).view(DeviceArray)
