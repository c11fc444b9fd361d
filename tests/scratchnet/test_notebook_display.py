"""How History, Sequential.summary() and the training progress bar show themselves: in a terminal
(repr, text), and in a real Jupyter kernel (nbclient runs the cells; what comes back is what a
notebook would display)."""
import io
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import scratchnet
from scratchnet import display, optimizers
from scratchnet.training import History, Trainer

REPO = Path(__file__).resolve().parents[2]


def _history(steps=5000, epochs=10):
    """A History as a Trainer leaves it: `steps` step losses falling from 2 to about 0.1, and
    per-epoch metrics."""
    step_loss = list(2.0 * np.exp(-np.arange(steps) / 800.0) + 0.1)
    epoch = list(range(1, epochs + 1))
    return History(step_loss=step_loss, epoch=epoch, train_loss=[1.0 / e for e in epoch],
                   train_accuracy=[1 - 0.5 / e for e in epoch], test_loss=[1.1 / e for e in epoch],
                   test_accuracy=[1 - 0.6 / e for e in epoch])


def test_history_repr_is_one_line_with_the_last_epochs_metrics():
    assert repr(_history()) == ("History(10 epochs, 5,000 steps; epoch 10: train loss 0.1000, train accuracy "
                                "0.9500, test loss 0.1100, test accuracy 0.9400)")
    assert repr(History()) == "History(no training yet)"
    unevaluated = History(step_loss=[0.5, 0.25])
    assert repr(unevaluated) == "History(no evaluated epoch, 2 steps; last step loss 0.2500)"
    assert History() == History() and _history() != History()  # still a dataclass: equality kept


def test_history_html_is_a_table_of_first_and_last_epoch_and_a_plot_never_every_step():
    page = _history(steps=100_000)._repr_html_()
    assert "<caption>History(10 epochs, 100,000 steps;" in page
    assert "<th>epoch 1</th><th>epoch 10</th>" in page
    assert "<tr><th>train loss</th><td>1.0000</td><td>0.1000</td></tr>" in page
    assert "<tr><th>test accuracy</th><td>0.4000</td><td>0.9400</td></tr>" in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    lines = re.findall(r'<polyline [^>]*points="([^"]*)"', svg)
    assert [len(points.split()) for points in lines] == [display.PLOT_POINTS, 10, 10]  # step, train, test
    assert "step loss (mean of 500 steps)" in svg and "train loss" in svg and "test loss" in svg
    assert "epoch 10" in svg
    assert len(page) < 10_000  # 100,000 steps do not travel to the browser


def test_history_plot_coordinates_follow_the_values():
    """The step-loss line is the means of equal runs: its first point is the mean of the first run,
    drawn at the top of the plot (the largest value), its last near the bottom."""
    history = History(step_loss=[4.0, 2.0, 1.0, 1.0], epoch=[1], train_loss=[1.0])
    assert display.binned_means(history.step_loss, points=2) == [(0.5, 3.0), (2.5, 1.0)]
    assert display.binned_means(list(range(10)), points=3) == [(1.0, 1.0), (4.5, 4.5), (8.0, 8.0)]
    svg = display.loss_svg(history)
    points = [tuple(map(float, p.split(","))) for p in re.findall(r'points="([^"]*)"', svg)[0].split()]
    assert len(points) == 4 and points[0][1] < points[-1][1]  # higher loss is higher up (smaller y)
    assert points[0][1] == pytest.approx(26.0)  # the top of the plot area holds the maximum, 4.0
    assert '<text x="37" y="30" text-anchor="end">4</text>' in svg
    one = display.loss_svg(History(step_loss=[0.7]))
    assert one.count("<circle") == 1  # one point: a dot, not a line
    assert display.loss_svg(History(step_loss=[float("nan")])) == ""


