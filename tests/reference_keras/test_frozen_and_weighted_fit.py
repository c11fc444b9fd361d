"""Training as Keras's own `fit` trains: 20 steps in lockstep, float64, the weights compared after
every step at the tolerance table's 1e-12.

- Keras's transfer-learning pattern: a frozen base (a nested Sequential: Dense without bias,
  BatchNormalization with moved statistics, ReLU) under a trainable head. scratchnet, from
  from_keras, trains exactly Keras's tensors (the head's kernel and bias) and leaves the base,
  moving statistics included, as it is.
- `fit(sample_weight=...)` against Trainer(sample_weight=...), on a softmax output with
  SparseCategoricalCrossentropy on probabilities (both read the logits).

Keras's fit runs with shuffle=False on the rows in the order of the Trainer's planned batches, so
both see the same batches; a callback reads Keras's weights after each batch.
"""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras
from scratchnet.gradcheck import relative_error
from scratchnet.optimizers import SGD

STEPS, BATCH = 20, 10


class _Recorder(keras.callbacks.Callback):
    """Keras's weights after every batch, and the running mean of the loss fit reports."""

    def __init__(self):
        super().__init__()
        self.weights, self.mean_losses = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append(self.model.get_weights())
        self.mean_losses.append(float(logs["loss"]))


def fit_in_lockstep(keras_model, keras_loss, x, t, sample_weight=None):
    """(scratchnet model after training, per-step weights of both, per-step losses of both):
    STEPS steps of Trainer and of Keras's fit on the same batches from the same weights."""
    model = rk.from_keras(keras_model, loss=rk.scratchnet_loss(keras_loss))
    optimizer = SGD(0.05, momentum=0.9, float32_hyperparams=True)
    keras_optimizer = rk.keras_optimizer(optimizer, keras_model)
    ours = []
    trainer = scratchnet.Trainer(model, optimizer, x, t, epochs=1, batch_size=BATCH, seed=3, evaluate=None,
                                 progress=False, sample_weight=sample_weight,
                                 on_step=lambda step, loss, batch: ours.append(model.get_weights()))
    order = np.concatenate(trainer.planned_batches())
    history = trainer.fit()
    recorder = _Recorder()
    with rk.floatx("float64"):
        keras_model.compile(optimizer=keras_optimizer, loss=keras_loss, jit_compile=False)
        keras_model.fit(x[order], t[order], batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[recorder],
                        sample_weight=None if sample_weight is None else sample_weight[order])
    running = np.array(recorder.mean_losses) * np.arange(1, STEPS + 1)  # fit logs the mean so far
    keras_losses = np.diff(running, prepend=0.0)
    return model, ours, recorder.weights, history.step_loss, keras_losses


def _assert_same_trajectory(ours, theirs, our_losses, keras_losses):
    assert len(ours) == len(theirs) == STEPS
    for step, (a, b) in enumerate(zip(ours, theirs), 1):
        drift = max(relative_error(u, v) for u, v in zip(a, b, strict=True))
        assert drift <= 1e-12, f"step {step}: weights differ by {drift:.3g}"
    np.testing.assert_allclose(our_losses, keras_losses, rtol=1e-11)  # fit's running means, unrolled


def _transfer_model(rng):
    with rk.floatx("float64"):
        base = keras.Sequential([keras.layers.Dense(6, use_bias=False), keras.layers.BatchNormalization(),
                                 keras.layers.Activation("relu")], name="base")
        keras_model = keras.Sequential([keras.Input((5,)), base, keras.layers.Dense(3)])
        keras_model(rng.normal(size=(2, 5)))
        batch_norm = base.layers[1]
        batch_norm.moving_mean.assign(rng.normal(size=6))
        batch_norm.moving_variance.assign(rng.random(6) + 0.5)
        base.trainable = False
    return keras_model


def test_a_frozen_base_trains_keras_tensors_only_step_for_step():
    rng = np.random.default_rng(0)
    keras_model = _transfer_model(rng)
    x, t = rng.normal(size=(STEPS * BATCH, 5)), rng.integers(0, 3, STEPS * BATCH)
    initial = keras_model.get_weights()
    keras_loss = rk.keras_loss(scratchnet.losses.SoftmaxCrossEntropy(), "sparse", dtype="float64")
    model, ours, theirs, our_losses, keras_losses = fit_in_lockstep(keras_model, keras_loss, x, t)
    assert list(model.params) == ["W2", "b1"] and len(keras_model.trainable_weights) == 2
    assert list(model.state) == ["W1", "gamma1", "beta1", "moving_mean1", "moving_variance1"]
    _assert_same_trajectory(ours, theirs, our_losses, keras_losses)
    for before, after, keras_after in zip(initial[:5], model.get_weights()[:5], keras_model.get_weights()[:5]):
        np.testing.assert_array_equal(after, before)  # the frozen base, moving statistics included
        np.testing.assert_array_equal(keras_after, before)
    assert not np.array_equal(model.get_weights()[5], initial[5])


def _softmax_model(weights=None):
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                        keras.layers.Dense(3, activation="softmax")])
    if weights is not None:
        keras_model.set_weights(weights)
    return keras_model


def test_sample_weights_train_as_keras_fit_with_sample_weight():
    rng = np.random.default_rng(1)
    keras_model = _softmax_model()
    initial = keras_model.get_weights()
    x, t = rng.normal(size=(STEPS * BATCH, 4)), rng.integers(0, 3, STEPS * BATCH)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], size=STEPS * BATCH)
    with rk.floatx("float64"):
        keras_loss = keras.losses.SparseCategoricalCrossentropy()  # on probabilities: Keras reads the logits
    model, ours, theirs, our_losses, keras_losses = fit_in_lockstep(keras_model, keras_loss, x, t, w)
    assert type(model.layers[-1]).__name__ == "Softmax" and model.reads_logits()
    _assert_same_trajectory(ours, theirs, our_losses, keras_losses)
    unweighted = fit_in_lockstep(_softmax_model(initial), keras_loss, x, t)[1]
    assert relative_error(unweighted[-1][0], ours[-1][0]) > 1e-3  # the weights moved the training
