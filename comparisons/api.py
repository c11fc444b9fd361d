"""The Python entry points, one per command of `python -m comparisons`, which calls them and then
prints and writes what they return. Each returns a Report (several: Reports) that shows itself: a
one-line `repr`, its terminal text with `print(...)`, and in a notebook its HTML (the verdict
first, tables, plots inline).

    import comparisons
    comparisons.run("xor", epochs=200)       # a scenario (options: any Settings field or optimizer option)
    comparisons.run("all")                   # Reports: xor, mnist, fashion-mnist, then the matrix
    comparisons.matrix()                     # the matrix (comparisons.matrix.run)
    comparisons.course.run("001", quick=True)  # a course text's page ("all": Reports of the five)
    comparisons.check_file("layers.py")      # a learner's file: a Report, a CheckResult per class
    comparisons.check_files("ch05/", "common/")  # Reports, one per file
    comparisons.check(MyAffine)              # one class or object (a CheckResult)
    comparisons.bugzoo()
    comparisons.speed(steps=50, rounds=3)    # options: those of `python -m comparisons speed`
    comparisons.book_optimizers(steps=100)
    comparisons.diff(old, new)               # two reports, report files or folders
    comparisons.render.write(report, "reports")  # the files the command line writes

Importing comparisons loads no Keras; each entry point loads it when it runs (diff never does).
Bad arguments raise UsageError (a ValueError; the command line prints its message and exits 2).
"""
import argparse
import importlib
import threading

from . import report_diff
from .core.result import Reports
from .scenarios import ALL, OPTIMIZER_OPTIONS, PRESETS, QUICK, QUICK_IN_ALL, Settings, build_optimizer

__all__ = ["UsageError", "run", "matrix", "check_file", "check_files", "bugzoo", "speed", "book_optimizers", "diff",
           "scenario_settings", "scenario_reports", "file_reports"]


class UsageError(ValueError):
    """Bad arguments to an entry point (a value out of range, a file that does not import)."""


# -- scenarios ----------------------------------------------------------------------------------------
SETTINGS_FIELDS = [name for name in Settings.__dataclass_fields__ if name != "scenario"]


def scenario_settings(name, quick=False, **options):
    """The preset `name` (its quick form with `quick`) with `options` (Settings fields; optimizer
    hyperparameters by name); a UsageError for an unknown scenario or option, a scenario with no
    quick form, or an option the optimizer does not have."""
    if name not in PRESETS:
        raise UsageError(f"unknown scenario {name!r}; known: {', '.join(PRESETS)}, all")
    if quick and name not in QUICK:
        raise UsageError(f"{name} has no quick form (scenarios with one: {', '.join(QUICK)})")
    unknown = [key for key in options if key not in SETTINGS_FIELDS and key not in OPTIMIZER_OPTIONS]
    if unknown:
        raise UsageError(f"{', '.join(unknown)}: not a scenario option; the options: {', '.join(SETTINGS_FIELDS)} and "
                         f"the optimizers' {', '.join(OPTIMIZER_OPTIONS)}")
    if options.get("hidden") is not None:
        options["hidden"] = tuple(options["hidden"])
    preset = PRESETS[name].with_options(**QUICK[name]) if quick else PRESETS[name]
    settings = preset.with_options(**options)
    try:
        build_optimizer(settings)  # refuses an option the optimizer lacks, or a value out of range
    except ValueError as err:
        raise UsageError(str(err)) from None
    return settings


def scenario_reports(settings, progress=None, with_matrix=False, fail_fast=False, announce=None):
    """Yield the Report of each Settings in `settings` as it finishes, then the matrix's (first,
    with fail_fast, whose checks are the quickest to fail), stopping after a failed one with
    fail_fast. `announce(text)` is told what starts ("== xor (float64) ==")."""
    def run_scenario(s):
        from . import scenarios
        if announce:
            announce(f"== {s.scenario} ({s.dtype}) ==")
        return scenarios.run(s, progress=progress)

    def run_matrix():
        if announce:
            announce("== matrix (float64) ==")
        return matrix(0, fail_fast=fail_fast)

    runs = [lambda s=s: run_scenario(s) for s in settings]
    if with_matrix:
        runs = [run_matrix, *runs] if fail_fast else [*runs, run_matrix]
    for run_ in runs:
        report = run_()
        yield report
        if fail_fast and not report.passed:
            return


def run(scenario="xor", *, progress=None, fail_fast=False, **options):
    """Run a scenario on both sides (`python -m comparisons SCENARIO`): its Report. "all" runs
    xor, mnist, fashion-mnist and mnist-cnn's quick form with `options`, then the matrix: their Reports."""
    if scenario == "all":
        settings = [scenario_settings(name, quick=name in QUICK_IN_ALL, **options) for name in ALL]
        return Reports(scenario_reports(settings, progress, with_matrix=True, fail_fast=fail_fast))
    return next(scenario_reports([scenario_settings(scenario, **options)], progress))


def matrix(seed=0, fail_fast=False):
    """The matrix (`python -m comparisons matrix`): its Report. Also `comparisons.matrix(...)`."""
    from . import matrix as the_matrix
    return the_matrix.run(seed, fail_fast=fail_fast)


# -- a learner's files --------------------------------------------------------------------------------
def _load_keras():
    """Import the checks (and Keras) in the background; an ImportError is left for the import that
    needs them, which raises it where it can be reported."""
    try:
        importlib.import_module("comparisons.harness.core")
    except ImportError:
        pass


