"""Sequence layers (Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dense on sequences, Conv1D and the
1-D poolings) against real Keras (float64 at 1e-12):
a table of odd configurations built in Keras and brought over with from_keras, the same built in
scratchnet and sent with to_keras, each checked on the forward pass, the loss, every parameter
gradient and the input gradient (backprop through time); dropout masks drawn as Keras draws
them; 20 lockstep training steps; float32 at the float32 tier; edge cases; refusals."""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from reference_keras import keras
from scratchnet.gradcheck import relative_error
from scratchnet.layers import GRU, LSTM, Affine, Bidirectional, Conv1D, Embedding, Flatten, SimpleRNN, Tanh
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import SGD, Adam, RMSprop

F64_TOL = 1e-12  # the float64 tier: a few ulps measured (see the report of `worst_errors`)
# float32: one ulp is 6e-8; T steps of recurrence chain T products, and the gradient is a sum over
# them, so round-off grows with T. With T <= 7 and moderate weights 1e-5 (outputs, loss) and 1e-4
# (gradients), the project's float32 tier, hold with one to two orders of magnitude to spare.
F32_TOL = {"forward": 1e-5, "loss": 1e-5, "gradient": 1e-4}


def keras_sequential(layers, input_shape, input_dtype=None, dtype="float64"):
    """A built keras.Sequential in `dtype` whose weights are redrawn from a seeded normal, scaled
    by 0.8 / sqrt(rows) (so tanh and sigmoid work away from saturation and biases are not 0)."""
    with rk.floatx(dtype):
        model = keras.Sequential([keras.Input(input_shape, dtype=input_dtype or dtype), *layers()])
    rng = np.random.default_rng(len(model.weights) + int(np.prod(input_shape)))
    model.set_weights([(rng.normal(size=w.shape) * 0.8 / np.sqrt(w.shape[0] if w.ndim > 1 else 4)).astype(dtype)
                       for w in model.weights])
    return model


