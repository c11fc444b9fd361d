"""The book's Convolution, Pooling, Dropout and BatchNormalization against Keras's Conv2D,
MaxPooling2D, Dropout and BatchNormalization, through the layouts and conventions of
book_layout.py: forward output, dx and the parameter gradients (dW, db; dgamma, dbeta)
by Keras's autodiff with the same upstream gradient, transposed back to the book's layout;
Dropout in both modes with Keras's own mask; BatchNormalization in training mode (with its
running statistics after the step) and in inference mode, with the learner's momentum and
epsilon. A failed check names the classic mistake it equals, where it equals one."""
import numpy as np

import reference_keras
from scratchnet import layers as sn_layers

from ..core.check import Check, compare
from ..core.tolerances import tolerance
from . import book_layout as bl
from .common import INF, BadInput, LearnerFailure, build_layer, call, failure, forward_backward, write_warning
from .recognize import NotMappable, construct, working_copy

# (case, N, C, H, W, FN, FH, FW, stride, pad): every size different, so a swapped axis is a
# shape error; filters wider than the stride, so windows overlap (col2im must add them up).
CONV_CASES = (("N=2, C=3, 7x9, 4 filters 3x2, stride 1, pad 0", 2, 3, 7, 9, 4, 3, 2, 1, 0),
              ("N=3, C=1, 8x6, 2 filters 3x3, stride 2, pad 1", 3, 1, 8, 6, 2, 3, 3, 2, 1))
# (case, N, C, H, W, pool_h, pool_w, stride, integers): SimpleConvNet's pooling, then the book's
# default stride 1 (overlapping windows) on integer values (equal maxima in most windows).
POOL_CASES = (("2x2, stride 2, N=2, C=3, 7x9", 2, 3, 7, 9, 2, 2, 2, False),
              ("3x2, stride 1, N=3, C=2, 5x6, integers (equal maxima)", 3, 2, 5, 6, 3, 2, 1, True))
DROPOUT_SHAPE = (6, 40)  # enough units that a mask drawn another way differs somewhere
BATCHNORM_SHAPE = (6, 5)  # N, D
SEED_OFFSET = 101  # the Keras Dropout's seed: the check's seed plus this
MISSING_GRADIENT = "the book's layer keeps it as an attribute"


def _attr(layer, name, what, ndim=None):
    value = getattr(layer, name, None)
    if value is None:
        raise NotMappable(f"{type(layer).__name__}: no {name} attribute (the book's layer keeps its {what} in {name})")
    if ndim is not None:
        value = np.asarray(value)
        if value.ndim != ndim:
            raise NotMappable(f"{type(layer).__name__}: {name} must be {ndim}-D, the {what}; got shape {value.shape}")
    return value


def _integer(layer, name, default):
    value = getattr(layer, name, default)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise NotMappable(f"{type(layer).__name__}: {name} must be a non-negative integer, got {value!r}")
    return int(value)


def _given_x(x, ndim, what, name):
    if x is not None and np.ndim(x) != ndim:
        raise BadInput(f"check: {name} takes {what}; got x of shape {np.shape(x)}")


def _cells(xp, fh, fw, stride, oh, ow):
    """(N, C, fh, fw, oh, ow): every window's cells of padded NCHW images, as the book's im2col
    lays them out before its transpose."""
    return np.stack([np.stack([xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] for j in range(fw)],
                              axis=2) for i in range(fh)], axis=2)


