"""The vector-Jacobian products of one Keras recurrent layer started from a given state: what
the second volume of deep-learning-from-scratch checks need (its cells take h_prev (and c_prev),
its stateful Time layers carry the state from one sequence to the next, and their backward
returns the gradient to that state).

recurrent_vjp(layer, x, state, douts) -> (outputs, dx, dstate, dweights): `layer` is a scratchnet
SimpleRNN/LSTM/GRU (its weights and options); Keras's layer of the same configuration is called
with return_state=True and initial_state=`state` ([h] or [h, c]); `douts` are the upstream
gradients of [output, *final states]."""
import numpy as np

from ._environment import tf
from ._tensor import dense_gradient
from .convert import keras_layer
from .dtype import floatx


def _with_state(layer, dtype):
    """Keras's layer for the scratchnet `layer`, rebuilt with return_state=True (Sequential has no
    use for the states, so the twin never has it) and the same weights."""
    plain = keras_layer(layer, dtype)
    config = plain.get_config() | {"return_state": True}
    with floatx(dtype):
        stateful = type(plain).from_config(config)
        stateful.build((None, None, layer.input_dim))
        stateful.set_weights(plain.get_weights())
    return stateful


def recurrent_vjp(layer, x, state, douts):
    """(outputs [y, *final states], dx, [d initial state], [d each weight]) by tf.GradientTape,
    in x's dtype."""
    dtype = np.asarray(x).dtype.name
    recurrent = _with_state(layer, dtype)
    x = tf.convert_to_tensor(x)
    state = [tf.convert_to_tensor(s) for s in state]
    with tf.GradientTape() as tape:
        tape.watch(x)
        for s in state:
            tape.watch(s)
        outputs = recurrent(x, initial_state=list(state))
    weights = recurrent.trainable_weights
    grads = tape.gradient(outputs, [x, *state, *weights], output_gradients=[tf.convert_to_tensor(d) for d in douts])
    n = len(state)
    return ([np.array(o) for o in outputs], np.array(grads[0]), [np.array(g) for g in grads[1:1 + n]],
            [dense_gradient(g) for g in grads[1 + n:]])


__all__ = ["recurrent_vjp"]
