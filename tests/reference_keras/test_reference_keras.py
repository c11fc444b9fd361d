"""reference_keras against real Keras: the converted model computes the same function, loss and
gradients as scratchnet, trains in lockstep with it, and round-trips its weights bit for bit.

Tolerances come from comparisons/core/tolerances.py, the project's one table.
"""
import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks, weight_drift
from comparisons.core.tolerances import tolerance
from reference_keras import keras
from scratchnet.functions import cross_entropy_error
from scratchnet.gradcheck import relative_error
from scratchnet.layers import Affine, Identity, ReLU, Sigmoid, Softmax, Tanh
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from scratchnet.optimizers import SGD, Adagrad, Adam, RMSprop

ACTIVATIONS = ["relu", "sigmoid", "tanh"]
LOSS_NAMES = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "mean_squared_error"]
INITS = ["he_normal", "glorot_uniform", "glorot_normal", "lecun_normal", "gaussian"]


def f32(value):
    """A float32-representable Python float: Keras casts L2 factors through float32."""
    return float(np.float32(value))


def targets_for(loss, rng, n, k, dtype, one_hot=False):
    """Targets a loss accepts: labels or one-hot rows, 0/1 units, or real values."""
    if loss == "softmax_cross_entropy":
        labels = rng.integers(0, k, n)
        return np.eye(k, dtype=dtype)[labels] if one_hot else labels
    if loss == "sigmoid_binary_cross_entropy":
        return (rng.random((n, k)) < 0.5).astype(dtype)
    return rng.normal(size=(n, k)).astype(dtype)


