"""The scenarios against real Keras (comparisons.scenarios.run): a run passes on scratchnet as it
is, and fails, names the failing checks and diagnoses the difference when a defect is injected."""
import threading

import numpy as np
import pytest

from comparisons import scenarios
from comparisons.core import lockstep
from comparisons.scenarios import PRESETS, load_data
from scratchnet import optimizers
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
    result = scenarios.run(SMALL, progress=False, data=mnist)
    assert result.passed, [(c.name, c.value) for c in result.failed]
    names = [c.name for c in result.checks]
    assert names[:3] == ["forward Affine1", "forward ReLU1", "forward Affine2"]
    for expected in ("loss", "gradient W1 (Keras autodiff)", "gradient b2 (Keras autodiff)",
                     "trajectory loss (max over steps)", "trajectory weights (max drift)", "final test accuracy"):
        assert expected in names
    assert sum(name.startswith("gradient") and "numerical" in name for name in names) == 4
    for check in result.checks:
        assert check.value <= check.tolerance
    assert len(result.data["trajectory"].scratchnet_loss) == len(result.data["trajectory"].keras_loss) == 30
    assert result.data["sides"]["scratchnet"]["test_accuracy"] == result.data["sides"]["keras"]["test_accuracy"]


def test_missing_batch_mean_is_diagnosed(mnist, monkeypatch):
    def backward_without_mean(self, dout=1.0):
        dx = self.y.copy()
        dx[np.arange(dx.shape[0]), self.labels] -= 1
        return dx * dout  # defect: no / N

    monkeypatch.setattr(SoftmaxCrossEntropy, "backward", backward_without_mean)
    result = scenarios.run(SMALL, progress=False, data=mnist)
    assert not result.passed
    assert "gradient W2 (Keras autodiff)" in failed_names(result)
    assert "forward Affine1" not in failed_names(result) and "loss" not in failed_names(result)
    grad_w2 = next(c for c in result.checks if c.name == "gradient W2 (Keras autodiff)")
    assert "constant ratio 50 = batch size: missing batch mean" in grad_w2.diagnosis
    text = " ".join(result.diagnosis)
    assert "Affine2's output (from the loss's backward)" in text and "missing batch mean" in text


def test_relu_passing_gradient_where_inactive_is_diagnosed(mnist, monkeypatch):
    monkeypatch.setattr(ReLU, "backward", lambda self, dout: dout.copy())  # defect: ignores the mask
    result = scenarios.run(SMALL, progress=False, data=mnist)
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
    result = scenarios.run(SMALL, progress=False, data=mnist)
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
    result = scenarios.run(settings, progress=False, data=load_data(settings))
    assert not result.passed
    failed = failed_names(result)
    assert "trajectory weights (max drift)" in failed
    assert not any(name.startswith(("forward", "gradient", "loss")) for name in failed)
    drift = next(c for c in result.checks if c.name == "trajectory weights (max drift)")
    assert drift.diagnosis == "first exceeds the tolerance at step 2"  # step 1 has no velocity yet
    assert any("look at the optimizer's update" in line for line in result.diagnosis)


def test_an_error_in_the_keras_thread_stops_the_run_as_a_failed_check(mnist, monkeypatch):
    def failing_steps(keras_model, optimizer, x, t, batches, read_weights_at=()):
        yield 1, 2.3, keras_model.get_weights()
        raise ValueError("Keras broke at step 2")

    monkeypatch.setattr(lockstep.reference_keras, "train_steps", failing_steps)
    result = scenarios.run(SMALL.with_options(steps_per_epoch=5), progress=False, data=mnist)
    stopped = next(c for c in result.checks if c.name == "trajectory (lockstep training)")
    assert not stopped.passed and stopped.diagnosis == "training stopped: Keras broke at step 2"
    assert not [thread for thread in threading.enumerate() if thread.name == "keras lockstep"]


