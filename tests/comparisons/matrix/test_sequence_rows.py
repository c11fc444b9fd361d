"""The matrix's sequence rows (comparisons/matrix/sequences.py) against real Keras: rows pass at the
float64 tolerances and their option moves the run; a row whose option is turned off on both sides
is caught by the option-effect rule."""
import pytest

from comparisons.matrix.sequences import ROWS, SEQUENCE_HEADERS, sequence_row

PICKED = ["GRU reset_after=False", "Embedding -> GRU return_sequences into LSTM",
          "Bidirectional(LSTM) merge_mode=sum (concat)"]


def _row(label):
    (row,) = [row for row in ROWS if f"{row[0]} {row[1]}".startswith(label)]
    return row


@pytest.mark.parametrize("label", PICKED)
def test_sequence_rows_pass_and_their_option_moves_the_run(label):
    checks, cells = sequence_row(1, _row(label), seed=7)
    assert all(c.passed for c in checks), [(c.name, c.value) for c in checks if not c.passed]
    exact = [c for c in checks if c.kind in ("forward", "gradient", "trajectory", "final")]
    assert exact and all(c.value <= 1e-12 for c in exact)
    (effect,) = [c for c in checks if c.kind == "option_effect"]
    assert effect.value >= 1e-6 and cells[-1] == "pass" and len(cells) == len(SEQUENCE_HEADERS)


def test_an_option_that_changes_nothing_fails_its_row():
    layer, option, on, _, ids = _row("GRU go_backwards")
    checks, cells = sequence_row(1, (layer, option, on, on, ids), seed=7)
    (effect,) = [c for c in checks if c.kind == "option_effect"]
    assert effect.value == 0.0 and not effect.passed and cells[-1] == "FAIL"
