"""scratchnet.functions (the course texts' activation and loss functions) against Keras's
activations, ops and losses, in float64, on a batch whose row and column maxima all differ, on
logits in the hundreds (where an unshifted exp overflows), at exactly 0, and on one sample."""
import numpy as np

import reference_keras as rk
from reference_keras import keras
from scratchnet import functions

from ..core.check import compare
from ..core.tolerances import tolerance


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    batch = rng.normal(size=(7, 5)) * 3.0
    batch[np.arange(5), np.arange(5)] += 10.0  # every row's and every column's maximum in its own place
    large = batch + 800.0  # exp(800) overflows: only a max-shifted softmax survives
    edges = np.array([[0.0, -0.0, 1e-300, -1e-300, 1000.0, -1000.0, 40.0, -40.0]])
    vector = rng.normal(size=6)
    return batch, large, edges, vector


def _probabilities(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def function_cases(seed=0):
    """[(function, case name, scratchnet's value, Keras's value)]: each function on each kind of input."""
    batch, large, edges, vector = _inputs(seed)
    ops, k = keras.ops, lambda value: np.asarray(value)
    cases = []
    for label, x in (("batch", batch), ("logits ~800", large), ("0, +-1e-300, +-1000, +-40", edges),
                     ("one sample", vector)):
        cases += [
            ("sigmoid", f"sigmoid ({label})", functions.sigmoid(x), k(ops.sigmoid(x))),
            ("relu", f"relu ({label})", functions.relu(x), k(ops.relu(x))),
            ("tanh", f"tanh ({label})", functions.tanh(x), k(ops.tanh(x))),
            ("identity", f"identity ({label})", functions.identity(x), k(keras.activations.linear(x))),
            ("step_function", f"step_function ({label})", functions.step_function(x),
             k(rk.heaviside(x, 0.0)).astype(np.int64)),
            ("softmax", f"softmax ({label})", functions.softmax(x), k(ops.softmax(x, axis=-1))),
            ("log_softmax", f"log_softmax ({label})", functions.log_softmax(x), k(ops.log_softmax(x, axis=-1))),
        ]
    rng = np.random.default_rng(seed + 1)
    probs = _probabilities(batch / 4.0)  # no probability below Keras's clip 1e-7 ...
    clipped = probs.copy()
    clipped[0] = [1.0, 0.0, 0.0, 0.0, 0.0]  # ... except here: clipped to 1e-7 by both
    labels = rng.integers(0, 5, size=7)
    labels[0] = 1
    one_hot = np.eye(5)[labels]
    targets = rng.normal(size=batch.shape)
    cases += [
        # Keras's sparse path renormalises clipped probabilities (it takes a log-softmax of their
        # logs), so where a probability is clipped it differs from its categorical path by ~1e-8;
        # scratchnet follows the categorical one, checked on a clipped row.
        ("cross_entropy_error", "cross_entropy_error (labels)", functions.cross_entropy_error(probs, labels),
         float(np.mean(keras.losses.sparse_categorical_crossentropy(labels, probs)))),
        ("cross_entropy_error", "cross_entropy_error (one-hot, a clipped 0)",
         functions.cross_entropy_error(clipped, one_hot),
         float(np.mean(keras.losses.categorical_crossentropy(one_hot, clipped)))),
        ("cross_entropy_error", "cross_entropy_error (one sample)", functions.cross_entropy_error(probs[2], one_hot[2]),
         float(np.mean(keras.losses.categorical_crossentropy(one_hot[2:3], probs[2:3])))),
        ("cross_entropy_error", "cross_entropy_error (one sample, a label)",
         functions.cross_entropy_error(probs[3], labels[3]),
         float(np.mean(keras.losses.sparse_categorical_crossentropy(labels[3:4], probs[3:4])))),
        ("mean_squared_error", "mean_squared_error", functions.mean_squared_error(batch, targets),
         float(np.mean(keras.losses.mean_squared_error(targets, batch)))),
    ]
    return cases


def function_checks(seed=0):
    """(checks, table rows): every case within the float64 forward tolerance, dtype and shape included."""
    checks = [compare(f"functions.{name}", np.asarray(ours), np.asarray(theirs), tolerance("float64", "forward"),
                      kind="function", subject=function)
              for function, name, ours, theirs in function_cases(seed)]
    rows = [[c.name, f"{c.value:.3g}", "pass" if c.passed else "FAIL"] for c in checks]
    return checks, rows


FUNCTION_HEADERS = ["function (input)", "relative error vs Keras", "result"]
