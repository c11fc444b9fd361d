"""Import Keras (TensorFlow backend, CPU only) without writing into the user's home directory.

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
"""
import os
import sys

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
        import absl.logging
        import tensorflow as tf
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
