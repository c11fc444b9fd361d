"""Conv2D, MaxPooling2D and AveragePooling2D against direct loops over every output position, on a
table of window geometries (odd and non-square images, strides 2 and 3, "same" with odd and even
kernels, pixels left in no window, a batch of one, few and many channels), in float32 and float64,
with fresh arrays and with the training loop's kept buffers; the window geometry with dilation;
and the training step's ReLU after max pooling, which changes no bit of any result (the kept
buffers' allocation test is in test_buffer_reuse.py)."""
import numpy as np
import pytest

import scratchnet
from scratchnet import Trainer, optimizers
from scratchnet.layers import AveragePooling2D, Conv2D, Flatten, MaxPooling2D, ReLU
from scratchnet.layers._windows import Geometry, axis_geometry
from scratchnet.losses import SoftmaxCrossEntropy

# name: (image (H, W), channels, window (kh, kw), strides, padding, batch)
GEOMETRIES = {
    "odd square, valid, stride 1": ((7, 7), 1, (3, 3), (1, 1), "valid", 2),
    "non-square, valid, stride 2": ((9, 6), 3, (3, 2), (2, 2), "valid", 2),
    "stride 3, pixels in no window": ((10, 8), 2, (2, 2), (3, 3), "valid", 2),
    "same, odd kernel, stride 1": ((6, 5), 5, (3, 3), (1, 1), "same", 2),
    "same, even kernel, stride 1": ((5, 7), 1, (2, 4), (1, 1), "same", 2),
    "same, even kernel, stride 2 (odd padding)": ((7, 6), 6, (4, 2), (2, 2), "same", 2),
    "same, strides (3, 2)": ((8, 11), 2, (3, 3), (3, 2), "same", 2),
    "batch of one, many channels": ((5, 5), 8, (2, 2), (1, 1), "valid", 1),
    "windows side by side": ((8, 6), 3, (2, 2), (2, 2), "valid", 2),
    "side by side, a row and a column left over": ((9, 7), 6, (2, 2), (2, 2), "valid", 2),
    "side by side 3x2, same without padding": ((6, 6), 2, (3, 2), (3, 2), "same", 1),
    "window as large as the image": ((4, 3), 1, (4, 3), (1, 1), "valid", 2),
}
DTYPES = [np.float32, np.float64]


def _tolerance(dtype):
    return {"rtol": 1e-12, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-5}


def _padded(x, window, strides, padding, value):
    """TF's padding, built explicitly (the layers never build it): (xp, out_h, out_w)."""
    (oh, top, bottom), (ow, left, right) = (axis_geometry(n, k, s, padding)
                                            for n, k, s in zip(x.shape[1:3], window, strides))
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value), oh, ow, top, left


def _windows(xp, window, strides, oh, ow):
    (kh, kw), (sh, sw) = window, strides
    for a in range(oh):
        for b in range(ow):
            yield a, b, (slice(a * sh, a * sh + kh), slice(b * sw, b * sw + kw))


def _case(name, dtype, seed=0, integers=False):
    (h, w), c, window, strides, padding, n = GEOMETRIES[name]
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(n, h, w, c)) if integers else rng.normal(size=(n, h, w, c))
    return x.astype(dtype), c, window, strides, padding


