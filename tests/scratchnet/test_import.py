"""`import scratchnet` stays light: no TensorFlow or Keras, and nothing heavy beyond NumPy (the
top-level packages a fresh interpreter holds after the import, against those NumPy alone brings).
Checked in a fresh interpreter so that whatever this test session already imported does not count.
What the import costs in seconds is the benchmark's to say, not a timed test's (a loaded machine
would fail it)."""
import json
import subprocess
import sys

import scratchnet

PROBE = """
import json, sys
import numpy
with_numpy = {name.split('.')[0] for name in sys.modules}
import scratchnet
added = sorted({name.split('.')[0] for name in sys.modules} - with_numpy)
heavy = sorted({name.split('.')[0] for name in sys.modules} & {'tensorflow', 'keras', 'tf_keras'})
print(json.dumps({"added": added, "heavy": heavy, "file": scratchnet.__file__}))
"""


def _probe():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


HEAVY = {"tensorflow", "keras", "tf_keras", "matplotlib", "scipy", "pandas", "torch", "jax", "IPython", "tqdm"}


def test_import_does_not_load_tensorflow_or_keras_nor_anything_heavy():
    report = _probe()
    assert report["file"] == scratchnet.__file__  # the subprocess imported this checkout
    assert report["heavy"] == []
    assert "scratchnet" in report["added"]
    assert not set(report["added"]) & HEAVY, report["added"]


def test_public_names():
    for name in scratchnet.__all__:
        assert hasattr(scratchnet, name), name
    assert scratchnet.Sequential is scratchnet.model.Sequential
    assert issubclass(scratchnet.TrainingDiverged, FloatingPointError)
    assert scratchnet.__version__ == "0.1.0"
