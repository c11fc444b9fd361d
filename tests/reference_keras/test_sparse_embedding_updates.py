"""Keras's optimizers on an Embedding's gradient (TensorFlow's IndexedSlices, one row per
occurrence of an id) against scratchnet's optimizers given the same rows (scratchnet.slices):
each optimizer and clip option, applied by real Keras to a variable, agrees with scratchnet at
round-off in float64, while the dense form (the rows summed first) departs by orders of magnitude
more; and an Embedding -> LSTM -> Dense model trains 20 steps in lockstep with Adam and RMSprop
with Keras's default sparse gradient (no dense_gradients switch) at drift <= 1e-12."""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from reference_keras import keras, tf
from scratchnet.gradcheck import relative_error
from scratchnet.layers import LSTM, Affine, Embedding
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from scratchnet.slices import RowSlices, sum_rows

F64_TOL = 1e-12  # the float64 tier; measured worst here is a few 1e-16 (order of additions only)
# The dense form's departure, when an id repeats: (sum r)**2 vs sum r**2 changes the adaptive
# step by O(1) for those rows, far above any round-off.
DENSE_DEPARTS = 1e-4

ROW_IDS = np.array([1, 1, 2, 1, 4, 2, 0, 4])  # ids 1, 2 and 4 repeat; 3 and 5 are never seen
OPTIMIZERS = {
    "Adam": lambda **o: Adam(0.1, **o), "AdamW": lambda **o: AdamW(0.1, **o), "RMSprop": lambda **o: RMSprop(0.1, **o),
    "RMSprop centered momentum": lambda **o: RMSprop(0.1, momentum=0.5, centered=True, **o),
    "Adagrad": lambda **o: Adagrad(0.1, **o), "SGD momentum": lambda **o: SGD(0.1, momentum=0.5, **o),
    "Adam amsgrad": lambda **o: Adam(0.1, amsgrad=True, **o)}
CLIPS = {"no clip": {}, "clipnorm": {"clipnorm": 0.5}, "clipvalue": {"clipvalue": 0.3},
         "global_clipnorm": {"global_clipnorm": 0.5}}
ADAPTIVE_OR_CLIPPED = ("Adam", "AdamW", "RMSprop", "Adagrad", "clipnorm", "clipvalue")


def _keras_apply(sn_optimizer, w0, steps, rows_at):
    """Keras's optimizer (the twin of `sn_optimizer`) applied `steps` times to a float64 variable,
    with the step's rows as IndexedSlices; the variable after each step."""
    with rk.floatx("float64"):
        variable = keras.Variable(w0.copy(), dtype="float64")
    optimizer = rk.keras_optimizer(sn_optimizer, {"W": w0})
    optimizer.build([variable])
    out = []
    for step in range(steps):
        rows = tf.IndexedSlices(tf.constant(rows_at(step)), tf.constant(ROW_IDS), tf.constant(w0.shape))
        optimizer.apply([rows], [variable])
        out.append(np.array(variable.numpy()))
    return out


def _scratchnet_apply(optimizer, w0, steps, rows_at, sliced):
    w = w0.copy()
    out = []
    for step in range(steps):
        rows = rows_at(step)
        grads = {"W": sum_rows(ROW_IDS, rows, w0.shape[0])}
        optimizer.update({"W": w}, grads, slices={"W": RowSlices(ROW_IDS, rows, w0.shape)} if sliced else None)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_apply_an_embeddings_rows_as_keras_does(name, clip):
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=(6, 3))
    rows = [rng.normal(size=(len(ROW_IDS), 3)) for _ in range(3)]
    make = lambda: OPTIMIZERS[name](float32_hyperparams=True, **CLIPS[clip])  # noqa: E731
    keras_w = _keras_apply(make(), w0, 3, rows.__getitem__)
    sliced = _scratchnet_apply(make(), w0, 3, rows.__getitem__, sliced=True)
    dense = _scratchnet_apply(make(), w0, 3, rows.__getitem__, sliced=False)
    worst = max(relative_error(a, b) for a, b in zip(sliced, keras_w))
    assert worst <= F64_TOL, worst
    dense_gap = max(relative_error(a, b) for a, b in zip(dense, keras_w))
    if clip == "global_clipnorm":  # the global norm counts the rows; its scaling then makes them dense
        assert dense_gap > DENSE_DEPARTS  # (the norm of the rows is not the norm of their sum)
    elif any(word in name or word == clip for word in ADAPTIVE_OR_CLIPPED):
        assert dense_gap > DENSE_DEPARTS, dense_gap
    else:  # SGD without clipping is linear: the rows' sum is all it uses
        assert dense_gap <= F64_TOL, dense_gap