L = keras.layers
# One line per case: (Keras layers, per-sample input shape, integer ids or None for float input).
KERAS_CASES = {
    "SimpleRNN relu return_sequences, Flatten": (
        lambda: [L.SimpleRNN(3, activation="relu", return_sequences=True), L.Flatten(), L.Dense(2)], (4, 3), None),
    "SimpleRNN linear, no bias, go_backwards": (
        lambda: [L.SimpleRNN(4, activation="linear", use_bias=False, go_backwards=True), L.Dense(3)], (5, 2), None),
    "LSTM go_backwards": (lambda: [L.LSTM(5, go_backwards=True), L.Dense(3)], (6, 3), None),
    "LSTM sigmoid/tanh swapped, no bias, sequences": (
        lambda: [L.LSTM(4, activation="sigmoid", recurrent_activation="tanh", use_bias=False,
                        return_sequences=True), L.Flatten(), L.Dense(2)], (3, 5), None),
    "LSTM unit_forget_bias=False, relu": (
        lambda: [L.LSTM(3, activation="relu", unit_forget_bias=False), L.Dense(2)], (5, 4), None),
    "LSTM one time step": (lambda: [L.LSTM(6), L.Dense(2)], (1, 3), None),
    "LSTM one unit, one feature": (lambda: [L.LSTM(1, return_sequences=True), L.Flatten(), L.Dense(2)], (7, 1), None),
    "GRU reset_after=False": (lambda: [L.GRU(6, reset_after=False), L.Dense(3)], (5, 4), None),
    "GRU go_backwards sequences into LSTM": (
        lambda: [L.GRU(3, go_backwards=True, return_sequences=True), L.LSTM(2), L.Dense(2)], (4, 3), None),
    "GRU reset_after=False, no bias, linear, go_backwards": (
        lambda: [L.GRU(4, reset_after=False, use_bias=False, activation="linear", go_backwards=True),
                 L.Dense(2)], (6, 2), None),
    "Dense(tanh) on (N, T, D) first, then SimpleRNN": (
        lambda: [L.Dense(4, activation="tanh"), L.SimpleRNN(3), L.Dense(2)], (5, 3), None),
    "LSTM sequences into Dense per step, Flatten": (
        lambda: [L.LSTM(3, return_sequences=True), L.Dense(2), L.Flatten(), L.Dense(3)], (4, 2), None),
    "LSTM sequences into TimeDistributed(Dense)": (
        lambda: [L.LSTM(3, return_sequences=True), L.TimeDistributed(L.Dense(2, activation="tanh")), L.Flatten(),
                 L.Dense(3)], (4, 2), None),
    "Embedding, GRU reset_after=False go_backwards": (
        lambda: [L.Embedding(9, 4), L.GRU(5, reset_after=False, go_backwards=True), L.Dense(3)], (6,), "int32"),
    "Embedding, LSTM sequences, SimpleRNN": (
        lambda: [L.Embedding(7, 3), L.LSTM(4, return_sequences=True), L.SimpleRNN(3), L.Dense(4)], (5,), "int32"),
    "Embedding on a float Input": (lambda: [L.Embedding(6, 2), L.LSTM(3), L.Dense(2)], (4,), "float64"),
    "LSTM dropout and recurrent_dropout": (
        lambda: [L.LSTM(4, dropout=0.3, recurrent_dropout=0.25, seed=5), L.Dense(3)], (5, 3), None),
    "GRU dropout only (one shared mask)": (lambda: [L.GRU(4, dropout=0.4, seed=6), L.Dense(3)], (5, 3), None),
    "GRU reset_after=False, both dropouts, go_backwards": (
        lambda: [L.GRU(3, reset_after=False, dropout=0.2, recurrent_dropout=0.5, go_backwards=True, seed=7),
                 L.Dense(2)], (4, 2), None),
    "Bidirectional LSTM, concat": (lambda: [L.Bidirectional(L.LSTM(3)), L.Dense(2)], (5, 3), None),
    "Bidirectional GRU reset_after=False sequences, sum": (
        lambda: [L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False), merge_mode="sum"), L.Flatten(),
                 L.Dense(2)], (4, 2), None),
    "Bidirectional SimpleRNN mul into Bidirectional LSTM ave": (
        lambda: [L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode="mul"),
                 L.Bidirectional(L.LSTM(2), merge_mode="ave"), L.Dense(2)], (5, 3), None),
    "Embedding, Bidirectional LSTM with both dropouts": (
        lambda: [L.Embedding(8, 3), L.Bidirectional(L.LSTM(3, dropout=0.3, recurrent_dropout=0.2, seed=4)),
                 L.Dense(3)], (5,), "int32"),
    "Bidirectional with its own backward layer": (
        lambda: [L.Bidirectional(L.GRU(3, return_sequences=True),
                                 backward_layer=L.GRU(3, go_backwards=True, return_sequences=True, activation="relu")),
                 L.LSTM(2), L.Dense(2)], (4, 3), None),
    "Conv1D relu, MaxPooling1D, Flatten": (
        lambda: [L.Conv1D(4, 3, activation="relu"), L.MaxPooling1D(2), L.Flatten(), L.Dense(2)], (9, 3), None),
    "Conv1D strides 2 same, AveragePooling1D same, GlobalMaxPooling1D": (
        lambda: [L.Conv1D(3, 2, strides=2, padding="same"), L.AveragePooling1D(3, strides=1, padding="same"),
                 L.GlobalMaxPooling1D(), L.Dense(2)], (7, 2), None),
    "Embedding, Conv1D same tanh, GlobalAveragePooling1D": (
        lambda: [L.Embedding(9, 4), L.Conv1D(5, 3, padding="same", activation="tanh"), L.GlobalAveragePooling1D(),
                 L.Dense(3)], (8,), "int32"),
    "Conv1D, MaxPooling1D same, LSTM": (
        lambda: [L.Conv1D(4, 2), L.MaxPooling1D(2, padding="same"), L.LSTM(3), L.Dense(2)], (6, 2), None),
    "Embedding of 13 ids into 1 feature, SimpleRNN go_backwards sequences, Conv1D strides 2": (
        lambda: [L.Embedding(13, 1), L.SimpleRNN(5, go_backwards=True, return_sequences=True),
                 L.Conv1D(3, 2, strides=2), L.GlobalMaxPooling1D(), L.Dense(4)], (7,), "int32"),
    "SimpleRNN both dropouts, sequences": (
        lambda: [L.SimpleRNN(3, dropout=0.5, recurrent_dropout=0.3, return_sequences=True, seed=8), L.Flatten(),
                 L.Dense(2)], (4, 3), None),
}


