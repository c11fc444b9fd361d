"""`comparisons.check` on correct code: the book-style implementations in tests/book_style (written
for these tests in the book's contract) and scratchnet's own objects pass, with the book's
conventions measured and explained; `assert_matches_keras` raises with the table; what cannot
be mapped is reported, not skipped; the diagnosis engine names the patterns it knows."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import comparisons
import scratchnet
from comparisons.harness import bugzoo, learner_file
from scratchnet import layers, losses, optimizers

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"


@pytest.fixture(scope="module")
def book():
    """{class name: class} from the book-style files, imported as `check FILE.py` does."""
    classes = {}
    for path in ("common/layers.py", "common/optimizer.py", "ch05/two_layer_net.py"):
        classes.update({cls.__name__: cls for cls in learner_file.load_classes(BOOK_STYLE / path)})
    return classes


BOOK_CLASSES = ["Affine", "Relu", "Sigmoid", "Tanh", "SoftmaxWithLoss", "SGD", "Momentum", "Nesterov", "AdaGrad",
                "RMSprop", "Adam", "TwoLayerNet"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", BOOK_CLASSES)
def test_correct_book_style_classes_pass(book, name, dtype):
    result = comparisons.check(book[name], dtype=dtype)
    assert result.passed, result.table()
    assert result.not_checked is None and len(result.checks) >= 2
    for c in result.checks:
        assert c.value <= c.tolerance


def test_book_layers_agree_with_keras_to_round_off_and_softmax_loss_differs_by_the_log_delta(book):
    affine = comparisons.check(book["Affine"])
    assert max(c.value for c in affine.checks) < 1e-15  # float64: a few ulps, not just under 1e-12
    assert [c.name for c in affine.checks][:4] == ["forward (N=5, 4 -> 3)", "dx (N=5, 4 -> 3)", "dW (N=5, 4 -> 3)",
                                                   "db (N=5, 4 -> 3)"]
    loss = comparisons.check(book["SoftmaxWithLoss"])
    moderate = next(c for c in loss.checks if c.name == "loss (one-hot t, moderate logits)")
    # -log(p + 1e-7) vs -log(p): about 1e-7/p per sample on a loss near 1.4
    assert 1e-8 < moderate.value < 2e-6 and moderate.tolerance == 1e-5
    extreme = next(c for c in loss.checks if c.name == "loss (one-hot t, logits +-1000)")
    assert extreme.value < 1e-7  # equals Keras's clipped form (16.118 for p = 0) up to 2e-7 at p = 1
    assert all(c.value < 1e-15 for c in loss.checks if c.name.startswith("dx"))
    assert any("log(y + 1e-7)" in note and "book_log_loss" in note for note in loss.notes)
    assert any("clipped probabilities" in note and "16.118" in note for note in loss.notes)


def test_book_relu_writes_into_dout_which_is_a_warning_with_its_measured_consequence(book):
    result = comparisons.check(book["Relu"])
    assert result.passed and len(result.warnings) == 1
    warning = result.warnings[0]
    assert "backward wrote into the caller's dout" in warning and "returned that same array" in warning
    assert "in a branch y = Relu(x) + x" in warning and "Harmless when each dout is used once" in warning
    error = float(warning.split("comes out ")[1].split(" ")[0])
    assert error > 0.1  # the skip branch receives zeros where the ReLU was inactive


class OldNesterov:  # the book's Nesterov before January 2021: v updated first, mu**2 on the new v
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.momentum * self.momentum * self.v[key]
            params[key] -= (1 + self.momentum) * self.lr * grads[key]


def test_the_books_pre2021_nesterov_fails_and_is_named():
    result = comparisons.check(OldNesterov)
    assert not result.passed
    assert any("the book's pre-2021 Nesterov" in line and "January 2021" in line for line in result.diagnosis)
    # step 1: the old form moves (1 + mu + mu**2) lr g, Keras's (1 + mu) lr g; relative to the larger
    assert result.failed[0].value == pytest.approx(0.9 ** 2 / (1 + 0.9 + 0.9 ** 2), rel=1e-6)


def test_book_optimizers_where_keras_differs_are_checked_against_the_books_equation(book):
    nesterov = comparisons.check(book["Nesterov"])  # the book's current equation is Keras's, rearranged
    assert nesterov.passed and all(c.value < 1e-13 for c in nesterov.checks)
    adagrad = comparisons.check(book["AdaGrad"])
    parted = [float(n.split("by up to ")[1].split(" ")[0]) for n in adagrad.notes if "parts from" in n]
    assert len(parted) == 2 and parted[0] > 0.1 and 0 < parted[1] < 1e-4  # accumulator 0.1 vs 0; eps placement
    adam = comparisons.check(book["Adam"])
    assert all(c.value == 0.0 for c in adam.checks)  # Keras's Adam is the book's once the betas are rounded alike
    assert any("beta1=0.8999999761581421" in n for n in adam.notes)


def test_book_network_gradients_are_compared_per_parameter(book):
    result = comparisons.check(book["TwoLayerNet"])
    names = [c.name for c in result.checks]
    assert names[:3] == ["forward Affine1", "forward Relu1", "forward Affine2"]
    assert {f"gradient {k} (Keras autodiff)" for k in ("W1", "b1", "W2", "b2")} <= set(names)
    assert all(c.value < 1e-14 for c in result.checks if c.name.startswith(("forward", "gradient")))


class Ch04TwoLayerNet:
    """The book's chapter-4 network: no layers dict; sigmoid, softmax and an analytic gradient."""

    def __init__(self, input_size, hidden_size, output_size):
        self.params = {"W1": 0.1 * np.random.randn(input_size, hidden_size), "b1": np.zeros(hidden_size),
                       "W2": 0.1 * np.random.randn(hidden_size, output_size), "b2": np.zeros(output_size)}

    def _forward(self, x):
        z1 = 1 / (1 + np.exp(-(x @ self.params["W1"] + self.params["b1"])))
        a2 = z1 @ self.params["W2"] + self.params["b2"]
        e = np.exp(a2 - a2.max(axis=1, keepdims=True))
        return z1, e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        y = self._forward(x)[1]
        return -np.sum(t * np.log(y + 1e-7)) / x.shape[0]

    def gradient(self, x, t):
        z1, y = self._forward(x)
        dy = (y - t) / x.shape[0]
        dz1 = dy @ self.params["W2"].T * z1 * (1 - z1)
        return {"W1": x.T @ dz1, "b1": dz1.sum(axis=0), "W2": z1.T @ dy, "b2": dy.sum(axis=0)}