def test_summary_prints_the_keras_style_table_and_shows_as_html():
    model = scratchnet.mlp([4, 8, 3], seed=0)
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "sequential"'
    assert lines[4] == "Affine1 (Affine)  (None, 8)     40"
    assert lines[-5:] == ["Total params: 67 (268.00 B)", "Trainable params: 67 (268.00 B)",
                          "Non-trainable params: 0 (0.00 B)", "Loss: SoftmaxCrossEntropy(reduction='mean')",
                          "dtype: float32"]
    page = model._repr_html_()
    assert page.startswith('<table class="scratchnet-summary"><caption>Model: sequential</caption>')
    assert "<tr><td>Affine1 (Affine)</td><td>(None, 8)</td><td>40</td></tr>" in page
    assert "<tr><th>Total params</th><td colspan=\"2\">67 (268.00 B)</td></tr>" in page
    assert "SoftmaxCrossEntropy(reduction=&#x27;mean&#x27;)" in page  # escaped
    assert repr(display.ModelSummary(model)) == "<ModelSummary: 3 layers, 67 (268.00 B) params>"


def _trainer(progress):
    model = scratchnet.mlp([2, 4, 2], seed=0)
    x = np.random.default_rng(0).normal(size=(60, 2)).astype(np.float32)
    return Trainer(model, optimizers.SGD(0.1), x, (x[:, 0] > 0).astype(np.int64), epochs=3, batch_size=6,
                   progress=progress)


def test_progress_is_quiet_when_stderr_is_not_a_terminal(capsys):
    assert not display.in_notebook()
    trainer = _trainer(None)
    assert trainer.progress is False  # pytest's captured stderr is no terminal
    trainer.fit()
    assert capsys.readouterr().err == ""


def test_progress_true_outside_a_notebook_is_tqdms_text_bar_without_warnings(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm's "IProgress not found" would be a TqdmWarning
        _trainer(True).fit()
    assert "scratchnet: 100%" in stderr.getvalue() and "30/30" in stderr.getvalue()


NOTEBOOK_CELLS = [
    "{block}import numpy as np, scratchnet\n"
    "from scratchnet import optimizers\nfrom scratchnet.training import Trainer\n"
    "x = np.random.default_rng(0).normal(size=(60, 2)).astype(np.float32)\n"
    "model = scratchnet.mlp([2, 4, 2], seed=0)\n"
    "history = Trainer(model, optimizers.SGD(0.1), x, (x[:, 0] > 0).astype(np.int64), epochs=3, batch_size=6).fit()\n"
    "history",
    "model.summary()",
    "model",
]


def _run_notebook(tmp_path, monkeypatch, block=""):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("PYTHONWARNINGS", "default")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK_CELLS[0].format(block=block)),
                                               *map(nbformat.v4.new_code_cell, NOTEBOOK_CELLS[1:])])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return [cell.outputs for cell in notebook.cells]


def test_in_a_notebook_progress_is_a_widget_and_everything_displays_as_html(tmp_path, monkeypatch):
    training, summary, model = _run_notebook(tmp_path, monkeypatch)
    assert not [out for out in training if out.output_type == "stream" and out.name == "stderr"]  # no warning
    widgets = [out for out in training if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    assert len(widgets) == 1  # tqdm's notebook bar, on by default in a kernel
    shown = training[-1]
    assert shown.output_type == "execute_result"
    assert shown.data["text/plain"].startswith("History(3 epochs, 30 steps; epoch 3: train loss ")
    assert "<svg" in shown.data["text/html"] and "<th>epoch 3</th>" in shown.data["text/html"]
    table, = summary
    assert table.output_type == "display_data"
    assert table.data["text/html"].startswith('<table class="scratchnet-summary">')
    assert table.data["text/plain"].startswith("<ModelSummary: 3 layers")
    assert model[0].data["text/html"] == table.data["text/html"]


def test_in_a_notebook_without_ipywidgets_progress_is_text_and_nothing_warns(tmp_path, monkeypatch):
    training, _, _ = _run_notebook(tmp_path, monkeypatch, block="import sys\nsys.modules['ipywidgets'] = None\n")
    stderr = "".join(out.text for out in training if out.output_type == "stream" and out.name == "stderr")
    assert "scratchnet: 100%" in stderr and "30/30" in stderr
    assert "IProgress" not in stderr and "Warning" not in stderr
    assert not [out for out in training if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