def random_case(seed, dtype):
    """A seeded random MLP (depth 1-4, widths 1-64; activation, loss, initializer and, every
    fourth seed, an L2 factor cycled) with a batch and matching targets. Softmax targets alternate
    between integer labels and one-hot rows; every fifth case uses reduction="sum"."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 65, int(rng.integers(1, 5)) + 1)]
    loss = LOSS_NAMES[(seed // 3) % 3]
    l2 = f32(rng.choice([1e-3, 1e-2, 1e-1])) if seed % 4 == 3 else 0.0
    reduction = "sum" if seed % 5 == 4 else "mean"
    model = scratchnet.mlp(sizes, ACTIVATIONS[seed % 3], scratchnet.losses.LOSSES[loss](reduction),
                           INITS[int(rng.integers(len(INITS)))], seed=seed, dtype=dtype, l2=l2)
    n = int(rng.integers(1, 40))
    x = rng.normal(size=(n, sizes[0])).astype(dtype)
    return model, x, targets_for(loss, rng, n, sizes[-1], dtype, one_hot=bool(seed % 2))


# -- same function, loss and gradients ---------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", range(60))
def test_forward_loss_and_gradients_agree(seed, dtype, assert_twin):
    assert_twin(*random_case(seed, dtype))


def fixed_model(dtype, loss, output=None):
    """[4 -> 3 sigmoid -> 3 tanh -> 2 (+ output)] with weights of every sign, and a loss."""
    rng = np.random.default_rng(7)
    layers = [Affine(rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)), Sigmoid(),
              Affine(rng.normal(size=(3, 3)).astype(dtype), np.zeros(3, dtype)), Tanh(),
              Affine(rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=2).astype(dtype))]
    return scratchnet.Sequential(layers + ([output] if output else []), loss)


# One line per case: a model, a batch, targets; the twin must agree on all of it.
EDGE_CASES = {
    "relu at exactly 0": lambda dt: (scratchnet.Sequential(
        [Affine(np.eye(3, dtype=dt), np.zeros(3, dt)), ReLU(), Affine(np.ones((3, 2), dt), np.zeros(2, dt))],
        SoftmaxCrossEntropy()), np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]], dt), np.array([0, 1])),
    "softmax of logits in the thousands": lambda dt: (scratchnet.Sequential(
        [Affine(np.array([[1000.0, -1000.0, 0.0]], dt), np.zeros(3, dt))], SoftmaxCrossEntropy()),
        np.array([[1.0], [-1.0], [0.5]], dt), np.array([1, 0, 2])),
    "sigmoid at +-1000": lambda dt: (scratchnet.Sequential(
        [Affine(np.array([[1000.0, -1000.0]], dt), np.zeros(2, dt))], SigmoidBinaryCrossEntropy()),
        np.array([[1.0], [-1.0]], dt), np.array([[1.0, 0.0], [0.0, 0.0]], dt)),
    "one-hot targets, sum reduction": lambda dt: (fixed_model(dt, SoftmaxCrossEntropy("sum")),
                                                  np.linspace(-2, 2, 20).reshape(5, 4).astype(dt),
                                                  np.eye(2, dtype=dt)[[0, 1, 1, 0, 1]]),
    "binary cross-entropy, sum reduction": lambda dt: (fixed_model(dt, SigmoidBinaryCrossEntropy("sum")),
                                                       np.linspace(-2, 2, 20).reshape(5, 4).astype(dt),
                                                       np.eye(2, dtype=dt)[[0, 1, 1, 0, 1]]),
    "mean squared error, sum reduction": lambda dt: (fixed_model(dt, MeanSquaredError("sum"), Identity()),
                                                     np.linspace(-2, 2, 20).reshape(5, 4).astype(dt),
                                                     np.linspace(0, 1, 10).reshape(5, 2).astype(dt)),
    "batch of one": lambda dt: (fixed_model(dt, SoftmaxCrossEntropy()), np.ones((1, 4), dt), np.array([1])),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases_agree(case, dtype, assert_twin):
    assert_twin(*EDGE_CASES[case](dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_integer_and_one_hot_labels_and_explicit_keras_losses(dtype):
    model = scratchnet.mlp([7, 6, 4], "tanh", seed=5, dtype=dtype, weight_init="he_normal")
    keras_model = rk.to_keras(model)
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(12, 7)).astype(dtype), rng.integers(0, 4, 12)
    one_hot = np.eye(4, dtype=dtype)[labels]
    reference = model.loss(x, labels)
    sparse = rk.keras_loss(SoftmaxCrossEntropy, "sparse", dtype=dtype)
    categorical = rk.keras_loss(SoftmaxCrossEntropy, "one_hot", dtype=dtype)
    results = [rk.loss_and_gradients(keras_model, None, x, labels),
               rk.loss_and_gradients(keras_model, None, x, one_hot),
               rk.loss_and_gradients(keras_model, sparse, x, labels),
               rk.loss_and_gradients(keras_model, categorical, x, one_hot)]
    expected = model.gradient(x, labels)
    for loss, grads in results:
        assert relative_error(loss, reference) <= tolerance(dtype, "loss")
        assert list(grads) == list(expected)
        for key, grad in grads.items():
            assert relative_error(grad, expected[key]) <= tolerance(dtype, "gradient")


def test_l2_factor_follows_what_keras_applies(assert_twin):
    """Keras 3.14 on computes cast(l2, dtype) * sum(W**2), the cast going through float32, older
    Keras l2 * sum(W**2); with a float32-representable l2 the two libraries agree to round-off on
    either, with 0.01 they differ by exactly (0.01 - keras_l2_factor(0.01)) * sum(W**2)."""
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=(20, 5)), rng.integers(0, 3, 20)
    assert_twin(scratchnet.mlp([5, 8, 3], seed=1, l2=f32(0.01), weight_init="he_normal",
                               dtype=np.float64), x, t)

    unrounded = scratchnet.mlp([5, 8, 3], seed=1, l2=0.01, weight_init="he_normal", dtype=np.float64)
    loss = rk.loss_and_gradients(rk.to_keras(unrounded), None, x, t)[0]
    sum_w2 = sum(float(np.vdot(w, w)) for key, w in unrounded.params.items() if key.startswith("W"))
    expected = (0.01 - rk.keras_l2_factor(0.01)) * sum_w2
    assert unrounded.loss(x, t) - loss == pytest.approx(expected, rel=1e-3, abs=1e-15 * loss)


def test_keras_casts_python_floats_through_float32():
    """The Keras behaviour behind float32_hyperparams and f32(l2): a sentinel for upgrades."""
    assert float(keras.ops.cast(0.9, "float64")) == f32(0.9) != 0.9
    w = np.full((2, 2), 3.0)
    rounds = rk.keras_l2_rounds_through_float32()
    assert float(keras.regularizers.L2(0.01)(keras.ops.convert_to_tensor(w))) == (f32(0.01) if rounds else 0.01) * 36.0
    assert rk.keras_l2_factor(0.01) == (f32(0.01) if rounds else 0.01)
    assert rk.keras_l2_factor(0.01, "float32") == f32(0.01)  # float32 weights: float32(l2) on any Keras


# -- the softmax quirk -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_output_uses_the_logits_path_but_plain_probabilities_are_clipped(dtype):
    """Logits [60, 0, 0], label 1. Fused softmax cross-entropy: 60.0. A Keras Activation('softmax')
    tags its output with the logits, so the probability loss on the model's output computes from
    logits too: 60.0, as scratchnet. The same loss on the probabilities as plain numbers clips
    them at 1e-7 (Keras rounds that epsilon through float32, hence the 1e-8 from scratchnet's
    clipping at exactly 1e-7): 16.118."""
    model = scratchnet.Sequential([Affine(np.array([[60.0, 0.0, 0.0]], dtype=dtype), np.zeros(3, dtype=dtype))],
                                  SoftmaxCrossEntropy())
    x, t = np.ones((1, 1), dtype=dtype), np.array([1])
    assert model.loss(x, t) == 60.0

    keras_model = rk.to_keras(model, softmax_output=True)
    assert [type(layer).__name__ for layer in keras_model.layers] == ["Dense", "Activation"]
    assert keras_model.scratchnet_loss.from_logits is False
    loss, grads = rk.loss_and_gradients(keras_model, None, x, t)
    assert loss == 60.0
    assert relative_error(grads["W1"], model.gradient(x, t)["W1"]) <= tolerance(dtype, "gradient")
    assert rk.train_step(keras_model, rk.keras_optimizer(SGD(0.1), keras_model), x, t) == 60.0  # compiled too

    probabilities = rk.forward_trace(keras_model, x)["output_softmax"]  # a plain array: the logits tag is gone
    clipped = float(keras_model.scratchnet_loss(t, probabilities))
    assert clipped == pytest.approx(-np.log(np.float32(1e-7)), rel=tolerance(dtype, "loss"))  # 16.118095...
    assert clipped == pytest.approx(cross_entropy_error(probabilities, t), rel=1e-7)
    assert rk.loss_and_gradients(rk.to_keras(model), None, x, t)[0] == 60.0  # the logits model


def test_softmax_output_for_sigmoid_loss_and_refused_for_mse(assert_twin):
    model = scratchnet.mlp([4, 3, 2], loss="sigmoid_binary_cross_entropy", seed=2,
                           weight_init="he_normal", dtype=np.float64)
    keras_model = rk.to_keras(model, softmax_output=True)
    assert keras_model.layers[-1].get_config()["activation"] == "sigmoid"
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 4)), (rng.random((6, 2)) < 0.5).astype(float)
    loss, grads = rk.loss_and_gradients(keras_model, None, x, t)
    assert relative_error(loss, model.loss(x, t)) <= tolerance("float64", "loss")
    for key, expected in model.gradient(x, t).items():
        assert relative_error(grads[key], expected) <= tolerance("float64", "gradient")
    with pytest.raises(ValueError, match="MeanSquaredError"):
        rk.to_keras(scratchnet.mlp([4, 2], loss="mean_squared_error", weight_init="he_normal",
                                   dtype=np.float64), softmax_output=True)


# -- lockstep training on MNIST ----------------------------------------------------------------
OPTIMIZERS = {
    "sgd": lambda flag: SGD(0.1, float32_hyperparams=flag),
    "sgd_momentum": lambda flag: SGD(0.05, momentum=0.9, float32_hyperparams=flag),
    "sgd_nesterov": lambda flag: SGD(0.05, momentum=0.9, nesterov=True, float32_hyperparams=flag),
    "adagrad": lambda flag: Adagrad(0.05, float32_hyperparams=flag),
    "rmsprop": lambda flag: RMSprop(0.001, float32_hyperparams=flag),
    "rmsprop_centered_momentum": lambda flag: RMSprop(0.0005, momentum=0.5, centered=True,
                                                      float32_hyperparams=flag),
    "adam": lambda flag: Adam(0.001, float32_hyperparams=flag),
}


def lockstep(mnist_sample, optimizer, dtype, steps=50, l2=0.0):
    """50 lockstep steps of a 784-32-10 ReLU net on MNIST batches of 100, both libraries, through
    the comparisons' own run_lockstep; returns the trajectory checks."""
    model = scratchnet.mlp([784, 32, 10], seed=0, dtype=dtype, l2=l2, weight_init="he_normal")
    keras_model = rk.to_keras(model)
    x, t = mnist_sample
    plan = LockstepPlan(batch_size=100, steps_per_epoch=steps)
    traj = run_lockstep(model, keras_model, optimizer, rk.keras_optimizer(optimizer, keras_model), x.astype(dtype),
                        t, plan, progress=False)
    assert len(traj.keras_loss) == len(traj.scratchnet_loss) == steps
    return trajectory_checks(traj, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_train_in_lockstep_on_mnist(mnist_sample, name, dtype):
    checks = lockstep(mnist_sample, OPTIMIZERS[name](True), dtype)
    assert all(c.passed for c in checks), checks
    if dtype == "float64":  # the exact tier: round-off only
        assert max(c.value for c in checks) <= 1e-13


def test_lockstep_with_l2_penalty(mnist_sample):
    checks = lockstep(mnist_sample, Adam(0.001, float32_hyperparams=True), "float64", steps=20, l2=f32(1e-3))
    assert all(c.passed for c in checks), checks


@pytest.mark.parametrize("name", ["sgd_momentum", "sgd_nesterov", "adagrad", "adam"])
def test_without_float32_hyperparams_the_runs_drift_apart(mnist_sample, name):
    """Why the flag exists: Keras uses float32(0.9) etc. (see scratchnet.optimizers); with exact
    hyperparameters the weights part by far more than round-off within 50 steps."""
    drift = lockstep(mnist_sample, OPTIMIZERS[name](False), "float64")[1]
    assert not drift.passed and drift.value > 1e-10


def test_rmsprop_has_no_float32_rounded_hyperparameter():
    """Keras's RMSprop never casts rho, momentum or epsilon, so the flag changes nothing."""
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(30, 6)), rng.integers(0, 3, 30)
    weights = []
    for flag in (False, True):
        model = scratchnet.mlp([6, 5, 3], seed=1, weight_init="he_normal", dtype=np.float64)
        opt = RMSprop(0.01, rho=0.85, momentum=0.3, centered=True, float32_hyperparams=flag)
        for _ in range(5):
            model.backprop(x, t)
            opt.update(model.params, model.grads)
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


