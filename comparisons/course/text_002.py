"""Course text 002, a blog summary "Deep Learning study 1" (after the deep-learning-from-scratch book).

Its exercises: AND and OR perceptrons; a 3-layer forward pass (whose code has three bugs, shown
here beside the forward pass it means); the numerical gradient of x0**2 + x1**2 at (3, 4); and
gradient descent on it (lr 0.1, 100 steps) with its path.
"""

import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras, tf
from scratchnet import functions, gates, gradcheck
from scratchnet.layers import Affine

from ..core.result import Plot
from .keras_side import keras_dense_net, keras_gradient, keras_perceptron, sigmoid_network_traces
from .page import Page, tol

TITLE = "Deep Learning study 1 (perceptron, forward pass, gradient descent)"
F64 = "float64"

X = np.array([1.0, 2.0])
W1, B1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), np.array([-0.3, -0.5, -0.8])
W2, B2 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), np.array([0.2, 0.6])
W3, B3 = np.array([[0.1, 0.5], [0.6, 0.8]]), np.array([-0.3, -0.2])
ORDER = [(0, 0), (1, 0), (0, 1), (1, 1)]


def square_sum(x):
    """The text's function3: x0**2 + x1**2 (NumPy array or TensorFlow tensor)."""
    return x[0] ** 2 + x[1] ** 2


def gates_and_or(page):
    # the text's OR has b = 0 (text 000's has -0.2); 0.5 * 0 + 0.5 * 0 + 0 > 0 is still False, so OR(0, 0) = 0
    for name, (w1, w2, b) in {"AND": (0.5, 0.5, -0.7), "OR": (0.5, 0.5, 0.0)}.items():
        ours = [gates.Perceptron(w1, w2, theta=-b)(x1, x2) for x1, x2 in ORDER]
        keras_gate = keras_perceptron(w1, w2, theta=-b)
        page.compare(f"{name} (w = {w1}, {w2}; b = {b}) on (0,0) (1,0) (0,1) (1,1)", ours,
                     [keras_gate(x1, x2) for x1, x2 in ORDER], text="(none printed)")


def forward_pass(page):
    bugs = page.note(
        "Text 002's forward-pass code has three bugs; it prints no numbers, so none of its numbers depends on "
        "them, but its code computes something else than it says. (1) Its sigmoid rounds to one decimal "
        "(np.round(..., decimals=1)); the rounded values are only printed, never passed on. (2) It adds b1 a "
        "second time before layer 2. (3) It passes each layer's pre-activation (not the sigmoid's output) "
        "to the next layer. With (2) and (3) the network the code computes has no nonlinearity at all: "
        "three Affine layers with b1 doubled, which scratchnet and Keras reproduce as a linear network. "
        "The rows after it are the forward pass the text means: sigmoid, sigmoid, identity.")
    # what the text's code computes: Affine(W1, 2 b1) -> Affine(W2, b2) -> Affine(W3, b3), nothing between
    linear = scratchnet.Sequential([Affine(W1, 2 * B1), Affine(W2, B2), Affine(W3, B3)])
    keras_linear = keras_dense_net([W1, 2 * B1, W2, B2, W3, B3], [None, None, None])
    page.compare("the text's code: layer-3 output (b1 twice, no activation passed on)",
                 linear.predict(X.reshape(1, -1))[0], np.array(keras_linear(X.reshape(1, -1)))[0],
                 text="(not printed)", tol=tol(F64), bug=bugs)
    a1 = X @ W1 + B1
    page.compare("the text's code: its first print, sigmoid(layer 1) rounded to 1 decimal",
                 np.round(functions.sigmoid(a1), 1), np.array(keras.ops.round(keras.activations.sigmoid(a1), 1)),
                 text="(not printed)", tol=tol(F64), bug=bugs)

    # the forward pass the text means: text 000's network (sigmoid, sigmoid, identity) with these weights
    ours, theirs = sigmoid_network_traces(X, W1, B1, W2, B2, W3, B3)
    for name, ours_out, theirs_out in zip(("a1", "z1", "a2", "z2", "y (identity output)"), ours, theirs):
        page.compare(f"the forward pass it means: {name}", ours_out, theirs_out, text="(not printed)", tol=tol(F64))


def numerical_gradient(page):
    x = np.array([3.0, 4.0])
    ours = gradcheck.numerical_gradient(square_sum, x)  # central differences, h = 1e-4, as the text
    _, (theirs,) = keras_gradient(square_sum, x)          # automatic differentiation
    page.compare("numerical gradient of x0**2 + x1**2 at (3, 4); Keras by GradientTape", ours, theirs,
                 expect=np.array([6.0, 8.0]), text="(not printed; exactly [6, 8])", tol=tol(F64, "numerical_gradient"))


def gradient_descent(page):
    mismatch = page.note("Text 002's comment and its default say lr 0.01, but its call passes lr=0.1, and its "
                         "printed result is lr 0.1's. Each step multiplies x by 1 - 2 * 0.1 = 0.8, so the path "
                         "runs straight to the origin: x_t = (3, 4) * 0.8**t.")
    ours_final, ours_path = gradcheck.gradient_descent(square_sum, [3.0, 4.0], lr=0.1, step_num=100)
    ours_path = np.vstack([ours_path, ours_final])
    # Keras: its SGD optimizer on GradientTape gradients, 100 steps
    with rk.floatx(F64):
        x = keras.Variable(np.array([3.0, 4.0]))
        sgd = keras.optimizers.SGD(learning_rate=0.1)
    keras_path = [x.numpy()]
    for _ in range(100):
        with tf.GradientTape() as tape:
            value = square_sum(x)
        sgd.apply([tape.gradient(value, x)], [x])
        keras_path.append(x.numpy())
    keras_path = np.array(keras_path)
    for step in (1, 2, 3, 10, 50):
        page.compare(f"gradient descent, lr 0.1: x after step {step}", ours_path[step], keras_path[step],
                     text="(printed, not shown in the text)", expect=np.array([3.0, 4.0]) * 0.8 ** step,
                     tol=tol(F64, "numerical_gradient"))
    page.compare(f"gradient descent, lr 0.1: x after 100 steps (note {mismatch})", ours_path[100], keras_path[100],
                 text="[6.11110793e-10 8.14814391e-10]", expect=np.array([3.0, 4.0]) * 0.8 ** 100,
                 tol=tol(F64, "numerical_gradient"))
    page.plots.append(Plot("course-002_gradient_descent.png", lambda: path_figure(ours_path, keras_path)))


def path_figure(ours, theirs):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    grid = np.linspace(-4.5, 4.5, 200)
    g0, g1 = np.meshgrid(grid, grid)
    ax.contour(g0, g1, g0 ** 2 + g1 ** 2, levels=12, colors="lightgray")
    ax.plot(theirs[:, 0], theirs[:, 1], "o", markersize=7, alpha=0.4, label="Keras SGD(0.1), autodiff")
    ax.plot(ours[:, 0], ours[:, 1], ".-", linewidth=1, label="scratchnet, numerical gradient (the text's way)")
    ax.set(xlabel="x0", ylabel="x1", title="text 002: gradient descent on x0**2 + x1**2", aspect="equal")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def run(ctx):
    page = Page("002", TITLE)
    gates_and_or(page)
    forward_pass(page)
    numerical_gradient(page)
    gradient_descent(page)
    return page
