"""The comparison suite against real Keras: it passes on scratchnet as it is, and it fails,
names the failing checks and diagnoses the difference when a defect is injected."""
import json
import signal
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from comparisons import cli, lockstep, runner
from comparisons.checks import trajectory_checks
from comparisons.lockstep import Trajectory, run_lockstep, weight_drift
from comparisons.scenarios import PRESETS, build_model, build_optimizer, load_data
from comparisons.tolerances import TOLERANCES
from reference_keras import keras_optimizer, to_keras, train_step, training
from scratchnet import Trainer, optimizers
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


def _lockstep_arguments(settings, mnist):
    """(model, keras_model, optimizer, keras_optimizer, x, t) for run_lockstep, fresh."""
    (x, t), _ = mnist
    model = build_model(settings, 784, 10)
    keras_model = to_keras(model)
    optimizer = build_optimizer(settings)
    return model, keras_model, optimizer, keras_optimizer(optimizer, keras_model), x, t


def _lockstep_one_step_at_a_time(model, keras_model, optimizer, keras_opt, x, t, settings, drift_every, log_every):
    """The reference: Keras's train_step called from scratchnet's on_step, one step after the
    other in one thread (run_lockstep before it ran Keras ahead in a thread of its own)."""
    traj, steps_per_epoch = Trajectory(), settings.steps_per_epoch
    new_rates = {(epoch - 1) * steps_per_epoch: rate for epoch, rate in settings.learning_rate_schedule}

    def on_step(step, loss, batch):
        if (step - 1) % log_every == 0:
            traj.logged_steps.append(step)
            traj.scratchnet_batch_accuracy.append(np.mean(model.loss_layer.y.argmax(1) == t[batch]))
            traj.keras_batch_accuracy.append(np.mean(np.asarray(keras_model(x[batch], training=False)).argmax(1)
                                                     == t[batch]))
        traj.keras_loss.append(train_step(keras_model, keras_opt, x[batch], t[batch]))
        if step % drift_every == 0 or step == steps_per_epoch * settings.epochs:
            traj.drift_steps.append(step)
            traj.weight_drift.append(weight_drift(model, keras_model))
        if step in new_rates:
            optimizer.learning_rate = new_rates[step]
            keras_opt.learning_rate.assign(new_rates[step])

    trainer = Trainer(model, optimizer, x, t, epochs=settings.epochs, batch_size=settings.batch_size, seed=settings.seed,
                      sampling=settings.sampling, steps_per_epoch=steps_per_epoch, evaluate=None, progress=False,
                      on_step=on_step)
    with threadpool_limits(lockstep.BLAS_THREADS, user_api="blas"):  # as run_lockstep's scratchnet side
        traj.scratchnet_loss = trainer.fit().step_loss
    return traj


@pytest.mark.parametrize("architecture", ["mlp", "regularized_mlp"])
def test_the_threaded_lockstep_is_the_one_step_at_a_time_lockstep(architecture, mnist, monkeypatch):
    """Keras ahead in its own thread, in chunks of 3 steps (a BatchNormalization model: one step per
    call), changes nothing: every loss, drift, logged batch accuracy and the learning-rate change
    after epoch 1 land at the same steps with the same values, bit for bit."""
    monkeypatch.setattr(training, "CHUNK_STEPS", 3)
    settings = SMALL.with_options(architecture=architecture, epochs=2, steps_per_epoch=8, batch_size=20,
                                  learning_rate_schedule=((2, 0.02),), momentum=0.5)
    threaded = run_lockstep(*_lockstep_arguments(settings, mnist), settings, progress=False, drift_every=3,
                            log_every=5)
    reference = _lockstep_one_step_at_a_time(*_lockstep_arguments(settings, mnist), settings, 3, 5)
    assert threaded.drift_steps == reference.drift_steps == [3, 6, 9, 12, 15, 16]
    assert threaded.logged_steps == reference.logged_steps == [1, 6, 11, 16]
    for name in ("scratchnet_loss", "keras_loss", "weight_drift", "scratchnet_batch_accuracy", "keras_batch_accuracy"):
        assert getattr(threaded, name) == getattr(reference, name), name


