"""Course text 001, "lab training course, day 2": implementing a neural network.

Its exercises: a Perceptron class and the logic gates (1-2, 1-3); sigmoid, ReLU, a single
layer, a 3-layer network on a batch of 4 and a softmax output (2-1 to 2-5); the computational
graph's nodes with forward and backward (3-1 to 3-5); and the MNIST recipe (4-1, 4-2), run short
by default and in full (60,000 steps, the textbook-mnist scenario) with --full (mnist_recipe.py).
"""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras, tf
from scratchnet import functions, gates, graph
from scratchnet.layers import Affine, ReLU, Sigmoid
from scratchnet.losses import SoftmaxCrossEntropy

from .keras_side import INPUTS, keras_dense_net, keras_gradient, keras_perceptron
from .mnist_recipe import mnist_recipe
from .page import Page, tol

TITLE = "lab training course, day 2: implementing a neural network"
F64 = "float64"

X4 = np.array([[1.0, 0.5], [-0.3, -0.2], [0.0, 0.8], [0.3, -0.4]])  # exercise 2-4's batch
W1, B1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), np.array([0.1, 0.2, 0.3])
W2, B2 = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), np.array([0.1, 0.2])
W3, B3 = np.array([[0.1, 0.3], [0.2, 0.4]]), np.array([0.1, 0.2])
X_NODE = np.array([-0.5, 0.0, 1.0, 2.0])  # exercises 3-2 and 3-3
X_BATCH, T_BATCH = np.array([[1.0, 0.5], [-0.4, 0.1]]), np.array([[1.0, 0.0], [0.0, 1.0]])  # 3-4 and 3-5

# Text 001 leaves the gates' parameters to the learner; these are text 000's (scratchnet.gates').
THETAS = {"AND": (0.5, 0.5, 0.7), "NAND": (-0.5, -0.5, -0.7), "OR": (0.5, 0.5, 0.2)}


def gates_as_printed(page):
    """Exercises 1-2 and 1-3: the text's output lines, character for character."""
    keras_gate = {name: keras_perceptron(*params) for name, params in THETAS.items()}
    ours_gate = {"AND": gates.AND, "NAND": gates.NAND, "OR": gates.OR}
    for x1, x2 in INPUTS:
        ours = " ".join(f"{name}({x1}, {x2}) = {ours_gate[name](x1, x2)}" for name in THETAS)
        theirs = " ".join(f"{name}({x1}, {x2}) = {keras_gate[name](x1, x2)}" for name in THETAS)
        page.compare(f"1-2 gates on ({x1}, {x2})", ours, theirs, text=printed_line(x1, x2))
    for x1, x2 in INPUTS:
        theirs = keras_gate["AND"](keras_gate["NAND"](x1, x2), keras_gate["OR"](x1, x2))
        page.compare(f"1-3 XOR({x1}, {x2})", f"XOR({x1}, {x2}) = {gates.XOR(x1, x2)}", f"XOR({x1}, {x2}) = {theirs}",
                     text=f"XOR({x1}, {x2}) = {int(x1 != x2)}")


def printed_line(x1, x2):
    """The line text 001 prints for input (x1, x2) (its truth tables, as printed)."""
    printed = {(1, 1): "AND(1, 1) = 1 NAND(1, 1) = 0 OR(1, 1) = 1", (1, 0): "AND(1, 0) = 0 NAND(1, 0) = 1 OR(1, 0) = 1",
               (0, 1): "AND(0, 1) = 0 NAND(0, 1) = 1 OR(0, 1) = 1", (0, 0): "AND(0, 0) = 0 NAND(0, 0) = 1 OR(0, 0) = 0"}
    return printed[(x1, x2)]


