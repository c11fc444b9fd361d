"""The new layers without Keras: bad inputs fail loudly (naming the layer, the expected and the
actual shape, dtype or value, and changing nothing), shapes are checked when a model is built,
and a few definitions are pinned against direct loops."""
import re

import numpy as np
import pytest

import scratchnet
from scratchnet import datasets
from scratchnet.gradcheck import sampled_numerical_gradient
from scratchnet.layers import (LAYERS, Affine, AveragePooling2D, BatchNormalization, Conv2D, Dropout, Flatten,
                               MaxPooling2D, ReLU, layer_class)
from scratchnet.losses import SoftmaxCrossEntropy


def conv(c_in=3, c_out=2, k=3, dtype=np.float64, **kw):
    return Conv2D(np.ones((k, k, c_in, c_out), dtype), np.zeros(c_out, dtype), **kw)


def bn(features=4, dtype=np.float64):
    return BatchNormalization(np.ones(features, dtype), np.zeros(features, dtype))


IMAGES = np.ones((2, 5, 5, 3))
# One line per case: (exception, the message's key phrase, the call).
BAD_INPUTS = {
    "conv: wrong rank": (ValueError, "Conv2D: expected images of shape (N, H, W, 3) (channels last), got (2, 25, 3)",
                         lambda: conv().forward(np.ones((2, 25, 3)))),
    "conv: wrong channels": (ValueError, "Conv2D: expected images of shape (N, H, W, 1) (channels last), "
                             "got (2, 5, 5, 3)", lambda: conv(c_in=1).forward(IMAGES)),
    "conv: wrong dtype": (TypeError, "Conv2D: expected dtype float64, got float32",
                          lambda: conv().forward(IMAGES.astype(np.float32))),
    "conv: integer images": (TypeError, "Conv2D: expected dtype float64, got uint8",
                             lambda: conv().forward(IMAGES.astype(np.uint8))),
    "conv: kernel larger than the input": (ValueError, "Conv2D has a 7x7 kernel larger than its 5x5 input "
                                           "(padding 'valid')", lambda: conv(k=7).forward(IMAGES)),
    "conv: kernel larger than input_shape": (ValueError, "Conv2D: input_shape (4, 4, 3) does not fit",
                                             lambda: conv(k=5, input_shape=(4, 4, 3))),
    "conv: 3-D kernel": (ValueError, "Conv2D: W (kh, kw, C_in, C_out): expected a 4-D array",
                         lambda: Conv2D(np.ones((3, 3, 2)), np.zeros(2))),
    "conv: bias size": (ValueError, "Conv2D: b: expected shape (2,), got (3,)",
                        lambda: Conv2D(np.ones((3, 3, 1, 2)), np.zeros(3))),
    "conv: padding": (ValueError, "Conv2D: padding must be 'valid' or 'same', got 'full'",
                      lambda: conv(padding="full")),
    "conv: strides": (ValueError, "Conv2D: strides must be a positive int or a pair of positive ints, got (0, 1)",
                      lambda: conv(strides=(0, 1))),
    "conv backward: dout shape": (ValueError, "Conv2D backward: expected shape (2, 3, 3, 2), got (2, 3, 3, 3)",
                                  lambda: _forwarded(conv(), IMAGES).backward(np.ones((2, 3, 3, 3)))),
    "conv backward before forward": (RuntimeError, "Conv2D: backward called before forward",
                                     lambda: conv().backward(np.ones((2, 3, 3, 2)))),
    "max pool: wrong rank": (ValueError, "MaxPooling2D: expected images of shape (N, H, W, C) (channels last), "
                             "got (2, 25)", lambda: MaxPooling2D().forward(np.ones((2, 25)))),
    "max pool: window larger than the input": (ValueError, "MaxPooling2D has a 6x6 pool window larger than its 5x5 "
                                               "input", lambda: MaxPooling2D(6).forward(IMAGES)),
    "max pool: integer images": (TypeError, "MaxPooling2D: expected dtype float32 or float64, got int64",
                                 lambda: MaxPooling2D().forward(np.ones((1, 4, 4, 1), np.int64))),
    "max pool: pool size": (ValueError, "MaxPooling2D: pool_size must be a positive int or a pair",
                            lambda: MaxPooling2D((2, 2, 2))),
    "average pool: no default pool size": (TypeError, "pool_size", lambda: AveragePooling2D()),
    "average pool backward: dtype": (TypeError, "AveragePooling2D backward: expected dtype float64, got float32",
                                     lambda: _forwarded(AveragePooling2D(2), IMAGES).backward(
                                         np.ones((2, 2, 2, 3), np.float32))),
    "flatten: integer input": (TypeError, "Flatten: expected a float32 or float64 input, got int64",
                               lambda: Flatten().forward(np.ones((2, 3), np.int64))),
    "dropout: rate 1": (ValueError, "Dropout: rate must be a number in [0, 1) (the fraction of units dropped), got 1",
                        lambda: Dropout(1, seed=0)),
    "dropout: negative rate": (ValueError, "Dropout: rate must be a number in [0, 1)", lambda: Dropout(-0.1, seed=0)),
    "dropout: rate as text": (ValueError, "got '0.5'", lambda: Dropout("0.5", seed=0)),
    "dropout: seed": (TypeError, "Dropout: seed must be an int64 integer or None, got 1.5", lambda: Dropout(0.5, 1.5)),
    "dropout backward: shape": (ValueError, "Dropout backward: expected shape (2, 5, 5, 3), got (2, 5, 5, 1)",
                                lambda: _forwarded(Dropout(0.5, seed=0), IMAGES, training=True).backward(
                                    np.ones((2, 5, 5, 1)))),
    "batch norm: features": (ValueError, "BatchNormalization: expected a float64 input of shape (N, ..., 4) "
                             "(normalised over the last axis), got float64 (2, 5, 5, 3)", lambda: bn().forward(IMAGES)),
    "batch norm: dtype": (TypeError, "BatchNormalization: expected a float64 input of shape (N, ..., 3)",
                          lambda: bn(3).forward(IMAGES.astype(np.float32))),
    "batch norm: one-dimensional input": (ValueError, "got float64 (3,)", lambda: bn(3).forward(np.ones(3))),
    "batch norm: moving variance size": (ValueError,
                                         "BatchNormalization: moving_variance: expected shape (3,), got (4,)",
                                         lambda: BatchNormalization(np.ones(3), np.zeros(3), np.zeros(3), np.ones(4))),
    "batch norm: momentum": (ValueError, "BatchNormalization: momentum must be in [0, 1], got 1.5",
                             lambda: BatchNormalization(np.ones(3), np.zeros(3), momentum=1.5)),
    "batch norm: mixed dtypes": (TypeError, "BatchNormalization: gamma and beta and moving_mean and moving_variance "
                                 "must share a float32/float64 dtype", lambda: BatchNormalization(
                                     np.ones(3), np.zeros(3, np.float32))),
    "model: Affine after Flatten of the wrong size": (
        ValueError, "Sequential: Flatten1 outputs 18 units but Affine1 expects 20 inputs",
        lambda: scratchnet.Sequential([conv(input_shape=(5, 5, 3)), Flatten(), Affine(np.ones((20, 2)), np.zeros(2))])),
    "model: conv after conv with other channels": (
        ValueError, "Sequential: Conv2D1 outputs shape (N, 3, 3, 2) but Conv2D2 expects images (N, H, W, 3)",
        lambda: scratchnet.Sequential([conv(input_shape=(5, 5, 3)), conv(c_in=3)])),
    "model: pooling window larger than the feature map": (
        ValueError, "Sequential: Conv2D1 outputs shape (N, 3, 3, 2) but MaxPooling2D1 has a 4x4 pool window larger",
        lambda: scratchnet.Sequential([conv(input_shape=(5, 5, 3)), MaxPooling2D(4), Flatten(),
                                       Affine(np.ones((2, 2)), np.zeros(2))])),
    "model: 4-D input to an image model": (ValueError,
                                           "Sequential input: expected shape (N, 5, 5, 3), got (2, 5, 4, 3)",
                                           lambda: _convnet().predict(np.ones((2, 5, 4, 3)))),
}


