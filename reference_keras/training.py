"""Many training steps per compiled call: the Keras side of a long lockstep run.

`train_step` makes a Python call, a tf.function call and a conversion of the batch for every
step, and reading the weights back makes more. `train_steps` runs a chunk of steps inside one
tf.function: NumPy gathers the chunk's batches into one (steps, batch, ...) array handed to
TensorFlow without a second copy (see _tensor), and a `tf.while_loop` takes one step per batch
(_steps.step, the body of train_step), records the loss, and copies the weights into the
output after the steps asked for. The same ops run in the same order as with train_step, so the
results are train_step's bit for bit (autodiff's note on compiled vs eager applies to both alike).

Except for a model with a layer in PER_STEP_LAYERS: inside the loop TensorFlow's graph optimizer
computes BatchNormalization's batch statistics with other roundings than in the one-step graph
(the losses part by round-off within a few steps), so such a model takes its steps one
compiled call each, as train_step does, and stays bit for bit train_step's.

Chunks are kept to a few tens of MiB: on a virtual machine fresh memory is slow to touch the
first time, and buffers of this size are reused from one chunk to the next.
"""
import functools
import math

import numpy as np

from . import _steps
from ._environment import keras, tf
from ._tensor import as_tensor
from .autodiff import compile_for, twin_weight_values, twin_weights
from .dtype import model_dtype

CHUNK_STEPS = 1000  # steps per compiled call at most
CHUNK_BYTES = 24 * 2**20  # a chunk's batches and weight copies together, at most (one step at least)
PER_STEP_LAYERS = (keras.layers.BatchNormalization,)  # rounded otherwise inside a tf.while_loop (see above)


def _run_chunk(keras_model, optimizer, loss, xs, ts, read_after):
    """The compiled body: one step on each batch `xs[i], ts[i]`; returns (the losses, for each
    weight its copies after the steps where `read_after` is true, stacked)."""
    weights = twin_weights(keras_model)  # get_weights() order, the twin's weights only
    n = tf.shape(xs)[0]
    losses = tf.TensorArray(model_dtype(keras_model), size=n)
    copies = [tf.TensorArray(w.dtype, size=0, dynamic_size=True, element_shape=w.shape) for w in weights]

    def body(i, losses, copies, n_copies):
        losses = losses.write(i, _steps.step(keras_model, optimizer, loss, xs[i], ts[i]))

        def copy():
            return [c.write(n_copies, tf.identity(w.value)) for c, w in zip(copies, weights)], n_copies + 1

        copies, n_copies = tf.cond(read_after[i], copy, lambda: (copies, n_copies))
        return i + 1, losses, copies, n_copies

    _, losses, copies, _ = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), losses, copies, tf.constant(0)))
    return losses.stack(), [c.stack() for c in copies]


def _compiled_chunk(keras_model, optimizer, loss, x, t):
    """The tf.function running a chunk for this (model, optimizer, loss) and batches of rows like
    `x`'s and `t`'s (any chunk length and batch size: one trace), cached on the model like
    compile_for's step."""
    signature = (tf.TensorSpec((None, None, *x.shape[1:]), x.dtype),
                 tf.TensorSpec((None, None, *t.shape[1:]), t.dtype), tf.TensorSpec((None,), tf.bool))
    key = (signature, _steps.dense_gradients(keras_model))
    return _steps.cached_function(keras_model, "_reference_keras_chunks", optimizer, loss, key,
                                  lambda: tf.function(functools.partial(_run_chunk, keras_model, optimizer, loss),
                                                      input_signature=signature, autograph=False,
                                                      jit_compile=False))  # the loop is written out: nothing to convert


def _chunks(batches, read_at, step_bytes, copy_bytes):
    """(first step, (k, batch size) index array, read-after flags) for runs of consecutive batches
    of one size, of at most CHUNK_STEPS steps and CHUNK_BYTES of batches and weight copies."""
    start = 0
    while start < len(batches):
        size, stop, used = len(batches[start]), start, 0
        while stop < len(batches) and stop - start < CHUNK_STEPS and len(batches[stop]) == size:
            cost = size * step_bytes + (copy_bytes if stop + 1 in read_at else 0)
            if used + cost > CHUNK_BYTES and stop > start:
                break
            used += cost
            stop += 1
        index = np.array(batches[start:stop], dtype=np.int64).reshape(stop - start, size)
        yield start + 1, index, np.array([step in read_at for step in range(start + 1, stop + 1)])
        start = stop


