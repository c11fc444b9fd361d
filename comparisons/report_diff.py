"""`python -m comparisons diff OLD NEW` (`comparisons.diff(old, new)`): what changed between two
runs of the same reports, e.g. before and after upgrading Keras. OLD and NEW are report JSON
files, folders of them (matched by relative path), or Reports.

For each pair it says which checks changed verdict; which numbers moved by more than their
tolerance (and, as a count, which moved within it); which checks were added or removed; and what
changed in the environment (core.environment: Python, NumPy and its BLAS, Keras, TensorFlow and
its distribution, the twin's equations) and in the settings, with why where the report says it:
a change of the twin's L2 equation names the run's L2 factors that it moved.

Tolerances. A check's value moved beyond tolerance when it changed by more than the check's own
tolerance. Any other number is compared relatively, at the tolerance its tier allows between the
two sides for that kind of number (core.tolerances: accuracies as "accuracy", absolute; losses
as "final_loss"; the rest as "forward"), because two runs that differ by less agree as well as
scratchnet and Keras must; in float64 that is 1e-12 (accuracies exactly). Settings are compared
exactly; wall-clock times (a key or a table column "seconds", keys ending in "_ms") not at all.

The report is a Diff (a Report): it passes when nothing changed beyond tolerance (the CLI's exit
status 0; 1 when something did, 2 for bad usage). The reading of report JSON (`flatten`,
`check_fields`, `same`, times) is shared with tools/compare_numbers.py, the identity checker.
"""
import json
import math
import re
from collections import defaultdict
from pathlib import Path

from .core.environment import blas_text, twin_l2_text
from .core.result import Report, Section
from .core.tolerances import tolerance
from .render.report import json_text

TIME_KEYS = ("seconds",)
TIME_SUFFIXES = ("_seconds", "_ms")
TIME_PATTERNS = [re.compile(r"\bin \d+(\.\d+)? s\b"), re.compile(r", \d+(\.\d+)? s\.$")]
NOT_DATA = ("checks", "environment", "passed", "diagnosis")  # compared on their own, or shown, not as numbers
SHOWN = 20  # rows of a table on the terminal and in Markdown before "... and N more"


# -- reading report JSON (shared with tools/compare_numbers.py) ---------------------------------------
def is_time_key(key):
    return key in TIME_KEYS or (isinstance(key, str) and key.endswith(TIME_SUFFIXES))


def mask_times(line):
    """`line` with wall-clock times ("in 3.2 s", ", 22.2 s.") replaced by <time>."""
    for pattern in TIME_PATTERNS:
        line = pattern.sub("<time>", line)
    return line


def same(a, b):
    """Equal values of the same kind (NaN equals NaN; an int equals the float of its value)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                             and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def check_fields(report):
    """{check name: its JSON object} of a report's checks."""
    return {check["name"]: check for check in report.get("checks", [])}


def flatten(value, path="", skip=("checks",)):
    """{path: leaf} for every number, string, bool and None in `value`, skipping wall-clock times
    and the top-level keys in `skip`. Lists of sections are keyed by title, and a table column
    named "seconds" is skipped."""
    out = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if is_time_key(key) or (not path and key in skip):
                continue
            if key == "sections" and isinstance(item, list):
                for section in item:
                    out.update(_flatten_section(section, f"{path}sections[{section.get('title', '')!r}]"))
                continue
            out.update(flatten(item, f"{path}{key}.", skip))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{path[:-1] if path.endswith('.') else path}[{i}].", skip))
    else:
        out[path.rstrip(".")] = value
    return out


def _flatten_section(section, path):
    headers = section.get("headers", [])
    timed = {i for i, header in enumerate(headers) if is_time_key(header)}
    out = {f"{path}.title": section.get("title"), f"{path}.headers": json.dumps(headers)}
    for r, row in enumerate(section.get("rows", [])):
        for c, cell in enumerate(row):
            if c not in timed:
                out[f"{path}.rows[{r}][{c}]"] = cell
    if section.get("text"):
        out[f"{path}.text"] = section["text"]
    return out


# -- what moved ---------------------------------------------------------------------------------------
def number_tolerance(path, dtype):
    """(tolerance, relative) for the number at `path` of a report in `dtype` (see the module
    docstring)."""
    dtype = dtype if dtype in ("float32", "float64") else "float64"
    if path.startswith("settings."):
        return 0.0, False
    if "accuracy" in path:
        return tolerance(dtype, "accuracy"), False
    if "loss" in path:
        return tolerance(dtype, "final_loss"), True
    return tolerance(dtype, "forward"), True