def batch(input_shape, ids, n, seed, n_classes, vocabulary=6):
    rng = np.random.default_rng(seed)
    if ids:
        x = rng.integers(0, vocabulary, size=(n, *input_shape))
    else:
        x = rng.normal(size=(n, *input_shape))
    return x, rng.integers(0, n_classes, n)


def twin_errors(model, keras_model, x, t, dtype="float64"):
    """{what: relative error} for the prediction, the loss, each parameter gradient and (float
    input) the input gradient; both sides make the same sequence of calls, so recurrent dropout
    counters stay in step (checked)."""
    loss = rk.keras_loss(SoftmaxCrossEntropy(), "sparse", dtype=dtype)
    errors = {"forward": relative_error(model.predict(x), list(rk.forward_trace(keras_model, x).values())[-1])}
    keras_value, keras_grads = rk.loss_and_gradients(keras_model, loss, x, t)
    errors["loss"] = abs(model.backprop(x, t) - keras_value) / abs(keras_value)
    assert len(keras_grads) == len(model.grads)
    for (key, ours), theirs in zip(model.grads.items(), keras_grads.values()):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.dtype(dtype), key
        errors[f"gradient {key}"] = relative_error(ours, theirs)
    if not model.takes_integers:
        theirs = rk.input_gradient(keras_model, x, t, loss)
        errors["gradient of the input"] = relative_error(model.input_gradient(x, t), theirs)
    counters = [layer.counter for layer in model.layers if hasattr(layer, "counter") and layer.training_aware]
    counters += [sub.counter for layer in model.layers if hasattr(layer, "backward_layer") and layer.training_aware
                 for sub in (layer.forward_layer, layer.backward_layer)]
    recurrent = [sub for layer in keras_model.layers for sub in
                 ((layer,) if hasattr(layer, "cell") else (layer.forward_layer, layer.backward_layer)
                  if hasattr(layer, "backward_layer") else ())]
    keras_counters = [int(layer.cell.seed_generator.state.numpy()[1]) for layer in recurrent
                      if layer.cell.dropout or layer.cell.recurrent_dropout]
    assert counters == keras_counters and (not counters or min(counters) > 0)
    return errors


def model_and_batch(case, dtype="float64", n=3, seed=0):
    layers, input_shape, ids = KERAS_CASES[case]
    keras_model = keras_sequential(layers, input_shape, ids, dtype)
    x, t = batch(input_shape, ids, n, seed, keras_model.output_shape[-1])
    return keras_model, x.astype(dtype) if not ids else x, t


# -- built in Keras, brought over with from_keras ------------------------------------------------
@pytest.mark.parametrize("case", KERAS_CASES)
def test_keras_models_come_over_with_from_keras_and_agree_in_float64(case):
    keras_model, x, t = model_and_batch(case)
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    errors = twin_errors(model, keras_model, x, t)
    assert max(errors.values()) <= F64_TOL, errors


@pytest.mark.parametrize("case", KERAS_CASES)
def test_scratchnet_models_sent_with_to_keras_agree_layer_by_layer(case):
    """The model from_keras made, sent back with to_keras: the same weights and settings, and
    every layer's output (training mode where there is dropout) agrees with its Keras twin."""
    keras_model, x, t = model_and_batch(case, seed=1)
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    twin = rk.to_keras(model)
    assert rk.from_keras(twin).config() == model.config()
    for a, b in zip(twin.get_weights(), model.get_weights()):
        assert np.array_equal(a, b)
    training = any(layer.training_aware for layer in model.layers)
    with rk.state_preserved(twin), model.frozen_state():
        ours, theirs = model.forward_trace(x, training=training), rk.forward_trace(twin, x, training=training)
    assert list(ours) == list(theirs)
    for name in ours:
        assert relative_error(ours[name], theirs[name]) <= F64_TOL, name
    errors = twin_errors(model, twin, x, t)
    assert max(errors.values()) <= F64_TOL, errors


