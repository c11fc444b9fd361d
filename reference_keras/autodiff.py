"""Forward traces, losses, gradients and training steps computed by Keras/TensorFlow.

Everything here is strict about dtypes where Keras is lenient: Keras casts a float64 input to a
float32 layer (or a float64 prediction to a float32 loss) without a word, which would hide
exactly the round-off these comparisons measure. Inputs must have the model's dtype, and a loss
or optimizer created in another float type is refused.

Keras's own `predict`, `evaluate` and `fit` convert NumPy inputs to `keras.config.floatx()`, not to
the model's dtype: on a float64 model call them inside `reference_keras.floatx("float64")`, or
use `forward_trace(...)[-1]` / `keras_model(x)`.

Compiled vs eager: under `tf.function` TensorFlow's graph optimizer (Grappler's arithmetic
optimizer) rewrites `x / sqrt(y)` as `x * rsqrt(y)`, which changes Adagrad's and RMSprop's
updates by about one rounding per step (tests/reference_keras/test_reference_keras.py bounds it); eager Keras
follows the source (divide by sqrt), as scratchnet does. SGD and Adam are bit for bit the same
either way.

Training mode: loss_and_gradients, backward_trace and train_step call the model with
training=True, as scratchnet's loss/gradient/backward_trace do: Dropout draws a mask and advances
its seed generator, BatchNormalization normalises with the batch's statistics and moves its
moving statistics. forward_trace and evaluate run in inference mode unless told otherwise.
`state_preserved(keras_model)` puts the non-trainable state (moving statistics, seed generator
counters) back as it was at the start of a block: the twin of scratchnet's `frozen_state` for a
check that must not advance the model.
"""
import contextlib
import functools

import numpy as np

from . import _steps
from ._environment import keras, tf
from ._ids import takes_integers
from ._tensor import as_tensor, dense_gradient
from .dtype import dtype_name
from .mapping import count_correct


def _sequential_layers(keras_model):
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"reference_keras: expected a keras.Sequential, got {type(keras_model).__name__}")
    return [layer for layer in keras_model.layers if not isinstance(layer, keras.layers.InputLayer)]


def weight_names(keras_model):
    """The names of the model's weights in get_weights() order: scratchnet's (W1, b1, ...) for a
    model built by to_keras, else Keras's variable paths."""
    return getattr(keras_model, "scratchnet_weight_names", None) or [w.path for w in keras_model.weights]


def twin_weights(keras_model):
    """The model's variables that its scratchnet twin holds as weights, in get_weights() order:
    all of them but an adapted Normalization's statistics (mean, variance, count), which
    from_keras makes constants of scratchnet's Normalization (training never changes them; Keras
    keeps them as variables only because `adapt` writes them)."""
    constant = {id(w) for layer in _leaves(keras_model) if isinstance(layer, keras.layers.Normalization)
                for w in layer.weights}
    return [w for w in keras_model.weights if id(w) not in constant]


def twin_weight_values(keras_model):
    """`twin_weights` as NumPy arrays that own their data (a later training step cannot change them).
    `np.array(variable)` would do it through the deprecated `__array__` without a `copy` argument."""
    return [np.array(w.numpy(), copy=True) for w in twin_weights(keras_model)]


def _leaves(keras_model):
    for layer in keras_model.layers:
        if isinstance(layer, keras.Sequential):
            yield from _leaves(layer)
        else:
            yield layer


def _trainable(keras_model):
    """[(name, variable)] of the trainable weights, in get_weights() order (moving statistics,
    which no gradient reaches, are left out, as scratchnet's `params` leaves them out)."""
    return [(name, w) for name, w in zip(weight_names(keras_model), keras_model.weights) if w.trainable]


def _labelled(named, grads):
    """Gradients by weight name; a weight the loss does not depend on gets zeros, not None."""
    return {name: _or_zeros(g, w) for (name, w), g in zip(named, grads)}


def _or_zeros(gradient, like):
    """The gradient as an array (see _tensor.dense_gradient); zeros shaped like `like` where the loss does not
    depend on it (None): a weight unused, or the probabilities under a loss that reads their logits."""
    return np.zeros(like.shape, dtype=dtype_name(like.dtype)) if gradient is None else dense_gradient(gradient)


@contextlib.contextmanager
def state_preserved(keras_model):
    """Restore the model's non-trainable variables (BatchNormalization's moving statistics,
    Dropout's seed generator states) to their values at entry when the block ends."""
    variables = [v for v in keras_model.variables if not v.trainable]
    saved = [v.numpy() for v in variables]
    try:
        yield keras_model
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)


def forward_trace(keras_model, x, training=False):
    """Every layer's output for input `x`, by layer name in layer order (one per scratchnet layer
    for a model built by to_keras): the twin of scratchnet's `Sequential.forward_trace`.
    training=True runs the training-mode pass (Dropout masks, batch statistics), which
    advances the model's state as any training call does."""
    h = tf.convert_to_tensor(_steps.inputs(keras_model, x))
    outputs = {}
    for layer in _sequential_layers(keras_model):
        h = layer(h, training=training)
        outputs[layer.name] = np.array(h)
    return outputs