def _number(value):
    """A float for a number or a numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def change(old, new, relative):
    """How far a number moved: |new - old|, divided by the larger magnitude when `relative`; 0.0
    for the same value (NaN included), inf for a change to or from NaN or inf."""
    if old == new or (math.isnan(old) and math.isnan(new)):
        return 0.0
    if not (math.isfinite(old) and math.isfinite(new)):
        return math.inf
    difference = abs(new - old)
    return difference / max(abs(old), abs(new)) if relative else difference


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.10g}"
    return "–" if value is None else str(value)


def _verdict(check):
    return "pass" if check.get("passed") else "FAIL"


class Diff(Report):
    """What changed between two runs of one report (or, with children, of a folder of them).
    `changed` lists what changed beyond tolerance; the report passes when nothing did."""

    def __init__(self, name, old_label, new_label):
        super().__init__(f"diff-{name}", check_table="none", heading=f"diff: {name} ({old_label} -> {new_label})",
                         headline=f"What changed in {name}: {old_label} -> {new_label}")
        self.environment = None  # the two runs' environments are compared; this one's is not the point
        self.changed = []

    @property
    def passed(self):
        return not self.changed and all(child.passed for child in self.children)

    @property
    def verdict(self):
        return "SAME" if self.passed else "CHANGED"


def _environment_rows(old, new):
    """[what, old, new] for each part of the environment that changed (a report without one: "not
    recorded")."""
    if not old and not new:
        return []
    if not old or not new:
        return [["environment", "recorded" if old else "not recorded", "recorded" if new else "not recorded"]]
    parts = [("Python", lambda e: e.get("python")), ("NumPy", lambda e: e.get("numpy")),
             ("BLAS", lambda e: blas_text(e.get("blas") or [])), ("Keras", lambda e: e.get("keras")),
             ("TensorFlow", lambda e: e.get("tensorflow")),
             ("TensorFlow distribution", lambda e: " and ".join(e.get("tensorflow_distributions") or []) or None),
             ("the twin's L2 equation", lambda e: twin_l2_text(e["twin"]) if e.get("twin") else None)]
    return [[what, _fmt(get(old)), _fmt(get(new))] for what, get in parts if get(old) != get(new)]


def _l2_why(old, new):
    """Why the run moved, if the twin's L2 equation changed: the factors it moved (or none)."""
    old_twin, new_twin = (old.get("environment") or {}).get("twin"), (new.get("environment") or {}).get("twin")
    if not old_twin or not new_twin or old_twin["l2"] == new_twin["l2"]:
        return []
    text = f"The twin's L2 equation changed: {old_twin['l2']} -> {new_twin['l2']}."
    old_factors, new_factors = old.get("l2_factors") or {}, new.get("l2_factors") or {}
    moved = [f"{layer} l2 = {l2:.10g}: the twin applied {old_factors[layer][1]!r} -> {applied!r}"
             for layer, (l2, applied) in new_factors.items()
             if layer in old_factors and old_factors[layer][1] != applied]
    if moved:
        return [f"{text} It moved this run's L2 factors ({'; '.join(moved)}), so the loss, the gradients of those "
                f"layers' kernels and the training that follows moved with them."]
    return [f"{text} No L2 factor of this run is moved by it (none, or float32 holds them exactly)."]


def compare(old, new, name, old_label="old", new_label="new"):
    """The Diff of two report JSON objects."""
    diff = Diff(name, old_label, new_label)
    dtype = new.get("dtype") or old.get("dtype")
    why = []
    env_rows = _environment_rows(old.get("environment"), new.get("environment"))
    if env_rows:
        diff.sections.append(Section("the environment that changed", ["part", "old", "new"], env_rows,
                                     numparse=False))
    why += _l2_why(old, new)

    # checks
    old_checks, new_checks = check_fields(old), check_fields(new)
    verdicts, moved_checks, tolerances, within = [], [], [], 0
    for check_name, before in old_checks.items():
        after = new_checks.get(check_name)
        if after is None:
            continue
        what = ": ".join(part for part in (after.get("kind"), after.get("subject")) if part)
        limit = max(before.get("tolerance") or 0.0, after.get("tolerance") or 0.0)
        moved = change(float(before["value"]), float(after["value"]), relative=False)
        if before.get("tolerance") != after.get("tolerance"):
            tolerances.append([check_name, _fmt(before.get("tolerance")), _fmt(after.get("tolerance"))])
        if bool(before.get("passed")) != bool(after.get("passed")):
            verdicts.append([check_name, what, f"{_verdict(before)} {before['value']:.3g}",
                             f"{_verdict(after)} {after['value']:.3g}", f"{limit:.0e}" if limit else "0",
                             after.get("diagnosis") or ""])
        elif moved > limit:
            moved_checks.append([check_name, what, f"{before['value']:.3g}", f"{after['value']:.3g}", f"{moved:.3g}",
                                 f"{limit:.0e}" if limit else "0"])
        elif moved > 0:
            within += 1
    removed = [name_ for name_ in old_checks if name_ not in new_checks]
    added = [name_ for name_ in new_checks if name_ not in old_checks]

    # every other number and text, grouped by path without list indices
    old_leaves, new_leaves = flatten(old, skip=NOT_DATA), flatten(new, skip=NOT_DATA)
    groups = defaultdict(lambda: {"beyond": 0, "within": 0, "largest": None})
    settings_rows = []
    for path, before in old_leaves.items():
        if path not in new_leaves:
            continue
        after = new_leaves[path]
        if path.startswith("settings."):
            if not same(before, after):
                settings_rows.append([path.removeprefix("settings."), _fmt(before), _fmt(after)])
            continue
        a, b = _number(before), _number(after)
        if a is not None and b is not None:
            limit, relative = number_tolerance(path, dtype)
            moved = change(a, b, relative)
        else:
            a_text = mask_times(before) if isinstance(before, str) else before
            b_text = mask_times(after) if isinstance(after, str) else after
            limit, relative, moved = 0.0, False, 0.0 if same(a_text, b_text) else math.inf
        if moved == 0.0:
            continue
        group = groups[re.sub(r"\[\d+\]", "[]", path)]
        group["beyond" if moved > limit else "within"] += 1
        if moved > limit and (group["largest"] is None or moved > group["largest"][0]):
            group["largest"] = (moved, path, before, after, limit, relative)
    number_rows = []
    for path, group in groups.items():
        within += group["within"]
        if group["beyond"]:
            moved, at, before, after, limit, relative = group["largest"]
            count = f"{group['beyond']} of {group['beyond'] + group['within']}" if "[]" in path else "1"
            number_rows.append([path, count, at if "[]" in path else "", _fmt(before), _fmt(after),
                                "text" if moved == math.inf and _number(before) is None else f"{moved:.3g}",
                                f"{limit:.0e}{'' if relative else ' abs'}" if limit else "exact"])
    fields_added = sorted({re.sub(r"\[\d+\]", "[]", p) for p in new_leaves if p not in old_leaves})
    fields_removed = sorted({re.sub(r"\[\d+\]", "[]", p) for p in old_leaves if p not in new_leaves})

    if settings_rows:
        diff.sections.append(Section("settings that changed", ["setting", "old", "new"], settings_rows,
                                     numparse=False))
        why.append(f"The settings changed ({', '.join(row[0] for row in settings_rows)}).")
    if verdicts:
        diff.sections.append(Section("checks that changed verdict",
                                     ["check", "kind: subject", "old", "new", "tolerance", "diagnosis now"],
                                     verdicts, numparse=False))
    if moved_checks:
        diff.sections.append(Section("check values that moved beyond their tolerance",
                                     ["check", "kind: subject", "old", "new", "moved by", "tolerance"],
                                     moved_checks, numparse=False))
    if tolerances:
        diff.sections.append(Section("tolerances that changed", ["check", "old", "new"], tolerances, numparse=False))
    if number_rows:
        diff.sections.append(Section("numbers that moved beyond their tolerance",
                                     ["number", "moved", "largest at", "old", "new", "change", "tolerance"],
                                     number_rows, numparse=False))
    if added or removed:
        diff.sections.append(Section("checks added or removed", ["check", "in"],
                                     [[n, "new only"] for n in added] + [[n, "old only"] for n in removed],
                                     numparse=False))
    if fields_added or fields_removed:
        diff.notes.append("fields only in the new report: " + ", ".join(fields_added) if fields_added else
                          "fields only in the old report: " + ", ".join(fields_removed))
        if fields_added and fields_removed:
            diff.notes.append("fields only in the old report: " + ", ".join(fields_removed))
    if not why and (verdicts or moved_checks or number_rows) and not env_rows:
        why.append("The settings and the environment are the same: the change is in the code (scratchnet, the twin "
                   "or the comparisons).")
    diff.diagnosis += why

    diff.changed = ([f"{len(verdicts)} checks changed verdict"] if verdicts else []) + (
        [f"{len(moved_checks)} check values moved beyond tolerance"] if moved_checks else []) + (
        [f"{sum(int(r[1].split()[0]) for r in number_rows)} numbers moved beyond tolerance"] if number_rows else []) + (
        [f"{len(added)} checks added"] if added else []) + ([f"{len(removed)} checks removed"] if removed else []) + (
        [f"{len(settings_rows)} settings changed"] if settings_rows else [])
    old_verdict, new_verdict = ("PASSED" if doc.get("passed") else "FAILED" for doc in (old, new))
    verdict = f"{old_verdict} -> {new_verdict}" if old_verdict != new_verdict else new_verdict
    environment = f"; environment: {', '.join(row[0] for row in env_rows)} changed" if env_rows else \
        "; same environment"
    what = ", ".join(diff.changed) if diff.changed else "nothing changed beyond tolerance"
    diff.summary_text = (f"diff {name}: {diff.verdict}: {what} ({within} numbers moved within tolerance; report "
                         f"{verdict}){environment}")
    diff.data = {"old": old_label, "new": new_label, "changed": diff.changed, "within_tolerance": within,
                 "verdicts": {"old": old.get("passed"), "new": new.get("passed")},
                 "environment_changes": env_rows, "why": why}
    return diff


# -- files, folders and Reports -------------------------------------------------------------------
class DiffUsageError(ValueError):
    """OLD or NEW is not a report, a folder of reports or a Report (the CLI exits 2)."""


def _report_json(report):
    return json.loads(json_text(report))


def _single(source):
    """Whether `source` is one report (a Report, its JSON object, a file) rather than several."""
    if isinstance(source, (Report, dict)):
        return True
    return not isinstance(source, (list, tuple)) and not Path(source).is_dir()


def _documents(source):
    """(label, {key: report JSON}, single) of a path (a JSON file, a folder of them), a Report, a
    report's JSON object, or a list of Reports."""
    if isinstance(source, Report):
        return source.name, {source.name: _report_json(source)}, True
    if isinstance(source, dict):
        return source.get("scenario", "report"), {source.get("scenario", "report"): source}, True
    if isinstance(source, (list, tuple)):
        found = {}
        for report in source:
            for part in [report, *report.attachments]:
                if "json" in part.files:
                    found[part.name] = _report_json(part)
        return "reports", found, False
    path = Path(source)
    if path.is_dir():
        found = {str(p.relative_to(path)): _read(p) for p in sorted(path.rglob("*.json"))}
        if not found:
            raise DiffUsageError(f"{path} holds no report JSON files")
        return str(path), found, False
    if not path.exists():
        raise DiffUsageError(f"no such file or folder: {path}")
    return path.name, {path.name: _read(path)}, True


def _labels(old, new, old_label, new_label):
    """Names for the two sides: two paths as their parts after the folders they share
    ("old/xor.json", "new/xor.json"), anything else as _documents named it."""
    if not all(isinstance(x, (str, Path)) for x in (old, new)):
        return old_label, new_label
    a, b = Path(old).resolve().parts, Path(new).resolve().parts
    shared = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)) - 1)
    return str(Path(*a[shared:])), str(Path(*b[shared:]))


