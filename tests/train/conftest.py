import pytest


@pytest.fixture(autouse=True)
def _run_in_a_fresh_folder(tmp_path, monkeypatch):
    # A config's --out defaults to runs/mnist under the working folder, and resolving it refuses a folder that
    # holds an earlier run's checkpoint: the README's quick start leaves one there, before its test line runs.
    monkeypatch.chdir(tmp_path)
