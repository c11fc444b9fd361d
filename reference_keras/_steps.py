"""Package-internal building blocks of reference_keras's autodiff and training modules: input,
target, loss and optimizer checks, the training step's body, and the cache of compiled functions.

Not public API (the public functions in autodiff and training call these): one home, so that
neither module imports the other's private names.
"""
import numpy as np

from scratchnet.losses import positions_as_rows

from ._environment import keras, tf
from ._ids import ids, takes_integers
from .dtype import dtype_name, model_dtype

from .mapping import scratchnet_loss


def input_rank(keras_model):
    """The rank of the model's input batches (2 for a model built without an Input)."""
    try:
        return len(keras_model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):  # not built with an Input
        return 2


def inputs(keras_model, x):
    """`x` as an array of the model's dtype and input rank, non-empty; a clear error otherwise
    (Keras would cast a float64 batch to a float32 model silently). A model starting with an
    Embedding takes integer ids instead (see _ids)."""
    rank = input_rank(keras_model)
    if takes_integers(keras_model):  # token ids, for a model starting with Embedding
        return ids(keras_model, x, rank)
    dtype = model_dtype(keras_model)
    x = np.asarray(x)
    if x.ndim != rank or x.dtype != np.dtype(dtype):
        raise TypeError(f"reference_keras: expected a {rank}-D {dtype} input (the model's dtype), got "
                        f"{x.ndim}-D {x.dtype}; convert it with .astype(np.{dtype})")
    if x.shape[0] == 0:
        raise ValueError(f"reference_keras: empty batch (shape {x.shape}); at least one sample is needed")
    return x


def targets(keras_model, loss, x, t):
    """`t` validated as scratchnet validates targets for the same loss (Keras would silently
    truncate float labels to integers, for example), so both sides refuse the same inputs."""
    t = np.asarray(t)
    sn_loss = scratchnet_loss(loss)
    if sn_loss is not None:
        shape = (x.shape[0], *keras_model.output_shape[1:])
        if len(shape) > 2:  # (N, T, ..., K): each position a sample, as scratchnet's losses read it
            rows = positions_as_rows(shape, t)[0]
            sn_loss.check_targets(rows, (rows.shape[0], shape[-1]))
        else:
            sn_loss.check_targets(t, shape)
    return t


def resolve_loss(keras_model, loss):
    """The Keras loss to use: `loss`, else the model's `scratchnet_loss`; its dtype must be the model's."""
    if loss is None:
        loss = getattr(keras_model, "scratchnet_loss", None)
        if loss is None:
            raise ValueError("reference_keras: no loss given and the model has no scratchnet_loss "
                             "(set by to_keras); pass a Keras loss, e.g. keras_loss(...)")
    if not callable(loss) or hasattr(loss, "backward"):
        raise TypeError(f"reference_keras: expected a Keras loss (see keras_loss), got {type(loss).__name__}")
    loss_dtype, dtype = getattr(loss, "dtype", None), model_dtype(keras_model)
    if loss_dtype is not None and dtype_name(loss_dtype) != dtype:
        raise TypeError(f"reference_keras: the loss computes in {dtype_name(loss_dtype)} but the model is "
                        f"{dtype}; create it with keras_loss(..., dtype='{dtype}')")
    return loss


def with_regularization(keras_model, value):
    """The batch loss plus the regularization losses, summed the way Keras's fit does
    (Trainer._compute_loss: ops.sum over [loss, *model.losses])."""
    extras = [keras.ops.sum(extra) for extra in keras_model.losses]
    return keras.ops.sum([value, *extras]) if extras else value


def total_loss(keras_model, loss, x, t, sample_weight=None):
    """The training-mode batch loss, regularization included; `sample_weight` as Keras's fit takes it."""
    return with_regularization(keras_model, loss(t, keras_model(x, training=True), sample_weight=sample_weight))


def sample_weights(x, sample_weight):
    """`sample_weight` as one weight per row of `x` (the model's dtype), or None."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.shape not in ((x.shape[0],), (x.shape[0], 1)) or w.dtype.kind not in "biuf":
        raise ValueError(f"reference_keras: sample_weight must be one number per sample, shape ({x.shape[0]},), "
                         f"got {w.dtype} {w.shape}")
    return w.reshape(-1).astype(x.dtype)


def check_optimizer(keras_model, optimizer):
    """Refuse a non-Keras optimizer or one whose learning rate has another dtype than the model;
    build it for the model's trainable variables if it is not built yet."""
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"reference_keras: expected a Keras optimizer (see keras_optimizer), got "
                        f"{type(optimizer).__name__}")
    lr = optimizer.learning_rate
    dtype = model_dtype(keras_model)
    if hasattr(lr, "dtype") and dtype_name(lr.dtype) != dtype:
        raise TypeError(f"reference_keras: the optimizer's learning rate is a {dtype_name(lr.dtype)} variable but "
                        f"the model is {dtype}; create it with keras_optimizer(sn_optimizer, keras_model)")
    if not optimizer.built:
        optimizer.build(keras_model.trainable_variables)


def dense_gradients(keras_model):
    """Whether train_step and train_steps hand the optimizer an Embedding's gradient as a dense
    tensor (`keras_model.scratchnet_dense_gradients`, set by to_keras(dense_gradients=True))
    rather than as the IndexedSlices Keras's fit passes on. Keras 3's optimizers apply elementwise
    ops to the slices one occurrence at a time: an id that occurs k times in a batch gets
    Adam's / RMSprop's / Adagrad's squared gradient as the sum of its k squared rows, not the
    square of their sum (and a clipnorm the norm of the rows). SGD's linear update is the same
    either way; so is everything when no id repeats within a batch. scratchnet follows either
    form (scratchnet.slices): the switch matches an Embedding with sparse_gradient=False."""
    return bool(getattr(keras_model, "scratchnet_dense_gradients", False))


def step(keras_model, optimizer, loss, x, t, sample_weight=None):
    """One update on exactly this batch; returns the loss before it (the body of train_step)."""
    with tf.GradientTape() as tape:
        value = total_loss(keras_model, loss, x, t, sample_weight)
    variables = keras_model.trainable_variables
    grads = tape.gradient(value, variables)
    if dense_gradients(keras_model):
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads]
    optimizer.apply(grads, variables)
    return value


def cached_function(keras_model, attribute, optimizer, loss, key, make):
    """The function `make()` builds for (optimizer, loss, key), made once and kept on the model in
    a dict under `attribute` (set past Keras's attribute tracking). An entry holds its optimizer
    and loss, so their ids, part of the key, stay theirs."""
    cache = keras_model.__dict__.get(attribute)
    if cache is None:
        cache = {}
        object.__setattr__(keras_model, attribute, cache)  # bypass Keras's attribute tracking
    full_key = (id(optimizer), id(loss), key)
    if full_key not in cache:
        cache[full_key] = (optimizer, loss, make())
    return cache[full_key][2]