def test_a_network_without_layers_is_matched_to_the_mlp_its_loss_reveals():
    result = comparisons.check(Ch04TwoLayerNet)
    assert result.passed, result.table()
    assert not any(c.name.startswith("forward") for c in result.checks)  # no layers to trace
    assert sum(c.name.startswith("gradient") for c in result.checks) == 4


def test_an_instance_with_any_weight_decay_is_compared_exactly():
    # lambda/2 = 0.05 is not a float32 number: Keras's own L2 would round it (1e-9 off); ExactL2 does not
    net = bugzoo._TwoLayerNet(4, 6, 3, weight_decay_lambda=0.1)
    result = comparisons.check(net)
    assert result.passed, result.table()
    assert max(c.value for c in result.checks if c.name.startswith("gradient")) < 1e-14


@pytest.mark.parametrize("obj", [
    layers.Affine(np.arange(12.0).reshape(4, 3) / 10, np.ones(3)), layers.ReLU(), layers.Sigmoid(), layers.Tanh(),
    losses.SoftmaxCrossEntropy(), losses.SoftmaxCrossEntropy(reduction="sum"), losses.MeanSquaredError(),
    optimizers.SGD(0.1, momentum=0.9, nesterov=True), optimizers.Adam(), optimizers.RMSprop(centered=True),
    optimizers.Adagrad(),
], ids=lambda obj: repr(obj)[:40])
def test_scratchnets_own_objects_pass(obj):
    result = comparisons.check(obj)
    assert result.passed, result.table()


def test_a_scratchnet_model_goes_through_the_twin_checks():
    model = scratchnet.mlp([6, 5, 3], activation="tanh", loss="softmax_cross_entropy", weight_init="he_normal",
                           dtype=np.float64)
    before = model.get_weights()
    result = comparisons.check(model, dtype="float32")
    assert result.passed, result.table()
    assert any("numerical" in c.name for c in result.checks)
    assert all(np.array_equal(a, b) and a.dtype == np.float64 for a, b in zip(model.get_weights(), before))


def test_check_runs_on_a_copy_and_takes_given_inputs(book):
    W, b = np.eye(3), np.zeros(3)
    affine = book["Affine"](W, b)
    x = np.array([[1.0, -2.0, 0.5]])
    result = comparisons.check(affine, x=x)
    assert result.passed and [c.name for c in result.checks] == ["forward (given x)", "dx (given x)",
                                                                 "dW (given x)", "db (given x)"]
    assert affine.x is None and affine.dW is None and affine.W is W  # the caller's object is untouched


def test_assert_matches_keras_raises_with_the_table_and_the_diagnosis():
    with pytest.raises(AssertionError) as info:
        comparisons.assert_matches_keras(bugzoo.TransposedDWAffine(np.ones((4, 3)), np.zeros(3)))
    message = str(info.value)
    assert "TransposedDWAffine (affine layer, float64): FAILED" in message
    assert "dW = dout.T @ x: transposed (dW = x.T @ dout)" in message
    assert comparisons.assert_matches_keras(layers.ReLU()).passed


