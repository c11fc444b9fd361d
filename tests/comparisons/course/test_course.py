"""The course pages (`python -m comparisons course ...`): the texts' printed numbers reproduced by
scratchnet and by Keras, the texts' bugs marked, and the command's exit status. The cheap texts
run in full; the training exercises run short (quick mode), which leaves every printed number
of the texts in place."""
import re

import numpy as np
import pytest

from comparisons import cli
from comparisons.course import page as course_page
from comparisons.course import text_000, text_001, text_002
from scratchnet import gradcheck
from scratchnet.losses import SoftmaxCrossEntropy


def rows_by_exercise(page):
    return {row.exercise: row for row in page.rows}


def row_starting(page, prefix):
    (row,) = [row for row in page.rows if row.exercise.startswith(prefix)]
    return row


# -- the framework ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text, matches", [
    ([0.3168270764110298, 0.6962790898619668], "[ 0.31682708  0.69627909]", True),
    ([0.3168270764110298, 0.6962790898619668], "[ 0.31682709  0.69627909]", False),
    ([0.0, 0.0, 1.0, 2.0], "[-0. 0. 1. 2.]", True),  # -0. and 0. are the same number
    ([6.111107928998789e-10], "[6.11110793e-10]", True),
    ([0.47407698418010663], "0.47407698418010663", True),
    ([1.0, 2.0], "[1. 2. 3.]", False),  # a different count never matches
])
def test_a_value_matches_a_print_at_its_printed_precision(value, text, matches):
    assert course_page.matches_print(value, text) is matches


def test_a_row_disagrees_when_keras_or_the_text_disagrees():
    page = course_page.Page("xyz", "test")
    page.compare("same", [1.0, 2.0], [1.0, 2.0], text="[1. 2.]")
    page.compare("Keras differs", [1.0, 2.0], [1.0, 2.5])
    page.compare("text differs", [1.0, 2.0], [1.0, 2.0], text="[1. 3.]")
    page.compare("a text bug", [1.0], [1.0], text="[5.]", text_value=[5.0], bug=page.note("why"))
    page.compare("no Keras", [1.0], no_keras="a reason", text="(remark, not checked)")
    page.compare("garbled print", [1.0, 2.0], [1.0, 2.0], text="(1. 1. 2.)", check_text="[1. 2.]")
    page.compare("garbled, wrong", [1.0, 2.0], [1.0, 2.0], text="(1. 1. 2.)", check_text="[1. 3.]")
    verdicts = [row.verdict for row in page.rows]
    assert verdicts == ["yes", "NO", "NO", "yes (text bug, note 1)", "yes", "yes", "NO"]
    assert page.rows[-2].text == "(1. 1. 2.)"  # shown as printed
    assert page.rows[4].keras == "– (a reason)"
    assert not page.passed
    assert re.search(r"\| a text bug +\| \[5\.\] +\| \[1\.\] +\| \[1\.\] +\| yes \(text bug, note 1\) +\|",
                     page.markdown("cmd"))


# -- text 000 ---------------------------------------------------------------------------------------

def test_000_forward_pass_and_softmax_as_printed():
    page = course_page.Page("000", "")
    text_000.gates_truth_tables(page)
    text_000.activations(page)
    y = text_000.three_layer_forward(page)
    text_000.identity_vs_softmax(page, y)
    text_000.softmax_exercises(page)
    assert page.passed, [row for row in page.rows if not row.agrees]
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], rtol=0, atol=5e-9)  # the text's Y
    rows = rows_by_exercise(page)
    assert rows["3-layer forward: Y"].scratchnet == rows["3-layer forward: Y"].keras == "[0.31682708 0.69627909]"
    assert rows["XOR = AND(NAND, OR), a 2-layer perceptron"].scratchnet == "[0 1 1 0]"
    (plot,) = page.plots
    assert plot.name == "course-000_activations.png" and len(plot.draw().axes) == 3


# -- text 001 ---------------------------------------------------------------------------------------

def test_001_exercises_reproduce_the_printed_numbers():
    page = course_page.Page("001", "")
    text_001.gates_as_printed(page)
    text_001.activations_and_layers(page)
    text_001.graph_nodes(page)
    text_001.softmax_cross_entropy(page)
    assert page.passed, [row for row in page.rows if not row.agrees]
    rows = rows_by_exercise(page)
    assert rows["1-2 gates on (0, 0)"].scratchnet == "AND(0, 0) = 0 NAND(0, 0) = 1 OR(0, 0) = 0"
    batch = "[[0.426 0.912 ] [0.1608 0.3334] [0.3528 0.752 ] [0.2016 0.4226]]"
    assert rows["2-4 MLP_3Layer on a batch of 4"].scratchnet == rows["2-4 MLP_3Layer on a batch of 4"].keras == batch
    assert rows["3-1 (a + b) * c, a, b, c = 2, 3, 4: forward"].scratchnet == "20"
    assert rows["3-1 backward: da, db, dc"].keras == "[4. 4. 5.]"
    # 3-5: the text's mean loss beside the sum's gradient, both marked as its bug
    loss, backward = row_starting(page, "3-5 loss, reduction mean"), row_starting(page, "3-5 backward y - t")
    assert loss.verdict == backward.verdict == "yes (text bug, note 4)"
    assert (row_starting(page, "3-5 backward of that mean").keras
            == "[[-0.18877033 0.18877033] [ 0.18877033 -0.18877033]]")


