"""`comparisons.check` on the book's Convolution, Pooling, Dropout and BatchNormalization and on
SimpleConvNet and MultiLayerNetExtend: correct book-style code (tests/book_style, written for
these tests) agrees with Keras through Keras's layouts (NHWC, (FH, FW, C, FN) kernels, the first
Affine's rows permuted for Flatten), the book's conventions (non-inverted Dropout, BatchNorm's
momentum and epsilon) are measured and reported rather than failed, the new bug-zoo entries are
flagged, and what cannot be compared is said in one line naming the class and the shapes."""
import shutil
from pathlib import Path

import numpy as np
import pytest

import comparisons
from comparisons import cli
from comparisons.harness import book_layout, bugzoo, learner_file

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"


@pytest.fixture(scope="module")
def book():
    """{class name: class} of the book-style files, imported as `check FILE.py` imports them."""
    files = [BOOK_STYLE / "common" / "layers.py", BOOK_STYLE / "ch07" / "simple_convnet.py",
             BOOK_STYLE / "common" / "multi_layer_net_extend.py"]
    return {cls.__name__: cls for path in files for cls in learner_file.load_classes(path)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,checks", [("Convolution", 8), ("Pooling", 4), ("Dropout", 3),
                                         ("BatchNormalization", 7), ("SimpleConvNet", 13),
                                         ("MultiLayerNetExtend", 25)])
def test_correct_book_style_classes_pass(book, name, checks, dtype):
    result = comparisons.check(book[name], dtype=dtype)
    assert result.passed, result.table()
    assert len(result.checks) == checks and all(c.value <= c.tolerance for c in result.checks)


def test_the_layers_agree_with_keras_to_round_off_in_float64(book):
    conv = comparisons.check(book["Convolution"])
    assert [c.name for c in conv.checks[:4]] == [f"{what} (N=2, C=3, 7x9, 4 filters 3x2, stride 1, pad 0)"
                                                 for what in ("forward", "dx", "dW", "db")]
    assert max(c.value for c in conv.checks) < 1e-15  # a few ulps: the same products, summed in another order
    pool = comparisons.check(book["Pooling"])
    assert max(c.value for c in pool.checks) < 1e-15  # equal maxima: both send the gradient to the first
    assert "integers (equal maxima)" in pool.checks[-1].name
    batchnorm = comparisons.check(book["BatchNormalization"])
    assert max(c.value for c in batchnorm.checks) < 1e-14
    assert [c.name for c in batchnorm.checks][2:6] == ["dgamma (training)", "dbeta (training)",
                                                       "running_mean after the step", "running_var after the step"]


def test_given_weights_and_inputs_are_compared_with_a_hand_computed_convolution(book):
    W = np.arange(8.0).reshape(2, 1, 2, 2) / 10  # 2 filters, 1 channel, 2x2
    b = np.array([0.5, -1.0])
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    layer = book["Convolution"](W, b, 1, 0)
    # first filter [[0, .1], [.2, .3]] on the top-left window [[0, 1], [3, 4]]: .1 + .6 + 1.2 + .5
    assert layer.forward(x)[0, 0, 0, 0] == pytest.approx(2.4)
    result = comparisons.check(layer, x=x)
    assert result.passed, result.table()
    assert [c.name for c in result.checks] == [f"{what} (given layer, x (1, 1, 3, 3))"
                                               for what in ("forward", "dx", "dW", "db")]
    padded = comparisons.check(book["Convolution"](np.ones((4, 3, 3, 3)) / 9, np.zeros(4), 2, 1))
    assert padded.passed and padded.checks[0].name == "forward (given layer, x (2, 3, 7, 8))"