def test_what_cannot_be_mapped_is_listed_with_the_reason():
    class Dropout:
        def forward(self, x, train_flg=True):
            return x

        def backward(self, dout):
            return dout

    class Plotter:
        pass

    class SoftmaxWithLoss:
        def forward(self, x):
            return x

        def backward(self, dout):
            return dout

    reasons = {cls.__name__: comparisons.check(cls) for cls in (Dropout, Plotter, SoftmaxWithLoss)}
    assert all(not r.passed and r.not_checked for r in reasons.values())
    assert "no dropout ratio attribute" in reasons["Dropout"].not_checked
    assert "not a layer (forward/backward), a network" in reasons["Plotter"].not_checked
    assert "cannot be called as forward(x, t)" in reasons["SoftmaxWithLoss"].not_checked
    assert "not checked" in reasons["Plotter"].table()
    with pytest.raises(AssertionError, match="not checked"):
        comparisons.assert_matches_keras(Plotter())


def test_loading_a_learners_file_leaves_no_trace(tmp_path):
    state = (list(sys.path), os.getcwd(), set(sys.modules), np.random.get_state()[1].copy(), sys.dont_write_bytecode)
    classes = learner_file.load_classes(BOOK_STYLE / "ch05" / "two_layer_net.py")
    assert [cls.__name__ for cls in classes] == ["Affine", "Relu", "SoftmaxWithLoss", "TwoLayerNet"]
    after = (list(sys.path), os.getcwd(), set(sys.modules), np.random.get_state()[1], sys.dont_write_bytecode)
    assert after[:3] == state[:3] and np.array_equal(after[3], state[3]) and after[4] == state[4]
    assert not list(BOOK_STYLE.rglob("__pycache__"))
    assert "common" not in sys.modules
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy\nraise SystemExit('no')\n")
    with pytest.raises(learner_file.FileDoesNotImport, match="SystemExit: no"):
        learner_file.load_classes(broken)
    assert list(sys.path) == state[0]


def test_what_a_learners_code_raises_becomes_a_failed_check():
    class HalfTypedAffine:
        def __init__(self, W, b):
            self.W, self.b = W, b

        def forward(self, x):
            return x @ self.W + self.b

        def backward(self, dout):
            raise NotImplementedError("TODO")

    class BrokenNet:
        def __init__(self, input_size, hidden_size, output_size):
            raise RuntimeError("typo in __init__")

        def loss(self, x, t):
            return 0.0

        def gradient(self, x, t):
            return {}

    layer = comparisons.check(HalfTypedAffine)
    assert not layer.passed and layer.checks[0].passed  # forward is right
    assert layer.checks[1].name == "backward (N=5, 4 -> 3)"
    assert layer.checks[1].diagnosis == "backward raised NotImplementedError: TODO"
    network = comparisons.check(BrokenNet)
    assert network.not_checked.startswith("cannot build BrokenNet(input_size=6, hidden_size=5, output_size=3): "
                                          "RuntimeError: typo in __init__")


def test_a_multilayer_network_with_weight_decay_built_from_the_book_style_layers(book):
    Affine, Relu, SoftmaxWithLoss = book["Affine"], book["Relu"], book["SoftmaxWithLoss"]

    class MultiLayerNet:  # common/multi_layer_net.py's structure: hidden_size_list, last_layer, lambda
        def __init__(self, input_size, hidden_size_list, output_size, weight_decay_lambda=0):
            sizes = [input_size, *hidden_size_list, output_size]
            self.weight_decay_lambda, self.params, self.layers = weight_decay_lambda, {}, {}
            for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
                self.params[f"W{i}"], self.params[f"b{i}"] = np.random.randn(n_in, n_out), np.zeros(n_out)
                self.layers[f"Affine{i}"] = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
                if i < len(sizes) - 1:
                    self.layers[f"Activation_function{i}"] = Relu()
            self.last_layer = SoftmaxWithLoss()

        def loss(self, x, t):
            for layer in self.layers.values():
                x = layer.forward(x)
            decay = sum(0.5 * self.weight_decay_lambda * np.sum(W ** 2) for k, W in self.params.items() if k[0] == "W")
            return self.last_layer.forward(x, t) + decay

        def gradient(self, x, t):
            self.loss(x, t)
            dout = self.last_layer.backward(1)
            for layer in reversed(self.layers.values()):
                dout = layer.backward(dout)
            lam, n = self.weight_decay_lambda, len(self.params) // 2
            return {**{f"W{i}": self.layers[f"Affine{i}"].dW + lam * self.params[f"W{i}"] for i in range(1, n + 1)},
                    **{f"b{i}": self.layers[f"Affine{i}"].db for i in range(1, n + 1)}}

    result = comparisons.check(MultiLayerNet)
    assert result.passed, result.table()
    assert [c.name for c in result.checks if c.name.startswith("forward")] == [
        "forward Affine1", "forward Activation_function1", "forward Affine2", "forward Activation_function2",
        "forward Affine3"]  # hidden_size_list [5, 4]
    assert result.checks[5].name == "loss" and result.checks[5].value < 1e-5  # includes 0.5 * 0.5 * sum(W**2)
