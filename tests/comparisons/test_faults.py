"""Faults from outside the code: real signals sent by another process, a disk that fills up, several
processes writing one file, and learner files that try to end or hang the checker. Each case asserts
what is left afterwards (a model after a whole number of steps, the previous file whole, one-line
errors and their exit status), not only that nothing crashed."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import scratchnet
from scratchnet._files import write_text

TRAIN = textwrap.dedent("""
    import json, signal, sys
    import numpy as np
    import scratchnet
    from scratchnet.optimizers import SGD
    from scratchnet.training import batch_indices

    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(200, 20)), rng.integers(0, 3, 200)

    def build():
        return scratchnet.mlp([20, 64, 64, 3], "relu", "softmax_cross_entropy", "he_normal", seed=0,
                              dtype=np.float64)

    class Preempted(Exception):
        pass

    def preempted(signum, frame):  # the checkpoint-on-preemption pattern: a handler that raises
        raise Preempted

    signal.signal(signal.SIGTERM, preempted)
    model, opt = build(), SGD(0.01, momentum=0.9)
    trainer = scratchnet.Trainer(model, opt, x, t, epochs=10**6, batch_size=10, progress=False, evaluate=None,
                                 on_step=lambda step, loss, batch: step == 3 and print("ready", flush=True))
    try:
        trainer.fit()
    except (KeyboardInterrupt, Preempted) as err:
        caught = f"{type(err).__name__}: {err}"
    replay, plain, done = build(), SGD(0.01, momentum=0.9), 0
    order = np.random.default_rng(0)
    while done < trainer.step:
        for batch in batch_indices(200, 10, order):
            if done == trainer.step:
                break
            replay.backprop(x[batch], t[batch])
            plain.update(replay.params, replay.grads)
            done += 1
    print(json.dumps({"caught": caught, "step": trainer.step, "iterations": opt.iterations,
                      "losses": len(trainer.history.step_loss),
                      "whole": all(np.array_equal(a, b) for a, b in zip(model.get_weights(), replay.get_weights()))}))
""")


@pytest.mark.parametrize("signum,caught", [(signal.SIGINT, "KeyboardInterrupt: training interrupted after step"),
                                           (signal.SIGTERM, "Preempted")])
@pytest.mark.parametrize("delay", [0.0, 0.013])
def test_a_real_signal_from_another_process_stops_training_after_a_whole_step(signum, caught, delay):
    child = subprocess.Popen([sys.executable, "-c", TRAIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(child.pid, signum)
    out, err = child.communicate(timeout=60)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["caught"].startswith(caught), err
    assert result["step"] == result["iterations"] == result["losses"] >= 3
    assert result["whole"]  # the weights are exactly those after `step` updates


# -- a full disk: a small tmpfs -----------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A 512 KiB tmpfs, mounted for the test; a skip saying why where the machine does not allow it."""
    if sys.platform != "linux":
        pytest.skip("a small tmpfs needs Linux")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (this user is not); the full disk is not simulated")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def _fill(disk, leave=0):
    """Fill `disk` up to `leave` bytes (tmpfs counts in 4 KiB pages)."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler", "wb") as f:
        try:
            f.write(b"\0" * max(0, free - leave))
        except OSError:
            pass


def test_a_save_that_fills_the_disk_keeps_the_previous_model_whole(small_disk):
    small = scratchnet.mlp([3, 4, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64)
    path = small_disk / "model.npz"
    small.save(path)
    big = scratchnet.mlp([300, 400, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64)
    with pytest.raises(OSError) as failure:  # 300*400 float64 = 960 kB: more than the disk holds
        big.save(path)
    assert "No space left" in str(failure.value) or failure.value.errno == 28
    assert sorted(p.name for p in small_disk.iterdir()) == ["model.npz"]  # no part file left
    loaded = scratchnet.load_model(path)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), small.get_weights()))


def test_a_report_written_onto_a_full_disk_keeps_the_old_json_and_markdown(small_disk):
    old = {"xor.json": '{"passed": true}\n', "xor.md": "# xor\nPASSED\n"}
    for name, text in old.items():
        write_text(small_disk / name, text)
    _fill(small_disk)
    for name in old:
        with pytest.raises(OSError):
            write_text(small_disk / name, "x" * 100_000)
    assert {p.name: p.read_text() for p in small_disk.iterdir() if p.name != "filler"} == old


def test_the_cli_refuses_a_full_disk_before_any_work_and_creates_nothing(small_disk):
    _fill(small_disk, leave=64 * 1024)
    out = small_disk / "reports"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "comparisons", "xor", "--out", str(out)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and time.monotonic() - start < 30
    assert result.stderr.strip().splitlines() == [
        f"python -m comparisons: error: --out {out}: cannot write a report in {small_disk} (No space left on device)"]
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_the_cli_refuses_an_empty_out_in_one_line():
    result = subprocess.run([sys.executable, "-m", "comparisons", "xor", "--out", ""], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("python -m comparisons: error: --out: an empty folder name (give a folder, "
                                     "e.g. --out reports)")


# -- several processes writing one file ---------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import scratchnet
    seed, path = int(sys.argv[1]), sys.argv[2]
    model = scratchnet.mlp([30, 40, 2], "relu", "softmax_cross_entropy", "he_normal", seed=seed, dtype=np.float64)
    for _ in range(30):
        model.save(path)
""")