def test_layouts_kernel_transpose_and_the_affine_row_permutation():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 3, 2, 5))  # (FN, C, FH, FW)
    kernel = book_layout.kernel_to_keras(W)
    assert kernel.shape == (2, 5, 3, 4) and kernel[1, 4, 2, 3] == W[3, 2, 1, 4]
    assert np.array_equal(book_layout.kernel_from_keras(kernel), W)
    pooled = rng.normal(size=(2, 3, 4, 5))  # NCHW after pooling
    affine = rng.normal(size=(3 * 4 * 5, 6))
    book_out = pooled.reshape(2, -1) @ affine  # the book's Affine: (c, h, w) order
    dense = book_layout.affine_rows_to_keras(affine, (3, 4, 5))
    keras_out = book_layout.to_nhwc(pooled).reshape(2, -1) @ dense  # Keras: Flatten of NHWC, (h, w, c)
    np.testing.assert_allclose(keras_out, book_out, rtol=1e-14)
    assert not np.allclose(book_layout.to_nhwc(pooled).reshape(2, -1) @ affine, book_out)  # unpermuted: wrong
    assert np.array_equal(book_layout.affine_rows_from_keras(dense, (3, 4, 5)), affine)


def test_dropout_gets_keras_mask_and_the_scale_is_a_measured_convention(book):
    result = comparisons.check(book["Dropout"])
    note = result.notes[0]
    assert "Keras's training output is 2 times the book's on every kept unit" in note  # 1 / (1 - 0.5)
    assert "Rescaling(1 - ratio)" in note and "not a mistake" in note
    ratio = comparisons.check(book["Dropout"](0.2))
    assert ratio.passed and "1.25 times the book's" in ratio.notes[0]

    class InvertedDropout:  # Keras's convention, written in the book's contract
        def __init__(self, dropout_ratio=0.5):
            self.dropout_ratio, self.mask = dropout_ratio, None

        def forward(self, x, train_flg=True):
            if not train_flg:
                return x
            self.mask = (np.random.rand(*x.shape) > self.dropout_ratio) / (1 - self.dropout_ratio)
            return x * self.mask

        def backward(self, dout):
            return dout * self.mask

    inverted = comparisons.check(InvertedDropout)
    assert inverted.passed and inverted.notes[0].startswith("an inverted Dropout (Keras's convention")
    assert max(c.value for c in inverted.checks) < 1e-15


def test_batchnorm_is_compared_with_the_learners_momentum_and_epsilon(book):
    note = comparisons.check(book["BatchNormalization"]).notes[0]
    assert "BatchNormalization(momentum=0.9, epsilon=1e-06) (epsilon: the value its training output reproduces)" \
        in note and "started at zeros" in note
    moved = float(note.split("moves by ")[1].split(" ")[0])
    assert 0.1 < moved < 1  # Keras's epsilon 1e-3 against the book's 1e-6, on a feature of spread 1e-2

    class KerasDefaultsBatchNormalization(bugzoo._BatchNormalization):  # its own momentum and eps attribute
        eps = 1e-3

        def forward(self, x, train_flg=True):
            if not train_flg:
                return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) + self.beta
            mu = x.mean(axis=0)
            self.xc = x - mu
            var = np.mean(self.xc ** 2, axis=0)
            self.std = np.sqrt(var + self.eps)
            self.xn = self.xc / self.std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
            return self.gamma * self.xn + self.beta

    layer = KerasDefaultsBatchNormalization(np.ones(4), np.zeros(4), momentum=0.99, running_mean=np.zeros(4),
                                            running_var=np.ones(4))
    result = comparisons.check(layer)
    assert result.passed, result.table()
    assert "momentum=0.99, epsilon=0.001) (epsilon: its eps attribute) and its running statistics as they were" \
        in result.notes[0]


def test_the_networks_report_the_layouts_they_translated(book):
    conv = comparisons.check(book["SimpleConvNet"])
    assert [c.name for c in conv.checks[:6]] == [f"forward {name}" for name in
                                                 ("Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2")]
    assert max(c.value for c in conv.checks if c.name != "loss") < 1e-14
    assert any("W1.transpose(2, 3, 1, 0)" in n for n in conv.notes)
    assert any("rows of W2 permuted (reshape (3, 4, 4, -1), transpose (1, 2, 0, 3))" in n for n in conv.notes)
    extended = comparisons.check(book["MultiLayerNetExtend"])
    names = [c.name for c in extended.checks]
    assert "forward Dropout2 (inference mode)" in names and "gradient gamma2 (Keras autodiff)" in names
    assert any("Rescaling(0.7)" in n and "1.42857 times" in n for n in extended.notes)


