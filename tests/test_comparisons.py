"""The comparison suite against real Keras: it passes on scratchnet as it is, and it fails,
names the failing checks and diagnoses the difference when a defect is injected."""
import json

import numpy as np
import pytest

from comparisons import cli, runner
from comparisons.scenarios import PRESETS, build_optimizer, load_data
from comparisons.tolerances import TOLERANCES
from scratchnet import optimizers
from scratchnet.initializers import INITIALIZERS
from scratchnet.layers import ACTIVATIONS
from scratchnet.optimizers import OPTIMIZERS
from scratchnet.layers import Affine, ReLU
from scratchnet.losses import SoftmaxCrossEntropy

# A small MNIST run: 784-16-10, 30 lockstep steps, the fixed-batch checks on 50 images. The
# batch size (50) differs from every layer width so a ratio or an axis can only mean one thing.
SMALL = PRESETS["mnist"].with_options(hidden=(16,), steps_per_epoch=30, check_batch=50)


@pytest.fixture(scope="module")
def mnist():
    return load_data(SMALL)


def failed_names(result):
    return [c.name for c in result.failed]


def test_clean_run_passes_every_check_at_the_float64_tolerances(mnist):
    result = runner.run(SMALL, progress=False, data=mnist)
    assert result.passed, [(c.name, c.value) for c in result.failed]
    names = [c.name for c in result.checks]
    assert names[:3] == ["forward Affine1", "forward ReLU1", "forward Affine2"]
    for expected in ("loss", "gradient W1 (Keras autodiff)", "gradient b2 (Keras autodiff)",
                     "trajectory loss (max over steps)", "trajectory weights (max drift)", "final test accuracy"):
        assert expected in names
    assert sum(name.startswith("gradient") and "numerical" in name for name in names) == 4
    for check in result.checks:
        assert check.value <= check.tolerance
    assert len(result.trajectory.scratchnet_loss) == len(result.trajectory.keras_loss) == 30
    assert result.sides["scratchnet"]["test_accuracy"] == result.sides["keras"]["test_accuracy"]


def test_missing_batch_mean_is_diagnosed(mnist, monkeypatch):
    def backward_without_mean(self, dout=1.0):
        dx = self.y.copy()
        dx[np.arange(dx.shape[0]), self.labels] -= 1
        return dx * dout  # defect: no / N

    monkeypatch.setattr(SoftmaxCrossEntropy, "backward", backward_without_mean)
    result = runner.run(SMALL, progress=False, data=mnist)
    assert not result.passed
    assert "gradient W2 (Keras autodiff)" in failed_names(result)
    assert "forward Affine1" not in failed_names(result) and "loss" not in failed_names(result)
    grad_w2 = next(c for c in result.checks if c.name == "gradient W2 (Keras autodiff)")
    assert "constant ratio 50 = batch size: missing batch mean" in grad_w2.diagnosis
    text = " ".join(result.diagnosis)
    assert "Affine2's output (from the loss's backward)" in text and "missing batch mean" in text


def test_relu_passing_gradient_where_inactive_is_diagnosed(mnist, monkeypatch):
    monkeypatch.setattr(ReLU, "backward", lambda self, dout: dout.copy())  # defect: ignores the mask
    result = runner.run(SMALL, progress=False, data=mnist)
    assert not result.passed
    assert {"gradient W1 (Keras autodiff)", "gradient b1 (Keras autodiff)"} <= set(failed_names(result))
    assert "gradient W2 (Keras autodiff)" not in failed_names(result)
    text = " ".join(result.diagnosis)
    assert "Affine1's output (from ReLU1's backward)" in text
    assert "gradient passed where the activation is inactive" in text


def test_bias_gradient_summed_over_the_wrong_axis_is_diagnosed(mnist, monkeypatch):
    def backward_wrong_axis(self, dout, need_dx=True):  # textbook style: rebinds its gradients
        W = self.params["W"]
        self.grads = {"W": self.x.T @ dout, "b": np.sum(dout, axis=1)}  # defect: b summed over units
        return dout @ W.T if need_dx else None

    monkeypatch.setattr(Affine, "backward", backward_wrong_axis)
    result = runner.run(SMALL, progress=False, data=mnist)
    assert not result.passed
    assert {"gradient b1 (Keras autodiff)", "gradient b2 (Keras autodiff)"} <= set(failed_names(result))
    assert "gradient W1 (Keras autodiff)" not in failed_names(result)
    b2 = next(c for c in result.checks if c.name == "gradient b2 (Keras autodiff)")
    assert b2.diagnosis.startswith("shape (50,) vs Keras (10,)")
    assert "summed over the wrong axis" in b2.diagnosis
    assert "training stopped" in next(c for c in result.checks if c.name.startswith("trajectory")).diagnosis


@pytest.mark.parametrize("dtype", ["float64", "float32"])  # float32's loose trajectory bound still catches it
def test_momentum_with_the_wrong_sign_fails_the_trajectory(dtype, monkeypatch):
    def update_wrong_sign(self, key, param, grad):
        v = self._slot("velocity", key, param)
        v *= -self._h(self.momentum)  # defect: the decayed velocity enters with the wrong sign
        v -= self.learning_rate * grad
        param += v

    monkeypatch.setattr(optimizers.SGD, "_update_one", update_wrong_sign)
    settings = SMALL.with_options(momentum=0.9, dtype=dtype)
    result = runner.run(settings, progress=False, data=load_data(settings))
    assert not result.passed
    failed = failed_names(result)
    assert "trajectory weights (max drift)" in failed
    assert not any(name.startswith(("forward", "gradient", "loss")) for name in failed)
    drift = next(c for c in result.checks if c.name == "trajectory weights (max drift)")
    assert drift.diagnosis == "first exceeds the tolerance at step 2"  # step 1 has no velocity yet
    assert any("look at the optimizer's update" in line for line in result.diagnosis)


