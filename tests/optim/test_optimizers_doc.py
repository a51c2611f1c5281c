"""docs/optimizers.md says what the code does: its counts are re-run here, its symbols defined, its tables short."""
import re
from pathlib import Path

from minigrad import optim
from minigrad.lab import paths as lab_paths
from minigrad.lab.surfaces import SURFACES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "optimizers.md").read_text(encoding="utf-8")
TEXT = " ".join(DOC.split())


def test_the_newton_cg_iteration_counts_are_the_codes():
    surface = SURFACES["rosenbrock"]
    counts = []
    for forcing_max in (0.5, 0.01):
        run = lab_paths.run(surface, "NewtonCG", lambda p: optim.NewtonCG(p, forcing_max=forcing_max), 1000)
        counts.append(len(run.points) - 1)
    assert f"takes {counts[0]} iterations" in TEXT and f"and {counts[1]} with `forcing_max=0.01`" in TEXT, counts


def test_every_symbol_in_the_equations_is_defined():
    assert "$\\psi$ is NAdam's `momentum_decay`" in TEXT
    assert "$\\delta$ is Adagrad's `eps`" in TEXT
    assert "$\\eta_-$, $\\eta_+$ are Rprop's `etas`" in TEXT and "$\\Gamma_\\max$ its `step_sizes`" in TEXT
    assert "$\\kappa$ is ASGD's `lambd`" in TEXT and "$t_0$ its `t0`" in TEXT


def test_every_first_order_optimizer_has_a_row_and_an_update_line():
    for name in ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD",
                 "Adafactor", "Muon"):
        assert isinstance(getattr(optim, name), type)
        assert f"| `{name}(" in DOC, name
        assert f"\n- `{name}(" in DOC, name


def test_the_bias_correction_erratum_is_right_for_beta2():
    # Dividing v by 1 - beta2 inflates it 1000x: the step shrinks by sqrt(1000) ~ 32, it does not grow 1000x.
    assert "or by 1000 for" not in TEXT
    assert "32 times too small" in TEXT


def test_adamax_says_its_eps_is_pytorchs_form():
    assert "that is PyTorch's form; the paper" in TEXT


def test_no_long_equations_inside_table_cells():
    for line in DOC.splitlines():
        if line.startswith("|"):
            for math in re.findall(r"\$[^$]+\$", line):
                assert len(math) <= 40, f"an equation in a table cell: {math}"