def activations_and_layers(page):
    """Exercises 2-1 to 2-5."""
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    garbled = page.note("Exercise 2-1's printed output has a fragment \"0.622459\" duplicated across a line break "
                        "(an artifact of the text's extraction): it prints five tokens for four values. The row "
                        "checks the four real values [0.26894142 0.5 0.62245933 0.88079708].")
    page.compare(f"2-1 sigmoid([-1, 0, 0.5, 2]) (note {garbled})", functions.sigmoid(x),
                 np.array(keras.activations.sigmoid(x)), text="[0.26894142 0.5 0.622459 0.62245933 0.88079708]",
                 check_text="[0.26894142 0.5 0.62245933 0.88079708]", tol=tol(F64))
    page.compare("2-2 ReLU([-1, 0, 0.5, 2])", functions.relu(x), np.array(keras.activations.relu(x)),
                 text="[0. 0. 0.5 2.]", tol=tol(F64))

    # 2-3: one layer, ReLU(x W + b): scratchnet's Affine + ReLU, Keras's Dense(relu)
    layer = scratchnet.Sequential([Affine(W1, B1), ReLU()])
    dense = keras_dense_net([W1, B1], ["relu"])
    x1 = np.array([[1.0, 0.5]])
    page.compare("2-3 SingleLayer: ReLU(x W + b)", layer.predict(x1)[0], np.array(dense(x1))[0],
                 text="[0.3 0.7 1.1]", tol=tol(F64))

    # 2-4: three layers, ReLU on every one (the output's included), on a batch of 4
    net = scratchnet.Sequential([Affine(W1, B1), ReLU(), Affine(W2, B2), ReLU(), Affine(W3, B3), ReLU()])
    keras_net = keras_dense_net([W1, B1, W2, B2, W3, B3], ["relu", "relu", "relu"])
    page.compare("2-4 MLP_3Layer on a batch of 4", net.predict(X4), np.array(keras_net(X4)),
                 text="[[ 0.426 0.912 ] [ 0.1608 0.3334] [ 0.3528 0.752 ] [ 0.2016 0.4226]]", tol=tol(F64))

    # 2-5: the same network with a softmax output layer (scratchnet: softmax of the last Affine's output)
    logits = scratchnet.Sequential([Affine(W1, B1), ReLU(), Affine(W2, B2), ReLU(), Affine(W3, B3)])
    probabilities = functions.softmax(logits.predict(X4))
    keras_softmax = keras_dense_net([W1, B1, W2, B2, W3, B3], ["relu", "relu", "softmax"])
    keras_probabilities = np.array(keras_softmax(X4))
    page.compare("2-5 softmax output on the batch of 4", probabilities, keras_probabilities,
                 text="(not printed)", tol=tol(F64))
    page.compare("2-5 each row sums to 1", probabilities.sum(axis=1), keras_probabilities.sum(axis=1),
                 expect=np.ones(4), text="(the text: each row should sum to 1)", tol=tol(F64))


def graph_nodes(page):
    """Exercises 3-1 to 3-4: each node's forward and backward, Keras's by tf.GradientTape."""
    a, b, c = 2.0, 3.0, 4.0
    add, mul = graph.Add(), graph.Multiply()
    z = mul.forward(add.forward(a, b), c)
    dsum, dc = mul.backward(1.0)
    da, db = add.backward(dsum)
    keras_z, keras_grads = keras_gradient(lambda a, b, c: (a + b) * c, a, b, c)
    page.compare("3-1 (a + b) * c, a, b, c = 2, 3, 4: forward", z, keras_z, text="20")
    page.compare("3-1 backward: da, db, dc", [da, db, dc], keras_grads, text="da: 4, db: 4, dc: 5")

    zero_sign = page.note("Exercise 3-2 prints -0. for ReLU(-0.5): its ReLU multiplies by a mask, and -0.5 * 0 "
                          "is -0.0. scratchnet and Keras compute max(x, 0) = +0.0; the two zeros are equal numbers.")
    relu = ReLU()
    keras_out, (keras_dx,) = keras_gradient(lambda x: tf.reduce_sum(keras.activations.relu(x)), X_NODE)
    page.compare(f"3-2 ReLU node forward on [-0.5, 0, 1, 2] (note {zero_sign})", relu.forward(X_NODE),
                 np.array(keras.activations.relu(X_NODE)), text="[-0. 0. 1. 2.]", tol=tol(F64))
    page.compare("3-2 ReLU node backward (dout = ones)", relu.backward(np.ones(4)), keras_dx,
                 text="[ 0. 0. 1. 1.]", tol=tol(F64, "gradient"))

    typos = page.note("Exercise 3-3 names its class Softmax and writes the hint as 1/(1 - e^-x); it means the "
                      "sigmoid 1/(1 + e^-x), and its printed numbers are the sigmoid's.")
    sigmoid = Sigmoid()
    _, (keras_dx,) = keras_gradient(lambda x: tf.reduce_sum(keras.activations.sigmoid(x)), X_NODE)
    page.compare(f"3-3 Sigmoid node forward (note {typos})", sigmoid.forward(X_NODE),
                 np.array(keras.activations.sigmoid(X_NODE)), text="[ 0.37754067 0.5 0.73105858 0.88079708]",
                 tol=tol(F64))
    page.compare("3-3 Sigmoid node backward (dout = ones)", sigmoid.backward(np.ones(4)), keras_dx,
                 text="[ 0.23500371 0.25 0.19661193 0.10499359]", tol=tol(F64, "gradient"))

    affine = Affine(W1.copy(), B1.copy())
    out = affine.forward(X_BATCH)
    dx = affine.backward(np.ones_like(out))  # dout = ones: the text gives none
    with rk.floatx(F64):
        dense = keras.layers.Dense(3)
        dense.build((None, 2))
    dense.set_weights([W1, B1])
    x_var = tf.Variable(X_BATCH)
    with tf.GradientTape() as tape:
        keras_out = dense(x_var)
        total = tf.reduce_sum(keras_out)  # its gradient with respect to keras_out is ones, as dout
    keras_dx, keras_dW, keras_db = (np.array(g) for g in tape.gradient(total, [x_var, dense.kernel, dense.bias]))
    page.compare("3-4 Affine node forward x W + b (batch of 2)", out, np.array(keras_out), tol=tol(F64))
    page.compare("3-4 backward dx (dout = ones)", dx, keras_dx, tol=tol(F64, "gradient"))
    page.compare("3-4 backward dW", affine.grads["W"], keras_dW, tol=tol(F64, "gradient"))
    page.compare("3-4 backward db (summed over the batch)", affine.grads["b"], keras_db, tol=tol(F64, "gradient"))


