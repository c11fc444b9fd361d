"""Loss layers: `forward(x, t)` takes the last layer's output (logits for the two
cross-entropies) and returns the batch-mean loss; `backward(dout=1.0)` returns dL/dx.

All three follow Keras's reduction, the mean over the batch (and over output units for the
element-wise losses). So SoftmaxCrossEntropy's backward is (softmax(x) - t) / N, where the
course text 001 uses y - t: its learning rate 0.0001 then behaves like 0.01 here.
"""
import numpy as np

from ._checks import check_array, labels_to_indices
from .functions import sigmoid


def _check_logits(x, name):
    check_array(x, name, ndim=2)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected float32 or float64 logits, got {x.dtype}")


def _check_forward_done(layer, kept):
    if kept is None:
        raise RuntimeError(f"{layer.name}: backward called before forward")


def _check_same_shape_targets(x, t, name):
    check_array(t, f"{name} targets", shape=x.shape)
    return t.astype(x.dtype, copy=False)


class SoftmaxCrossEntropy:
    """Softmax followed by categorical cross-entropy, fused: stable for logits in the thousands.

    Keras: `CategoricalCrossentropy(from_logits=True)` for one-hot targets and
    `SparseCategoricalCrossentropy(from_logits=True)` for integer labels.

    reduction="sum" is the course text 001's convention (loss and gradient summed over the
    batch, backward y - t); Keras's equivalent is the same loss with reduction="sum".
    """

    name = "SoftmaxCrossEntropy"

    def __init__(self, reduction="mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"SoftmaxCrossEntropy: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self.y = None
        self.t = None
        self.labels = None

    def forward(self, x, t):
        _check_logits(x, self.name)
        one_hot, labels = labels_to_indices(t, x.shape[0], x.shape[1], self.name)
        # Fused softmax and log-softmax: one exp, and log(sum) kept for the loss.
        shifted = x - np.max(x, axis=1, keepdims=True)
        e = np.exp(shifted)
        total = np.sum(e, axis=1, keepdims=True)
        self.y = e / total
        log_total = np.log(total)
        n = self._divisor(x.shape[0])
        if labels is not None:
            self.t, self.labels = None, labels
            picked = shifted[np.arange(x.shape[0]), labels]
            return float((log_total.sum() - picked.sum()) / n)
        self.t, self.labels = one_hot.astype(x.dtype, copy=False), None
        # sum_k t_k * (log_total - shifted_k), without forming the log-probabilities
        return float((np.vdot(self.t.sum(axis=1), log_total) - np.vdot(self.t, shifted)) / n)

    def _divisor(self, batch_size):
        return batch_size if self.reduction == "mean" else 1

    def backward(self, dout=1.0):
        _check_forward_done(self, self.y)
        n = self._divisor(self.y.shape[0])
        if self.labels is not None:
            dx = self.y.copy()
            dx[np.arange(self.y.shape[0]), self.labels] -= 1
        else:
            dx = self.y - self.t
        dx *= dout / n
        return dx


class SigmoidBinaryCrossEntropy:
    """Sigmoid followed by binary cross-entropy on each output unit, computed from logits as
    max(x, 0) - x*t + log1p(exp(-|x|)) (never overflows). Keras: `BinaryCrossentropy(from_logits=True)`."""

    name = "SigmoidBinaryCrossEntropy"

    def __init__(self):
        self.x = None
        self.t = None

    def forward(self, x, t):
        _check_logits(x, self.name)
        self.t = _check_same_shape_targets(x, t, self.name)
        self.x = x
        per_unit = np.maximum(x, 0) - x * self.t + np.log1p(np.exp(-np.abs(x)))
        return float(per_unit.mean())

    def backward(self, dout=1.0):
        _check_forward_done(self, self.x)
        return (sigmoid(self.x) - self.t) * (dout / self.x.size)


class MeanSquaredError:
    """mean((x - t)**2) over every element, Keras's `MeanSquaredError`; the textbook's
    0.5 * sum((y - t)**2) differs by a factor 2 / (N * K)."""

    name = "MeanSquaredError"

    def __init__(self):
        self.diff = None

    def forward(self, x, t):
        check_array(x, self.name, ndim=2)
        self.diff = x - _check_same_shape_targets(x, t, self.name)
        return float(np.vdot(self.diff, self.diff) / self.diff.size)

    def backward(self, dout=1.0):
        _check_forward_done(self, self.diff)
        return self.diff * (2.0 * dout / self.diff.size)


LOSSES = {"softmax_cross_entropy": SoftmaxCrossEntropy,
          "sigmoid_binary_cross_entropy": SigmoidBinaryCrossEntropy,
          "mean_squared_error": MeanSquaredError}