def test_the_correct_bug_zoo_bases_pass():
    for cls in (bugzoo._Convolution, bugzoo._Pooling, bugzoo._Dropout, bugzoo._BatchNormalization):
        result = comparisons.check(cls)
        assert result.passed, result.table()


def test_the_new_bug_zoo_entries_name_the_layer_and_what_differs():
    expected = {"OverwritingCol2imConvolution": ("dx (N=2, C=3, 7x9, 4 filters 3x2, stride 1, pad 0)", "col2im"),
                "UntransposedDWConvolution": ("dW (N=2, C=3, 7x9, 4 filters 3x2, stride 1, pad 0)", "transposing"),
                "AllMaximaPooling": ("dx (3x2, stride 1, N=3, C=2, 5x6, integers (equal maxima))", "every maximum"),
                "UnmaskedBackwardDropout": ("dx (training)", "does not apply the mask"),
                "MixedConventionDropout": ("forward (inference)", "conventions mixed"),
                "NoMeanTermBatchNormalization": ("dx (training)", "mean term"),
                "UnbiasedVarianceBatchNormalization": ("forward (training)", "unbiased")}
    for name, (check_name, words) in expected.items():
        result = comparisons.check(getattr(bugzoo, name))
        assert not result.passed and result.diagnosis[0].startswith(f"{check_name}: "), result.table()
        assert words in result.diagnosis[0]
    # the pooling mistake is invisible without equal maxima: only the integer case fails
    assert [c.name for c in comparisons.check(bugzoo.AllMaximaPooling).failed] == [
        "dx (3x2, stride 1, N=3, C=2, 5x6, integers (equal maxima))"]


def test_a_col2im_mistake_fails_the_layers_of_the_file(tmp_path, capsys):
    shutil.copytree(BOOK_STYLE, tmp_path / "book")
    util = tmp_path / "book" / "common" / "util.py"
    text = util.read_text()
    assert text.count("] += col[") == 1
    util.write_text(text.replace("] += col[", "] = col["))
    assert cli.main(["check", str(tmp_path / "book" / "ch07" / "simple_convnet.py")]) == 1
    out = capsys.readouterr().out
    assert "== Convolution (convolution layer, float64): FAILED" in out
    assert "== Pooling (max-pooling layer, float64): FAILED" in out  # its stride-1 case overlaps too
    assert "diagnosis: Convolution: dx (N=2, C=3, 7x9, 4 filters 3x2, stride 1, pad 0): col2im overwrote" in out
    # The network's gradients stay right: its 2x2 stride-2 pooling windows do not overlap, and Conv1's
    # dx (where its windows do) is the gradient of the input images, which no parameter needs.
    assert "== SimpleConvNet (network, float64): PASSED" in out
    assert "4 of 6 checked classes match Keras (float64); 0 not checked; FAILED: Convolution, Pooling" in out


def test_what_cannot_be_compared_is_one_line_naming_the_class_and_the_shapes(book):
    flat_filters = comparisons.check(book["Convolution"](np.ones((3, 3, 3)), np.zeros(3)))
    assert flat_filters.not_checked == "Convolution: W must be 4-D, the filters (FN, C, FH, FW); got shape (3, 3, 3)"
    wrong_bias = comparisons.check(book["Convolution"](np.ones((4, 3, 3, 3)), np.zeros(3)))
    assert wrong_bias.not_checked == ("Convolution: b must have one entry per filter, shape (4,) for W (4, 3, 3, 3); "
                                      "got (3,)")
    padded_pool = comparisons.check(book["Pooling"](2, 2, 2, 1))
    assert padded_pool.not_checked.startswith("Pooling: pad 1: the book's Pooling leaves pad out of its output size")
    matrix_gamma = comparisons.check(book["BatchNormalization"](np.ones((2, 3)), np.zeros(3)))
    assert matrix_gamma.not_checked == "BatchNormalization: gamma must be 1-D, the scales (D,); got shape (2, 3)"
    no_ratio = comparisons.check(book["Dropout"](1.0))
    assert no_ratio.not_checked == "Dropout: dropout_ratio = 1; a dropout ratio in (0, 1) is needed to compare masks"
    for result in (flat_filters, wrong_bias, padded_pool, matrix_gamma, no_ratio):
        assert "\n" not in result.not_checked


