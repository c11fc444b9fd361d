"""Loss layers: `forward(x, t, sample_weight=None)` takes the last layer's output and returns the
loss; `backward(dout=1.0)` returns dL/dx.

Every loss reduces as Keras does. Per sample it is the mean over the output units (the
cross-entropy of a softmax is one number per sample already); then reduction="mean" (the
default, Keras's "sum_over_batch_size") averages over the batch and reduction="sum" adds.
`sample_weight` (one number per sample, shape (N,) or (N, 1)) multiplies each sample's loss
before the reduction, and "mean" still divides by N, not by the weights' sum: Keras's
`fit(sample_weight=...)`. Targets: shaped like the output, or (N,) for an output of one unit
(Keras expands them); a classification loss also takes integer labels, (N,) or a column (N, 1).

The losses, by Keras's names:
- SoftmaxCrossEntropy: softmax and categorical cross-entropy fused, from logits, for labels or
  one-hot rows (Keras's Sparse/CategoricalCrossentropy(from_logits=True)).
- SigmoidBinaryCrossEntropy: Keras's BinaryCrossentropy(from_logits=True).
- CategoricalCrossentropy(from_logits=False, label_smoothing=0), SparseCategoricalCrossentropy
  (from_logits=False), BinaryCrossentropy(from_logits=False, label_smoothing=0): Keras's, on
  probabilities by default. On probabilities Keras clips them to [1e-7, 1 - 1e-7] (the
  categorical one first divides each row by its sum; the sparse one then takes the log of the
  clipped values as logits of a softmax, so it renormalises them), and so does this module.
- MeanSquaredError, MeanAbsoluteError, Huber(delta=1).

Keras's softmax quirk: a Keras softmax or sigmoid activation tags its output with the logits it
came from, and the cross-entropies then compute from those logits, whatever `from_logits` says
(and whichever of the two made the tag: a categorical cross-entropy after a sigmoid applies the
softmax cross-entropy to the sigmoid's logits). A Sequential whose last layer is Softmax or
Sigmoid and whose loss is one of these does the same (`output_activation` is set for them; the
loss's forward takes `logits=True` there): the loss never sees the clipped probabilities. Keras
warns when such a loss has from_logits=True, and so does Sequential.
"""
import warnings

import numpy as np

from ._buffers import BufferOwner
from ._checks import check_array, check_float, check_forward_done, check_nonempty, label_column, labels_to_indices
from .functions import sigmoid

REDUCTIONS = ("mean", "sum")
EPSILON = 1e-7  # keras.config.epsilon(): where Keras clips probabilities