def _scratchnet_stack(seed, dtype="float64"):
    """A seeded scratchnet-built stack: an optional Embedding, one or two recurrent layers of
    random kinds and options, an Affine (per step when sequences remain, then Flatten), and
    another Affine; weights redrawn so biases are not zero."""
    rng = np.random.default_rng(seed)
    steps, features = int(rng.integers(1, 7)), int(rng.integers(1, 5))
    layers, ids, shape = [], seed % 3 == 0, (steps, features)
    if ids:
        layers.append(Embedding.initialize(8, features, rng, dtype, input_shape=(steps,)))
    kinds = [(SimpleRNN, {}), (LSTM, {}), (GRU, {}), (GRU, {"reset_after": False})]
    for depth in range(1 + seed % 2):
        cls, options = kinds[int(rng.integers(len(kinds)))]
        options = {**options, "go_backwards": bool(rng.integers(2)), "use_bias": bool(seed % 5),
                   "return_sequences": depth == 0 and seed % 2 == 1 or bool(rng.integers(2)),
                   "activation": ["tanh", "relu", "sigmoid", "linear"][int(rng.integers(4))]}
        if not layers:
            options["input_shape"] = (steps, features)
        units = int(rng.integers(1, 6))
        layer = cls.initialize(features, units, rng, dtype, **options)
        for key, value in layer.params.items():
            value[...] = rng.normal(size=value.shape) * 0.8 / np.sqrt(value.shape[0] if value.ndim > 1 else 4)
        layers.append(layer)
        features, shape = units, layer.output_shape(shape)
    if len(shape) == 2:
        layers += [Affine(rng.normal(size=(features, 3)).astype(dtype), rng.normal(size=3).astype(dtype)), Tanh(),
                   Flatten()]
        shape = (shape[0] * 3,)
    layers.append(Affine(rng.normal(size=(shape[0], 4)).astype(dtype), rng.normal(size=4).astype(dtype)))
    model = scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype)
    x, t = batch((steps,) if ids else (steps, layers[0].input_dim), ids, int(rng.integers(1, 5)), seed, 4, 8)
    return model, x if ids else x.astype(dtype), t


@pytest.mark.parametrize("seed", range(12))
def test_random_scratchnet_stacks_agree_with_their_keras_twin(seed):
    model, x, t = _scratchnet_stack(seed)
    errors = twin_errors(model, rk.to_keras(model), x, t)
    assert max(errors.values()) <= F64_TOL, errors


@pytest.mark.parametrize("case", ["LSTM go_backwards", "GRU reset_after=False", "Embedding, LSTM sequences, SimpleRNN",
                                  "LSTM dropout and recurrent_dropout", "SimpleRNN relu return_sequences, Flatten"])
def test_float32_agrees_at_the_float32_tier(case):
    keras_model, x, t = model_and_batch(case, dtype="float32", n=4)
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    assert model.dtype == np.float32
    for what, error in twin_errors(model, keras_model, x, t, "float32").items():
        assert error <= F32_TOL[what.split()[0]], (what, error)


# -- lockstep training ----------------------------------------------------------------------------
def _lockstep(model, keras_model, optimizer, x, t, steps=20, batch_size=4, compiled_chunks=False):
    """(largest relative loss difference, largest weight drift) over `steps` steps in lockstep:
    scratchnet's backprop + optimizer beside reference_keras's train_step (or train_steps)."""
    keras_optimizer = rk.keras_optimizer(optimizer, keras_model)
    rng = np.random.default_rng(0)
    batches = [rng.permutation(len(x))[:batch_size] for _ in range(steps)]
    if compiled_chunks:
        keras_steps = rk.train_steps(keras_model, keras_optimizer, x, t, batches, read_weights_at=range(1, steps + 1))
    else:
        keras_steps = ((i, rk.train_step(keras_model, keras_optimizer, x[b], t[b]), None)
                       for i, b in enumerate(batches, 1))
    loss_difference = drift = 0.0
    for b, (_, keras_value, keras_weights) in zip(batches, keras_steps):
        value = model.backprop(x[b], t[b])
        optimizer.update(model.params, model.grads)
        loss_difference = max(loss_difference, abs(value - keras_value) / abs(keras_value))
        keras_weights = keras_weights if keras_weights is not None else keras_model.get_weights()
        drift = max(drift, max(relative_error(a, b) for a, b in zip(model.get_weights(), keras_weights)))
    return loss_difference, drift