def test_concurrent_writers_leave_one_whole_model_and_no_part_files(tmp_path):
    path = tmp_path / "model.npz"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(seed), str(path)]) for seed in range(4)]
    assert [w.wait(timeout=60) for w in writers] == [0] * 4
    loaded = scratchnet.load_model(path)
    candidates = [scratchnet.mlp([30, 40, 2], "relu", "softmax_cross_entropy", "he_normal", seed=seed,
                                 dtype=np.float64) for seed in range(4)]
    assert sum(all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), c.get_weights()))
               for c in candidates) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_writer_killed_mid_save_leaves_the_old_file_and_the_next_save_removes_its_part(tmp_path):
    path = tmp_path / "model.npz"
    small = scratchnet.mlp([3, 4, 2], "relu", "softmax_cross_entropy", "he_normal", seed=0, dtype=np.float64)
    small.save(path)
    slow = textwrap.dedent(f"""
        import numpy as np, os, signal
        from scratchnet._files import atomic_write
        def write(f):
            f.write(b"partial" * 1000)
            f.flush()
            print("writing", flush=True)
            signal.pause()
        atomic_write({str(path)!r}, write)
    """)
    child = subprocess.Popen([sys.executable, "-c", slow], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    parts = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert len(parts) == 1 and scratchnet.load_model(path).config() == small.config()
    small.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


# -- learner files that try to end or hang the checker ---------------------------------------------
# (tests/comparisons/harness/test_sandbox.py holds the whole table; these are the acceptance
# cases through the command line, in a process of their own)
@pytest.mark.slow  # about 5 s each: a fresh interpreter that loads comparisons, then the learner's process
@pytest.mark.parametrize("source,says", [
    ("import sys\nsys.exit(0)\n", "the file called sys.exit(0) while being imported"),
    ("import atexit, os\natexit.register(lambda: os._exit(0))\nimport os\nos._exit(0)\n",
     "the file called os._exit(0) while being imported"),
    ("while True:\n    pass\n", "timed out while being imported after 2 s"),
])
def test_a_learner_file_that_ends_or_hangs_its_process_fails_with_exit_1(tmp_path, source, says):
    path = tmp_path / "learner.py"
    path.write_text(source)
    result = subprocess.run([sys.executable, "-m", "comparisons", "check", str(path), "--time-limit", "2"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"{path}: FAILED: {says}" in result.stdout


@pytest.mark.slow  # loads TensorFlow in a fresh interpreter (about 10 s)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_run_interrupted_by_a_signal_ends_with_one_line_and_status_130(tmp_path, signum):
    out = tmp_path / "reports"
    child = subprocess.Popen([sys.executable, "-u", "-m", "comparisons", "xor", "--epochs", "1000000000", "--out",
                              str(out), "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(15)
    os.kill(child.pid, signum)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m comparisons: interrupted"), stderr
    assert "Traceback" not in stderr
    assert not out.exists() or not [p for p in out.iterdir() if p.name.endswith(".part")]
