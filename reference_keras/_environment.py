"""Import Keras (TensorFlow backend, CPU only) without writing into the user's home directory,
refuse clearly when no usable TensorFlow is installed, and detect the Keras features that differ
between the supported versions.

TensorFlow is not a requirement of the scratchnet distribution (an environment that already has
one, under either distribution name, keeps it); when none imports, `MissingTensorFlowError` names
the two extras that install one.

Importing Keras 3 writes `$KERAS_HOME/keras.json` (default `~/.keras/keras.json`) and imports
matplotlib.pyplot, which creates `$MPLCONFIGDIR` (default `~/.config/matplotlib`) and a font cache
(`~/.cache/matplotlib`). Keras reads `KERAS_HOME` once, in `keras/src/backend/config.py` at import
time (`keras.src.backend.config.keras_home()` returns the value captured then), and matplotlib
fixes its folders when it is first imported. So when these variables are unset we point them at
`<project cache>/keras` and `<project cache>/matplotlib` (the project cache is
`scratchnet.datasets.cache_dir()`: `$SCRATCHNET_CACHE`, `$XDG_CACHE_HOME/scratchnet` or
`~/.cache/scratchnet`) just for the import, then unset them again. Restoring matters:
`scratchnet.datasets` reads `$KERAS_HOME` (else `~/.keras`) as a place that may hold the user's
own data sets, and must keep seeing the user's real setting.

Side effects that remain for the life of the process (documented, deliberate):
  * Keras ignores `~/.keras/keras.json` when `KERAS_HOME` was unset (it reads the project copy,
    which holds the defaults: float32, TensorFlow backend), and matplotlib ignores
    `~/.config/matplotlib/matplotlibrc` if reference_keras is what first imported it. Set
    `KERAS_HOME` / `MPLCONFIGDIR` yourself, or import matplotlib first, to keep your own.
  * `TF_CPP_MIN_LOG_LEVEL=2` and `TF_ENABLE_ONEDNN_OPTS=0` are set if unset (TensorFlow reads them
    lazily, so they cannot be restored). The second silences the oneDNN notice that no log level
    suppresses and makes TensorFlow use its plain Eigen kernels, whose float32 results do not
    depend on oneDNN's blocking; float64 is unaffected either way.
  * absl's Python logging is set to ERROR and every GPU is hidden from TensorFlow.

If Keras was imported before this module, none of this can take effect; we only check that the
backend is TensorFlow.

Features detected instead of assumed from a version number (the supported range is
pyproject.toml's; `make compat` tests its ends):
  * `heaviside(x, value)`: keras.ops.heaviside where Keras has it (3.11 on), else the same
    computation written with older ops (same dtype rules, same values).
  * `keras_l2_rounds_through_float32()`: whether keras.regularizers.L2 casts its Python-float
    factor through float32 (Keras 3.14 on) or applies it in the weight's dtype (before), measured
    once on a float64 tensor; `keras_l2_factor(l2, dtype)` (convert.py, through `keras_cast`) is
    the factor Keras actually applies. `twin_l2_equation(True | False)` makes the twin follow
    either equation within a block (to compare them), and `twin_equations()` says which it follows.
  * `keras_casts_python_floats_through_float32()`: whether keras.ops.cast of a Python float to
    float64 goes through float32 (what `keras_cast` assumes for Rescaling's and ReLU's settings).
  * BatchNormalization's `renorm` exists from Keras 3.14 on; readers use getattr(layer, "renorm", False).
  * `tensorflow_gelu_form()`: "erfc" where tf.nn.gelu computes 0.5 * x * erfc(-x / sqrt(2)) (TensorFlow
    2.19 on; scratchnet's GELU is this equation), "erf" where it computes 0.5 * x * (1 + erf(x / sqrt(2)))
    (before), which cancels for negative x: the two part by more than round-off there, so the twin's
    float64 agreement for the exact gelu holds only where the form is "erfc".
"""
import contextlib
import functools
import importlib.util
import os
import sys
from importlib import metadata

