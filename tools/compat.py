"""`make compat` and `make install-check`: install scratchnet into environments that already hold
their own Keras, TensorFlow and NumPy, as a user's would, and test it there.

Each cell of the matrix is one such environment: a fresh venv of the cell's Python in which the
cell's packages are installed first (the user's environment: a TensorFlow under either
distribution name, a Keras, a NumPy), then the scratchnet wheel built from this checkout, with
its `test` extra, as `pip install scratchnet.whl[test]` would install it there. The install
outcome says whether pip succeeded and whether it left the environment's packages as they were
(scratchnet must never replace a TensorFlow, Keras or NumPy that satisfies its ranges, nor add a
second TensorFlow). Then the tests run with that venv's Python from this checkout: by default the
whole suite as `make test` selects it (every test may depend on the NumPy version, and the
Keras-facing ones on Keras and TensorFlow), or `--quick` for the Keras-facing files only.

    python tools/compat.py                    # the matrix (CELLS), a table at the end
    python tools/compat.py --cells oldest newest --quick
    python tools/compat.py install-check      # Colab's situation, plus `python -m comparisons xor`
    python tools/compat.py install-check --packages tensorflow==2.20.0 keras==3.10.0 --json out.json

A cell whose Python is not on this machine is reported as skipped. Venvs go under --workdir
(default: <temp>/scratchnet-compat) and are removed after each cell unless --keep. Needs the
package registries (TensorFlow wheels are large: pip's cache makes reruns quick).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu")


@dataclass(frozen=True)
class Cell:
    name: str
    python: str        # "3.11"
    packages: tuple    # the environment before scratchnet: exact pins
    why: str


CELLS = [
    Cell("oldest", "3.11", ("tensorflow-cpu==2.18.1", "keras==3.8.0", "numpy==2.0.2"),
         "the lower end of every range: Keras without ops.heaviside, renorm or L2 rounding"),
    Cell("colab-2.19", "3.11", ("tensorflow==2.19.1", "keras==3.10.0", "numpy==2.0.2"),
         "plain `tensorflow` with Colab's Keras and NumPy of 2025"),
    Cell("tf-2.20", "3.11", ("tensorflow==2.20.0", "keras==3.13.2", "numpy==2.3.5"),
         "plain `tensorflow` 2.20; the last Keras that applies the L2 factor unrounded"),
    Cell("newest", "3.11", ("tensorflow-cpu==2.21.0", "keras==3.15.1", "numpy==2.4.6"),
         "the upper end of every range on Python 3.11"),
    Cell("py3.12-numpy2.5", "3.12", ("tensorflow-cpu==2.21.0", "keras==3.15.1", "numpy==2.5.5"),
         "NumPy 2.5 (Python >= 3.12 only)"),
    Cell("py3.13", "3.13", ("tensorflow==2.21.0", "keras==3.15.1", "numpy==2.5.5"),
         "the newest Python the package declares"),
]
INSTALL_CHECK = CELLS[1]  # colab-2.19: Colab's situation

# --quick: the tests whose outcome can depend on the Keras, TensorFlow or NumPy version: the twin
# and its feature detection, Keras's layers and optimizers against scratchnet's (golden values
# included), the pytest plugin (it reads the TensorFlow distribution), the course pages (heaviside),
# the import and the scratchnet display tests (NumPy, and a real Jupyter kernel).
QUICK_TESTS = ("tests/reference_keras", "tests/scratchnet/test_notebook_display.py",
               "tests/scratchnet/test_optimizers.py", "tests/scratchnet/test_import.py",
               "tests/comparisons/harness/test_pytest_plugin.py", "tests/comparisons/course/test_course.py")


@dataclass
class Outcome:
    cell: Cell
    install: str = "not run"
    installed: dict = field(default_factory=dict)  # distribution -> version, after installing scratchnet
    counts: dict = field(default_factory=dict)     # passed/failed/errors/skipped
    failures: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def environment(self):
        versions = {name.lower(): version for name, version in self.installed.items()}
        tensorflow = next((f"{name} {versions[name]}" for name in TENSORFLOW_DISTRIBUTIONS if name in versions), "?")
        return (f"{self.cell.name}: Python {self.cell.python}, {tensorflow}, keras {versions.get('keras', '?')}, "
                f"numpy {versions.get('numpy', '?')}")

    @property
    def tests(self):
        if not self.counts:
            return "not run"
        return ", ".join(f"{self.counts[key]} {key}" for key in ("passed", "failed", "errors", "skipped")
                         if self.counts.get(key))


def find_python(version):
    """An interpreter of `version` ("3.12"): this one, python3.12 on PATH (if it runs), or pyenv's."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(map(str, (Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def run(command, log, **kwargs):
    """Run `command`, appending its output to the file `log`; the exit status."""
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n")
        out.flush()
        return subprocess.run(list(map(str, command)), stdout=out, stderr=subprocess.STDOUT, **kwargs).returncode