class Loss(BufferOwner):
    """The interface every loss shares: `reduction`, `forward`, `backward`, `count_correct`,
    `config`."""

    elementwise = True  # the per-sample loss is the mean over the output units
    output_activation = None  # cross-entropies: "softmax"/"sigmoid", the activation matching the loss
    from_logits = None  # cross-entropies: whether forward takes logits (else probabilities)
    defaults = {}  # option -> Keras's default; config() lists the options that differ

    def __init__(self, reduction="mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.name = type(self).__name__
        self.reduction = reduction
        self.weight = None  # the last forward's sample weights, a column (N, 1) in x's dtype, or None

    def _check_output(self, x):
        """The model's output: a non-empty (N, K) float batch."""
        check_array(x, self.name, ndim=2)
        check_float(x, self.name)
        return check_nonempty(x, self.name)

    def _shaped(self, t, shape):
        """Targets (N,) for an output of one unit as the column (N, 1) (Keras expands them so)."""
        if isinstance(t, np.ndarray) and t.ndim == 1 and len(shape) == 2 and shape[1] == 1:
            return t.reshape(-1, 1)
        return t

    def check_targets(self, t, shape):
        """Targets for outputs of `shape`, validated (and the reference side uses the same check):
        here real values shaped like the output (or (N,) for one unit), all finite."""
        t = self._shaped(t, shape)
        check_array(t, f"{self.name} targets", shape=shape)
        if t.dtype.kind not in "biuf":
            raise TypeError(f"{self.name} targets: expected real numbers, got dtype {t.dtype}")
        if not np.all(np.isfinite(t)):
            raise ValueError(f"{self.name} targets: hold NaN or inf")
        return t

    def _sample_weight(self, sample_weight, x):
        """`sample_weight` validated against the batch `x`, as a column (N, 1) in x's dtype (kept
        for backward), or None."""
        if sample_weight is None:
            self.weight = None
            return None
        w = np.asarray(sample_weight)
        n = x.shape[0]
        if w.shape not in ((n,), (n, 1)):
            raise ValueError(f"{self.name}: sample_weight must have one weight per sample, shape ({n},) or ({n}, 1), "
                             f"got {w.shape}")
        if w.dtype.kind not in "biuf" or not np.all(np.isfinite(w)):
            raise ValueError(f"{self.name}: sample_weight must hold finite real numbers")
        self.weight = w.reshape(n, 1).astype(x.dtype)
        return self.weight

    def _reduce(self, per_row, shape):
        """The loss from each sample's summed loss `per_row` (N,) (summed over the units for an
        elementwise loss), weighted by the sample weights of this forward, then reduced."""
        total = per_row.sum() if self.weight is None else float(np.vdot(per_row, self.weight[:, 0]))
        return float(total / self._divisor(shape))

    def _weighted(self, dx):
        """dx with each sample's rows scaled by its weight (in place; dx is the loss's own)."""
        if self.weight is not None:
            dx *= self.weight
        return dx

    def _divisor(self, shape):
        """What the summed per-element (or per-sample) losses are divided by."""
        per_sample = shape[1] if self.elementwise else 1
        return per_sample * (shape[0] if self.reduction == "mean" else 1)

    def batch_total(self, value, batch_size):
        """The batch's loss `value` summed over its samples, whatever the reduction (what a
        per-sample mean over a whole data set adds up)."""
        return value if self.reduction == "sum" else value * batch_size

    def count_correct(self, y, t, sample_weight=None):
        """(correct predictions, predictions made) for outputs `y` against targets `t`, counted as
        Keras's "accuracy" metric counts for these shapes: for a one-unit output, binary accuracy
        (`_binary_threshold`: 0.5, or 0 on logits); else the row's argmax against the label (a
        label column (N, 1) holds labels) or against the one-hot row's argmax. With
        `sample_weight` both numbers are weighted sums (a weighted accuracy, as Keras's metric)."""
        t = np.asarray(t)
        if y.shape[1] == 1 and t.shape in ((y.shape[0],), y.shape):
            return _counted((t.reshape(y.shape) == (y > self._binary_threshold())), sample_weight)
        labels = t if t.ndim == 1 else t[:, 0] if label_column(t, y.shape[1]) else np.argmax(t, axis=1)
        if labels.shape != (y.shape[0],):
            raise ValueError(f"{self.name}: expected {y.shape[0]} labels or one-hot rows, got {t.shape}")
        return _counted((np.argmax(y, axis=1) == labels)[:, None], sample_weight)

    def _binary_threshold(self):
        return 0.0 if self.from_logits else 0.5

    def options(self):
        """The options that differ from Keras's defaults, by name."""
        return {key: getattr(self, key) for key, default in self.defaults.items() if getattr(self, key) != default}

    def config(self):
        """JSON-able: the class name, its options and the reduction where not the default."""
        return {"loss": self.name, **self.options(),
                **({"reduction": self.reduction} if self.reduction != "mean" else {})}

    def __repr__(self):
        options = "".join(f"{key}={value!r}, " for key, value in self.options().items())
        return f"{self.name}({options}reduction={self.reduction!r})"


def _counted(hits, sample_weight):
    """(hits, entries) of a boolean (N, K) array; with weights, each row weighted."""
    if sample_weight is None:
        return int(np.sum(hits)), hits.size
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
    if w.shape[0] != hits.shape[0]:
        raise ValueError(f"count_correct: {hits.shape[0]} predictions but {w.shape[0]} sample weights")
    return float(np.sum(hits * w)), float(np.sum(w) * hits.shape[1])


def _option(value, what, where, low=0.0, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not low <= value or (high is not None and value > high) or not np.isfinite(value):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{where}: {what} must be a number {bound}, got {value!r}")
    return float(value)


def _flag(value, what, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {what} must be True or False, got {value!r}")
    return bool(value)


# -- the cross-entropy computations, shared by the loss classes --------------------------------
def _softmax_xent(loss, x, one_hot, labels):
    """Softmax cross-entropy from logits `x` against one-hot (or soft) rows or integer labels,
    fused (one exp; log(sum) kept for the loss), as TensorFlow's kernels compute it; keeps the
    softmax as loss.y and the targets for `_softmax_xent_backward`. Returns the reduced loss."""
    shifted = np.subtract(x, x.max(axis=1, keepdims=True), out=loss._buffer("shifted", x.shape, x.dtype))
    e = np.exp(shifted, out=loss._buffer("y", x.shape, x.dtype))
    total = e.sum(axis=1, keepdims=True)
    loss.y = np.divide(e, total, out=e)
    log_total = np.log(total)
    n = loss._divisor(x.shape)
    if labels is not None:
        loss.t, loss.labels = None, labels
        picked = shifted[np.arange(x.shape[0]), labels]
        if loss.weight is None:
            return float((log_total.sum() - picked.sum()) / n)
        return loss._reduce(log_total[:, 0] - picked, x.shape)
    loss.t, loss.labels = one_hot.astype(x.dtype, copy=False), None
    if loss.weight is None:  # sum_k t_k * (log_total - shifted_k), without forming the log-probabilities
        return float((np.vdot(loss.t.sum(axis=1), log_total) - np.vdot(loss.t, shifted)) / n)
    return loss._reduce(loss.t.sum(axis=1) * log_total[:, 0] - np.sum(loss.t * shifted, axis=1), x.shape)


def _softmax_xent_backward(loss, dout):
    """softmax - targets (TensorFlow's gradient, which assumes rows summing to 1), scaled."""
    n = loss._divisor(loss.y.shape)
    dx = loss._buffer("dx", loss.y.shape, loss.y.dtype)
    if loss.labels is not None:
        np.copyto(dx, loss.y)
        dx[np.arange(loss.y.shape[0]), loss.labels] -= 1
    else:
        np.subtract(loss.y, loss.t, out=dx)
    dx *= dout / n
    return dx


def _sigmoid_xent(x, t):
    """Per unit: max(x, 0) - x*t + log1p(exp(-|x|)), sigmoid cross-entropy from logits."""
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def _clip(p):
    """Keras's clipping of probabilities, and the mask where its gradient passes (the closed
    interval, as tf.clip_by_value's)."""
    low, high = p.dtype.type(EPSILON), p.dtype.type(1.0) - p.dtype.type(EPSILON)
    return np.clip(p, low, high), (p >= low) & (p <= high)


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

    A single output unit makes every softmax 1 and the loss 0 whatever the weights: it warns, as
    Keras's categorical cross-entropy does (use SigmoidBinaryCrossEntropy for two classes).
    """

    elementwise = False
    output_activation = "softmax"
    from_logits = True

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.y = None
        self.t = None
        self.labels = None

    def check_targets(self, t, shape):
        """Integer labels (N,) or (N, 1) in [0, K), or (N, K) rows of finite values (one-hot or soft)."""
        self._split(t, shape)
        return t

    def _split(self, t, shape):
        one_hot, labels = labels_to_indices(t, shape[0], shape[1], self.name)
        if one_hot is not None:
            super().check_targets(one_hot, shape)
        return one_hot, labels

    def forward(self, x, t, sample_weight=None, logits=True):
        del logits  # always logits
        self._check_output(x)
        _warn_single_unit(self, x)
        one_hot, labels = self._split(t, x.shape)
        self._sample_weight(sample_weight, x)
        return _softmax_xent(self, x, one_hot, labels)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.y)
        return self._weighted(_softmax_xent_backward(self, dout))


def _warn_single_unit(loss, x):
    if x.shape[1] == 1:
        warnings.warn(f"{loss.name}: the output has one unit, so its softmax is 1 and the loss 0 whatever the "
                      f"weights (nothing trains); for two classes use one sigmoid unit with a binary "
                      f"cross-entropy", UserWarning, stacklevel=3)


class _BinaryTargets:
    """Targets and accuracy of the binary cross-entropies (a mixin before Loss)."""

    def check_targets(self, t, shape):
        """Targets shaped like the output, each a probability in [0, 1] (0/1 labels or soft)."""
        t = super().check_targets(t, shape)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise ValueError(f"{self.name} targets: expected probabilities in [0, 1], got values from "
                             f"{t.min()} to {t.max()}")
        return t

    def count_correct(self, y, t, sample_weight=None):
        """Per output unit, Keras's binary accuracy: the predicted class is 1 where the logit is
        > 0 (the probability > 0.5) and 0 elsewhere, and it counts as correct only where the
        target *equals* it. So a soft target (0.5, 0.7, ...) is never counted correct, whatever
        the prediction: `keras.metrics.binary_accuracy(t, logits, threshold=0)` exactly (and
        `binary_accuracy(t, sigmoid(logits))` with its default threshold 0.5)."""
        t = self._shaped(np.asarray(t), y.shape)
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected targets of shape {y.shape}, got {t.shape}")
        return _counted(t == (y > self._binary_threshold()), sample_weight)


class SigmoidBinaryCrossEntropy(_BinaryTargets, Loss):
    """Sigmoid followed by binary cross-entropy on each output unit, computed from logits as
    max(x, 0) - x*t + log1p(exp(-|x|)) (never overflows). Keras: `BinaryCrossentropy(from_logits=True)`."""

    output_activation = "sigmoid"
    from_logits = True

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.x = None
        self.t = None

    def forward(self, x, t, sample_weight=None, logits=True):
        del logits  # always logits
        self._check_output(x)
        self.t = self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        self._sample_weight(sample_weight, x)
        self.x = x
        return self._reduce(_sigmoid_xent(x, self.t).sum(axis=1), x.shape)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.x)
        return self._weighted((sigmoid(self.x) - self.t) * (dout / self._divisor(self.x.shape)))


class _ProbabilityCrossEntropy(Loss):
    """What the three Keras-named cross-entropies share: from_logits, the logits override of the
    softmax quirk, and backward by the path the forward took."""

    def __init__(self, from_logits=False, reduction="mean"):
        super().__init__(reduction)
        self.from_logits = _flag(from_logits, "from_logits", type(self).__name__)
        self.on_logits = self.x = self.t = None

    def forward(self, x, t, sample_weight=None, logits=None):
        """The loss of output `x`; `logits=True` (the model's softmax quirk) takes `x` as logits
        whatever `from_logits` says."""
        self._check_output(x)
        t = self._targets(t, x.shape, x.dtype)
        self._sample_weight(sample_weight, x)
        self.on_logits = self.from_logits if logits is None else bool(logits)
        self.x = x
        return self._logits_forward(x, t) if self.on_logits else self._probability_forward(x, t)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.on_logits)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = self._logits_backward(dout) if self.on_logits else self._probability_backward(dout)
        return self._weighted(dx)

    def _row_scale(self, dout):
        """dL/d(per-sample loss) of each row before the weights: dout / (N or 1)."""
        return dout / (self.x.shape[0] if self.reduction == "mean" else 1)


class _Categorical(_ProbabilityCrossEntropy):
    """The two categorical cross-entropies: one number per sample, and on logits the fused softmax
    cross-entropy (SoftmaxCrossEntropy's) of the rows or labels `_pair` makes of the targets."""

    elementwise = False
    output_activation = "softmax"

    def _logits_forward(self, x, t):
        _warn_single_unit(self, x)
        return _softmax_xent(self, x, *self._pair(t))

    def _logits_backward(self, dout):
        return _softmax_xent_backward(self, dout)


class CategoricalCrossentropy(_Categorical):
    """Keras's CategoricalCrossentropy: targets (N, K), one-hot or soft. label_smoothing s
    replaces them by t * (1 - s) + s / K first. On probabilities (from_logits=False): each row
    divided by its sum, clipped to [1e-7, 1 - 1e-7], then -sum(t * log(p)); on logits the fused
    softmax cross-entropy (SoftmaxCrossEntropy's)."""

    defaults = {"from_logits": False, "label_smoothing": 0.0}

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="mean"):
        super().__init__(from_logits, reduction)
        self.label_smoothing = _option(label_smoothing, "label_smoothing", self.name, 0.0, 1.0)
        self.y = self.labels = self.p = self.sums = None

    def check_targets(self, t, shape):
        """Rows (N, K) of finite values: one-hot or soft (Keras's CategoricalCrossentropy takes no labels)."""
        if isinstance(t, np.ndarray) and np.issubdtype(t.dtype, np.integer) and t.ndim == 1 and shape[1] != 1:
            raise ValueError(f"{self.name} targets: got {t.shape[0]} integer labels, but this loss takes one-hot "
                             f"rows of shape {tuple(shape)}; use SparseCategoricalCrossentropy for labels")
        return super().check_targets(t, shape)

    def _targets(self, t, shape, dtype):
        """The targets in the output's dtype, smoothed as Keras smooths them (in that dtype)."""
        t = self.check_targets(t, shape).astype(dtype, copy=False)
        if self.label_smoothing:
            s = self.label_smoothing
            t = t * dtype.type(1.0 - s) + dtype.type(s) / dtype.type(shape[1])
        return t

    @staticmethod
    def _pair(t):
        return t, None  # rows

    def _probability_forward(self, x, t):
        _warn_single_unit(self, x)
        self.t = t
        self.sums = x.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.p = x / self.sums
            clipped, _ = _clip(self.p)
            return self._reduce(-np.sum(self.t * np.log(clipped), axis=1), x.shape)

    def _probability_backward(self, dout):
        clipped, passes = _clip(self.p)
        g = (-self._row_scale(dout) * self.t) * (1 / clipped) * passes
        x, s = self.x, self.sums
        return g / s + np.sum(g * ((-x / s) / s), axis=1, keepdims=True)


class SparseCategoricalCrossentropy(_Categorical):
    """Keras's SparseCategoricalCrossentropy: integer labels, (N,) or a column (N, 1). On
    probabilities (from_logits=False): clipped to [1e-7, 1 - 1e-7], and their logs taken as the
    logits of a softmax cross-entropy, as Keras computes it (so rows not summing to 1 are
    renormalised); on logits the fused softmax cross-entropy."""

    defaults = {"from_logits": False}

    def __init__(self, from_logits=False, reduction="mean"):
        super().__init__(from_logits, reduction)
        self.y = self.labels = self.clipped = self.passes = None

    def check_targets(self, t, shape):
        """Integer labels in [0, K), shaped (N,) or (N, 1)."""
        self._targets(t, shape)
        return t

    def _targets(self, t, shape, dtype=None):
        if isinstance(t, np.ndarray) and t.ndim == 2 and t.shape == tuple(shape) and shape[1] != 1:
            raise ValueError(f"{self.name} targets: got rows of shape {t.shape}, but this loss takes integer "
                             f"labels of shape ({shape[0]},); use CategoricalCrossentropy for one-hot rows")
        one_hot, labels = labels_to_indices(t, shape[0], shape[1], self.name)
        if labels is None:
            raise ValueError(f"{self.name} targets: expected integer labels of shape ({shape[0]},) or "
                             f"({shape[0]}, 1), got {t.shape}")
        return labels

    @staticmethod
    def _pair(labels):
        return None, labels

    def _probability_forward(self, x, labels):
        _warn_single_unit(self, x)
        self.clipped, self.passes = _clip(x)
        return _softmax_xent(self, np.log(self.clipped), None, labels)

    def _probability_backward(self, dout):
        return _softmax_xent_backward(self, dout) * (1 / self.clipped) * self.passes


class BinaryCrossentropy(_BinaryTargets, _ProbabilityCrossEntropy):
    """Keras's BinaryCrossentropy on each output unit, targets in [0, 1] shaped like the output.
    label_smoothing s replaces them by t * (1 - s) + s / 2 first. On probabilities
    (from_logits=False): clipped to [1e-7, 1 - 1e-7], then -(t log p + (1 - t) log(1 - p)); on
    logits SigmoidBinaryCrossEntropy's formula."""

    output_activation = "sigmoid"
    defaults = {"from_logits": False, "label_smoothing": 0.0}

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="mean"):
        super().__init__(from_logits, reduction)
        self.label_smoothing = _option(label_smoothing, "label_smoothing", self.name, 0.0, 1.0)

    def _targets(self, t, shape, dtype):
        """The targets in the output's dtype, smoothed as Keras smooths them (in that dtype)."""
        t = self.check_targets(t, shape).astype(dtype, copy=False)
        if self.label_smoothing:
            t = t * dtype.type(1.0 - self.label_smoothing) + dtype.type(0.5 * self.label_smoothing)
        return t

    def _logits_forward(self, x, t):
        self.t = t
        return self._reduce(_sigmoid_xent(x, t).sum(axis=1), x.shape)

    def _logits_backward(self, dout):
        return (sigmoid(self.x) - self.t) * (dout / self._divisor(self.x.shape))

    def _probability_forward(self, x, t):
        self.t = t
        clipped, _ = _clip(x)
        with np.errstate(divide="ignore"):
            bce = self.t * np.log(clipped) + (1 - self.t) * np.log(1 - clipped)
        return self._reduce(-bce.sum(axis=1), x.shape)

    def _probability_backward(self, dout):
        clipped, passes = _clip(self.x)
        g = self._row_scale(dout) / self.x.shape[1]  # each unit's share of the per-sample mean
        t = self.t
        return ((-g * t) * (1 / clipped) - (-g * (1 - t)) * (1 / (1 - clipped))) * passes


class MeanSquaredError(Loss):
    """mean((x - t)**2) over every element, Keras's `MeanSquaredError`; the textbook's
    0.5 * sum((y - t)**2) differs by a factor 2 / (N * K)."""

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.diff = None

    def forward(self, x, t, sample_weight=None, logits=None):
        del logits  # no activation to read through
        self._check_output(x)
        self.diff = x - self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        if self._sample_weight(sample_weight, x) is None:
            return float(np.vdot(self.diff, self.diff) / self._divisor(x.shape))
        return self._reduce(np.sum(self.diff * self.diff, axis=1), x.shape)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.diff)
        return self._weighted(self.diff * (2.0 * dout / self._divisor(self.diff.shape)))


class MeanAbsoluteError(Loss):
    """mean(|x - t|) over every element, Keras's MeanAbsoluteError; gradient sign(x - t) / (N K),
    0 where x == t (TensorFlow's Abs gradient)."""

    def __init__(self, reduction="mean"):
        super().__init__(reduction)
        self.diff = None

    def forward(self, x, t, sample_weight=None, logits=None):
        del logits  # no activation to read through
        self._check_output(x)
        self.diff = x - self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        self._sample_weight(sample_weight, x)
        return self._reduce(np.abs(self.diff).sum(axis=1), x.shape)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.diff)
        return self._weighted(np.sign(self.diff) * (dout / self._divisor(self.diff.shape)))


class Huber(Loss):
    """Keras's Huber(delta): per element 0.5 e**2 where |e| <= delta, else delta |e| - 0.5 delta**2
    (e = x - t), averaged like MeanSquaredError; gradient e, or delta sign(e), per element."""

    defaults = {"delta": 1.0}

    def __init__(self, delta=1.0, reduction="mean"):
        super().__init__(reduction)
        self.delta = _option(delta, "delta", self.name)
        self.diff = None

    def forward(self, x, t, sample_weight=None, logits=None):
        del logits  # no activation to read through
        self._check_output(x)
        e = self.diff = x - self.check_targets(t, x.shape).astype(x.dtype, copy=False)
        self._sample_weight(sample_weight, x)
        delta, half = x.dtype.type(self.delta), x.dtype.type(0.5)
        abs_e = np.abs(e)
        per_unit = np.where(abs_e <= delta, half * np.square(e), delta * abs_e - half * np.square(delta))
        return self._reduce(per_unit.sum(axis=1), x.shape)

    def backward(self, dout=1.0):
        check_forward_done(self.name, self.diff)
        e, delta = self.diff, self.diff.dtype.type(self.delta)
        per_unit = np.where(np.abs(e) <= delta, e, delta * np.sign(e))
        return self._weighted(per_unit * (dout / self._divisor(e.shape)))


LOSSES = {"softmax_cross_entropy": SoftmaxCrossEntropy,
          "sigmoid_binary_cross_entropy": SigmoidBinaryCrossEntropy,
          "mean_squared_error": MeanSquaredError,
          "categorical_crossentropy": CategoricalCrossentropy,
          "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
          "binary_crossentropy": BinaryCrossentropy,
          "mean_absolute_error": MeanAbsoluteError,
          "huber": Huber}


def loss_from_config(config):
    """The loss `Loss.config()` describes (a fresh instance)."""
    by_class = {cls.__name__: cls for cls in LOSSES.values()}
    if config.get("loss") not in by_class:
        raise ValueError(f"unknown loss {config.get('loss')!r}; known: {sorted(by_class)}")
    cls = by_class[config["loss"]]
    return cls(**{key: config[key] for key in cls.defaults if key in config},
               reduction=config.get("reduction", "mean"))


def get(loss):
    """A loss instance from a name in LOSSES or an instance (returned as is)."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: {sorted(LOSSES)}")
    return LOSSES[loss]()


def positions_as_rows(shape, t, sample_weight=None):
    """(targets, sample weights) for an output of `shape` (N, T, ..., K) read as rows
    (N*T*..., K): the targets (shaped like it, labels (N, T, ...) or a label column
    (N, T, ..., 1)) and the sample weights (N,) repeated per position:
    Keras's losses reduce every axis but the last as positions, each sample's weight applying to
    each of its positions, and "sum_over_batch_size" divides by their number. Targets shaped
    like the output come back (rows, K), labels (rows,)."""
    shape = tuple(shape)
    rows, k = int(np.prod(shape[:-1])), shape[-1]
    t = np.asarray(t)
    if t.shape == shape:
        t = t.reshape(rows, k)
    elif t.shape == shape[:-1] or (t.shape == (*shape[:-1], 1) and k != 1):
        t = t.reshape(rows)
    else:
        raise ValueError(f"loss: the output has shape {shape}; expected targets of that shape or labels "
                         f"of shape {shape[:-1]}, got {t.shape}")
    if sample_weight is not None:
        w = np.asarray(sample_weight)
        if w.shape not in ((shape[0],), (shape[0], 1)):
            raise ValueError(f"loss: sample_weight must have one weight per sample, shape ({shape[0]},), "
                             f"got {w.shape}")
        sample_weight = np.repeat(w.reshape(-1), rows // shape[0])
    return t, sample_weight