@pytest.mark.parametrize("name,tol", [("sgd_nesterov", 0.0), ("adam", 0.0), ("adagrad", 2e-15),
                                      ("rmsprop_centered_momentum", 2e-15)])
def test_compiled_train_step_equals_eager(name, tol):
    """Bit for bit, except where TensorFlow's graph optimizer (Grappler's arithmetic optimizer,
    only under tf.function) rewrites Adagrad's and RMSprop's lr*g / sqrt(d) as lr*g * rsqrt(d):
    one rounding more or less per step. Eager Keras follows the source (divide by sqrt), and so
    does scratchnet; either way the difference stays at round-off."""
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(40, 12)), rng.integers(0, 4, 40)
    model = scratchnet.mlp([12, 9, 4], activation="sigmoid", seed=2, l2=f32(1e-3),
                           weight_init="he_normal", dtype=np.float64)
    compiled, eager = rk.to_keras(model), rk.to_keras(model)
    opt_c = rk.keras_optimizer(OPTIMIZERS[name](True), compiled)
    opt_e = rk.keras_optimizer(OPTIMIZERS[name](True), eager)
    for i in range(8):
        xb, tb = x[5 * i:5 * i + 5 + i], t[5 * i:5 * i + 5 + i]  # varying batch sizes
        loss_c = rk.train_step(compiled, opt_c, xb, tb)
        assert relative_error(loss_c, rk.train_step(eager, opt_e, xb, tb, compiled=False)) <= tol
    assert weight_drift(compiled, eager) <= tol


