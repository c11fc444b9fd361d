"""Course text 000, "neural networks in NumPy 1": from the perceptron to a batched network.

Its exercises: logic gates as perceptrons and XOR from three of them; the step, sigmoid and
ReLU activations; a 3-layer forward pass with given weights; identity vs softmax output; softmax
of one sample and of a batch; and the accuracy of an MNIST network computed image by image and
in batches of 100. The text loads a pretrained weight file that is not available, so this page
trains the same 784-50-100-10 sigmoid network itself, on both sides in lockstep.
"""
import numpy as np

import reference_keras as rk
import scratchnet
from reference_keras import keras, tf
from scratchnet import datasets, functions, gates, optimizers

from ..core.result import Plot
from .keras_side import keras_perceptron, lockstep_row, sigmoid_network_traces, train_in_lockstep
from .page import Page, tol

TITLE = "neural networks in NumPy 1 (perceptron to batched inference)"
F64 = "float64"  # the text computes in NumPy's default float64; so do both sides here

# The text's weights for the 3-layer forward pass (input 2, hidden 3 and 2, output 2).
X = np.array([1.0, 0.5])
W1, B1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), np.array([0.1, 0.2, 0.3])
W2, B2 = np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), np.array([0.1, 0.2])
W3, B3 = np.array([[0.1, 0.3], [0.2, 0.4]]), np.array([0.1, 0.2])

# The text's gates in bias form: fire when w1*x1 + w2*x2 + b > 0 (a perceptron with theta = -b).
GATES = {"AND": (0.5, 0.5, -0.7), "NAND": (-0.5, -0.5, 0.7), "OR": (0.5, 0.5, -0.2)}
TEXT_ORDER = [(0, 0), (1, 0), (0, 1), (1, 1)]  # the order the text calls each gate in


def gates_truth_tables(page):
    for name, (w1, w2, b) in GATES.items():
        ours = [gates.Perceptron(w1, w2, theta=-b)(x1, x2) for x1, x2 in TEXT_ORDER]   # scratchnet
        keras_gate = keras_perceptron(w1, w2, theta=-b)                               # Keras: Dense(1) + step
        theirs = [keras_gate(x1, x2) for x1, x2 in TEXT_ORDER]
        page.compare(f"{name} (w = {w1}, {w2}; b = {b}) on (0,0) (1,0) (0,1) (1,1)", ours, theirs,
                     text="(calls only, no printed values)")
    ours = [gates.XOR(x1, x2) for x1, x2 in TEXT_ORDER]
    keras_gate = {name: keras_perceptron(w1, w2, -b) for name, (w1, w2, b) in GATES.items()}
    theirs = [keras_gate["AND"](keras_gate["NAND"](x1, x2), keras_gate["OR"](x1, x2)) for x1, x2 in TEXT_ORDER]
    page.compare("XOR = AND(NAND, OR), a 2-layer perceptron", ours, theirs, text="(calls only, no printed values)")


def activations(page):
    x = np.arange(-5.0, 5.0, 0.1)  # the text's plotting range
    pairs = {
        "step": (functions.step_function(x), np.array(rk.heaviside(x, 0.0)).astype(np.int64)),
        "sigmoid": (functions.sigmoid(x), np.array(keras.activations.sigmoid(x))),
        "ReLU": (functions.relu(x), np.array(keras.activations.relu(x))),
    }
    shown = [40, 60, 70]  # x = -1, 1, 2 (approximately: arange accumulates round-off)
    for name, (ours, theirs) in pairs.items():
        page.compare(f"{name} on arange(-5, 5, 0.1), all 100 values compared; shown at x = -1, 1, 2",
                     ours, theirs, text="(plots only)", tol=tol(F64), show=shown)
    page.plots.append(Plot("course-000_activations.png", lambda: activations_figure(x, pairs)))


def activations_figure(x, pairs):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3))
    for ax, (name, (ours, theirs)) in zip(fig.subplots(1, 3), pairs.items()):
        ax.plot(x, ours, label="scratchnet", linewidth=3, alpha=0.5)
        ax.plot(x, theirs, linestyle="--", linewidth=1, label="Keras")
        ax.set(xlabel="x", title=f"text 000: {name}")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def three_layer_forward(page):
    ours, theirs = sigmoid_network_traces(X, W1, B1, W2, B2, W3, B3)  # scratchnet's and Keras's, side by side
    printed = {"A1": "[ 0.3  0.7  1.1]", "Z1": "[ 0.57444252  0.66818777  0.75026011]",
               "A2": "[ 0.51615984  1.21402696]", "Z2": "[ 0.62624937  0.7710107 ]",
               "Y": "[ 0.31682708  0.69627909]"}
    for (name, text), ours_out, theirs_out in zip(printed.items(), ours, theirs):
        page.compare(f"3-layer forward: {name}", ours_out, theirs_out, text=text, tol=tol(F64))
    return ours[-1]


def identity_vs_softmax(page, y):
    page.compare("output identity -> softmax(Y)", functions.softmax(y), np.array(keras.activations.softmax(y)),
                 text="[ 0.40625907, 0.59374093 ]", tol=tol(F64))


