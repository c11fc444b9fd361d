"""The model file: one .npz archive holding the architecture and every weight.

The archive's `__config__` entry is the JSON of `Sequential.config()`; every other entry is a
weight array named like `Sequential.weights` (W1, b1, ..., moving_mean1, ...). `write` is atomic
(a temporary file in the same folder renamed into place), so a failed save leaves any previous
file intact; `read` names the file and what is wrong with it. This module knows nothing of the
model: `Sequential.save`, `Sequential.load` and `load_model` build on it.
"""
import json
import zipfile

import numpy as np

from ._files import atomic_write


class ModelFileError(ValueError):
    """A file that `Sequential.save` did not write, or that was damaged since."""


def npz_path(path):
    """`path` as a string, with ".npz" appended when missing (as NumPy's savez does)."""
    path = str(path)
    return path if path.endswith(".npz") else path + ".npz"


def write(path, config, weights):
    """Write `config` (a JSON-able dict) and `weights` ({name: array}) to `path` atomically
    (scratchnet._files: an existing file keeps its mode, leftovers of killed saves go)."""
    atomic_write(npz_path(path), lambda f: np.savez(f, __config__=np.array(json.dumps(config)), **weights))


def read(path):
    """(config, {name: array}) from a file written by `write`; a ModelFileError naming the file
    and what is wrong otherwise (a missing file stays a FileNotFoundError)."""
    path = npz_path(path)
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:  # we close fh on every error
            if "__config__" not in data.files:
                raise ModelFileError(f"{path}: not a scratchnet model file (no __config__ entry; "
                                     f"it holds {', '.join(data.files) or 'nothing'})")
            stored = json.loads(str(data["__config__"]))
            weights = {key: data[key] for key in data.files if key != "__config__"}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        if isinstance(exc, (ModelFileError, FileNotFoundError)):
            raise
        reason = "its architecture (JSON) is unreadable" if isinstance(exc, json.JSONDecodeError) else \
            "not an .npz archive, or a truncated one"
        raise ModelFileError(f"{path}: {reason} ({exc})") from None
    if not isinstance(stored, dict) or not isinstance(stored.get("layers"), list) or "dtype" not in stored:
        raise ModelFileError(f"{path}: its architecture lacks 'layers' or 'dtype': {stored!r}")
    for i, spec in enumerate(stored["layers"]):
        if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
            raise ModelFileError(f"{path}: layer {i + 1} of its architecture is not a layer's description "
                                 f"(a dict with a 'kind'): {spec!r}")
    return stored, weights