def _scatter(cells, shape, stride, pad, accumulate=True):
    """The book's col2im on (N, C, fh, fw, oh, ow) cells: each back where it came from, overlapping
    cells added (accumulate) or overwritten (the classic mistake); cropped to `shape` (NCHW)."""
    n, c, fh, fw, oh, ow = cells.shape
    img = np.zeros((n, c, shape[2] + 2 * pad + stride - 1, shape[3] + 2 * pad + stride - 1))
    for i in range(fh):
        for j in range(fw):
            window = img[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            if accumulate:
                window += cells[:, :, i, j]
            else:
                window[...] = cells[:, :, i, j]
    return img[:, :, pad:shape[2] + pad, pad:shape[3] + pad]


def _keras_vjp(mirror, dtype, x, dout, training=False):
    return reference_keras.layer_vjp(reference_keras.keras_layer(mirror, dtype, reuse=True), x, dout,
                                     training=training)


# -- Convolution ---------------------------------------------------------------------------------
def check_convolution(obj, result, draws, x, t):
    _given_x(x, 4, "NCHW images (N, C, H, W)", result.name)
    if isinstance(obj, type):
        for case, n, c, h, w, fn, fh, fw, stride, pad in CONV_CASES:
            W, b = draws.normal((fn, c, fh, fw), 0.5), draws.normal((fn,))
            layer = build_layer(obj, (W, b, stride, pad), draws.seed)
            _run(result, case, _convolution_case, draws, layer, draws.normal((n, c, h, w)))
        return
    layer = working_copy(obj)
    W = _attr(layer, "W", "filters (FN, C, FH, FW)", ndim=4)
    b = _attr(layer, "b", "biases (FN,)", ndim=1)
    if b.shape != W.shape[:1]:
        raise NotMappable(f"{result.name}: b must have one entry per filter, shape ({W.shape[0]},) for W {W.shape}; "
                          f"got {b.shape}")
    for key in ("W", "b"):
        setattr(layer, key, np.asarray(getattr(layer, key)).astype(draws.dtype))
    fn, c, fh, fw = W.shape
    if x is None:
        x = draws.normal((2, c, fh + 4, fw + 5))
    elif x.shape[1] != c:
        raise BadInput(f"check: {result.name} with W {W.shape} takes NCHW images with {c} channels, "
                         f"got x of shape {x.shape}")
    _run(result, f"given layer, x {x.shape}", _convolution_case, draws, layer, x)


def _run(result, case, function, draws, layer, x):
    try:
        function(result, case, draws, layer, x)
    except LearnerFailure as err:
        result.checks.append(failure(err, case, tolerance(draws.dtype, "forward")))


def _convolution_case(result, case, draws, layer, x):
    dtype = draws.dtype
    W, b = np.asarray(layer.W), np.asarray(layer.b)
    stride, pad = _integer(layer, "stride", 1) or 1, _integer(layer, "pad", 0)
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    if oh < 1 or ow < 1:
        raise BadInput(f"check: {result.name}'s filters {W.shape} with pad {pad} do not fit x of shape {x.shape}")
    mirror = sn_layers.Conv2D(bl.kernel_to_keras(W).copy(), b.copy(), strides=stride,
                              input_shape=(h + 2 * pad, w + 2 * pad, c))
    dout = draws.normal((n, fn, oh, ow))
    y, dxp, (dkernel, db) = _keras_vjp(mirror, dtype, bl.pad_images(bl.to_nhwc(x), pad), bl.to_nhwc(dout))
    dW = bl.kernel_from_keras(dkernel)
    refs = {"y": bl.to_nchw(y), "dx": bl.to_nchw(dxp[:, pad:pad + h, pad:pad + w, :]), "dW": dW, "db": db}
    dcells = (bl.to_nhwc(dout).reshape(-1, fn) @ W.reshape(fn, -1)).reshape(n, oh, ow, c, fh, fw)
    overwritten = _scatter(dcells.transpose(0, 3, 4, 5, 1, 2), x.shape, stride, pad, accumulate=False)
    candidates = {
        "y": {"the output reshaped straight to (N, FN, out_h, out_w): the product is (N*out_h*out_w, FN), so "
              "reshape it to (N, out_h, out_w, FN) and transpose(0, 3, 1, 2)": y.reshape(n, fn, oh, ow)},
        "dx": {"col2im overwrote the cells where windows overlap instead of adding them up (img[...] += col[...])":
               overwritten},
        "dW": {"dW = col.T @ dout reshaped to (FN, C, FH, FW) without transposing it back first (it is "
               "(C*FH*FW, FN): dW.transpose(1, 0).reshape(FN, C, FH, FW))": dW.reshape(fn, -1).T.reshape(W.shape)},
    }
    forward_backward(result, case, layer, x, dout, refs, candidates, MISSING_GRADIENT, cast_widened=True)


# -- Pooling ---------------------------------------------------------------------------------------
def check_pooling(obj, result, draws, x, t):
    _given_x(x, 4, "NCHW images (N, C, H, W)", result.name)
    if isinstance(obj, type):
        for case, n, c, h, w, ph, pw, stride, integers in POOL_CASES:
            layer = build_layer(obj, (ph, pw, stride), draws.seed)
            x = draws.rng.integers(-2, 3, (n, c, h, w)).astype(draws.dtype) if integers else draws.normal((n, c, h, w))
            _run(result, case, _pooling_case, draws, layer, x)
        return
    layer = working_copy(obj)
    ph, pw = _integer(layer, "pool_h", None), _integer(layer, "pool_w", None)
    if x is None:
        x = draws.normal((2, 3, ph + 4, pw + 5))
    _run(result, f"given layer, x {x.shape}", _pooling_case, draws, layer, x)


def _pooling_case(result, case, draws, layer, x):
    ph, pw = _integer(layer, "pool_h", None), _integer(layer, "pool_w", None)
    stride, pad = _integer(layer, "stride", 1) or 1, _integer(layer, "pad", 0)
    if pad:
        raise NotMappable(f"{result.name}: pad {pad}: the book's Pooling leaves pad out of its output size "
                          f"(out_h = 1 + (H - pool_h) / stride) but pads in im2col, so only pad 0 is consistent")
    n, c, h, w = x.shape
    oh, ow = (h - ph) // stride + 1, (w - pw) // stride + 1
    if oh < 1 or ow < 1:
        raise BadInput(f"check: {result.name}'s {ph}x{pw} window does not fit x of shape {x.shape}")
    mirror = sn_layers.MaxPooling2D((ph, pw), strides=stride)
    dout = draws.normal((n, c, oh, ow))
    y, dx, _ = _keras_vjp(mirror, draws.dtype, bl.to_nhwc(x), bl.to_nhwc(dout))
    cells = _cells(x.astype(np.float64), ph, pw, stride, oh, ow)
    flat = cells.reshape(n, c, ph * pw, oh, ow)
    is_max = flat == flat.max(axis=2, keepdims=True)
    last = np.zeros_like(is_max)
    np.put_along_axis(last, ph * pw - 1 - np.argmax(is_max[:, :, ::-1], axis=2)[:, :, None], True, axis=2)
    first = np.zeros_like(is_max)
    np.put_along_axis(first, np.argmax(is_max, axis=2)[:, :, None], True, axis=2)

    def routed(mask, accumulate=True):
        share = mask.reshape(cells.shape) * dout.astype(np.float64)[:, :, None, None]
        return _scatter(share, x.shape, stride, 0, accumulate)

    candidates = {"dx": {
        "the gradient went to every maximum of a window where several cells are equal; the book's argmax and Keras "
        "send it to the first one only (row-major)": routed(is_max),
        "the gradient went to the last maximum of a window with equal cells; the book's argmax and Keras send it "
        "to the first": routed(last),
        "col2im overwrote the cells where windows overlap instead of adding them up (img[...] += col[...])":
            routed(first, accumulate=False)}}
    forward_backward(result, case, layer, x, dout, {"y": bl.to_nchw(y), "dx": bl.to_nchw(dx)}, candidates,
                     MISSING_GRADIENT, cast_widened=True)


# -- Dropout ---------------------------------------------------------------------------------------
def check_dropout(obj, result, draws, x, t):
    layer = construct(obj, {}, draws.seed) if isinstance(obj, type) else working_copy(obj)
    attribute, ratio = bl.dropout_ratio(layer)
    if ratio is None:
        raise NotMappable(f"{result.name}: no dropout ratio attribute ({', '.join(bl.DROPOUT_RATIO_NAMES)}); the "
                          f"book's Dropout keeps dropout_ratio")
    if not 0.0 < ratio < 1.0:
        raise NotMappable(f"{result.name}: {attribute} = {ratio:g}; a dropout ratio in (0, 1) is needed to compare "
                          f"masks")
    x = draws.normal(DROPOUT_SHAPE) if x is None else x
    try:
        _dropout_checks(result, draws, layer, ratio, x)
    except LearnerFailure as err:
        result.checks.append(failure(err, f"x {x.shape}", tolerance(draws.dtype, "forward")))


def _dropout_checks(result, draws, layer, ratio, x):
    dtype, n = draws.dtype, x.shape[0]
    seed = draws.seed + SEED_OFFSET
    book = sn_layers.Dropout(ratio, seed=seed, inverted=False)
    keras_style = sn_layers.Dropout(ratio, seed=seed)
    u = book.uniforms(x.shape, dtype)
    dout = draws.normal(x.shape)
    y_book, dx_book, _ = _keras_vjp(book, dtype, x, dout, training=True)
    y_inverted, dx_inverted, _ = _keras_vjp(keras_style, dtype, x, dout, training=True)
    x_in = x.copy()
    with bl.driven_uniforms(u):
        y_out = call("forward", layer.forward, x_in, True)
    y = np.asarray(y_out)
    if not np.array_equal(x_in, x, equal_nan=True):
        result.warnings.append(write_warning("forward", "x", x, x_in, y_out is x_in))
    gaps = {"book": _gap(y, y_book), "keras": _gap(y, y_inverted)}
    convention = min(gaps, key=gaps.get)
    ref_y, ref_dx = (y_book, dx_book) if convention == "book" else (y_inverted, dx_inverted)
    keep = u >= ratio
    scale = 1.0 if convention == "book" else 1.0 / (1.0 - ratio)
    reversed_words = (f"the mask is reversed: it keeps a unit where rand < {ratio:g} (Keras and the book keep it "
                      f"where rand >= ratio: a fraction 1 - ratio of the units)")
    reversed_mask = {reversed_words: np.where(keep, 0.0, x * scale),  # scaled either way (the choice above is moot)
                     f"{reversed_words}, scaled by 1 / {ratio:g} (the dropout probability read as the keep one)":
                         np.where(keep, 0.0, x / ratio),
                     f"{reversed_words}, and not scaled": np.where(keep, 0.0, x)}
    mode = "training, Keras's mask handed to np.random.rand"
    check = compare(f"forward ({mode})", y, ref_y, tolerance(dtype, "forward"), n, candidates=reversed_mask,
                    kind="forward", subject="y")
    if not check.passed and y.shape == x.shape and "reversed" not in check.diagnosis:
        learners_kept = (y != 0) & (x != 0)
        if np.any(learners_kept[x != 0] != keep[x != 0]):
            check.diagnosis = (f"its mask differs from the one np.random.rand(*x.shape) > {ratio:g} gives for the "
                               f"uniforms the check hands it (Keras's own, for the same seed) in "
                               f"{int(np.sum(learners_kept[x != 0] != keep[x != 0]))} of {x.size} units: it draws its "
                               f"mask another way (the check drives np.random.rand, random, random_sample, uniform and "
                               f"binomial(1, p))")
    result.checks.append(check)
    dout_in = dout.copy()
    dx = call("backward", layer.backward, dout_in)
    if not np.array_equal(dout_in, dout, equal_nan=True):
        result.warnings.append(write_warning("backward", "dout", dout, dout_in, dx is dout_in))
    result.checks.append(compare("dx (training)", np.asarray(dx), ref_dx, tolerance(dtype, "gradient"), n,
                                 candidates={"backward does not apply the mask: the dropped units must get no "
                                             "gradient (dx = dout * mask)": dout * scale},
                                 kind="gradient", subject="x"))
    y_test = np.asarray(call("forward (inference)", layer.forward, x.copy(), False))
    ref_test = _keras_vjp(book if convention == "book" else keras_style, dtype, x, dout)[0]
    mixed = {f"the two conventions mixed: inverted in training (x * mask / (1 - ratio), Keras's) but scaled by "
             f"(1 - ratio) = {1 - ratio:g} at inference too (the book's): inference outputs come out (1 - ratio) "
             f"times Keras's": x * (1 - ratio),
             "the two conventions mixed: not inverted in training (x * mask, the book's) but unscaled at inference "
             "(x, Keras's)": x}
    result.checks.append(compare("forward (inference)", y_test, ref_test, tolerance(dtype, "forward"), n,
                                 candidates=mixed, kind="forward", subject="y"))
    result.notes.append(_dropout_note(convention, ratio, x, y_book, y_inverted, keep))


def _gap(ours, theirs):
    ours = np.asarray(ours)
    if ours.shape != theirs.shape:
        return INF
    return float(np.max(np.abs(ours - theirs), initial=0.0))


def _dropout_note(convention, ratio, x, y_book, y_inverted, keep):
    kept = keep & (x != 0)
    measured = float(np.median(y_inverted[kept] / y_book[kept]))
    if convention == "book":
        return (f"the book's non-inverted Dropout: x * mask in training and x * (1 - ratio) at inference, where "
                f"Keras's Dropout gives x * mask / (1 - ratio) and x; compared with Keras's Dropout followed by "
                f"Rescaling(1 - ratio), the book's layer exactly. Keras's training output is {measured:.6g} times "
                f"the book's on every kept unit (measured; 1 / (1 - ratio) = {1 / (1 - ratio):.6g}) and its inference "
                f"output {1 / (1 - ratio):.6g} times: a convention, not a mistake "
                f"(comparisons/scenarios/book_conventions.py measures what it does to training)")
    return (f"an inverted Dropout (Keras's convention, not the book's): compared with Keras's Dropout itself; the "
            f"book's training output would be {1 / measured:.6g} times this one on every kept unit")


# -- BatchNormalization -----------------------------------------------------------------------------
def check_batchnorm(obj, result, draws, x, t):
    _given_x(x, 2, "(N, D) data (the book's layer flattens images per (c, h, w) position; Keras's normalises per "
                   "channel, so only (N, D) data compares)", result.name)
    n, d = BATCHNORM_SHAPE if x is None else x.shape
    if isinstance(obj, type):
        layer = build_layer(obj, (1.0 + draws.normal((d,), 0.2), draws.normal((d,), 0.5)), draws.seed)
    else:
        layer = working_copy(obj)
    gamma = np.asarray(_attr(layer, "gamma", "scales (D,)", ndim=1))
    _attr(layer, "beta", "shifts (D,)", ndim=1)
    if x is not None and x.shape[1] != gamma.shape[0]:
        raise BadInput(f"check: {result.name} with gamma {gamma.shape} takes (N, {gamma.shape[0]}) data, got x of "
                         f"shape {x.shape}")
    for key in ("gamma", "beta"):
        setattr(layer, key, np.asarray(getattr(layer, key)).astype(draws.dtype))
    d = gamma.shape[0]
    if x is None:  # features of very different spreads: one near epsilon's size, where epsilon matters most
        x = draws.normal((n, d)) * np.geomspace(3.0, 1e-2, d).astype(draws.dtype) + draws.normal((d,), 0.1)
    try:
        _batchnorm_checks(result, draws, layer, x)
    except LearnerFailure as err:
        result.checks.append(failure(err, f"x {x.shape}", tolerance(draws.dtype, "forward")))


def running_statistic(layer, name, d, dtype):
    """A BatchNormalization's running_mean or running_var in `dtype`: zeros (D,) where still None."""
    value = getattr(layer, name, None)
    return np.zeros(d, dtype) if value is None else np.asarray(value).astype(dtype)


def _batchnorm_checks(result, draws, layer, x):
    dtype, (n, d) = draws.dtype, x.shape
    momentum = getattr(layer, "momentum", None)
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.floating)):
        raise NotMappable(f"{result.name}: no numeric momentum attribute; the book's BatchNormalization keeps "
                          f"momentum (0.9 by default)")
    epsilon, how = bl.infer_epsilon(layer, x, dtype)
    started = {key: getattr(layer, key, None) is None for key in ("running_mean", "running_var")}
    mirror = sn_layers.BatchNormalization(layer.gamma.copy(), layer.beta.copy(),
                                          running_statistic(layer, "running_mean", d, dtype),
                                          running_statistic(layer, "running_var", d, dtype), momentum=float(momentum),
                                          epsilon=epsilon, input_shape=(d,))
    keras_layer = reference_keras.keras_layer(mirror, dtype)
    dout = draws.normal((n, d))
    y, dx, (dgamma, dbeta) = reference_keras.layer_vjp(keras_layer, x, dout, training=True)
    moving = keras_layer.get_weights()[2:]
    x64, dout64, gamma64 = x.astype(np.float64), dout.astype(np.float64), layer.gamma.astype(np.float64)
    candidates = _batchnorm_mistakes(x64, dout64, gamma64, layer.beta.astype(np.float64), epsilon)
    forward_backward(result, "training", layer, x, dout, {"y": y, "dx": dx, "dgamma": dgamma, "dbeta": dbeta},
                     candidates, MISSING_GRADIENT, mode=(True,))
    widened = []
    for key, ref in zip(("running_mean", "running_var"), moving):
        ours = getattr(layer, key, None)
        tol = tolerance(dtype, "forward")
        result.checks.append(Check(f"{key} after the step", INF, tol, False, f"no {key} after a training forward",
                                   kind="state", subject=key)
                             if ours is None else compare(f"{key} after the step", _narrowed(ours, dtype, widened),
                                                          ref, tol, n, kind="state", subject=key))
    x_test = draws.normal((n + 1, d))
    y_test = _narrowed(call("forward (inference)", layer.forward, x_test.copy(), False), dtype, widened)
    if widened:
        result.notes.append(f"its {', '.join(sorted(set(widened)))} came out float64 for {dtype} data (np.zeros(D) "
                            f"without a dtype, as the book's running statistics start): compared after rounding to "
                            f"{dtype}")
    ref_test = reference_keras.layer_vjp(keras_layer, x_test, draws.normal((n + 1, d)))[0]
    result.checks.append(compare("forward (inference, running statistics)", y_test, ref_test,
                                 tolerance(dtype, "forward"), n + 1, kind="forward", subject="y"))
    result.notes.append(_batchnorm_note(x, float(momentum), epsilon, how, started, y, dtype))


