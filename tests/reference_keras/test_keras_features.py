"""What reference_keras detects about the installed Keras and TensorFlow instead of assuming a version
(reference_keras._environment): heaviside's fallback, L2's factor, BatchNormalization's renorm, and
the error when no TensorFlow imports. The missing or broken TensorFlow runs in a fresh interpreter in
which `import tensorflow` is blocked (sys.modules) or shadowed by a package that fails to import, so
the TensorFlow of this environment stays installed."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import reference_keras as rk
from reference_keras import keras
from reference_keras._environment import heaviside_fallback

REPO = Path(__file__).resolve().parents[2]

HEAVISIDE_CASES = [  # (x, value, dtype Keras's heaviside returns)
    (np.array([-2.0, -0.0, 0.0, 1e-300, np.inf, -np.inf, np.nan]), 0.0, "float64"),
    (np.array([-2.0, 0.0, 3.0]), 0.5, "float64"),
    (np.array([-2.0, 0.0, 3.0], np.float32), 1.0, "float32"),
    (np.array([[-1, 0], [2, 0]], np.int32), 0.0, "float32"),  # integers: floatx
    (np.array([-1, 0, 2], np.int64), np.array(0, np.int64), "float64"),  # int64: float64
    (np.array([-1, 0, 2], np.int64), 0.0, "float32"),  # int64 and a float32 value: Keras's promotion
    (np.array([-1.0, 0.0, 1.0]), np.array([0.25, 0.5, 0.75]), "float64"),  # value broadcast per entry
]


@pytest.mark.parametrize("x,value,dtype", HEAVISIDE_CASES)
def test_heaviside_fallback_gives_kerass_numbers_and_dtype(x, value, dtype):
    got = heaviside_fallback(x, value)
    assert got.dtype == dtype and got.shape == x.shape
    expected = np.where(x < 0, 0.0, np.where(x > 0, 1.0, np.broadcast_to(value, x.shape)))  # NaN -> value
    np.testing.assert_array_equal(np.asarray(got), expected.astype(dtype))
    if hasattr(keras.ops, "heaviside"):  # Keras 3.11 on: the fallback is its twin, bit for bit
        own = keras.ops.heaviside(x, value)
        assert own.dtype == got.dtype
        np.testing.assert_array_equal(np.asarray(own), np.asarray(got))
        assert rk.heaviside is keras.ops.heaviside
    else:
        assert rk.heaviside is heaviside_fallback


def test_l2_rounding_is_measured_on_this_keras():
    """The detection is Keras's own L2 of a float64 one: True exactly when the factor it applied is
    float32(0.1); and it is what the twin's loss follows (tests/reference_keras/test_reference_keras.py)."""
    penalty = float(keras.regularizers.L2(0.1)(keras.ops.ones((1,), dtype="float64")))
    assert rk.keras_l2_rounds_through_float32() is (penalty == float(np.float32(0.1)) != 0.1)
    assert rk.keras_l2_factor(0.1) == penalty


def test_from_keras_refuses_batch_normalization_renorm_where_keras_has_it():
    """renorm exists from Keras 3.14 on; on an older Keras the attribute is absent and a plain
    BatchNormalization converts (as every round trip in test_layers_keras shows)."""
    bn = keras.layers.BatchNormalization(name="bn")
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), bn])
    assert [type(layer).__name__ for layer in rk.from_keras(plain).layers][-1] == "BatchNormalization"
    try:
        renorm = keras.layers.BatchNormalization(renorm=True, name="bn_renorm")
    except (TypeError, ValueError):
        assert not hasattr(bn, "renorm")
        pytest.skip("this Keras has no BatchNormalization(renorm=...)")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), renorm])
    with pytest.raises(rk.UnsupportedLayerError, match="renorm") as error:
        rk.from_keras(model)
    assert "'bn_renorm'" in str(error.value)


# -- no usable TensorFlow ----------------------------------------------------------------------
BLOCKED = """
import sys
sys.modules["tensorflow"] = None  # as if no TensorFlow were installed
import numpy as np
import scratchnet  # never imports TensorFlow or Keras
model = scratchnet.mlp([2, 3, 2], seed=0, dtype=np.float64)
print("scratchnet loss", model.loss(np.ones((1, 2)), np.array([1])))
try:
    import reference_keras
except ImportError as error:
    print(type(error).__name__, "|", error, "|", error.name)
"""


def _child(code, tmp_path, pythonpath=()):
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_HOME", "MPLCONFIGDIR")}
    env.update(PYTHONPATH=os.pathsep.join([*map(str, pythonpath), str(REPO)]), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_without_tensorflow_reference_keras_names_both_extras_and_scratchnet_still_works(tmp_path):
    out = _child(BLOCKED, tmp_path)
    assert "scratchnet loss" in out
    line = out.splitlines()[-1]
    kind, message, name = line.split(" | ")
    assert kind == "MissingTensorFlowError" and name == "tensorflow"
    assert "none is installed" in message
    assert "pip install 'scratchnet[tensorflow]'" in message and "pip install 'scratchnet[tensorflow-cpu]'" in message


def test_a_tensorflow_that_fails_to_import_is_named_with_its_error_and_both_distributions(tmp_path):
    """What two TensorFlow distributions in one environment look like: the package imports with an
    error, and both distributions' metadata is present. A package on PYTHONPATH that raises on
    import, beside a dist-info for the distribution this environment lacks, stages it."""
    shadow = tmp_path / "shadow"
    (shadow / "tensorflow").mkdir(parents=True)
    (shadow / "tensorflow" / "__init__.py").write_text(
        'raise ImportError("_pywrap_tensorflow_internal.so: undefined symbol: _ZN10tensorflow8OpKernel")\n')
    present = rk._environment.installed_distributions()
    other = "tensorflow" if "tensorflow-cpu" in present else "tensorflow-cpu"
    info = shadow / f"{other.replace('-', '_')}-2.19.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {other}\nVersion: 2.19.0\n")
    out = _child(BLOCKED.replace('sys.modules["tensorflow"] = None', ""), tmp_path, [shadow])
    kind, message, name = out.splitlines()[-1].split(" | ")
    assert kind == "MissingTensorFlowError" and name == "tensorflow"
    assert "installed but fails to import (ImportError: _pywrap_tensorflow_internal.so: undefined symbol" in message
    assert "both tensorflow and tensorflow-cpu are installed" in message
    assert "uninstall both, then reinstall one" in message