import numpy as np

TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu")  # either provides the `tensorflow` package


class MissingTensorFlowError(ImportError):
    """No usable TensorFlow in this environment: none installed, or one that fails to import."""


def installed_distributions(names=TENSORFLOW_DISTRIBUTIONS):
    """{distribution name: version} of those of `names` that are installed."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _missing_tensorflow(error):
    """The error to raise when `import tensorflow` failed with `error`."""
    install = ("pip install 'scratchnet[tensorflow]' (the full TensorFlow, as Colab has) or "
               "pip install 'scratchnet[tensorflow-cpu]' (the smaller CPU-only build); choose one: both "
               "install into the same `tensorflow` folder")
    if importlib.util.find_spec("tensorflow") is None:  # also when sys.modules blocks it (None)
        return MissingTensorFlowError(f"reference_keras needs TensorFlow (Keras's backend here) and none is "
                                      f"installed: {install}", name="tensorflow")
    installed = installed_distributions()
    both = (f"; both {' and '.join(installed)} are installed and overwrite each other: uninstall both, then "
            f"reinstall one" if len(installed) > 1 else "")
    return MissingTensorFlowError(f"reference_keras needs TensorFlow, which is installed but fails to import "
                                  f"({type(error).__name__}: {error}){both}", name="tensorflow")

_PERMANENT_DEFAULTS = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def _project_cache():
    from scratchnet.datasets import cache_dir  # the one definition of the project cache

    return cache_dir()


def _import_keras():
    for key, value in _PERMANENT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    backend = os.environ.get("KERAS_BACKEND")
    if backend and backend != "tensorflow" and "keras" not in sys.modules:
        raise ImportError(f"reference_keras needs Keras on the TensorFlow backend, but "
                          f"KERAS_BACKEND={backend!r}; unset it or set it to 'tensorflow'")
    temporary = {}
    if "keras" not in sys.modules:
        cache = _project_cache()
        if "KERAS_HOME" not in os.environ:
            temporary["KERAS_HOME"] = str(cache / "keras")
        if "MPLCONFIGDIR" not in os.environ and "matplotlib" not in sys.modules:
            temporary["MPLCONFIGDIR"] = str(cache / "matplotlib")
    os.environ.update(temporary)
    try:
        try:
            import tensorflow as tf
        except ImportError as error:
            raise _missing_tensorflow(error) from error
        import absl.logging
        import keras
    finally:
        for key in temporary:
            os.environ.pop(key, None)
    absl.logging.set_verbosity(absl.logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise ImportError(f"reference_keras needs Keras on the TensorFlow backend; Keras is running "
                          f"on {keras.backend.backend()!r} (set KERAS_BACKEND=tensorflow before "
                          f"anything imports keras)")
    try:
        tf.config.set_visible_devices([], "GPU")  # everything on the CPU
    except (RuntimeError, ValueError):  # already initialised, or no GPU support: nothing to hide
        pass
    return tf, keras


tf, keras = _import_keras()


def heaviside_fallback(x, value):
    """keras.ops.heaviside (Keras 3.11 on) written with older ops, with its dtype rules (integers give
    floatx, int64 gives float64) and its values: 0 where x < 0, 1 where x > 0, `value` elsewhere
    (x == 0, and NaN)."""
    x, value = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(value)
    dtype = keras.backend.result_type(x.dtype, value.dtype)
    if dtype in ("int8", "int16", "int32", "uint8", "uint16", "uint32"):
        dtype = keras.config.floatx()
    elif dtype == "int64":
        dtype = "float64"
    x, value = keras.ops.cast(x, dtype), keras.ops.cast(value, dtype)
    return keras.ops.where(keras.ops.less(x, 0), keras.ops.zeros_like(x),
                           keras.ops.where(keras.ops.greater(x, 0), keras.ops.ones_like(x), value))


heaviside = getattr(keras.ops, "heaviside", heaviside_fallback)


# The two equations of keras.regularizers.L2 on float64 weights, by whether the factor goes through float32.
L2_EQUATIONS = {False: "l2 * sum(W**2), l2 in the weights' dtype (Keras < 3.14)",
                True: "float32(l2) * sum(W**2) (Keras >= 3.14)"}
_l2_equation_override = None  # twin_l2_equation's choice while it is in force; None: this Keras's own


def keras_l2_rounds_through_float32():
    """True if keras.regularizers.L2 applies float32(l2) to float64 weights (Keras 3.14 on: it casts
    the Python float, which goes through float32), False if it applies l2 itself: this Keras's
    behaviour (measured once), or the equation `twin_l2_equation` imposes while it is in force."""
    if _l2_equation_override is not None:
        return _l2_equation_override
    return installed_keras_l2_rounds_through_float32()


def twin_l2_equation_overridden():
    """True while `twin_l2_equation` makes the twin follow the other Keras's L2 equation."""
    return _l2_equation_override is not None and (
        _l2_equation_override != installed_keras_l2_rounds_through_float32())


