"""Bad input, refused as the project's rule says: each case below must raise the stated exception
(ValueError for a bad value or shape, TypeError for a bad type or dtype, KeyError for an unknown
parameter name), its message must name the layer, loss, metric or function and the argument
(the words listed), and where a model or a trainer was given it, the model's weights, state and
counters must be as before (a refusal changes nothing). The verdicts are scratchnet's contract, so
each case is one a learner meets: a layer fed the wrong shape or dtype, a layer built with an
option out of range, targets or sample weights that do not fit, a weight of the wrong shape, a
name that does not exist. (The optimizers' refusals, beside Keras's verdicts, are their own
section.)"""
import tempfile
import warnings
from pathlib import Path

import numpy as np

from scratchnet import functions, initializers, losses, metrics, networks, optimizers
from scratchnet import layers as L
from scratchnet.model import Sequential, load_model
from scratchnet.saving import ModelFileError
from scratchnet.optimizers import SGD
from scratchnet.training import Trainer, TrainingDiverged

from ..core.check import Check


def _model(seed=0):
    """Conv2D, BatchNormalization, Dropout, Dense on 5x4x2 images: a model with state to keep."""
    rng = np.random.default_rng(seed)
    conv = L.Conv2D(rng.normal(size=(2, 2, 2, 3)) * 0.3, np.zeros(3), input_shape=(5, 4, 2))
    bn = L.BatchNormalization(np.ones(3), np.zeros(3), momentum=0.5)
    return Sequential([conv, bn, L.ReLU(), L.Dropout(0.25, seed=3), L.Flatten(),
                       L.Affine(rng.normal(size=(36, 3)) * 0.2, np.zeros(3))], losses.SoftmaxCrossEntropy())


def _snapshot(model):
    return ({key: value.copy() for key, value in model.weights.items()},
            [getattr(layer, "counter", None) for layer in model.layers])


def _unchanged(model, snapshot):
    weights, counters = snapshot
    return (all(np.array_equal(weights[key], value) for key, value in model.weights.items())
            and counters == [getattr(layer, "counter", None) for layer in model.layers])


def _read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def _second_model_update(W):
    """One Adam step on one model's arrays, then an update of another's (copies)."""
    adam = optimizers.Adam()
    adam.update({"W": W.copy()}, {"W": W.copy()})
    adam.update({"W": W.copy()}, {"W": W.copy()})


def _load_lacking(model):
    """Save `model`, drop its first kernel from the file, and load the file as a new model."""
    with tempfile.TemporaryDirectory(prefix="scratchnet-refusal-") as folder:
        path = Path(folder) / "lacking.npz"
        model.save(path)
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files if key != "W1"}
        np.savez(path, **arrays)
        load_model(path)


def _load_other(model):
    """Save a model whose Dropout rate differs from `model`'s, then load it into `model`."""
    other = _model()
    other.layers[3] = L.Dropout(0.5, seed=3)
    other = Sequential(other.layers, losses.SoftmaxCrossEntropy())
    with tempfile.TemporaryDirectory(prefix="scratchnet-refusal-") as folder:
        path = Path(folder) / "other.npz"
        other.save(path)
        model.load(path)


