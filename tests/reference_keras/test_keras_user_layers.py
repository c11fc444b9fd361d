"""The layers and options Keras users' models need beyond the book's, against real Keras:
Rescaling, Reshape (with -1), Dense(use_bias=False), Normalization with adapted statistics,
Resizing (nearest), frozen layers (trainable=False) and a frozen BatchNormalization. One line per
model: the scratchnet model and its twin agree in float64 at 1e-12 (every layer's output in both
modes, the loss, every gradient, numerical gradients, the input gradient) and in float32 at the
float32 tolerances; from_keras(to_keras(model)) gives the model back; and the scratchnet model
from_keras makes of a Keras user's model agrees with that model itself."""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from reference_keras import keras
from scratchnet.gradcheck import relative_error
from scratchnet.layers import (Affine, BatchNormalization, Conv2D, Dropout, Flatten, MaxPooling2D, Normalization,
                               ReLU, Rescaling, Reshape, Resizing, Tanh)
from scratchnet.losses import MeanSquaredError, SoftmaxCrossEntropy


def _rng(seed):
    return np.random.default_rng(seed)


def _dense(rng, n_in, n_out, bias=True, dtype="float64"):
    return Affine((rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(dtype),
                  rng.normal(size=n_out).astype(dtype) if bias else None)


def frozen(layer):
    layer.trainable = False
    return layer


def dense_stack(dtype):
    """Rescaling (per feature), Dense without bias, BatchNormalization, ReLU, a frozen Dense."""
    rng = _rng(1)
    layers = [Rescaling(rng.random(6) + 0.5, -0.25, input_shape=(6,)), _dense(rng, 6, 5, bias=False, dtype=dtype),
              BatchNormalization(np.ones(5, dtype), np.zeros(5, dtype), momentum=0.9), ReLU(),
              frozen(_dense(rng, 5, 4, dtype=dtype)), Tanh(), _dense(rng, 4, 3, dtype=dtype)]
    x = rng.normal(size=(8, 6)).astype(dtype)
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype), x, rng.integers(0, 3, 8)


def frozen_batch_norm(dtype):
    """A frozen BatchNormalization with moved statistics: inference statistics in training."""
    rng = _rng(2)
    bn = BatchNormalization((rng.random(4) + 0.5).astype(dtype), rng.normal(size=4).astype(dtype),
                            rng.normal(size=4).astype(dtype), (rng.random(4) + 0.5).astype(dtype))
    layers = [_dense(rng, 5, 4, dtype=dtype), frozen(bn), ReLU(), Dropout(0.25, seed=3), _dense(rng, 4, 2, dtype=dtype)]
    return scratchnet.Sequential(layers, MeanSquaredError(), dtype=dtype), rng.normal(size=(6, 5)).astype(dtype), \
        rng.normal(size=(6, 2)).astype(dtype)


def images(dtype):
    """Rescaling 1/255-style, Resizing (nearest) of odd non-square images, Conv2D, pooling, Reshape
    with -1, Normalization of per-channel statistics, Flatten, Dense."""
    rng = _rng(3)
    layers = [Rescaling(1 / 256, 0.5, input_shape=(5, 7, 2)), Resizing(8, 6), Normalization([0.5, -0.2], [2.0, 0.5]),
              Conv2D((rng.normal(size=(3, 2, 2, 3)) / 3).astype(dtype), rng.normal(size=3).astype(dtype)),
              ReLU(), MaxPooling2D(2), Reshape((-1, 3)), Flatten(), _dense(rng, 18, 3, dtype=dtype)]
    x = rng.integers(0, 256, size=(4, 5, 7, 2)).astype(dtype)
    return scratchnet.Sequential(layers, MeanSquaredError(), dtype=dtype), x, rng.normal(size=(4, 3)).astype(dtype)


def normalized_reshape(dtype):
    """Normalization with a mean and variance per feature (one variance 0: the epsilon), Reshape to
    (2, -1) and back through Flatten."""
    rng = _rng(4)
    layers = [Normalization(rng.normal(size=6), np.r_[rng.random(5) + 0.1, 0.0], input_shape=(6,)), Reshape((2, -1)),
              Flatten(), _dense(rng, 6, 3, dtype=dtype)]
    model = scratchnet.Sequential(layers, MeanSquaredError(), dtype=dtype)
    return model, rng.normal(size=(5, 6)).astype(dtype) * 1e-8, rng.normal(size=(5, 3)).astype(dtype)


