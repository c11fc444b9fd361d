"""load(): find a source, decode and check it, then shape the arrays for training.

Checks made on every (uncached) read, whatever the source:
  decoding (gzip / IDX header / npz keys), label count == image count,
  labels in 0..9, then the expected sizes (60000/10000 images of 28x28).

Checksum policy:
  * project cache: we wrote these files after verifying them, so any sha256
    difference means damage or editing -> ChecksumError asking to re-run fetch.
    Fashion .gz files are hashed *before* parsing; mnist.npz (whose file hash is
    unstable) is checked through the sha256 of its four arrays.
  * other sources (data_dir, $SCRATCHNET_DATA, Keras cache, system folder):
    the same hashes are computed and reported (``verbose=True``), but a
    mismatch is accepted when the data passes the structural checks above --
    a user may hold a valid copy that was recompressed or re-saved.

Speed: the decoded uint8 arrays are kept in a small LRU cache keyed by the
resolved files and their (mtime, size), so repeated loads skip gunzip and
hashing.  Cached arrays are read-only; load() always returns fresh arrays.
"""
import functools

import numpy as np

from . import catalog
from .errors import ChecksumError, DatasetError, InconsistentDataError, fetch_hint
from .idx import check_pair, read_pair
from .npz import read_mnist_npz
from .sources import Source, find_source


def check_expected(name, arrays):
    """Check the decoded splits have the sizes the real dataset has."""
    sizes = catalog.SIZES[name]
    for split, x, n in (("training", arrays[0], sizes[0]), ("test", arrays[2], sizes[1])):
        if x.shape != (n, *catalog.IMAGE_SHAPE):
            raise InconsistentDataError(
                f"{name}: expected {n} {split} images of 28x28, got shape {x.shape}"
            )


def _decode(source):
    """Read ``source`` -> ((x_train, y_train, x_test, y_test), verified)."""
    strict = source.kind == "project_cache"
    if source.name == catalog.FASHION:
        bad = [f for f in source.files if not catalog.fashion_file_matches(f)]
        if strict and bad:
            raise ChecksumError(f"sha256 mismatch for {', '.join(map(str, bad))}")
        f = source.files
        arrays = read_pair(f[0], f[1]) + read_pair(f[2], f[3])
    else:
        arrays = read_mnist_npz(source.path)
        check_pair(arrays[0], arrays[1], f"{source.path}[x_train]", f"{source.path}[y_train]")
        check_pair(arrays[2], arrays[3], f"{source.path}[x_test]", f"{source.path}[y_test]")
        arrays = tuple(a.astype(np.uint8, copy=False) for a in arrays)  # lossless after check_pair
        bad = catalog.mnist_mismatches(arrays)
        if strict and bad:
            raise ChecksumError(f"sha256 mismatch for arrays {bad} in {source.path}")
    check_expected(source.name, arrays)
    return arrays, not bad


@functools.lru_cache(maxsize=4)
def _raw(source, stamps):
    """Cached decode; ``stamps`` (mtime, size per file) invalidates edited files."""
    try:
        arrays, verified = _decode(source)
    except DatasetError as exc:
        if source.kind != "project_cache":
            raise
        hint = f"\nThe project cache is damaged; {fetch_hint(source.name)}"
        raise type(exc)(f"{exc}{hint}") from exc
    for a in arrays:
        a.flags.writeable = False
    return arrays, verified


def read_raw(source):
    """Decoded, checked, read-only uint8 arrays of ``source`` and whether hashes matched."""
    source = Source(source.name, source.kind, source.path.resolve())
    stamps = tuple((s.st_mtime_ns, s.st_size) for s in (f.stat() for f in source.files))
    return _raw(source, stamps)


def _prepare(x, y, normalize, flatten, one_hot, dtype, channel_axis):
    if normalize:
        x = x.astype(dtype)
        x /= dtype.type(255)  # same values as x.astype(dtype) / dtype(255), one allocation
    else:
        x = x.copy()
    if flatten:
        x = x.reshape(len(x), -1)
    elif channel_axis:
        x = x[..., np.newaxis]  # (N, 28, 28, 1): a view of the fresh array
    y = np.eye(catalog.NUM_CLASSES, dtype=dtype)[y] if one_hot else y.copy()
    return x, y


def load(name, normalize=True, flatten=True, one_hot=False, dtype=np.float32, data_dir=None, verbose=False,
         channel_axis=False):
    """Load MNIST or Fashion-MNIST as ``(x_train, t_train), (x_test, t_test)``.

    ``normalize=False, flatten=False`` gives exactly what
    ``keras.datasets.<name>.load_data()`` returns (uint8, (N, 28, 28), uint8
    labels).  ``normalize`` -> ``dtype`` images in [0, 1]; ``flatten`` ->
    (N, 784); ``one_hot`` -> (N, 10) labels of ``dtype``.
    ``flatten=False, channel_axis=True`` -> (N, 28, 28, 1) images, channels
    last: what Keras's Conv2D (and scratchnet's) takes, and what Keras's own
    examples make with ``np.expand_dims(x, -1)``.  See sources.py for where
    the data is searched and this module's docstring for the checks.
    """
    dtype = np.dtype(dtype)
    if normalize and not np.issubdtype(dtype, np.floating):
        raise ValueError(f"normalize=True needs a floating dtype, got {dtype}")
    if channel_axis and flatten:
        raise ValueError("channel_axis=True gives (N, 28, 28, 1) images; it needs flatten=False")
    source = find_source(name, data_dir)
    (xtr, ytr, xte, yte), verified = read_raw(source)
    if verbose:
        note = "sha256 verified" if verified else "sha256 differs from the recorded original; accepted after checks"
        print(f"{source.name}: loaded from {source.describe()} ({note})")
    opts = (normalize, flatten, one_hot, dtype, channel_axis)
    return _prepare(xtr, ytr, *opts), _prepare(xte, yte, *opts)