def _cases():
    """[(what is done, thunk, expected exception, words the message must hold, model or None)]."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 4, 2))
    labels = np.array([0, 1, 2, 1])
    model = _model()
    W = rng.normal(size=(4, 3))
    y3, one_hot = rng.normal(size=(4, 3)), np.eye(3)[labels]
    cases = [
        # layers: construction
        ("Affine with a W of no units", lambda: L.Affine(np.zeros((4, 0)), np.zeros(0)), ValueError, ["W"]),
        ("Conv2D with strides 0", lambda: L.Conv2D(np.zeros((2, 2, 1, 1)), np.zeros(1), strides=0), ValueError,
         ["strides"]),
        ("Conv2D with padding 'full'", lambda: L.Conv2D(np.zeros((2, 2, 1, 1)), np.zeros(1), padding="full"),
         ValueError, ["padding"]),
        ("Conv2D with strides 2 and dilation_rate 2",
         lambda: L.Conv2D(np.zeros((2, 2, 1, 1)), np.zeros(1), strides=2, dilation_rate=2), ValueError,
         ["Conv2D", "strides", "dilation_rate"]),
        ("Conv2D with float32 W and float64 b", lambda: L.Conv2D(np.zeros((2, 2, 1, 1), np.float32), np.zeros(1)),
         TypeError, ["Conv2D", "W", "b"]),
        ("Conv2D 3x3 on a declared 2x5 input, valid",
         lambda: L.Conv2D(np.zeros((3, 3, 1, 1)), np.zeros(1), input_shape=(2, 5, 1)), ValueError, ["3x3"]),
        ("MaxPooling2D pool_size (2, True)", lambda: L.MaxPooling2D((2, True)), ValueError, ["pool_size"]),
        ("MaxPooling2D 3x3 same on a declared 2x2 input",
         lambda: L.MaxPooling2D(3, padding="same", input_shape=(2, 2, 1)), ValueError, ["3x3"]),
        ("Dropout rate 1", lambda: L.Dropout(1.0), ValueError, ["Dropout", "rate"]),
        ("Dropout inverted='yes'", lambda: L.Dropout(0.5, inverted="yes"), TypeError, ["Dropout", "inverted"]),
        ("Dropout seed 2**63", lambda: L.Dropout(0.5, seed=2**63), TypeError, ["Dropout", "seed"]),
        ("BatchNormalization momentum 1.5", lambda: L.BatchNormalization(np.ones(2), np.zeros(2), momentum=1.5),
         ValueError, ["BatchNormalization", "momentum"]),
        ("BatchNormalization epsilon 0", lambda: L.BatchNormalization(np.ones(2), np.zeros(2), epsilon=0.0),
         ValueError, ["BatchNormalization", "epsilon"]),
        ("BatchNormalization momentum '0.9'",
         lambda: L.BatchNormalization(np.ones(2), np.zeros(2), momentum="0.9"), TypeError, ["momentum"]),
        ("BatchNormalization gamma of no features", lambda: L.BatchNormalization(np.ones(0), np.zeros(0)),
         ValueError, ["gamma"]),
        ("Reshape to (0, 4)", lambda: L.Reshape((0, 4)), ValueError, ["Reshape", "target_shape"]),
        ("Reshape to (-1, -1)", lambda: L.Reshape((-1, -1)), ValueError, ["target_shape"]),
        ("Reshape to 'ab'", lambda: L.Reshape("ab"), TypeError, ["target_shape"]),
        ("ZeroPadding2D padding -1", lambda: L.ZeroPadding2D(-1), ValueError, ["ZeroPadding2D", "padding"]),
        ("ZeroPadding2D padding (1, 2, 3)", lambda: L.ZeroPadding2D((1, 2, 3)), ValueError, ["padding"]),
        ("Normalization variance -1", lambda: L.Normalization(np.zeros(2), -np.ones(2)), ValueError,
         ["Normalization", "variance"]),
        ("Normalization epsilon 0", lambda: L.Normalization(np.zeros(2), np.ones(2), epsilon=0.0), ValueError,
         ["epsilon"]),
        ("Normalization mean (2,) and variance (3,)", lambda: L.Normalization(np.zeros(2), np.ones(3)), ValueError,
         ["mean", "variance"]),
        ("Rescaling scale NaN", lambda: L.Rescaling(float("nan")), ValueError, ["Rescaling", "scale"]),
        ("Resizing height 0", lambda: L.Resizing(0, 4), ValueError, ["Resizing", "height"]),
        ("Resizing bilinear", lambda: L.Resizing(2, 4, interpolation="bilinear"), ValueError,
         ["Resizing", "interpolation"]),
        ("Embedding W (0, 3)", lambda: L.Embedding(np.zeros((0, 3))), ValueError, ["Embedding", "W"]),
        ("Affine input_shape (0,)", lambda: L.Affine(W, np.zeros(3), input_shape=(0,)), ValueError,
         ["input_shape"]),
        ("Affine input_shape 'x'", lambda: L.Affine(W, np.zeros(3), input_shape="x"), TypeError, ["input_shape"]),
        # layers: input
        ("Affine(4 -> 3) on 5 features", lambda: L.Affine(W, np.zeros(3)).forward(np.zeros((2, 5))), ValueError,
         ["Affine", "4"]),
        ("Conv2D on (N, H, W) without channels",
         lambda: L.Conv2D(np.zeros((2, 2, 2, 1)), np.zeros(1)).forward(np.zeros((2, 5, 4))), ValueError,
         ["Conv2D", "(N, H, W"]),
        ("Conv2D float64 on float32 images",
         lambda: L.Conv2D(np.zeros((2, 2, 2, 1)), np.zeros(1)).forward(x.astype(np.float32)), TypeError,
         ["Conv2D", "float64"]),
        ("MaxPooling2D on a vector batch", lambda: L.MaxPooling2D(2).forward(np.zeros((2, 5))), ValueError,
         ["MaxPooling2D"]),
        ("GlobalAveragePooling2D on (N,)", lambda: L.GlobalAveragePooling2D().forward(np.zeros(3)), ValueError,
         ["GlobalAveragePooling2D"]),
        ("GlobalMaxPooling2D on 0x4 images", lambda: L.GlobalMaxPooling2D().forward(np.zeros((2, 0, 4, 1))),
         ValueError, ["GlobalMaxPooling2D"]),
        ("BatchNormalization(3) on 2 features",
         lambda: L.BatchNormalization(np.ones(3), np.zeros(3)).forward(np.zeros((4, 2)), training=True), ValueError,
         ["BatchNormalization"]),
        ("BatchNormalization on an empty batch, training",
         lambda: L.BatchNormalization(np.ones(3), np.zeros(3)).forward(np.zeros((0, 3)), training=True), ValueError,
         ["BatchNormalization", "empty"]),
        ("Reshape (3, 3) of 8 values", lambda: L.Reshape((3, 3)).forward(np.zeros((2, 8))), ValueError,
         ["Reshape", "8"]),
        ("ZeroPadding2D on a vector batch", lambda: L.ZeroPadding2D(1).forward(np.zeros((2, 5))), ValueError,
         ["ZeroPadding2D"]),
        ("Resizing on a vector batch", lambda: L.Resizing(2, 2).forward(np.zeros((2, 5))), ValueError,
         ["Resizing"]),
        ("Embedding on float ids", lambda: L.Embedding(np.zeros((5, 2))).forward(np.zeros((2, 3))), TypeError,
         ["Embedding", "integer"]),
        ("Embedding on id 5 of 5", lambda: L.Embedding(np.zeros((5, 2))).forward(np.array([[1, 5]])), ValueError,
         ["Embedding", "input_dim"]),
        ("Dropout backward before forward", lambda: L.Dropout(0.5).backward(np.zeros((2, 3))), RuntimeError,
         ["Dropout", "forward"]),
        # losses
        ("SoftmaxCrossEntropy reduction 'none'", lambda: losses.SoftmaxCrossEntropy("none"), ValueError,
         ["SoftmaxCrossEntropy", "reduction"]),
        ("CategoricalCrossentropy label_smoothing 1.5",
         lambda: losses.CategoricalCrossentropy(label_smoothing=1.5), ValueError, ["label_smoothing"]),
        ("BinaryCrossentropy from_logits 'yes'", lambda: losses.BinaryCrossentropy(from_logits="yes"), TypeError,
         ["from_logits"]),
        ("MeanSquaredError on targets with NaN",
         lambda: losses.MeanSquaredError().forward(y3, np.full((4, 3), np.nan)), ValueError,
         ["MeanSquaredError", "NaN"]),
        ("MeanSquaredError on string targets",
         lambda: losses.MeanSquaredError().forward(y3, np.full((4, 3), "a")), TypeError, ["MeanSquaredError"]),
        ("MeanSquaredError with 3 sample weights for 4 samples",
         lambda: losses.MeanSquaredError().forward(y3, one_hot, sample_weight=np.ones(3)), ValueError,
         ["MeanSquaredError", "sample_weight"]),
        ("MeanSquaredError with an infinite sample weight",
         lambda: losses.MeanSquaredError().forward(y3, one_hot, sample_weight=np.array([1, 1, np.inf, 1])),
         ValueError, ["sample_weight"]),
        ("BinaryCrossentropy on targets 2",
         lambda: losses.BinaryCrossentropy(from_logits=True).forward(y3, 2 * one_hot), ValueError,
         ["BinaryCrossentropy", "[0, 1]"]),
        ("CategoricalCrossentropy on integer labels",
         lambda: losses.CategoricalCrossentropy().forward(y3, labels), ValueError,
         ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"]),
        ("SparseCategoricalCrossentropy on one-hot rows",
         lambda: losses.SparseCategoricalCrossentropy().forward(y3, one_hot), ValueError,
         ["SparseCategoricalCrossentropy", "CategoricalCrossentropy"]),
        ("SparseCategoricalCrossentropy on labels (4, 2)",
         lambda: losses.SparseCategoricalCrossentropy().forward(y3, np.zeros((4, 2), int)), ValueError,
         ["SparseCategoricalCrossentropy"]),
        ("MeanSquaredError backward before forward", lambda: losses.MeanSquaredError().backward(), RuntimeError,
         ["MeanSquaredError"]),
        ("SoftmaxCrossEntropy accuracy on labels (3,) for 4 rows",
         lambda: losses.SoftmaxCrossEntropy().count_correct(y3, labels[:3]), ValueError, ["SoftmaxCrossEntropy"]),
        ("SoftmaxCrossEntropy weighted accuracy, 3 weights for 4 rows",
         lambda: losses.SoftmaxCrossEntropy().count_correct(y3, labels, np.ones(3)), ValueError, ["weights"]),
        ("BinaryCrossentropy accuracy on targets (4, 2)",
         lambda: losses.BinaryCrossentropy().count_correct(y3, np.zeros((4, 2))), ValueError,
         ["BinaryCrossentropy"]),
        ("losses.get('hinge')", lambda: losses.get("hinge"), ValueError, ["hinge"]),
        ("loss_from_config of 'Hinge'", lambda: losses.loss_from_config({"loss": "Hinge"}), ValueError, ["Hinge"]),
        # metrics
        ("metrics.get('auc')", lambda: metrics.get("auc"), ValueError, ["auc"]),
        ("TopKCategoricalAccuracy k 0", lambda: metrics.TopKCategoricalAccuracy(k=0), ValueError, ["k"]),
        ("Precision thresholds [0.3, 0.7]", lambda: metrics.Precision(thresholds=[0.3, 0.7]), ValueError,
         ["precision", "thresholds"]),
        ("BinaryCrossentropy metric label_smoothing 2",
         lambda: metrics.BinaryCrossentropy(label_smoothing=2.0), ValueError, ["label_smoothing"]),
        ("BinaryAccuracy on targets (4, 2)", lambda: metrics.BinaryAccuracy().count(y3, np.zeros((4, 2))),
         ValueError, ["binary_accuracy"]),
        ("CategoricalAccuracy on labels", lambda: metrics.CategoricalAccuracy().count(y3, labels), ValueError,
         ["categorical_accuracy"]),
        ("SparseCategoricalAccuracy on one-hot rows",
         lambda: metrics.SparseCategoricalAccuracy().count(y3, one_hot), ValueError,
         ["sparse_categorical_accuracy"]),
        ("TopKCategoricalAccuracy on labels", lambda: metrics.TopKCategoricalAccuracy().count(y3, labels),
         ValueError, ["top_k_categorical_accuracy"]),
        ("MeanAbsoluteError metric on targets (4, 2)",
         lambda: metrics.MeanAbsoluteError().count(y3, np.zeros((4, 2))), ValueError, ["mean_absolute_error"]),
        ("weighted Precision, 3 weights for 4 rows",
         lambda: metrics.Precision(weighted=True).count(y3, one_hot, np.ones(3)), ValueError, ["precision"]),
        # optimizers: a misspelt argument, and updates that cannot be applied (nothing is updated)
        ("SGD(learning_rat=0.1)", lambda: optimizers.SGD(learning_rat=0.1), TypeError,
         ["SGD", "learning_rat", "did you mean 'learning_rate'"]),
        ("SGD.update, params and grads of other keys",
         lambda: optimizers.SGD().update({"W": W.copy()}, {"b": W.copy()}), KeyError, ["SGD", "different keys"]),
        ("SGD.update, a gradient of another shape",
         lambda: optimizers.SGD().update({"W": W.copy()}, {"W": W.T.copy()}), ValueError, ["SGD", "'W'", "(3, 4)"]),
        ("SGD.update, a gradient as a list",
         lambda: optimizers.SGD().update({"W": W.copy()}, {"W": W.tolist()}), TypeError,
         ["SGD", "gradient", "numpy"]),
        ("Adam.update, a read-only parameter", lambda: optimizers.Adam().update({"W": _read_only(W)}, {"W": W}),
         ValueError, ["Adam", "read-only"]),
        ("Adam.update, another model's arrays after a step", lambda: _second_model_update(W), ValueError,
         ["Adam", "one optimizer per model"]),
        # initializers, functions, activations, builders
        ("initializers.get('xavier')", lambda: initializers.get("xavier"), ValueError, ["xavier"]),
        ("GlorotUniform of shape (5,)", lambda: initializers.GlorotUniform()((5,), rng), ValueError, ["(5,)"]),
        ("Orthogonal of shape (5,)", lambda: initializers.Orthogonal()((5,), rng), ValueError,
         ["Orthogonal", "(5,)"]),
        ("cross_entropy_error of a (2, 2, 2) y", lambda: functions.cross_entropy_error(np.ones((2, 2, 2)), labels[:2]),
         ValueError, ["cross_entropy_error"]),
        ("cross_entropy_error of negative y", lambda: functions.cross_entropy_error(-one_hot, labels), ValueError,
         ["cross_entropy_error", "probabilities"]),
        ("cross_entropy_error of a zero row", lambda: functions.cross_entropy_error(one_hot * [[0], [1], [1], [1]],
                                                                                   labels), ValueError,
         ["cross_entropy_error", "row 0"]),
        ("mean_squared_error of (4, 3) and (4, 2)", lambda: functions.mean_squared_error(y3, y3[:, :2]), ValueError,
         ["mean_squared_error", "(4, 2)"]),
        ("activation('swish2')", lambda: L.activation("swish2"), ValueError, ["swish2"]),
        ("GELU approximate='tanh'", lambda: L.GELU(approximate="tanh"), TypeError, ["GELU", "approximate"]),
        ("ELU alpha 'one'", lambda: L.ELU(alpha="one"), TypeError, ["ELU", "alpha"]),
        ("ReLU max_value -1", lambda: L.ReLU(max_value=-1.0), ValueError, ["ReLU", "max_value"]),
        ("mlp of one size", lambda: networks.mlp([4]), ValueError, ["mlp", "sizes"]),
        ("mlp with activation 'swish2'", lambda: networks.mlp([4, 3], activation="swish2"), ValueError,
         ["swish2"]),
        ("simple_convnet of a (28, 28) input", lambda: networks.simple_convnet((28, 28), 4, 3, (10,), 3),
         ValueError, ["simple_convnet", "input_shape"]),
        ("simple_convnet with hidden 10", lambda: networks.simple_convnet((8, 8, 1), 4, 3, 10, 3), TypeError,
         ["simple_convnet", "hidden"]),
        ("Conv1D strides 0", lambda: L.Conv1D(np.zeros((2, 3, 4)), np.zeros(4), strides=0),
         ValueError, ["Conv1D", "strides"]),
        ("Conv1D on images", lambda: L.Conv1D(np.zeros((2, 3, 4)), np.zeros(4)).forward(np.zeros((2, 5, 5, 3))),
         ValueError, ["Conv1D"]),
        ("GlobalAveragePooling1D on (N, 0, C)",
         lambda: L.GlobalAveragePooling1D().forward(np.zeros((2, 0, 3))), ValueError, ["GlobalAveragePooling1D"]),
        ("Reshape (4, -1) of 10 values", lambda: L.Reshape((4, -1)).forward(np.zeros((2, 10))), ValueError,
         ["Reshape", "multiple"]),
    ]
    cases = [(*case, None) for case in cases]
    t = labels
    cases += [
        # a model given bad input or weights: refused, and nothing changed
        ("Sequential.evaluate, 4 inputs and 3 targets", lambda: model.evaluate(x, t[:3]), ValueError,
         ["Sequential.evaluate", "3 targets"], model),
        ("Sequential.evaluate, 3 sample weights", lambda: model.evaluate(x, t, sample_weight=np.ones(3)),
         ValueError, ["Sequential.evaluate", "sample weights"], model),
        ("Sequential.gradient on labels 3 of 3 classes", lambda: model.gradient(x, np.array([0, 1, 3, 1])),
         ValueError, ["SoftmaxCrossEntropy"], model),
        ("Sequential.loss on 3-channel images", lambda: model.loss(np.zeros((4, 5, 4, 3)), t), ValueError,
         ["Sequential input"], model),
        ("Sequential.set_weights, one array short", lambda: model.set_weights(model.get_weights()[:-1]),
         ValueError, ["set_weights", "expected"], model),
        ("Sequential.set_weights, a transposed W", lambda: model.set_weights(
            [w.T if w.ndim == 2 else w for w in model.get_weights()]), ValueError, ["set_weights", "shape"], model),
        ("Sequential.set_weights, complex values", lambda: model.set_weights(
            [w.astype(complex) for w in model.get_weights()]), TypeError, ["set_weights"], model),
        ("Sequential.set_weights, a dict missing a key", lambda: model.set_weights(
            dict(list(model.weights.items())[1:])), ValueError, ["set_weights", "missing"], model),
        ("Sequential.set_weights, one array", lambda: model.set_weights(model.get_weights()[0]), TypeError,
         ["set_weights"], model),
        ("Sequential.params, unknown name", lambda: model.params.__setitem__("W9", 0.0), KeyError, ["W9"], model),
        ("Sequential.params, W1 of the wrong shape", lambda: model.params.__setitem__("W1", np.zeros(3)),
         ValueError, ["W1", "shape"], model),
        ("Sequential.params, W1 in float32", lambda: model.params.__setitem__(
            "W1", model.params["W1"].astype(np.float32)), TypeError, ["W1", "float32"], model),
        ("Sequential.load of a file holding another architecture", lambda: _load_other(model), ValueError,
         ["Sequential.load", "different architecture"], model),
        ("load_model of a file lacking W1", lambda: _load_lacking(model), ModelFileError, ["lacks the array W1"],
         model),
        ("Sequential of an Affine(5 -> 3) after an Affine(4 -> 3)", lambda: Sequential(
            [L.Affine(W, np.zeros(3)), L.Affine(np.zeros((5, 3)), np.zeros(3))]), ValueError, ["Sequential", "5"],
         None),
        # a trainer given bad data: refused before any step
        ("Trainer, 4 inputs and 3 targets", lambda: Trainer(model, None, x, t[:3]), ValueError,
         ["Trainer", "3 targets"], model),
        ("Trainer, x_test without t_test", lambda: Trainer(model, None, x, t, x_test=x), ValueError,
         ["Trainer", "t_test"], model),
        ("Trainer, evaluate 'always'", lambda: Trainer(model, None, x, t, evaluate="always"), ValueError,
         ["Trainer", "evaluate"], model),
        ("Trainer, sampling 'bootstrap'", lambda: Trainer(model, None, x, t, sampling="bootstrap"), ValueError,
         ["Trainer", "sampling"], model),
        ("Trainer, sample_weight (3,)", lambda: Trainer(model, None, x, t, sample_weight=np.ones(3)), ValueError,
         ["Trainer", "sample_weight"], model),
        ("Trainer, batch_size 0", lambda: Trainer(model, None, x, t, batch_size=0), ValueError,
         ["batch_size"], model),
        ("Trainer.fit on inputs holding NaN", lambda: Trainer(model, SGD(0.1), np.where(x > 2.0, np.nan, x), t,
                                                              batch_size=4, progress=False).fit(),
         TrainingDiverged, ["step 1", "NaN", "rows"], model),
    ]
    return cases


def refusal_checks():
    """(checks, table rows): one check per case."""
    checks, rows = [], []
    for what, thunk, expected, words, model in _cases():
        before = _snapshot(model) if model is not None else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                thunk()
            verdict, message = "accepted", ""
        except Exception as err:  # noqa: BLE001 - any exception is a verdict to compare
            verdict, message = type(err).__name__, str(err)
        missing = [word for word in words if word not in message]
        unchanged = model is None or _unchanged(model, before)
        passed = verdict == expected.__name__ and not missing and unchanged
        note = "" if passed else (f"got {verdict} {message!r}, expected {expected.__name__} naming {words}"
                                  + ("" if unchanged else "; the model changed"))
        checks.append(Check(f"refusal: {what}", 0.0 if passed else 1.0, 0.0, passed, note, kind="refusal",
                            subject=what.split()[0]))
        rows.append([what, verdict, "unchanged" if model is not None and unchanged else "-",
                     "pass" if passed else "FAIL"])
    return checks, rows


REFUSAL_HEADERS = ["bad input", "scratchnet", "model", "result"]