def test_a_divergence_inside_a_later_keras_chunk_is_reported_at_its_step(mnist, monkeypatch):
    """Keras runs ahead of scratchnet in chunks (here of 4 steps), yet a defect that starts with
    scratchnet's 13th update is found where it happens: the loss, taken before each update, first
    differs at step 14; the weights at the first drift step from 13 on (every 5th step, and the last)."""
    update = optimizers.SGD._update_one

    def update_wrong_from_13(self, key, param, grad):
        update(self, key, param, grad)
        if self.iterations >= 12:  # defect: updates 13 on scale the weights by 1 + 1e-9
            param *= 1 + 1e-9

    monkeypatch.setattr(optimizers.SGD, "_update_one", update_wrong_from_13)
    monkeypatch.setattr(training, "CHUNK_STEPS", 4)
    settings = SMALL.with_options(steps_per_epoch=23)
    traj = run_lockstep(*_lockstep_arguments(settings, mnist), settings, progress=False, drift_every=5)
    assert len(traj.keras_loss) == len(traj.scratchnet_loss) == 23 and traj.drift_steps == [5, 10, 15, 20, 23]
    loss_check, drift_check = trajectory_checks(traj, "float64")
    assert loss_check.diagnosis == "first exceeds the tolerance at step 14"
    assert drift_check.diagnosis == "first exceeds the tolerance at step 15"
    assert max(traj.weight_drift[:2]) <= 1e-15 and traj.weight_drift[2] > 1e-10  # round-off, then the defect


def test_lockstep_refuses_a_trainer_that_leaves_its_plan(mnist, monkeypatch):
    monkeypatch.setattr(Trainer, "planned_batches", lambda self, plan=Trainer.planned_batches: plan(self)[::-1])
    settings = SMALL.with_options(steps_per_epoch=3)
    with pytest.raises(RuntimeError, match="at step 1 the Trainer's batch is not the one it planned"):
        run_lockstep(*_lockstep_arguments(settings, mnist), settings, progress=False)


def test_an_error_in_the_keras_thread_stops_the_run_as_a_failed_check(mnist, monkeypatch):
    def failing_steps(keras_model, optimizer, x, t, batches, read_weights_at=()):
        yield 1, 2.3, keras_model.get_weights()
        raise ValueError("Keras broke at step 2")

    monkeypatch.setattr(lockstep.reference_keras, "train_steps", failing_steps)
    result = runner.run(SMALL.with_options(steps_per_epoch=5), progress=False, data=mnist)
    stopped = next(c for c in result.checks if c.name == "trajectory (lockstep training)")
    assert not stopped.passed and stopped.diagnosis == "training stopped: Keras broke at step 2"
    assert not [thread for thread in threading.enumerate() if thread.name == "keras lockstep"]


def test_an_error_in_keras_after_the_last_drift_step_is_raised_too(mnist, monkeypatch):
    """No drift step left to raise it at: the run still waits for Keras and raises its error."""
    def failing_steps(keras_model, optimizer, x, t, batches, read_weights_at=()):
        yield 1, 2.3, None
        raise ValueError("Keras broke at step 2")

    monkeypatch.setattr(lockstep.reference_keras, "train_steps", failing_steps)
    settings = SMALL.with_options(steps_per_epoch=5)
    with pytest.raises(ValueError, match="Keras broke at step 2"):
        run_lockstep(*_lockstep_arguments(settings, mnist), settings, progress=False, drift_every=10)


def test_ctrl_c_stops_both_sides_and_leaves_no_thread(mnist, monkeypatch):
    """Ctrl-C during step 3 (Keras ahead, blocked on handing over its weights at every step): the
    Trainer ends the step and raises KeyboardInterrupt, and the Keras thread is gone with it."""
    take_step = Trainer._step

    def step_then_ctrl_c(self, batch, epoch):
        loss = take_step(self, batch, epoch)
        if self.step == 3:
            signal.raise_signal(signal.SIGINT)
        return loss

    monkeypatch.setattr(Trainer, "_step", step_then_ctrl_c)
    monkeypatch.setattr(lockstep, "AHEAD_BYTES", 0)
    settings = SMALL.with_options(steps_per_epoch=30)
    with pytest.raises(KeyboardInterrupt, match="after step 3"):
        run_lockstep(*_lockstep_arguments(settings, mnist), settings, progress=False, drift_every=1)
    assert not [thread for thread in threading.enumerate() if thread.name == "keras lockstep"]


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
