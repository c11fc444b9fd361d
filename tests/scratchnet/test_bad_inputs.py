"""scratchnet's bad-input table: every case is one line (what is called, the exception type expected, a
fragment of its message). Each message names the argument or layer and the expected and actual
value, shape or dtype; where state could be corrupted, a second table checks that nothing changed."""
import json
import re

import numpy as np
import pytest

import scratchnet
from scratchnet import datasets, functions, initializers, optimizers
from scratchnet.layers import Affine, ReLU, Sigmoid
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from scratchnet.model import ModelFileError
from scratchnet.training import Trainer, batch_indices


def model(**kw):
    return scratchnet.mlp([3, 4, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64, **kw)


X, T = np.linspace(-1, 1, 15).reshape(5, 3), np.array([0, 1, 1, 0, 1])
EMPTY_X, EMPTY_T = np.ones((0, 3)), np.array([], dtype=np.int64)


def trainer(**kw):
    options = {"epochs": 1, "batch_size": 2, "progress": False, **kw}
    return Trainer(model(), optimizers.SGD(0.1), X, T, **options)


def written(path, data):
    path.write_bytes(data)
    return path


def saved(tmp_path, edit):
    """A model file written by save, then changed by `edit(arrays, config)`."""
    path = tmp_path / "model.npz"
    model().save(path)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    config = json.loads(str(arrays.pop("__config__")))
    edit(arrays, config)
    np.savez(path, **arrays, **({"__config__": np.array(json.dumps(config))} if config is not None else {}))
    return path


CASES = {
    # -- model sizes and arguments
    "mlp size 0": (lambda: scratchnet.mlp([4, 0, 3]), ValueError, "sizes[1] must be an integer >= 1, got 0"),
    "mlp negative size": (lambda: scratchnet.mlp([4, -5, 3]), ValueError, "sizes[1] must be an integer >= 1, got -5"),
    "mlp float size": (lambda: scratchnet.mlp([4, 2.5, 3]), TypeError, "got 2.5 (float)"),
    "mlp bool size": (lambda: scratchnet.mlp([4, True, 3]), TypeError, "got True (bool)"),
    "mlp string size": (lambda: scratchnet.mlp(["4", 3]), TypeError, "sizes[0] must be an integer"),
    "mlp one size": (lambda: scratchnet.mlp([4]), ValueError, "needs at least input and output sizes"),
    "mlp absurd size": (lambda: scratchnet.mlp([784, 10**9, 10]), MemoryError, "GiB to build (the weights in float32"),
    "mlp unknown activation": (lambda: scratchnet.mlp([2, 2], activation="mish"), ValueError, "unknown activation 'mish'"),
    "mlp unknown loss": (lambda: scratchnet.mlp([2, 2], loss="hinge"), ValueError, "unknown loss 'hinge'"),
    "mlp unknown init": (lambda: scratchnet.mlp([2, 2], weight_init="ones"), ValueError, "unknown initializer 'ones'"),
    "mlp float16": (lambda: scratchnet.mlp([2, 2], dtype=np.float16), TypeError, "float32 or float64, got float16"),
    "mlp int dtype": (lambda: scratchnet.mlp([2, 2], dtype=int), TypeError, "float32 or float64, got int64"),
    # -- inputs: arrays only, the model's shape and dtype
    "predict list": (lambda: model().predict([[1.0, 2.0, 3.0]]), TypeError, "expected a numpy array, got list"),
    "predict tuple": (lambda: model().predict((1.0, 2.0, 3.0)), TypeError, "got tuple"),
    "predict matrix": (lambda: model().predict(np.asmatrix(np.ones((2, 3)))), TypeError, "got numpy.matrix"),
    "predict masked": (lambda: model().predict(np.ma.masked_array(np.ones((2, 3)), mask=False)), TypeError,
                       "got numpy.ma.MaskedArray"),
    "predict 1-D": (lambda: model().predict(np.ones(3)), ValueError, "expected a 2-D array of shape (N, 3), got shape (3,)"),
    "predict 3-D": (lambda: model().predict(np.ones((2, 3, 1))), ValueError, "got shape (2, 3, 1)"),
    "predict wrong width": (lambda: model().predict(np.ones((2, 4))), ValueError, "expected shape (N, 3), got (2, 4)"),
    "predict float32": (lambda: model().predict(np.ones((2, 3), np.float32)), TypeError, "expected dtype float64, got float32"),
    "predict int": (lambda: model().predict(np.ones((2, 3), int)), TypeError, "expected dtype float64, got int64"),
    "predict complex": (lambda: model().predict(np.ones((2, 3), complex)), TypeError, "got complex128"),
    "predict object": (lambda: model().predict(np.ones((2, 3), object)), TypeError, "got object"),
    "affine wrong width": (lambda: Affine(np.ones((3, 2)), np.zeros(2)).forward(np.ones((4, 5))), ValueError,
                           "Affine: expected shape (N, 3), got (4, 5)"),
    "affine W 1-D": (lambda: Affine(np.ones(3), np.zeros(3)), ValueError, "Affine: W: expected a 2-D array"),
    "affine b wrong": (lambda: Affine(np.ones((3, 2)), np.zeros(3)), ValueError, "Affine: b: expected shape (2,), got (3,)"),
    "affine int W": (lambda: Affine(np.ones((3, 2), int), np.zeros(2, int)), TypeError, "W and b must share a float32/float64"),
    "affine mixed dtypes": (lambda: Affine(np.ones((3, 2)), np.zeros(2, np.float32)), TypeError, "got float64 and float32"),
    "relu int": (lambda: ReLU().forward(np.ones(3, int)), TypeError, "ReLU: expected a float32 or float64 input, got int64"),
    "relu list": (lambda: ReLU().forward([1.0]), TypeError, "ReLU: expected a numpy array, got list"),
    "sigmoid backward first": (lambda: Sigmoid().backward(np.ones(2)), RuntimeError, "Sigmoid: backward called before forward"),
    "relu backward wrong shape": (lambda: (lambda r: (r.forward(np.ones((2, 2))), r.backward(np.ones((3, 2)))))(ReLU()),
                                  ValueError, "ReLU backward: expected shape (2, 2), got (3, 2)"),
    "affine backward wrong dtype": (lambda: (lambda a: (a.forward(np.ones((2, 3))), a.backward(np.ones((2, 2), np.float32))))(
        Affine(np.ones((3, 2)), np.zeros(2))), TypeError, "Affine backward: expected dtype float64, got float32"),
    # -- losses and targets
    "loss empty batch": (lambda: model().loss(EMPTY_X, EMPTY_T), ValueError, "Sequential input: empty batch (shape (0, 3))"),
    "gradient empty batch": (lambda: model().gradient(EMPTY_X, EMPTY_T), ValueError, "empty batch"),
    "evaluate empty": (lambda: model().evaluate(EMPTY_X, EMPTY_T), ValueError, "Sequential.evaluate: empty batch"),
    "evaluate batch_size 0": (lambda: model().evaluate(X, T, batch_size=0), ValueError, "batch_size must be an integer >= 1, got 0"),
    "evaluate batch_size float": (lambda: model().evaluate(X, T, batch_size=2.5), TypeError, "batch_size must be an integer"),
    "evaluate misaligned": (lambda: model().evaluate(X, T[:3]), ValueError, "5 inputs but 3 targets"),
    "evaluate list targets": (lambda: model().evaluate(X, [0, 1, 1, 0, 1]), TypeError, "targets: expected a numpy array, got list"),
    "float labels": (lambda: model().loss(X, T.astype(float)), TypeError, "1-D targets must be integer class labels"),
    "labels out of range": (lambda: model().loss(X, T + 1), ValueError, "labels out of range: expected integers in [0, 2)"),
    "negative labels": (lambda: model().loss(X, T - 1), ValueError, "got min -1"),
    "labels wrong count": (lambda: model().loss(X, T[:4]), ValueError, "expected 5 labels to match the batch"),
    "one-hot wrong width": (lambda: model().loss(X, np.eye(3)[T]), ValueError, "(5, 2) one-hot, got (5, 3)"),
    "one-hot nan": (lambda: model().loss(X, np.full((5, 2), np.nan)), ValueError, "targets: hold NaN or inf"),
    "targets list": (lambda: model().loss(X, [0, 1, 1, 0, 1]), TypeError, "expected targets as a numpy array, got list"),
    "softmax int logits": (lambda: SoftmaxCrossEntropy().forward(np.ones((2, 2), int), np.array([0, 1])), TypeError,
                           "SoftmaxCrossEntropy: expected a float32 or float64 input, got int64"),
    "softmax 1-D logits": (lambda: SoftmaxCrossEntropy().forward(np.ones(2), np.array([0])), ValueError, "expected a 2-D array"),
    "bce targets above 1": (lambda: SigmoidBinaryCrossEntropy().forward(np.ones((2, 2)), np.full((2, 2), 2.0)), ValueError,
                            "expected probabilities in [0, 1], got values from 2.0 to 2.0"),
    "bce negative targets": (lambda: SigmoidBinaryCrossEntropy().forward(np.ones((1, 2)), np.array([[-0.5, 1.0]])),
                             ValueError, "got values from -0.5 to 1.0"),
    "bce nan targets": (lambda: SigmoidBinaryCrossEntropy().forward(np.ones((1, 2)), np.array([[np.nan, 1.0]])),
                        ValueError, "hold NaN or inf"),
    "bce wrong shape": (lambda: SigmoidBinaryCrossEntropy().forward(np.ones((2, 2)), np.ones(2)), ValueError,
                        "SigmoidBinaryCrossEntropy targets: expected shape (2, 2), got (2,)"),
    "bce empty": (lambda: SigmoidBinaryCrossEntropy().forward(np.ones((0, 2)), np.ones((0, 2))), ValueError, "empty batch"),
    "mse complex": (lambda: MeanSquaredError().forward(np.ones((2, 2), complex), np.ones((2, 2))), TypeError, "got complex128"),
    "mse int": (lambda: MeanSquaredError().forward(np.ones((2, 2), int), np.ones((2, 2))), TypeError, "got int64"),
    "mse object targets": (lambda: MeanSquaredError().forward(np.ones((2, 2)), np.ones((2, 2), object)), TypeError,
                           "expected real numbers, got dtype object"),
    "mse complex targets": (lambda: MeanSquaredError().forward(np.ones((2, 2)), np.ones((2, 2), complex)), TypeError,
                            "expected real numbers, got dtype complex128"),
    "mse inf targets": (lambda: MeanSquaredError().forward(np.ones((1, 2)), np.array([[np.inf, 0.0]])), ValueError, "NaN or inf"),
    "loss bad reduction": (lambda: SoftmaxCrossEntropy("none"), ValueError, "reduction must be 'mean' or 'sum', got 'none'"),
    "loss backward first": (lambda: MeanSquaredError().backward(), RuntimeError, "MeanSquaredError: backward called before forward"),
    "model without loss": (lambda: scratchnet.Sequential([Affine(np.eye(2), np.zeros(2))]).loss(np.eye(2), np.array([0, 1])),
                           ValueError, "this model has no loss"),
    "sequential without params": (lambda: scratchnet.Sequential([ReLU()], SoftmaxCrossEntropy()), ValueError,
                                  "needs at least one Affine layer"),
    "sequential mismatched": (lambda: scratchnet.Sequential([Affine(np.ones((2, 3)), np.zeros(3)), ReLU(),
                                                             Affine(np.ones((4, 1)), np.zeros(1))], MeanSquaredError()),
                              ValueError, "Affine1 outputs 3 units but Affine2 expects 4 inputs"),
    # -- functions
    "cee zero row": (lambda: functions.cross_entropy_error(np.array([[0.0, 0.0]]), np.array([0])), ValueError,
                     "row 0 of y sums to 0"),
    "cee negative": (lambda: functions.cross_entropy_error(np.array([[-0.5, 1.5]]), np.array([0])), ValueError,
                     "finite probabilities >= 0"),
    "cee nan": (lambda: functions.cross_entropy_error(np.array([[np.nan, 1.0]]), np.array([0])), ValueError,
                "finite probabilities >= 0"),
    "cee empty": (lambda: functions.cross_entropy_error(np.ones((0, 2)), np.array([], int)), ValueError, "with N >= 1"),
    "mse function shapes": (lambda: functions.mean_squared_error(np.zeros((4, 1)), np.zeros(4)), ValueError,
                            "same shape, got (4, 1) and (4,)"),
    "initializer 1-D shape": (lambda: initializers.HeNormal()((5,), np.random.default_rng(0)), ValueError,
                              "2-D (n_in, n_out) shape, got (5,)"),
    # -- weights in and out
    "set_weights count": (lambda: model().set_weights([np.ones((3, 4))]), ValueError, "expected 4 arrays (W1, b1, W2, b2), got 1"),
    "set_weights shape": (lambda: model().set_weights([np.ones((4, 3)), np.ones(4), np.ones((4, 2)), np.ones(2)]), ValueError,
                          "W1 expected shape (3, 4), got (4, 3)"),
    "set_weights complex": (lambda: model().set_weights([np.ones((3, 4), complex), np.ones(4), np.ones((4, 2)), np.ones(2)]),
                            TypeError, "W1 is float64; cannot take complex128 values"),
    "astype float16": (lambda: model().astype(np.float16), TypeError, "float16"),
    "load_model missing file": (lambda tmp: scratchnet.load_model(tmp / "nothing.npz"), FileNotFoundError, "nothing.npz"),
    "load_model empty file": (lambda tmp: scratchnet.load_model(written(tmp / "e.npz", b"")),
                              ModelFileError, "e.npz: not an .npz archive, or a truncated one"),
    "load_model truncated": (lambda tmp: scratchnet.load_model(written(tmp / "t.npz", b"PK\x03\x04junk")),
                             ModelFileError, "t.npz: not an .npz archive"),
    "load_model foreign npz": (lambda tmp: np.savez(tmp / "f.npz", a=np.ones(2)) or scratchnet.load_model(tmp / "f.npz"),
                               ModelFileError, "not a scratchnet model file (no __config__ entry; it holds a)"),
    "load_model bad json": (lambda tmp: scratchnet.load_model(_bad_json(tmp)), ModelFileError,
                            "architecture (JSON) is unreadable"),
    "load_model unknown kind": (lambda tmp: scratchnet.load_model(saved(tmp, lambda a, c: c["layers"][1].update(kind="Swish"))),
                                ModelFileError, "unknown layer kind 'Swish'"),
    "load_model missing array": (lambda tmp: scratchnet.load_model(saved(tmp, lambda a, c: a.pop("b2"))), ModelFileError,
                                 "lacks the array b2"),
    "load_model no layers": (lambda tmp: scratchnet.load_model(saved(tmp, lambda a, c: c.pop("layers"))), ModelFileError,
                             "lacks 'layers' or 'dtype'"),
    "load_model bad dtype": (lambda tmp: scratchnet.load_model(saved(tmp, lambda a, c: c.update(dtype="int8"))), ModelFileError,
                             "float32 or float64, got int8"),
    "load other architecture": (lambda tmp: scratchnet.mlp([3, 5, 2], seed=0).load(saved(tmp, lambda a, c: None)), ValueError,
                                "holds a different architecture"),
    "load missing array": (lambda tmp: model().load(saved(tmp, lambda a, c: a.pop("W2"))), ModelFileError, "lacks the arrays W2"),
    # -- training
    "trainer batch_size 0": (lambda: trainer(batch_size=0), ValueError, "Trainer: batch_size must be an integer >= 1, got 0"),
    "trainer batch_size 0 with bar": (lambda: trainer(batch_size=0, progress=True), ValueError, "batch_size must be an integer"),
    "trainer batch_size float": (lambda: trainer(batch_size=2.0), TypeError, "got 2.0 (float)"),
    "trainer epochs negative": (lambda: trainer(epochs=-1), ValueError, "Trainer: epochs must be an integer >= 1, got -1"),
    "trainer epochs 0": (lambda: trainer(epochs=0), ValueError, "epochs must be an integer >= 1, got 0"),
    "trainer epochs float": (lambda: trainer(epochs=1.5), TypeError, "epochs must be an integer"),
    "trainer steps_per_epoch -1": (lambda: trainer(steps_per_epoch=-1), ValueError, "steps_per_epoch must be an integer >= 1, got -1"),
    "trainer steps_per_epoch 0": (lambda: trainer(steps_per_epoch=0), ValueError, "got 0"),
    "trainer seed negative": (lambda: trainer(seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
    "trainer sampling": (lambda: trainer(sampling="random"), ValueError, "sampling must be 'shuffle' or 'replacement'"),
    "trainer evaluate": (lambda: trainer(evaluate="sometimes"), ValueError, "evaluate must be 'epoch', 'end' or None"),
    "trainer list data": (lambda: Trainer(model(), optimizers.SGD(0.1), [[1.0, 2.0, 3.0]], T), TypeError,
                          "Trainer: x_train: expected a numpy array, got list"),
    "trainer empty data": (lambda: Trainer(model(), optimizers.SGD(0.1), EMPTY_X, EMPTY_T), ValueError,
                           "Trainer: x_train: empty batch"),
    "trainer misaligned": (lambda: Trainer(model(), optimizers.SGD(0.1), X, T[:4]), ValueError, "5 training inputs but 4 targets"),
    "trainer half a test set": (lambda: Trainer(model(), optimizers.SGD(0.1), X, T, X), ValueError, "give both x_test and t_test"),
    "trainer nan data": (lambda: Trainer(model(), optimizers.SGD(0.1), np.full((4, 3), np.nan), T[:4], progress=False).fit(),
                         scratchnet.TrainingDiverged, "the input batch holds NaN or inf"),
    "batch_indices steps 0": (lambda: batch_indices(10, 2, np.random.default_rng(0), steps=0), ValueError, "steps_per_epoch"),
    "batch_indices batch -1": (lambda: batch_indices(10, -1, np.random.default_rng(0)), ValueError, "batch_size must be"),
    "batch_indices sampling": (lambda: batch_indices(10, 2, np.random.default_rng(0), "both"), ValueError,
                               "sampling must be 'shuffle' or 'replacement'"),
    # -- data sets
    "dataset unknown": (lambda: datasets.load("cifar10"), datasets.UnknownDatasetError, "unknown dataset 'cifar10'"),
    "dataset integer normalize": (lambda: datasets.load("mnist", dtype=np.uint8), ValueError, "normalize=True needs a floating dtype"),
    "fetch cache is a file": (lambda tmp: (tmp / "f").write_text("x") and datasets.fetch("mnist", cache=tmp / "f" / "sub",
                                                                                       log=lambda m: None),
                              datasets.FetchError, "is a file, but the cache needs a folder there"),
    "fetch target is a folder": (lambda tmp: (tmp / "mnist.npz").mkdir() or datasets.fetch("mnist", cache=tmp, log=lambda m: None),
                                 datasets.FetchError, "mnist.npz is a directory where the data file belongs"),
    "fetch fashion target is a folder": (lambda tmp: (tmp / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").mkdir(parents=True)
                                         or datasets.fetch("fashion_mnist", cache=tmp, log=lambda m: None),
                                         datasets.FetchError, "t10k-labels-idx1-ubyte.gz is a directory"),
    "fetch unknown": (lambda: datasets.fetch("svhn"), datasets.UnknownDatasetError, "unknown dataset 'svhn'"),
}


def _bad_json(tmp):
    path = saved(tmp, lambda a, c: None)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["__config__"] = np.array("{nope")
    np.savez(path, **arrays)
    return path


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("case", CASES)
def test_bad_input_raises_a_clear_error(case, tmp_path):
    call, error, fragment = CASES[case]
    with pytest.raises(error, match=re.escape(fragment)):
        call(tmp_path) if call.__code__.co_argcount else call()


# -- nothing changes when a call fails -----------------------------------------------------------
def _weights_after(call):
    target = model()
    before = target.get_weights()
    with pytest.raises((ValueError, TypeError)):
        call(target)
    return before, target.get_weights()


def _read_only_b2(target):
    target.params["b2"].flags.writeable = False
    return target.set_weights([w + 1 for w in target.get_weights()])


@pytest.mark.parametrize("call", [
    lambda m: m.set_weights([np.ones((3, 4)), np.ones(4), np.ones((4, 2)), np.ones(3)]),  # last one wrong
    lambda m: m.set_weights([np.ones((3, 4)), np.ones(4), np.ones((4, 2)), np.ones(2, complex)]),
    _read_only_b2,
], ids=["shape of the last array", "dtype of the last array", "a read-only parameter"])
def test_a_failed_set_weights_changes_no_weight(call):
    before, after = _weights_after(call)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_a_failed_load_changes_no_weight(tmp_path):
    path = saved(tmp_path, lambda arrays, config: arrays.update(b2=np.ones(3)))  # b2 of the wrong shape
    before, after = _weights_after(lambda m: m.load(path))
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_a_failed_save_keeps_the_previous_file(tmp_path):
    """A save that hits the file-size limit (as a full disk would) must not destroy the good file."""
    import subprocess
    import sys
    path = tmp_path / "model.npz"
    model().save(path)
    good = path.read_bytes()
    script = ("import resource, signal, numpy as np, scratchnet\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              "m = scratchnet.mlp([300, 300, 10], dtype=np.float64, weight_init='he_normal', seed=1)\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))\n"
              f"m.save({str(path)!r})\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode != 0 and "File too large" in run.stderr
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no partial file either


def test_the_tables_hold_at_least_100_cases():
    assert len(CASES) + len(OPTIMIZER_CASES) >= 100


# -- optimizers: hyperparameters in Keras's ranges, and an update that is all or nothing -------------
OPTIMIZER_CASES = {
    "lr nan": (lambda: optimizers.SGD(float("nan")), "SGD: learning_rate must be a number > 0, got nan"),
    "lr inf": (lambda: optimizers.Adam(float("inf")), "Adam: learning_rate must be a number > 0, got inf"),
    "lr True": (lambda: optimizers.SGD(True), "SGD: learning_rate must be a number > 0, got True"),
    "lr string": (lambda: optimizers.RMSprop("0.1"), "RMSprop: learning_rate must be a number > 0, got '0.1'"),
    "lr negative": (lambda: optimizers.Adagrad(-1e-3), "Adagrad: learning_rate must be a number > 0"),
    "momentum 2": (lambda: optimizers.SGD(0.1, momentum=2), "SGD: momentum must be in [0, 1], got 2"),
    "momentum nan": (lambda: optimizers.SGD(0.1, momentum=float("nan")), "SGD: momentum must be in [0, 1], got nan"),
    "rho 2": (lambda: optimizers.RMSprop(rho=2), "RMSprop: rho must be in [0, 1], got 2"),
    "rmsprop momentum -1": (lambda: optimizers.RMSprop(momentum=-1), "RMSprop: momentum must be in [0, 1]"),
    "beta_1 nan": (lambda: optimizers.Adam(beta_1=float("nan")), "Adam: beta_1 must be in [0, 1), got nan"),
    "beta_2 1": (lambda: optimizers.Adam(beta_2=1.0), "Adam: beta_2 must be in [0, 1), got 1.0"),
    "epsilon 0": (lambda: optimizers.Adam(epsilon=0), "Adam: epsilon must be a number > 0, got 0"),
    "rmsprop epsilon 0": (lambda: optimizers.RMSprop(epsilon=0.0), "RMSprop: epsilon must be a number > 0"),
    "adagrad accumulator -1": (lambda: optimizers.Adagrad(initial_accumulator_value=-1),
                               "Adagrad: initial_accumulator_value must be a number >= 0, got -1"),
    "nesterov string": (lambda: optimizers.SGD(0.1, nesterov="yes"), "SGD: nesterov must be True or False"),
}


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
def test_optimizer_hyperparameters_are_validated(case):
    call, fragment = OPTIMIZER_CASES[case]
    with pytest.raises(ValueError, match=re.escape(fragment)):
        call()


def _trained_once():
    net, opt = model(), optimizers.Adam(0.01)
    net.backprop(X, T)
    opt.update(net.params, net.grads)
    return net, opt


def _state(net, opt):
    return ([w.copy() for w in net.params.values()], opt.iterations,
            {key: value.copy() for key, value in opt.state.items()})


def _unchanged(before, after):
    (w0, i0, s0), (w1, i1, s1) = before, after
    return all(np.array_equal(a, b) for a, b in zip(w0, w1)) and i0 == i1 and s0.keys() == s1.keys() and all(
        np.array_equal(s0[key], s1[key]) for key in s0)


def _bad_last_gradient(net, opt):
    grads = dict(net.grads)
    grads["b2"] = np.ones(3)  # W1, b1, W2 are fine: none of them may move
    opt.update(net.params, grads)


def _read_only_last(net, opt):
    net.params["b2"].flags.writeable = False
    opt.update(net.params, net.grads)


def _list_gradient(net, opt):
    opt.update(net.params, {**net.grads, "W2": net.grads["W2"].tolist()})


def _other_model(net, opt):
    other = model()
    other.backprop(X, T)
    opt.update(other.params, other.grads)


@pytest.mark.parametrize("call,error,fragment", [
    (_bad_last_gradient, ValueError, "gradient for 'b2' has shape (3,) float64, parameter has (2,) float64"),
    (_read_only_last, ValueError, "Adam: parameter 'b2' is a read-only array; nothing was updated"),
    (_list_gradient, TypeError, "Adam: gradient 'W2' must be a numpy array, got list"),
    (_other_model, ValueError, "not the parameter arrays this optimizer has been updating"),
], ids=["a bad last gradient", "a read-only last parameter", "a list for a gradient", "a second model"])
def test_a_refused_update_changes_nothing(call, error, fragment):
    net, opt = _trained_once()
    net.backprop(X, T)
    before = _state(net, opt)
    with pytest.raises(error, match=re.escape(fragment)):
        call(net, opt)
    assert _unchanged(before, _state(net, opt))


def test_one_optimizer_per_model_but_the_same_model_may_be_rebuilt_in_place():
    net, opt = _trained_once()
    net.set_weights(model().get_weights())  # in place: the same arrays, so the same optimizer goes on
    net.backprop(X, T)
    opt.update(net.params, net.grads)
    assert opt.iterations == 2


# -- a refused or diverged training pass moves no statistics and no random stream ---------------
def _bn_dropout_model():
    from scratchnet.layers import BatchNormalization, Dropout
    rng = np.random.default_rng(0)
    layers = [Affine(rng.normal(size=(3, 4)), np.zeros(4)), BatchNormalization(np.ones(4), np.zeros(4)),
              ReLU(), Dropout(0.5, seed=7), Affine(rng.normal(size=(4, 2)), np.zeros(2))]
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy())


def _training_state(net):
    bn, dropout = net.layers[1], net.layers[3]
    return [bn.state["moving_mean"].copy(), bn.state["moving_variance"].copy()], dropout.counter


def test_batch_normalization_refuses_an_empty_training_batch_and_keeps_its_statistics():
    from scratchnet.layers import BatchNormalization
    bn = BatchNormalization(np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match=re.escape("BatchNormalization: an empty batch (0, 2) has no statistics")):
        bn.forward(np.ones((0, 2)), training=True)
    assert np.array_equal(bn.state["moving_mean"], [0.0, 0.0]) and np.array_equal(bn.state["moving_variance"], [1, 1])


@pytest.mark.parametrize("labels,fragment", [
    (np.array([0, 1, 7, 0, 1]), "7"),  # a class index the 2-unit output does not have
    (np.array([0, 1, 1, 0]), "5"),  # one label short
    (np.array([0.5, 1, 1, 0, 1]), "label"),  # not integer class indices
])
def test_a_loss_refused_for_bad_labels_moves_no_statistics_and_no_dropout_counter(labels, fragment):
    net = _bn_dropout_model()
    net.loss(X, T)  # one good pass first: the state to keep is not the initial one
    (mean, var), counter = _training_state(net)
    assert counter == 1 and not np.array_equal(mean, np.zeros(4))
    with pytest.raises((ValueError, TypeError), match=fragment):
        net.loss(X, labels)
    (mean_after, var_after), counter_after = _training_state(net)
    assert counter_after == 1
    assert np.array_equal(mean_after, mean) and np.array_equal(var_after, var)


def test_an_empty_batch_to_loss_changes_nothing():
    net = _bn_dropout_model()
    with pytest.raises(ValueError, match=re.escape("Sequential input: empty batch (shape (0, 3))")):
        net.loss(EMPTY_X, EMPTY_T)
    (mean, var), counter = _training_state(net)
    assert counter == 0 and np.array_equal(mean, np.zeros(4)) and np.array_equal(var, np.ones(4))


def test_a_diverged_step_leaves_the_moving_statistics_of_the_last_whole_step():
    from scratchnet.training import TrainingDiverged
    x = X.copy()
    x[4, 0] = np.nan  # the second batch of two rows (seeded order) or the third holds the NaN row
    net = _bn_dropout_model()
    steps = []
    trainer = Trainer(net, optimizers.SGD(0.1), x, T, epochs=1, batch_size=1, progress=False,
                      on_step=lambda step, loss, batch: steps.append(_training_state(net)))
    with pytest.raises(TrainingDiverged, match="the input batch holds NaN"):
        trainer.fit()
    (mean, var), counter = _training_state(net)
    (mean_then, var_then), counter_then = steps[-1] if steps else ([np.zeros(4), np.ones(4)], 0)
    assert counter == counter_then == trainer.step
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(var))
    assert np.array_equal(mean, mean_then) and np.array_equal(var, var_then)
    assert np.all(np.isfinite(net.predict(X)))


# -- the weak ones of issue 24: nonsense refused, valid values taken, messages that say what is wrong -----------
def _config_edited(tmp, edit):
    path = tmp / "m.npz"
    model().save(path)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    config = json.loads(str(arrays["__config__"]))
    edit(config)
    arrays["__config__"] = np.array(json.dumps(config))
    np.savez(path, **arrays)
    return scratchnet.load_model(path)


def _saved_model(tmp):
    model().save(tmp / "m.npz")
    return tmp / "m.npz"


def _bn(**kw):
    from scratchnet.layers import BatchNormalization
    return BatchNormalization(np.ones(2), np.zeros(2), **kw)


def _dropout(*args, **kw):
    from scratchnet.layers import Dropout
    return Dropout(*args, **kw)


WEAK_CASES = {
    "BN epsilon inf": (lambda: _bn(epsilon=float("inf")), ValueError,
                       "BatchNormalization: epsilon must be a finite number > 0, got inf"),
    "BN zero features": (lambda: __import__("scratchnet").layers.BatchNormalization(np.ones(0), np.zeros(0)),
                         ValueError, "BatchNormalization: gamma must have at least one feature, got shape (0,)"),
    "Dropout inverted 'no'": (lambda: _dropout(0.5, seed=1, inverted="no"), TypeError,
                              "Dropout: inverted must be True (Keras's inverted dropout) or False (the book's), got 'no'"),
    "Affine zero units": (lambda: Affine(np.ones((3, 0)), np.zeros(0)), ValueError,
                          "Affine: W must have at least one input and one unit, got shape (3, 0)"),
    "Affine zero inputs": (lambda: Affine(np.ones((0, 3)), np.zeros(3)), ValueError,
                           "Affine: W must have at least one input and one unit, got shape (0, 3)"),
    "config layer not a dict": (lambda tmp: _config_edited(tmp, lambda c: c["layers"].__setitem__(0, 5)),
                                ModelFileError, "layer 1 of its architecture is not a layer's description"),
    "config layer without kind": (lambda tmp: _config_edited(tmp, lambda c: c["layers"][0].pop("kind")),
                                  ModelFileError, "layer 1 of its architecture is not a layer's description"),
    "load into a different architecture": (
        lambda tmp: scratchnet.mlp([3, 5, 2], "relu", "softmax_cross_entropy", seed=0, dtype=np.float64).load(
            _saved_model(tmp)),
        ValueError, "holds a different architecture: layer 1 is {'kind': 'Affine', 'shape': [3, 4]"),
    "simple_convnet 2-d input_shape": (lambda: scratchnet.simple_convnet(input_shape=(28, 28)), ValueError,
                                       "simple_convnet: input_shape must be (height, width, channels), got (28, 28)"),
    "simple_convnet hidden an int": (lambda: scratchnet.simple_convnet(hidden=5), TypeError,
                                     "simple_convnet: hidden must be a list of layer sizes, e.g. (100,), got 5"),
    "simple_convnet kernel a pair": (lambda: scratchnet.simple_convnet(kernel_size=(3, 3)), TypeError,
                                     "simple_convnet: kernel_size (one number: the kernel is square) must be an "
                                     "integer >= 1, got (3, 3)"),
    "simple_convnet filters 0": (lambda: scratchnet.simple_convnet(filters=0), ValueError,
                                 "simple_convnet: filters must be an integer >= 1, got 0"),
    "simple_convnet hidden 0": (lambda: scratchnet.simple_convnet(hidden=(0,)), ValueError,
                                "simple_convnet: hidden[0] must be an integer >= 1, got 0"),
}


@pytest.mark.parametrize("case", WEAK_CASES)
def test_weak_cases_of_issue_24_get_a_clear_error(case, tmp_path):
    call, error, fragment = WEAK_CASES[case]
    with pytest.raises(error, match=re.escape(fragment)):
        call(tmp_path) if call.__code__.co_argcount else call()


def test_dropout_takes_a_numpy_integer_rate():
    layer = _dropout(np.int64(0), seed=1)
    x = np.ones((2, 3))
    assert layer.rate == 0.0 and np.array_equal(layer.forward(x, training=True), x)


def test_load_into_a_model_whose_dropout_seed_differs_loads_the_weights_and_keeps_its_seed(tmp_path):
    from scratchnet.layers import Dropout
    saved_model = scratchnet.Sequential([Affine(np.arange(6.0).reshape(3, 2), np.ones(2)), Dropout(0.5, seed=1)])
    saved_model.save(tmp_path / "m.npz")
    fresh = scratchnet.Sequential([Affine(np.zeros((3, 2)), np.zeros(2)), Dropout(0.5)])  # seed=None: a fresh one
    seed = fresh.layers[1].seed
    fresh.load(tmp_path / "m.npz")
    assert np.array_equal(fresh.params["W1"], np.arange(6.0).reshape(3, 2)) and np.array_equal(fresh.params["b1"], [1, 1])
    assert fresh.layers[1].seed == seed


# -- load reads the headers first: an array the architecture contradicts, or one too big, is refused unread ---
def _with_fake_array(tmp, key, shape, config_edit=None):
    """A model file whose array `key` declares `shape` in its .npy header but holds 16 bytes of data."""
    import zipfile
    path = tmp / "m.npz"
    model().save(path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    config = json.loads(str(arrays["__config__"]))
    if config_edit:
        config_edit(config)
    arrays["__config__"] = np.array(json.dumps(config))
    np.savez(path, **{k: v for k, v in arrays.items() if k != key})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(f"{key}.npy", _npy_bytes(shape))
    return path


def _npy_bytes(shape):
    import io
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + bytes(16)  # the header writer puts the magic string first


def test_load_refuses_an_array_whose_header_contradicts_the_architecture_before_reading_it(tmp_path):
    path = _with_fake_array(tmp_path, "W1", (100_000, 100_000))  # 80 GB declared, 16 bytes stored
    with pytest.raises(ModelFileError, match=re.escape("the array W1 has shape (100000, 100000) but the "
                                                       "architecture stored with it says (3, 4)")):
        scratchnet.load_model(path)
    target = model()
    before = target.get_weights()
    with pytest.raises(ModelFileError, match="has shape"):
        target.load(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, target.get_weights()))


def test_load_refuses_arrays_larger_than_the_machines_memory_and_says_how_much(tmp_path):
    def huge(config):
        config["layers"][0]["shape"] = [10**12, 4]
    path = _with_fake_array(tmp_path, "W1", (10**12, 4), huge)  # consistent with the architecture, and 32 TB
    asked = (10**12 * 4 + 4 + 4 * 2 + 2) * 8 / 2**30
    with pytest.raises(ModelFileError, match=re.escape(f"its arrays would take {asked:.1f} GiB, more than this")):
        scratchnet.load_model(path)


# -- pooling windows against the input size, predict in chunks ------------------------------------------------
def test_a_same_pooling_window_larger_than_its_input_is_refused_when_the_model_is_built():
    from scratchnet.layers import Conv2D, Flatten, MaxPooling2D
    with pytest.raises(ValueError, match=re.escape("MaxPooling2D1 has a 100000x100000 pool window larger than its "
                                                   "8x8 input (padding 'same'): at most 8x8")):
        scratchnet.Sequential([Conv2D(np.ones((3, 3, 1, 2)), np.zeros(2), padding="same", input_shape=(8, 8, 1)),
                               MaxPooling2D(100000, padding="same"), Flatten(), Affine(np.ones((2, 3)), np.zeros(3))])
    unknown = scratchnet.Sequential([MaxPooling2D(100000, padding="same"), Flatten(), Affine(np.ones((2, 3)),
                                                                                             np.zeros(3))])
    with pytest.raises(ValueError, match="100000x100000 pool window larger than its 8x8 input"):
        unknown.predict(np.ones((1, 8, 8, 2)))  # refused before the windows are laid out


def test_predict_runs_in_chunks_with_the_same_result(monkeypatch):
    import scratchnet.model as model_module
    net, x = model(), np.linspace(-3, 3, 30).reshape(10, 3)
    whole = net._forward(x, False).copy()
    shapes = []
    first = net.layers[0]
    original = first.forward
    monkeypatch.setattr(first, "forward", lambda xb: shapes.append(xb.shape[0]) or original(xb))
    monkeypatch.setattr(model_module, "_EVAL_CHUNK", 4)
    assert np.array_equal(net.predict(x), whole)
    assert shapes == [4, 4, 2]


def test_the_build_memory_estimate_covers_the_measured_peak_of_building_an_mlp():
    import tracemalloc
    from scratchnet.networks import build_peak_bytes
    sizes = [784, 1000, 1000, 10]
    for dtype in (np.float32, np.float64):
        tracemalloc.start()
        scratchnet.mlp(sizes, dtype=dtype)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        estimate = build_peak_bytes(sizes, dtype)
        assert peak <= estimate <= 2 * peak, (dtype, peak, estimate)  # covers the peak, not wildly above it


def test_a_model_file_with_a_huge_npy_header_is_a_model_file_error(tmp_path):
    import zipfile
    path = tmp_path / "m.npz"
    model().save(path)
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), " + b" " * 200_000 + b"}\n"
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("W9.npy", b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header)
    with pytest.raises(ModelFileError, match="Header info length"):
        scratchnet.load_model(path)
