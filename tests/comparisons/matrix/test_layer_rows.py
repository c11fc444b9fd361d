"""The matrix's layer rows (comparisons/matrix/layer_rows.py): every row agrees with Keras and
exercises its option, the rows cover every layer kind, activation and loss the twin offers for
images and MLPs, and a defect of the kind the rows exist for fails them."""
import pytest

from comparisons.matrix import layer_rows, whole
from scratchnet import layers as L
from scratchnet import losses, metrics

ROWS = layer_rows.layer_rows()


def _kinds(row):
    """The layer and loss classes of a row's model, with its option on and off (Identity is the
    "off" of the activation rows)."""
    models = (row.build(True, 0), row.build(False, 0))
    return {type(layer) for model in models for layer in model.layers} | {type(m.loss_layer) for m in models}


def test_rows_cover_every_image_and_mlp_layer_activation_and_loss():
    covered = set().union(*(_kinds(row) for row in ROWS))
    sequences = {L.Embedding, L.SimpleRNN, L.LSTM, L.GRU, L.Bidirectional, L.Conv1D, L.MaxPooling1D,
                 L.AveragePooling1D, L.GlobalAveragePooling1D, L.GlobalMaxPooling1D}  # their own rows
    assert set(L.LAYERS.values()) - sequences - covered == set()
    assert set(losses.LOSSES.values()) - covered == set()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.family}: {r.name}" for r in ROWS])
def test_a_layer_row_agrees_with_keras_and_its_option_moves_the_result(row):
    checks, effect = layer_rows.run_layer_row(row, 3)
    assert [c.name for c in checks if not c.passed] == []
    assert effect >= layer_rows.OPTION_EFFECT_MIN
    kinds = {c.kind for c in checks}
    assert {"forward", "loss", "gradient", "final", "option_effect"} <= kinds
    if row.lockstep:
        assert "trajectory" in kinds


def _row(name):
    return next(r for r in ROWS if r.name == name)


def test_dropout_without_its_training_scale_fails_its_row(monkeypatch):
    original = L.Dropout.forward

    def unscaled(self, x, training=False):
        out = original(self, x, training)
        return out * (1.0 - self.rate) if training else out  # the 1 / (1 - rate) scale undone
    monkeypatch.setattr(L.Dropout, "forward", unscaled)
    checks, _ = layer_rows.run_layer_row(_row("Dropout 0.4 (Keras's masks)"), 3)
    assert any(c.kind == "forward" and not c.passed for c in checks)


def test_a_wrong_default_fails_the_default_checks(monkeypatch):
    assert all(c.passed for c in layer_rows.default_checks()[0])
    defaults = list(L.BatchNormalization.__init__.__defaults__)
    defaults[defaults.index(1e-3)] = 1e-5
    monkeypatch.setattr(L.BatchNormalization.__init__, "__defaults__", tuple(defaults))
    failed = [c for c in layer_rows.default_checks()[0] if not c.passed]
    assert [c.subject for c in failed] == ["BatchNormalization"] and "'epsilon': (1e-05, 0.001)" in failed[0].diagnosis


def test_a_row_whose_option_changes_nothing_fails():
    row = _row("Dense use_bias=False")
    same = layer_rows.LayerRow(row.family, row.name, row.option, lambda on, seed: row.build(True, seed))
    checks, effect = layer_rows.run_layer_row(same, 3)
    assert effect == 0.0 and [c.kind for c in checks if not c.passed] == ["option_effect"]


def test_layer_rows_are_in_the_matrix(monkeypatch):
    monkeypatch.setattr(whole, "covering_rows", lambda: [])
    report = whole.run(seed=0)
    assert report.passed
    titles = [section.title for section in report.sections]
    assert any(t.startswith("Layer and loss defaults") for t in titles) and any(t.startswith("Layers,") for t in titles)
    assert sum(c.name.startswith("dropout: ") and c.kind == "trajectory" for c in report.checks) == 4


def test_a_metric_that_ignores_its_threshold_fails_its_row(monkeypatch):
    row = _row("Sigmoid, BinaryCrossentropy (probabilities)")
    model = row.build(True, 3)
    x, t, w = layer_rows.row_batch(row, model, 3)
    assert all(c.passed for c in layer_rows.metric_checks(row, model, x, t, w))
    monkeypatch.setattr(metrics.BinaryAccuracy, "hits",
                        lambda self, y, t: (t.reshape(y.shape) == (y > 0.5)).reshape(y.shape[0], -1))
    failed = [c.name for c in layer_rows.metric_checks(row, model, x, t, w) if not c.passed]
    assert failed and all("threshold" in name for name in failed)
