"""Layers and loss layers against Keras: forward output, dx and (Affine) dW and db by Keras's
autodiff with the same upstream gradient; writing into the caller's x or dout is a warning with
its measured consequence; the loss, with the book's log(y + 1e-7) within a stated tolerance."""
import numpy as np

import reference_keras
import scratchnet
from scratchnet.gradcheck import relative_error
from scratchnet.losses import SoftmaxCrossEntropy

from ..core.check import Check, compare
from ..core.diagnose import diagnose
from ..core.tolerances import BOOK_LOSS_MIN_PROBABILITY, tolerance
from .adapters import LayerAdapter
from .common import INF, LearnerFailure, build_layer, call, failure, forward_backward
from .recognize import NotMappable, working_copy


AFFINE_CASES = (("N=5, 4 -> 3", 5, 4, 3), ("square W, N = n_in: N=4, 4 -> 4", 4, 4, 4))


def _layer_cases(obj, kind, draws, x):
    """(case name, LayerAdapter, input) for each case."""
    if kind != "affine":
        layer = build_layer(obj, (), draws.seed) if isinstance(obj, type) else obj
        yield ("given x" if x is not None else "5x6 with exact zeros"), LayerAdapter(layer).as_dtype(draws.dtype), \
            x if x is not None else draws.activation_input()
        return
    if isinstance(obj, type):
        for case, n, n_in, n_out in AFFINE_CASES:
            W, b = draws.normal((n_in, n_out)), draws.normal((n_out,))
            yield case, LayerAdapter(build_layer(obj, (W, b), draws.seed)), draws.normal((n, n_in))
        return
    adapter = LayerAdapter(obj).as_dtype(draws.dtype)
    if "W" not in adapter.weights():
        raise NotMappable("an Affine without a W attribute (or params['W']): the book's keeps W and b")
    n_in, n_out = adapter.weights()["W"].shape
    if x is not None:
        yield "given x", adapter, x
        return
    n = next(k for k in range(5, 10) if k not in (n_in, n_out))
    yield f"N={n}, {n_in} -> {n_out}", adapter, draws.normal((n, n_in))
    if n_in == n_out:
        yield f"square W, N = n_in: N={n_in}", adapter, draws.normal((n_in, n_in))


def _affine_mistakes(x, dout, W, y):
    dx = {"dx = dout @ W: W used without its transpose (dx = dout @ W.T)": dout @ W} if W.shape[0] == W.shape[1] \
        else {}
    dW = {"dW = dout.T @ x: transposed (dW = x.T @ dout)": dout.T @ x}
    if x.shape[0] == x.shape[1]:
        dW["dW = x @ dout: x used without its transpose (dW = x.T @ dout)"] = x @ dout
    db = {"db = dout.sum(axis=1): summed over each sample's outputs (axis 1) instead of over the batch "
          "(axis 0)": dout.sum(axis=1)}
    return {"dx": dx, "dW": dW, "db": db}


def _relu_mistakes(x, dout, W, y):
    return {"dx": {"gradient passed where x == 0 exactly: the mask treats x >= 0 as active; the book's Relu "
                   "(mask x <= 0) and Keras give 0 there": dout * (x >= 0),
                   "no mask: the gradient passes where the ReLU is inactive": dout}}


def _sigmoid_mistakes(x, dout, W, y):
    again = 1.0 / (1.0 + np.exp(-y))
    return {"dx": {"backward uses the input x where it needs the output y = sigmoid(x): dy/dx = y(1 - y), "
                   "not x(1 - x)": dout * (1.0 - x) * x,
                   "backward applies sigmoid again to the kept output: dy/dx = y(1 - y) with y = sigmoid(x), "
                   "not sigmoid(y)(1 - sigmoid(y))": dout * (1.0 - again) * again}}


def _tanh_mistakes(x, dout, W, y):
    return {"dx": {"backward uses the input x where it needs the output y = tanh(x): dy/dx = 1 - y**2, "
                   "not 1 - x**2": dout * (1.0 - x * x)}}