def softmax_cross_entropy(page):
    """Exercise 3-5, whose forward is the batch *mean* and whose backward is the batch *sum*'s."""
    mixed = page.note(
        "Exercise 3-5 defines its loss as the batch mean (it prints 0.47407698418010663) but gives the backward "
        "as y - t, which is the gradient of the batch *sum*; the gradient of the mean it prints is (y - t) / N. "
        "No single loss gives both numbers. Keras's default loss is the mean, with gradient (y - t) / N "
        "(0.1888 here, N = 2); the text's y - t (0.3775) is scratchnet's SoftmaxCrossEntropy(reduction=\"sum\") "
        "backward and Keras's reduction=\"sum\". The text's MNIST recipe (section 4) trains on that sum "
        "gradient with lr 1e-4; with N = 100 every step is 100 times the mean's, i.e. Keras's default mean "
        "loss with lr 0.01 (the convention table below measures it).")
    keras_mean = keras.losses.CategoricalCrossentropy(from_logits=True, dtype=F64)
    keras_sum = keras.losses.CategoricalCrossentropy(from_logits=True, reduction="sum", dtype=F64)
    for reduction, keras_loss in (("mean", keras_mean), ("sum", keras_sum)):
        loss = SoftmaxCrossEntropy(reduction)
        ours = loss.forward(X_BATCH, T_BATCH)
        ours_dx = loss.backward()
        theirs, (theirs_dx,) = keras_gradient(lambda x, keras_loss=keras_loss: keras_loss(T_BATCH, x), X_BATCH)
        if reduction == "mean":
            page.compare(f"3-5 loss, reduction {reduction} (what the text prints)", ours, theirs,
                         text="0.47407698418010663", tol=tol(F64, "loss"), precision=17, bug=mixed)
            page.compare("3-5 backward of that mean loss: (y - t) / N", ours_dx, theirs_dx,
                         text="(not printed: the text prints y - t)", tol=tol(F64, "gradient"))
        else:
            page.compare(f"3-5 loss, reduction {reduction}", ours, theirs, text="(not printed)",
                         tol=tol(F64, "loss"), precision=17)
            page.compare("3-5 backward y - t: the sum's gradient (what the text prints)", ours_dx, theirs_dx,
                         text="[[-0.37754067 0.37754067] [ 0.37754067 -0.37754067]]", tol=tol(F64, "gradient"),
                         bug=mixed)


def run(ctx):
    page = Page("001", TITLE)
    gates_as_printed(page)
    activations_and_layers(page)
    graph_nodes(page)
    softmax_cross_entropy(page)
    mnist_recipe(page, ctx)
    if ctx.quick:
        page.note("Quick run (tests): the MNIST recipe ran 50 steps on 5,000 training and 1,000 test images.")
    return page