def _read(path):
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DiffUsageError(f"{path} is not a report's JSON ({err})") from None
    if not isinstance(report, dict) or not isinstance(report.get("checks"), list):
        raise DiffUsageError(f"{path} is not a report's JSON (no list of checks); give the NAME.json a command wrote")
    return report


def run(old, new):
    """The Diff between `old` and `new`: each a report JSON file, a folder of them, a Report or a
    list of Reports. Two single reports are compared whatever their names; otherwise reports are
    matched by relative path (or name), and one only OLD has is a change."""
    if _single(old) != _single(new):
        raise DiffUsageError("give two reports, or two folders (or lists) of reports, not one of each")
    (old_label, old_docs, single), (new_label, new_docs, _) = _documents(old), _documents(new)
    old_label, new_label = _labels(old, new, old_label, new_label)
    if single:
        old_doc, (new_key, new_doc) = next(iter(old_docs.values())), next(iter(new_docs.items()))
        return compare(old_doc, new_doc, new_doc.get("scenario") or Path(new_key).stem, old_label, new_label)
    top = Diff("reports", old_label, new_label)
    for key, old_doc in old_docs.items():
        if key not in new_docs:
            top.changed.append(f"{key} missing in {new_label}")
            continue
        top.children.append(compare(old_doc, new_docs[key], Path(key).with_suffix("").as_posix(), old_label,
                                    new_label))
    added = [key for key in new_docs if key not in old_docs]
    if added:
        top.notes.append(f"only in {new_label}: {', '.join(added)}")
    if top.changed:
        top.diagnosis += top.changed
    changed = [child.name.removeprefix("diff-") for child in top.children if not child.passed]
    top.summary_text = (f"diff {old_label} -> {new_label}: {top.verdict}: {len(top.children)} reports compared, "
                        + (f"changed: {', '.join(changed + top.changed)}" if changed or top.changed else
                           "nothing changed beyond tolerance"))
    top.sections.append(Section("", ["report", "verdict", "what changed"],
                                [[child.name.removeprefix("diff-"), child.verdict,
                                  ", ".join(child.changed) or "nothing beyond tolerance"] for child in top.children],
                                numparse=False))
    top.data = {"old": old_label, "new": new_label, "missing": top.changed, "added": added}
    return top