MODELS = {"rescaling, dense without bias, batch norm, a frozen dense": dense_stack,
          "frozen batch normalization with dropout": frozen_batch_norm,
          "images: rescaling, nearest resizing, normalization, conv, pooling, reshape": images,
          "normalization with a zero variance, reshape (2, -1)": normalized_reshape}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", MODELS)
def test_model_agrees_with_its_keras_twin(name, dtype, assert_twin):
    model, x, t = MODELS[name](dtype)
    assert_twin(model, x, t)


@pytest.mark.parametrize("name", MODELS)
def test_round_trip_to_keras_and_back(name):
    model, x, _ = MODELS[name]("float64")
    keras_model = rk.to_keras(model)
    back = rk.from_keras(keras_model)
    assert back.config() == model.config() and repr(back) == repr(model)
    for a, b in zip(back.get_weights(), model.get_weights()):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert [layer.trainable for layer in keras_model.layers] == [layer.trainable for layer in model.layers]


def test_frozen_layers_take_no_gradient_no_update_and_no_penalty():
    rng = _rng(5)
    first, second = _dense(rng, 3, 4), _dense(rng, 4, 2)
    first.l2 = 0.5
    model = scratchnet.Sequential([first, ReLU(), second], MeanSquaredError())
    x, t = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    with_penalty = model.loss(x, t)
    first.trainable = False  # on the built model, as Keras's layer.trainable = False
    assert list(model.params) == ["W2", "b2"] and list(model.state) == ["W1", "b1"]
    assert list(model.weights) == ["W1", "b1", "W2", "b2"]  # get_weights order is Keras's, frozen or not
    assert model.loss(x, t) < with_penalty  # Keras regularizes trainable weights only
    before = model.get_weights()
    scratchnet.Trainer(model, scratchnet.optimizers.SGD(0.1), x, t, epochs=3, batch_size=2, progress=False).fit()
    after = model.get_weights()
    assert np.array_equal(after[0], before[0]) and np.array_equal(after[1], before[1])
    assert not np.array_equal(after[2], before[2])
    assert "(frozen)" in repr(model) and "Non-trainable params: 16" in "\n".join(_summary(model))
    loaded = scratchnet.Sequential.from_config(model.config(), model.weights)
    assert [layer.trainable for layer in loaded.layers] == [False, True, True] and list(loaded.params) == ["W2", "b2"]
    assert model.astype("float32").layers[0].trainable is False


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines


def test_frozen_batch_normalization_uses_and_keeps_its_moving_statistics_in_training():
    model, x, t = frozen_batch_norm("float64")
    bn = model.layers[1]
    moving = [value.copy() for value in bn.state.values()]
    inference = model.forward_trace(x)[bn.name]
    with model.frozen_state():  # the same Dropout mask for both calls below
        training = model.forward_trace(x, training=True)[bn.name]
    np.testing.assert_array_equal(training, inference)
    model.backprop(x, t)
    for value, before in zip(bn.state.values(), moving):
        np.testing.assert_array_equal(value, before)
    assert "gamma1" not in model.params and "gamma1" in model.state


# -- a Keras user's model, from_keras ---------------------------------------------------------------
def _keras_user_model():
    """Keras's transfer-learning pattern and the preprocessing layers: an adapted Normalization,
    Rescaling, a frozen base (a nested Sequential with Dense(use_bias=False) and
    BatchNormalization), then a trainable head."""
    rng = _rng(6)
    with rk.floatx("float64"):
        normalization = keras.layers.Normalization()
        normalization.adapt(rng.normal(loc=3.0, scale=2.0, size=(50, 6)))
        base = keras.Sequential([keras.layers.Dense(5, use_bias=False), keras.layers.BatchNormalization(),
                                 keras.layers.Activation("relu")], name="base")
        model = keras.Sequential([keras.Input((6,)), normalization, keras.layers.Rescaling(0.5, offset=0.1), base,
                                  keras.layers.Reshape((5, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.01))])
        model(rng.normal(size=(2, 6)))
        base.layers[1].moving_mean.assign(rng.normal(size=5))
        base.trainable = False
    return model


