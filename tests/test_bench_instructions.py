"""The instruction-count tool's arguments are checked before anything runs under Valgrind."""
import pytest

from benchmarks import instructions


def test_a_directory_without_minigrad_is_refused_by_name(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        instructions.main([str(tmp_path)])
    assert exc.value.code == 2
    assert f"{tmp_path} is not a minigrad source tree" in capsys.readouterr().err


def test_a_step_count_below_one_is_refused_with_its_value(capsys):
    with pytest.raises(SystemExit) as exc:
        instructions.main(["--steps", "0"])
    assert exc.value.code == 2
    assert "--steps must be a positive integer, got 0" in capsys.readouterr().err

