"""The example notebooks (examples/*.ipynb), one per audience: they are stored without outputs, and
each runs headless in a real Jupyter kernel (nbclient) and shows what its text says it shows: the
learner's Affine fails with the transposed weight gradient named, then passes once fixed; the
comparison report passes with its plots inline, a second run changes nothing, and the diff of the two
L2 equations names the checks they moved and why."""
import base64
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "examples").glob("*.ipynb"))


def test_there_is_one_notebook_per_audience():
    assert [path.name for path in NOTEBOOKS] == ["check_your_layer.ipynb", "comparison_report.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_committed_notebook_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code), \
        f"{path.name} holds outputs: clear them before committing (Jupyter: Edit > Clear Outputs of All Cells)"
    assert "widgets" not in notebook.metadata


def _run(name, tmp_path, monkeypatch):
    """The notebook executed in a fresh kernel in `tmp_path`: each code cell's outputs, in order."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    notebook = nbformat.read(REPO / "examples" / name, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    errors = [out for cell in outputs for out in cell if out.output_type == "error"
              or (out.output_type == "stream" and out.name == "stderr" and "Warning" in out.text)]
    assert not errors, errors
    return outputs


def _shown(outputs):
    """The cell's result: (its text, its HTML)."""
    result, = [out for out in outputs if out.output_type == "execute_result"]
    return result.data["text/plain"], result.data.get("text/html", "")


def test_the_learner_notebook_finds_the_mistake_then_passes(tmp_path, monkeypatch):
    _, _, checked, failed, fixed, asserted = _run("check_your_layer.ipynb", tmp_path, monkeypatch)
    text, page = _shown(checked)
    assert text.startswith("<CheckResult Affine: FAILED ")
    assert page.index(">FAILED</span>") < page.index("<table")
    assert "dW = dout.T @ x: transposed (dW = x.T @ dout)" in page
    assert "transposed (dW = x.T @ dout)" in _shown(failed)[0]
    text, page = _shown(fixed)
    assert re.match(r"<CheckResult Affine: PASSED (\d+)/\1 checks \(float64\)>", text) and ">PASSED</span>" in page
    printed = "".join(out.text for out in asserted if out.output_type == "stream")
    assert "Affine (affine layer, float64): PASSED" in printed and "dW" in printed


def test_the_report_notebook_shows_the_report_its_plots_and_two_diffs(tmp_path, monkeypatch):
    _, shown, numbers, written, same, moved = _run("comparison_report.ipynb", tmp_path, monkeypatch)
    text, page = _shown(shown)
    assert re.match(r"<Report xor: PASSED (\d+)/\1 checks \(float64\)>", text)
    assert page.index(">PASSED</span>") < page.index("<table") and "trajectory loss (max over steps)" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(image)[:4] == b"\x89PNG" for image in images)
    assert _shown(numbers)[0].startswith("(True, 18, ")
    assert _shown(written)[0] == "['xor.json', 'xor.md', 'xor_drift.png', 'xor_loss.png']"
    assert (tmp_path / "reports" / "xor.json").exists()
    text, page = _shown(same)
    assert "diff xor: SAME: nothing changed beyond tolerance (0 numbers moved within tolerance" in text
    assert ">SAME</span>" in page
    text, page = _shown(moved)
    assert text.startswith("<Diff diff xor: CHANGED: 7 checks changed verdict")
    assert ">CHANGED</span>" in page and "gradient W1 (Keras autodiff)" in page and "final test loss" in page
    assert "The twin&#x27;s L2 equation changed" in page and "0.009999999776482582" in page
