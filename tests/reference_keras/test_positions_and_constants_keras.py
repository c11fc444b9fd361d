"""Keras models whose output has positions (N, T, K) and models with an adapted Normalization,
against scratchnet in float64: the loss reduces every position as a sample (with each sample's
weight on each of its positions), gradients agree at 1e-12, and a 20-step lockstep compares only
the weights scratchnet holds (`twin_weights` leaves out the adapted statistics)."""
import numpy as np
import pytest

import reference_keras as rk
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks
from reference_keras import keras, tf
from scratchnet.losses import positions_as_rows
from scratchnet.optimizers import Adam

# (id, Keras loss, targets for an output (N, T, K) drawn from rng)
POSITION_CASES = [
    ("mse, targets like the output", lambda: keras.losses.MeanSquaredError(dtype="float64"),
     lambda rng, shape: rng.normal(size=shape)),
    ("sparse cce from logits, labels (N, T)",
     lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64"),
     lambda rng, shape: rng.integers(0, shape[-1], size=shape[:-1])),
    ("huber, reduction sum", lambda: keras.losses.Huber(reduction="sum", dtype="float64"),
     lambda rng, shape: rng.normal(size=shape) * 2),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", POSITION_CASES, ids=[c[0] for c in POSITION_CASES])
def test_a_loss_on_positions_reduces_each_as_a_sample(case, weighted):
    _, keras_loss, targets = case
    rng = np.random.default_rng(23)
    with rk.floatx("float64"):
        keras.utils.set_random_seed(23)
        km = keras.Sequential([keras.Input((5, 3)), keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(4)])
    x, t = rng.normal(size=(7, 5, 3)), targets(rng, (7, 5, 4))
    w = rng.random((7, 1)) * 2 if weighted else None  # Keras broadcasts a column over T (a (N,) vector it refuses)
    ours = rk.from_keras(km, loss=rk.scratchnet_loss(keras_loss()))
    with tf.GradientTape() as tape:  # Keras's own call: loss(t, y, sample_weight) as fit makes it
        value = keras_loss()(t, km(x, training=True), sample_weight=w)
    grads = [np.asarray(g) for g in tape.gradient(value, km.trainable_variables)]
    assert ours.loss(x, t, sample_weight=w) == pytest.approx(float(value), rel=1e-12)
    for (name, g), theirs in zip(ours.gradient(x, t, sample_weight=w).items(), grads):
        np.testing.assert_allclose(g, theirs, rtol=1e-12, atol=1e-14 * np.abs(theirs).max(), err_msg=name)


def test_positions_as_rows_refuses_targets_of_another_shape():
    t, w = positions_as_rows((2, 3, 4), np.zeros((2, 3)), np.array([1.0, 2.0]))
    assert t.shape == (6,) and list(w) == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match=r"the output has shape \(2, 3, 4\); expected targets of that shape or "
                                         r"labels of shape \(2, 3\), got \(2, 4\)"):
        positions_as_rows((2, 3, 4), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"sample_weight must have one weight per sample, shape \(2,\), got \(6,\)"):
        positions_as_rows((2, 3, 4), np.zeros((2, 3, 4)), np.ones(6))


def test_an_adapted_normalization_trains_in_lockstep():
    """TensorFlow's regression tutorial: Normalization adapted to the data, then Dense layers,
    Adam. Keras keeps the statistics as (non-trainable) variables, scratchnet as constants."""
    rng = np.random.default_rng(5)
    x = rng.normal(loc=3.0, scale=2.0, size=(40, 4))
    with rk.floatx("float64"):
        keras.utils.set_random_seed(5)
        normalizer = keras.layers.Normalization(axis=-1)
        normalizer.adapt(x)
        km = keras.Sequential([keras.Input((4,)), normalizer, keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(1)])
    assert len(km.weights) == len(rk.twin_weights(km)) + 3  # mean, variance, count
    model = rk.from_keras(km, loss="mean_squared_error")
    km.scratchnet_loss = keras.losses.MeanSquaredError(dtype="float64")
    optimizer = Adam(1e-2, float32_hyperparams=True)
    t = x @ rng.normal(size=(4, 1))
    trajectory = run_lockstep(model, km, optimizer, rk.keras_optimizer(optimizer, km), x, t,
                              LockstepPlan(epochs=4, batch_size=8, seed=0), progress=False)
    assert len(trajectory.scratchnet_loss) == 20
    assert all(check.passed for check in trajectory_checks(trajectory, "float64"))