# kind -> (x, dout, W, Keras's y) -> {"dx" | "dW" | "db": {plain-words cause: what that classic mistake
# computes on these inputs}}: the diagnosis names a mistake when a result equals one of these.
MISTAKES = {"affine": _affine_mistakes, "relu": _relu_mistakes, "sigmoid": _sigmoid_mistakes,
            "tanh": _tanh_mistakes}


def check_layer(obj, result, draws, x, t):
    for case, adapter, xc in _layer_cases(obj, result.kind, draws, x):
        try:
            _layer_case(result, draws, case, adapter, xc)
        except LearnerFailure as err:
            result.checks.append(failure(err, case, tolerance(draws.dtype, "forward")))


def _layer_case(result, draws, case, adapter, x):
    kind, n = result.kind, x.shape[0]
    weights = {key: np.asarray(value) for key, value in adapter.weights().items()}
    keras_layer = reference_keras.keras_layer(adapter.mirror(kind), draws.dtype.name, reuse=True)
    dout = draws.normal((n, weights["W"].shape[1]) if weights else x.shape)
    y_ref, dx_ref, weight_refs = reference_keras.layer_vjp(keras_layer, x, dout)
    refs = {"y": y_ref, "dx": dx_ref}
    if kind == "affine":
        refs.update(zip(("dW", "db"), weight_refs))
    mistakes = MISTAKES[kind](x.astype(np.float64), dout.astype(np.float64), weights.get("W"),
                              y_ref.astype(np.float64)) if kind in MISTAKES else {}

    def warning(method, array, original, written, returned_it):
        return _write_warning(result.name, method, array, adapter, x, dout, y_ref, dx_ref, written, returned_it)

    forward_backward(result, case, adapter.layer, x, dout, refs, mistakes, "the book's Affine keeps dW and db",
                     gradient_of=lambda name: adapter.weight_gradients()[name[1:]], warning=warning)


def _write_warning(name, method, array, adapter, x, dout, y_ref, dx_ref, written, returned_it):
    """The warning for a method that wrote into the caller's array, with what it costs a caller
    that uses the array again (measured on a branch y = layer(x) + x, as a skip connection has)."""
    changed = int(np.sum(written != (x if array == "x" else dout)))
    same = ", and returned that same array" if returned_it else ""
    text = (f"WARNING: {method} wrote into the caller's {array} ({changed} of {written.size} entries changed{same}). ")
    if y_ref.shape != x.shape:
        return text + f"A caller that uses its {array} again gets the changed values; leave the argument untouched."
    probe = working_copy(adapter.layer)
    try:
        if array == "dout":
            probe.forward(x.copy())
            d = dout.copy()
            error = relative_error(probe.backward(d) + d, dx_ref + dout)
        else:
            xc = x.copy()
            error = relative_error(probe.forward(xc) + xc, y_ref + x)
    except Exception:  # noqa: BLE001  (the checks above report the layer's own errors)
        return text + f"A caller that uses its {array} again gets the changed values."
    if array == "dout":
        return text + (f"Harmless when each dout is used once, as in the book's networks (every backward hands "
                       f"down a fresh array); a real bug for a caller that uses dout again: in a branch "
                       f"y = {name}(x) + x the caller computes {name}.backward(dout) + dout, and that dL/dx comes "
                       f"out {error:.3g} (relative) away from Keras's. Compute dx without writing into dout "
                       f"(dx = dout * mask, or work on dout.copy()).")
    return text + (f"Any layer that kept that array (Affine keeps its input, Sigmoid its output) sees the change, "
                   f"and so does a caller that uses x again: in a branch y = {name}(x) + x the output comes out "
                   f"{error:.3g} (relative) away from Keras's. Return a new array (e.g. np.maximum(x, 0)).")


# -- loss layers -----------------------------------------------------------------------------------
EXTREME_LOGITS = ((1000, 0, -1000, 500), (1000, 0, -1000, 500), (-1000, 1000, 0, -500),
                  (1000, 999, 998, 1000), (-1000, -1001, -1000, -1002))
