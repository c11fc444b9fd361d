"""Keras 3's optimizer options in scratchnet: weight_decay, clipnorm, clipvalue, global_clipnorm,
Adam's amsgrad and AdamW.

1. Keras's own optimizer unit tests (keras/src/optimizers/*_test.py: test_single_step,
   test_weight_decay, test_correctness_with_golden, the clip tests) publish golden values at
   float32 precision. tests/reference_keras/keras_optimizer_goldens.json holds the same scenarios computed by
   Keras 3.15.1 itself in float64 (floatx float64, float64 variables), to full precision;
   scratchnet must reproduce them to 1e-15 relative (its operation order is Keras's, so only a
   rounding or two may differ). Every case is one line of a table.
2. Lockstep training against real Keras for each option (comparisons.core.lockstep.run_lockstep):
   30 steps, past t = 23 where NumPy's and TensorFlow's pow could first disagree on Adam's
   beta_2**t (see comparisons/core/tolerances.py); the float64 drift must stay at round-off (<= 1e-13).
3. The options' errors, and the order clip -> weight decay -> update.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks
from reference_keras import keras, tf
from scratchnet.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

GOLDENS = json.loads((Path(__file__).parent / "keras_optimizer_goldens.json").read_text())
RTOL = 1e-15


def _f32(flag=True):
    return {"float32_hyperparams": flag}


# -- 1. Keras's unit-test scenarios, at float64 precision -------------------------------------------
SINGLE_STEP = [  # learning_rate 0.5, vars [1, 2, 3, 4], grads [1, 6, 7, 2]
    ("sgd", lambda: SGD(0.5, **_f32())),
    ("adam", lambda: Adam(0.5, **_f32())),
    ("adamw", lambda: AdamW(0.5, **_f32())),
    ("rmsprop", lambda: RMSprop(0.5, **_f32())),
    ("adagrad", lambda: Adagrad(0.5, **_f32())),
]


@pytest.mark.parametrize("name,factory", SINGLE_STEP, ids=[c[0] for c in SINGLE_STEP])
def test_single_step_reproduces_keras(name, factory):
    case = GOLDENS["single_step"][name]
    w = np.array(case["vars"])
    factory().update({"w": w}, {"w": np.array(case["grads"])})
    np.testing.assert_allclose(w, case["after_1_step"], rtol=RTOL, atol=0)


CORRECTNESS = [  # x = ones(10); one step with full(10, 0.01), then steps with 0.1 + arange(10) * 0.1
    ("sgd", lambda: SGD(nesterov=True, **_f32())),
    ("adam", lambda: Adam(amsgrad=True, **_f32())),
    ("adamw", lambda: AdamW(1.0, weight_decay=0.5, epsilon=2, **_f32())),
    ("rmsprop", lambda: RMSprop(centered=True, **_f32())),
    ("adagrad", lambda: Adagrad(0.2, initial_accumulator_value=0.3, epsilon=1e-6, **_f32())),
]


@pytest.mark.parametrize("name,factory", CORRECTNESS, ids=[c[0] for c in CORRECTNESS])
def test_correctness_with_golden_reproduces_keras(name, factory):
    opt, x = factory(), np.ones(10)
    opt.update({"x": x}, {"x": np.full(10, 0.01)})
    for row in GOLDENS["correctness_with_golden"][name]["rows_after_steps_1_to_5"]:
        np.testing.assert_allclose(x, row, rtol=RTOL, atol=0)
        opt.update({"x": x}, {"x": 0.1 + np.arange(10) * 0.1})


WEIGHT_DECAY = [  # a variable 2.0, zero gradient, three fresh optimizers with lr 1 and weight_decay 0.004
    ("sgd", lambda: SGD(1.0, weight_decay=0.004, **_f32())),
    ("adam", lambda: Adam(1.0, weight_decay=0.004, **_f32())),
    ("adamw", lambda: AdamW(1.0, weight_decay=0.004, **_f32())),
    ("rmsprop", lambda: RMSprop(1.0, weight_decay=0.004, **_f32())),
    ("adagrad", lambda: Adagrad(1.0, weight_decay=0.004, **_f32())),
]


@pytest.mark.parametrize("name,factory", WEIGHT_DECAY, ids=[c[0] for c in WEIGHT_DECAY])
def test_weight_decay_reproduces_keras(name, factory):
    w = np.array(2.0)
    for _ in range(3):
        factory().update({"w": w}, {"w": np.zeros(())})
    assert float(w) == pytest.approx(GOLDENS["weight_decay"]["after_3_steps"][name], rel=RTOL)
    # Keras rounds 0.004 through float32: the exact decay lands 2.4e-11 away
    assert abs(float(w) - 2.0 * (1 - 0.004) ** 3) > 1e-11


CLIPS = [  # (options, gradient, dtype, golden key): one SGD step with lr 1 from w = 0 gives w = -clipped g
    ({"clipnorm": 1.0}, [100.0, 100.0], np.float64, "clipnorm=1 on [100, 100] (float64)"),
    ({"clipvalue": 1.0}, [100.0, 100.0], np.float64, "clipvalue=1 on [100, 100] (float64)"),
    ({"global_clipnorm": 1.0}, [50.0, 100.0], np.float64, "global_clipnorm=1 on [50, 100] (float64)"),
    ({"global_clipnorm": 1.0}, [50.0, 100.0], np.float32, "global_clipnorm=1 on [50, 100] (float32)"),
]


@pytest.mark.parametrize("options,grad,dtype,key", CLIPS, ids=[c[3] for c in CLIPS])
def test_clipping_reproduces_keras(options, grad, dtype, key):
    w, g = np.zeros(2, dtype=dtype), np.array(grad, dtype=dtype)
    SGD(1.0, **options).update({"w": w}, {"w": g})
    assert w.dtype == dtype
    np.testing.assert_array_equal(-w, np.array(GOLDENS["clip"][key], dtype=dtype))
    np.testing.assert_array_equal(g, grad)  # the caller's gradient is not modified


# -- 2. lockstep against real Keras ------------------------------------------------------------------
LOCKSTEP = [  # (name, optimizer); tanh net 8-6-3 on 60 random samples, batches of 10, 30 steps
    ("sgd weight_decay", lambda f: SGD(0.1, weight_decay=0.01, **_f32(f))),
    ("sgd momentum clipnorm", lambda f: SGD(0.05, momentum=0.9, clipnorm=0.3, **_f32(f))),
    ("sgd nesterov global_clipnorm", lambda f: SGD(0.05, momentum=0.9, nesterov=True, global_clipnorm=0.5, **_f32(f))),
    ("sgd global_clipnorm 49 (unclipped, scale 1 - 2**-53)", lambda f: SGD(0.1, global_clipnorm=49.0, **_f32(f))),
    ("sgd clipvalue", lambda f: SGD(0.1, clipvalue=0.05, **_f32(f))),
    ("adagrad weight_decay clipvalue", lambda f: Adagrad(0.1, weight_decay=0.02, clipvalue=0.1, **_f32(f))),
    ("rmsprop centered momentum weight_decay", lambda f: RMSprop(0.01, momentum=0.5, centered=True,
                                                                 weight_decay=0.05, **_f32(f))),
    ("rmsprop global_clipnorm", lambda f: RMSprop(0.01, global_clipnorm=0.3, **_f32(f))),
    ("adam amsgrad", lambda f: Adam(0.02, amsgrad=True, **_f32(f))),
    ("adam weight_decay clipnorm", lambda f: Adam(0.02, weight_decay=0.1, clipnorm=0.2, **_f32(f))),
    ("adamw", lambda f: AdamW(0.02, **_f32(f))),
    ("adamw amsgrad global_clipnorm", lambda f: AdamW(0.02, weight_decay=0.1, amsgrad=True, beta_2=0.9,
                                                      global_clipnorm=0.4, **_f32(f))),
]


def _lockstep(optimizer, steps=30):
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(60, 8)), rng.integers(0, 3, 60)
    model = scratchnet.mlp([8, 6, 3], "tanh", "softmax_cross_entropy", "glorot_uniform", 1, np.float64)
    keras_model = rk.to_keras(model)
    plan = LockstepPlan(batch_size=10, epochs=5, seed=2)
    traj = run_lockstep(model, keras_model, optimizer, rk.keras_optimizer(optimizer, keras_model), x, t, plan,
                        progress=False)
    assert len(traj.keras_loss) == steps
    return trajectory_checks(traj, "float64")


@pytest.mark.parametrize("name,factory", LOCKSTEP, ids=[c[0] for c in LOCKSTEP])
def test_options_train_in_lockstep_with_keras(name, factory):
    checks = _lockstep(factory(True))
    assert all(c.passed for c in checks), checks
    assert max(c.value for c in checks) <= 1e-13  # round-off only


@pytest.mark.parametrize("name", ["sgd weight_decay", "adamw"])
def test_exact_weight_decay_drifts_from_keras(name):
    """Why float32_hyperparams rounds weight_decay: Keras uses float32(0.01), float32(0.004)."""
    factory = dict(LOCKSTEP)[name]
    drift = _lockstep(factory(False))[1]
    assert not drift.passed and drift.value > 1e-11


def test_scratchnet_adam_bias_correction_matches_tensorflow_pow():
    """scratchnet takes beta**t on NumPy scalars (libm's pow), as TensorFlow's scalar kernel does:
    bit for bit here for t <= 300. NumPy's vectorised power is a different implementation that
    is one ulp away for some t (t = 23 the first for float32(0.999)): the reason the tolerance
    notes allow for it, and why scratchnet does not vectorise it."""
    beta = float(np.float32(0.999))
    t = np.arange(1, 301, dtype=np.float64)
    tf_pow = np.array([float(tf.pow(tf.constant(beta, tf.float64), tf.constant(s, tf.float64))) for s in t])
    ours = np.array([np.float64(beta) ** np.float64(s) for s in t])
    np.testing.assert_array_equal(ours, tf_pow)
    vectorised = np.power(np.full(t.shape, beta), t)
    apart = t[vectorised != tf_pow]
    if apart.size:  # depends on NumPy's SIMD dispatch; where it differs it is by one ulp
        assert np.max(np.abs(vectorised - tf_pow) / tf_pow) <= np.finfo(np.float64).eps


# -- 3. order and errors -----------------------------------------------------------------------------
ORDER = [  # (optimizer, w0, g, expected w1): research notes' Keras measurements
    (lambda: SGD(1.0, weight_decay=0.004, **_f32()), 2.0, 0.0, 1.9919999996200204),  # 2 - 2 * f32(0.004)
    (lambda: SGD(0.5, weight_decay=0.1, **_f32()), 2.0, 1.0, 1.3999999985098839),  # decay first, then the step
    (lambda: SGD(1.0, weight_decay=0.5, clipvalue=0.25, **_f32()), 2.0, 3.0, 2.0 - 2.0 * 0.5 - 0.25),  # clip first
    (lambda: SGD(1.0, global_clipnorm=49.0), 0.0, 1.0, -(49.0 * (1.0 / 49.0))),  # Keras's odd expression
]


@pytest.mark.parametrize("factory,w0,g,expected", ORDER)
def test_clip_then_weight_decay_then_update(factory, w0, g, expected):
    w = np.array([w0])
    factory().update({"w": w}, {"w": np.array([g])})
    assert float(w[0]) == expected


def test_global_clipnorm_49_is_not_exactly_one():
    assert 49.0 * (1.0 / 49.0) == 1.0 - 2.0 ** -53  # why an unclipped gradient still moves by one ulp


ERRORS = [  # (constructor, message)
    (lambda: SGD(clipnorm=1.0, clipvalue=0.5), "only one of clipnorm, clipvalue and global_clipnorm can be set"),
    (lambda: Adam(clipnorm=1.0, global_clipnorm=1.0), "only one of clipnorm, clipvalue and global_clipnorm"),
    (lambda: SGD(clipnorm=0.0), r"SGD: clipnorm must be a number > 0 or None, got 0.0"),
    (lambda: RMSprop(clipvalue=-1.0), r"RMSprop: clipvalue must be a number > 0 or None, got -1.0"),
    (lambda: Adagrad(global_clipnorm="1"), r"Adagrad: global_clipnorm must be a number > 0 or None, got '1'"),
    (lambda: SGD(weight_decay=-0.1), r"SGD: weight_decay must be a number >= 0 or None, got -0.1"),
    (lambda: Adam(weight_decay=float("nan")), r"Adam: weight_decay must be a number >= 0 or None, got nan"),
    (lambda: AdamW(weight_decay=None), r"AdamW: weight_decay must be a number >= 0 .*got None"),
    (lambda: Adam(amsgrad=1), r"Adam: amsgrad must be True or False, got 1"),
    (lambda: Adam(beta_1=1.0), r"Adam: beta_1 must be in \[0, 1\), got 1.0"),
    (lambda: AdamW(beta_2=-0.1), r"AdamW: beta_2 must be in \[0, 1\), got -0.1"),
    (lambda: RMSprop(rho=1.5), r"RMSprop: rho must be in \[0, 1\], got 1.5"),
    (lambda: RMSprop(momentum=-0.5), r"RMSprop: momentum must be in \[0, 1\], got -0.5"),
    (lambda: RMSprop(centered="yes"), r"RMSprop: centered must be True or False, got 'yes'"),
    (lambda: SGD(nesterov=None), r"SGD: nesterov must be True or False, got None"),
    (lambda: Adagrad(initial_accumulator_value=-1.0), r"Adagrad: initial_accumulator_value must be a number >= 0"),
    (lambda: Adagrad(epsilon=-1e-7), r"Adagrad: epsilon must be a number > 0, got -1e-07"),
    (lambda: SGD(float32_hyperparams="no"), r"SGD: float32_hyperparams must be True or False"),
]


@pytest.mark.parametrize("factory,message", ERRORS)
def test_bad_options_are_refused_naming_the_argument(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_keras_refuses_what_scratchnet_refuses():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        keras.optimizers.SGD(clipnorm=1.0, clipvalue=0.5)
    with pytest.raises(ValueError, match="weight_decay"):
        keras.optimizers.AdamW(weight_decay=None)


def test_adamw_is_adam_with_weight_decay_and_maps_to_keras_adamw():
    assert AdamW().weight_decay == 0.004 and Adam().weight_decay is None
    assert AdamW.options()["weight_decay"] == 0.004 and list(AdamW.options())[0] == "weight_decay"
    model = scratchnet.mlp([3, 2], "relu", "softmax_cross_entropy", "he_normal", 0, np.float64)
    opt = rk.keras_optimizer(AdamW(0.01, amsgrad=True, clipnorm=2.0), model)
    assert type(opt) is keras.optimizers.AdamW
    config = opt.get_config()
    assert (config["weight_decay"], config["amsgrad"]) == (0.004, True)
    assert (config["clipnorm"], config["clipvalue"]) == (2.0, None)


@pytest.mark.parametrize("param_dtype,grad_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
def test_update_refuses_a_gradient_of_the_other_float_type(param_dtype, grad_dtype):
    for opt in (SGD(0.1, clipnorm=1.0), AdamW(0.1), RMSprop(0.1, weight_decay=0.1)):
        w = np.ones(3, dtype=param_dtype)
        with pytest.raises(ValueError, match=f"gradient for 'w' has shape \\(3,\\) {np.dtype(grad_dtype)}"):
            opt.update({"w": w}, {"w": np.ones(3, dtype=grad_dtype)})
        np.testing.assert_array_equal(w, 1.0)  # refused before anything changed
        assert opt.iterations == 0
