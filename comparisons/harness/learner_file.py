"""`python -m comparisons check FILE.py ...`: the classes of a learner's files against Keras,
each file imported and run in a process of its own (sandbox.py), so that nothing the file does
can fake the verdict or reach the checker's process.

Each file runs as a script would from its own folder (see _child.import_learner_file). Its
classes are those it defines and those it imports from the learner's other files (the book's
`from common.layers import *`). In one run a class is checked once: where a later file of the
run defines it, it is checked with that file; where an earlier file checked it already, it is
named with that verdict, not checked again (so `check ch05/*.py ch07/*.py common/` checks
common/layers.py's classes once). A class whose check the learner's process does not survive
(it exits, crashes, hangs past the time limit) fails with the cause, and the next class gets a
fresh process.

`load_classes(path)` imports a file in *this* process instead, for callers who trust it (the
Python API's `check(cls)` on a class they loaded themselves): afterwards sys.path, the working
directory, NumPy's global RNG and error settings, the warning filters and sys.modules (the
learner's own modules are dropped again) are as they were, and no bytecode was written.
"""
import contextlib
import os
import runpy
import sys
import warnings
from pathlib import Path

import numpy as np

from ..core.check import Check
from ..core.result import Report
from . import sandbox
from ._child import RUN_NAME, learners_module
from .sandbox import TIME_LIMIT, FileDoesNotImport, LearnerIncident

__all__ = ["FileDoesNotImport", "LearnerIncident", "TIME_LIMIT", "files_to_check", "check_files", "check_file",
           "load_classes"]
OUTPUT_LINES = 20  # lines of what the learner's code printed, shown with a class that failed


def files_to_check(paths):
    """The Python files the arguments name: a file itself, a folder's *.py files (recursively,
    sorted; __init__.py files left out). FileNotFoundError for a path that does not exist."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.py") if p.name != "__init__.py" and "__pycache__" not in p.parts)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file: {path}")
    seen, unique = set(), []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


class _Run:
    """What one run has checked: (defining file, qualified name) -> (result, the file it was
    checked with), the files still to come, and the caller's RNG state (each file imports with
    it, and it is put back after each file: the learner's draws move the one global RNG during a
    check, as in one process)."""

    def __init__(self, files, time_limit):
        self.checked, self.time_limit = {}, time_limit
        self.coming = [f.resolve() for f in files]
        self.rng = np.random.get_state()

    def open(self, path):
        """A learner's process for `path`, asked to import it (it does while the caller works)."""
        learner = sandbox.LearnerProcess(path, self.time_limit)
        now = np.random.get_state()
        np.random.set_state(self.rng)
        try:
            learner.begin_import()
        finally:
            np.random.set_state(now)
        return learner


def check_files(paths, dtype="float64", time_limit=TIME_LIMIT, opened=None):
    """One Report per file `paths` name (files_to_check), each with one CheckResult per class
    checked with it (its children). A file without classes gets a report that says so and is
    not a failure. Raises FileNotFoundError; for a single file, FileDoesNotImport and
    ValueError (no classes) too, where several files report them instead. `opened`: the first
    file's LearnerProcess, already importing (the CLI starts it before Keras loads)."""
    files = files_to_check(paths)
    run = _Run(files, time_limit)
    learner = opened if opened is not None else run.open(files[0])
    for index, path in enumerate(files):
        run.coming.pop(0)
        following = None
        try:
            if index + 1 < len(files):  # the next file starts and imports while this one is checked
                following = run.open(files[index + 1])
            report = _check_one(path, learner, run, dtype, single=len(files) == 1)
        except BaseException:
            if following is not None:
                following.close()
            raise
        finally:
            learner.close()
            np.random.set_state(run.rng)
        learner = following
        yield report


def check_file(path, dtype="float64", time_limit=TIME_LIMIT):
    """Every class `path` defines or imports from the learner's other files, checked against
    Keras in a process of its own (check_files of one file): a Report with one CheckResult per
    class. Raises FileNotFoundError, FileDoesNotImport, or ValueError for a file without
    classes."""
    return next(check_files([path], dtype=dtype, time_limit=time_limit))