def test_compile_for_caches_one_step_per_optimizer_and_loss():
    keras_model = rk.to_keras(scratchnet.mlp([3, 2], weight_init="he_normal", dtype=np.float64))
    opt = rk.keras_optimizer(SGD(0.1), keras_model)
    step = rk.compile_for(keras_model, opt)
    assert rk.compile_for(keras_model, opt) is step
    assert rk.compile_for(keras_model, rk.keras_optimizer(SGD(0.1), keras_model)) is not step
    other_loss = rk.keras_loss(SoftmaxCrossEntropy, "sparse", dtype="float64")
    assert rk.compile_for(keras_model, opt, other_loss) is not step


@pytest.mark.parametrize("name,dtype", [(name, "float64") for name in OPTIMIZERS] + [("adam", "float32")])
def test_train_steps_is_train_step_bit_for_bit_across_chunks(name, dtype, monkeypatch):
    """Many steps per compiled call change nothing: losses and the weights read at chosen steps are
    train_step's exactly, whatever the chunking (4 steps at most, bytes for 4 batches and 2 weight
    copies at most, a short batch making a chunk of its own), with an L2 penalty and every optimizer."""
    from reference_keras import training
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(40, 12)).astype(dtype), rng.integers(0, 4, 40)
    batches = [rng.choice(40, 5) for _ in range(9)] + [np.arange(3)] + [rng.choice(40, 5) for _ in range(5)]
    model = scratchnet.mlp([12, 9, 4], "sigmoid", dtype=dtype, weight_init="he_normal", seed=2, l2=f32(1e-3),
                           loss="softmax_cross_entropy")
    per_step, chunked = rk.to_keras(model), rk.to_keras(model)
    opt_s, opt_c = (rk.keras_optimizer(OPTIMIZERS[name](True), m) for m in (per_step, chunked))
    reads = (2, 3, 4, 9, 10, 15)
    expected_losses, expected_weights = [], {}
    for step, batch in enumerate(batches, 1):
        expected_losses.append(rk.train_step(per_step, opt_s, x[batch], t[batch]))
        if step in reads:
            expected_weights[step] = per_step.get_weights()
    monkeypatch.setattr(training, "CHUNK_STEPS", 4)
    step_bytes, copy_bytes = 5 * (x[0].nbytes + t[0].nbytes), sum(w.size for w in model.get_weights()) * x.itemsize
    monkeypatch.setattr(training, "CHUNK_BYTES", 4 * step_bytes + 2 * copy_bytes)
    calls = []
    monkeypatch.setattr(training, "_chunks",
                        lambda *a, _chunks=training._chunks: (calls.append(c) or c for c in _chunks(*a)))
    steps = list(rk.train_steps(chunked, opt_c, x, t, batches, read_weights_at=reads))
    assert [step for step, _, _ in steps] == list(range(1, 16))
    assert [loss for _, loss, _ in steps] == expected_losses
    assert {step: weights for step, _, weights in steps if weights is not None}.keys() == set(reads)
    for step, _, weights in steps:
        if weights is not None:
            assert all(np.array_equal(a, b) for a, b in zip(weights, expected_weights[step], strict=True))
    # 1-3 (the bytes) | 4-7 (4 steps) | 8-9 | 10 (the short batch) | 11-14 | 15
    assert [(first, len(index)) for first, index, _ in calls] == [(1, 3), (4, 4), (8, 2), (10, 1), (11, 4), (15, 1)]


@pytest.mark.parametrize("array", [np.arange(12.0).reshape(3, 4)[:, ::2], np.arange(5, dtype=np.int32),
                                   np.ones((2, 3), np.float32) / 3, np.array([True, False]), np.zeros((0, 784))])
def test_as_tensor_is_a_copy_tensorflow_can_use(array):
    from reference_keras._tensor import as_tensor
    expected, rows = array.copy(), np.array([[1, 0], [1, 1]]) if len(array) > 1 else None
    tensor, gathered = as_tensor(array), as_tensor(array, rows) if rows is not None else None
    array[...] = 0  # changing the array afterwards changes nothing
    assert tensor.dtype.as_numpy_dtype == expected.dtype and tensor.shape == expected.shape
    assert np.array_equal(tensor.numpy(), expected)
    if rows is not None:  # rows gathered: (2, 2, ...)
        assert np.array_equal(gathered.numpy(), expected[rows])
    if expected.ndim == 2 and expected.size:  # a kernel that needs the alignment (slicing an unaligned one aborts)
        assert np.array_equal(rk.tf.gather(tensor, [1, 0])[:, 1:].numpy(), expected[[1, 0], 1:])