def file_reports(paths, dtype="float64", time_limit=None):
    """Yield one Report per Python file `paths` name (files, or folders of them), each file
    imported and checked in a process of its own. Keras loads while the first file imports. A
    UsageError when no file is found, or when the only file does not import or has no classes."""
    from .harness import learner_file, sandbox
    time_limit = learner_file.TIME_LIMIT if time_limit is None else time_limit
    paths = [paths] if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__") else list(paths)
    try:
        files = learner_file.files_to_check(paths)
    except FileNotFoundError as err:
        raise UsageError(err) from None
    if not files:
        raise UsageError(f"no Python files in {' '.join(map(str, paths))}")
    first = sandbox.LearnerProcess(files[0], time_limit)
    first.begin_import()
    # Keras loads meanwhile (the checks import it once a file has imported; a file that does not import is
    # still told at once, and a run whose files all fail to import never waits for it)
    threading.Thread(target=_load_keras, daemon=True, name="import Keras").start()
    try:
        found = first.import_file()
        if not found and len(files) == 1 and not learner_file._function_families(first):
            raise UsageError(f"{files[0]} defines no classes to check (nor CS231n's functions)")
    except sandbox.FileDoesNotImport as err:
        if len(files) == 1:
            first.close()
            raise UsageError(f"{files[0]} does not import: {err}") from None
    except sandbox.LearnerIncident:
        pass  # the file's report says what happened
    except BaseException:
        first.close()
        raise
    yield from learner_file.check_files(files, dtype=dtype, time_limit=time_limit, opened=first)


def check_file(path, dtype="float64", time_limit=None):
    """Every class of a learner's file (and those it imports from the learner's other files)
    against Keras (`python -m comparisons check FILE.py`): a Report with one CheckResult per class."""
    return next(file_reports([path], dtype, time_limit))


def check_files(*paths, dtype="float64", time_limit=None):
    """`check_file` of every file `paths` name (folders: their *.py files): Reports, one per file;
    a class imported by several files is checked once."""
    return Reports(file_reports(paths, dtype, time_limit))


def bugzoo(seed=0):
    """The bug zoo through `check` (`python -m comparisons bugzoo`): its Report."""
    from .harness import bugzoo as zoo
    return zoo.run(seed)


# -- studies ------------------------------------------------------------------------------------------
def speed_options(**options):
    """The benchmark's options (`python -m comparisons speed --help`) at their defaults, with
    `options` (dtype, hidden, batch, steps, rounds, cnn_steps) replacing them."""
    from .studies import speed as benchmark
    parser = argparse.ArgumentParser()
    benchmark.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in options.items():
        if not hasattr(args, key):
            raise UsageError(f"{key}: not an option of speed; the options: {', '.join(vars(args))}")
        setattr(args, key, [value] if key in ("dtype", "hidden") and isinstance(value, (str, int)) else
                list(value) if key in ("dtype", "hidden") else value)
    return args


def speed(*, check=None, sweep=None, rounds=None, cli=True, command=None, **options):
    """The training-step benchmark (`python -m comparisons speed`): its Report. check=[paths]
    (or [] for the fixed set) times `check` per learner file instead (speed --check), with
    `cli` the command-line runs too; sweep=[axis names] (or [] for every axis) measures the cost
    curves instead (speed --sweep, comparisons/studies/sweep.py)."""
    import numpy as np

    from scratchnet import datasets

    from .studies import speed as benchmark
    if sweep is not None:
        from .studies import sweep as study
        if options or check is not None:
            given = [*options, *(["check"] if check is not None else [])]
            raise UsageError(f"speed(sweep=...) takes rounds only, not {', '.join(given)}")
        if isinstance(sweep, str):
            sweep = [sweep]
        unknown = [axis for axis in sweep if axis not in study.AXES]
        if unknown:
            raise UsageError(f"--sweep: unknown axis {', '.join(unknown)}; the axes: {', '.join(study.AXES)}")
        axes = {axis: study.AXES[axis][2] for axis in (sweep or study.AXES)}
        return study.run(datasets.load("mnist", dtype=np.float32), rounds=3 if rounds is None else rounds, axes=axes,
                         command=command or f"comparisons.speed(sweep={list(sweep)!r})")
    if check is not None:
        from .studies import check_latency
        if options:
            raise UsageError(f"speed(check=...) takes rounds and cli only, not {', '.join(options)}")
        try:
            return check_latency.run(list(check), rounds=3 if rounds is None else rounds, cli=cli,
                                     command=command or "comparisons.speed(check=...)")
        except (ValueError, FileNotFoundError) as err:
            raise UsageError(err) from None
    args = speed_options(**options, **({} if rounds is None else {"rounds": rounds}))
    data = datasets.load("mnist", dtype=np.float32)
    try:
        return benchmark.run(args, data, command or "comparisons.speed(" + ", ".join(
            f"{key}={value!r}" for key, value in {**options, **({} if rounds is None else {"rounds": rounds})}.items())
            + ")")
    except ValueError as err:
        raise UsageError(err) from None


def book_optimizers(steps=600):
    """The book's optimizers against scratchnet's closest settings (`python -m comparisons
    book-optimizers`): its Report."""
    import numpy as np

    from scratchnet import datasets

    from .studies import book_optimizers as study
    return study.run(datasets.load("mnist", dtype=np.float64), steps=steps)


def diff(old, new):
    """What changed between two runs (`python -m comparisons diff OLD NEW`): a Diff report that
    passes when nothing changed beyond tolerance. `old` and `new`: Reports, lists of them,
    report JSON files or folders of them (see comparisons.report_diff)."""
    try:
        return report_diff.run(old, new)
    except report_diff.DiffUsageError as err:
        raise UsageError(str(err)) from None