def _narrowed(array, dtype, widened):
    """A float64 array where the check runs in float32 (the book's running statistics start as
    float64 zeros whatever the data), rounded to float32 and listed in `widened`."""
    array = np.asarray(array)
    if dtype == np.float32 and array.dtype == np.float64:
        widened.append("running statistics" if array.ndim == 1 else "inference outputs")
        return array.astype(np.float32)
    return array


def _batchnorm_mistakes(x, dout, gamma, beta, epsilon):
    n = x.shape[0]
    y, xc, std = bl.book_batchnorm_forward(x, gamma, beta, epsilon)
    dxc = gamma * dout / std
    dvar = 0.5 * -np.sum(gamma * dout * xc / std ** 2, axis=0) / std
    with_var = dxc + (2.0 / n) * xc * dvar
    return {"y": {"the variance is the unbiased one (divided by N - 1, ddof=1); the book and Keras divide by N":
                  bl.book_batchnorm_forward(x, gamma, beta, epsilon, ddof=1)[0]},
            "dx": {"backward leaves out the mean term: after dxc += (2/N)*xc*dvar it must subtract the mean of dxc "
                   "(dx = dxc - sum(dxc, axis=0)/N)": with_var,
                   "backward leaves out the variance term dxc += (2/N)*xc*dvar (the path through the batch "
                   "variance)": dxc - dxc.mean(axis=0),
                   "backward treats the batch statistics as constants (dx = gamma*dout/std)": dxc}}