def loss_and_gradients(keras_model, loss, x, t, sample_weight=None):
    """(batch loss including regularization losses, {weight name: gradient} of the trainable
    weights in get_weights() order; see `weight_names`) by tf.GradientTape, in training mode.
    `loss` None means `keras_model.scratchnet_loss`; targets are integer labels (N,) or one-hot /
    0-1 / real targets shaped like the output; `sample_weight` (N,) as Keras's fit takes it."""
    loss = _steps.resolve_loss(keras_model, loss)
    x = _steps.inputs(keras_model, x)
    t = _steps.targets(keras_model, loss, x, t)
    sample_weight = _steps.sample_weights(x, sample_weight)
    named = _trainable(keras_model)
    with tf.GradientTape() as tape:
        value = _steps.total_loss(keras_model, loss, x, t, sample_weight)
    return float(value), _labelled(named, tape.gradient(value, [w for _, w in named]))


def input_gradient(keras_model, x, t, loss=None, sample_weight=None):
    """dLoss/dx for the batch `x` by tf.GradientTape, in training mode: the twin of scratchnet's
    `Sequential.input_gradient`."""
    loss = _steps.resolve_loss(keras_model, loss)
    if takes_integers(keras_model):
        raise TypeError("reference_keras.input_gradient: the model's input is integer ids, which have no gradient")
    x = _steps.inputs(keras_model, x)
    sample_weight = _steps.sample_weights(x, sample_weight)
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = _steps.total_loss(keras_model, loss, x, t, sample_weight)
    return np.array(tape.gradient(value, x))


def compile_for(keras_model, optimizer, loss=None):
    """The compiled training step `step(x, t) -> loss tensor` for this (model, optimizer, loss),
    a `tf.function` (no XLA) built once and cached on the model. Builds the optimizer for the
    model's trainable variables if needed. train_step calls this; use it directly to skip the
    per-call checks in a hot loop (then pass inputs already in the model's dtype)."""
    loss = _steps.resolve_loss(keras_model, loss)
    _steps.check_optimizer(keras_model, optimizer)
    return _steps.cached_function(keras_model, "_reference_keras_steps", optimizer, loss,
                                  (_steps.dense_gradients(keras_model),),
                                  lambda: tf.function(functools.partial(_steps.step, keras_model, optimizer, loss),
                                                      reduce_retracing=True, jit_compile=False))


def train_step(keras_model, optimizer, x, t, loss=None, compiled=True, sample_weight=None):
    """One optimizer step on exactly this batch (no shuffling, no running averages); returns the
    loss before the update, including regularization losses. `loss` None means
    `keras_model.scratchnet_loss`. compiled=False runs the same code eagerly (for checking the
    compiled path; slow). `sample_weight` (N,) weighs each sample's loss, as Keras's fit does."""
    x = _steps.inputs(keras_model, x)
    loss = _steps.resolve_loss(keras_model, loss)
    t = _steps.targets(keras_model, loss, x, t)
    weights = _steps.sample_weights(x, sample_weight)
    if compiled:
        step = compile_for(keras_model, optimizer, loss)
        args = (tf.convert_to_tensor(x), tf.convert_to_tensor(t))
        return float(step(*args) if weights is None else step(*args, tf.convert_to_tensor(weights)))
    _steps.check_optimizer(keras_model, optimizer)
    return float(_steps.step(keras_model, optimizer, loss, x, t, weights))


def backward_trace(keras_model, x, t, loss=None, sample_weight=None):
    """({layer name: dLoss/d(layer output)} in layer order, {weight name: gradient}) by
    tf.GradientTape: the twin of scratchnet's `Sequential.backward_trace`, for finding the layer
    where a gradient first goes wrong. An output the loss does not depend on (a final softmax
    whose logits the loss reads) gets zeros."""
    loss = _steps.resolve_loss(keras_model, loss)
    x = _steps.inputs(keras_model, x)
    t = _steps.targets(keras_model, loss, x, t)
    sample_weight = _steps.sample_weights(x, sample_weight)
    h = tf.convert_to_tensor(x)
    layers = _sequential_layers(keras_model)
    outputs = []
    with tf.GradientTape() as tape:
        for layer in layers:
            h = layer(h, training=True)
            tape.watch(h)
            outputs.append(h)
        value = _steps.with_regularization(keras_model, loss(t, h, sample_weight=sample_weight))
    named = _trainable(keras_model)
    output_grads, weight_grads = tape.gradient(value, [outputs, [w for _, w in named]])
    return ({layer.name: _or_zeros(g, h) for layer, g, h in zip(layers, output_grads, outputs)},
            _labelled(named, weight_grads))


