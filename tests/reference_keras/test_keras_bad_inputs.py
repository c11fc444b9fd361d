"""The Keras side refuses what scratchnet refuses: the same bad targets, batches and inputs raise
the same kind of error from reference_keras, naming what is wrong."""
import re

import numpy as np
import pytest

import scratchnet
from scratchnet import optimizers
from scratchnet.losses import SoftmaxCrossEntropy

X, T = np.linspace(-1, 1, 15).reshape(5, 3), np.array([0, 1, 1, 0, 1])
EMPTY_X, EMPTY_T = np.ones((0, 3)), np.array([], dtype=np.int64)


def model():
    return scratchnet.mlp([3, 4, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64)


def _twin():
    import reference_keras as rk
    sn = model()
    return rk, sn, rk.to_keras(sn)


KERAS_CASES = {
    "float labels": (lambda rk, sn, k: rk.loss_and_gradients(k, None, X, np.array([0.6, 1.0, 0.2, 0.0, 1.0])),
                     TypeError, "1-D targets must be integer class labels, got dtype float64"),
    "labels out of range": (lambda rk, sn, k: rk.loss_and_gradients(k, None, X, T + 5), ValueError, "labels out of range"),
    "float labels, train_step": (lambda rk, sn, k: rk.train_step(k, rk.keras_optimizer(optimizers.SGD(0.1), k), X,
                                                                 T.astype(float)), TypeError, "integer class labels"),
    "float labels, backward_trace": (lambda rk, sn, k: rk.backward_trace(k, X, T + 0.5), TypeError, "integer class labels"),
    "float labels, evaluate": (lambda rk, sn, k: rk.evaluate(k, X, T * 0.5), TypeError, "integer class labels"),
    "empty batch": (lambda rk, sn, k: rk.loss_and_gradients(k, None, EMPTY_X, EMPTY_T), ValueError,
                    "reference_keras: empty batch (shape (0, 3))"),
    "empty evaluate": (lambda rk, sn, k: rk.evaluate(k, EMPTY_X, EMPTY_T), ValueError, "empty batch"),
    "misaligned evaluate": (lambda rk, sn, k: rk.evaluate(k, X, T[:2]), ValueError, "expected 5 labels to match the batch"),
    "float32 input": (lambda rk, sn, k: rk.forward_trace(k, X.astype(np.float32)), TypeError, "expected a 2-D float64 input"),
    "a scratchnet loss": (lambda rk, sn, k: rk.loss_and_gradients(k, SoftmaxCrossEntropy(), X, T), TypeError,
                          "expected a Keras loss (see keras_loss)"),
    "float16 Keras model": (lambda rk, sn, k: rk.from_keras(_half_model()), ValueError,
                            "layer 'half' (Dense) stores float16 weights"),
    "optimizer for nothing": (lambda rk, sn, k: rk.keras_optimizer(optimizers.SGD(0.1), None), TypeError,
                              "expected the model to train"),
}


def _half_model():
    import keras
    return keras.Sequential([keras.Input((3,), dtype="float16"), keras.layers.Dense(2, dtype="float16", name="half")])


@pytest.mark.parametrize("case", KERAS_CASES)
def test_the_keras_side_refuses_the_same_inputs(case):
    call, error, fragment = KERAS_CASES[case]
    with pytest.raises(error, match=re.escape(fragment)):
        call(*_twin())


def test_the_table_holds_at_least_10_cases():
    assert len(KERAS_CASES) >= 10