@pytest.mark.parametrize("reuse", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", GEOMETRIES)
def test_conv2d_matches_direct_loops(name, dtype, reuse):
    x, c, window, strides, padding = _case(name, dtype)
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(*window, c, 3)).astype(dtype), rng.normal(size=3).astype(dtype)
    layer = Conv2D(W, b, strides=strides, padding=padding)
    layer.reuse_buffers = reuse
    xp, oh, ow, top, left = _padded(x.astype(np.float64), window, strides, padding, 0.0)
    expected, dxp = np.zeros((x.shape[0], oh, ow, 3)), np.zeros_like(xp)
    dW, dout = np.zeros(W.shape), rng.normal(size=(x.shape[0], oh, ow, 3)).astype(dtype)
    for a, b_, cells in _windows(xp, window, strides, oh, ow):
        patch = xp[:, cells[0], cells[1]]
        expected[:, a, b_] = np.einsum("npqc,pqco->no", patch, W.astype(np.float64)) + b
        dW += np.einsum("npqc,no->pqco", patch, dout[:, a, b_].astype(np.float64))
        dxp[:, cells[0], cells[1]] += np.einsum("pqco,no->npqc", W.astype(np.float64),
                                                dout[:, a, b_].astype(np.float64))
    for _ in range(2):  # twice: the second pass reuses the kept arrays
        y = layer.forward(x)
        assert y.shape == expected.shape and y.dtype == dtype
        np.testing.assert_allclose(y, expected, **_tolerance(dtype))
        dx = layer.backward(dout)
        assert dx.shape == x.shape and dx.dtype == dtype
        np.testing.assert_allclose(dx, dxp[:, top:top + x.shape[1], left:left + x.shape[2]], **_tolerance(dtype))
        np.testing.assert_allclose(layer.grads["W"], dW, **_tolerance(dtype))
        np.testing.assert_allclose(layer.grads["b"], dout.astype(np.float64).sum(axis=(0, 1, 2)), **_tolerance(dtype))