EXTREME_LABELS = (0, 2, 1, 1, 0)  # p = 1, p = 0 (log 0), p = 1, moderate p among huge logits, among tiny ones


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_cases(draws, x, t):
    if x is not None:
        return [("given x, t", x, np.asarray(t))]
    n, c = 5, 4
    while True:  # moderate logits: every target probability at least BOOK_LOSS_MIN_PROBABILITY
        logits, labels = draws.normal((n, c), 0.5), draws.rng.integers(0, c, n)
        if _softmax(logits.astype(np.float64), 1)[np.arange(n), labels].min() >= BOOK_LOSS_MIN_PROBABILITY:
            break
    eye = np.eye(c, dtype=draws.dtype)
    return [("one-hot t, moderate logits", logits, eye[labels]),
            ("integer labels, moderate logits", logits, labels),
            ("one-hot t, logits +-1000", np.array(EXTREME_LOGITS, dtype=draws.dtype), eye[list(EXTREME_LABELS)])]


def _target_probabilities(p, t):
    return p[np.arange(p.shape[0]), t] if t.ndim == 1 else np.sum(p * t, axis=1)


def check_softmax_loss(obj, result, draws, x, t):
    dtype = draws.dtype.name
    own = obj if isinstance(obj, scratchnet.losses.Loss) else SoftmaxCrossEntropy()
    exact = reference_keras.keras_loss(own, dtype=dtype)
    clipped = reference_keras.keras_loss(own, from_logits=False, dtype=dtype)
    for case, logits, targets in _softmax_cases(draws, x, t):
        layer = build_layer(obj, (), draws.seed) if isinstance(obj, type) else working_copy(obj)
        try:
            _softmax_case(result, draws, case, layer, logits, targets, exact, clipped)
        except LearnerFailure as err:
            if targets.ndim == 1 and x is None:  # the book accepts labels too, but one-hot is the contract's core
                result.notes.append(f"integer labels not accepted ({err}); the book's SoftmaxWithLoss takes "
                                    f"one-hot rows or labels")
            else:
                result.checks.append(failure(err, case, tolerance(dtype, "loss")))


def _softmax_case(result, draws, case, layer, logits, targets, exact, clipped):
    dtype, n = draws.dtype, logits.shape[0]
    loss_exact, dx_ref = reference_keras.loss_vjp(exact, logits, targets)
    p = reference_keras.softmax(logits)
    loss_clipped = reference_keras.loss_vjp(clipped, p, targets)[0]
    one_hot = targets if targets.ndim == 2 else np.eye(logits.shape[1])[targets]
    by_batch = _softmax(logits.astype(np.float64), 0)
    by_batch_cause = "softmax over axis 0 (the batch) instead of the classes: every column sums to 1, not every row"
    value = call("forward", layer.forward, logits.copy(), targets.copy())
    try:
        value = float(value)
    except (TypeError, ValueError):
        result.checks.append(Check(f"loss ({case})", INF, tolerance(dtype, "loss"), False,
                                   f"forward returned {type(value).__name__} {np.shape(value)}, not one number",
                                   kind="loss"))
        return
    gaps = {"Keras's exact log-softmax (from_logits)": abs(value - loss_exact) / abs(loss_exact),
            "Keras's clipped probabilities": abs(value - loss_clipped) / abs(loss_clipped)}
    convention, gap = min(gaps.items(), key=lambda item: item[1] if np.isfinite(item[1]) else INF)
    gap = gap if np.isfinite(gap) else INF
    tol = tolerance(dtype, "book_log_loss")
    loss_check = Check(f"loss ({case})", gap, tol, gap <= tol, kind="loss")
    if not loss_check.passed:
        target_by_batch = _target_probabilities(by_batch, targets)
        candidates = {by_batch_cause: [-np.mean(np.log(target_by_batch + 1e-7))],
                      f"{by_batch_cause} (and no delta in the log)": [-np.mean(np.log(target_by_batch))]}
        loss_check.diagnosis = diagnose(np.array([value]), np.array([loss_exact]), n, candidates)
    result.checks.append(loss_check)
    exact_gap = gaps["Keras's exact log-softmax (from_logits)"]
    if loss_check.passed and exact_gap > tolerance(dtype, "loss"):
        result.notes.append(_loss_convention_note(case, convention, gaps, _target_probabilities(p, targets), tol))
    dx = call("backward", layer.backward, 1.0)
    candidates = {by_batch_cause: (by_batch - one_hot) / n}
    if dx is None:
        result.checks.append(Check(f"dx ({case})", INF, tolerance(dtype, "gradient"), False,
                                   "backward returned None; it must return dx", kind="gradient", subject="x"))
        return
    result.checks.append(compare(f"dx ({case})", np.asarray(dx), dx_ref, tolerance(dtype, "gradient"), n,
                                 candidates=candidates, kind="gradient", subject="x"))
    _kept_array_warning(result, layer, dx)


