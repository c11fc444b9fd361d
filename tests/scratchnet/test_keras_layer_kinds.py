"""The layer kinds and options added for Keras users' models, on the scratchnet side alone: every
kind saves, loads and converts dtype with its settings; settings are validated with errors that
name the layer; backprop matches central differences (skipping nudges across a kink); mlp takes
every Keras activation name."""
import numpy as np
import pytest

import scratchnet
from scratchnet.gradcheck import gradient_check
from scratchnet.layers import (ELU, GELU, SELU, Affine, BatchNormalization, Conv2D, Exponential,
                               GlobalAveragePooling2D, GlobalMaxPooling2D, HardSigmoid, LeakyReLU, Normalization, ReLU,
                               Rescaling, Reshape, Resizing, SiLU, Softmax, Softplus, Softsign, ZeroPadding2D)
from scratchnet.losses import (BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
                               SparseCategoricalCrossentropy)

ACTIVATIONS = [ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5), ReLU(max_value=6.0), LeakyReLU(0.2), ELU(),
               ELU(0.5), SELU(), GELU(), GELU(approximate=True), SiLU(), Softplus(), Softsign(), HardSigmoid(),
               Exponential(), Softmax()]


def _model(activation, loss=None, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Rescaling(0.5, 0.25, input_shape=(4,)), Normalization([0.1, -0.2, 0.0, 0.3], [1.0, 2.0, 0.5, 0.25]),
              Affine(rng.normal(size=(4, 6)).astype(dtype), None), activation,
              Reshape((3, -1)), Reshape((6,)),
              Affine(rng.normal(size=(6, 3)).astype(dtype), rng.normal(size=3).astype(dtype))]
    return scratchnet.Sequential(layers, loss or MeanSquaredError(), dtype=dtype)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=repr)