@pytest.mark.parametrize("reuse", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", GEOMETRIES)
def test_max_pooling_matches_direct_loops_with_ties(name, dtype, reuse):
    """Small integers: most windows hold equal maxima, and the gradient goes to the first one in
    row-major order (TF's rule); a padded cell is never the maximum."""
    x, _, window, strides, padding = _case(name, dtype, integers=True)
    pool = MaxPooling2D(window, strides=strides, padding=padding)
    pool.reuse_buffers = reuse
    xp, oh, ow, top, left = _padded(x.astype(np.float64), window, strides, padding, -np.inf)
    dout = np.random.default_rng(2).normal(size=(x.shape[0], oh, ow, x.shape[3])).astype(dtype)
    expected, dxp = np.zeros(dout.shape), np.zeros_like(xp)
    for a, b, cells in _windows(xp, window, strides, oh, ow):
        flat = xp[:, cells[0], cells[1]].reshape(x.shape[0], -1, x.shape[3])
        expected[:, a, b] = flat.max(axis=1)
        first = flat.argmax(axis=1)  # the first maximum, row-major
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                p, q = divmod(int(first[n, c]), window[1])
                dxp[n, cells[0].start + p, cells[1].start + q, c] += dout[n, a, b, c]
    for _ in range(2):
        np.testing.assert_array_equal(pool.forward(x), expected)
        np.testing.assert_allclose(pool.backward(dout), dxp[:, top:top + x.shape[1], left:left + x.shape[2]],
                                   **_tolerance(dtype))
        switches = pool.switches()
        assert switches.shape == (window[0] * window[1], *dout.shape) and (switches.sum(axis=0) == 1).all()


@pytest.mark.parametrize("reuse", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", GEOMETRIES)
def test_average_pooling_matches_direct_loops(name, dtype, reuse):
    """Each window's mean over its cells on the image (padding not counted, as in TF)."""
    x, _, window, strides, padding = _case(name, dtype)
    pool = AveragePooling2D(window, strides=strides, padding=padding)
    pool.reuse_buffers = reuse
    xp, oh, ow, top, left = _padded(x.astype(np.float64), window, strides, padding, np.nan)
    dout = np.random.default_rng(3).normal(size=(x.shape[0], oh, ow, x.shape[3])).astype(dtype)
    expected, dxp = np.zeros(dout.shape), np.zeros_like(xp)
    for a, b, cells in _windows(xp, window, strides, oh, ow):
        patch = xp[:, cells[0], cells[1]]
        count = np.count_nonzero(~np.isnan(patch[0, :, :, 0]))
        expected[:, a, b] = np.nansum(patch, axis=(1, 2)) / count
        dxp[:, cells[0], cells[1]] += dout[:, a, b][:, None, None] / count
    for _ in range(2):
        np.testing.assert_allclose(pool.forward(x), expected, **_tolerance(dtype))
        expected_dx = np.nan_to_num(dxp)[:, top:top + x.shape[1], left:left + x.shape[2]]
        np.testing.assert_allclose(pool.backward(dout), expected_dx, **_tolerance(dtype))


@pytest.mark.parametrize("size, window, strides, dilation, padding", [
    ((9, 8), (3, 2), (1, 1), (2, 3), "valid"), ((7, 7), (3, 3), (2, 1), (2, 2), "same"),
    ((6, 10), (2, 3), (3, 2), (3, 2), "same"), ((5, 5), (2, 2), (2, 2), (1, 1), "same")])
def test_geometry_cells_with_dilation(size, window, strides, dilation, padding):
    """Each cell's output block and input slices: output o reads padded row o*s + i*d, and a cell
    covers exactly the outputs where that row and column lie on the image (TF's sizes with the
    window's extent (k - 1) * d + 1)."""
    g = Geometry(*size, window, strides, padding, dilation=dilation)
    extents = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    assert (g.out_h, g.top, g.bottom) == axis_geometry(size[0], extents[0], strides[0], padding)
    assert (g.out_w, g.left, g.right) == axis_geometry(size[1], extents[1], strides[1], padding)
    rows, cols = np.arange(size[0]), np.arange(size[1])
    for cell in g.cells:
        on_rows = [o for o in range(g.out_h) if 0 <= o * strides[0] + cell.i * dilation[0] - g.top < size[0]]
        on_cols = [o for o in range(g.out_w) if 0 <= o * strides[1] + cell.j * dilation[1] - g.left < size[1]]
        assert list(range(g.out_h)[cell.out[0]]) == on_rows and list(range(g.out_w)[cell.out[1]]) == on_cols
        assert list(rows[cell.image[0]]) == [o * strides[0] + cell.i * dilation[0] - g.top for o in on_rows]
        assert list(cols[cell.image[1]]) == [o * strides[1] + cell.j * dilation[1] - g.left for o in on_cols]
        assert cell.full == (len(on_rows) == g.out_h and len(on_cols) == g.out_w)


def _convnet(dtype, pool, relu_first_layer=False):
    rng = np.random.default_rng(0)
    conv = Conv2D(rng.normal(size=(3, 3, 1, 4)).astype(dtype) * 0.5, np.zeros(4, dtype), input_shape=(10, 9, 1))
    pooled = pool.output_shape((8, 7, 4))
    layers = [ReLU(), pool] if relu_first_layer else [conv, ReLU(), pool]
    n_in = int(np.prod(pooled if not relu_first_layer else pool.output_shape((10, 9, 1))))
    layers += [Flatten(), scratchnet.layers.Affine(rng.normal(size=(n_in, 3)).astype(dtype) * 0.3,
                                                   np.zeros(3, dtype))]
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype)


POOLS = {"2x2": lambda: MaxPooling2D(2), "3x3 stride 2 same": lambda: MaxPooling2D(3, strides=2, padding="same"),
         "2x2 stride 1": lambda: MaxPooling2D(2, strides=1)}


@pytest.mark.parametrize("relu_first_layer", [False, True])
@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_training_steps_with_relu_after_pooling_equal_plain_calls(dtype, pool, relu_first_layer):
    """The Trainer's steps run ReLU -> MaxPooling2D as pooling then ReLU (Sequential's
    _pooling_first); a loop of public calls runs them in order. Same losses and weights."""
    rng = np.random.default_rng(5)
    x = rng.integers(-2, 3, size=(24, 10, 9, 1)).astype(dtype)  # integers: ties and exact zeros
    t = rng.integers(0, 3, size=24)
    model, plain = _convnet(dtype, POOLS[pool](), relu_first_layer), _convnet(dtype, POOLS[pool](), relu_first_layer)
    history = Trainer(model, optimizers.Adam(0.01), x, t, epochs=2, batch_size=8, seed=0, evaluate=None,
                      progress=False).fit()
    assert model._order != model._plain_order  # the shortcut ran
    plain_optimizer, losses, batches = optimizers.Adam(0.01), [], np.random.default_rng(0)
    for _ in range(2):
        for batch in scratchnet.training.batch_indices(len(x), 8, batches):
            losses.append(plain.backprop(x[batch], t[batch]))
            plain_optimizer.update(plain.params, plain.grads)
    assert plain._order == plain._plain_order
    assert history.step_loss == losses
    for key, value in model.params.items():
        assert np.array_equal(value, plain.params[key]), key