def _kept_array_warning(result, layer, dx):
    """A warning where backward returns an array the layer keeps, or changes its own state: a
    caller that writes into dx (dx *= 2, a gradient clip), then calls backward again, gets other values."""
    if not isinstance(dx, np.ndarray) or any("backward returned an array" in w for w in result.warnings):
        return
    first = dx.copy()
    dx[...] = 0.0  # what a caller that scales or clips dx in place does
    again = call("backward (again)", layer.backward, 1.0)
    if again is None or np.shape(again) != first.shape or not np.array_equal(np.asarray(again), first, equal_nan=True):
        result.warnings.append("WARNING: backward returned an array the layer keeps (or changed the layer's own "
                               "state): after the caller wrote into the first dx, a second backward(1) returned "
                               "other values; return a new array (dx = (self.y - self.t) / batch_size)")


def _loss_convention_note(case, convention, gaps, target_p, tol):
    exact_name = next(iter(gaps))
    if convention == exact_name:
        moderate = target_p[(target_p > 1e-100) & (target_p < 1 - 1e-7)]
        return (f"loss ({case}) is {gaps[exact_name]:.2g} relative from Keras's exact log-softmax: the book's "
                f"log(y + 1e-7), which costs at most 1e-7/p per sample (smallest target probability here "
                f"{moderate.min() if moderate.size else 1.0:.3f}); within the stated tolerance {tol:g} "
                f"(book_log_loss, comparisons/core/tolerances.py)")
    return (f"loss ({case}) follows {convention} ({gaps[convention]:.2g} relative): a target probability that "
            f"underflowed to 0 costs -log(1e-7) = 16.118 in both, as in the book's log(y + 1e-7); Keras's exact "
            f"log-softmax from the logits charges the whole logit gap ({gaps[exact_name]:.2g} relative away)")


def check_other_loss(obj, result, draws, x, t):
    """scratchnet's other losses (sigmoid cross-entropy, mean squared error) against Keras's."""
    if isinstance(obj, type):
        obj = obj()
    x = draws.normal((5, 3)) if x is None else x
    t = draws.rng.integers(0, 2, x.shape).astype(draws.dtype) if t is None else np.asarray(t).astype(draws.dtype)
    layer = working_copy(obj)
    value_ref, dx_ref = reference_keras.loss_vjp(reference_keras.keras_loss(obj, dtype=draws.dtype.name), x, t)
    try:
        value = float(call("forward", layer.forward, x.copy(), t.copy()))
        dx = call("backward", layer.backward, 1.0)
    except LearnerFailure as err:
        result.checks.append(failure(err, None, tolerance(draws.dtype, "loss")))
        return
    result.checks.append(compare("loss", np.array([value]), np.array([value_ref]), tolerance(draws.dtype, "loss"),
                                 x.shape[0], kind="loss"))
    result.checks.append(compare("dx", dx, dx_ref, tolerance(draws.dtype, "gradient"), x.shape[0], kind="gradient",
                                 subject="x"))