def _forwarded(layer, x, **kw):
    layer.forward(x, **kw)
    return layer


def _convnet():
    return scratchnet.Sequential([conv(input_shape=(5, 5, 3)), ReLU(), Flatten(),
                                  Affine(np.ones((18, 2)), np.zeros(2))], SoftmaxCrossEntropy())


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_inputs_name_the_layer_and_the_shapes(case):
    error, phrase, call = BAD_INPUTS[case]
    with pytest.raises(error, match=re.escape(phrase)):
        call()


def test_a_refused_input_changes_nothing():
    model = _convnet()
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.loss(np.ones((2, 5, 5, 2)), np.array([0, 1]))
    with pytest.raises(ValueError):
        model.set_weights([np.ones((3, 3, 3, 2)), np.ones(2), np.ones((9, 9)), np.ones(2)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_every_layer_is_registered_and_rebuilds_from_its_config():
    layers = [conv(input_shape=(6, 6, 3), strides=2, padding="same"), MaxPooling2D(2, strides=1, padding="same"),
              AveragePooling2D((2, 3)), bn(2), Dropout(0.25, seed=7), Flatten()]
    for layer in layers:
        assert LAYERS[type(layer).__name__] is type(layer) is layer_class(layer.config()["kind"])
        copy = layer.astype(np.float32)
        assert copy.config() == layer.config() and type(copy) is type(layer)
        assert all(value.dtype == np.float32 for value in {**copy.params, **copy.state}.values())
    assert [repr(layer) for layer in layers] == [
        "Conv2D(3x3, 3 -> 2, strides=(2, 2), same)", "MaxPooling2D(2x2, strides=(1, 1), same)",
        "AveragePooling2D(2x3, valid)", "BatchNormalization(2, momentum=0.99, epsilon=0.001)",
        "Dropout(rate=0.25, seed=7, counter=0)", "Flatten()"]


def test_conv_forward_and_backward_against_direct_loops():
    """y[n,i,j,o] = b[o] + sum W[p,q,c,o] xpad[n, i*s+p, j*s+q, c] with TF's same padding (the
    extra row and column at the bottom/right), and col2im as the exact adjoint of im2col."""
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(2, 6, 5, 2)), rng.normal(size=(3, 2, 2, 4)), rng.normal(size=4)
    layer = Conv2D(W, b, strides=2, padding="same")
    y = layer.forward(x)
    xp = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))  # out 3x3: total padding (2*2+3-6)=1 rows, (2*2+2-5)=1 cols
    expected = np.zeros((2, 3, 3, 4))
    for i in range(3):
        for j in range(3):
            expected[:, i, j] = np.einsum("npqc,pqco->no", xp[:, 2 * i:2 * i + 3, 2 * j:2 * j + 2], W) + b
    np.testing.assert_allclose(y, expected, rtol=1e-13, atol=1e-13)
    dout = rng.normal(size=y.shape)
    dx = layer.backward(dout)
    # adjoint: <conv(x) - b, dout> == <x, dx> for the linear part
    assert np.isclose(np.vdot(y - b, dout), np.vdot(x, dx), rtol=1e-12)


