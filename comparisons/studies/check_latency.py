"""`python -m comparisons speed --check [PATH ...]`: how long `check` takes per learner file, over
a fixed set of learner files (FIXED_SET: six files of tests/book_style/ and tests/corpus/learners/,
where present) or the files and folders given. A benchmark, not a test: it prints medians.

For each file, alternating round by round so that a machine-wide slowdown hits both alike:
- in-process: the file imported in this process and each class checked (the path `check` took
  before the sandbox; learner_file.load_classes + harness.check);
- sandboxed: the file imported in a process of its own and each class checked through it (the
  path `check FILE.py` takes; sandbox.LearnerProcess + harness.check);
both with Keras already imported (imported once per process), as wall time and as CPU time (this
process's, plus the learner's process's for the sandboxed path). Then, unless --no-cli: the time
of `python -m comparisons check FILE.py` for each file (a fresh Python: Keras imported each
time), of one `python -m comparisons check` over all the files (Keras imported once, a class
imported by several files checked once), and of `python -c "import reference_keras"` alone.
The machine's load average is recorded before and after: the timings of a busy machine are
longer, and its ratios are what to read.
"""
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..core.result import Report, Section

ROOT = Path(__file__).resolve().parents[2]
# The fixed set: a handful of learner files, so that a run takes minutes, not an hour (the folders
# hold over a hundred): the book's layers (eight classes), a network that imports them (named, not
# checked again, when one `check` run has both), the convolution network, and three files nobody
# here wrote: the book's published optimizers and deep network, and another learner's layers.
FIXED_SET = ("tests/book_style/common/layers.py", "tests/book_style/ch05/two_layer_net.py",
             "tests/book_style/ch07/simple_convnet.py",
             "tests/corpus/learners/oreilly-japan__deep-learning-from-scratch/common/optimizer.py",
             "tests/corpus/learners/oreilly-japan__deep-learning-from-scratch/ch08/deep_convnet.py",
             "tests/corpus/learners/parasdahal__deepnet/deepnet/layers.py")


def fixed_set():
    """The learner files of the fixed set that exist in this checkout."""
    return [ROOT / name for name in FIXED_SET if (ROOT / name).is_file()]


