"""Conv2D, pooling, Flatten, Dropout and BatchNormalization against real Keras: random stacks and
pinned edge cases agree in float64 to the tolerance table's 1e-12 (forward in both modes, loss,
every parameter gradient, the input gradient), Dropout draws Keras's masks while both sides train
in lockstep (eager and compiled), and to_keras/from_keras round-trip every weight and state bit
for bit."""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks, weight_drift
from reference_keras import keras, tf
from scratchnet import philox
from scratchnet.layers import (Affine, AveragePooling2D, BatchNormalization, Conv2D, Dropout, Flatten,
                               GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, ReLU, Tanh,
                               ZeroPadding2D)
from scratchnet.losses import MeanSquaredError, SoftmaxCrossEntropy
from scratchnet.optimizers import SGD, Adam


def random_stack(seed, dtype="float64"):
    """A seeded random image model: Conv2D (kernel 1-4, strides 1 or 2, valid or same, 1 or 3
    input channels), sometimes BatchNormalization, an activation, a max or average pooling layer
    (pool 1-3, strides 1-2, either padding), sometimes a second Conv2D and a Dropout, then Flatten
    and an Affine; odd and even image sizes; with a batch and labels."""
    rng = np.random.default_rng(seed)
    c_in = (1, 3)[seed % 2]
    height, width = (int(v) for v in rng.integers(5, 10, 2))
    layers, shape = [], (height, width, c_in)

    def conv(c, input_shape=None):
        k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        filters = int(rng.integers(1, 5))
        padding = ("valid", "same")[(seed // 2) % 2] if min(shape[:2]) >= max(k) else "same"
        layer = Conv2D(rng.normal(size=(*k, c, filters)).astype(dtype), rng.normal(size=filters).astype(dtype),
                       strides=(1 + (seed // 4) % 2, 1 + int(rng.integers(2))), padding=padding,
                       input_shape=input_shape)
        return layer, layer.output_shape(shape)

    layer, shape = conv(c_in, input_shape=shape)
    layers.append(layer)
    if seed % 3 == 0:
        layers.append(BatchNormalization((rng.random(shape[2]) + 0.5).astype(dtype),
                                         rng.normal(size=shape[2]).astype(dtype), momentum=0.9))
    layers.append((ReLU, Tanh)[seed % 2]())
    pool_cls = (MaxPooling2D, AveragePooling2D)[(seed // 3) % 2]
    pool = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = "same" if min(shape[:2]) < max(pool) or seed % 5 < 2 else "valid"
    layers.append(pool_cls(pool, strides=(int(rng.integers(1, 3)), int(rng.integers(1, 3))), padding=padding))
    shape = layers[-1].output_shape(shape)
    if seed % 4 == 1:
        layer, shape = conv(shape[2])
        layers += [layer, ReLU()]
    if seed % 2 == 0:
        layers.append(Dropout(0.3, seed=seed))
    layers.append(Flatten())
    n_features = int(np.prod(shape))
    layers.append(Affine((rng.normal(size=(n_features, 4)) / np.sqrt(n_features)).astype(dtype),
                         rng.normal(size=4).astype(dtype)))
    model = scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype)
    n = int(rng.integers(2, 6))
    return model, rng.normal(size=(n, height, width, c_in)).astype(dtype), rng.integers(0, 4, n)


# -- random stacks and edge cases -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(24))
def test_random_image_stacks_agree_in_float64(seed, assert_twin):
    assert_twin(*random_stack(seed))


@pytest.mark.parametrize("seed", [0, 5])
def test_random_image_stacks_agree_in_float32(seed, assert_twin):
    assert_twin(*random_stack(seed, "float32"))


def _images(values, channels=1):
    return np.asarray(values, dtype=np.float64).reshape(1, *np.shape(values)[-2:], 1).repeat(channels, axis=3)


def _pool_model(pool_layer, shape, channels=1):
    """A 1x1 identity convolution (so the pooling layer sees the input itself), the pooling layer,
    Flatten and an Affine: the gradient reaching the input shows which cells the pooling chose."""
    out = pool_layer.output_shape((*shape, channels))
    rng = np.random.default_rng(3)
    return scratchnet.Sequential([
        Conv2D(np.eye(channels).reshape(1, 1, channels, channels), np.zeros(channels), input_shape=(*shape, channels)),
        pool_layer, Flatten(), Affine(rng.normal(size=(int(np.prod(out)), 2)), np.zeros(2))], MeanSquaredError())


TIES = np.array([[1, 7, 7], [7, 7, 2], [0, 7, 7.0]])
# One line per case: (model, x) built in float64; the targets are fixed from the output shape.
EDGE_CASES = {
    "max pool, every window tied": lambda: (_pool_model(MaxPooling2D(2), (4, 4)), np.ones((2, 4, 4, 1))),
    "max pool, ties inside windows, overlapping": lambda: (_pool_model(MaxPooling2D(2, strides=1), (3, 3)),
                                                           _images(TIES)),
    "max pool, same padding on all-negative input": lambda: (_pool_model(MaxPooling2D(2, padding="same"), (3, 3)),
                                                             -1 - _images(np.arange(9).reshape(3, 3))),
    "max pool 3x3 stride 2 same, one max shared by windows": lambda: (
        _pool_model(MaxPooling2D(3, strides=2, padding="same"), (5, 5)), _images(np.eye(5) * 9)),
    "average pool same: padded cells not counted": lambda: (
        _pool_model(AveragePooling2D(2, padding="same"), (3, 3)), _images(np.arange(1, 10).reshape(3, 3))),
    "average pool 3x2 strides (1, 2) same": lambda: (
        _pool_model(AveragePooling2D((3, 2), strides=(1, 2), padding="same"), (4, 5), 2),
        np.random.default_rng(0).normal(size=(2, 4, 5, 2))),
    "conv same, stride 2, odd total padding (extra at bottom/right)": lambda: (scratchnet.Sequential([
        Conv2D(np.arange(12.0).reshape(2, 2, 1, 3), np.ones(3), strides=2, padding="same", input_shape=(5, 4, 1)),
        Flatten(), Affine(np.ones((3 * 2 * 3, 2)), np.zeros(2))], MeanSquaredError()),
        np.random.default_rng(1).normal(size=(2, 5, 4, 1))),
    "conv kernel as large as the image": lambda: (scratchnet.Sequential([
        Conv2D(np.random.default_rng(2).normal(size=(4, 3, 3, 2)), np.zeros(2), input_shape=(4, 3, 3)), Flatten(),
        Affine(np.ones((2, 2)), np.zeros(2))], MeanSquaredError()), np.random.default_rng(2).normal(size=(3, 4, 3, 3))),
    "batch normalization on (N, D), momentum 0": lambda: (scratchnet.Sequential([
        Affine(np.random.default_rng(4).normal(size=(3, 4)), np.zeros(4)),
        BatchNormalization(np.ones(4) * 2, np.ones(4), momentum=0.0, epsilon=1e-5), Tanh(),
        Affine(np.ones((4, 2)), np.zeros(2))], MeanSquaredError()), np.random.default_rng(4).normal(size=(6, 3))),
    "global max pool, tied maxima share the gradient (3x4 images)": lambda: (
        _pool_model(GlobalMaxPooling2D(), (3, 4), 2), np.concatenate([_images(np.c_[TIES, TIES[:, :1]], 2),
                                                                      np.full((1, 3, 4, 2), -2.0)])),
    "global average pool, 5x3 images, 3 channels": lambda: (
        _pool_model(GlobalAveragePooling2D(), (5, 3), 3), np.random.default_rng(6).normal(size=(2, 5, 3, 3))),
    "conv dilation (2, 3), same padding, 6x7 images": lambda: (scratchnet.Sequential([
        Conv2D(np.random.default_rng(7).normal(size=(3, 2, 2, 3)), np.ones(3), padding="same", dilation_rate=(2, 3),
               input_shape=(6, 7, 2)), Flatten(), Affine(np.ones((6 * 7 * 3, 2)) / 50, np.zeros(2))],
        MeanSquaredError()), np.random.default_rng(7).normal(size=(2, 6, 7, 2))),
    "conv dilation 2, valid, no bias, L2 0.25 (float32-exact)": lambda: (scratchnet.Sequential([
        Conv2D(np.random.default_rng(8).normal(size=(2, 3, 1, 2)), None, dilation_rate=2, l2=0.25,
               input_shape=(5, 8, 1)), ReLU(), Flatten(), Affine(np.ones((3 * 4 * 2, 2)) / 9, np.zeros(2))],
        MeanSquaredError()), np.random.default_rng(8).normal(size=(3, 5, 8, 1))),
    "zero padding ((1, 2), (0, 3)) before a conv, 3x4 images": lambda: (scratchnet.Sequential([
        ZeroPadding2D(((1, 2), (0, 3)), input_shape=(3, 4, 2)),
        Conv2D(np.random.default_rng(9).normal(size=(2, 2, 2, 2)), np.ones(2), strides=2), Flatten(),
        Affine(np.ones((3 * 3 * 2, 2)) / 7, np.zeros(2))], MeanSquaredError()),
        np.random.default_rng(9).normal(size=(2, 3, 4, 2))),
    "dropout rate 0 and rate 0.9": lambda: (scratchnet.Sequential([
        Affine(np.random.default_rng(5).normal(size=(3, 8)), np.zeros(8)), Dropout(0.0, seed=1),
        Dropout(0.9, seed=2), Affine(np.ones((8, 2)), np.zeros(2))], MeanSquaredError()),
        np.random.default_rng(5).normal(size=(5, 3))),
}


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases_agree(case, assert_twin):
    model, x = EDGE_CASES[case]()
    assert_twin(model, x, np.linspace(-1, 1, model.predict(x).size).reshape(model.predict(x).shape))


def test_max_pool_gradient_goes_to_the_first_maximum_in_row_major_order():
    pool = MaxPooling2D(2, strides=1)
    pool.forward(_images(TIES))
    dx = pool.backward(np.ones((1, 2, 2, 1)))[0, :, :, 0]
    # windows: [[1,7],[7,7]] -> (0,1); [[7,7],[7,2]] -> (0,1); [[7,7],[0,7]] -> (1,0); [[7,2],[7,7]] -> (1,1)
    np.testing.assert_array_equal(dx, [[0, 2, 0], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(AveragePooling2D(2, padding="same").forward(_images(np.arange(1, 10).reshape(3, 3)))
                                  [0, :, :, 0], [[3, 4.5], [7.5, 9]])


# -- Dropout: Keras's masks ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,seed", [((7,), 0), ((3, 5), 1234), ((2, 3, 4, 5), 2**31 + 5), ((1, 301), -7)])
def test_philox_uniform_equals_tensorflow(shape, seed, dtype):
    tf_seed = [seed % (2**31 - 2), 3]
    expected = tf.random.stateless_uniform(shape, seed=tf_seed, dtype=dtype).numpy()
    np.testing.assert_array_equal(philox.stateless_uniform(shape, tf_seed, dtype), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_draws_the_keras_layer_masks_call_after_call(dtype):
    x = np.random.default_rng(0).normal(size=(6, 11)).astype(dtype) + 3
    ours, theirs = Dropout(0.4, seed=2**33 + 9), keras.layers.Dropout(0.4, seed=2**33 + 9, dtype=dtype)
    for call in range(3):
        expected = np.array(theirs(x, training=True))
        np.testing.assert_array_equal(ours.forward(x, training=True), expected)
        assert ours.counter == call + 1 == int(theirs.seed_generator.state.numpy()[1])
    np.testing.assert_array_equal(ours.forward(x), x)  # inference: the identity, no draw
    assert ours.counter == 3


def _regularized(dtype, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Affine(rng.normal(size=(12, 16)).astype(dtype) * 0.3, np.zeros(16, dtype), l2=float(np.float32(1e-3))),
              ReLU(), BatchNormalization(np.ones(16, dtype), np.zeros(16, dtype)), Dropout(0.25, seed=seed + 1),
              Affine(rng.normal(size=(16, 3)).astype(dtype) * 0.3, np.zeros(3, dtype))]
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype)


@pytest.mark.parametrize("optimizer", [SGD(0.1, momentum=0.9, float32_hyperparams=True),
                                       Adam(0.01, float32_hyperparams=True)], ids=["sgd", "adam"])
def test_dropout_and_batch_norm_train_in_lockstep_with_identical_masks(optimizer):
    """Both sides train 40 steps in lockstep (Keras through its compiled train step); the
    trajectory stays at the float64 tolerance only if every step used the same masks, and the
    Dropout counters and moving statistics end equal."""
    model = _regularized("float64")
    keras_model = rk.to_keras(model)
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(400, 12)), rng.integers(0, 3, 400)
    plan = LockstepPlan(batch_size=10, epochs=1)
    traj = run_lockstep(model, keras_model, optimizer, rk.keras_optimizer(optimizer, keras_model), x, t, plan)
    assert all(check.passed for check in trajectory_checks(traj, "float64"))
    assert model.layers[3].counter == 40 == int(keras_model.layers[3].seed_generator.state.numpy()[1])
    assert weight_drift(model, keras_model) <= 1e-12  # moving statistics included (get_weights order)
    assert len(model.get_weights()) == len(keras_model.get_weights()) == 8


def test_a_learning_rate_schedule_changes_both_sides_between_the_same_steps():
    model = _regularized("float64")
    keras_model = rk.to_keras(model)
    optimizer = Adam(0.01, float32_hyperparams=True)
    keras_optimizer = rk.keras_optimizer(optimizer, keras_model)
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(60, 12)), rng.integers(0, 3, 60)
    plan = LockstepPlan(batch_size=20, epochs=2, learning_rate_schedule=((2, 0.001),))
    traj = run_lockstep(model, keras_model, optimizer, keras_optimizer, x, t, plan)
    assert all(check.passed for check in trajectory_checks(traj, "float64"))
    assert optimizer.learning_rate == 0.001 == float(keras_optimizer.learning_rate.numpy())


def test_a_different_dropout_seed_breaks_the_lockstep():
    """The control for the test above: with another seed on the Keras side the losses part at step 1."""
    model = _regularized("float64")
    keras_model = rk.to_keras(model)
    keras_model.layers[3].seed_generator.state.assign(np.array([99, 0], dtype=np.int64))
    x, t = np.random.default_rng(1).normal(size=(10, 12)), np.arange(10) % 3
    optimizer = SGD(0.1)
    traj = run_lockstep(model, keras_model, optimizer, rk.keras_optimizer(optimizer, keras_model), x, t,
                        LockstepPlan(batch_size=10, epochs=1))
    assert traj.loss_differences()[0] > 1e-6


# -- modes, state, round trips ------------------------------------------------------------------
def test_training_and_inference_modes():
    model = _regularized("float64")
    x, t = np.random.default_rng(2).normal(size=(8, 12)), np.arange(8) % 3
    bn, dropout = model.layers[2], model.layers[3]
    before = model.get_weights()
    model.predict(x)
    model.evaluate(x, t)
    assert dropout.counter == 0 and all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    with model.frozen_state():
        first = model.loss(x, t)
        assert model.loss(x, t) == first and dropout.counter == 0
        np.testing.assert_array_equal(model.state["moving_variance1"], np.ones(16))
    assert model.loss(x, t) == first and dropout.counter == 1  # the same mask as inside the block
    assert model.loss(x, t) != first and dropout.counter == 2  # the next mask
    assert not np.array_equal(model.state["moving_mean1"], np.zeros(16))
    assert list(model.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2"]
    assert list(model.weights) == ["W1", "b1", "gamma1", "beta1", "moving_mean1", "moving_variance1", "W2", "b2"]
    assert model.state["moving_mean1"] is bn.state["moving_mean"]


def test_save_load_and_astype_keep_moving_statistics_and_the_mask_stream(tmp_path):
    model = _regularized("float64")
    x, t = np.random.default_rng(3).normal(size=(8, 12)), np.arange(8) % 3
    for _ in range(3):
        model.backprop(x, t)
    model.save(tmp_path / "m")
    loaded = scratchnet.load_model(tmp_path / "m")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.layers[3].counter == 0 and model.layers[3].counter == 3  # counters are not saved
    copy = model.astype("float64")
    assert copy.layers[3].counter == 3
    assert copy.loss(x, t) == model.loss(x, t)


def test_round_trip_to_keras_and_back_is_bit_for_bit():
    model, x, t = random_stack(3)
    trained = _regularized("float64")
    for _ in range(2):
        trained.backprop(np.ones((4, 12)), np.arange(4) % 3)  # moves the statistics and the Dropout counter
    for original in (model, trained, scratchnet.simple_convnet((9, 8, 1), 3, 3, (5,), 4, seed=1,
                                                               dtype=np.float64)):
        keras_model = rk.to_keras(original)
        back = rk.from_keras(keras_model)
        assert back.config() == original.config() and repr(back) == repr(original)
        for a, b in zip(back.get_weights(), original.get_weights()):
            assert a.dtype == b.dtype and np.array_equal(a, b)
        for a, b in zip(keras_model.get_weights(), original.get_weights()):
            assert np.array_equal(a, b)
        dropouts = [layer for layer in back.layers if isinstance(layer, Dropout)]
        assert [d.counter for d in dropouts] == [d.counter for d in original.layers if isinstance(d, Dropout)]


def test_to_keras_refuses_the_books_non_inverted_dropout():
    model = scratchnet.Sequential([Affine(np.ones((3, 2)), np.zeros(2)), Dropout(0.5, seed=0, inverted=False)],
                                  SoftmaxCrossEntropy())
    with pytest.raises(rk.UnsupportedLayerError, match="'Dropout1' \\(Dropout\\) is the book's non-inverted"):
        rk.to_keras(model)


def test_simple_convnet_is_the_books_network_in_keras_layout():
    model = scratchnet.simple_convnet(weight_init="glorot_uniform", seed=0, dtype=np.float32)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "ReLU", "MaxPooling2D", "Flatten", "Affine", "ReLU", "Affine"]
    assert {key: value.shape for key, value in model.params.items()} == {
        "W1": (5, 5, 1, 30), "b1": (30,), "W2": (4320, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    limit = np.sqrt(6 / (25 * 1 + 25 * 30))  # Keras's Glorot fans for a conv kernel
    assert 0.9 * limit < np.abs(model.params["W1"]).max() <= limit
    assert model.input_shape == (28, 28, 1) and model.evaluation_batch_size == 2**24 // (24 * 24 * 30)
