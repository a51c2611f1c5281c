"""LU of singular matrices on every device: LAPACK's factors and info, as on the CPU.

cuSOLVER's getrf divides the column below an exactly zero pivot by it, so a matrix whose zero pivot comes before
its last column got NaN and inf factors on a GPU (and, with NaN on U's diagonal, an info of 0), where LAPACK
skips that division. Such matrices are factored again on the host.
"""
import numpy as np
import pytest

import minigrad as mg

# An early zero pivot (column 0 is all zero), a late one (rank 2, zero at U[2, 2]), and a rank-1 matrix.
SINGULAR = np.array([[[0.0, 1, 2], [0, 3, 4], [0, 5, 6]],
                     [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]],
                     [[0.0, 0, 1], [0, 0, 2], [0, 0, 3]]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_factor_ex_of_singular_matrices_matches_the_cpu(device, dtype):
    on_cpu = mg.linalg.lu_factor_ex(mg.tensor(SINGULAR, dtype=dtype))
    here = mg.linalg.lu_factor_ex(mg.tensor(SINGULAR, dtype=dtype, device=device))
    lu = here.LU.cpu().numpy()
    assert np.isfinite(lu).all(), lu
    np.testing.assert_array_equal(lu, on_cpu.LU.numpy())
    np.testing.assert_array_equal(here.pivots.cpu().numpy(), on_cpu.pivots.numpy())
    assert here.info.cpu().numpy().tolist() == on_cpu.info.numpy().tolist() == [1, 3, 1]


def test_lu_of_a_singular_matrix_reconstructs_it(device):
    a = mg.tensor(SINGULAR, dtype="float64", device=device)
    p, l, u = mg.linalg.lu(a)
    np.testing.assert_allclose((p @ l @ u).cpu().numpy(), SINGULAR, atol=1e-12)
    assert np.isfinite(l.cpu().numpy()).all() and np.isfinite(u.cpu().numpy()).all()
