"""The ```python blocks of docs/*.md and CONTRIBUTING.md run as a reader would run them, and print what they claim.

The blocks of one file run in order in one namespace (a later block may use an earlier one's imports), in a
temporary folder (some write files). A block preceded by `<!-- not run: REASON -->` is skipped; the reason is
required. What a block claims is checked two ways: a ```text block right after it is its exact output, and a
`print(...)  # ... -> VALUE` line claims that print's line is VALUE (as tests/test_readme.py reads the README).
The relative links of README.md, CONTRIBUTING.md and docs/*.md must resolve too.
"""
import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "CONTRIBUTING.md"]
LINKED = FILES + [ROOT / "README.md"]

BLOCK = re.compile(r"(?:<!--\s*not run:(?P<reason>[^>]*?)-->\s*\n)?^```python\n(?P<code>.*?)^```\n"
                   r"(?:\s*^```text\n(?P<text>.*?)^```)?", re.S | re.M)
# Libraries of the optional extras ([interop], [scipy], [mpi]); a block that needs a missing one is skipped.
OPTIONAL = {"torch", "safetensors", "onnx", "onnxruntime", "scipy", "mpi4py", "jax", "cupy"}


def _blocks(path):
    text = path.read_text(encoding="utf-8")
    for m in BLOCK.finditer(text):
        yield (text.count("\n", 0, m.start("code")) + 1, m.group("code"), m.group("reason"), m.group("text"))


def _claims(code):
    """One entry per top-level print line: the VALUE of its `# ... -> VALUE` comment, or None."""
    claims = []
    for line in code.splitlines():
        if line.startswith("print("):
            comment = m.group(1) if (m := re.search(r"\s#\s(.*)$", line)) else ""
            claims.append(comment.rsplit("-> ", 1)[1].strip() if "-> " in comment else None)
    return claims


def test_the_docs_have_runnable_blocks_and_every_skip_says_why():
    blocks = [(path.name, b) for path in FILES for b in _blocks(path)]
    assert len(blocks) >= 20
    assert all(reason is None or reason.strip() for _, (_, _, reason, _) in blocks)
    skipped = [(name, line) for name, (line, _, reason, _) in blocks if reason is not None]
    assert len(skipped) <= 3, skipped
    assert sum(len([c for c in _claims(code) if c]) for _, (_, code, _, _) in blocks) >= 8
    assert sum(text is not None for _, (_, _, _, text) in blocks) >= 6


@pytest.mark.parametrize("path", [p for p in FILES if "```python" in p.read_text(encoding="utf-8")],
                         ids=lambda p: p.name)
def test_doc_blocks_run_and_print_what_they_claim(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        _run_blocks(path)
    finally:
        if "minigrad.distributed" in sys.modules:   # distributed.md's script joins the one-process world
            sys.modules["minigrad.distributed"].destroy_process_group()


def _run_blocks(path):
    scope = {"__name__": "__doc_example__"}
    for line, code, reason, text in _blocks(path):
        if reason is not None:
            continue
        where = f"{path.name}:{line}"
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, where, "exec"), scope)
        except ModuleNotFoundError as e:
            if e.name and e.name.split(".")[0] in OPTIONAL:
                pytest.skip(f"{where} needs {e.name}, an optional extra that is not installed")
            raise
        printed = out.getvalue()
        if text is not None:
            assert printed == text, f"{where}: the block's output differs from the text block after it"
        claims = _claims(code)
        if any(claims):
            lines = printed.strip("\n").splitlines()
            assert len(lines) == len(claims), f"{where}: printed {lines} for {len(claims)} print lines"
            for got, claimed in zip(lines, claims):
                if claimed is not None:
                    assert got.strip() == claimed, f"{where}: printed {got!r} where the comment says {claimed!r}"


def _anchors(markdown):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.*)$", markdown, flags=re.M)}


@pytest.mark.parametrize("path", LINKED, ids=lambda p: p.name)
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(link)
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
            broken.append(link)
    assert not broken, f"{path.name}: links that do not resolve: {broken}"