def test_every_kind_saves_loads_and_converts_with_its_settings(activation, tmp_path):
    model = _model(activation)
    model.layers[2].trainable = False
    x = np.random.default_rng(1).normal(size=(5, 4))
    model.save(tmp_path / "model")
    loaded = scratchnet.load_model(tmp_path / "model")
    assert loaded.config() == model.config() and repr(loaded) == repr(model)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert list(loaded.params) == list(model.params) == ["W2", "b1"]
    single = model.astype(np.float32)
    assert single.config()["layers"] == model.config()["layers"] and single.layers[2].trainable is False
    np.testing.assert_allclose(single.predict(x.astype(np.float32)), model.predict(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=repr)
def test_backprop_matches_central_differences(activation):
    model = _model(activation, seed=2)
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    for key, error in gradient_check(model, x, t).items():
        assert error <= 1e-6, (key, error)


@pytest.mark.parametrize("loss,t", [
    (CategoricalCrossentropy(label_smoothing=0.1), np.eye(3)[[0, 1, 2, 0, 1, 2]]),
    (SparseCategoricalCrossentropy(), np.array([0, 1, 2, 0, 1, 2])),
    (BinaryCrossentropy(label_smoothing=0.05), (np.arange(18).reshape(6, 3) % 2).astype(float)),
    (MeanAbsoluteError(), np.linspace(-1, 1, 18).reshape(6, 3)),
    (Huber(0.5), np.linspace(-1, 1, 18).reshape(6, 3)),
], ids=repr)
def test_probability_and_regression_losses_backprop_matches_central_differences(loss, t):
    rng = np.random.default_rng(4)
    last = SiLU() if isinstance(loss, (MeanAbsoluteError, Huber)) else Softmax()
    model = scratchnet.Sequential([Affine(rng.normal(size=(4, 3)), rng.normal(size=3)), last], loss)
    if isinstance(loss, BinaryCrossentropy):
        model = scratchnet.Sequential([Affine(rng.normal(size=(4, 3)), rng.normal(size=3)), HardSigmoid()], loss)
    x = rng.normal(size=(6, 4))
    for key, error in gradient_check(model, x, t).items():
        assert error <= 1e-6, (key, error)


@pytest.mark.parametrize("name", sorted(scratchnet.layers.ACTIVATION_NAMES))
def test_mlp_takes_every_keras_activation_name(name):
    model = scratchnet.mlp([3, 4, 2], activation=name, dtype=np.float64)
    assert type(model.layers[1]) is type(scratchnet.layers.activation(name))
    assert model.predict(np.ones((2, 3))).shape == (2, 2)


BAD = {  # (call, error, fragment of the message)
    "ReLU negative cap": (lambda: ReLU(max_value=-1.0), ValueError, "ReLU: max_value must be >= 0.0, got -1.0"),
    "ReLU string slope": (lambda: ReLU(negative_slope="0.1"), TypeError,
                          "ReLU: negative_slope must be a finite number"),
    "LeakyReLU negative": (lambda: LeakyReLU(-0.1), ValueError, "LeakyReLU: negative_slope must be >= 0.0"),
    "GELU approximate not a bool": (lambda: GELU(approximate="yes"), TypeError,
                                    "GELU: approximate must be True or False"),
    "Reshape two -1": (lambda: Reshape((-1, -1)), ValueError,
                       "Reshape: target_shape must be positive sizes with at most one -1"),
    "Reshape wrong size": (lambda: scratchnet.Sequential([Affine(np.ones((2, 6)), np.zeros(6)), Reshape((4, -1))]),
                           ValueError,
                           "Affine1 outputs 6 units but Reshape1 cannot reshape 6 values per sample to (4, -1)"),
    "Reshape forward of a wrong size": (lambda: Reshape((5,)).forward(np.ones((2, 6))), ValueError,
                                        "Reshape: input of shape (2, 6): cannot reshape 6 values per sample to (5,)"),
    "Rescaling scale of the wrong shape": (lambda: Rescaling(np.ones(3), input_shape=(4,)), ValueError,
                                           "cannot apply scale of shape (3,) to samples of shape (4,)"),
    "Rescaling NaN": (lambda: Rescaling(float("nan")), ValueError, "Rescaling: scale must be finite"),
    "Normalization shapes differ": (lambda: Normalization([0.0, 1.0], [1.0]), ValueError,
                                    "Normalization: mean and variance must have one shape"),
    "Normalization negative variance": (lambda: Normalization(0.0, -1.0), ValueError, "variance must be >= 0"),
    "ZeroPadding2D negative": (lambda: ZeroPadding2D((1, -2)), ValueError, "ZeroPadding2D: padding must be ints >= 0"),
    "ZeroPadding2D on vectors": (lambda: ZeroPadding2D(1).forward(np.ones((2, 3))), ValueError,
                                 "ZeroPadding2D: expected images of shape (N, H, W, C) (channels last), got (2, 3)"),
    "GlobalMaxPooling2D on sequences": (lambda: GlobalMaxPooling2D().forward(np.ones((2, 3, 4))), ValueError,
                                        "GlobalMaxPooling2D: expected images of shape (N, H, W, C)"),
    "GlobalAveragePooling2D backward of a wrong shape": (
        lambda: _forwarded(GlobalAveragePooling2D(), np.ones((2, 3, 3, 4))).backward(np.ones((2, 3))), ValueError,
        "GlobalAveragePooling2D backward"),
    "Conv2D dilation with strides": (lambda: Conv2D(np.ones((2, 2, 1, 1)), None, strides=2, dilation_rate=2),
                                     ValueError, "Conv2D: strides (2, 2) with dilation_rate (2, 2)"),
    "Conv2D negative l2": (lambda: Conv2D(np.ones((2, 2, 1, 1)), None, l2=-1.0), ValueError,
                           "Conv2D: l2 must be a number >= 0, got -1.0"),
    "Resizing bilinear": (lambda: Resizing(4, 4, "bilinear"), ValueError,
                          "interpolation 'bilinear' is not supported; only 'nearest' is exact"),
    "Resizing zero height": (lambda: Resizing(0, 4), ValueError, "Resizing: height must be a positive integer"),
    "label smoothing above 1": (lambda: CategoricalCrossentropy(label_smoothing=1.5), ValueError,
                                "CategoricalCrossentropy: label_smoothing must be a number in [0.0, 1.0]"),
    "from_logits a string": (lambda: BinaryCrossentropy(from_logits="no"), TypeError,
                             "BinaryCrossentropy: from_logits must be True or False"),
    "negative delta": (lambda: Huber(-1.0), ValueError, "Huber: delta must be a number >= 0.0"),
    "labels for the categorical loss": (lambda: CategoricalCrossentropy().forward(np.full((2, 3), 1 / 3),
                                                                                  np.array([0, 1])),
                                        ValueError, "use SparseCategoricalCrossentropy for labels"),
    "rows for the sparse loss": (lambda: SparseCategoricalCrossentropy().forward(np.full((2, 3), 1 / 3), np.eye(3)[:2]),
                                 ValueError, "use CategoricalCrossentropy for one-hot rows"),
}


def _forwarded(layer, x):
    layer.forward(x)
    return layer


@pytest.mark.parametrize("case", BAD)
def test_bad_settings_are_refused_by_name(case):
    call, error, fragment = BAD[case]
    with pytest.raises(error, match=__import__("re").escape(fragment)):
        call()


def test_dense_without_bias_has_only_a_kernel():
    layer = Affine(np.arange(6.0).reshape(2, 3), None)
    out = layer.forward(np.ones((4, 2)))
    np.testing.assert_array_equal(out, np.ones((4, 2)) @ np.arange(6.0).reshape(2, 3))
    layer.backward(np.ones((4, 3)))
    assert list(layer.params) == list(layer.grads) == ["W"] and layer.weight_keys == ("W",)
    assert repr(layer) == "Affine(2 -> 3, no bias)"
    model = scratchnet.Sequential([layer, BatchNormalization(np.ones(3), np.zeros(3))])
    assert list(model.weights) == ["W1", "gamma1", "beta1", "moving_mean1", "moving_variance1"]
