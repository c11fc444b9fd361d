"""Accuracy metrics by Keras's names, as a model compiled with `metrics=[...]` reports them
(`Sequential.metrics`, `Sequential.evaluate_metrics`; reference_keras.from_keras brings a Keras
model's compiled metrics over).

Each metric counts (hits, entries) for outputs `y` and targets `t`; with `weighted` (a metric
Keras was given as `weighted_metrics`) each sample counts with its sample weight, as Keras's
weighted mean does. "accuracy" resolves by the shapes, as Keras's compile does: a one-unit
output is binary accuracy (threshold 0.5), labels ((N,) or a column (N, 1) for a wider output)
are sparse categorical accuracy, anything else categorical accuracy (argmax against argmax).
Keras sums its metrics in float32; these count in float64.
"""
import numpy as np

from ._checks import label_column


class Metric:
    def __init__(self, name=None, weighted=False):
        self.name = name or self.keras_name
        self.weighted = bool(weighted)

    def count(self, y, t, sample_weight=None):
        """(hits, entries) of this batch, each row weighted by `sample_weight` when the metric is
        weighted and weights are given."""
        hits = self.hits(np.asarray(y), np.asarray(t))
        if sample_weight is None or not self.weighted:
            return float(np.sum(hits)), float(hits.size)
        w = np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        return float(np.sum(hits * w)), float(np.sum(w) * hits.shape[1])

    def config(self):
        return {"metric": self.keras_name, **({"name": self.name} if self.name != self.keras_name else {}),
                **({"weighted": True} if self.weighted else {})}

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r}{', weighted' if self.weighted else ''})"


class BinaryAccuracy(Metric):
    keras_name = "binary_accuracy"

    def __init__(self, threshold=0.5, name=None, weighted=False):
        super().__init__(name, weighted)
        self.threshold = float(threshold)

    def hits(self, y, t):
        t = t.reshape(y.shape) if t.size == y.size else t
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected targets shaped like the output {y.shape}, got {t.shape}")
        return (t == (y > self.threshold)).reshape(y.shape[0], -1)

    def config(self):
        return {**super().config(), **({"threshold": self.threshold} if self.threshold != 0.5 else {})}


class CategoricalAccuracy(Metric):
    keras_name = "categorical_accuracy"

    def hits(self, y, t):
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected one-hot rows shaped like the output {y.shape}, got {t.shape}")
        return (np.argmax(y, axis=-1) == np.argmax(t, axis=-1))[:, None]


class SparseCategoricalAccuracy(Metric):
    keras_name = "sparse_categorical_accuracy"

    def hits(self, y, t):
        labels = t[:, 0] if label_column(t, y.shape[1]) else t
        if labels.shape != (y.shape[0],):
            raise ValueError(f"{self.name}: expected {y.shape[0]} labels, got targets of shape {t.shape}")
        return (np.argmax(y, axis=-1) == labels)[:, None]


class Accuracy(Metric):
    """Keras's "accuracy": binary, sparse or categorical accuracy by the shapes (module docstring)."""

    keras_name = "accuracy"

    def hits(self, y, t):
        if y.shape[-1] == 1:
            return BinaryAccuracy().hits(y, t)
        if t.ndim < y.ndim or (t.shape[-1] == 1 and y.shape[-1] > 1):
            return SparseCategoricalAccuracy().hits(y, t)
        return CategoricalAccuracy().hits(y, t)


METRICS = {cls.keras_name: cls for cls in (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy)}
METRICS["acc"] = Accuracy


def get(metric):
    """A metric from a name in METRICS or an instance (returned as is)."""
    if isinstance(metric, Metric):
        return metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
    return METRICS[metric]()


def metric_from_config(config):
    """The metric `Metric.config()` describes."""
    cls = get(config["metric"]).__class__
    options = {key: config[key] for key in ("threshold",) if key in config}
    return cls(**options, name=config.get("name"), weighted=config.get("weighted", False))