def test_slices_are_checked_before_anything_moves():
    w = np.zeros((4, 2))
    optimizer = Adam(0.1)
    rows = RowSlices(np.array([0, 0]), np.ones((2, 2)), (5, 2))
    with pytest.raises(ValueError, match=r"slices for 'W' are rows of \(5, 2\) float64, parameter has \(4, 2\)"):
        optimizer.update({"W": w}, {"W": np.zeros((4, 2))}, slices={"W": rows})
    with pytest.raises(KeyError, match="slices for 'V', which is not a parameter"):
        optimizer.update({"W": w}, {"W": np.zeros((4, 2))}, slices={"V": rows})
    assert optimizer.iterations == 0 and not w.any()
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 4\), got values from 0 to 4"):
        RowSlices(np.array([0, 4]), np.ones((2, 2)), (4, 2))


def _language_model(seed, vocabulary=11, units=5):
    rng = np.random.default_rng(seed)
    return scratchnet.Sequential([
        Embedding.initialize(vocabulary, 4, rng, np.float64, input_shape=(7,)),
        LSTM.initialize(4, units, rng, np.float64, return_sequences=True),
        Affine(rng.normal(size=(units, vocabulary)) * 0.3, np.zeros(vocabulary))], SoftmaxCrossEntropy())


@pytest.mark.parametrize("optimizer", [lambda: Adam(0.02, float32_hyperparams=True),
                                       lambda: RMSprop(0.01, float32_hyperparams=True)], ids=["Adam", "RMSprop"])
def test_embedding_lstm_trains_20_steps_in_lockstep_with_keras_sparse_gradient(optimizer):
    """Keras's default (IndexedSlices) against the Trainer's path (gradient_slices): every batch
    of 4 sequences of 7 ids from 11 repeats ids, so the dense form would depart (checked too)."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 11, (40, 7))
    t = np.roll(x, -1, axis=1)  # the next id at every step: a language model's targets
    model = _language_model(1)
    keras_model = rk.to_keras(model)
    assert not getattr(keras_model, "scratchnet_dense_gradients", False)  # Keras's own default
    sn_optimizer = optimizer()
    keras_optimizer = rk.keras_optimizer(sn_optimizer, keras_model)
    dense_model, dense_optimizer = _language_model(1), optimizer()
    batches = [rng.permutation(len(x))[:4] for _ in range(20)]
    drift = dense_drift = 0.0
    for b in batches:
        keras_loss = rk.train_step(keras_model, keras_optimizer, x[b], t[b])
        loss = model.backprop(x[b], t[b])
        sn_optimizer.update(model.params, model.grads, slices=model.gradient_slices())
        dense_model.backprop(x[b], t[b])
        dense_optimizer.update(dense_model.params, dense_model.grads)
        assert abs(loss - keras_loss) <= F64_TOL * abs(keras_loss)
        keras_weights = keras_model.get_weights()
        drift = max(drift, max(relative_error(a, b) for a, b in zip(model.get_weights(), keras_weights)))
        dense_drift = max(dense_drift, relative_error(dense_model.get_weights()[0], keras_weights[0]))
    assert drift <= F64_TOL, drift
    assert dense_drift > DENSE_DEPARTS, dense_drift


def test_dense_gradient_embedding_maps_to_keras_dense_gradients_both_ways():
    model = _language_model(2)
    model.layers[0].sparse_gradient = False
    keras_model = rk.to_keras(model)
    assert keras_model.scratchnet_dense_gradients
    back = rk.from_keras(keras_model)
    assert back.layers[0].sparse_gradient is False and "dense gradient" in repr(back.layers[0])
    assert rk.from_keras(rk.to_keras(_language_model(2))).layers[0].sparse_gradient is True
