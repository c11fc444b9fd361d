"""Conv2D and the pooling layers against real Keras on pinned window geometries: odd and non-square
images, strides 2 and 3, "same" padding with odd and even kernels (TF puts the odd padding row and
column at the bottom/right), pixels left in no window, a batch of one, few and many channels (the
two im2col layouts), windows side by side (the pooling's block path). Forward, loss, every
parameter gradient and the input gradient agree to the tolerance table (1e-12 relative in float64),
and a CNN trained by the Trainer (which runs ReLU after max pooling) follows Keras in lockstep."""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks, weight_drift
from comparisons.core.tolerances import tolerance
from scratchnet.layers import Affine, AveragePooling2D, Conv2D, Flatten, MaxPooling2D, ReLU
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import Adam

# name: (image (H, W), channels, window (kh, kw), strides, padding, batch)
GEOMETRIES = {
    "odd square, valid, stride 1": ((7, 7), 1, (3, 3), (1, 1), "valid", 2),
    "non-square, valid, stride 2": ((9, 6), 3, (3, 2), (2, 2), "valid", 2),
    "stride 3, pixels in no window": ((10, 8), 2, (2, 2), (3, 3), "valid", 2),
    "same, odd kernel, stride 1, many channels": ((6, 5), 5, (3, 3), (1, 1), "same", 2),
    "same, even kernel, stride 1": ((5, 7), 1, (2, 4), (1, 1), "same", 2),
    "same, even kernel, stride 2 (odd padding)": ((7, 6), 6, (4, 2), (2, 2), "same", 2),
    "same, strides (3, 2)": ((8, 11), 2, (3, 3), (3, 2), "same", 2),
    "batch of one": ((5, 5), 8, (2, 2), (1, 1), "valid", 1),
    "side by side, a row and a column left over": ((9, 7), 6, (2, 2), (2, 2), "valid", 2),
}


def _data(name, dtype, integers=False):
    (h, w), c, window, strides, padding, n = GEOMETRIES[name]
    rng = np.random.default_rng(7)
    x = rng.integers(-2, 3, size=(n, h, w, c)) if integers else rng.normal(size=(n, h, w, c))
    return x.astype(dtype), rng.integers(0, 3, size=n), (h, w, c), window, strides, padding


def _head(shape, dtype, rng):
    n_in = int(np.prod(shape))
    W = (rng.normal(size=(n_in, 3)) / np.sqrt(n_in)).astype(dtype)
    return [Flatten(), Affine(W, rng.normal(size=3).astype(dtype))]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", GEOMETRIES)
def test_conv2d_geometry_agrees_with_keras(name, dtype, assert_twin):
    x, t, shape, window, strides, padding = _data(name, dtype)
    rng = np.random.default_rng(8)
    conv = Conv2D(rng.normal(size=(*window, shape[2], 4)).astype(dtype), rng.normal(size=4).astype(dtype),
                  strides=strides, padding=padding, input_shape=shape)
    model = scratchnet.Sequential([conv, *_head(conv.output_shape(shape), dtype, rng)], SoftmaxCrossEntropy())
    assert_twin(model, x, t)


@pytest.mark.parametrize("pool_class", [MaxPooling2D, AveragePooling2D])
@pytest.mark.parametrize("name", GEOMETRIES)
def test_pooling_geometry_agrees_with_keras(name, pool_class, assert_twin):
    """Small integers for max pooling: windows with equal maxima, where TF's gradient goes to the
    first maximum (row-major). A 1x1 identity convolution in front lets the input gradient show it."""
    x, t, shape, window, strides, padding = _data(name, "float64", integers=pool_class is MaxPooling2D)
    pool = pool_class(window, strides=strides, padding=padding)
    identity = Conv2D(np.eye(shape[2]).reshape(1, 1, shape[2], shape[2]), np.zeros(shape[2]), input_shape=shape)
    model = scratchnet.Sequential([identity, pool, *_head(pool.output_shape(shape), "float64",
                                                          np.random.default_rng(9))], SoftmaxCrossEntropy())
    assert_twin(model, x + 0.0, t)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_trained_cnn_follows_keras_in_lockstep(dtype):
    """Conv2D -> ReLU -> MaxPooling2D -> Flatten -> Affine trained by the Trainer (ReLU after the
    pooling, kept buffers) and by Keras from the same weights on the same batches: the per-step
    losses and the weights stay together (float64: round-off; float32: float32's tolerance)."""
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(48, 9, 8, 2)).astype(dtype)
    t = rng.integers(0, 3, size=48)
    conv = Conv2D((rng.normal(size=(3, 3, 2, 5)) * 0.4).astype(dtype), np.zeros(5, dtype), input_shape=(9, 8, 2))
    model = scratchnet.Sequential([conv, ReLU(), MaxPooling2D(2), *_head((3, 3, 5), dtype, rng)], SoftmaxCrossEntropy())
    keras_model, optimizer = rk.to_keras(model), Adam(0.01, float32_hyperparams=True)
    plan = LockstepPlan(epochs=2, batch_size=8)
    traj = run_lockstep(model, keras_model, optimizer, rk.keras_optimizer(optimizer, keras_model), x, t, plan)
    assert model._order != model._plain_order  # the Trainer ran ReLU after the pooling
    failed = [f"{c.name}: {c.value:.3g} > {c.tolerance:g}" for c in trajectory_checks(traj, dtype) if not c.passed]
    assert not failed, failed
    assert weight_drift(model, keras_model) <= tolerance(dtype, "trajectory_weights")
