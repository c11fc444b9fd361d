"""The course pages (`python -m comparisons course ...`): the texts' printed numbers reproduced by
scratchnet and by Keras, the texts' bugs marked, and the command's exit status. The cheap texts
run in full; the training exercises run short (quick mode), which leaves every printed number
of the texts in place."""
import re

import numpy as np
import pytest

from comparisons import cli, course
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

def test_000_forward_pass_and_softmax_as_printed(tmp_path):
    page = course_page.Page("000", "")
    text_000.gates_truth_tables(page)
    text_000.activations(page, tmp_path)
    y = text_000.three_layer_forward(page)
    text_000.identity_vs_softmax(page, y)
    text_000.softmax_exercises(page)
    assert page.passed, [row for row in page.rows if not row.agrees]
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], rtol=0, atol=5e-9)  # the text's Y
    rows = rows_by_exercise(page)
    assert rows["3-layer forward: Y"].scratchnet == rows["3-layer forward: Y"].keras == "[0.31682708 0.69627909]"
    assert rows["XOR = AND(NAND, OR), a 2-layer perceptron"].scratchnet == "[0 1 1 0]"
    assert (tmp_path / "course-000_activations.png").stat().st_size > 0


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
    assert row_starting(page, "3-5 backward of that mean").keras == "[[-0.18877033 0.18877033] [ 0.18877033 -0.18877033]]"


def test_001_softmax_cross_entropy_numbers():
    x, t = text_001.X_BATCH, text_001.T_BATCH
    mean, total = SoftmaxCrossEntropy("mean"), SoftmaxCrossEntropy("sum")
    assert mean.forward(x, t) == pytest.approx(0.47407698418010663, rel=1e-15)
    assert total.forward(x, t) == pytest.approx(2 * 0.47407698418010663, rel=1e-15)
    y_minus_t = np.array([[-0.37754067, 0.37754067], [0.37754067, -0.37754067]])
    np.testing.assert_allclose(total.backward(), y_minus_t, rtol=0, atol=5e-9)  # what the text prints
    np.testing.assert_allclose(mean.backward(), y_minus_t / 2, rtol=0, atol=5e-9)  # Keras's: +-0.1888


# -- texts 002 and 004, whole pages through the command line ------------------------------------------

def test_002_through_the_command(tmp_path, capsys):
    assert cli.main(["course", "002", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "course 002: PASSED, 16/16 rows agree" in printed
    markdown = (tmp_path / "course-002.md").read_text()
    assert "Command: `python -m comparisons course 002`" in markdown and "yes (text bug, note 1)" in markdown
    assert (tmp_path / "course-002_gradient_descent.png").exists()
    np.testing.assert_allclose(gradcheck.numerical_gradient(text_002.square_sum, np.array([3.0, 4.0])), [6.0, 8.0],
                               rtol=1e-9)


def test_004_xor_reaches_full_accuracy_on_both_sides(tmp_path):
    page = course.run("004", course.Context(tmp_path, progress=False))
    assert page.passed, [row for row in page.rows if not row.agrees]
    accuracy = rows_by_exercise(page)["accuracy on the four inputs"]
    assert accuracy.scratchnet == accuracy.keras == "1"
    hand = [row for row in page.rows if row.exercise.startswith("hand-written")]
    assert [row.scratchnet for row in hand] == ["[0.99492342 0.00507658]", "[0.00507658 0.99492342]",
                                                "[0.00507658 0.99492342]", "[0.99492342 0.00507658]"]
    assert all(row.verdict == "yes (text bug, note 2)" for row in hand)


# -- the training texts, short --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["000", "001", "003"])
def test_training_texts_agree_in_a_quick_run(text, tmp_path):
    page = course.run(text, course.Context(tmp_path, progress=False, quick=True))
    assert page.passed, [row for row in page.rows if not row.agrees]
    assert (tmp_path / page.plots[-1]).exists()
    assert any(note.startswith("Quick run (tests)") for note in page.notes)
    if text == "001":  # the text's printed log beside both sides, per sample as the text prints it
        (log,) = [s for s in page.sections if s["title"].startswith("Text 001's printed log")]
        first = log["rows"][0]
        assert first[:2] == ["Loss 0", "3.2686"] and first[2] == first[3]  # scratchnet = Keras
        assert 1.5 < float(first[2]) < 6  # per sample (the batch sum / 100), near ln(10) = 2.3 at the start
        assert (tmp_path / "course-001-mnist_accuracy.png").exists()


def test_course_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["course", "005"])
    assert info.value.code == 2
    assert "invalid choice: '005'" in capsys.readouterr().err
