"""RowSlices: a gradient as TensorFlow hands an Embedding's to Keras's optimizers (IndexedSlices).

An Embedding's gradient is one row of the output gradient per position of the input, to be added
at row `indices[k]` of W; an id that occurs k times in a batch has k rows. Its dense form (the
sum of the rows of each id, zero rows elsewhere) is what the Embedding's `grads["W"]` holds and
what every gradient check compares. Keras's optimizers (keras 3.15.1, TensorFlow backend) take the
rows as they are, and Keras's sparse arithmetic makes that matter for the nonlinear terms
(measured in tests/scratchnet/test_slices.py against Keras itself):

- a square (Adam's and RMSprop's second moments, Adagrad's accumulator) is taken row by row and
  the squares of an id's rows are added: sum_k r_k**2, not (sum_k r_k)**2;
- clipnorm takes the norm of the rows (sqrt(sum_k |r_k|**2)) and scales them; clipvalue clips
  each row; the squares then follow from the clipped rows;
- global_clipnorm counts the rows' squares in the global norm, and its scaling makes the gradient
  dense: after it the optimizer squares the dense gradient, as for any other weight;
- every linear use (a momentum, Adam's first moment, the step itself) is the same as the dense
  form's, up to round-off in the order of the additions.

An optimizer given `slices` (Optimizer.update) follows these rules for those parameters; without
them it uses the dense gradient throughout (what `reference_keras.to_keras(dense_gradients=True)`
makes Keras do).
"""
from dataclasses import dataclass

import numpy as np


def sum_rows(indices, values, n_rows, out=None):
    """The dense (n_rows, ...) array with values[k] added at row indices[k] (repeated indices
    add up, in order of appearance; untouched rows are 0). Writes into `out` when given."""
    out = np.zeros((n_rows, *values.shape[1:]), values.dtype) if out is None else out
    out[...] = 0
    if indices.size:
        order = np.argsort(indices, kind="stable")  # positions of each index together, in order of appearance
        ordered = indices[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        out[ordered[starts]] = np.add.reduceat(values[order], starts, axis=0)
    return out


@dataclass(frozen=True)
class RowSlices:
    """Rows `values` (M, ...) to add at rows `indices` (M,) of an array of `shape` (an index may
    repeat): TensorFlow's IndexedSlices."""
    indices: np.ndarray
    values: np.ndarray
    shape: tuple

    def __post_init__(self):
        if self.indices.ndim != 1 or self.indices.dtype.kind not in "iu":
            raise ValueError(f"RowSlices: indices must be a 1-D integer array, got {self.indices.ndim}-D "
                             f"{self.indices.dtype}")
        if self.values.shape != (self.indices.shape[0], *tuple(self.shape)[1:]):
            raise ValueError(f"RowSlices: values must have shape {(self.indices.shape[0], *tuple(self.shape)[1:])} "
                             f"(one row per index), got {self.values.shape}")
        if self.indices.size and (self.indices.min() < 0 or self.indices.max() >= self.shape[0]):
            raise ValueError(f"RowSlices: indices must lie in [0, {self.shape[0]}), got values from "
                             f"{self.indices.min()} to {self.indices.max()}")

    @property
    def dtype(self):
        return self.values.dtype

    def dense(self):
        """The sum of each index's rows, zero elsewhere (tf.convert_to_tensor of IndexedSlices)."""
        return sum_rows(self.indices, self.values, self.shape[0])

    def squares(self):
        """The sum of each index's squared rows: what Keras's optimizers square."""
        return sum_rows(self.indices, self.values * self.values, self.shape[0])

    def with_values(self, values):
        return RowSlices(self.indices, values, self.shape)

    def __repr__(self):
        return f"RowSlices({self.indices.shape[0]} rows of {tuple(self.shape)}, {self.values.dtype})"
