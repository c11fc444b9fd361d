"""A column of integer labels, (N, 1), on the Keras side: the twin's accuracy is Keras's
sparse_categorical_accuracy, and evaluate agrees with scratchnet's to the last bit."""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras
from scratchnet.layers import Affine
from scratchnet.losses import SoftmaxCrossEntropy


def test_keras_counts_a_label_column_as_scratchnet_does():
    y, t = np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]), np.array([[2], [1]])
    loss = rk.keras_loss(SoftmaxCrossEntropy, dtype="float64")
    assert rk.count_correct(loss, y, t) == SoftmaxCrossEntropy().count_correct(y, t) == (1, 2)
    assert float(np.mean(keras.metrics.sparse_categorical_accuracy(t, y))) == 0.5


def test_evaluate_with_a_label_column_matches_keras():
    rng = np.random.default_rng(0)
    model = scratchnet.Sequential([Affine(rng.normal(size=(5, 4)), rng.normal(size=4))], SoftmaxCrossEntropy())
    x, t = rng.normal(size=(40, 5)), rng.integers(0, 4, (40, 1))
    ours, theirs = model.evaluate(x, t), rk.evaluate(rk.to_keras(model), x, t)
    assert ours[1] == theirs[1] == model.evaluate(x, t[:, 0])[1]
    assert abs(ours[0] - theirs[0]) <= 1e-12 * theirs[0]