def _training_aware_model(kind, dtype):
    """A small model with Dropout, BatchNormalization, or Conv2D + pooling (float32, as mnist-cnn)."""
    from comparisons.scenarios import PRESETS, build_model
    if kind == "conv":
        return build_model(PRESETS["mnist-cnn"].with_options(hidden=(8,), dtype=dtype), (8, 8, 1), 4)
    r = np.random.default_rng(1)
    extra = scratchnet.layers.Dropout(0.3, seed=3) if kind == "dropout" else \
        scratchnet.layers.BatchNormalization(np.ones(16, dtype), np.zeros(16, dtype))
    return scratchnet.Sequential([Affine((r.normal(size=(30, 16)) * 0.3).astype(dtype), np.zeros(16, dtype)), ReLU(),
                                  extra, Affine((r.normal(size=(16, 4)) * 0.3).astype(dtype), np.zeros(4, dtype))],
                                 SoftmaxCrossEntropy())


@pytest.mark.parametrize("kind,dtype", [("dropout", "float64"), ("batchnorm", "float64"), ("conv", "float32")])
def test_train_steps_is_train_step_bit_for_bit_with_training_aware_layers(kind, dtype, monkeypatch):
    """Dropout's masks (its seed generator advances inside the loop as outside), Conv2D and
    pooling chunk exactly; a BatchNormalization model takes the per-step path (PER_STEP_LAYERS),
    which is train_step itself: losses, weights and moving statistics equal bit for bit."""
    from reference_keras import training
    monkeypatch.setattr(training, "CHUNK_STEPS", 4)
    model = _training_aware_model(kind, dtype)
    shape = (8, 8, 1) if kind == "conv" else (30,)
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(40, *shape)).astype(dtype), rng.integers(0, 4, 40)
    batches = [rng.choice(40, 6) for _ in range(9)]
    per_step, chunked = rk.to_keras(model), rk.to_keras(model)
    opt_s, opt_c = (rk.keras_optimizer(SGD(0.05, momentum=0.9), m) for m in (per_step, chunked))
    expected = [(rk.train_step(per_step, opt_s, x[b], t[b]), per_step.get_weights()) for b in batches]
    steps = list(rk.train_steps(chunked, opt_c, x, t, batches, read_weights_at=range(1, 10)))
    assert [loss for _, loss, _ in steps] == [loss for loss, _ in expected]
    for (_, _, weights), (_, expected_weights) in zip(steps, expected, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(weights, expected_weights, strict=True))


