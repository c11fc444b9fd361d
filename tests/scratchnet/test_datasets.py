"""scratchnet.datasets on the real data provisioned by `python -m scratchnet.datasets fetch all`.

The project cache is the one the environment points at (``$SCRATCHNET_CACHE`` or the
default), read once at import; everything else (HOME, KERAS_HOME, the Debian system
folder) is redirected into tmp_path so only the files built by a test are found.
If the data is missing the tests fail (not skip) with the command that provisions it.
"""
import gzip
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from scratchnet import datasets
from scratchnet.datasets import catalog, sources

REAL_CACHE = datasets.cache_dir()
NAMES = ["mnist", "fashion_mnist"]


@pytest.fixture
def real(tmp_path, monkeypatch):
    """Only the real project cache is visible; returns tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
    monkeypatch.setenv("SCRATCHNET_CACHE", str(REAL_CACHE))
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(sources, "SYSTEM_DIR", tmp_path / "no-system")
    for name in NAMES:
        try:
            assert datasets.find_source(name).kind == "project_cache"
        except datasets.DatasetNotFoundError as exc:
            missing = str(exc)
            break
    else:
        return tmp_path
    pytest.fail(f"real data not provisioned (run `make data`):\n{missing}", pytrace=False)


def raw(name, **kw):
    return datasets.load(name, normalize=False, flatten=False, **kw)


def link_or_copy(src, dst):
    """Build a layout cheaply: a hard link is a distinct path, so it is really re-read."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def build_layout(name, root, nested=True):
    """Lay the provisioned files out Keras-style under ``root`` (or flat, for Fashion)."""
    if name == "mnist":
        link_or_copy(REAL_CACHE / "mnist.npz", root / "mnist.npz")
    else:
        folder = root / "fashion-mnist" if nested else root
        for f in catalog.FASHION_FILES:
            link_or_copy(REAL_CACHE / "fashion-mnist" / f, folder / f)
    return root


def assert_same(a, b):
    for (x1, y1), (x2, y2) in zip(a, b):
        assert x1.dtype == x2.dtype and np.array_equal(x1, x2)
        assert y1.dtype == y2.dtype and np.array_equal(y1, y2)


# --- contents ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_keras_format(real, name):
    (x, y), (xt, yt) = raw(name)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert y.shape == (60000,) and yt.shape == (10000,)
    assert x.dtype == xt.dtype == y.dtype == yt.dtype == np.uint8
    assert x.min() == 0 and x.max() == 255