def _file_report(path, dtype, lead):
    return Report(Path(path).stem, dtype=dtype, headline=f"{Path(path).name} against Keras", lead=lead,
                  summary_text=lead, check_table="none", files=("md",))


def _check_one(path, learner, run, dtype, single):
    try:
        found = learner.import_file()
    except FileDoesNotImport as err:
        if single:
            raise
        report = _file_report(path, dtype, f"{path}: does not import: {err}")
        report.not_checked = f"does not import: {err}"
        return report
    except LearnerIncident as err:
        report = _file_report(path, dtype, f"{path}: FAILED: {err.cause}")
        report.checks = [Check("import", float("inf"), 0.0, False, err.cause, kind="error", subject=str(path))]
        report.diagnosis = [err.cause]
        report.notes += _printed(learner, 0)
        return report
    functions = _function_families(learner)
    if not found and not functions:
        if single:
            raise ValueError(f"{path} defines no classes to check (nor CS231n's functions)")
        return _file_report(path, dtype, f"{path}: no classes to check")
    from .core import check, kind_of  # Keras loads here, once a file has imported
    here = Path(path).resolve()
    results, reused, named, restarted = [], [], [], []
    try:
        learner = _check_families(path, learner, run, dtype, functions, results, restarted)
        for cls, defining in found:
            key = (defining, cls.__qualname__)
            if key in run.checked:
                result, where = run.checked[key]
                named.append(f"{cls.__name__}: {result.verdict} with {where}")
                reused.append(result)
                continue
            if Path(defining) != here and Path(defining) in run.coming:
                named.append(f"{cls.__name__}: checked with {_shown(Path(defining))}, later in this run")
                continue
            learner, result = _guarded_check(
                path, learner, run, restarted, cls.__name__, lambda: kind_of(cls)[0], dtype,
                reload=lambda fresh: {(file, c.__qualname__): c for c, file in fresh.import_file()}[key],
                run_check=lambda obj: check(obj, dtype=dtype, siblings=[c for c, _ in found]), subject=cls)
            run.checked[key] = (result, _shown(here))
            results.append(result)
    finally:
        for process in restarted:
            process.close()
    return _assemble(path, dtype, results, reused, named)


def _function_families(learner):
    """The CS231n function families of the imported file (cs231n.families); [] where the file
    has none or its process cannot list them."""
    from . import cs231n
    try:
        return cs231n.families(learner.functions())
    except (LearnerIncident, FileDoesNotImport):
        return []


def _check_families(path, learner, run, dtype, families, results, restarted):
    """Check each CS231n function family of the file (cs231n.check_family) once per run, as the
    classes are; a family whose check ends the learner's process fails with the cause, and the
    next gets a fresh process. Returns the learner's process in use."""
    from . import cs231n
    from .core import CheckResult, check
    for label, family, fns, defining in families:
        key = (defining, label)
        if key in run.checked:
            results.append(run.checked[key][0])
            continue
        learner, result = _guarded_check(
            path, learner, run, restarted, label, lambda: family.kind if family else None, dtype,
            reload=lambda fresh: next((f for lab, _, f, _ in cs231n.families(fresh.functions()) if lab == label), fns),
            run_check=lambda these: cs231n.check_family(label, family, these, check, CheckResult, dtype=dtype),
            subject=fns)
        run.checked[key] = (result, _shown(Path(path).resolve()))
        results.append(result)
    return learner


