"""Course text 004: XOR as a 2-8-2 classifier (ReLU, softmax, cross-entropy, SGD lr 0.1, 1000
epochs), written in Keras and by hand.

The text's Keras model and settings are trained here on both sides in lockstep from the same
initial weights, and both predict the four probability rows the text shows (as a screenshot,
missing from the text). Its hand-written network has bugs that decide its output; the page
reproduces what that code computes, on both sides, and explains it.
"""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras
from scratchnet import functions, optimizers
from scratchnet.layers import Affine
from scratchnet.losses import SoftmaxCrossEntropy

from ..core.lockstep import Trajectory, weight_drift
from ..render.plots import training_plots
from .keras_side import lockstep_row
from .page import Page, tol

TITLE = "XOR as a 2-8-2 classifier, in Keras and by hand"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
T = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)  # one-hot; class 0 = "equal"
STEPS = 1000  # fit(epochs=1000) with the default batch_size 32: one full batch of 4 per epoch
SEED = 0  # the text's run is unseeded; Keras's default initialisation with this seed


def keras_version(page):
    """The text's Keras model and compile settings; scratchnet's defaults are the same model."""
    model = scratchnet.mlp([2, 8, 2], seed=SEED)  # defaults: ReLU, softmax cross-entropy, Glorot uniform, float32
    sgd = optimizers.SGD(learning_rate=0.1)
    with rk.floatx("float32"):  # Keras's default float type, as in the text
        net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8), keras.layers.Activation("relu"),
                                keras.layers.Dense(2), keras.layers.Activation("softmax")])
        keras_sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.0, nesterov=False)
        keras_loss = keras.losses.CategoricalCrossentropy()  # 'categorical_crossentropy' on the probabilities
    net.set_weights(model.get_weights())  # the same initial weights on both sides
    traj = Trajectory()
    for step in range(1, STEPS + 1):
        traj.scratchnet_loss.append(model.backprop(X, T))             # scratchnet: forward, backward,
        sgd.update(model.params, model.grads)                           # then W -= lr * dW in place
        traj.keras_loss.append(rk.train_step(net, keras_sgd, X, T, loss=keras_loss))  # Keras: one fit step
        traj.drift_steps.append(step)
        traj.weight_drift.append(weight_drift(model, net))
    page.plots += training_plots("course-004-xor", traj, "float32")
    lockstep_row(page, "the text's Keras model, SGD(0.1), full batch of 4", traj, "float32",
                 text="(a screenshot of the fit log)")

    ours, theirs = functions.softmax(model.predict(X)), np.array(net(X))
    for x, p, q in zip(X.astype(int).tolist(), ours, theirs):
        page.compare(f"predicted probabilities for x = {tuple(x)}", p, q, text="(a screenshot)", precision=6,
                     tol=tol("float32", "final_loss"))
    accuracy = [float(np.mean(np.argmax(out, axis=1) == np.argmax(T, axis=1))) for out in (ours, theirs)]
    page.compare("accuracy on the four inputs", *accuracy, expect=1.0, text="(outputs close to the targets)")
    page.note(f"The text's Keras run is unseeded; this page seeds the initial weights ({SEED}) and copies them into "
              "Keras. Its settings are Keras's defaults: Glorot-uniform kernels, zero biases, float32, and "
              "fit(epochs=1000) with the default batch_size 32, i.e. 1000 steps on the one batch of 4 "
              "(the batch-mean loss). scratchnet.mlp's defaults are the same. Keras 3 ignores the text's "
              "SGD(decay=0.0) with a warning and asks for keras.Input((2,)) instead of input_shape=(2,). The "
              "probability rows are compared within the float32 tier's final-number tolerance: the two "
              "float32 runs round differently for 1000 steps (the drift is in the row above).")


def hand_written(page):
    bugs = page.note(
        "The text's hand-written network builds a fresh network for each of the four samples and trains it 1000 "
        "times on that sample alone, so each one only has to remember its own target. Worse, each output neuron "
        "copies the hidden layer's outputs once, when it is built, before any forward pass: they are all 0, "
        "so the output is softmax(output biases) whatever the input, and only the biases learn. (Its "
        "hidden-layer update also uses the wrong derivative, which does not matter since the output never "
        "sees the hidden layer.) scratchnet and Keras reproduce what it computes as a bias-only softmax layer "
        "on an all-zero hidden vector, all weights 1 as the text initialises them, trained on one sample "
        "with SGD(0.1); the text's loop prints the output of its last forward pass, made after 999 updates. "
        "The numbers depend only on the target, never on the input: the network does not learn XOR.")
    hidden = np.zeros((1, 8))  # what the output neurons copied from the hidden layer at construction
    for x, t in zip(X.astype(int).tolist(), T.astype(np.float64)):
        # scratchnet: one output layer per sample, weights all 1 (8 inputs + bias), 999 SGD updates
        net = scratchnet.Sequential([Affine(np.ones((8, 2)), np.ones(2))], SoftmaxCrossEntropy())
        sgd = optimizers.SGD(0.1)
        for _ in range(STEPS - 1):
            net.backprop(hidden, t.reshape(1, -1))
            sgd.update(net.params, net.grads)
        ours = functions.softmax(net.predict(hidden))[0]
        # Keras: the same layer and updates
        with rk.floatx("float64"):
            dense = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])
            keras_sgd = keras.optimizers.SGD(0.1)
            keras_loss = keras.losses.CategoricalCrossentropy()
        dense.set_weights([np.ones((8, 2)), np.ones(2)])
        for _ in range(STEPS - 1):
            rk.train_step(dense, keras_sgd, hidden, t.reshape(1, -1), loss=keras_loss)
        theirs = np.array(dense(hidden))[0]
        target = tuple(t.astype(int).tolist())
        page.compare(f"hand-written network's output for x = {tuple(x)} (target {target})", ours, theirs,
                     text="(a screenshot)", tol=tol("float64", "trajectory_weights"), bug=bugs)


def run(ctx):
    page = Page("004", TITLE)
    keras_version(page)
    hand_written(page)
    return page
