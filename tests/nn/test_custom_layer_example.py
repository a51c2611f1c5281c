"""examples/custom_layer.py runs and its gradient checks pass."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_custom_layer_example_runs_and_passes_gradcheck():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "custom_layer.py")], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Swish: gradcheck True, gradgradcheck True",
        "SwishByHand: gradcheck True, gradgradcheck True",
        "both versions compute the same outputs",
    ]