def _guarded_check(path, learner, run, restarted, name, kind, dtype, reload, run_check, subject):
    """(the learner's process now in use, `run_check(subject)`'s result): where the last check
    ended the learner's process, a fresh one (kept in `restarted`) imports the file again and
    `reload(process)` finds the subject there; a check during which the process ends, or a file
    that no longer imports, fails as "the learner's process" with the cause (`kind()` names the
    result's kind); a failed result gets what the learner's code printed during its check."""
    from .core import CheckResult
    mark = learner.output.total
    try:
        if not learner.alive:  # the last check ended the process: a fresh one, the file imported again
            learner = run.open(path)
            restarted.append(learner)
            subject = reload(learner)
            mark = 0
        ended = learner.incident
        result = run_check(subject)
        if learner.incident != ended:  # the process ended where a check caught what it raised
            raise LearnerIncident(learner.incident)
    except (LearnerIncident, FileDoesNotImport) as err:
        cause = getattr(err, "cause", None) or f"the file no longer imports: {err}"
        result = CheckResult(name, kind(), np.dtype(dtype).name)
        result.checks = [Check("the learner's process", float("inf"), 0.0, False, cause, kind="error", subject=name)]
        result.diagnosis = [cause]
    if not result.passed:
        result.notes += _printed(learner, mark)
    return learner, result


def _shown(path):
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _printed(learner, mark):
    text = learner.output.since(mark).rstrip()
    if not text:
        return []
    lines = text.splitlines()
    shown = "\n".join(lines[-OUTPUT_LINES:])
    return [f"the learner's code printed{' (last lines)' if len(lines) > OUTPUT_LINES else ''}:\n{shown}"]


def _assemble(path, dtype, results, reused, named):
    """The file's report: the classes checked with it (its children), and one check per class
    it holds that was checked, here or with an earlier file of the run (named in a note)."""
    counted = [r for r in results + reused if r.not_checked is None]
    failed = [r.name for r in counted if not r.passed]
    not_checked = len(results) + len(reused) - len(counted)
    hiding = [r.name for r in results + reused if r.not_checked is not None and getattr(r, "could_hide", False)]
    warned = sum(len(r.warnings) for r in results)
    summary = (f"{path}: {len(counted) - len(failed)} of {len(counted)} checked classes match Keras ({dtype}); "
               f"{not_checked} not checked" + (f" ({len(hiding)} could hide a bug: {', '.join(hiding)})" if hiding
                                               else "")
               + (f"; {len(named)} named, checked with other files" if named else "")
               + (f"; FAILED: {', '.join(failed)}" if failed else "")
               + (f"; {warned} warning{'s' if warned != 1 else ''} (see WARNING above)" if warned else ""))
    report = _file_report(path, dtype, summary)
    report.hiding = hiding
    report.nothing_checked = not counted and not named
    report.children = results
    report.checks = [Check(r.name, float(len(r.failed)), 0.0, r.passed, r.diagnosis[0] if r.diagnosis else "",
                           kind="class", subject=r.name) for r in counted]
    report.notes = [f"not checked again: {line}" for line in named]
    return report


# -- in this process ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def _restored_process_state(folder):
    saved_path, saved_modules, saved_cwd = list(sys.path), set(sys.modules), os.getcwd()
    saved_rng, saved_err, saved_bytecode = np.random.get_state(), np.geterr(), sys.dont_write_bytecode
    sys.path.insert(0, str(folder))
    sys.path.append(str(folder.parent))
    sys.dont_write_bytecode = True
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        np.random.set_state(saved_rng)
        np.seterr(**saved_err)
        for name in set(sys.modules) - saved_modules:
            if learners_module(sys.modules.get(name)):
                del sys.modules[name]


def load_classes(path):
    """The classes of a learner's file, imported in this process, in the order its namespace
    holds them: those it defines, and those it imports from the learner's other files, not
    those from installed packages or from this project. For a file you trust: `check FILE.py`
    (check_files) runs a file in a process of its own instead."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    learner_modules = {RUN_NAME}
    with _restored_process_state(path.parent):
        before = set(sys.modules)
        try:
            namespace = runpy.run_path(str(path), run_name=RUN_NAME)
        except BaseException as err:  # noqa: BLE001  (SystemExit and KeyboardInterrupt included: the file ran them)
            if isinstance(err, KeyboardInterrupt):
                raise
            raise FileDoesNotImport(f"{type(err).__name__}: {err}") from err
        learner_modules |= {name for name in set(sys.modules) - before if learners_module(sys.modules[name])}
    return [value for value in namespace.values()
            if isinstance(value, type) and value.__module__ in learner_modules]
