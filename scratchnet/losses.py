"""Loss layers: `forward(x, t)` takes the last layer's output (logits for the two
cross-entropies) and returns the loss; `backward(dout=1.0)` returns dL/dx.

Every loss reduces as Keras does. Per sample it is the mean over the output units (the
cross-entropy of a softmax is one number per sample already); then reduction="mean" (the
default, Keras's "sum_over_batch_size") averages over the batch and reduction="sum" adds.
"""
import numpy as np

from ._buffers import BufferOwner
from ._checks import check_array, check_float, check_forward_done, check_nonempty, label_column, labels_to_indices
from .functions import sigmoid

REDUCTIONS = ("mean", "sum")


class Loss(BufferOwner):
    """The interface every loss shares: `reduction`, `forward`, `backward`, `count_correct`,
    `config`."""

    elementwise = True  # the per-sample loss is the mean over the output units

    def __init__(self, reduction="mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.name = type(self).__name__
        self.reduction = reduction

    def _check_output(self, x):
        """The model's output: a non-empty (N, K) float batch."""
        check_array(x, self.name, ndim=2)
        check_float(x, self.name)
        return check_nonempty(x, self.name)

    def check_targets(self, t, shape):
        """Targets for outputs of `shape`, validated (and the reference side uses the same check):
        here real values shaped like the output, all finite."""
        check_array(t, f"{self.name} targets", shape=shape)
        if t.dtype.kind not in "biuf":
            raise TypeError(f"{self.name} targets: expected real numbers, got dtype {t.dtype}")
        if not np.all(np.isfinite(t)):
            raise ValueError(f"{self.name} targets: hold NaN or inf")
        return t

    def _divisor(self, shape):
        """What the summed per-element (or per-sample) losses are divided by."""
        per_sample = shape[1] if self.elementwise else 1
        return per_sample * (shape[0] if self.reduction == "mean" else 1)

    def batch_total(self, value, batch_size):
        """The batch's loss `value` summed over its samples, whatever the reduction (what a
        per-sample mean over a whole data set adds up)."""
        return value if self.reduction == "sum" else value * batch_size

    def count_correct(self, y, t):
        """(correct predictions, predictions made) for outputs `y` against targets `t`: the row's
        argmax against the label (a label column (N, 1) holds labels, as in Keras) or against the
        one-hot row's argmax."""
        labels = t if t.ndim == 1 else t[:, 0] if label_column(t, y.shape[1]) else np.argmax(t, axis=1)
        if labels.shape != (y.shape[0],):
            raise ValueError(f"{self.name}: expected {y.shape[0]} labels or one-hot rows, got {t.shape}")
        return int(np.sum(np.argmax(y, axis=1) == labels)), y.shape[0]

    def config(self):
        """JSON-able: the class name, and the reduction when it is not the default."""
        return {"loss": self.name, **({"reduction": self.reduction} if self.reduction != "mean" else {})}

    def __repr__(self):
        return f"{self.name}(reduction={self.reduction!r})"


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by categorical cross-entropy, fused: stable for logits in the thousands.

    Keras: `CategoricalCrossentropy(from_logits=True)` for one-hot targets and
    `SparseCategoricalCrossentropy(from_logits=True)` for integer labels.

    reduction="mean" (Keras's default): the loss is the batch mean and backward is (y - t) / N.
    reduction="sum": the loss and its gradient are summed over the batch, so backward is y - t;
    Keras's equivalent is the same loss with reduction="sum".

    Course text 001 mixes the two. Its SoftmaxCrossEntropy node (exercise 3-5) prints the batch
    *mean* loss but back-propagates y - t, the gradient of the batch *sum*; no single loss
    gives both. Its forward is reduction="mean"'s and its backward is reduction="sum"'s. Its MNIST
    recipe trains on that backward with lr 1e-4, so each step is N times what the mean loss's
    gradient gives: with N = 100 that is Keras's default mean loss with lr 1e-4 * 100 = 0.01
    (`python -m comparisons course 001` shows both).
    """

    elementwise = False

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.y = None
        self.t = None
        self.labels = None

    def check_targets(self, t, shape):
        """Integer labels (N,) in [0, K), or (N, K) rows of finite values (one-hot or soft)."""
        self._split(t, shape)
        return t

    def _split(self, t, shape):
        one_hot, labels = labels_to_indices(t, shape[0], shape[1], self.name)
        if one_hot is not None:
            super().check_targets(one_hot, shape)
        return one_hot, labels

    def forward(self, x, t):
        self._check_output(x)
        one_hot, labels = self._split(t, x.shape)
        # Fused softmax and log-softmax: one exp, and log(sum) kept for the loss.
        shifted = np.subtract(x, x.max(axis=1, keepdims=True), out=self._buffer("shifted", x.shape, x.dtype))
        e = np.exp(shifted, out=self._buffer("y", x.shape, x.dtype))
        total = e.sum(axis=1, keepdims=True)
        self.y = np.divide(e, total, out=e)
        log_total = np.log(total)
        n = self._divisor(x.shape)
        if labels is not None:
            self.t, self.labels = None, labels
            picked = shifted[np.arange(x.shape[0]), labels]
            return float((log_total.sum() - picked.sum()) / n)
        self.t, self.labels = one_hot.astype(x.dtype, copy=False), None
        # sum_k t_k * (log_total - shifted_k), without forming the log-probabilities
        return float((np.vdot(self.t.sum(axis=1), log_total) - np.vdot(self.t, shifted)) / n)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.y)
        n = self._divisor(self.y.shape)
        dx = self._buffer("dx", self.y.shape, self.y.dtype)
        if self.labels is not None:
            np.copyto(dx, self.y)
            dx[np.arange(self.y.shape[0]), self.labels] -= 1
        else:
            np.subtract(self.y, self.t, out=dx)
        dx *= dout / n
        return dx


class SigmoidBinaryCrossEntropy(Loss):
    """Sigmoid followed by binary cross-entropy on each output unit, computed from logits as
    max(x, 0) - x*t + log1p(exp(-|x|)) (never overflows). Keras: `BinaryCrossentropy(from_logits=True)`."""

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.x = None
        self.t = None

    def check_targets(self, t, shape):
        """Targets shaped like the output, each a probability in [0, 1] (0/1 labels or soft)."""
        super().check_targets(t, shape)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise ValueError(f"{self.name} targets: expected probabilities in [0, 1], got values from "
                             f"{t.min()} to {t.max()}")
        return t

    def forward(self, x, t):
        self._check_output(x)
        self.t = self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        self.x = x
        per_unit = np.maximum(x, 0) - x * self.t + np.log1p(np.exp(-np.abs(x)))
        return float(per_unit.sum() / self._divisor(x.shape))

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.x)
        return (sigmoid(self.x) - self.t) * (dout / self._divisor(self.x.shape))

    def count_correct(self, y, t):
        """Per output unit, Keras's binary accuracy: the predicted class is 1 where the logit is
        > 0 (the probability > 0.5) and 0 elsewhere, and it counts as correct only where the
        target *equals* it. So a soft target (0.5, 0.7, ...) is never counted correct, whatever
        the prediction: `keras.metrics.binary_accuracy(t, logits, threshold=0)` exactly (and
        `binary_accuracy(t, sigmoid(logits))` with its default threshold 0.5)."""
        t = np.asarray(t)
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected targets of shape {y.shape}, got {t.shape}")
        return int(np.sum(t == (y > 0))), t.size


class MeanSquaredError(Loss):
    """mean((x - t)**2) over every element, Keras's `MeanSquaredError`; the textbook's
    0.5 * sum((y - t)**2) differs by a factor 2 / (N * K)."""

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.diff = None

    def forward(self, x, t):
        self._check_output(x)
        self.diff = x - self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        return float(np.vdot(self.diff, self.diff) / self._divisor(x.shape))

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.diff)
        return self.diff * (2.0 * dout / self._divisor(self.diff.shape))


LOSSES = {"softmax_cross_entropy": SoftmaxCrossEntropy,
          "sigmoid_binary_cross_entropy": SigmoidBinaryCrossEntropy,
          "mean_squared_error": MeanSquaredError}


def loss_from_config(config):
    """The loss `Loss.config()` describes (a fresh instance)."""
    by_class = {cls.__name__: cls for cls in LOSSES.values()}
    if config.get("loss") not in by_class:
        raise ValueError(f"unknown loss {config.get('loss')!r}; known: {sorted(by_class)}")
    return by_class[config["loss"]](config.get("reduction", "mean"))


def get(loss):
    """A loss instance from a name in LOSSES or an instance (returned as is)."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: {sorted(LOSSES)}")
    return LOSSES[loss]()