def test_001_softmax_cross_entropy_numbers():
    x, t = text_001.X_BATCH, text_001.T_BATCH
    mean, total = SoftmaxCrossEntropy("mean"), SoftmaxCrossEntropy("sum")
    assert mean.forward(x, t) == pytest.approx(0.47407698418010663, rel=1e-15)
    assert total.forward(x, t) == pytest.approx(2 * 0.47407698418010663, rel=1e-15)
    y_minus_t = np.array([[-0.37754067, 0.37754067], [0.37754067, -0.37754067]])
    np.testing.assert_allclose(total.backward(), y_minus_t, rtol=0, atol=5e-9)  # what the text prints
    np.testing.assert_allclose(mean.backward(), y_minus_t / 2, rtol=0, atol=5e-9)  # Keras's: +-0.1888


# -- every text through the command line: `course all --quick` -------------------------------------

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """`python -m comparisons course all --quick`, run once: (exit status, its output, the out folder).
    Every text runs in full except that the training exercises run short (each page says so)."""
    import contextlib
    import io
    out = tmp_path_factory.mktemp("course")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = cli.main(["course", "all", "--quick", "--out", str(out), "--no-progress"])
    return status, printed.getvalue(), out


def table_rows(markdown):
    """The cells of a page's main table, by exercise."""
    rows = [line.strip("|").split(" | ") for line in markdown.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows[1:]}


def test_course_all_exits_0(quick_run):
    status, printed, out = quick_run
    assert status == 0 and "course all: PASSED" in printed
    for text in ("000", "001", "002", "003", "004"):
        assert re.search(rf"^course {text}: PASSED, (\d+)/\1 rows agree$", printed, re.M), text
        markdown = (out / f"course-{text}.md").read_text()
        assert f"Command: `python -m comparisons course {text} --quick`" in markdown
        assert ("Quick run (tests)" in markdown) == (text in ("000", "001", "003"))
    for png in ("course-000_activations.png", "course-001-mnist_accuracy.png", "course-002_gradient_descent.png",
                "course-003-fashion-mnist_loss.png", "course-004-xor_drift.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_001_log_is_per_sample_beside_the_texts(quick_run):
    log = (quick_run[2] / "course-001.md").read_text().split("## Text 001's printed log")[1]
    loss0 = re.search(r"\| Loss 0 +\| 3.2686 +\| ([\d.]+) +\| ([\d.]+) ", log)
    assert loss0.group(1) == loss0.group(2) and 1.5 < float(loss0.group(1)) < 6  # the batch sum / 100


def test_002_numbers(quick_run):
    rows = table_rows((quick_run[2] / "course-002.md").read_text())
    final = rows["gradient descent, lr 0.1: x after 100 steps (note 2)"]
    assert final == ["[6.11110793e-10 8.14814391e-10]"] * 3 + ["yes"]  # the text, scratchnet, Keras
    linear = rows["the text's code: layer-3 output (b1 twice, no activation passed on)"]
    assert linear == ["(not printed)", "[0.135 0.479]", "[0.135 0.479]", "yes (text bug, note 1)"]
    np.testing.assert_allclose(gradcheck.numerical_gradient(text_002.square_sum, np.array([3.0, 4.0])), [6.0, 8.0],
                               rtol=1e-9)


def test_004_xor_reaches_full_accuracy_on_both_sides(quick_run):
    rows = table_rows((quick_run[2] / "course-004.md").read_text())
    assert rows["accuracy on the four inputs"][1:] == ["1", "1", "yes"]
    hand = [cells for exercise, cells in rows.items() if exercise.startswith("hand-written")]
    assert [cells[1] for cells in hand] == ["[0.99492342 0.00507658]", "[0.00507658 0.99492342]",
                                            "[0.00507658 0.99492342]", "[0.99492342 0.00507658]"]
    assert all(cells[1] == cells[2] and cells[3] == "yes (text bug, note 2)" for cells in hand)


def test_course_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["course", "005"])
    assert info.value.code == 2
    assert "invalid choice: '005'" in capsys.readouterr().err
    assert cli.main(["course", "001", "--full", "--quick"]) == 2
    assert capsys.readouterr().err == "python -m comparisons: error: --full and --quick exclude each other\n"


def test_course_exits_1_when_a_row_disagrees(tmp_path, monkeypatch, capsys):
    from scratchnet import functions
    monkeypatch.setattr(functions, "sigmoid", lambda x: 1.0 / (1.0 + np.exp(x)))  # defect: the sign of x
    assert cli.main(["course", "002", "--out", str(tmp_path), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "course 002: FAILED, 15/16 rows agree" in printed
    assert "| NO (text bug, note 1)" in (tmp_path / "course-002.md").read_text().replace("  ", "")


def test_course_exits_2_on_missing_data(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for variable in ("SCRATCHNET_CACHE", "KERAS_HOME", "SCRATCHNET_DATA"):  # no source anywhere
        monkeypatch.setenv(variable, str(empty))
    assert cli.main(["course", "003", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "python -m scratchnet.datasets fetch fashion_mnist" in capsys.readouterr().err