def evaluate(keras_model, x, t, loss=None, batch_size=10_000, sample_weight=None, weighted_accuracy=False):
    """(mean loss per sample including regularization, accuracy) over a whole data set, computed by Keras
    in chunks of `batch_size` rows. Accuracy is Keras's own metric (see mapping.count_correct):
    argmax against the labels (or one-hot rows); for a binary cross-entropy model, per output
    unit, the thresholded prediction must equal the target. With `sample_weight` (N,), Keras's
    evaluate(sample_weight=...): the loss sum(w * loss) / N, the accuracy unweighted (a metric
    given to compile(metrics=...)) or, with weighted_accuracy=True, weighted by w (weighted_metrics)."""
    loss = _steps.resolve_loss(keras_model, loss)
    x = _steps.inputs(keras_model, x)
    t = _steps.targets(keras_model, loss, x, t)  # also refuses targets that do not match x row for row
    sample_weight = _steps.sample_weights(x, sample_weight)
    total, correct, units = 0.0, 0, 0
    for start in range(0, x.shape[0], batch_size):
        xb, tb = x[start:start + batch_size], t[start:start + batch_size]
        wb = None if sample_weight is None else sample_weight[start:start + batch_size]
        out = keras_model(as_tensor(xb), training=False)
        total += float(loss(tb, out, sample_weight=wb)) * (1 if loss.reduction == "sum" else xb.shape[0])
        batch_correct, batch_units = count_correct(loss, out, tb, wb if weighted_accuracy else None)
        correct, units = correct + batch_correct, units + batch_units
    penalty = sum(float(keras.ops.sum(extra)) for extra in keras_model.losses)
    return total / x.shape[0] + penalty, correct / units


def layer_vjp(keras_layer, x, dout, training=False):
    """(output, dL/dx, [dL/dw for each of the layer's trainable weights]) of one Keras layer at
    input `x` with upstream gradient `dout`, by tf.GradientTape: the vector-Jacobian products a
    layer's `backward(dout)` computes. `x` and `dout` must have the layer's dtype. training=True
    is a training-mode call (Dropout draws its mask, BatchNormalization uses and moves the batch
    statistics), which advances the layer's state as any training call does."""
    x = tf.convert_to_tensor(x)
    weights = keras_layer.trainable_weights
    with tf.GradientTape() as tape:
        if x.dtype.is_floating:  # integer ids (Embedding) have no gradient
            tape.watch(x)
        y = keras_layer(x, training=training)
    grads = tape.gradient(y, [x, *weights], output_gradients=tf.convert_to_tensor(dout))
    return np.array(y), None if grads[0] is None else np.array(grads[0]), [dense_gradient(g) for g in grads[1:]]


def loss_vjp(keras_loss, y_pred, t):
    """(loss value, dLoss/dy_pred) of a Keras loss on plain numbers `y_pred` (logits for a
    from_logits loss, probabilities otherwise: a NumPy array carries no `_keras_logits`, so a
    probability loss really clips these numbers), targets `t` labels or one-hot rows."""
    y_pred = tf.convert_to_tensor(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        value = keras_loss(t, y_pred)
    return float(value), np.array(tape.gradient(value, y_pred))


def multiclass_hinge_vjp(scores, labels, margin=1.0):
    """(loss, dLoss/dscores) of the multiclass (Weston-Watkins) hinge averaged over the batch,
    mean_i sum_{j != y_i} max(0, s_ij - s_iy_i + margin), as CS231n's svm_loss defines it, by
    tf.GradientTape. Keras's CategoricalHinge is another function (the max over j != y, not the
    sum), so the loss is written out in TensorFlow ops here; `scores` (N, C), `labels` (N,) ints."""
    s = tf.convert_to_tensor(scores)
    one_hot = tf.one_hot(np.asarray(labels), s.shape[1], dtype=s.dtype)
    with tf.GradientTape() as tape:
        tape.watch(s)
        correct = tf.reduce_sum(s * one_hot, axis=1, keepdims=True)
        value = tf.reduce_sum(tf.maximum(s - correct + tf.cast(margin, s.dtype), 0) * (1 - one_hot)) / s.shape[0]
    return float(value), np.array(tape.gradient(value, s))


def optimizer_steps(optimizer, params, grads_per_step):
    """Apply a Keras optimizer (see keras_optimizer) eagerly to Keras variables starting at
    `params` ({name: array}), one step per entry of `grads_per_step` (dicts keyed like params);
    returns the variables' values after each step ({name: array} per step)."""
    names = list(params)
    variables = [keras.Variable(np.array(params[name]), dtype=params[name].dtype, name=name) for name in names]
    optimizer.build(variables)
    trajectory = []
    for grads in grads_per_step:
        optimizer.apply([tf.convert_to_tensor(grads[name]) for name in names], variables)
        trajectory.append({name: np.array(v.numpy()) for name, v in zip(names, variables)})
    return trajectory


def softmax(x):
    """Keras's softmax over the last axis of `x`, as plain numbers."""
    return np.array(keras.activations.softmax(tf.convert_to_tensor(x), axis=-1))