def _batchnorm_note(x, momentum, epsilon, how, started, y, dtype):
    """The learner's conventions against Keras's defaults, with what the defaults would change."""
    defaults = sn_layers.BatchNormalization(np.ones(x.shape[1], dtype), np.zeros(x.shape[1], dtype))
    y_default = sn_layers.BatchNormalization(np.ones(x.shape[1], dtype), np.zeros(x.shape[1], dtype),
                                             momentum=momentum, epsilon=epsilon).forward(x, training=True)
    gap = float(np.max(np.abs(defaults.forward(x, training=True) - y_default)) / np.max(np.abs(y_default)))
    start = ("its running statistics started at zeros (the book's, Keras's moving variance starts at ones)"
             if all(started.values()) else "its running statistics as they were")
    return (f"compared with Keras's BatchNormalization(momentum={momentum:g}, epsilon={epsilon:g}) (epsilon: {how}) "
            f"and {start}; Keras's defaults are momentum 0.99 and epsilon 1e-3 (the book's 0.9 and 10e-7 = 1e-6): "
            f"with Keras's epsilon the normalised training output on this batch moves by {gap:.3g} relative "
            f"(largest on the feature of smallest spread), and a running average with momentum 0.99 takes 10 times "
            f"as many steps as with 0.9 to forget its start")
