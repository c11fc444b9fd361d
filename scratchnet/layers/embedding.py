"""Embedding: Keras's Embedding, a lookup of one row of W per integer id.

W has shape (input_dim, output_dim), exactly Keras's `embeddings`, so weights move between the
two libraries as they are (the deep-learning-from-scratch book's second volume keeps the same
(vocabulary, dimension) matrix, named W). The input is integer ids (N, ...) in [0, input_dim),
the output is W[ids], shaped (N, ..., output_dim).

Gradient. dL/dW[k] is the sum of the output gradients at every position whose id is k: rows no
id touched are zero. TensorFlow hands this gradient to an optimizer as IndexedSlices (the
touched rows only); its dense equivalent, `tf.convert_to_tensor(slices)`, is what `grads["W"]`
holds. Integer ids have no gradient: `backward` refuses need_dx=True.

Keras's optimizers apply the rows themselves, not their sum, and for Adam, RMSprop, Adagrad and
the clipping options that is a different update when an id repeats within a batch
(scratchnet.slices says how). With `sparse_gradient=True` (the default, as Keras's fit) backward
also keeps the rows, `grad_slices["W"]` (a RowSlices), and the Trainer hands them to the
optimizer; sparse_gradient=False keeps the dense form only (the twin then makes Keras's
optimizer take the dense gradient too: reference_keras.to_keras).

Only a model's first layer can be an Embedding (its input is the model's integer input).
"""
import numpy as np

from .. import initializers
from .._checks import check_array, check_forward_done
from ..slices import RowSlices, sum_rows
from .base import Layer, declared_shape, same_dtype


class Embedding(Layer):
    param_keys = ("W",)
    input_gradient_optional = True
    takes_integers = True

    def __init__(self, W, input_shape=None, sparse_gradient=True, name="Embedding"):
        super().__init__(name)
        if not isinstance(sparse_gradient, (bool, np.bool_)):
            raise ValueError(f"{name}: sparse_gradient must be True or False, got {sparse_gradient!r}")
        self.sparse_gradient = bool(sparse_gradient)
        self.grad_slices = {}  # {"W": RowSlices} after a backward pass with sparse_gradient
        check_array(W, f"{name}: W (input_dim, output_dim)", ndim=2)
        same_dtype({"W": W}, name)
        if 0 in W.shape:
            raise ValueError(f"{name}: W must have no zero-sized axis, got shape {W.shape}")
        self.params = {"W": W}
        self.grads = {"W": np.zeros_like(W)}
        self.input_shape = declared_shape(input_shape, name)
        self.ids = None

    @classmethod
    def initialize(cls, input_dim, output_dim, rng, dtype=np.float32, input_shape=None, sparse_gradient=True):
        """An Embedding with Keras's default initial weights ("uniform": U(-0.05, 0.05)) drawn
        from the numpy Generator `rng`."""
        return cls(initializers.Uniform()((input_dim, output_dim), rng, dtype), input_shape=input_shape,
                   sparse_gradient=sparse_gradient)

    @property
    def input_dim(self):
        return self.params["W"].shape[0]

    @property
    def output_dim(self):
        return self.params["W"].shape[1]

    def output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def check_ids(self, ids):
        """`ids` as given: an integer ndarray with a batch axis, every id in [0, input_dim)."""
        check_array(ids, f"{self.name} input (integer ids)")
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{self.name}: expected integer ids (N, ...) in [0, {self.input_dim}), got dtype "
                            f"{ids.dtype} (convert with .astype(np.int64))")
        if ids.ndim < 1:
            raise ValueError(f"{self.name}: expected ids with a batch axis (N, ...), got shape {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(f"{self.name}: ids must lie in [0, {self.input_dim}) (input_dim), got values from "
                             f"{ids.min()} to {ids.max()}")
        return ids

    def forward(self, ids):
        self.ids = self.check_ids(ids)
        W = self.params["W"]
        return np.take(W, ids, axis=0, out=self._buffer("out", (*ids.shape, W.shape[1]), W.dtype))

    def backward(self, dout, need_dx=True):
        """Fill grads["W"] with the sum of `dout` over the positions of each id (zero rows for
        ids not seen). The ids have no gradient: need_dx=True raises."""
        W = self.params["W"]
        check_forward_done(self.name, self.ids)
        check_array(dout, f"{self.name} backward", shape=(*self.ids.shape, W.shape[1]), dtype=W.dtype)
        ids, rows = self.ids.reshape(-1), dout.reshape(-1, W.shape[1])
        sum_rows(ids, rows, W.shape[0], out=self.grads["W"])
        # the rows as TensorFlow hands them to Keras's optimizers (a copy: dout is the caller's)
        self.grad_slices = {"W": RowSlices(ids, rows.copy(), W.shape)} if self.sparse_gradient else {}
        if need_dx:
            raise TypeError(f"{self.name}: its input is integer ids, which have no gradient "
                            f"(an input gradient exists only for a model taking float inputs)")
        return None

    def config(self):
        extra = {} if self.sparse_gradient else {"sparse_gradient": False}
        return self._config(input_dim=self.input_dim, output_dim=self.output_dim, **extra)

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["W"], input_shape=config.get("input_shape"),
                   sparse_gradient=config.get("sparse_gradient", True))

    def __repr__(self):
        dense = "" if self.sparse_gradient else ", dense gradient"
        return f"{self.name}({self.input_dim} -> {self.output_dim}{dense})"