def test_train_steps_refuses_bad_batches_before_any_step():
    model = scratchnet.mlp([3, 2], dtype="float64", weight_init="he_normal", loss="softmax_cross_entropy")
    keras_model = rk.to_keras(model)
    opt = rk.keras_optimizer(SGD(0.1), keras_model)
    x, t = np.ones((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(IndexError, match=r"batch 2 holds a row index outside 0..3 \(x has 4 rows\)"):
        rk.train_steps(keras_model, opt, x, t, [np.array([0, 1]), np.array([3, 4])])
    with pytest.raises(ValueError, match=r"batch 1 must be a non-empty 1-D array of integer row indices, got shape "
                                         r"\(2, 1\), dtype int64"):
        rk.train_steps(keras_model, opt, x, t, [np.zeros((2, 1), np.int64)])
    with pytest.raises(ValueError, match=r"x has 4 rows but t has shape \(3,\)"):
        rk.train_steps(keras_model, opt, x, t[:3], [np.array([0])])
    with pytest.raises(TypeError, match="expected a 2-D float64 input"):
        rk.train_steps(keras_model, opt, x.astype(np.float32), t, [np.array([0])])
    assert all(np.array_equal(a, b) for a, b in zip(keras_model.get_weights(), model.get_weights()))
    assert int(opt.iterations) == 0


# -- mapping -----------------------------------------------------------------------------------
def test_keras_loss_mapping():
    cases = [(SoftmaxCrossEntropy(), "sparse", keras.losses.SparseCategoricalCrossentropy),
             (SoftmaxCrossEntropy, "one_hot", keras.losses.CategoricalCrossentropy),
             (SoftmaxCrossEntropy(), None, rk.SoftmaxCrossEntropyLoss),
             (SigmoidBinaryCrossEntropy(), None, keras.losses.BinaryCrossentropy),
             (MeanSquaredError(), None, keras.losses.MeanSquaredError)]
    for layer, targets, cls in cases:
        loss = rk.keras_loss(layer, targets, dtype="float64")
        assert type(loss) is cls and loss.dtype == "float64"
        if cls is not keras.losses.MeanSquaredError:
            assert loss.get_config()["from_logits"] is True
    probability_loss = rk.keras_loss(SoftmaxCrossEntropy, from_logits=False, dtype="float32")
    assert probability_loss.get_config()["from_logits"] is False
    with rk.floatx("float64"):
        assert rk.keras_loss(MeanSquaredError).dtype == "float64"
    with pytest.raises(ValueError):
        rk.keras_loss(SigmoidBinaryCrossEntropy, "sparse")
    with pytest.raises(ValueError):
        rk.keras_loss(MeanSquaredError, from_logits=False)
    with pytest.raises(ValueError, match="str"):
        rk.keras_loss("mse")


def test_keras_optimizer_mapping():
    expected = [(SGD(1, momentum=0.5, nesterov=True), keras.optimizers.SGD,
                 {"learning_rate": 1.0, "momentum": 0.5, "nesterov": True}),
                (Adagrad(0.2, initial_accumulator_value=0.3, epsilon=1e-6), keras.optimizers.Adagrad,
                 {"learning_rate": 0.2, "initial_accumulator_value": 0.3, "epsilon": 1e-6}),
                (RMSprop(0.01, rho=0.8, momentum=0.1, epsilon=1e-5, centered=True), keras.optimizers.RMSprop,
                 {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.1, "epsilon": 1e-5, "centered": True}),
                (Adam(0.002, beta_1=0.8, beta_2=0.99, epsilon=1e-8), keras.optimizers.Adam,
                 {"learning_rate": 0.002, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-8, "amsgrad": False})]
    unset = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None}
    for sn_opt, cls, config in expected:
        assert sn_opt.config() == {**config, **unset}
        for dtype in ("float64", "float32"):
            opt = rk.keras_optimizer(sn_opt, scratchnet.mlp([2, 2], dtype=dtype, weight_init="he_normal"))
            assert type(opt) is cls
            assert opt.learning_rate.dtype == dtype
            got = opt.get_config()
            for key, value in config.items():
                assert got[key] == pytest.approx(value, rel=1e-7 if dtype == "float32" else 0), key
    model = scratchnet.mlp([2, 2], weight_init="he_normal", dtype=np.float64)
    assert float(rk.keras_optimizer(SGD(0.1), model).learning_rate.numpy()) == 0.1

    class Custom(SGD):
        pass
    with pytest.raises(ValueError, match="Custom"):
        rk.keras_optimizer(Custom(0.1), model)
    used = SGD(0.1)
    used.update({"W": np.ones(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match="already taken 1 steps"):
        rk.keras_optimizer(used, model)
    with pytest.raises(TypeError, match="the model to train"):
        rk.keras_optimizer(SGD(0.1), "float64")


def test_dtype_mismatches_are_refused():
    keras_model = rk.to_keras(scratchnet.mlp([3, 2], dtype="float64", weight_init="he_normal"))
    x, t = np.ones((2, 3)), np.array([0, 1])
    with pytest.raises(TypeError, match="keras_optimizer"):
        rk.train_step(keras_model, rk.keras_optimizer(SGD(0.1), scratchnet.mlp([3, 2], dtype="float32",
                                                                               weight_init="he_normal")), x, t)
    with pytest.raises(TypeError, match="keras_loss"):
        rk.loss_and_gradients(keras_model, rk.keras_loss(SoftmaxCrossEntropy, dtype="float32"), x, t)
    with pytest.raises(TypeError, match="float64"):
        rk.forward_trace(keras_model, x.astype(np.float32))
    with pytest.raises(TypeError, match="keras_loss"):
        rk.loss_and_gradients(keras_model, SoftmaxCrossEntropy(), x, t)  # a scratchnet loss layer


# -- conversion in both directions -------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_to_keras_builds_layer_for_layer_in_the_models_dtype(dtype):
    model = scratchnet.Sequential(
        [Affine(np.ones((4, 3), dtype), np.zeros(3, dtype), l2=f32(0.01)), Sigmoid(),
         Affine(np.ones((3, 3), dtype), np.zeros(3, dtype)), Tanh(),
         Affine(np.ones((3, 2), dtype), np.zeros(2, dtype)), Identity()], MeanSquaredError())
    with rk.floatx("float32" if dtype == "float64" else "float64"):  # the ambient floatx must not matter
        keras_model = rk.to_keras(model)
    assert keras.config.floatx() == "float32"
    assert [layer.name for layer in keras_model.layers] == [layer.name for layer in model.layers]
    assert [layer.get_config().get("activation") for layer in keras_model.layers] == \
        ["linear", "sigmoid", "linear", "tanh", "linear", "linear"]
    assert all(layer.dtype == dtype for layer in keras_model.layers)
    assert keras_model.scratchnet_dtype == dtype and keras_model.scratchnet_loss.dtype == dtype
    assert type(keras_model.scratchnet_loss) is keras.losses.MeanSquaredError
    assert keras_model.layers[0].kernel_regularizer.l2 == f32(0.01)
    assert keras_model.layers[2].kernel_regularizer is None
    assert all(np.array_equal(a, b) and a.dtype == b.dtype
               for a, b in zip(keras_model.get_weights(), model.get_weights()))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_from_keras_round_trips_bit_for_bit(dtype, loss):
    for activation in ACTIVATIONS:
        model = scratchnet.mlp([5, 7, 6, 3], activation, loss, seed=4, dtype=dtype, l2=0.01,
                               weight_init="he_normal")
        for softmax_output in ([False, True] if loss != "mean_squared_error" else [False]):
            back = rk.from_keras(rk.to_keras(model, softmax_output=softmax_output))
            assert repr(back) == repr(model)  # same layers, loss and dtype
            # the factor Keras applies: 0.01, rounded through float32 where this Keras does so
            l2s = [layer.l2 for layer in back.layers if isinstance(layer, Affine)]
            assert l2s == [rk.keras_l2_factor(0.01, dtype)] * 3
            for a, b in zip(back.get_weights(), model.get_weights()):
                assert np.array_equal(a, b) and a.dtype == b.dtype


def test_sum_reduction_maps_to_keras_reduction_sum_and_back(assert_twin):
    model = scratchnet.mlp([6, 5, 4], seed=1, weight_init="he_normal", dtype=np.float64)
    model = scratchnet.Sequential(model.layers, SoftmaxCrossEntropy(reduction="sum"))
    keras_model = rk.to_keras(model)
    assert keras_model.scratchnet_loss.reduction == "sum"
    assert rk.keras_loss(SoftmaxCrossEntropy(reduction="sum"), "sparse").reduction == "sum"
    assert rk.keras_loss(SoftmaxCrossEntropy(), "sparse").reduction == "sum_over_batch_size"
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(11, 6)), rng.integers(0, 4, 11)
    assert_twin(model, x, t, keras_model)
    for softmax_output in (False, True):
        back = rk.from_keras(rk.to_keras(model, softmax_output=softmax_output))
        assert back.loss_layer.reduction == "sum" and repr(back) == repr(model)
    assert rk.from_keras(keras_model, loss=SoftmaxCrossEntropy()).loss_layer.reduction == "mean"


def test_from_keras_expands_dense_activations_and_keeps_an_uncompiled_models_softmax():
    """An uncompiled model comes over without a loss (it predicts what Keras predicts); a given
    fused loss folds the final softmax (sigmoid) into itself."""
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                                        keras.layers.Dense(4, activation="tanh"), keras.layers.ReLU(),
                                        keras.layers.Dense(3, activation="softmax")])
    model = rk.from_keras(keras_model)
    assert [type(layer) for layer in model.layers] == [Affine, ReLU, Affine, Tanh, ReLU, Affine, Softmax]
    assert model.loss_layer is None and model.dtype == np.float64
    x = np.random.default_rng(0).normal(size=(9, 6))
    probabilities = list(rk.forward_trace(keras_model, x).values())[-1]  # not .predict: it casts x to floatx
    assert relative_error(model.predict(x), probabilities) <= 1e-12
    with pytest.raises(ValueError, match="the model has no loss"):
        scratchnet.Trainer(model, SGD(0.1), x, np.arange(9) % 3)
    folded = rk.from_keras(keras_model, loss=SoftmaxCrossEntropy())
    assert [type(layer) for layer in folded.layers] == [Affine, ReLU, Affine, Tanh, ReLU, Affine]
    logits = folded.predict(x)
    assert relative_error(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), probabilities) <= 1e-12

    sigmoid_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid")])
    assert [type(layer) for layer in rk.from_keras(sigmoid_model).layers] == [Affine, Sigmoid]
    folded = rk.from_keras(sigmoid_model, loss="sigmoid_binary_cross_entropy")
    assert [type(layer) for layer in folded.layers] == [Affine] and folded.dtype == np.float32
    compiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    compiled.compile(loss="mse")
    assert type(rk.from_keras(compiled).loss_layer) is MeanSquaredError