SGD_MOMENTUM = lambda: SGD(0.2, momentum=0.9, float32_hyperparams=True)  # noqa: E731
ADAM = lambda: Adam(0.02, float32_hyperparams=True)  # noqa: E731
LOCKSTEP_CASES = {"LSTM go_backwards": ADAM, "GRU reset_after=False": SGD_MOMENTUM,
                  "Embedding, GRU reset_after=False go_backwards": ADAM,
                  "Embedding, LSTM sequences, SimpleRNN": SGD_MOMENTUM, "LSTM dropout and recurrent_dropout": ADAM,
                  "GRU reset_after=False, both dropouts, go_backwards": SGD_MOMENTUM,
                  "LSTM sequences into TimeDistributed(Dense)": ADAM,
                  "Embedding, Bidirectional LSTM with both dropouts": SGD_MOMENTUM,
                  "Embedding of 13 ids into 1 feature, SimpleRNN go_backwards sequences, Conv1D strides 2": ADAM}


@pytest.mark.parametrize("case", LOCKSTEP_CASES)
def test_keras_built_models_train_20_steps_in_lockstep(case):
    """SGD with momentum or Adam, through train_step or (GRU cases) train_steps' compiled chunks."""
    keras_model, x, t = model_and_batch(case, n=16, seed=2)
    keras_model.scratchnet_dense_gradients = True  # an Embedding's gradient dense, as scratchnet's (see below)
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    keras_model.scratchnet_loss = rk.keras_loss(SoftmaxCrossEntropy(), dtype="float64")
    loss_difference, drift = _lockstep(model, keras_model, LOCKSTEP_CASES[case](), x, t, compiled_chunks="GRU" in case)
    assert loss_difference <= F64_TOL and drift <= F64_TOL, (loss_difference, drift)


@pytest.mark.parametrize("seed", [3, 7])
def test_scratchnet_built_stacks_train_20_steps_in_lockstep(seed):
    model, x, t = _scratchnet_stack(seed)
    x, t = np.concatenate([x] * 4), np.concatenate([t] * 4)
    keras_model = rk.to_keras(model, dense_gradients=True)
    loss_difference, drift = _lockstep(model, keras_model, RMSprop(0.01), x, t, compiled_chunks=True)
    assert loss_difference <= F64_TOL and drift <= F64_TOL, (loss_difference, drift)


def test_keras_updates_an_embedding_per_occurrence_of_an_id_unless_made_dense():
    """Keras 3 hands the optimizer an Embedding's gradient as IndexedSlices and squares them one
    occurrence at a time: with an id repeated in the batch, Adam's second moment for that row is
    the sum of squared rows, not the square of their sum, so Keras's own update departs from the
    dense one. SGD is linear: the same either way (also checked), and so is Adam when no id
    repeats within a batch."""
    def run(dense, optimizer, repeated):
        keras_model = keras_sequential(lambda: [L.Embedding(10, 3), L.SimpleRNN(2), L.Dense(2)], (4,), "int32")
        model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
        keras_model.scratchnet_loss = rk.keras_loss(SoftmaxCrossEntropy(), dtype="float64")
        keras_model.scratchnet_dense_gradients = dense
        x = np.array([[1, 1, 2, 3], [4, 1, 5, 6]]) if repeated else np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
        return _lockstep(model, keras_model, optimizer, x, np.array([0, 1]), steps=5, batch_size=2)

    assert max(run(False, SGD(0.5, momentum=0.5, float32_hyperparams=True), True)) <= F64_TOL
    assert max(run(False, Adam(0.05, float32_hyperparams=True), False)) <= F64_TOL
    assert run(False, Adam(0.05, float32_hyperparams=True), True)[1] > 1e-3  # Keras's per-occurrence squares
    assert max(run(True, Adam(0.05, float32_hyperparams=True), True)) <= F64_TOL


# -- edge cases -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_the_state_starts_at_zero(cls):
    """Zero inputs, zero biases: every step's output is exactly 0 on both sides (tanh(0) = 0 and
    the gates' 0.5 multiply zeros), which any nonzero initial state would break."""
    layer = cls.initialize(3, 4, np.random.default_rng(0), np.float64, return_sequences=True, input_shape=(5, 3))
    if layer.use_bias:
        layer.params["b"][...] = 0
    model = scratchnet.Sequential([layer, Flatten(), Affine(np.ones((20, 2)), np.zeros(2))], SoftmaxCrossEntropy())
    x = np.zeros((2, 5, 3))
    trace = rk.forward_trace(rk.to_keras(model), x)
    assert np.all(model.forward_trace(x)[layer.name] == 0) and np.all(trace[layer.name] == 0)