@contextlib.contextmanager
def twin_l2_equation(rounds_through_float32):
    """Within the block the twin follows the L2 equation of Keras >= 3.14 (`rounds_through_float32`
    True: float32(l2)) or of Keras < 3.14 (False: l2 itself), whichever Keras is installed:
    `keras_l2_factor` answers for that equation, and where it is not the installed Keras's,
    to_keras gives each Dense the penalty `ExactL2(that factor)` instead of keras.regularizers.L2
    (the same operations). For exactly one purpose: to compare the two equations, e.g. two
    reports of one scenario with `comparisons diff`, without installing two Kerases."""
    global _l2_equation_override
    if not isinstance(rounds_through_float32, bool):
        raise TypeError(f"twin_l2_equation: rounds_through_float32 must be True or False, got "
                        f"{rounds_through_float32!r}")
    before, _l2_equation_override = _l2_equation_override, rounds_through_float32
    try:
        yield
    finally:
        _l2_equation_override = before


def twin_equations():
    """The equations the twin follows where Keras versions differ, in words (for reports):
    {"l2": the L2 equation, "l2_emulated": whether it is not this Keras's own}."""
    return {"l2": L2_EQUATIONS[keras_l2_rounds_through_float32()], "l2_emulated": twin_l2_equation_overridden()}


@functools.cache
def installed_keras_l2_rounds_through_float32():
    """keras_l2_rounds_through_float32 as the installed Keras behaves, measured once on a float64
    tensor (whatever twin_l2_equation says)."""
    probe = 0.1  # not a float32 number: float32(0.1) - 0.1 = 1.5e-9
    penalty = float(keras.regularizers.L2(probe)(keras.ops.ones((1,), dtype="float64")))
    if penalty not in (probe, float(np.float32(probe))):
        raise RuntimeError(f"reference_keras: Keras's L2({probe}) of a float64 one is {penalty!r}, neither "
                           f"{probe} nor float32({probe}); this Keras computes L2 in a way the twin does not know")
    return penalty != probe


@functools.cache
def keras_casts_python_floats_through_float32():
    """True if `keras.ops.cast` of a Python float to float64 goes through float32 (TensorFlow makes
    a float32 constant of the float first), as every supported Keras does."""
    return float(keras.ops.cast(0.1, "float64")) != 0.1


@functools.cache
def tensorflow_gelu_form():
    """"erfc" or "erf": the equation of the installed TensorFlow's exact tf.nn.gelu, told apart at
    x = -10 in float64, where the erf form's 1 + erf(-7.07) cancels to exactly 0 and the erfc form
    keeps 7.6e-23."""
    value = float(tf.nn.gelu(tf.constant(-10.0, dtype="float64"), approximate=False))
    return "erf" if value == 0.0 else "erfc"
