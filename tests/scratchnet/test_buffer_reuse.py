"""The training loop's buffer reuse (scratchnet/_buffers.py): the Trainer's steps write into arrays
the layers, the loss and the optimizer keep, which changes no bit of any result and never
overwrites an array a caller was given."""
import tracemalloc

import numpy as np
import pytest

import scratchnet
from scratchnet import Trainer, optimizers
from scratchnet.layers import ReLU, Sigmoid, Tanh

DTYPES = [np.float32, np.float64]
ACTIVATIONS = ["relu", "sigmoid", "tanh"]
OPTIMIZERS = {  # every update path that uses kept buffers
    "sgd": lambda: optimizers.SGD(learning_rate=0.1),
    "momentum": lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "amsgrad": lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
}


def _data(dtype, n=40, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 12)).astype(dtype), rng.integers(0, 3, size=n)


def _model(dtype, activation="relu"):
    return scratchnet.mlp([12, 16, 3], activation=activation, loss="softmax_cross_entropy",
                          weight_init="glorot_uniform", seed=0, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_trainer_with_reused_buffers_equals_a_plain_loop_to_the_last_bit(dtype, activation, optimizer):
    """The Trainer (buffers reused) and a loop of public calls (fresh arrays every call) on the same
    batches: the same losses and the same weights, bit for bit."""
    x, t = _data(dtype)
    model = _model(dtype, activation)
    history = Trainer(model, OPTIMIZERS[optimizer](), x, t, epochs=3, batch_size=8, seed=0, evaluate=None,
                      progress=False).fit()
    plain, plain_optimizer, losses = _model(dtype, activation), OPTIMIZERS[optimizer](), []
    rng = np.random.default_rng(0)
    for _ in range(3):
        for batch in scratchnet.training.batch_indices(len(x), 8, rng):
            losses.append(plain.backprop(x[batch], t[batch]))
            plain_optimizer.update(plain.params, plain.grads)
    assert history.step_loss == losses
    for key, value in model.params.items():
        assert np.array_equal(value, plain.params[key]), key


def _fresh_update(name, params, grads, steps):
    """The same optimizer with fresh temporaries at every update (reuse_buffers off): the
    equations themselves are checked against Keras's elsewhere (test_optimizers.py)."""
    params = {key: value.copy() for key, value in params.items()}
    opt = OPTIMIZERS[name]()
    opt.reuse_buffers = False
    for _ in range(steps):
        opt.update(params, grads)
    assert not opt.__dict__.get("_buffers")
    return params


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_buffered_updates_give_the_bits_of_fresh_temporaries(dtype, optimizer):
    rng = np.random.default_rng(2)
    params = {"W": rng.normal(size=(5, 4)).astype(dtype), "b": rng.normal(size=4).astype(dtype)}
    grads = {key: rng.normal(size=value.shape).astype(dtype) for key, value in params.items()}
    expected = _fresh_update(optimizer, params, grads, steps=4)
    opt = OPTIMIZERS[optimizer]()
    for _ in range(4):
        opt.update(params, grads)
    assert opt.__dict__.get("_buffers") or optimizer == "sgd"  # the temporaries were kept and reused
    for key in params:
        assert np.array_equal(params[key], expected[key]), key


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_a_caller_kept_survive_later_training_steps(dtype):
    """What predict, gradient, forward_trace, backward_trace and a layer's forward/backward
    returned, the input and dout, are all unchanged after more training."""
    x, t = _data(dtype)
    model = _model(dtype)
    kept = {"predict": model.predict(x[:8]), "gradient": model.gradient(x[:8], t[:8]),
            "trace": model.forward_trace(x[:8]), "backward": model.backward_trace(x[:8], t[:8])}
    relu = model.layers[1]
    h = np.linspace(-1, 1, 8 * 16).astype(dtype).reshape(8, 16)
    dout = np.ones_like(h)
    kept["relu forward"], kept["relu backward"] = relu.forward(h), relu.backward(dout)
    snapshot = _copy(kept)
    x_before, h_before, dout_before = x.copy(), h.copy(), dout.copy()
    Trainer(model, optimizers.SGD(learning_rate=0.1), x, t, epochs=2, batch_size=8, evaluate=None,
            progress=False).fit()
    _assert_equal(kept, snapshot)
    assert np.array_equal(x, x_before) and np.array_equal(h, h_before) and np.array_equal(dout, dout_before)


def _copy(value):
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value.copy()


def _assert_equal(value, expected):
    if isinstance(value, (dict, tuple)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _assert_equal(item, expected[key])
    else:
        assert np.array_equal(value, expected)


@pytest.mark.parametrize("layer, keeps_output", [(ReLU, True), (Sigmoid, False), (Tanh, True)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_layer_reuses_its_arrays_only_inside_reusing_buffers(layer, keeps_output, dtype):
    """Outside the block two calls give two arrays (the first one unchanged); inside, the same
    array is written again, with the same values as a fresh call gives; dout is never written.
    (Sigmoid's forward is functions.sigmoid, which returns a fresh array each call.)"""
    model = scratchnet.Sequential([scratchnet.layers.Affine(np.eye(4, dtype=dtype), np.zeros(4, dtype)), layer()])
    act = model.layers[1]
    a, b = (np.linspace(-2, 2, 12).astype(dtype).reshape(3, 4) * s for s in (1, -3))
    dout = np.full((3, 4), 0.5, dtype)
    first, first_dx = act.forward(a), act.backward(dout)
    fresh = [first.copy(), first_dx.copy()]
    second = act.forward(b)
    assert second is not first and np.array_equal(first, fresh[0])
    expected_b = [second.copy(), act.backward(dout).copy()]
    with model.reusing_buffers():
        out_a, dx_a = act.forward(a), act.backward(dout)
        assert np.array_equal(out_a, fresh[0]) and np.array_equal(dx_a, fresh[1])
        out_b, dx_b = act.forward(b), act.backward(dout)
        assert (out_b is out_a) == keeps_output and dx_b is dx_a  # kept, not reallocated
        assert np.array_equal(out_b, expected_b[0]) and np.array_equal(dx_b, expected_b[1])
    assert not act.reuse_buffers and act.forward(a) is not out_b
    assert np.array_equal(dout, np.full((3, 4), 0.5, dtype))


def test_reusing_buffers_is_switched_off_again_after_an_error():
    model = _model(np.float64)
    with pytest.raises(ValueError), model.reusing_buffers():
        assert all(layer.reuse_buffers for layer in model.layers) and model.loss_layer.reuse_buffers
        model.predict(np.zeros((2, 5)))  # wrong width: refused
    assert not any(layer.reuse_buffers for layer in model.layers) and not model.loss_layer.reuse_buffers


def _step_allocation(model, x, t, optimizer):
    """Bytes a second backprop + update inside reusing_buffers allocates at its peak."""
    with model.reusing_buffers():
        model.backprop(x, t)
        optimizer.update(model.params, model.grads)
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            model.backprop(x, t)
            optimizer.update(model.params, model.grads)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak - start


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_training_step_allocates_no_layer_sized_array(dtype):
    """After a first step, backprop + SGD inside reusing_buffers allocate less than one (batch,
    hidden) array in all: every activation, gradient and update lives in a kept array. (The
    largest allocation left is NumPy's casting buffer, at most 8192 values, for multiplying by
    ReLU's boolean mask.)"""
    rng = np.random.default_rng(0)
    model = scratchnet.mlp([64, 256, 10], loss="softmax_cross_entropy", weight_init="glorot_uniform",
                           seed=0, dtype=dtype)
    x, t = rng.normal(size=(64, 64)).astype(dtype), rng.integers(0, 10, size=64)
    assert _step_allocation(model, x, t, optimizers.SGD(learning_rate=0.1)) < 64 * 256 * np.dtype(dtype).itemsize


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_cnn_training_step_allocates_no_feature_map(dtype):
    """The same for a SimpleConvNet step with Adam (im2col matrix, convolution, ReLU, pooling
    masks, gradients, optimizer slots): less than one feature map of the batch in all."""
    rng = np.random.default_rng(0)
    model = scratchnet.simple_convnet(filters=8, hidden=(16,), dtype=dtype)
    x, t = rng.normal(size=(16, 28, 28, 1)).astype(dtype), rng.integers(0, 10, size=16)
    assert _step_allocation(model, x, t, optimizers.Adam()) < 16 * 24 * 24 * 8 * np.dtype(dtype).itemsize