def test_a_keras_users_model_comes_over_frozen_and_agrees_with_it():
    keras_model = _keras_user_model()
    model = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    assert [type(layer).__name__ for layer in model.layers] == [
        "Normalization", "Rescaling", "Affine", "BatchNormalization", "ReLU", "Reshape", "Flatten", "Affine"]
    assert [layer.trainable for layer in model.layers] == [True, True, False, False, False, True, True, True]
    assert list(model.params) == ["W2", "b1"] and not model.layers[2].use_bias
    assert model.layers[1].scale == rk.keras_cast(0.5, "float64") and \
        float(model.layers[1].offset) == rk.keras_cast(0.1, "float64") != 0.1  # what Keras multiplies by
    assert model.layers[-1].l2 == rk.keras_l2_factor(0.01, "float64")  # float32(0.01) from Keras 3.14 on
    rng = _rng(7)
    x, t = rng.normal(loc=3.0, scale=2.0, size=(9, 6)), rng.integers(0, 3, 9)
    keras_loss = rk.keras_loss(SoftmaxCrossEntropy, dtype="float64")
    theirs = list(rk.forward_trace(keras_model, x).values())[-1]
    assert relative_error(model.predict(x), theirs) <= 1e-12
    with rk.state_preserved(keras_model):
        loss, grads = rk.loss_and_gradients(keras_model, keras_loss, x, t)
    assert abs(model.loss(x, t) - loss) <= 1e-12 * loss
    ours = model.gradient(x, t)
    assert len(grads) == len(ours) == 2  # Keras trains the head's kernel and bias only
    for g, k in zip(ours.values(), grads.values()):
        assert relative_error(g, k) <= 1e-12


def test_normalization_and_rescaling_to_keras_take_exact_values():
    model = scratchnet.Sequential([Rescaling(0.1, 0.3, input_shape=(2,)), Normalization([0.1, 0.2], [0.3, 0.7]),
                                   Affine(np.eye(2), np.zeros(2))], MeanSquaredError())
    x = np.array([[1.0, 2.0], [3.0, -4.0]])
    keras_model = rk.to_keras(model)
    np.testing.assert_allclose(np.array(keras_model(x)), model.predict(x), rtol=1e-15, atol=0)


