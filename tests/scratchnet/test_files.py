"""scratchnet._files.atomic_write: the one way the project writes a file (models, data caches,
reports): whole or not at all, the old file's mode kept, the umask honoured, leftovers removed."""
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

import scratchnet
from scratchnet._files import atomic_write, remove_stale_parts, write_text


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _model():
    return scratchnet.mlp([3, 4, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64)


def test_save_over_a_private_model_file_keeps_it_private(tmp_path):
    path = tmp_path / "model.npz"
    _model().save(path)
    os.chmod(path, 0o600)
    _model().save(path)
    assert _mode(path) == 0o600
    assert scratchnet.load_model(path).config() == _model().config()


@pytest.mark.parametrize("umask,expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_0666_less_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "report.md", "x\n")
        _model().save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "report.md") == expected and _mode(tmp_path / "model.npz") == expected


def test_a_failed_write_keeps_the_old_file_and_leaves_no_part(tmp_path):
    path = write_text(tmp_path / "xor.json", '{"old": true}')

    def half_then_fail(f):
        f.write(b'{"new": ')
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, half_then_fail)
    assert path.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.json"]


def test_a_verify_that_refuses_keeps_the_old_file(tmp_path):
    path = write_text(tmp_path / "a.npz", "old")

    def refuse(tmp):
        raise ValueError(f"checksum of {os.path.basename(tmp)} differs")

    with pytest.raises(ValueError, match="checksum"):
        atomic_write(path, lambda f: f.write(b"new"), refuse)
    assert path.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_parts_of_dead_writers_are_removed_by_the_next_save_and_a_live_writers_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has ended
    stale = tmp_path / f".model.npz.{dead_pid}.0a1b2c3d.part"
    old_style = tmp_path / f".model.npz.{dead_pid}.part"  # the name saves used before
    live = tmp_path / f".model.npz.{os.getppid()}.12345678.part"  # a live writer; its token all digits
    for part in (stale, old_style, live):
        part.write_bytes(b"\0" * 1000)
    _model().save(tmp_path / "model.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.npz", live.name])
    assert remove_stale_parts(tmp_path) == []  # the live one stays
