"""Keep Keras and matplotlib out of the user's home during tests: both write config files
on import (~/.keras/keras.json, ~/.config/matplotlib), so point them at a throw-away folder
before anything imports them."""
import os
import tempfile

_scratch_home = tempfile.mkdtemp(prefix="scratchnet-tests-")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_scratch_home, "matplotlib"))
os.environ.setdefault("KERAS_HOME", os.path.join(_scratch_home, "keras"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
