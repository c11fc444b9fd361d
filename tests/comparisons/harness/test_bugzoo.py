"""The bug zoo: every classic mistake is flagged by `check` with its cause named (100 %), and
`python -m comparisons bugzoo` reports it."""
import numpy as np
import pytest

from comparisons import cli
from comparisons.harness import bugzoo


@pytest.fixture(scope="module")
def findings():
    return {f.entry.cls.__name__: f for f in bugzoo.findings()}


def test_the_zoo_holds_at_least_14_distinct_mistakes():
    assert len(bugzoo.ZOO) >= 14
    assert len({entry.cls for entry in bugzoo.ZOO}) == len(bugzoo.ZOO)


@pytest.mark.parametrize("entry", bugzoo.ZOO, ids=lambda entry: entry.cls.__name__)
def test_every_entry_is_flagged_with_its_cause(findings, entry):
    finding = findings[entry.cls.__name__]
    result = finding.result
    assert result.not_checked is None, result.not_checked
    if entry.warning:  # a warning, not a failure: the values are right
        assert result.passed and result.warnings, result.table()
    else:
        assert not result.passed, result.table()
    assert finding.caught, f"expected {entry.cause!r} in:\n{result.table()}"


def test_the_diagnoses_carry_the_numbers_that_identify_the_mistakes(findings):
    no_mean = findings["NoBatchMeanSoftmaxWithLoss"].result
    assert [c.name for c in no_mean.failed] == [  # the loss itself is right
        "dx (one-hot t, moderate logits)", "dx (integer labels, moderate logits)", "dx (one-hot t, logits +-1000)"]
    assert "constant ratio 5 = batch size" in no_mean.failed[0].diagnosis
    overflow = findings["UnshiftedSoftmaxWithLoss"].result
    assert [c.name for c in overflow.failed] == ["loss (one-hot t, logits +-1000)", "dx (one-hot t, logits +-1000)"]
    unprotected = findings["UnprotectedLogSoftmaxWithLoss"].result
    assert [c.name for c in unprotected.failed] == ["loss (one-hot t, logits +-1000)"]  # dx stays finite
    assert unprotected.failed[0].value == float("inf")
    square_only = findings["UntransposedWAffine"].result
    assert any("raised ValueError" in c.diagnosis for c in square_only.failed)  # 4 -> 3: a shape error
    assert any("W used without its transpose" in c.diagnosis for c in square_only.failed)  # square: silent
    in_a_network = findings["InputSigmoidNet"].result.diagnosis
    assert any(line.startswith("Activation_function1 (InputSigmoid) checked on its own: dx") and
               "uses the input x where it needs the output" in line for line in in_a_network)
    adam = findings["NoBiasCorrectionAdam"].result
    assert adam.failed[0].name == "step 1: w - w0 (W1, b1)"
    forward_difference = findings["ForwardDifferenceNet"].result
    assert forward_difference.dtype == "float32"
    worst = max(c.value for c in forward_difference.failed)
    assert 1e-3 < worst < 0.5  # percent-level, far above float32's 1e-4 gradient tolerance
    assert "evaluated the loss 106 times for 53 parameter entries" in findings["ForwardDifferenceNet"].evidence


def test_the_dout_writing_relu_shows_a_caller_for_which_it_is_a_real_bug(findings):
    warning = findings["DoutWritingRelu"].evidence
    error = float(warning.split("comes out ")[1].split(" ")[0])
    assert error > 0.1 and "y = DoutWritingRelu(x) + x" in warning
    forward = findings["XWritingRelu"].evidence
    assert float(forward.split("comes out ")[1].split(" ")[0]) > 0.1


def test_bugzoo_cli_prints_and_writes_the_table(tmp_path, capsys):
    assert cli.main(["bugzoo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"bugzoo: {len(bugzoo.ZOO)} of {len(bugzoo.ZOO)} mistakes flagged with their cause named" in out
    page = (tmp_path / "bugzoo.md").read_text()
    assert page.startswith("# The bug zoo") and "| TransposedDWAffine " in page
    assert page.count("\n### ") == len(bugzoo.ZOO) and "\n## Every entry in detail" in page
    assert np.all([entry.cls.__name__ in out for entry in bugzoo.ZOO])


def test_the_zoo_report_has_one_check_per_entry_and_its_details():
    report = bugzoo.run()
    assert report.passed and [c.subject for c in report.checks] == [entry.cls.__name__ for entry in bugzoo.ZOO]
    assert {c.kind for c in report.checks} == {"bugzoo"}
    (details,) = report.children
    assert len(details.children) == len(bugzoo.ZOO) and not details.on_terminal
