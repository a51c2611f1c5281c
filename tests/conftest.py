"""Test configuration: the devices to run on.

``MINIGRAD_TEST_DEVICES`` lists them, comma-separated (default ``cpu``). On a
GPU machine run ``MINIGRAD_TEST_DEVICES=cpu,cuda python -m pytest`` to run the
same suite against CuPy too. A device that is listed but not usable fails the
run loudly instead of being skipped.
"""
import os
import sys

import pytest

import minigrad as mg

DEVICES = [d.strip() for d in os.environ.get("MINIGRAD_TEST_DEVICES", "cpu").split(",") if d.strip()]


def pytest_configure(config):
    if any(d.startswith("cuda") for d in DEVICES) and not mg.cuda.is_available():
        raise pytest.UsageError(
            f"MINIGRAD_TEST_DEVICES={','.join(DEVICES)} asks for CUDA, but CuPy/CUDA is not usable here"
        )


def pytest_report_header(config):
    return f"minigrad test devices: {', '.join(DEVICES)}"


@pytest.fixture(params=DEVICES)
def device(request):
    """Each device the suite runs on ("cpu", and "cuda" when listed in MINIGRAD_TEST_DEVICES)."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    mg.manual_seed(0)


@pytest.fixture(autouse=True)
def _default_dtype():
    """Every test starts with float32 as the default float, minigrad's and torch's, whatever an earlier test (one
    that failed before restoring it, say) left behind."""
    mg.set_default_dtype(mg.float32)
    torch = sys.modules.get("torch")   # reset only where a test imported it: torch is no dependency of minigrad
    if torch is not None:
        torch.set_default_dtype(torch.float32)
