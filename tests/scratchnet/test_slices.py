"""RowSlices and the Embedding's rows (scratchnet alone; tests/reference_keras/
test_sparse_embedding_updates.py holds the optimizers' use of them to Keras): the dense form is the
sum of each id's rows, the Embedding keeps its rows only with sparse_gradient, its option survives
config and astype, and the Trainer hands the rows to the optimizer."""
import numpy as np
import pytest

import scratchnet
from scratchnet import Trainer
from scratchnet.layers import Affine, Embedding, Flatten
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import Adam
from scratchnet.slices import RowSlices, sum_rows


def test_sum_rows_adds_repeated_indices_and_leaves_the_rest_zero():
    values = np.arange(12.0).reshape(4, 3)
    dense = sum_rows(np.array([2, 0, 2, 2]), values, 4)
    np.testing.assert_array_equal(dense, [[3, 4, 5], [0, 0, 0], [0 + 6 + 9, 1 + 7 + 10, 2 + 8 + 11], [0, 0, 0]])
    rows = RowSlices(np.array([2, 0, 2, 2]), values, (4, 3))
    np.testing.assert_array_equal(rows.squares()[2], values[[0, 2, 3]].__pow__(2).sum(axis=0))
    assert "4 rows of (4, 3)" in repr(rows)


@pytest.mark.parametrize("indices, values, message", [
    (np.array([[0]]), np.ones((1, 3)), "indices must be a 1-D integer array, got 2-D int64"),
    (np.array([0.0]), np.ones((1, 3)), "indices must be a 1-D integer array, got 1-D float64"),
    (np.array([0, 1]), np.ones((3, 3)), r"values must have shape \(2, 3\) \(one row per index\), got \(3, 3\)"),
    (np.array([-1]), np.ones((1, 3)), r"indices must lie in \[0, 4\), got values from -1 to -1"),
])
def test_row_slices_refuse_inconsistent_parts(indices, values, message):
    with pytest.raises(ValueError, match=message):
        RowSlices(indices, values, (4, 3))


def _model(sparse_gradient=True):
    rng = np.random.default_rng(0)
    return scratchnet.Sequential([Embedding.initialize(6, 3, rng, np.float64, input_shape=(5,),
                                                       sparse_gradient=sparse_gradient),
                                  Flatten(), Affine(rng.normal(size=(15, 2)), np.zeros(2))], SoftmaxCrossEntropy())


def test_the_embedding_keeps_its_rows_whose_sum_is_its_gradient():
    model = _model()
    x = np.array([[1, 1, 2, 5, 1], [0, 2, 2, 1, 3]])
    model.backprop(x, np.array([0, 1]))
    (name, rows), = model.gradient_slices().items()
    assert name == "W1" and rows.indices.tolist() == x.ravel().tolist() and rows.values.shape == (10, 3)
    np.testing.assert_array_equal(rows.dense(), model.grads["W1"])
    dense = _model(sparse_gradient=False)
    dense.backprop(x, np.array([0, 1]))
    assert dense.gradient_slices() == {}


def test_sparse_gradient_is_checked_and_survives_config_and_astype():
    with pytest.raises(ValueError, match="Embedding: sparse_gradient must be True or False, got 'yes'"):
        Embedding(np.ones((3, 2)), sparse_gradient="yes")
    layer = _model(sparse_gradient=False).layers[0]
    assert layer.config()["sparse_gradient"] is False and "sparse_gradient" not in _model().layers[0].config()
    assert layer.astype(np.float32).sparse_gradient is False


def test_the_trainer_hands_the_rows_to_the_optimizer():
    """Adam through the Trainer equals Adam updated by hand with the rows, and differs from the
    dense sum's update (ids repeat in every batch)."""
    rng = np.random.default_rng(1)
    x, t = rng.integers(0, 6, (8, 5)), rng.integers(0, 2, 8)
    trained = _model()
    Trainer(trained, Adam(0.1), x, t, epochs=1, batch_size=8, seed=0, evaluate=None).fit()
    by_hand, dense = _model(), _model()
    for model, sliced in ((by_hand, True), (dense, False)):
        optimizer = Adam(0.1)
        order = Trainer(model, optimizer, x, t, epochs=1, batch_size=8, seed=0, evaluate=None).planned_batches()[0]
        model.backprop(x[order], t[order])
        optimizer.update(model.params, model.grads, slices=model.gradient_slices() if sliced else None)
    np.testing.assert_array_equal(trained.params["W1"], by_hand.params["W1"])
    assert np.abs(trained.params["W1"] - dense.params["W1"]).max() > 1e-3
