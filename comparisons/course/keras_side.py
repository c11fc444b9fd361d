"""Small Keras-side helpers the course pages share: a perceptron as a Keras Dense unit, gradients
by tf.GradientTape, and lockstep training with its plots (comparisons.core's run_lockstep and
comparisons.render's training plots)."""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras, tf
from scratchnet.layers import Affine, Sigmoid

from ..core.lockstep import LockstepPlan, run_lockstep
from ..core.tolerances import tolerance
from ..render.plots import training_plots

INPUTS = [(1, 1), (1, 0), (0, 1), (0, 0)]  # the order text 001 prints its truth tables in


def keras_perceptron(w1, w2, theta):
    """A perceptron as Keras computes it: a Dense(1) unit with kernel [w1, w2] and bias -theta,
    then a strict step (heaviside(0) = 0, so it fires only when w1*x1 + w2*x2 > theta). Keras has
    no step activation (its gradient is zero everywhere), so the step is keras.ops.heaviside
    (rk.heaviside: the same numbers on a Keras older than 3.11)."""
    with rk.floatx("float64"):
        unit = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    unit.set_weights([np.array([[w1], [w2]]), np.array([-theta])])

    def gate(x1, x2):
        return int(rk.heaviside(unit(np.array([[x1, x2]], dtype=np.float64)), 0.0)[0, 0])
    return gate


def keras_dense_net(weights, activations):
    """A float64 Keras Sequential of Dense layers holding `weights` [W1, b1, W2, b2, ...], the i-th
    with activations[i] (None: linear)."""
    with rk.floatx("float64"):
        net = keras.Sequential([keras.Input(weights[0].shape[:1]),
                                *(keras.layers.Dense(W.shape[1], activation=activation)
                                  for W, activation in zip(weights[::2], activations))])
    net.set_weights(weights)
    return net


def sigmoid_network_traces(x, W1, B1, W2, B2, W3, B3):
    """The 2-3-2-2 network of texts 000 and 002 (sigmoid, sigmoid, identity output) with the given
    weights, on one sample: every layer's output (A1, Z1, A2, Z2, Y) on each side, as
    (scratchnet's, Keras's) lists."""
    # scratchnet: a model without a loss only predicts; forward_trace gives every layer's output
    model = scratchnet.Sequential([Affine(W1, B1), Sigmoid(), Affine(W2, B2), Sigmoid(), Affine(W3, B3)])
    ours = model.forward_trace(x.reshape(1, -1))
    # Keras: Dense layers holding the same weights, the activations as layers of their own
    with rk.floatx("float64"):
        net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.Activation("sigmoid"),
                                keras.layers.Dense(2), keras.layers.Activation("sigmoid"), keras.layers.Dense(2)])
    net.set_weights([W1, B1, W2, B2, W3, B3])
    theirs = rk.forward_trace(net, x.reshape(1, -1))
    return [out[0] for out in ours.values()], [out[0] for out in theirs.values()]


def keras_gradient(f, *values):
    """(f(*values), [df/dvalue, ...]) by tf.GradientTape, in float64."""
    variables = [tf.Variable(np.asarray(v, dtype=np.float64)) for v in values]
    with tf.GradientTape() as tape:
        out = f(*variables)
    grads = tape.gradient(out, variables)
    return np.array(out), [np.array(g) for g in grads]


def train_in_lockstep(name, model, keras_model, optimizer, x, t, *, epochs, batch_size, seed=0,
                      sampling="shuffle", steps_per_epoch=None, progress=None):
    """Train scratchnet `model` with `optimizer` and `keras_model` with Keras's twin of it on the
    same batches, step by step; returns (Trajectory, its plots: the loss curves of both sides
    and their drift, named after `name`)."""
    plan = LockstepPlan(epochs=epochs, batch_size=batch_size, seed=seed, sampling=sampling,
                        steps_per_epoch=steps_per_epoch)
    keras_optimizer = rk.keras_optimizer(optimizer, keras_model)
    traj = run_lockstep(model, keras_model, optimizer, keras_optimizer, x, t, plan, progress)
    per_sample = batch_size if model.loss_layer.reduction == "sum" else 1
    return traj, training_plots(name, traj, str(model.dtype), per_sample)


def lockstep_row(page, label, traj, dtype, text="(no training in the text)"):
    """A row for a lockstep run: both sides' loss at the last step, agreeing when every step's
    losses and the weights stay within the trajectory tolerances."""
    loss_tol, weight_tol = tolerance(dtype, "trajectory_loss"), tolerance(dtype, "trajectory_weights")
    drift, loss_diff = max(traj.weight_drift), float(traj.loss_differences().max())
    page.add(f"{label}: loss at the last of {len(traj.scratchnet_loss):,} lockstep steps "
             f"(max weight drift {drift:.1e}, max loss difference {loss_diff:.1e})",
             text, f"{traj.scratchnet_loss[-1]:.8g}", f"{traj.keras_loss[-1]:.8g}",
             drift <= weight_tol and loss_diff <= loss_tol)