def _check_batches(batches, n_rows):
    """Every batch a non-empty 1-D array of integer row indices of x; a clear error otherwise."""
    for i, batch in enumerate(batches, 1):
        batch = np.asarray(batch)
        if batch.ndim != 1 or batch.size == 0 or not np.issubdtype(batch.dtype, np.integer):
            raise ValueError(f"train_steps: batch {i} must be a non-empty 1-D array of integer row indices, "
                             f"got shape {batch.shape}, dtype {batch.dtype}")
    flat = np.concatenate(batches) if batches else np.zeros(0, np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= n_rows):
        bad = next(i for i, b in enumerate(batches, 1) if np.min(b) < 0 or np.max(b) >= n_rows)
        raise IndexError(f"train_steps: batch {bad} holds a row index outside 0..{n_rows - 1} (x has {n_rows} rows)")


def train_steps(keras_model, optimizer, x, t, batches, loss=None, read_weights_at=(), sample_weight=None):
    """One optimizer step on `x[batch], t[batch]` for each index array in `batches`, in order, as
    `train_step` takes it (bit for bit the same); returns a generator of `(step, loss, weights)`
    for every step (1-based): the loss before that step's update (float), and for the steps in
    `read_weights_at` the weights after it (a list in get_weights() order: `twin_weights`), else None.

    The steps run when the generator is iterated, ahead of it in chunks (at most CHUNK_STEPS
    steps, and CHUNK_BYTES of batches and weight copies), so the model may be some steps further
    on than the step just yielded, and a long run's weight copies are never all held at once.
    Consecutive batches of one size share a chunk. `loss` None means `keras_model.scratchnet_loss`.
    `sample_weight` (one number per row of x) weighs each sample's loss as Keras's fit does; such
    a run takes its steps one compiled call each (train_step's). Arguments are checked here,
    before any step.
    """
    loss = _steps.resolve_loss(keras_model, loss)
    x, t = _steps.inputs(keras_model, x), np.asarray(t)
    if t.ndim == 0 or t.shape[0] != x.shape[0]:
        raise ValueError(f"train_steps: x has {x.shape[0]} rows but t has shape {t.shape}")
    t = _steps.targets(keras_model, loss, x, t)  # refused as train_step refuses them
    batches = list(batches)
    _check_batches(batches, x.shape[0])
    weights = _steps.sample_weights(x, sample_weight)
    _steps.check_optimizer(keras_model, optimizer)
    if weights is not None or any(isinstance(layer, PER_STEP_LAYERS) for layer in keras_model.layers):
        return _run_per_step(compile_for(keras_model, optimizer, loss), keras_model, x, t, batches,
                             set(read_weights_at), weights)
    row_bytes = x[:1].nbytes + t[:1].nbytes
    itemsize = np.dtype(model_dtype(keras_model)).itemsize
    copy_bytes = sum(math.prod(w.shape) for w in twin_weights(keras_model)) * itemsize
    chunks = _chunks(batches, set(read_weights_at), row_bytes, copy_bytes)
    return _run(_compiled_chunk(keras_model, optimizer, loss, x, t), x, t, chunks)


def _run(compiled, x, t, chunks):
    for first, index, read_after in chunks:
        losses, copies = compiled(as_tensor(x, index), as_tensor(t, index), tf.constant(read_after))
        losses, copies = losses.numpy(), [c.numpy() for c in copies]
        n_read = 0
        for offset, value in enumerate(losses):
            weights = None
            if read_after[offset]:
                weights = [c[n_read] for c in copies]
                n_read += 1
            yield first + offset, float(value), weights


def _run_per_step(step, keras_model, x, t, batches, read_at, sample_weight=None):
    for i, batch in enumerate(batches, 1):
        args = (tf.convert_to_tensor(x[batch]), tf.convert_to_tensor(t[batch]))  # as train_step
        loss = float(step(*args) if sample_weight is None else step(*args, tf.convert_to_tensor(sample_weight[batch])))
        yield i, loss, twin_weight_values(keras_model) if i in read_at else None
