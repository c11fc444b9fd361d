"""Integer labels shaped (N, 1), as Keras users keep them (a DataFrame column, `y.reshape(-1, 1)`):
Keras reads them as class labels everywhere (SparseCategoricalCrossentropy squeezes them, and
`accuracy` resolves to sparse_categorical_accuracy when the targets' last axis is 1 and the
output's is not). scratchnet once read them as one-hot rows of a single class, so every label was
class 0 and accuracy silently wrong. Values from Keras's own unit tests are cited by file."""
import numpy as np
import pytest

import scratchnet
from scratchnet.layers import Affine
from scratchnet.losses import SoftmaxCrossEntropy

# keras/src/metrics/accuracy_metrics_test.py, SparseCategoricalAccuracyTest.test_unweighted:
# y_true [[2], [1]], y_pred [[0.1, 0.6, 0.3], [0.05, 0.95, 0]] -> 0.5
KERAS_Y_TRUE = np.array([[2], [1]])
KERAS_Y_PRED = np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]])


def test_count_correct_reads_a_label_column_as_labels():
    assert SoftmaxCrossEntropy().count_correct(KERAS_Y_PRED, KERAS_Y_TRUE) == (1, 2)
    assert SoftmaxCrossEntropy().count_correct(KERAS_Y_PRED, KERAS_Y_TRUE[:, 0]) == (1, 2)


def _model():
    rng = np.random.default_rng(0)
    return scratchnet.Sequential([Affine(rng.normal(size=(4, 3)), rng.normal(size=3))], SoftmaxCrossEntropy())


def test_loss_evaluate_and_training_take_a_label_column_as_the_labels_it_holds():
    rng = np.random.default_rng(1)
    x, labels = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    model = _model()
    column = labels.reshape(-1, 1)
    assert model.loss(x, column) == model.loss(x, labels)
    for a, b in zip(model.gradient(x, column).values(), model.gradient(x, labels).values()):
        np.testing.assert_array_equal(a, b)
    assert model.evaluate(x, column) == model.evaluate(x, labels)
    assert model.evaluate(x, column)[1] == np.mean(np.argmax(model.predict(x), axis=1) == labels)
    trained = [_model(), _model()]
    for model, t in zip(trained, (column, labels)):
        scratchnet.Trainer(model, scratchnet.optimizers.SGD(0.1), x, t, epochs=2, batch_size=8, progress=False).fit()
    for a, b in zip(trained[0].get_weights(), trained[1].get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("t", [np.array([[0.0], [1.0]]), np.array([[3], [1]]), np.array([[1], [0], [2]])],
                         ids=["float column", "label out of range", "wrong count"])
def test_a_bad_label_column_is_refused_by_name(t):
    with pytest.raises((ValueError, TypeError), match="SoftmaxCrossEntropy"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), t)