@pytest.mark.parametrize("layer,name", [
    (lambda: keras.layers.Dropout(0.5, noise_shape=(None, 1), name="drop"), "noise_shape"),
    (lambda: keras.layers.BatchNormalization(center=False, name="bn"), "center=False"),
    (lambda: keras.layers.LayerNormalization(name="ln"), "LayerNormalization"),
    (lambda: keras.layers.Dense(3, activation="mish", name="mish_dense"), "mish"),
    (lambda: keras.layers.Dense(3, bias_constraint=keras.constraints.NonNeg(), name="constrained"), "bias_constraint"),
    (lambda: keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L1(0.1), name="l1"), "L1"),
])
def test_from_keras_refuses_layers_without_an_exact_equivalent(layer, name):
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), layer()])
    with pytest.raises(rk.UnsupportedLayerError, match=name) as error:
        rk.from_keras(keras_model)
    assert repr(keras_model.layers[-1].name) in str(error.value)


def test_from_keras_refuses_a_grouped_conv2d_and_takes_a_softmax_anywhere():
    conv = keras.Sequential([keras.Input((8, 8, 2)), keras.layers.Conv2D(2, 3, groups=2, name="conv")])
    with pytest.raises(ValueError, match="'conv' \\(Conv2D\\).*groups"):
        rk.from_keras(conv)
    inner_softmax = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax", name="inner"),
                                      keras.layers.Dense(2)])
    assert [type(layer) for layer in rk.from_keras(inner_softmax).layers] == [Affine, Softmax, Affine]
    sequences = keras.Sequential([keras.Input((5, 4)), keras.layers.Dense(3)])  # Dense on the last axis
    assert rk.from_keras(sequences).input_shape == (5, 4)  # (tests/reference_keras/test_recurrent_twin.py: values)
    final_softmax = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax", name="out")])
    model = rk.from_keras(final_softmax, loss=MeanSquaredError())  # Keras's MSE on the probabilities
    assert [type(layer) for layer in model.layers] == [Affine, Softmax] and not model.reads_logits()


def test_to_keras_refuses_an_unknown_layer_class_by_name():
    class Swish(ReLU):
        pass
    model = scratchnet.Sequential([Affine(np.ones((2, 2)), np.zeros(2)), Swish(),
                                   Affine(np.ones((2, 2)), np.zeros(2))], SoftmaxCrossEntropy())
    with pytest.raises(rk.UnsupportedLayerError, match="'Swish1' \\(Swish\\)"):
        rk.to_keras(model)
    assert issubclass(rk.UnsupportedLayerError, ValueError)