def test_mnist_contents(real):
    (x, y), (xt, yt) = raw("mnist")
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # original order
    assert yt[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert abs(x.mean() / 255 - 0.1307) < 1e-4  # the usual normalisation constant


def test_fashion_contents(real):
    (x, y), (xt, yt) = raw("fashion-mnist")
    assert np.bincount(y).tolist() == [6000] * 10
    assert np.bincount(yt).tolist() == [1000] * 10
    assert y[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert yt[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert abs(x.mean() / 255 - 0.2860) < 1e-4


# --- options -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_normalize_flatten_defaults(real, name):
    (x, y), (xt, yt) = datasets.load(name)
    (xr, yr), (xtr, _) = raw(name)
    assert x.shape == (60000, 784) and xt.shape == (10000, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.array_equal(x, xr.reshape(60000, 784).astype(np.float32) / np.float32(255))
    assert y.dtype == np.uint8 and np.array_equal(y, yr)


def test_dtype_one_hot_and_unflattened(real):
    (x, y), (xt, yt) = datasets.load("mnist", one_hot=True, dtype=np.float64, flatten=False)
    (_, yr), (_, ytr) = raw("mnist")
    assert x.dtype == np.float64 and x.shape == (60000, 28, 28) and x.max() == 1.0
    assert y.shape == (60000, 10) and yt.shape == (10000, 10) and y.dtype == np.float64
    assert np.array_equal(y.argmax(1), yr) and np.array_equal(yt.argmax(1), ytr)
    assert np.all(y.sum(1) == 1) and set(np.unique(y)) == {0.0, 1.0}
    (x, y), _ = datasets.load("fashion_mnist", normalize=False, dtype=np.float64)
    assert x.dtype == np.uint8 and x.shape == (60000, 784) and y.dtype == np.uint8


@pytest.mark.parametrize("name", NAMES)
def test_returned_arrays_are_fresh(real, name):
    (x, y), _ = raw(name)
    (xn, _), _ = datasets.load(name)
    x[:] = 7
    y[:] = 3
    xn[:] = -1
    (x2, y2), _ = raw(name)
    (xn2, _), _ = datasets.load(name)
    assert x2.max() == 255 and len(np.unique(y2)) == 10 and xn2.min() == 0.0


# --- sources -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_same_arrays_from_every_source(real, name, monkeypatch, capsys):
    reference = raw(name, verbose=True)
    assert f"{name}: loaded from project cache {datasets.find_source(name).path}" in capsys.readouterr().out

    keras_home = real / "keras"
    build_layout(name, keras_home / "datasets")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    assert datasets.find_source(name).kind == "keras_cache"
    assert_same(raw(name, verbose=True), reference)
    out = capsys.readouterr().out
    assert f"{name}: loaded from keras cache {keras_home / 'datasets'}" in out and "sha256 verified" in out

    folder = build_layout(name, real / "data")
    src = datasets.find_source(name, data_dir=folder)
    assert src.kind == "data_dir" and src.path.is_relative_to(folder)
    assert_same(raw(name, data_dir=folder), reference)

    monkeypatch.setenv("SCRATCHNET_DATA", str(folder))
    assert datasets.find_source(name).kind == "env"
    assert_same(raw(name), reference)


def test_fashion_flat_folder_and_system_folder(real, monkeypatch):
    reference = raw("fashion_mnist")
    flat = build_layout("fashion_mnist", real / "flat", nested=False)
    assert datasets.find_source("fashion_mnist", data_dir=flat).path == flat
    assert_same(raw("fashion_mnist", data_dir=flat), reference)
    system = build_layout("fashion_mnist", real / "system")
    monkeypatch.setattr(sources, "SYSTEM_DIR", system)
    assert datasets.find_source("fashion_mnist").kind == "system"
    assert_same(raw("fashion_mnist"), reference)


def test_valid_copies_with_other_bytes_are_accepted_outside_the_project_cache(real, monkeypatch, capsys):
    """A recompressed Fashion .gz and a compressed mnist.npz differ from the recorded files."""
    keras = real / "keras" / "datasets"
    fashion_ref, mnist_ref = raw("fashion_mnist"), raw("mnist")
    for f in catalog.FASHION_FILES:
        data = gzip.decompress((REAL_CACHE / "fashion-mnist" / f).read_bytes())
        (keras / "fashion-mnist").mkdir(parents=True, exist_ok=True)
        (keras / "fashion-mnist" / f).write_bytes(gzip.compress(data, compresslevel=1))
    (x, y), (xt, yt) = mnist_ref
    np.savez_compressed(keras / "mnist.npz", x_train=x, y_train=y.astype(np.int64), x_test=xt, y_test=yt)
    monkeypatch.setenv("KERAS_HOME", str(real / "keras"))
    assert_same(raw("fashion_mnist", verbose=True), fashion_ref)
    assert "sha256 differs from the recorded original; accepted" in capsys.readouterr().out
    assert_same(raw("mnist", verbose=True), mnist_ref)  # int64 labels become uint8
    assert "sha256 verified" in capsys.readouterr().out  # array hashes do not depend on compression


def test_edited_label_in_project_cache_is_caught_only_by_the_checksum(real, monkeypatch):
    (x, y), (xt, yt) = raw("mnist")
    y[0] = (y[0] + 1) % 10
    cache = real / "cache"
    cache.mkdir()
    np.savez(cache / "mnist.npz", x_train=x, y_train=y, x_test=xt, y_test=yt)
    monkeypatch.setenv("SCRATCHNET_CACHE", str(cache))
    with pytest.raises(datasets.ChecksumError, match=r"(?s)sha256 mismatch for arrays \['y_train'\].*fetch mnist"):
        datasets.load("mnist")
    (_, y2), _ = raw("mnist", data_dir=cache)  # the same file named explicitly is the user's call
    assert y2[0] == y[0]


# --- provisioning ------------------------------------------------------------------------

def _no_subprocess(*args, **kwargs):
    raise AssertionError("fetch must not run anything when the data is already there")


def test_second_fetch_is_a_fast_no_op(real, monkeypatch):
    monkeypatch.setattr(subprocess, "run", _no_subprocess)
    messages = []
    start = time.perf_counter()
    assert datasets.fetch("all", log=messages.append) == REAL_CACHE
    assert time.perf_counter() - start < 5
    assert sum("already provisioned" in m for m in messages) == 2


def test_fetch_copies_verified_files_from_the_system_folder(real, monkeypatch):
    monkeypatch.setattr(sources, "SYSTEM_DIR", build_layout("fashion_mnist", real / "system"))
    monkeypatch.setattr(subprocess, "run", _no_subprocess)
    cache = real / "new-cache"
    messages = []
    datasets.fetch(["fashion-mnist"], cache=cache, log=messages.append)
    assert sorted(p.name for p in (cache / "fashion-mnist").iterdir()) == sorted(catalog.FASHION_FILES)
    assert any("copying from" in m for m in messages)
    monkeypatch.setenv("SCRATCHNET_CACHE", str(cache))
    monkeypatch.setattr(sources, "SYSTEM_DIR", real / "no-system")
    assert datasets.find_source("fashion_mnist").kind == "project_cache"
    assert_same(raw("fashion_mnist"), raw("fashion_mnist", data_dir=REAL_CACHE))


def test_cli_fetch_and_where(real):
    env = {**os.environ, "SCRATCHNET_CACHE": str(REAL_CACHE)}
    proc = subprocess.run([sys.executable, "-m", "scratchnet.datasets", "fetch", "all"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("already provisioned") == 2
    proc = subprocess.run([sys.executable, "-m", "scratchnet.datasets", "where"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "mnist: " in proc.stdout and "fashion_mnist: " in proc.stdout
