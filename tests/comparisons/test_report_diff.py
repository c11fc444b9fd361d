"""`python -m comparisons diff OLD NEW` (comparisons.report_diff): two reports that differ (a verdict,
a number beyond its tolerance, a check added and one removed, the environment) and two that do not
(times, and a number within its tolerance); folders; bad usage. And the real example: the L2 factor
that Keras >= 3.14 rounds through float32 even in float64, reproduced without a second Keras by
running one scenario with the twin following each of the two equations (reference_keras's
twin_l2_equation): the diff names the checks that moved and the equation and factors that moved them.
"""
import copy
import dataclasses
import json

import numpy as np
import pytest

import reference_keras
from comparisons import api, cli, render, scenarios
from comparisons.scenarios import PRESETS

ENVIRONMENT = {"python": "3.11.7", "numpy": "2.4.6", "blas": [{"library": "openblas", "version": "0.3.31",
                                                               "threads": 2, "threading": "pthreads"}],
               "keras": "3.13.2", "tensorflow": "2.20.0", "tensorflow_distributions": ["tensorflow"]}
OLD = {"scenario": "xor", "dtype": "float64", "passed": True, "environment": ENVIRONMENT,
       "checks": [{"name": "loss", "value": 1e-16, "tolerance": 1e-12, "passed": True, "diagnosis": "",
                   "kind": "loss", "subject": ""},
                  {"name": "gradient W1", "value": 2e-16, "tolerance": 1e-12, "passed": True, "diagnosis": "",
                   "kind": "gradient", "subject": "W1"},
                  {"name": "final test accuracy", "value": 0.0, "tolerance": 0.0, "passed": True, "diagnosis": "",
                   "kind": "final", "subject": "test accuracy"}],
       "settings": {"epochs": 50, "learning_rate": 0.1},
       "sides": {"keras": {"final_loss": 0.25, "test_accuracy": 1.0, "seconds": 1.5}},
       "trajectory": {"keras_loss": [0.7, 0.6, 0.5]},
       "sections": [{"title": "tier", "headers": ["side", "loss", "seconds"], "rows": [["keras", "0.25", "3.1"]]}]}


def _write(path, report):
    path.write_text(json.dumps(report))
    return str(path)


def _diff(tmp_path, old, new, capsys):
    status = cli.main(["diff", _write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new)])
    return status, capsys.readouterr().out


def test_two_reports_that_do_not_differ_beyond_tolerance_exit_0(tmp_path, capsys):
    new = copy.deepcopy(OLD)
    new["sides"]["keras"]["seconds"] = 9.9  # a wall-clock time
    new["sections"][0]["rows"][0][2] = "12.0"  # a "seconds" column
    new["trajectory"]["keras_loss"][1] = 0.6 * (1 + 2e-16)  # within 1e-12
    new["checks"][1]["value"] = 3e-16  # a check's value, within its tolerance
    status, out = _diff(tmp_path, OLD, new, capsys)
    assert status == 0
    assert ("diff xor: SAME: nothing changed beyond tolerance (2 numbers moved within tolerance; report PASSED); "
            "same environment") in out
    assert "checks that changed verdict" not in out and "numbers that moved" not in out
    status, out = _diff(tmp_path, OLD, OLD, capsys)  # the same file twice
    assert status == 0 and "(0 numbers moved within tolerance" in out


def test_two_reports_that_differ_name_every_change_and_exit_1(tmp_path, capsys):
    new = copy.deepcopy(OLD)
    new["environment"] = {**ENVIRONMENT, "keras": "3.14.0"}
    new["passed"] = False
    new["checks"][1].update(value=3e-9, passed=False, diagnosis="off by a constant factor")  # verdict changes
    new["checks"][2]["name"] = "final test accuracy (renamed)"  # one removed, one added
    new["sides"]["keras"]["final_loss"] = 0.25 * (1 + 1e-9)  # beyond 1e-12
    new["sides"]["keras"]["test_accuracy"] = 0.75  # beyond 0 (absolute)
    new["trajectory"]["keras_loss"] = [0.7, 0.6 * (1 + 1e-10), 0.5 * (1 + 3e-10)]  # two of three beyond
    status, out = _diff(tmp_path, OLD, new, capsys)
    assert status == 1
    assert "the twin's L2" not in out and "Keras" in out and "3.13.2" in out and "3.14.0" in out
    assert "gradient W1" in out and "gradient: W1" in out and "pass 2e-16" in out and "FAIL 3e-09" in out
    assert "off by a constant factor" in out
    assert "sides.keras.final_loss" in out and "sides.keras.test_accuracy" in out and "0 abs" not in out
    assert "trajectory.keras_loss[]" in out and "2 of 2" in out and "trajectory.keras_loss[2]" in out
    assert "final test accuracy (renamed)" in out and "new only" in out and "old only" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("diff xor: CHANGED: 1 checks changed verdict, 4 numbers moved beyond tolerance, "
                              "1 checks added, 1 checks removed (0 numbers moved within tolerance; report PASSED -> "
                              "FAILED); environment: Keras changed")


def test_settings_that_changed_are_the_first_why(tmp_path, capsys):
    new = copy.deepcopy(OLD)
    new["settings"]["epochs"] = 60
    new["trajectory"]["keras_loss"].append(0.4)
    status, out = _diff(tmp_path, OLD, new, capsys)
    assert status == 1 and "settings that changed" in out and "diagnosis: The settings changed (epochs)." in out