def test_one_time_step_is_one_cell_step_in_keras_gate_order():
    """T = 1, c_prev = 0: h = o * tanh(i * g) with the blocks i, f, c, o of Keras's kernel, so
    changing the forget block changes nothing at T = 1 and something at T = 2."""
    rng = np.random.default_rng(4)
    layer = LSTM(rng.normal(size=(3, 8)), rng.normal(size=(2, 8)), rng.normal(size=8), return_sequences=True)
    x = rng.normal(size=(2, 2, 3))
    z = x[:, 0] @ layer.params["Wx"] + layer.params["b"]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expected = sig(z[:, 6:]) * np.tanh(sig(z[:, :2]) * np.tanh(z[:, 4:6]))
    np.testing.assert_allclose(layer.forward(x[:, :1])[:, 0], expected, rtol=1e-14)
    before = layer.forward(x)
    layer.params["Wx"][:, 2:4] += 1.0  # the forget block
    after = layer.forward(x)
    assert np.array_equal(after[:, 0], before[:, 0]) and not np.allclose(after[:, 1], before[:, 1])


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_each_step_sees_only_the_steps_read_before_it(cls, go_backwards):
    """T = 1 vs many: output step k of a sequence run equals the last output of a run on the first
    k + 1 steps read (the last ones when reading backwards); a batch of one equals its row."""
    rng = np.random.default_rng(5)
    layer = cls.initialize(2, 3, rng, np.float64, return_sequences=True, go_backwards=go_backwards)
    x = rng.normal(size=(4, 6, 2))
    full = layer.forward(x)
    for k in range(6):
        part = x[:, 5 - k:] if go_backwards else x[:, :k + 1]
        np.testing.assert_allclose(layer.forward(part)[:, -1], full[:, k], rtol=1e-13)
    np.testing.assert_allclose(layer.forward(x[2:3])[0], full[2], rtol=1e-13)


@pytest.mark.parametrize("case", ["LSTM go_backwards", "Embedding, GRU reset_after=False go_backwards",
                                  "GRU dropout only (one shared mask)"])
def test_a_batch_of_one_agrees(case):
    keras_model, x, t = model_and_batch(case, n=1)
    errors = twin_errors(rk.from_keras(keras_model, loss=SoftmaxCrossEntropy()), keras_model, x, t)
    assert max(errors.values()) <= F64_TOL, errors


def test_dropout_masks_are_drawn_on_inference_calls_too_as_keras_does():
    keras_model = keras_sequential(lambda: [L.LSTM(3, dropout=0.5, recurrent_dropout=0.5, seed=3), L.Dense(2)], (4, 2))
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    x = np.random.default_rng(0).normal(size=(3, 4, 2))
    model.predict(x)
    keras_model(x, training=False)
    assert model.layers[0].counter == 8 == int(keras_model.layers[0].cell.seed_generator.state.numpy()[1])
    np.testing.assert_allclose(model.predict(x), keras_model(x, training=False), rtol=1e-13)  # inference: no mask
    with model.frozen_state():
        model.loss(x, np.array([0, 1, 0]))
    assert model.layers[0].counter == 16


@pytest.mark.parametrize("layers", [lambda: [L.GlobalMaxPooling1D(), L.Dense(2)],
                                    lambda: [L.MaxPooling1D(2, strides=1), L.Flatten(), L.Dense(2)]],
                         ids=["GlobalMaxPooling1D shares", "MaxPooling1D picks the first"])
def test_tied_maxima_get_kerass_gradient(layers):
    """Ties: Keras's GlobalMaxPooling1D (reduce_max) shares a channel's gradient equally among the
    tied steps; MaxPooling1D sends each window's to its first maximum."""
    keras_model = keras_sequential(layers, (4, 2))
    x = np.array([[[1.0, 2], [3, 2], [3, 0], [-1, 2]]])
    errors = twin_errors(rk.from_keras(keras_model, loss=SoftmaxCrossEntropy()), keras_model, x, np.array([1]))
    assert max(errors.values()) <= F64_TOL, errors