@pytest.mark.parametrize("layer,why", [
    (lambda: keras.layers.Resizing(4, 4, name="smooth"), "interpolation='bilinear'"),
    (lambda: keras.layers.Resizing(4, 4, interpolation="nearest", crop_to_aspect_ratio=True, name="crop"),
     "crop_to_aspect_ratio"),
    (lambda: keras.layers.Normalization(mean=0.0, variance=1.0, invert=True, name="inv"), "invert=True"),
])
def test_inexact_preprocessing_is_refused_with_the_reason(layer, why):
    keras_model = keras.Sequential([keras.Input((6, 6, 1)), layer(), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(rk.UnsupportedLayerError, match=why):
        rk.from_keras(keras_model)


def test_every_refusal_is_named_at_once_and_the_loss_does_not_hide_the_layers():
    keras_model = keras.Sequential([keras.Input((8, 8, 2)),
                                    keras.layers.Conv2D(2, 3, groups=2, kernel_constraint=keras.constraints.NonNeg(),
                                                        name="grouped"),
                                    keras.layers.GlobalAveragePooling2D(data_format="channels_first", name="gap"),
                                    keras.layers.Dense(3, activation="mish", bias_constraint=keras.constraints.NonNeg(),
                                                       kernel_regularizer=keras.regularizers.L1(0.1), name="head")])
    keras_model.compile(loss=keras.losses.Poisson())
    with pytest.raises(rk.UnsupportedLayerError) as error:
        rk.from_keras(keras_model)
    text = str(error.value)
    for fragment in ("Poisson", "'grouped' (Conv2D)", "groups=2", "kernel_constraint",
                     "'gap' (GlobalAveragePooling2D)", "channels_first", "'head' (Dense)", "bias_constraint", "L1",
                     "'mish'"):
        assert fragment in text, fragment
    assert text.startswith("from_keras: 4 thing(s)")


def test_a_compiled_models_loss_and_metrics_come_over_with_their_options():
    """compile(loss=..., metrics=[...], weighted_metrics=[...]): the loss with its options, the
    accuracy metrics named and valued as Keras's evaluate reports them (Keras sums its metrics in
    float32, hence 1e-6); a metric scratchnet lacks is refused by name, with the layers' refusals."""
    rng = np.random.default_rng(8)
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="elu"),
                                        keras.layers.Dense(3, activation="softmax")])
        keras_model.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.2, reduction="sum"),
                            metrics=["accuracy", keras.metrics.BinaryAccuracy(threshold=0.3),
                                     keras.metrics.categorical_accuracy],
                            weighted_metrics=["accuracy"], jit_compile=False)
    model = rk.from_keras(keras_model)
    assert repr(model.loss_layer) == "CategoricalCrossentropy(label_smoothing=0.2, reduction='sum')"
    assert [m.name for m in model.metrics] == ["accuracy", "binary_accuracy", "categorical_accuracy",
                                               "weighted_accuracy"]
    x, labels, w = rng.normal(size=(30, 4)), rng.integers(0, 3, 30), rng.random(30) * 2
    t = np.eye(3)[labels]
    with rk.floatx("float64"):
        keras_results = keras_model.evaluate(x, t, sample_weight=w, batch_size=7, verbose=0, return_dict=True)
    ours = model.evaluate_metrics(x, t, sample_weight=w, batch_size=7)
    for name, value in ours.items():
        assert value == pytest.approx(keras_results[name], rel=1e-6), name
    assert ours["accuracy"] != ours["weighted_accuracy"]
    with rk.floatx("float64"):
        keras_model.compile(loss="mse", metrics=["accuracy", keras.metrics.AUC(name="auc")])
    with pytest.raises(rk.UnsupportedLayerError, match="the compiled metric 'AUC' has no scratchnet equivalent"):
        rk.from_keras(keras_model)


def test_an_activation_given_as_a_keras_layer_comes_over_as_that_layer():
    """Conv2D(activation=LeakyReLU(0.2)) (Hands-On ML's DCGAN discriminator) and
    Dense(activation=ReLU(max_value=6.0)): the activation layer's scratchnet twin follows the
    layer; forward and gradients agree at 1e-12; a layer that is no activation is refused by name."""
    rng = np.random.default_rng(12)
    with rk.floatx("float64"):
        keras.utils.set_random_seed(12)
        km = keras.Sequential([keras.Input((6, 5, 2)),
                               keras.layers.Conv2D(3, 3, strides=2, padding="same",
                                                   activation=keras.layers.LeakyReLU(0.2)),
                               keras.layers.Flatten(),
                               keras.layers.Dense(4, activation=keras.layers.ReLU(max_value=6.0)),
                               keras.layers.Dense(2)])
    model = rk.from_keras(km, loss="mean_squared_error")
    assert [type(layer).__name__ for layer in model.layers] == ["Conv2D", "LeakyReLU", "Flatten", "Affine", "ReLU",
                                                                "Affine"]
    assert model.layers[1].negative_slope == 0.2 and model.layers[4].max_value == 6.0
    x, t = rng.normal(size=(4, 6, 5, 2)) * 3, rng.normal(size=(4, 2))
    np.testing.assert_allclose(model.predict(x), np.asarray(km(x)), rtol=1e-12, atol=1e-14)
    value, grads = rk.loss_and_gradients(km, keras.losses.MeanSquaredError(dtype="float64"), x, t)
    assert model.loss(x, t) == pytest.approx(value, rel=1e-12)
    for ours, theirs in zip(model.gradient(x, t).values(), grads.values()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14 * np.abs(theirs).max())
    with rk.floatx("float64"):
        bad = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=keras.layers.Dropout(0.1),
                                                                      name="odd")])
    with pytest.raises(rk.UnsupportedLayerError,
                       match="layer 'odd' \\(Dense\\) uses a Dropout layer as its activation"):
        rk.from_keras(bad)