def test_folders_are_matched_by_file_and_a_missing_report_is_a_change(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        _write(tmp_path / folder / "xor.json", OLD)
    _write(tmp_path / "a" / "mnist.json", {**OLD, "scenario": "mnist"})
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out
    assert "mnist.json missing in" in out and "diff xor: SAME" in out
    _write(tmp_path / "b" / "mnist.json", {**OLD, "scenario": "mnist"})
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "2 reports compared, nothing changed beyond tolerance" in capsys.readouterr().out


@pytest.mark.parametrize("make,message", [
    (lambda tmp: [str(tmp / "nothing.json"), str(tmp / "old.json")], "no such file or folder"),
    (lambda tmp: [_write(tmp / "page.json", "[1, 2]"), str(tmp / "old.json")], "is not a report's JSON"),
    (lambda tmp: [str(tmp), str(tmp / "old.json")], "not one of each"),
])
def test_diff_usage_errors_are_one_line_and_exit_2(tmp_path, capsys, make, message):
    _write(tmp_path / "old.json", OLD)
    (tmp_path / "page.json").write_text("not json")
    assert cli.main(["diff", *make(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# -- the real example: Keras 3.13 -> 3.14's L2 factor, without two Kerases -----------------------------
def _l2_scenario(l2):
    """XOR through Affine (L2 penalty l2) -> ReLU -> BatchNormalization -> Affine (L2), float64."""
    return dataclasses.replace(PRESETS["xor"].with_options(epochs=8), architecture="regularized_mlp",
                               model_options={"l2": l2, "dropout": 0.0})


def _run_both_equations(settings, tmp_path):
    """The scenario's report with the twin following Keras 3.13's L2 equation (old/) and Keras
    3.14's (new/), as files."""
    for folder, rounds in (("old", False), ("new", True)):
        with reference_keras.twin_l2_equation(rounds):
            report = scenarios.run(settings, progress=False)
        render.write(report, tmp_path / folder)
    return str(tmp_path / "old" / "xor.json"), str(tmp_path / "new" / "xor.json")


def test_the_l2_factor_keras_3_14_rounds_through_float32_is_named_with_the_checks_it_moved(tmp_path, capsys):
    old, new = _run_both_equations(_l2_scenario(0.01), tmp_path)
    old_json, new_json = (json.loads(open(path).read()) for path in (old, new))
    assert old_json["environment"]["twin"]["l2"].startswith("l2 * sum(W**2), l2 in the weights' dtype")
    assert new_json["environment"]["twin"]["l2"] == "float32(l2) * sum(W**2) (Keras >= 3.14)"
    assert old_json["l2_factors"]["Affine1"] == [0.01, 0.01]
    assert new_json["l2_factors"]["Affine1"] == [0.01, float(np.float32(0.01))]
    assert old_json["passed"] and not new_json["passed"]  # scratchnet states 0.01; Keras >= 3.14 applies float32(0.01)

    diff = api.diff(old, new)  # what the command prints, as a Report
    verdicts = next(s for s in diff.sections if s.title == "checks that changed verdict")
    assert [row[0] for row in verdicts.rows] == [
        "loss", "gradient W1 (Keras autodiff)", "gradient W2 (Keras autodiff)", "trajectory loss (max over steps)",
        "trajectory weights (max drift)", "final train loss", "final test loss"]
    assert {row[2].split()[0] + " -> " + row[3].split()[0] for row in verdicts.rows} == {"pass -> FAIL"}
    environment = next(s for s in diff.sections if s.title == "the environment that changed")
    assert environment.rows == [["the twin's L2 equation", old_json["environment"]["twin"]["l2"] + ", emulated"
                                 * old_json["environment"]["twin"]["l2_emulated"],
                                 new_json["environment"]["twin"]["l2"] + ", emulated"
                                 * new_json["environment"]["twin"]["l2_emulated"]]]
    assert cli.main(["diff", old, new]) == 1
    out = capsys.readouterr().out
    assert "the twin's L2 equation" in out and "(Keras < 3.14)" in out and "(Keras >= 3.14)" in out
    why = next(line for line in out.splitlines() if line.startswith("diagnosis: The twin's L2 equation changed"))
    assert "Affine1 l2 = 0.01: the twin applied 0.01 -> 0.009999999776482582" in why
    assert "so the loss, the gradients of those layers' kernels and the training that follows moved" in why
    assert "trajectory.keras_loss[]" in out and "trajectory.scratchnet_loss" not in out  # only Keras's side moved
    assert out.strip().splitlines()[-1].startswith("diff xor: CHANGED: 7 checks changed verdict")


def test_a_factor_float32_holds_is_not_moved_by_the_equation(tmp_path, capsys):
    old, new = _run_both_equations(_l2_scenario(float(np.float32(1e-4))), tmp_path)  # the scenario's own l2
    assert cli.main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "diagnosis: The twin's L2 equation changed" in out and "No L2 factor of this run is moved by it" in out
    assert "diff xor: SAME: nothing changed beyond tolerance" in out


def test_the_equation_is_put_back_after_the_block():
    before = reference_keras.twin_equations()
    with reference_keras.twin_l2_equation(not reference_keras.keras_l2_rounds_through_float32()):
        assert reference_keras.twin_equations()["l2_emulated"] is True
        with pytest.raises(RuntimeError):
            with reference_keras.twin_l2_equation(True):
                raise RuntimeError
        assert reference_keras.twin_equations()["l2_emulated"] is True
    assert reference_keras.twin_equations() == before and before["l2_emulated"] is False
    with pytest.raises(TypeError, match="must be True or False, got 'float32'"):
        with reference_keras.twin_l2_equation("float32"):
            pass
