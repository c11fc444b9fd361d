"""The coverage matrix (`python -m comparisons matrix`): its covering design, its rows against
real Keras, and that it fails on the defects it exists to catch (a wrong option in an optimizer,
a wrong fan or scale in an initializer, a wrong axis in a function)."""
import inspect
import json

import numpy as np
import pytest

import scratchnet
from comparisons import cli, matrix, scenarios
from comparisons.core.result import Report
from comparisons.matrix import design, roundtrips, sequences, whole
from comparisons.matrix import rows as matrix_rows
from comparisons.matrix import initializers as initializer_checks
from comparisons.matrix import optimizer_options as option_checks
from comparisons.matrix.design import Row
from scratchnet import initializers, optimizers


def test_covering_design_meets_every_pair_of_levels():
    covering = design.covering_rows()
    covered = set().union(*(design.pairs(row.levels()) for row in covering))
    assert len(covering) == len(design.OPTIMIZER_VARIANTS) * len(design.LOSS_VARIANTS) == 60
    assert design.required_pairs() <= covered
    assert covering == design.covering_rows()  # deterministic


ROWS = [  # (row, what the row must exercise)
    (Row("adam amsgrad", "softmax CE, one-hot, sum", "tanh", True, True, "clipnorm"),
     {"amsgrad", "weight_decay", "L2"}),
    (Row("rmsprop centered", "sigmoid BCE", "sigmoid", False, False, "global_clipnorm"), {"centered"}),
    (Row("sgd nesterov", "MSE", "linear", False, True, "clipvalue"), {"nesterov", "clipvalue"}),
]


@pytest.mark.parametrize("row,options", ROWS, ids=[r.optimizer for r, _ in ROWS])
def test_a_row_agrees_with_keras_and_exercises_its_options(row, options):
    found = matrix_rows.run_row(row, seed=7)
    checks = found.checks
    assert not found.failed and not found.diagnosis, found.failed
    names = " ".join(c.name for c in checks)
    for word in ("forward Affine3", "loss", "gradient W1 (Keras autodiff)", "trajectory weights", "final accuracy"):
        assert word in names
    kinds = {"forward", "loss", "gradient", "numerical", "trajectory", "final", "option_effect"}
    assert kinds == {c.kind for c in checks}
    effects = {c.subject for c in checks if c.kind == "option_effect"}
    assert options <= effects
    assert max(c.value for c in checks if c.kind == "trajectory") <= 1e-13


def test_a_wrong_clip_in_scratchnet_fails_its_row(monkeypatch):
    monkeypatch.setattr(optimizers, "clip_by_norm", lambda grad, clipnorm: grad * clipnorm / np.linalg.norm(grad))
    found = matrix_rows.run_row(Row("sgd momentum", "softmax CE, labels, mean", "relu", False, False, "clipnorm"), 3)
    failed = {c.name for c in found.failed}
    assert "trajectory weights (max drift)" in failed


INITIALIZER_MUTANTS = [  # (what is wrong, attribute to change, value)
    ("He with the fan average", initializers.HeNormal, "mode", "fan_avg"),
    ("He with scale 1", initializers.HeNormal, "scale", 1.0),
    ("Glorot uniform with the input fan", initializers.GlorotUniform, "mode", "fan_in"),
    ("LeCun with fan_out", initializers.LeCunNormal, "mode", "fan_out"),
]


@pytest.mark.parametrize("case,cls,attribute,value", INITIALIZER_MUTANTS, ids=[c[0] for c in INITIALIZER_MUTANTS])
def test_a_wrong_fan_or_scale_fails_the_initializer_checks(monkeypatch, case, cls, attribute, value):
    name = next(key for key, kind in initializers.INITIALIZERS.items() if kind is cls)
    assert all(c.passed for c in initializer_checks.distribution_checks(name, *initializer_checks.draws(name)))
    monkeypatch.setattr(cls, attribute, value)
    assert not all(c.passed for c in initializer_checks.distribution_checks(name, *initializer_checks.draws(name)))


def test_a_missing_truncation_correction_fails(monkeypatch):
    monkeypatch.setattr(initializers, "_TRUNCATED_STD", 1.0)
    checks = initializer_checks.distribution_checks("he_normal", *initializer_checks.draws("he_normal"))
    assert [c.name.split(": ")[1] for c in checks if not c.passed] == [
        "std ratio - 1", "share beyond 2 std (Keras's), difference", "Kolmogorov-Smirnov D", "max |value| ratio - 1"]