def test_numerical_gradient_skips_max_pool_switches():
    """Inputs with exact ties under a max pool: a +-h nudge of a weight changes which cell wins,
    and those entries are skipped rather than reported as a gradient error."""
    x = np.zeros((1, 4, 4, 1))
    x[0, :2, :2, 0] = 1.0  # one window of four equal maxima
    model = scratchnet.Sequential([Conv2D(np.ones((1, 1, 1, 1)), np.zeros(1), input_shape=(4, 4, 1)),
                                   MaxPooling2D(2), Flatten(), Affine(np.ones((4, 2)), np.zeros(2))],
                                  SoftmaxCrossEntropy())
    model.layers[0].params["W"][...] = 1.0
    sampled = sampled_numerical_gradient(model, x, np.array([1]), n_samples=1)
    idx, values, skipped = sampled["W1"]
    assert len(idx) + skipped >= 1  # the one entry is either usable or skipped, never a bogus quotient
    grads = model.gradient(x, np.array([1]))
    if len(idx):
        np.testing.assert_allclose(values, grads["W1"].reshape(-1)[idx], rtol=1e-6)


@pytest.mark.parametrize("name", ["mnist"])
def test_datasets_channel_axis(name):
    (x, _), (xt, _) = datasets.load(name, flatten=False, channel_axis=True, dtype=np.float32)
    assert x.shape == (60000, 28, 28, 1) and xt.shape == (10000, 28, 28, 1) and x.dtype == np.float32
    (raw, _), _ = datasets.load(name, normalize=False, flatten=False)
    assert raw.shape == (60000, 28, 28) and raw.dtype == np.uint8  # keras.datasets' arrays, unchanged
    np.testing.assert_array_equal(x[..., 0], raw / np.float32(255))
    (raw_images, _), _ = datasets.load(name, normalize=False, flatten=False, channel_axis=True)
    assert raw_images.shape == (60000, 28, 28, 1) and raw_images.dtype == np.uint8
    with pytest.raises(ValueError, match="channel_axis=True gives .* needs flatten=False"):
        datasets.load(name, channel_axis=True)


def test_the_books_non_inverted_dropout():
    """inverted=False: x * mask in training (the same mask as the inverted layer's), x * (1 - rate)
    at inference, and the backward passes of both forms."""
    x = np.random.default_rng(0).normal(size=(4, 6)) + 2
    book, keras_form = Dropout(0.25, seed=3, inverted=False), Dropout(0.25, seed=3)
    y_book, y_keras = book.forward(x, training=True), keras_form.forward(x, training=True)
    np.testing.assert_allclose(y_book, y_keras * 0.75, rtol=1e-15)
    np.testing.assert_array_equal(book.backward(np.ones_like(x)), y_book != 0)
    np.testing.assert_allclose(book.forward(x), x * 0.75, rtol=0)
    np.testing.assert_allclose(book.backward(np.ones_like(x)), np.full_like(x, 0.75), rtol=0)
    assert book.config()["inverted"] is False and "inverted" not in keras_form.config()
    assert repr(Dropout.from_config(book.config(), {})) == "Dropout(rate=0.25, seed=3, counter=0, inverted=False)"
