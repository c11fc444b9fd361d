"""Activation and loss functions, written to be finite and warning-free at extreme inputs.

Definitions follow Keras where the course texts differ:
- `cross_entropy_error` on probabilities clips them to [1e-7, 1 - 1e-7] after normalising each row,
  like `keras.losses.categorical_crossentropy(from_logits=False)`; the textbook adds 1e-7 inside
  the log instead. Both give a finite loss for a zero probability: -log(1e-7) = 16.118. Negative,
  NaN or infinite values, or a row summing to 0, are not probabilities: they raise ValueError
  (Keras would return nan or a meaningless number).
- `mean_squared_error` is the mean over every element, like `keras.losses.MeanSquaredError`; the
  textbook's is 0.5 * sum((y - t)**2) (per sample, not averaged).
"""
import numpy as np

from ._checks import labels_to_indices

EPSILON = 1e-7  # keras.config.epsilon()


def step_function(x):
    """1 where x > 0, else 0, as integers."""
    return (np.asarray(x) > 0).astype(np.int64)


def identity(x):
    return x


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    """1 / (1 + exp(-x)) evaluated via exp(-|x|), which never overflows (sigmoid(+-1000) is exact)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def tanh(x):
    return np.tanh(x)


def softmax(x):
    """Softmax over the last axis, 1-D or batched; shifting by the max keeps exp() from overflowing."""
    x = np.asarray(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x):
    """log(softmax(x)) without forming softmax, so tiny probabilities keep their precision."""
    x = np.asarray(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def cross_entropy_error(y, t):
    """Batch-mean categorical cross-entropy of probabilities `y` against `t`.

    `t` is one-hot (same shape as y) or integer labels; a 1-D `y` is one sample. Clipping follows
    Keras (see the module docstring).
    """
    y = np.asarray(y)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.asarray(t).reshape(1, -1) if np.ndim(t) == 1 and np.size(t) == y.shape[1] \
            else np.asarray(t).reshape(1)
    if y.ndim != 2 or y.shape[0] == 0:
        raise ValueError(f"cross_entropy_error: expected probabilities of shape (N, K) with N >= 1, got {y.shape}")
    if y.dtype.kind in "biu":
        y = y.astype(np.float64)
    if not np.issubdtype(y.dtype, np.floating) or not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("cross_entropy_error: y must hold finite probabilities >= 0 (pass softmax outputs; "
                         "for logits use SoftmaxCrossEntropy)")
    totals = np.sum(y, axis=-1, keepdims=True)
    if np.any(totals == 0):
        raise ValueError(f"cross_entropy_error: row {int(np.argmax(totals[:, 0] == 0))} of y sums to 0, so it is "
                         f"not a probability distribution")
    p = np.clip(y / totals, EPSILON, 1.0 - EPSILON)
    one_hot, labels = labels_to_indices(np.asarray(t), y.shape[0], y.shape[1], "cross_entropy_error")
    if labels is not None:
        picked = p[np.arange(y.shape[0]), labels]
        return float(-np.mean(np.log(picked)))
    return float(-np.mean(np.sum(one_hot * np.log(p), axis=-1)))


def mean_squared_error(y, t):
    """Mean over every element of (y - t)**2 (Keras's MeanSquaredError, not the textbook's 0.5*sum)."""
    y, t = np.asarray(y), np.asarray(t)
    if y.shape != t.shape:
        raise ValueError(f"mean_squared_error: y and t must have the same shape, got {y.shape} and {t.shape}")
    return float(np.mean((y - t) ** 2))