def test_a_missing_truncation_with_the_right_variance_fails(monkeypatch):
    """A plain normal of the same variance as Keras's truncated one: only the shape differs."""
    monkeypatch.setattr(initializers, "truncated_normal",
                        lambda rng, shape, std: rng.normal(0.0, std * initializers._TRUNCATED_STD, size=shape))
    checks = initializer_checks.distribution_checks("glorot_normal", *initializer_checks.draws("glorot_normal"))
    failed = {c.name.split(": ")[1] for c in checks if not c.passed}
    assert failed == {"share beyond 2 std (Keras's), difference", "Kolmogorov-Smirnov D", "max |value| ratio - 1"}


def test_ks_statistic():
    assert initializer_checks.ks_statistic([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    assert initializer_checks.ks_statistic([0.0, 1.0], [2.0, 3.0]) == 1.0
    assert initializer_checks.ks_statistic([0.0, 2.0], [1.0, 3.0]) == 0.5


def test_matrix_command_writes_its_report_and_sets_the_exit_status(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(whole, "covering_rows", lambda: [ROWS[2][0]])
    monkeypatch.setattr(sequences, "ROWS", sequences.ROWS[:1])  # one sequence row (the rest: test_sequence_rows)
    assert cli.main(["matrix", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "matrix: PASSED" in out and "Initializers" in out and "functions.log_softmax" in out
    assert "Sequence layers" in out and "SimpleRNN" in out
    report = json.loads((tmp_path / "matrix.json").read_text())
    assert report["passed"] and len(report["rows"]) == 1 and report["rows"][0]["optimizer"] == "sgd nesterov"
    assert "| sgd nesterov" in (tmp_path / "matrix.md").read_text()

    monkeypatch.setattr(initializers.HeNormal, "scale", 1.0)  # a defect: the report fails, fail-fast stops early
    assert cli.main(["matrix", "--out", str(tmp_path), "--fail-fast"]) == 1
    out = capsys.readouterr().out
    assert "matrix: FAILED" in out and "initializer he_normal: std ratio - 1" in out
    assert json.loads((tmp_path / "matrix.json").read_text())["rows"] == []  # stopped before the rows


def test_all_runs_the_matrix_after_the_scenarios(monkeypatch, tmp_path, capsys):
    ran, data_rows = [], {}
    monkeypatch.setattr(scenarios, "run", lambda settings, progress: ran.append(settings.scenario)
                        or data_rows.update({settings.scenario: settings.data_rows})
                        or Report(settings.scenario, dtype=settings.dtype))
    monkeypatch.setattr(matrix, "run", lambda seed, fail_fast: ran.append("matrix")
                        or Report("matrix", dtype="float64"))
    assert cli.main(["all", "--out", str(tmp_path)]) == 0
    assert ran == ["xor", "mnist", "fashion-mnist", "mnist-cnn", "matrix"]
    assert data_rows == {"xor": None, "mnist": None, "fashion-mnist": None, "mnist-cnn": (3000, 3000)}  # its quick form
    assert "matrix: PASSED 0/0 checks (float64)" in capsys.readouterr().out


def test_every_bad_option_is_refused_as_the_table_says(monkeypatch):
    checks, rows = option_checks.validation_checks()
    assert all(c.passed for c in checks) and len(rows) == len(option_checks.CASES)
    monkeypatch.setattr(optimizers, "_flag", lambda owner, name, value: value)  # flags no longer checked
    failed = [c.name for c in option_checks.validation_checks()[0] if not c.passed]
    assert failed == ["options SGD(nesterov=1): refuse", "options Adam(amsgrad=1): refuse",
                      "options RMSprop(centered='yes'): refuse"]


def test_round_trips_pass_and_catch_a_model_that_does_not_convert(monkeypatch):
    cases = matrix_rows.roundtrip_cases(seed=1)[:2]
    checks, rows = roundtrips.roundtrip_checks(cases)
    assert all(c.passed for c in checks) and [r[2] for r in rows] == ["pass", "pass"]
    monkeypatch.setattr(scratchnet.Sequential, "astype", lambda self, dtype: self)
    failed = {c.name.split(": ", 1)[1] for c in roundtrips.roundtrip_checks(matrix_rows.roundtrip_cases(1)[:1])[0]
              if not c.passed}
    assert failed == {"astype(float32) is float32 throughout",
                      "astype(float32).astype(float64) holds the float32-rounded weights"}


def test_every_optimizer_default_is_keras_and_a_wrong_one_fails(monkeypatch):
    checks, rows = option_checks.default_checks()
    assert len(checks) == len(optimizers.OPTIMIZERS) and all(c.passed for c in checks)
    constructor = inspect.unwrap(optimizers.AdamW.__init__)  # under the argument-name check's wrapper
    monkeypatch.setattr(constructor, "__defaults__", (0.001, 1.004, 0.9, 0.999, 1e-7, False))
    failed = [c for c in option_checks.default_checks()[0] if not c.passed]
    assert [c.name for c in failed] == ["options AdamW() defaults are Keras's"]
    assert "'weight_decay': (1.004, 0.004)" in failed[0].diagnosis
