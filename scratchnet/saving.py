"""The model file: one .npz archive holding the architecture and every weight.

The archive's `__config__` entry is the JSON of `Sequential.config()`; every other entry is a
weight array named like `Sequential.weights` (W1, b1, ..., moving_mean1, ...). `write` is atomic
(a temporary file in the same folder renamed into place), so a failed save leaves any previous
file intact; `read` names the file and what is wrong with it. This module knows nothing of the
model: `Sequential.save`, `Sequential.load` and `load_model` build on it.
"""
import json
import os
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


def _header(data, key):
    """(shape, dtype) of the array `key` of an open .npz, from its .npy header alone (no data read)."""
    with data.zip.open(f"{key}.npy") as member:
        version = np.lib.format.read_magic(member)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(member)
    return tuple(shape), dtype


def expected_shapes(config):
    """{weight name: shape} that the architecture `config` fixes (Affine's W and b, a
    convolution's kernel and bias, BatchNormalization's four vectors, Embedding's table); the
    weights of other layers are checked when the model is built."""
    numbers, shapes = {}, {}

    def name(key):
        numbers[key] = numbers.get(key, 0) + 1
        return f"{key}{numbers[key]}"

    for spec in config["layers"]:
        kind, found = spec.get("kind"), {}
        if kind == "Affine" and _dims(spec.get("shape"), 2):
            found = {"W": tuple(spec["shape"]), "b": (spec["shape"][1],)}
        elif kind in ("Conv2D", "Conv1D") and _dims(spec.get("kernel"), 4 if kind == "Conv2D" else 3):
            found = {"W": tuple(spec["kernel"]), "b": (spec["kernel"][-1],)}
        elif kind == "BatchNormalization" and _dims([spec.get("features")], 1):
            found = {key: (spec["features"],) for key in ("gamma", "beta", "moving_mean", "moving_variance")}
        elif kind == "Embedding" and _dims([spec.get("input_dim"), spec.get("output_dim")], 2):
            found = {"W": (spec["input_dim"], spec["output_dim"])}
        try:
            keys = _layer_keys(spec)
        except (ValueError, TypeError, KeyError):
            return shapes  # an unknown kind: from_config names it
        for key in keys:
            weight = name(key)
            if key in found:
                shapes[weight] = found[key]
    return shapes


def _dims(values, count):
    return isinstance(values, list) and len(values) == count and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def _layer_keys(spec):
    from .layers import layer_class  # the layers import nothing of this module; imported late to stay light
    return layer_class(spec.get("kind")).weight_keys_of(spec)


def _available_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not every platform reports it
        return None


def read(path):
    """(config, {name: array}) from a file written by `write`; a ModelFileError naming the file
    and what is wrong otherwise (a missing file stays a FileNotFoundError). The architecture and
    every array's header (shape, dtype) are read and checked first: an array whose shape the
    architecture contradicts, or arrays larger than this machine's memory, are refused before
    any data is read."""
    path = npz_path(path)
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:  # we close fh on every error
            if "__config__" not in data.files:
                raise ModelFileError(f"{path}: not a scratchnet model file (no __config__ entry; "
                                     f"it holds {', '.join(data.files) or 'nothing'})")
            stored = _checked_config(path, json.loads(str(data["__config__"])))
            keys = [key for key in data.files if key != "__config__"]
            headers = {key: _header(data, key) for key in keys}
            _check_headers(path, stored, headers)
            weights = {key: data[key] for key in keys}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError) as exc:
        if isinstance(exc, (ModelFileError, FileNotFoundError)):
            raise
        reason = "its architecture (JSON) is unreadable" if isinstance(exc, json.JSONDecodeError) else \
            "not an .npz archive, or a truncated one"
        raise ModelFileError(f"{path}: {reason} ({exc})") from None
    return stored, weights


def _checked_config(path, stored):
    if not isinstance(stored, dict) or not isinstance(stored.get("layers"), list) or "dtype" not in stored:
        raise ModelFileError(f"{path}: its architecture lacks 'layers' or 'dtype': {stored!r}")
    for i, spec in enumerate(stored["layers"]):
        if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
            raise ModelFileError(f"{path}: layer {i + 1} of its architecture is not a layer's description "
                                 f"(a dict with a 'kind'): {spec!r}")
    return stored


def _check_headers(path, stored, headers):
    for key, shape in expected_shapes(stored).items():
        if key in headers and headers[key][0] != shape:
            raise ModelFileError(f"{path}: the array {key} has shape {headers[key][0]} but the architecture "
                                 f"stored with it says {shape}")
    needed = sum(int(np.prod(shape, dtype=object)) * dtype.itemsize for shape, dtype in headers.values())
    available = _available_memory()
    if available is not None and needed > available:
        raise ModelFileError(f"{path}: its arrays would take {needed / 2**30:.1f} GiB, more than this machine's "
                             f"{available / 2**30:.1f} GiB of memory")