# -- floatx ------------------------------------------------------------------------------------
def test_floatx_sets_and_restores_even_on_error():
    before = keras.config.floatx()
    with rk.floatx(np.float64) as name:
        assert name == keras.config.floatx() == "float64"
        with rk.floatx("float32"):
            assert keras.config.floatx() == "float32"
        assert keras.config.floatx() == "float64"
    assert keras.config.floatx() == before
    with pytest.raises(RuntimeError, match="boom"):
        with rk.floatx("float64"):
            raise RuntimeError("boom")
    assert keras.config.floatx() == before
    for bad in ("float16", "int32", None):
        with pytest.raises(TypeError):
            with rk.floatx(bad):
                pass
    assert keras.config.floatx() == before


def test_floatx_also_sets_keras_cached_default_dtype_policy():
    """Keras caches its default dtype policy from floatx when the first dtype-less layer is
    created; after that set_floatx alone would not change new layers. floatx handles both."""
    assert keras.layers.Dense(2).dtype_policy.name == "float32"  # the policy is cached now
    keras.config.set_floatx("float64")
    try:
        assert keras.layers.Dense(2).dtype_policy.name == "float32"  # the trap
    finally:
        keras.config.set_floatx("float32")
    with rk.floatx("float64"):
        assert keras.layers.Dense(2).dtype_policy.name == "float64"
        assert keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).weights[0].dtype == "float64"
    assert keras.layers.Dense(2).dtype_policy.name == "float32"


def test_exact_l2_keeps_the_factor_that_keras_l2_may_round_through_float32():
    model = scratchnet.mlp([4, 3], activation="relu", loss="softmax_cross_entropy", weight_init="he_normal",
                           dtype=np.float64, l2=0.05)  # 0.05 is not a float32 number
    x, t = np.random.default_rng(0).normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    ours, our_grads = model.loss(x, t), model.gradient(x, t)
    rounded = rk.loss_and_gradients(rk.to_keras(model), None, x, t)[0]
    exact, grads = rk.loss_and_gradients(rk.to_keras(model, exact_l2=True), None, x, t)
    assert abs(exact - ours) <= 1e-15 * abs(ours)
    if rk.keras_l2_rounds_through_float32():
        assert abs(rounded - ours) > 1e-11 * abs(ours)  # float32(0.05) - 0.05 = 7.5e-10 of the penalty
    else:
        assert abs(rounded - ours) <= 1e-15 * abs(ours)
    assert np.max(np.abs(grads["W1"] - our_grads["W1"])) <= 1e-15 * np.max(np.abs(our_grads["W1"]))


# -- accuracy: Keras's metrics, soft targets included ----------------------------------------------
BINARY_ACCURACY = [  # (case, logits, targets): a unit counts when the target equals (logit > 0)
    ("hard targets", [[2.0, -1.0], [-0.5, 3.0]], [[1.0, 0.0], [0.0, 1.0]]),
    ("a logit of exactly 0 predicts 0", [[0.0, 0.0, -0.0]], [[0.0, 1.0, 0.0]]),
    ("a target of exactly 0.5 never counts", [[1.0, -1.0, 0.0]], [[0.5, 0.5, 0.5]]),
    ("soft targets never count", [[4.0, -4.0, 4.0, -4.0]], [[0.7, 0.3, 0.3, 0.7]]),
    ("integer targets", [[1.0, -2.0, 3.0]], [[1, 0, 0]]),
]


@pytest.mark.parametrize("case,logits,targets", BINARY_ACCURACY, ids=[c[0] for c in BINARY_ACCURACY])
def test_sigmoid_accuracy_is_keras_binary_accuracy(case, logits, targets):
    y, t = np.array(logits), np.array(targets)
    correct, units = SigmoidBinaryCrossEntropy().count_correct(y, t)
    keras_logits = np.asarray(keras.metrics.binary_accuracy(t, y, threshold=0.0))
    keras_probabilities = np.asarray(keras.metrics.binary_accuracy(t, scratchnet.functions.sigmoid(y)))
    assert units == t.size
    assert correct == keras_logits.sum() == keras_probabilities.sum()
    loss = rk.keras_loss(SigmoidBinaryCrossEntropy, dtype="float64")
    assert rk.count_correct(loss, y, t) == (correct, units)


@pytest.mark.parametrize("softmax_output", [False, True])
def test_evaluate_counts_soft_targets_as_scratchnet_does(softmax_output):
    rng = np.random.default_rng(3)
    x, t = rng.normal(size=(40, 4)), rng.choice([0.0, 0.5, 1.0, 0.8], size=(40, 3))
    model = scratchnet.mlp([4, 5, 3], "tanh", "sigmoid_binary_cross_entropy", "glorot_uniform", 2, np.float64)
    ours = model.evaluate(x, t)
    theirs = rk.evaluate(rk.to_keras(model, softmax_output=softmax_output), x, t)
    assert theirs[1] == ours[1] and 0 < ours[1] < np.mean((t == 0) | (t == 1))
    assert theirs[0] == pytest.approx(ours[0], rel=tolerance("float64", "final_loss"))
