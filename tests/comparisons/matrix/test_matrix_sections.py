"""The matrix's metric, refusal and Trainer sections (comparisons/matrix/metrics.py, refusals.py,
training_loop.py): each passes on scratchnet as it is, and a defect of the kind it exists for
fails it."""
import numpy as np

from comparisons.matrix import metrics as metric_section
from comparisons.matrix import refusals, training_loop
from scratchnet import metrics
from scratchnet.model import Sequential
from scratchnet.training import Trainer


def _failed(checks):
    return [c.name for c in checks if not c.passed]


def test_every_metric_agrees_with_keras_plain_weighted_and_through_its_config():
    checks, rows = metric_section.metric_checks(0)
    assert _failed(checks) == []
    assert len(rows) == len(metric_section.CASES) + 7
    covered = {cls for cls, *_ in metric_section.CASES}
    assert set(metrics.METRICS.values()) <= covered  # every metric scratchnet offers, aliases included


def test_binary_accuracy_compares_with_keras_float32_threshold():
    """Keras turns the threshold into a float32 tensor: an output of exactly 0.7 lies above 0.7
    there (float32(0.7) < 0.7); this failed while scratchnet compared against the float64 0.7."""
    assert metrics.BinaryAccuracy(threshold=0.7).count(np.array([[0.7]]), np.array([[1.0]])) == (1.0, 1.0)
    assert metrics.BinaryAccuracy().count(np.array([[0.5]]), np.array([[0.0]])) == (1.0, 1.0)  # 0.5 is exact


def test_a_top_k_that_counts_ties_out_fails(monkeypatch):
    def strict(self, y, t):
        target = y[np.arange(y.shape[0]), np.argmax(t, axis=-1)]
        return (np.sum(y >= target[:, None], axis=-1) <= self.k)[:, None]  # a tie at the boundary: out
    monkeypatch.setattr(metrics.TopKCategoricalAccuracy, "hits", strict)
    failed = _failed(metric_section.metric_case_checks(0)[0])
    assert failed and all("TopKCategoricalAccuracy" in name for name in failed)


def test_every_refusal_passes_and_a_wrong_exception_or_a_changed_model_fails(monkeypatch):
    checks, _ = refusals.refusal_checks()
    assert _failed(checks) == [] and len(checks) == len(refusals._cases())
    original = Sequential.evaluate

    def moving(self, x, t, *args, **kwargs):
        self.params["W1"][...] += 1.0  # a refusal that changes the model before it refuses
        return original(self, x, t, *args, **kwargs)
    monkeypatch.setattr(Sequential, "evaluate", moving)
    monkeypatch.setattr(metrics.TopKCategoricalAccuracy, "__init__",
                        lambda self, k=5, name=None, weighted=False: (_ for _ in ()).throw(TypeError("k")))
    failed = _failed(refusals.refusal_checks()[0])
    assert failed == ["refusal: TopKCategoricalAccuracy k 0", "refusal: TopKCategoricalAccuracy on labels",
                      "refusal: Sequential.evaluate, 4 inputs and 3 targets",
                      "refusal: Sequential.evaluate, 3 sample weights"]


def test_trainer_section_passes_and_a_history_of_the_wrong_data_fails(monkeypatch):
    checks, rows = training_loop.training_loop_checks(0)
    assert _failed(checks) == [] and len(rows) == 2
    original = Trainer._record

    def swapped(self, epoch):
        original(self, epoch)
        if self.x_test is not None:  # train and test numbers recorded the wrong way round
            h = self.history
            h.train_loss[-1], h.test_loss[-1] = h.test_loss[-1], h.train_loss[-1]
    monkeypatch.setattr(Trainer, "_record", swapped)
    failed = _failed(training_loop.history_checks(0))
    assert failed and all("loss" in name for name in failed)


def test_evaluate_counts_every_position_of_a_sequence_output():
    """A loss at every position (N, T, K): evaluate's accuracy counts each position, as Keras's
    metric does, on scratchnet's side and the twin's (both raised here before: the accuracy read
    the (N, T, K) output as (N, K) rows)."""
    import reference_keras
    from comparisons.matrix import layer_rows
    row = next(r for r in layer_rows.layer_rows() if r.targets == "position_labels")
    model = row.build(True, 3)
    x, t, _ = layer_rows.row_batch(row, model, 3)
    loss, accuracy = model.evaluate(x, t)
    expected = np.mean(np.argmax(model.predict(x), axis=-1) == t)
    assert t.shape == x.shape[:2] and accuracy == expected
    assert reference_keras.evaluate(reference_keras.to_keras(model), x, t)[1] == accuracy