def build_wheel(outdir, log):
    outdir.mkdir(parents=True, exist_ok=True)
    if run([sys.executable, "-m", "build", "--wheel", "--outdir", outdir, REPO], log) != 0:
        raise SystemExit(f"compat: building the wheel failed; see {log}")
    wheels = sorted(outdir.glob("scratchnet-*.whl"), key=os.path.getmtime)
    return wheels[-1]


def freeze(python):
    out = subprocess.run([python, "-m", "pip", "list", "--format", "json"], capture_output=True, text=True, check=True)
    return {item["name"].lower().replace("_", "-"): item["version"] for item in json.loads(out.stdout)}


def changes(before, after, keep):
    """What installing scratchnet did to the distributions in `keep` (and any second TensorFlow)."""
    notes = [f"{name} {before[name]} -> {after.get(name, 'removed')}" for name in keep
             if name in before and after.get(name) != before[name]]
    tensorflows = [name for name in TENSORFLOW_DISTRIBUTIONS if name in after]
    if len(tensorflows) > 1:
        notes.append(f"two TensorFlow distributions: {', '.join(tensorflows)}")
    return notes


def install(cell, wheel, venv, log, extra=("test",)):
    """Create the cell's environment, then install the wheel into it; (outcome text, before, after)."""
    python = find_python(cell.python)
    if python is None:
        return f"skipped: no Python {cell.python} here", {}, {}
    shutil.rmtree(venv, ignore_errors=True)
    if run([python, "-m", "venv", venv], log) != 0:
        return "failed: venv", {}, {}
    vpy = venv / "bin" / "python"
    run([vpy, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=24"], log)
    if run([vpy, "-m", "pip", "install", *cell.packages], log) != 0:
        return "failed: the environment itself", {}, {}
    before = freeze(vpy)
    target = f"{wheel}[{','.join(extra)}]" if extra else str(wheel)
    if run([vpy, "-m", "pip", "install", target], log) != 0:
        tail = Path(log).read_text().splitlines()[-3:]
        reason = next((line for line in tail if "ResolutionImpossible" in line or "ERROR" in line), "pip failed")
        return f"failed: {reason.strip()[:80]}", before, freeze(vpy)
    after = freeze(vpy)
    pinned = [re.split(r"[=<>!~]", spec)[0].lower() for spec in cell.packages]
    notes = changes(before, after, pinned)
    if run([vpy, "-m", "pip", "check"], log) != 0:
        notes.append("pip check reports broken requirements")
    return ("ok, environment kept" if not notes else "changed: " + "; ".join(notes)), before, after


SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def run_tests(venv, selection, log, env):
    """pytest with the venv's Python from this checkout; counts from its summary line, failing ids."""
    result = subprocess.run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
                            cwd=REPO, capture_output=True, text=True, env=env)
    with open(log, "a") as out:
        out.write(result.stdout + result.stderr)
    lines = result.stdout.strip().splitlines()
    counts = {}
    for word_count, word in SUMMARY.findall(lines[-1] if lines else ""):
        counts["errors" if word.startswith("error") else word] = int(word_count)
    failures = [line.split(" ", 1)[1].split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    if not counts:
        counts = {"errors": 1}
        failures = [f"pytest exited {result.returncode} without a summary (see {log})"]
    return counts, failures


def scratch_env(workdir):
    """The process environment for a cell: Keras and matplotlib configuration under the workdir."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(KERAS_HOME=str(workdir / "keras"), MPLCONFIGDIR=str(workdir / "matplotlib"))
    return env


def markdown_table(outcomes):
    rows = [("environment", "install outcome", "tests"), ("---", "---", "---")]
    rows += [(o.environment, o.install, o.tests) for o in outcomes]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def matrix(args):
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "compat.log"
    log.write_text("")
    wheel = build_wheel(workdir / "dist", log)
    selection = list(args.tests or (QUICK_TESTS if args.quick else ["tests"]))
    chosen = [cell for cell in CELLS if not args.cells or cell.name in args.cells]
    unknown = set(args.cells or ()) - {cell.name for cell in CELLS}
    if unknown:
        raise SystemExit(f"compat: unknown cell(s) {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(cell.name for cell in CELLS)}")
    outcomes = []
    for cell in chosen:
        start, outcome = time.monotonic(), Outcome(cell)
        venv = workdir / f"venv-{cell.name}"
        print(f"compat: {cell.name} ({cell.why}) ...", flush=True)
        outcome.install, _, outcome.installed = install(cell, wheel, venv, log)
        if outcome.install.startswith("ok") or outcome.install.startswith("changed"):
            outcome.counts, outcome.failures = run_tests(venv, selection, log, scratch_env(workdir))
        outcome.seconds = time.monotonic() - start
        print(f"compat: {outcome.environment} | {outcome.install} | {outcome.tests} ({outcome.seconds:.0f} s)",
              flush=True)
        for failure in outcome.failures:
            print(f"    {failure}", flush=True)
        if not args.keep:
            shutil.rmtree(venv, ignore_errors=True)
        outcomes.append(outcome)
    print(f"\ntests: {' '.join(selection)}; log: {log}\n")
    print(markdown_table(outcomes))
    if args.json:
        Path(args.json).write_text(json.dumps([{"cell": o.cell.name, "environment": o.environment,
                                                "install": o.install, "counts": o.counts,
                                                "failures": o.failures, "installed": o.installed}
                                               for o in outcomes], indent=1))
    bad = [o for o in outcomes if not (o.install.startswith("ok") or o.install.startswith("skipped"))
           or o.counts.get("failed") or o.counts.get("errors")]
    return 1 if bad else 0


def install_check(args):
    """Colab's situation: plain `tensorflow` (and Colab's Keras and NumPy) first, then the wheel
    with no extra. `import tensorflow` must still work, nothing installed before may change, no
    second TensorFlow may appear, and `python -m comparisons xor` must pass, from a folder outside
    this checkout so that the installed package is what runs."""
    cell = INSTALL_CHECK if not args.packages else Cell("custom", args.python, tuple(args.packages), "given")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "install-check.log"
    log.write_text("")
    wheel = build_wheel(workdir / "dist", log)
    venv = workdir / "venv-install-check"
    outcome, before, after = install(cell, wheel, venv, log, extra=())
    report = {"environment": " ".join(cell.packages), "python": cell.python, "install": outcome,
              "added": sorted(set(after) - set(before)),
              "changed": changes(before, after, sorted(before)) if after else []}
    if after:
        vpy, outside = venv / "bin" / "python", workdir / "outside"
        outside.mkdir(exist_ok=True)
        env = scratch_env(workdir)
        probe = subprocess.run([vpy, "-c", "import tensorflow as tf, keras, scratchnet, reference_keras; "
                                           "print(tf.__version__, keras.__version__, scratchnet.__file__)"],
                               cwd=outside, capture_output=True, text=True, env=env)
        report["import_tensorflow"] = probe.stdout.strip() if probe.returncode == 0 else probe.stderr.strip()[-500:]
        report["import_ok"] = probe.returncode == 0
        xor = subprocess.run([vpy, "-m", "comparisons", "xor", "--out", outside / "reports"], cwd=outside,
                             capture_output=True, text=True, env=env)
        report["xor_exit"] = xor.returncode
        report["xor_verdict"] = next((line for line in xor.stdout.splitlines() if line.startswith("xor:")),
                                     xor.stderr.strip()[-500:])
    if not args.keep:
        shutil.rmtree(venv, ignore_errors=True)
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    ok = (outcome.startswith("ok") and not report["changed"] and report.get("import_ok")
          and report.get("xor_exit") == 0 and not any(name in report["added"] for name in TENSORFLOW_DISTRIBUTIONS))
    return 0 if ok else 1


def main(argv=None):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "scratchnet-compat"))
    common.add_argument("--keep", action="store_true", help="keep the venvs")
    common.add_argument("--json", help="also write the outcome as JSON here")
    parser = argparse.ArgumentParser(prog="tools/compat.py", description=__doc__.split("\n\n")[0], parents=[common])
    parser.add_argument("--cells", nargs="+", help=f"cells to run (default all: {', '.join(c.name for c in CELLS)})")
    parser.add_argument("--quick", action="store_true", help="only the Keras-facing test files")
    parser.add_argument("--tests", nargs="+", help="pytest arguments instead of the whole suite")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("install-check", parents=[common],
                           help="install the wheel into an environment with plain tensorflow, run xor")
    check.add_argument("--python", default=INSTALL_CHECK.python)
    check.add_argument("--packages", nargs="+", help=f"the environment (default: {' '.join(INSTALL_CHECK.packages)})")
    args = parser.parse_args(argv)
    return install_check(args) if args.command == "install-check" else matrix(args)


if __name__ == "__main__":
    sys.exit(main())