def softmax_exercises(page):
    a = np.array([0.4, 0.6])
    page.compare("softmax([0.4, 0.6])", functions.softmax(a), np.array(keras.activations.softmax(a)),
                 text="array([ 0.450166,  0.549834])", tol=tol(F64))
    batch = np.array([[0.4, 0.6], [0.7, 0.5]])
    wrong = page.note(
        "Text 000 first applies its one-sample softmax to a batch and gets a wrong result on purpose: it "
        "normalises over the whole array, not over each row. scratchnet's softmax of the flattened batch "
        "reproduces the text's numbers; Keras's softmax (like scratchnet's) always normalises the last axis.")
    page.compare("one-sample softmax misapplied to the batch [[0.4, 0.6], [0.7, 0.5]]",
                 functions.softmax(batch.ravel()).reshape(batch.shape), None,
                 no_keras=f"the mistake the text demonstrates; see note {wrong}",
                 text="array([[ 0.21383822,  0.26118259], [ 0.28865141,  0.23632778]])")
    page.compare("batch softmax [[0.4, 0.6], [0.7, 0.5]]", functions.softmax(batch),
                 np.array(keras.activations.softmax(batch)),
                 text="array([[ 0.450166,  0.549834], [ 0.549834,  0.450166]])", tol=tol(F64))


def batch_accuracy(page, ctx):
    """The text's 784-50-100-10 sigmoid network, trained here (its weight file is not available),
    then its test accuracy image by image, in batches of 100 and all at once, on both sides."""
    (x_train, t_train), (x_test, t_test) = datasets.load("mnist", dtype=np.float64)
    model = scratchnet.mlp([784, 50, 100, 10], "sigmoid", "softmax_cross_entropy", "glorot_uniform", seed=0,
                           dtype=np.float64)
    keras_model = rk.to_keras(model)
    traj, plots = train_in_lockstep("course-000-mnist", model, keras_model,
                                       optimizers.Adam(0.001, float32_hyperparams=True), x_train, t_train,
                                       epochs=1, batch_size=100, steps_per_epoch=ctx.training(None, 100),
                                       progress=ctx.progress)
    page.plots += plots
    lockstep_row(page, "784-50-100-10 sigmoid, Adam(0.001), batches of 100", traj, F64,
                 text="(the text loads pretrained weights)")
    typo = page.note("Text 000 prints the shape of W2 as (50.100), a typo for (50, 100); the row checks "
                     "(784, 50) (50,) (50, 100) (100,) (100, 10) (10,).")
    page.compare(f"parameter shapes W1 b1 W2 b2 W3 b3 (note {typo})",
                 " ".join(str(p.shape) for p in model.params.values()),
                 " ".join(str(tuple(w.shape)) for w in keras_model.get_weights()),
                 text="(784, 50) (50,) (50.100) (100,) (100,10) (10,)",
                 check_text="(784, 50) (50,) (50, 100) (100,) (100, 10) (10,)")
    page.note("The text loads a pretrained weight file that is not available; this page trains the same "
              "784-50-100-10 sigmoid network (softmax cross-entropy, float64, Glorot-uniform weights, zero "
              "biases) for one epoch of Adam(0.001) on batches of 100, on both sides in lockstep, then "
              "computes the test accuracy the text's three ways.")

    n = ctx.training(len(x_test), 1000)
    x_test, t_test = x_test[:n], t_test[:n]
    # scratchnet: image by image (a 1-D image must become a batch of one), in batches of 100, all at once
    one_by_one = sum(int(np.argmax(model.predict(x.reshape(1, -1)))) == label for x, label in zip(x_test, t_test))
    in_batches = sum(int(np.sum(np.argmax(model.predict(x_test[i:i + 100]), axis=1) == t_test[i:i + 100]))
                     for i in range(0, len(x_test), 100))
    at_once = int(np.sum(np.argmax(model.predict(x_test), axis=1) == t_test))
    # Keras: the same three ways (one image per call through a compiled function)
    predict_one = tf.function(lambda x: keras_model(x, training=False))
    keras_one_by_one = sum(int(np.argmax(predict_one(x.reshape(1, -1)))) == label for x, label in zip(x_test, t_test))
    keras_in_batches = sum(int(np.sum(np.argmax(np.array(keras_model(x_test[i:i + 100])), axis=1)
                                      == t_test[i:i + 100])) for i in range(0, len(x_test), 100))
    keras_at_once = int(np.sum(np.argmax(np.array(keras_model(x_test)), axis=1) == t_test))
    text = "(prints Accuracy: without a value)"
    page.compare(f"test accuracy, image by image ({n:,} images)", one_by_one / n, keras_one_by_one / n, text=text)
    page.compare("test accuracy, batches of 100", in_batches / n, keras_in_batches / n, text=text)
    page.compare(f"test accuracy, all {n:,} at once", at_once / n, keras_at_once / n, text=text)
    page.compare("image by image = batches of 100 = all at once (correct counts)",
                 one_by_one == in_batches == at_once, keras_one_by_one == keras_in_batches == keras_at_once,
                 expect=True, text="(the text's point: batching changes only the speed)")


def run(ctx):
    page = Page("000", TITLE)
    gates_truth_tables(page)
    activations(page)
    y = three_layer_forward(page)
    identity_vs_softmax(page, y)
    softmax_exercises(page)
    batch_accuracy(page, ctx)
    if ctx.quick:
        page.note("Quick run (tests): the network trained for 100 steps and tested on 1,000 images only.")
    return page
