"""Learner code the checker met in public repositories (issue 20), reduced to the shape that
mattered: method-name typos, project-root imports, the book's second-volume `params` lists and
lowercase weights, and the exit status of a run where a bug could hide behind "not checked"."""
import textwrap
from pathlib import Path

import numpy as np
import pytest

import comparisons
from comparisons import cli
from comparisons.harness import learner_file

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"

RELU_TYPO = '''
class Relu:
    def __init__(self):
        self.mask = None

    def foward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_a_method_name_typo_says_did_you_mean_and_exits_3(tmp_path, capsys):
    assert cli.main(["check", str(write(tmp_path / "relu.py", RELU_TYPO))]) == 3
    captured = capsys.readouterr()
    assert "== Relu: not checked: it has `foward`: did you mean `forward`? (the checker calls `forward`) ==" in \
        captured.out
    assert "0 of 0 checked classes match Keras (float64); 1 not checked (1 could hide a bug: Relu)" in captured.out
    assert "check: exit 3:" in captured.err


def test_an_abstract_base_class_alone_is_no_hidden_bug_but_nothing_checked_exits_3(tmp_path, capsys):
    base = write(tmp_path / "base.py", """
        from abc import ABC, abstractmethod


        class Layer(ABC):
            @abstractmethod
            def forward(self, x):
                pass
        """)
    assert cli.main(["check", str(base)]) == 3
    captured = capsys.readouterr()
    assert "could hide a bug" not in captured.out and "check: exit 3: no class was checked" in captured.err


def test_a_package_imported_from_the_project_root_is_found(tmp_path, capsys):
    root = tmp_path / "project"
    write(root / "src" / "__init__.py", "")
    write(root / "src" / "activations.py", """
        import numpy as np


        def relu(x):
            return np.maximum(x, 0)
        """)
    layer = write(root / "src" / "layers" / "relu.py", """
        from src.activations import relu


        class Relu:
            def __init__(self):
                self.x = None

            def forward(self, x):
                self.x = x
                return relu(x)

            def backward(self, dout):
                return dout * (self.x > 0)
        """)
    assert cli.main(["check", str(layer)]) == 0
    assert "== Relu (ReLU layer, float64): PASSED" in capsys.readouterr().out


class ListAffine:  # the book's second volume: params and grads as lists, written in place
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = x
        return x @ W + b

    def backward(self, dout):
        W, _ = self.params
        self.grads[0][...] = self.x.T @ dout
        self.grads[1][...] = dout.sum(axis=0)
        return dout @ W.T


class LowercaseAffine:
    def __init__(self, w, b):
        self.w, self.b, self.x = w, b, None

    def forward(self, x):
        self.x = x
        return x @ self.w + self.b

    def backward(self, dout):
        self.dw, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.w.T


@pytest.mark.parametrize("cls", [ListAffine, LowercaseAffine])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_affine_with_a_params_list_or_lowercase_w_is_checked(cls, dtype):
    result = comparisons.check(cls, dtype=dtype)
    assert result.passed, result.table()
    assert any(c.name.startswith("dW") for c in result.checks)


class RationDropout:  # the ratio under the book's misspelling, required by the constructor
    def __init__(self, dropout_ration):
        self.dropout_ration, self.mask = dropout_ration, None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ration
            return x * self.mask
        return x * (1.0 - self.dropout_ration)

    def backward(self, dout):
        return dout * self.mask


class EmptyStateMomentum:  # state starts as {} and the learning rate has no default
    def __init__(self, lr, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key in params:
            if key not in self.v:
                self.v[key] = np.zeros_like(params[key])
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


@pytest.mark.parametrize("cls", [RationDropout, EmptyStateMomentum])
def test_required_book_arguments_and_empty_state_are_checked(cls):
    result = comparisons.check(cls)
    assert result.passed, result.table()
    assert len(result.checks) >= 2


class InsideAdaGrad:  # epsilon inside the square root (Keras's form), state from {}
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, {}

    def update(self, params, grads):
        for key in params:
            self.h.setdefault(key, np.zeros_like(params[key]))
            self.h[key] += grads[key] ** 2
            params[key] -= self.lr * grads[key] / np.sqrt(self.h[key] + 1e-7)


class InsideRMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-8):
        self.lr, self.decay_rate, self.eps, self.h = lr, decay_rate, eps, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        for key in params:
            self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / np.sqrt(self.h[key] + self.eps)


@pytest.mark.parametrize("cls", [InsideAdaGrad, InsideRMSprop])
def test_epsilon_inside_the_square_root_is_recognised_and_named(cls):
    result = comparisons.check(cls)
    assert result.passed, result.table()
    assert any("the learner's code has the epsilon inside the square root" in note for note in result.notes)


def test_the_books_adagrad_is_named_as_the_books_form():
    classes = {cls.__name__: cls for cls in learner_file.load_classes(BOOK_STYLE / "common" / "optimizer.py")}
    result = comparisons.check(classes["AdaGrad"])
    assert result.passed
    assert any("has the epsilon outside the square root" in note and "(the book's form)" in note
               for note in result.notes)


def test_the_books_verbatim_im2col_is_checked_in_float32_cast_at_the_boundary():
    verbatim = Path(__file__).resolve().parents[2] / "corpus" / "learners" / \
        "oreilly-japan__deep-learning-from-scratch" / "common" / "layers.py"
    classes = {cls.__name__: cls for cls in learner_file.load_classes(verbatim)}
    for name in ("Convolution", "Pooling"):
        result = comparisons.check(classes[name], dtype="float32")
        assert result.passed, result.table()
        assert any(note.startswith("the output came back in float64 from float32 inputs") for note in result.notes)


class ForwardOnlyRelu:  # a chapter-7 exercise: no backward yet
    def forward(self, x):
        return np.maximum(x, 0)


class TupleRelu:  # backward returns (dx, parameter gradients), deepnet's style
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dout):
        dx = dout.copy()
        dx[self.x <= 0] = 0
        return dx, []


@pytest.mark.parametrize("cls, note", [(ForwardOnlyRelu, "forward only: the class has no backward"),
                                       (TupleRelu, "backward returns (dx, parameter gradients)")])
def test_forward_only_and_tuple_returning_layers_are_checked(cls, note):
    result = comparisons.check(cls)
    assert result.passed, result.table()
    assert any(n.startswith(note) for n in result.notes)


class WrongForwardOnlyRelu:
    def forward(self, x):
        return np.maximum(x, 0.1)


def test_a_forward_only_layer_still_fails_on_its_forward():
    result = comparisons.check(WrongForwardOnlyRelu)
    assert not result.passed and result.failed[0].name.startswith("forward")


def test_warnings_become_pytest_warnings(assert_matches_keras):
    from comparisons.harness import CheckWarning
    relu = {cls.__name__: cls for cls in learner_file.load_classes(BOOK_STYLE / "common" / "layers.py")}["Relu"]
    with pytest.warns(CheckWarning, match="Relu: backward wrote into the caller's dout"):
        assert_matches_keras(relu)