def test_cli_writes_the_report_files_and_exits_0(tmp_path, capsys):
    status = cli.main(["xor", "--epochs", "50", "--out", str(tmp_path), "--no-progress"])
    assert status == 0
    out = capsys.readouterr().out
    assert "xor: PASSED" in out and "trajectory weights (max drift)" in out
    record = json.loads((tmp_path / "xor.json").read_text())
    assert record["scenario"] == "xor" and record["dtype"] == "float64" and record["passed"] is True
    for check in record["checks"]:
        assert set(check) >= {"name", "value", "tolerance", "passed"} and check["passed"] is True
    for side in ("scratchnet", "keras"):
        assert set(record["sides"][side]) >= {"final_loss", "train_accuracy", "test_accuracy", "seconds"}
    assert record["trajectory"]["steps"] == 50
    markdown = (tmp_path / "xor.md").read_text()
    assert markdown.startswith("# xor: passed") and "## Conventions" in markdown
    for png in ("xor_loss.png", "xor_drift.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_exits_1_when_a_check_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(ReLU, "backward", lambda self, dout: dout.copy())
    assert cli.main(["xor", "--epochs", "5", "--out", str(tmp_path), "--no-progress"]) == 1
    assert json.loads((tmp_path / "xor.json").read_text())["passed"] is False


@pytest.mark.parametrize("argv,message", [
    (["no-such-scenario"], "invalid choice: 'no-such-scenario'"),
    (["mnist", "--optimizer", "nadam"], "invalid choice: 'nadam'"),
    (["mnist", "--activation", "elu"], "invalid choice: 'elu'"),
    (["speed", "--epochs", "3"], "unrecognized arguments: --epochs 3"),
])
def test_cli_usage_errors_are_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_choices_and_optimizer_flags_come_from_the_registries(capsys):
    with pytest.raises(SystemExit):
        cli.main(["mnist", "--help"])
    text = capsys.readouterr().out
    for name in (*OPTIMIZERS, *INITIALIZERS, *ACTIVATIONS):
        assert name in text
    for name, cls in OPTIMIZERS.items():
        for option in cls.options():
            assert f"--{option.replace('_', '-')}" in text
    assert cli.main(["mnist", "--rho", "0.5", "--no-progress"]) == 2  # SGD has no rho: refused, not ignored
    assert ("rho is not an option of sgd (its options: momentum, nesterov, weight_decay, clipnorm, clipvalue, "
            "global_clipnorm)") in capsys.readouterr().err


def test_cli_exits_2_on_missing_data(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for variable in ("SCRATCHNET_CACHE", "KERAS_HOME"):  # no source anywhere
        monkeypatch.setenv(variable, str(empty))
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    assert cli.main(["mnist", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "python -m scratchnet.datasets fetch mnist" in capsys.readouterr().err
    monkeypatch.setenv("SCRATCHNET_DATA", str(empty))  # an explicit folder without the data
    assert cli.main(["mnist", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "python -m scratchnet.datasets fetch mnist" in capsys.readouterr().err


def test_tolerance_table_covers_both_tiers_with_the_same_checks():
    assert TOLERANCES["float64"].keys() == TOLERANCES["float32"].keys()
    assert TOLERANCES["float64"]["gradient"] <= 1e-12 and TOLERANCES["float64"]["accuracy"] == 0.0


def test_cli_takes_the_optimizer_options_and_adamw():
    args = cli.parser().parse_args(["mnist", "--optimizer", "adamw", "--clipnorm", "1", "--amsgrad",
                                    "--learning-rate", "0.001"])
    settings = cli.settings_from(args, "mnist")
    opt = build_optimizer(settings)
    assert type(opt).__name__ == "AdamW" and (opt.clipnorm, opt.amsgrad, opt.weight_decay) == (1.0, True, 0.004)
    shown = settings.as_dict()
    assert (shown["weight_decay"], shown["clipnorm"], shown["clipvalue"]) == (0.004, 1.0, None)  # AdamW's own default
    assert cli.settings_from(cli.parser().parse_args(["mnist"]), "mnist").as_dict()["weight_decay"] is None
    sgd = build_optimizer(cli.settings_from(cli.parser().parse_args(["mnist", "--weight-decay", "0.01",
                                                                     "--global-clipnorm", "5"]), "mnist"))
    assert (sgd.weight_decay, sgd.global_clipnorm) == (0.01, 5.0)


@pytest.mark.parametrize("argv,message", [
    (["mnist", "--clipnorm", "1", "--clipvalue", "1"], "only one of clipnorm, clipvalue and global_clipnorm"),
    (["mnist", "--optimizer", "adam", "--weight-decay", "-1"], "Adam: weight_decay must be a number >= 0"),
    (["mnist", "--optimizer", "adam", "--beta-1", "1"], "Adam: beta_1 must be in [0, 1), got 1.0"),
    (["mnist", "--amsgrad"], "amsgrad is not an option of sgd"),
])
def test_cli_refuses_bad_optimizer_options_in_one_line(argv, message, capsys):
    assert cli.main(argv + ["--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
