"""docs/autodiff.md: every ```python block followed by a ```text block prints exactly that text."""
import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "autodiff.md"
PAIRS = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_doc_has_examples():
    assert len(PAIRS) >= 3


@pytest.mark.parametrize("code,expected", PAIRS, ids=[f"example-{i}" for i in range(len(PAIRS))])
def test_doc_example_output_matches(code, expected):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {"__name__": "__doc_example__"})
    assert out.getvalue() == expected
