"""The A/B tool for two source trees: arguments, the order of the turns, and one real smoke run."""
import json
import math
import subprocess

import pytest

from benchmarks import compare_trees

REPO = str(compare_trees.os.path.dirname(compare_trees.os.path.dirname(compare_trees.__file__)))


@pytest.mark.parametrize("argv, message", [
    (["{tmp}"], "{tmp} is not a minigrad source tree"),
    ([REPO, "--cases", "mnist64"], "--cases must name some of mnist256, wide, got ('mnist64',)"),
    ([REPO, "--rounds", "0"], "--rounds must be a positive integer, got 0"),
])
def test_bad_arguments_are_refused_by_name(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        compare_trees.main([a.format(tmp=tmp_path) for a in argv])
    assert exc.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


def test_the_trees_take_turns_and_each_round_adds_one_ratio_per_case():
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd[cmd.index("--child") + 1])
        return subprocess.CompletedProcess(cmd, 0, json.dumps({"wide": 1.0 + len(calls)}) + "\n", "")

    results = compare_trees.compare(["old", "new"], rounds=3, cases=("wide",), run=fake_run)
    assert calls == ["old", "new"] * 3
    assert results == {"old": {"wide": [2.0, 4.0, 6.0]}, "new": {"wide": [3.0, 5.0, 7.0]}}
    assert compare_trees.table(results)[0] == "old  wide: 4.000 (rounds 2.000 to 6.000, n=3)"


def test_a_smoke_run_of_this_checkout_against_itself_gives_a_ratio_per_tree():
    results = compare_trees.compare([REPO, REPO + "/"], rounds=1, cases=("mnist256",), quick=True)
    ratios = [r for by_case in results.values() for r in by_case["mnist256"]]
    assert len(ratios) == 2 and all(math.isfinite(r) and r > 0 for r in ratios)