def test_a_network_with_a_wrong_layer_names_that_layer(tmp_path, capsys):
    shutil.copytree(BOOK_STYLE, tmp_path / "book")
    layers = tmp_path / "book" / "common" / "layers.py"
    text = layers.read_text()
    mistakes = {".transpose(1, 0).reshape(fn, c, fh, fw)": ".reshape(fn, c, fh, fw)",
                "dx = dxc - dmu / self.batch_size": "dx = dxc"}
    for right, wrong in mistakes.items():
        assert text.count(right) == 1
        text = text.replace(right, wrong)
    layers.write_text(text)
    assert cli.main(["check", str(tmp_path / "book" / "ch07" / "simple_convnet.py")]) == 1
    out = capsys.readouterr().out
    assert "FAILED: Convolution, SimpleConvNet" in out
    assert "SimpleConvNet: first differing parameter gradient (nearest the loss): gradient W1 (Keras autodiff)" in out
    assert "SimpleConvNet: Conv1 (Convolution) checked on its own: dW (" in out and "without transposing it back" in out
    assert cli.main(["check", str(tmp_path / "book" / "common" / "multi_layer_net_extend.py")]) == 1
    out = capsys.readouterr().out
    assert "MultiLayerNetExtend: first divergence going backward: the gradient arriving at Affine2's output (from " \
           "BatchNorm2's backward)" in out
    assert "MultiLayerNetExtend: BatchNorm1 (BatchNormalization) checked on its own: dx (training): backward leaves " \
           "out the mean term" in out


def test_keras_layers_for_the_books_dropout_and_a_batchnorm_with_its_moving_statistics():
    import reference_keras
    from scratchnet.layers import BatchNormalization, Dropout
    x = np.random.default_rng(1).normal(size=(4, 6))
    book = Dropout(0.3, seed=7, inverted=False)
    block = reference_keras.keras_layer(book)  # Keras's Dropout, then Rescaling(0.7)
    y, dx, _ = reference_keras.layer_vjp(block, x, np.ones_like(x), training=True)
    np.testing.assert_allclose(y, x * book.mask(x.shape, x.dtype), rtol=2.3e-16, atol=0)  # x * mask, not / 0.7
    assert np.array_equal(dx, book.mask(x.shape, x.dtype).astype(float))
    assert np.array_equal(reference_keras.layer_vjp(block, x, x)[0], x * 0.7)  # inference: x * (1 - ratio)
    bn = BatchNormalization(np.ones(6), np.zeros(6), np.full(6, 0.5), np.full(6, 2.0), input_shape=(6,))
    weights = reference_keras.keras_layer(bn).get_weights()
    assert [w.tolist() for w in weights[2:]] == [[0.5] * 6, [2.0] * 6]  # moving statistics carried over


@pytest.mark.parametrize("draw,passes", [
    ("np.random.random(x.shape) > self.dropout_ratio", True),
    ("np.random.uniform(0.0, 1.0, size=x.shape) > self.dropout_ratio", True),
    ("np.random.binomial(1, 1 - self.dropout_ratio, size=x.shape).astype(bool)", True),  # nnfs's way
    ("np.random.default_rng(3).random(x.shape) > self.dropout_ratio", False),  # a Generator: not driven
])
def test_a_dropout_mask_drawn_another_way(draw, passes):
    namespace = {"np": np}
    exec("class MyDropout:\n"  # noqa: S102  (a learner's class, its mask line varied)
         "    def __init__(self, dropout_ratio=0.5):\n        self.dropout_ratio, self.mask = dropout_ratio, None\n"
         "    def forward(self, x, train_flg=True):\n"
         "        if not train_flg:\n            return x * (1 - self.dropout_ratio)\n"
         f"        self.mask = {draw}\n        return x * self.mask\n"
         "    def backward(self, dout):\n        return dout * self.mask\n", namespace)
    result = comparisons.check(namespace["MyDropout"])
    assert result.passed is passes, result.table()
    if not passes:
        assert "it draws its mask another way (the check drives np.random.rand, random, random_sample, " \
               "uniform and binomial(1, p))" in result.diagnosis[0]
