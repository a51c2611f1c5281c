"""minigrad.viz: the DOT structure, both renderers' files, the Jupyter reprs, the node cap."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minigrad as mg
from minigrad import viz
from minigrad.viz import drawing

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NODE = re.compile(r"^\s+(\w+) \[label=\"(.*?)\", (.*)\];$", re.M)
EDGE = re.compile(r"^\s+(\w+) -> (\w+)", re.M)


def example():
    x = mg.tensor(2.0, requires_grad=True)
    y = mg.tensor(3.0, requires_grad=True)
    x.name, y.name = "x", "y"
    f = x * y + mg.sin(x)
    f.name = "f"
    return x, y, f


def parse(source):
    nodes = {m.group(1): (m.group(2).split("\\n"), m.group(3)) for m in NODE.finditer(source)}
    edges = EDGE.findall(source)
    return nodes, edges


def test_dot_structure_of_the_worked_example():
    x, y, f = example()
    nodes, edges = parse(viz.to_dot(f))
    tensors = {k: v for k, v in nodes.items() if "shape=box" in v[1]}
    ops = {k: v[0][0] for k, v in nodes.items() if "shape=ellipse" in v[1]}
    assert len(tensors) == 5 and sorted(ops.values()) == ["Add", "Mul", "Sin"]
    assert len(edges) == 8   # x->Mul, y->Mul, x->Sin, Mul->a, Sin->b, a->Add, b->Add, Add->f
    by_name = {lines[0]: key for key, (lines, _) in tensors.items() if lines[0] in ("x", "y", "f")}
    assert set(by_name) == {"x", "y", "f"}
    assert tensors[by_name["x"]][0] == ["x", "() float32", "requires grad"]
    op_of = {name: key for key, name in ops.items()}
    # edges run with the data: leaves into ops, ops into their results
    assert (by_name["x"], op_of["Mul"]) in edges and (by_name["x"], op_of["Sin"]) in edges
    assert (by_name["y"], op_of["Mul"]) in edges and (op_of["Add"], by_name["f"]) in edges
    assert not any(target == by_name["x"] for _, target in edges)


def test_labels_show_data_grad_and_constants():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([10.0, 20.0])
    loss = (x * c).sum()
    loss.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(loss, show_data=True, show_grad=True))
    labels = [lines for lines, _ in nodes.values()]
    assert ["(2) float32", "requires grad", "data [1., 2.]", "grad [10., 20.]"] in labels
    assert ["(2) float32", "no grad", "data [10., 20.]"] in labels
    assert ["() float32", "data 50.0"] in labels
    # big tensors do not print their values
    big = mg.ones(5, 5, requires_grad=True)
    nodes, _ = parse(viz.to_dot(big * 2, show_data=True))
    big_labels = [lines for lines, _ in nodes.values() if lines[0] == "(5, 5) float32"]
    assert len(big_labels) == 2 and not any("data" in line for lines in big_labels for line in lines)
    assert ["() float32", "no grad", "data 2.0"] in [lines for lines, _ in nodes.values()]


def test_names_from_a_layer_and_settable_tensor_name():
    net = mg.nn.Network(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 2))
    x = mg.randn(5, 3)
    x.name = "images"
    assert x.name == "images"
    out = net(x).sum()
    nodes, edges = parse(viz.to_dot(out, names=net))
    first_lines = {lines[0] for lines, _ in nodes.values()}
    assert {"images", "0.weight", "0.bias", "2.weight", "2.bias"} <= first_lines


def test_create_graph_graph_draws():
    x, y, f = example()
    dx, dy = mg.grad(f, [x, y], create_graph=True)
    nodes, edges = parse(viz.to_dot(dx))
    ops = sorted(lines[0] for lines, style in nodes.values() if "ellipse" in style)
    # df/dx = 1 * cos(x) + 1 * y: the backward of Sin and of Mul, summed by an Add
    assert ops == ["Add", "Cos", "Mul", "Mul"]
    assert len(nodes) == 11 and len(edges) == 11
    first = {lines[0] for lines, _ in nodes.values()}
    assert {"x", "y"} <= first


def test_multi_use_and_released_nodes():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    nodes, edges = parse(viz.to_dot(y))
    mul = next(k for k, (lines, _) in nodes.items() if lines[0] == "Mul")
    assert sum(1 for s, t in edges if t == mul) == 2     # x used twice by one op: two edges
    y.backward()
    nodes, _ = parse(viz.to_dot(y))
    assert any(lines == ["Sum", "(freed by backward)"] for lines, _ in nodes.values())


def test_large_graph_is_capped_with_a_message():
    x = mg.tensor(1.0, requires_grad=True)
    z = x
    for _ in range(200):
        z = z * 1.001 + x          # Mul, the constant, its result, Add, its result: 5 nodes a step
    nodes, edges = parse(viz.to_dot(z, max_nodes=50))
    assert len(nodes) == 51
    note = nodes["more"][0]
    assert note[0] == "... 951 more nodes not drawn" and "the graph has 1001" in note[1]
    assert any(s == "more" for s, _ in edges)
    all_nodes, _ = parse(viz.to_dot(z, max_nodes=None))
    assert len(all_nodes) == 1001


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"to_dot: argument 0 must be a Tensor .*got ndarray"):
        viz.to_dot(np.ones(2))
    with pytest.raises(ValueError, match="at least one Tensor"):
        viz.to_dot()
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"max_nodes must be a positive int or None, got 0"):
        viz.draw(x, max_nodes=0)
    with pytest.raises(ValueError, match=r"draw: format must be 'svg' or 'png', got 'pdf'"):
        viz.draw(x, format="pdf")
    with pytest.raises(ValueError, match=r"renderer must be one of"):
        viz.draw(x, renderer="ascii")


def _check_svg(data):
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return data.decode()


def _check_png(data):
    assert data.startswith(PNG_MAGIC)
    from matplotlib import image
    import io
    pixels = image.imread(io.BytesIO(data), format="png")
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.05   # something was drawn, not a blank page
    return pixels


@pytest.fixture
def no_graphviz(monkeypatch):
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)


def test_matplotlib_fallback_when_dot_is_missing(no_graphviz, tmp_path):
    _, _, f = example()
    assert not viz.graphviz_available()
    svg = viz.draw(f, show_data=True)
    assert svg.renderer == "matplotlib" and svg.format == "svg"
    text = _check_svg(svg.data)
    for label in ("Mul", "Sin", "Add", "data 6.0"):
        assert label in text           # text stays text (svg.fonttype none)
    assert svg._repr_svg_() == text and svg._repr_png_() is None
    png = viz.draw(f, path=tmp_path / "graph.png")
    assert png.format == "png" and png._repr_svg_() is None and png._repr_png_() == png.data
    assert (tmp_path / "graph.png").read_bytes() == png.data
    _check_png(png.data)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.png"]   # no temporary left behind
    with pytest.raises(RuntimeError, match="'dot' program is not on the PATH"):
        viz.draw(f, renderer="graphviz")


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_matplotlib_renders_every_layout(rankdir):
    net = mg.nn.Network(mg.nn.Linear(3, 4), mg.nn.ReLU(), mg.nn.Linear(4, 2))
    out = (net(mg.randn(2, 3)) ** 2).mean()
    _check_png(viz.draw(out, format="png", renderer="matplotlib", rankdir=rankdir, names=net).data)


def test_matplotlib_draws_capped_graphs(no_graphviz):
    x = mg.tensor(1.0, requires_grad=True)
    z = x
    for _ in range(100):
        z = mg.tanh(z) + x
    d = viz.draw(z, max_nodes=30)
    assert "more nodes not drawn" in _check_svg(d.data)
    assert "30 of 401 nodes" in repr(d)


def test_save_is_atomic(tmp_path, monkeypatch):
    _, _, f = example()
    target = tmp_path / "g.svg"
    target.write_bytes(b"old")
    d = viz.draw(f, renderer="matplotlib")

    class Boom(Exception):
        pass

    def fail(*args, **kwargs):
        raise Boom

    monkeypatch.setattr("minigrad.atomic.os.replace", fail)
    with pytest.raises(Boom):
        d.save(target)
    assert target.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1


def test_a_path_named_for_another_format_is_refused_before_writing(no_graphviz, tmp_path):
    # draw(path="graph.pdf") wrote SVG bytes into graph.pdf, and an SVG Drawing saved as .png wrote SVG into it.
    _, _, f = example()
    with pytest.raises(ValueError, match=r"draw: the picture is svg but the path .*graph\.pdf' ends in \.pdf"):
        viz.draw(f, path=tmp_path / "graph.pdf")
    with pytest.raises(ValueError, match=r"draw: the picture is svg but the path .*g\.png' ends in \.png"):
        viz.draw(f, path=tmp_path / "g.png", format="svg")
    svg = viz.draw(f)
    with pytest.raises(ValueError, match=r"Drawing\.save: the picture is svg but the path .*x\.png' ends in \.png"):
        svg.save(tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []
    assert svg.save(tmp_path / "X.SVG").read_bytes() == svg.data
    assert svg.save(tmp_path / "graph").read_bytes() == svg.data   # no suffix: the caller's choice


@pytest.mark.skipif(not viz.graphviz_available(), reason="Graphviz's dot is not installed")
def test_graphviz_renderer(tmp_path):
    _, _, f = example()
    svg = viz.draw(f, renderer="graphviz", show_data=True)
    assert svg.renderer == "graphviz"
    text = _check_svg(svg.data)
    assert "Sin" in text and "data 6.0" in text
    _check_png(viz.draw(f, renderer="graphviz", format="png").data)
    assert viz.draw(f).renderer == "graphviz"    # auto picks it when present


FAKE_DOT = '''#!{python}
import sys
source = sys.stdin.read()
open({log!r}, "w").write(" ".join(sys.argv[1:]) + "\\n" + source)
if "fail" in sys.argv[0] or "FAIL" in source:
    sys.stderr.write("syntax error in line 1")
    sys.exit(3)
sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><text>from fake dot</text></svg>')
'''


def test_graphviz_path_runs_dot_on_the_dot_source(tmp_path, monkeypatch):
    """The Graphviz route without Graphviz: a stand-in `dot` records what it was given."""
    import sys

    log = tmp_path / "log.txt"
    fake = tmp_path / "dot"
    fake.write_text(FAKE_DOT.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    monkeypatch.setattr(drawing.shutil, "which", lambda name: str(fake) if name == "dot" else None)
    _, _, f = example()
    d = viz.draw(f)
    assert d.renderer == "graphviz" and b"from fake dot" in d.data
    args, source = log.read_text().split("\n", 1)
    assert args == "-Tsvg" and source == viz.to_dot(f) == d.source
    f.name = "FAIL"
    with pytest.raises(RuntimeError, match=r"Graphviz's dot failed \(exit 3\): syntax error in line 1"):
        viz.draw(f)


def test_importing_viz_and_functional_stays_light():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = ("import sys, minigrad, minigrad.viz, minigrad.autograd.functional, minigrad.nn; "
            "print(sorted(m for m in ('matplotlib', 'graphviz', 'IPython') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert mg.viz is viz