def test_a_lone_layer_and_its_keras_twin_give_the_same_vector_jacobian_products():
    """keras_layer builds a lone recurrent, Embedding, Conv1D or Bidirectional layer for any number
    of time steps; layer_vjp's products agree with backward's."""
    rng = np.random.default_rng(8)
    layers = [LSTM.initialize(3, 4, rng, np.float64, go_backwards=True),
              GRU.initialize(3, 4, rng, np.float64, reset_after=False, return_sequences=True),
              Embedding.initialize(7, 3, rng, np.float64), Conv1D(rng.normal(size=(2, 3, 4)), np.zeros(4)),
              Bidirectional(SimpleRNN.initialize(3, 2, rng, np.float64),
                            SimpleRNN.initialize(3, 2, rng, np.float64, go_backwards=True), "ave")]
    for layer in layers:
        x = rng.integers(0, 7, (2, 5)) if layer.takes_integers else rng.normal(size=(2, 5, 3))
        dout = rng.normal(size=layer.forward(x).shape)
        y, dx, grads = rk.layer_vjp(rk.keras_layer(layer), x, dout)
        assert relative_error(layer.forward(x), y) <= F64_TOL
        ours_dx = layer.backward(dout, need_dx=not layer.takes_integers)
        assert (dx is None) if layer.takes_integers else relative_error(ours_dx, dx) <= F64_TOL
        for ours, theirs in zip(layer.grads.values(), grads, strict=True):
            assert relative_error(ours, theirs) <= F64_TOL, layer


# -- what has no equivalent -------------------------------------------------------------------------
REFUSED = {
    "return_state": (lambda: [L.LSTM(3, return_state=True)], (4, 2), "return_state=True"),
    "stateful": (lambda: [L.GRU(3, stateful=True)], (4, 2), "stateful=True"),
    "mask_zero": (lambda: [L.Embedding(5, 2, mask_zero=True), L.LSTM(2)], (4,), "mask_zero"),
    "hard_sigmoid": (lambda: [L.LSTM(2, recurrent_activation="hard_sigmoid")], (3, 2), "hard_sigmoid"),
    "recurrent_regularizer": (lambda: [L.SimpleRNN(2, recurrent_regularizer="l2")], (3, 2), "recurrent_regularizer"),
    "causal Conv1D": (lambda: [L.Conv1D(2, 2, padding="causal")], (5, 2), "causal"),
    "GlobalAveragePooling1D keepdims": (lambda: [L.GlobalAveragePooling1D(keepdims=True)], (5, 2), "keepdims"),
    "Bidirectional merge_mode=None": (lambda: [L.Bidirectional(L.LSTM(2), merge_mode=None)], (3, 2), "merge_mode=None"),
    "TimeDistributed(Flatten)": (lambda: [L.TimeDistributed(L.Dense(2)), L.TimeDistributed(L.Flatten())], (3, 2),
                                 "wraps Flatten"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_from_keras_refuses_what_scratchnet_has_no_equivalent_for(case):
    layers, shape, message = REFUSED[case]
    with rk.floatx("float64"):
        dtype = "int32" if len(shape) == 1 else "float64"
        keras_model = keras.Sequential([keras.Input(shape, batch_size=2, dtype=dtype),  # stateful=True needs it
                                        *layers()])
    with pytest.raises(rk.UnsupportedLayerError, match=message):
        rk.from_keras(keras_model)


def test_integer_inputs_are_checked_on_both_sides():
    keras_model = keras_sequential(lambda: [L.Embedding(5, 2), L.SimpleRNN(2), L.Dense(2)], (3,), "int32")
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    loss = rk.keras_loss(SoftmaxCrossEntropy(), dtype="float64")
    ids, t = np.array([[0, 4, 2]]), np.array([1])
    with pytest.raises(TypeError, match="integer ids"):
        model.predict(ids.astype(np.float64))
    with pytest.raises(TypeError, match="integer"):
        rk.forward_trace(keras_model, ids.astype(np.float64))
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        model.predict(ids + 1)
    with pytest.raises(TypeError, match="no gradient"):
        model.input_gradient(ids, t)
    with pytest.raises(TypeError, match="no gradient"):
        rk.input_gradient(keras_model, ids, t, loss)
    assert model.dtype == np.float64 and model.takes_integers
    np.testing.assert_allclose(model.predict(ids.astype(np.uint8)), keras_model(ids), rtol=1e-13)
