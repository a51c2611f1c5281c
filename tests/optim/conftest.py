import pytest


@pytest.fixture
def torch_float64():
    """torch's default dtype float64 for one test: its NAdam and ASGD keep scalars (mu_product, eta, mu) in the
    default dtype, which would otherwise round them to float32 where minigrad keeps Python floats."""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)