def _child_cpu(pid):
    """CPU seconds a process has used (Linux: /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _in_process(path, dtype):
    from ..harness import learner_file
    from ..harness.core import check
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        classes = learner_file.load_classes(path)
    except learner_file.FileDoesNotImport:
        classes = []
    for cls in classes:
        check(cls, dtype=dtype)
    return time.perf_counter() - wall, time.process_time() - cpu, len(classes)


def _sandboxed(path, dtype):
    from ..harness import sandbox
    from ..harness.core import check
    wall, cpu = time.perf_counter(), time.process_time()
    with sandbox.LearnerProcess(path) as process:
        try:
            classes = process.import_file()
        except (sandbox.FileDoesNotImport, sandbox.LearnerIncident):
            classes = []
        for cls, _ in classes:
            check(cls, dtype=dtype)
        child = _child_cpu(process.process.pid)
    return time.perf_counter() - wall, time.process_time() - cpu + (child or 0.0), len(classes)


def _timed(command):
    """(wall seconds, CPU seconds) of a command, its own processes included (the learner's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _cli(args):
    return _timed([sys.executable, "-m", "comparisons", *args])


def measure(files, rounds=3, dtype="float64", cli=True):
    """The record the report shows: per file the medians of each path, and the CLI timings."""
    import reference_keras  # noqa: F401  (imported once, before any timing)
    load_before = os.getloadavg()
    _in_process(files[0], dtype)  # warm-up: Keras's first layers and functions
    samples = {str(f): {"in_process": [], "sandboxed": [], "classes": 0} for f in files}
    for round_ in range(rounds):
        for path in files:
            order = (_in_process, _sandboxed) if round_ % 2 == 0 else (_sandboxed, _in_process)
            for measure_one in order:
                wall, cpu, n = measure_one(path, dtype)
                key = "in_process" if measure_one is _in_process else "sandboxed"
                samples[str(path)][key].append((wall, cpu))
                samples[str(path)]["classes"] = max(samples[str(path)]["classes"], n)
    record = {"files": {}, "rounds": rounds, "dtype": dtype, "cpus": os.cpu_count()}
    for name, s in samples.items():
        record["files"][name] = {"classes": s["classes"], **{
            f"{key}_{what}_s": statistics.median(sample[i] for sample in s[key])
            for key in ("in_process", "sandboxed") for i, what in ((0, "wall"), (1, "cpu"))}}
    if cli:
        keras_import = _timed([sys.executable, "-c", "import reference_keras"])
        record["keras_import_s"], record["keras_import_cpu_s"] = keras_import
        for path in files:
            record["files"][str(path)]["cli_s"], record["files"][str(path)]["cli_cpu_s"] = _cli(["check", str(path)])
        record["cli_all_files_s"], record["cli_all_files_cpu_s"] = _cli(["check", *map(str, files)])
    record["load_average"] = {"before": load_before, "after": os.getloadavg()}
    return record




def _shown(path):
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def run(paths=None, rounds=3, dtype="float64", cli=True, command="python -m comparisons speed --check"):
    """The benchmark as a Report (a study: no checks; its data is the record)."""
    from ..harness.learner_file import files_to_check
    files = files_to_check(paths) if paths else fixed_set()
    files = [f for f in files if f.suffix == ".py"]
    if not files:
        raise ValueError("no learner files to time")
    record = measure(files, rounds=rounds, dtype=dtype, cli=cli)
    with_classes = {k: v for k, v in record["files"].items() if v["classes"]}
    rows = [[_shown(name), v["classes"], *(f"{v[key]:.2f}" for key in (
        "in_process_wall_s", "sandboxed_wall_s", "in_process_cpu_s", "sandboxed_cpu_s")),
        *((f"{v['cli_s']:.1f}", f"{v['cli_cpu_s']:.1f}") if "cli_s" in v else ("-", "-"))]
        for name, v in record["files"].items()]

    def median(key):
        return statistics.median(v[key] for v in with_classes.values()) if with_classes else float("nan")

    summary = {key: median(key) for key in ("in_process_wall_s", "sandboxed_wall_s", "in_process_cpu_s",
                                            "sandboxed_cpu_s")}
    if cli and with_classes:
        summary["cli_s"], summary["cli_cpu_s"] = median("cli_s"), median("cli_cpu_s")
        summary["cli_all_files_per_file_s"] = record["cli_all_files_s"] / len(files)
        summary["cli_all_files_per_file_cpu_s"] = record["cli_all_files_cpu_s"] / len(files)
    record["summary"] = summary
    load = record["load_average"]
    lines = [f"Median over the {len(with_classes)} files with classes (of {len(files)}), {rounds} rounds, {dtype}: "
             f"in-process {summary['in_process_wall_s']:.2f} s wall ({summary['in_process_cpu_s']:.2f} s CPU), "
             f"sandboxed {summary['sandboxed_wall_s']:.2f} s wall ({summary['sandboxed_cpu_s']:.2f} s CPU, the "
             f"learner's process included): the sandbox costs "
             f"{summary['sandboxed_wall_s'] - summary['in_process_wall_s']:+.2f} s wall, "
             f"{summary['sandboxed_cpu_s'] - summary['in_process_cpu_s']:+.2f} s CPU per file."]
    if cli and with_classes:
        lines.append(f"`python -m comparisons check FILE.py`: median {summary['cli_s']:.1f} s per file, "
                     f"{summary['cli_cpu_s']:.1f} s CPU (each a fresh Python importing Keras: `import reference_keras` "
                     f"alone took {record['keras_import_s']:.1f} s, {record['keras_import_cpu_s']:.1f} s CPU); one "
                     f"`check` over all {len(files)} files: {record['cli_all_files_s']:.1f} s "
                     f"({record['cli_all_files_cpu_s']:.1f} s CPU), {summary['cli_all_files_per_file_s']:.1f} s per "
                     f"file ({summary['cli_all_files_per_file_cpu_s']:.1f} s CPU). CPU seconds are about what an idle "
                     f"machine takes: the work is mostly one thread at a time.")
    lines.append(f"Load average (1, 5, 15 min) before {', '.join(f'{x:.1f}' for x in load['before'])}, after "
                 f"{', '.join(f'{x:.1f}' for x in load['after'])}, on {record['cpus']} CPUs: a load above the "
                 f"CPU count means other work shared the machine, and every wall time is longer for it.")
    report = Report("check-latency", headline="Check latency: seconds to a verdict per learner file",
                    lead=f"Command: `{command}`.", intro=lines, summary_text=lines[0], check_table="none",
                    data=record)
    report.sections.append(Section("", ["file", "classes", "in-process s", "sandboxed s", "in-process CPU s",
                                        "sandboxed CPU s", "CLI s", "CLI CPU s"], rows, in_json=False))
    return report
