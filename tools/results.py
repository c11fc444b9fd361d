"""`make results`: run the commands whose numbers the docs quote, write docs/results.json and
docs/results.md, and fill the docs' result markers from them.

Every number that describes a run (an accuracy, a relative error, a check count, a time) reaches
the docs through a marker:

    <!-- result: all.mnist.test_accuracy -->0.9266<!-- /result -->

The text between the two comments is results.json's `text` for that key, written by `fill`; a
key whose text is a table (it starts with a newline) fills a block. tests/test_docs.py fails
when a marker's text differs from results.json, when a marker names a key results.json lacks,
and when a page quotes a measurement-looking number outside a marker (`measurements` below says
what looks like one).

    python tools/results.py run [RUN ...] [--slow] [--keep DIR]   run (default: the fast runs),
                                                                  update results.json/.md, fill
    python tools/results.py fill        fill the markers of README.md and docs/*.md
    python tools/results.py check       re-run the fast runs; exit 1 where a deterministic
                                        number no longer matches results.json
    python tools/results.py lint        list markers without a key and unmarked measurements
    python tools/results.py list        the runs and their commands

A run records its command, date, machine, load and the versions of Python, NumPy, Keras,
TensorFlow and the BLAS beside its numbers; running some runs again keeps the others' numbers
(and their provenance) as they were. Timings are kept but never compared by `check`: only
numbers marked deterministic are (float64 runs are bit for bit repeatable on one machine; `check`
compares the quoted text, at the precision the docs show).
"""
import argparse
import collections
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratchnet._files import write_text  # atomic: a killed run never leaves half a file

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS_JSON = DOCS / "results.json"
RESULTS_MD = DOCS / "results.md"
PYTHON = sys.executable


# -- markers -------------------------------------------------------------------------------------
MARKER = re.compile(r"<!-- result: (?P<key>[A-Za-z0-9_.\-]+) -->(?P<text>.*?)<!-- /result -->", re.DOTALL)


def pages(root=ROOT):
    """The pages whose markers are filled and checked: README.md and docs/*.md, except the
    generated results page."""
    return [root / "README.md", *sorted(p for p in (root / "docs").glob("*.md") if p.name != RESULTS_MD.name)]


def markers(text):
    """[(key, text, line number)] of every marker in a page."""
    return [(m["key"], m["text"], text.count("\n", 0, m.start()) + 1) for m in MARKER.finditer(text)]


def fill_text(text, results):
    """The page with every marker's text replaced by results[key]["text"]; unknown keys are left
    as they are (lint and the tests report them)."""
    def replace(match):
        entry = results.get(match["key"])
        if entry is None:
            return match[0]
        return f"<!-- result: {match['key']} -->{entry['text']}<!-- /result -->"
    return MARKER.sub(replace, text)


# -- what a measurement looks like (tests/test_docs.py applies it to every page) -----------------
# Outside markers, fenced code blocks, inline code and tables of definitions (a table right after a
# line `<!-- definitions -->`), a page may not contain:
#   - a number with a unit of time (12 s, 4.5 ms, 3 min, 2 minutes) or a percentage (97.49 %);
#   - a ratio said as one (1.7 times faster, 2.3x);
#   - a number in scientific notation other than a power of ten (7.0e-16, 5.6e-16; 1e-12 is an
#     order of magnitude, used for stated rules such as tolerances);
#   - a decimal with three or more digits after the point (0.9266, 0.544).
# Stated constants that look like one of these (the book's -log(1e-7) = 16.118, a default such as
# 0.999) go into inline code or into ALLOWED with the reason.
MEASUREMENT = re.compile(
    r"(?<![\w.])(?:"
    r"\d[\d,]*(?:\.\d+)?\s?(?:%|ms\b|µs\b|s\b|sec\b|seconds?\b|min\b|minutes?\b|h\b|hours?\b)"
    r"|\d+(?:\.\d+)?\s?(?:x|×|times)\s(?:faster|slower|as fast|more|less)"
    r"|\d+(?:\.\d+)?x(?![\w])"
    r"|\d(?:\.\d+)?e[-+]?\d+"
    r"|\d+\.\d{3,}"
    r")")
ALLOWED = {
    "16.118": "-log(1e-7), the loss of a probability clipped to 1e-7: arithmetic, not a run",
    "0.001": "Keras's default Adam learning rate",
    "0.999": "Keras's default Adam beta_2",
    "0.004": "Keras's default AdamW weight decay",
    "0.0001": "the course text 001's learning rate",
    "0.0155": "the initializer check's mean tolerance (6 standard errors), derived in tolerances.py",
    "0.0069": "the initializer check's KS tolerance, derived in tolerances.py",
}
_POWER_OF_TEN = re.compile(r"1e[-+]?\d+$")
_FENCE = re.compile(r"^(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_TABLE_ROW = re.compile(r"^\s*\|")


def measurements(text):
    """[(line number, token, line)] of measurement-looking numbers outside markers, code and
    tables of definitions."""
    text = MARKER.sub(lambda m: "\n" * m[0].count("\n"), text)  # keep line numbers
    found, fenced, definitions = [], False, False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.strip() == "<!-- definitions -->":
            definitions = True
            continue
        if definitions:
            if _TABLE_ROW.match(line):
                continue
            definitions = False
        scanned = _INLINE_CODE.sub("", line)
        for match in MEASUREMENT.finditer(scanned):
            token = match[0]
            if token in ALLOWED or _POWER_OF_TEN.match(token):
                continue
            found.append((number, token, line.strip()))
    return found


# -- links ---------------------------------------------------------------------------------------
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|<!--.*?-->", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    out, fenced = set(), False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


def broken_links(page):
    """[(line number, target, why)] of relative links from `page` whose file or anchor is missing."""
    text, broken = page.read_text(), []
    code_free = re.sub(r"```.*?```", lambda m: "\n" * m[0].count("\n"), text, flags=re.DOTALL)
    for match in LINK.finditer(code_free):
        target = match[1] or match[2]
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        line = code_free.count("\n", 0, match.start()) + 1
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append((line, target, "no such file"))
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
            broken.append((line, target, "no such heading"))
    return broken


# -- provenance ----------------------------------------------------------------------------------
def _version(*distributions):
    for name in distributions:
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def _benchmark_machine():
    """The speed benchmark's own record of the machine and versions (CPU model, cores, Python,
    NumPy, BLAS kernel): one home for it, in the project. Imported here, not at the top, so that
    the tests can load this tool without importing the project's pipelines."""
    from comparisons.studies.speed import machine as benchmark_machine
    return benchmark_machine()


def versions():
    """The versions a run used: the benchmark's record (Python, NumPy, BLAS) and the installed
    Keras, TensorFlow and scratchnet distributions."""
    record = _benchmark_machine()
    return {"python": record["python"], "numpy": record["numpy"], "keras": _version("keras").split()[-1],
            "tensorflow": _version("tensorflow", "tensorflow-cpu"), "scratchnet": record["scratchnet"],
            **({"blas": record["blas"]} if "blas" in record else {})}


def machine(env=None):
    """The machine a run ran on (no host name: the CPU, cores, memory and operating system), and
    the BLAS settings of the environment `env` it ran in."""
    env = os.environ if env is None else env
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = None
    record = _benchmark_machine()
    return {"cpu": record["cpu"], "cores": record["cpus"],
            "memory_gib": None if memory is None else round(memory, 1), "system": platform.platform(terse=True),
            "blas_env": {k: env[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
                         if k in env}}


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# -- the one reader of a command's report ----------------------------------------------------------
def _cells(line):
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _markdown_report(text):
    """Title, first paragraph and tables (under their headings) of a Markdown report page."""
    lines = text.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "")
    summary, sections, notes, heading, i = "", [], [], title, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("- "):
            notes.append({"subject": heading, "text": line[2:].strip()})
        elif line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|$", lines[i + 1].strip()):
            headers, rows, i = _cells(line), [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            sections.append({"title": heading, "headers": headers, "rows": rows})
            continue
        elif line.strip() and not summary and title and heading == title:
            summary = line.strip()
        i += 1
    checks = [{"name": row[0], "value": _number(row[1]), "tolerance": _number(row[2]), "passed": row[3] == "pass",
               "diagnosis": row[4] if len(row) > 4 else "", "subject": section["title"]}
              for section in sections if section["headers"][:4] == ["check", "value", "tolerance", "result"]
              for row in section["rows"]]
    return {"title": title, "summary": summary, "passed": None, "checks": checks, "sections": sections,
            "notes": notes, "data": {}}


def read_report(path):
    """A command's report as one shape, whatever the command wrote:
    {"title", "summary", "passed", "checks": [{"name", "value", "tolerance", "passed", ...}],
     "sections": [{"title", "headers", "rows"}], "notes": [{"subject", "text"}],
     "data": the report's own JSON ({} for a page)}.

    Scenarios and the matrix write JSON (SCENARIO.json, matrix.json); course pages, `check`,
    `bugzoo` and `book-optimizers` write Markdown, whose tables become sections and whose check
    tables become checks. This is the one place that knows the report formats."""
    path = Path(path)
    if path.suffix != ".json":
        return _markdown_report(path.read_text())
    data = json.loads(path.read_text())
    sections = [dict(section) for section in data.get("sections", [])]
    rows = data.get("rows")
    if rows and isinstance(rows[0], dict):  # the matrix's row table
        headers = list(rows[0])
        sections.insert(0, {"title": "rows", "headers": headers, "rows": [[row[h] for h in headers] for row in rows]})
    notes = [{"subject": data.get("scenario", path.stem), "text": text}
             for text in (*data.get("diagnosis", []), *data.get("notes", []))]
    return {"title": data.get("scenario", path.stem), "summary": "", "passed": data.get("passed"),
            "checks": data.get("checks", []), "sections": sections, "notes": notes, "data": data}


def _number(text):
    """The first number in a cell ('2.1e-15', '0.8253 (weight drift 1.1e-14)', '1,594'); None if none."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?", str(text))
    return None if match is None else float(match[0].replace(",", ""))


def section(report, title_start):
    """The first section whose title starts with `title_start`."""
    for candidate in report["sections"]:
        if candidate["title"].startswith(title_start):
            return candidate
    raise KeyError(f"no section starting {title_start!r} in {report['title']!r}: "
                   f"{[s['title'] for s in report['sections']]}")


def column(sec, header):
    index = sec["headers"].index(header)
    return [row[index] for row in sec["rows"]]


def row_where(sec, first_cell_start):
    for row in sec["rows"]:
        if str(row[0]).startswith(first_cell_start):
            return row
    raise KeyError(f"no row starting {first_cell_start!r} in section {sec['title']!r}")


def worst(checks, *words, exclude=()):
    """The largest value among checks whose name contains every word (and none of `exclude`)."""
    values = [c["value"] for c in checks
              if all(w in c["name"] for w in words) and not any(x in c["name"] for x in exclude)]
    if not values:
        raise KeyError(f"no check with {words}")
    return max(values)


# -- what each run contributes ---------------------------------------------------------------------
@dataclasses.dataclass
class Result:
    key: str
    value: object
    text: str
    what: str
    deterministic: bool = True  # False for timings and chaotic runs: recorded, never compared by `check`


def measured(key, value, fmt, what, deterministic=True):
    """A Result whose text is `fmt(value)`."""
    return Result(key, value, fmt(value), what, deterministic)


def rel(x):
    """A relative error as the docs quote it: two significant digits, 7.0e-16, or 0.54 from 0.01 up;
    exactly 0 is 0."""
    return "0" if x == 0 else f"{x:.2g}" if abs(x) >= 0.01 else f"{x:.1e}"


def accuracy(x):
    return f"{x:.4f}"


def percent(x, digits=2):
    return f"{100 * x:.{digits}f} %"


def seconds(x):
    return f"{x:.1f} s"


def count(n):
    return f"{int(n):,}"


def fraction(pair):
    return f"{pair[0]}/{pair[1]}"


def table(headers, rows):
    """A Markdown table as a block marker's text: blank lines around it, so that the table stands
    apart from the two comments in every Markdown renderer."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n\n" + "\n".join(lines) + "\n\n"


def block(key, headers, rows, what, deterministic=True):
    return Result(key, rows, table(headers, rows), what, deterministic)


def _summary_counts(text, pattern):
    match = re.search(pattern, text)
    if match is None:
        raise KeyError(f"{pattern!r} not in {text!r}")
    return [int(g.replace(",", "")) for g in match.groups()]


KINDS = (  # key, words every check name of the kind contains, words it must not contain, what
    ("forward", ("forward",), (), "worst relative error of a layer's output"),
    ("loss", ("loss",), ("trajectory", "final", "convention"), "relative error of the loss"),
    ("gradient", ("gradient", "Keras autodiff"), (), "worst relative error of a gradient (Keras autodiff)"),
    ("numerical", ("gradient", "numerical"), (), "worst relative error of backprop against central differences"),
    ("trajectory_loss", ("trajectory loss",), (), "worst per-step loss difference over the lockstep"),
    ("drift", ("trajectory weights",), (), "worst weight drift over the lockstep"),
)


def check_results(prefix, checks, what):
    """Check counts and the worst relative error of each kind of check."""
    out = [measured(f"{prefix}.checks", len(checks), count, f"{what}: checks"),
           measured(f"{prefix}.passed", sum(c["passed"] for c in checks), count, f"{what}: checks passed")]
    for key, words, exclude, label in KINDS:
        if any(all(w in c["name"] for w in words) for c in checks):
            out.append(measured(f"{prefix}.{key}", worst(checks, *words, exclude=exclude), rel, f"{what}: {label}"))
    return out


def side_results(prefix, sides, what, deterministic=True):
    """Each side's final test accuracy and loss (and seconds, never compared)."""
    out = []
    for side, name in (("scratchnet", "scratchnet"), ("keras", "Keras")):
        numbers = sides[side]
        out += [measured(f"{prefix}.{side}.test_accuracy", numbers["test_accuracy"], accuracy,
                         f"{what}: {name}'s test accuracy", deterministic),
                measured(f"{prefix}.{side}.test_loss", numbers["test_loss"], "{:.4f}".format,
                         f"{what}: {name}'s test loss", deterministic),
                measured(f"{prefix}.{side}.seconds", numbers["seconds"], seconds,
                         f"{what}: {name}'s training and evaluation time", deterministic=False)]
    if sides["scratchnet"]["test_accuracy"] == sides["keras"]["test_accuracy"]:
        out.append(measured(f"{prefix}.test_accuracy", sides["keras"]["test_accuracy"], accuracy,
                            f"{what}: test accuracy, both sides", deterministic))
    return out


def scenario_results(prefix, report, what):
    return [*check_results(prefix, report["checks"], what), *side_results(prefix, report["data"]["sides"], what)]


def all_results(out):
    """`python -m comparisons all`: xor, mnist, fashion-mnist, mnist-cnn's quick form, then the
    coverage matrix."""
    results = []
    for scenario in ("xor", "mnist", "fashion-mnist", "mnist-cnn"):
        key = scenario.replace("-", "_")
        results += scenario_results(f"all.{key}", read_report(out / f"{scenario}.json"), scenario)
    matrix = read_report(out / "matrix.json")
    checks, rows = matrix["checks"], section(matrix, "rows")
    options = section(matrix, "Optimizer options")
    total = sum(r.value for r in results if r.key.endswith(".checks")) + len(checks)

    def cells(header):
        return [v for v in (_number(cell) for cell in column(rows, header)) if v is not None]

    results += [
        measured("all.checks", total, count, "all: checks, the three scenarios and the matrix"),
        *check_results("all.matrix", checks, "matrix")[:2],
        *check_results("all.matrix", [c for c in checks if "float32" not in c["name"]], "matrix, float64")[2:],
        measured("all.matrix.rows", len(rows["rows"]), count, "matrix: combination rows"),
        measured("all.matrix.option_cases", sum("defaults" not in row[0] for row in options["rows"]), count,
                 "matrix: optimizer option values refused or accepted beside Keras's verdict"),
        measured("all.matrix.defaults", sum("defaults" in row[0] for row in options["rows"]), count,
                 "matrix: optimizers whose defaults are checked against Keras's"),
        measured("all.matrix.functions", len(section(matrix, "scratchnet.functions")["rows"]), count,
                 "matrix: function cases"),
        measured("all.matrix.initializers", len(section(matrix, "Initializers")["rows"]), count,
                 "matrix: initializers"),
        measured("all.matrix.roundtrips", len(section(matrix, "Round trips")["rows"]), count,
                 "matrix: round-trip models"),
        measured("all.matrix.seconds", matrix["data"]["seconds"], seconds, "matrix: time inside `all`",
                 deterministic=False),
        measured("all.matrix.min_option_effect", min(cells("min option effect")), "{:.1e}".format,
                 "matrix: the smallest effect of any option on its row's final weights"),
        measured("all.matrix.final", max(cells("final")), rel,
                 "matrix: worst relative error of a row's final loss and accuracy"),
    ]
    init = section(matrix, "Initializers")
    results.append(block("all.matrix.initializers_table",
                         ["initializer", "std, scratchnet / Keras", "max \\|value\\|", "KS D", "result"],
                         [[r[0], r[2], r[3], r[4], r[5]] for r in init["rows"]],
                         "matrix: each initializer's draw against Keras's"))
    return results


def regularized_results(out):
    """`python -m comparisons fashion-mnist-regularized`, with the book's conventions table."""
    report = read_report(out / "fashion-mnist-regularized.json")
    results = scenario_results("regularized", report, "fashion-mnist-regularized")
    book = section(report, "The book's BatchNormalization and Dropout")
    keys = {"Keras's conventions": "keras_conventions", "the book's BatchNormalization": "bn",
            "the book's non-inverted Dropout": "dropout", "both of the book's": "both"}
    for start, key in keys.items():
        row, prefix = row_where(book, start), f"regularized.book.{key}"
        results += [Result(f"{prefix}.test_accuracy", _number(row[1]), row[1], f"{row[0]}: test accuracy"),
                    Result(f"{prefix}.points", _number(row[2]), row[2], f"{row[0]}: points above Keras's conventions")]
        if key in ("keras_conventions", "bn"):
            drift = row[4].split(" (weight drift ")[1].rstrip(")")
            results += [Result(f"{prefix}.twin_drift", _number(drift), rel(_number(drift)),
                               f"{row[0]}: weight drift of the Keras twin in lockstep"),
                        Result(f"{prefix}.self_drift", _number(row[5]), rel(_number(row[5])),
                               f"{row[0]}: scratchnet against itself started one ulp apart, weight drift")]
    results.append(block("regularized.conventions_table", book["headers"], book["rows"],
                         "the book's BatchNormalization and Dropout against Keras's"))
    book_bn = [c for c in report["checks"] if c["name"].startswith("book BatchNormalization as Keras's")]
    exact = max(c["value"] for c in book_bn if c["tolerance"] == 1e-12)
    results += [measured("regularized.book_bn_as_keras.checks", len(book_bn), count,
                         "the book's BatchNormalization as Keras's with its settings: checks"),
                measured("regularized.book_bn_as_keras.worst", exact, rel,
                         "the book's BatchNormalization as Keras's with its settings: worst relative error")]
    return results


def _cell(report, exercise_start, header="scratchnet"):
    """A course page's cell: the row whose exercise starts with `exercise_start`."""
    rows = report["sections"][0]
    return row_where(rows, exercise_start)[rows["headers"].index(header)]


def _note(report, pattern, subject=""):
    """The first number a note (of the section `subject`) gives for the regex `pattern`."""
    for note in report["notes"]:
        match = re.search(pattern, note["text"])
        if match and note["subject"].startswith(subject):
            return float(match[1])
    raise KeyError(f"no note of {subject!r} matches {pattern!r}")


COURSE_TEXTS = ("000", "001", "002", "003", "004")


def course_results(out):
    """`python -m comparisons course all`: the five course texts' pages."""
    pages_ = {text: read_report(out / f"course-{text}.md") for text in COURSE_TEXTS}
    results, total = [], [0, 0]
    for text, page in pages_.items():
        agreeing, rows = _summary_counts(page["summary"], r"(\d+)/(\d+) rows agree")
        total = [total[0] + agreeing, total[1] + rows]
        results.append(measured(f"course.{text}.rows", [agreeing, rows], fraction, f"course {text}: rows that agree"))
    p000, p001, p003, p004 = (pages_[text] for text in ("000", "001", "003", "004"))
    untrained = _cell(p003, "untrained accuracy over seeds")
    results += [
        measured("course.rows", total, fraction, "course all: rows that agree / rows"),
        Result("course.000.test_accuracy", _number(_cell(p000, "test accuracy, batches of 100")),
               _cell(p000, "test accuracy, batches of 100"),
               "course 000: the 784-50-100-10 sigmoid network's test accuracy (both sides, every way of batching)"),
        measured("course.001.test_accuracy", _number(_cell(p001, "4-2 Test Acc %")), "{:.2f} %".format,
                 "course 001: test accuracy after the default 600 steps"),
        measured("course.003.test_accuracy", _number(_cell(p003, "test accuracy after training")), percent,
                 "course 003: the trained TwoLayerNet's test accuracy"),
        Result("course.003.untrained_range", untrained, untrained,
               "course 003: untrained accuracy, 20 seeds: min, mean, max"),
        measured("course.004.accuracy", _number(_cell(p004, "accuracy on the four inputs")),
                 lambda x: percent(x, 0), "course 004: accuracy on XOR's four inputs"),
    ]
    convention = section(p001, "Course convention")
    for start, key in (("Keras, default mean loss, equivalent lr", "equivalent_lr_drift"),
                       ("Keras, default mean loss, the course's lr unchanged", "same_lr_drift")):
        results.append(measured(f"course.001.{key}", _number(row_where(convention, start)[2]), rel,
                                f"course 001: {start}: weight drift after 600 steps"))
    results.append(block("course.001.convention_table", convention["headers"], convention["rows"],
                         "course 001: sum loss vs mean loss, 600 steps from the same weights and batches"))
    return results


CHECK_FILES = ("common/layers.py", "common/optimizer.py", "ch05/two_layer_net.py", "ch07/simple_convnet.py",
               "common/multi_layer_net_extend.py")


def check_file_results(out):
    """`python -m comparisons check` on the book-style transcriptions in tests/book_style/."""
    results = []
    for file in CHECK_FILES:
        name = Path(file).stem
        page = read_report(out / f"{name}.md")
        matched, checked, _ = _summary_counts(
            page["title"] + " " + page["summary"], r"(\d+) of (\d+) checked classes match Keras.*?(\d+) not checked")
        exact = [c["value"] for c in page["checks"] if c["tolerance"] == 1e-12 and c["value"] is not None]
        results += [measured(f"check.{name}.classes", [matched, checked], lambda p: f"{p[0]} of {p[1]}",
                             f"check {file}: classes that match Keras / classes checked"),
                    measured(f"check.{name}.worst", max(exact), rel,
                             f"check {file}: worst relative error among the checks held to 1e-12")]
    layers, optimizer = read_report(out / "layers.md"), read_report(out / "optimizer.md")
    three = "{:.3g}".format
    for key, page, pattern, subject, fmt, what in (
            ("layers.book_log_loss", layers, r"is (\S+) relative from Keras's exact log-softmax", "", rel,
             "the book's log(y + 1e-7) against Keras's exact loss (SoftmaxWithLoss, moderate logits)"),
            ("layers.relu_branch_error", layers, r"comes out (\S+) \(relative\)", "Relu", three,
             "the book's Relu writing into dout: dL/dx of a branch y = Relu(x) + x, relative error"),
            ("layers.bn_keras_defaults", layers, r"moves by (\S+) relative", "BatchNormalization", "{:.2g}".format,
             "the book's BatchNormalization with Keras's default epsilon: change of the normalised output"),
            ("optimizer.adagrad_keras_gap", optimizer, r"Keras Adagrad \(accumulator from 0.1.*?by up to (\S+) ",
             "AdaGrad", three, "Keras's default Adagrad against the book's AdaGrad, over 5 steps"),
            ("optimizer.adagrad_zero_gap", optimizer, r"initial_accumulator_value=0\).*?by up to (\S+) ",
             "AdaGrad", rel, "Keras's Adagrad(initial_accumulator_value=0) against the book's AdaGrad, over 5 steps"),
            ("optimizer.rmsprop_gap", optimizer, r"by up to (\S+) ", "RMSprop", rel,
             "Keras's RMSprop against the book's, over 5 steps")):
        results.append(measured(f"check.{key}", _note(page, pattern, subject), fmt, what))
    return results


def bugzoo_results(out):
    """`python -m comparisons bugzoo`: the catalogue of classic mistakes."""
    page = read_report(out / "bugzoo.md")
    flagged = _summary_counts(page["summary"], r"(\d+) of (\d+) mistakes flagged")
    zoo = page["sections"][0]
    return [measured("bugzoo.flagged", flagged, lambda p: f"{p[0]} of {p[1]}",
                     "bug zoo: mistakes flagged with their cause named / entries"),
            block("bugzoo.table", zoo["headers"][:4], [row[:4] for row in zoo["rows"]],
                  "bug zoo: each mistake and how it is flagged")]


BOOK_OPTIMIZERS = {"SGD": "sgd", "Momentum": "momentum", "Nesterov": "nesterov", "AdaGrad": "adagrad",
                   "RMSprop": "rmsprop", "Adam": "adam"}


def book_optimizer_results(out):
    """`python -m comparisons book-optimizers`: the book's optimizers beside the closest settings."""
    rows = read_report(out / "book-optimizers.md")["sections"][0]
    headers = rows["headers"]
    gaps = [h for h in headers if h.startswith("weight gap after")]
    results = [block("book_optimizers.table", headers, rows["rows"],
                     "the book's optimizers beside scratchnet's closest settings (Keras's equations)"),
               measured("book_optimizers.steps", _number(gaps[-1]), count, "book-optimizers: training steps")]
    for name, key in BOOK_OPTIMIZERS.items():
        row = row_where(rows, name)
        for header, when in ((gaps[0], "first"), (gaps[-1], "last")):
            results.append(measured(f"book_optimizers.{key}.gap_{when}", _number(row[headers.index(header)]), rel,
                                    f"book-optimizers: {name}, {header}"))
        for side in ("book", "closest"):
            value = row[headers.index(f"test accuracy ({side})")]
            results.append(Result(f"book_optimizers.{key}.accuracy_{side}", _number(value), value,
                                  f"book-optimizers: {name}, test accuracy ({side})"))
    return results


def _trajectory_gaps(trajectory):
    """The largest relative per-step loss difference and the largest weight drift over a whole run."""
    losses = [abs(a - b) / abs(b) for a, b in zip(trajectory["scratchnet_loss"], trajectory["keras_loss"]) if b]
    return max(losses), max(trajectory["weight_drift"])


def _loss_gap(sides):
    return abs(sides["scratchnet"]["test_loss"] - sides["keras"]["test_loss"]) / sides["keras"]["test_loss"]


def float32_results(out):
    """One epoch of fashion-mnist in float32 with RMSprop: the run behind the float32 tier's
    trajectory tolerances. float32 lockstep runs are chaotic once they part (a ReLU that switches on
    one side only), so their numbers are recorded, not compared by `check`."""
    report = read_report(out / "fashion-mnist.json")
    sides, trajectory = report["data"]["sides"], report["data"]["trajectory"]
    step_loss, drift = _trajectory_gaps(trajectory)
    parted = next((step for step, value in zip(trajectory["drift_steps"], trajectory["weight_drift"]) if value > 1e-4),
                  None)
    what = "fashion-mnist, float32, RMSprop 0.001, one epoch"
    accuracy_gap = abs(sides["scratchnet"]["test_accuracy"] - sides["keras"]["test_accuracy"])
    return [
        measured("float32.checks", len(report["checks"]), count, f"{what}: checks"),
        measured("float32.step_loss", step_loss, rel, f"{what}: largest per-step loss difference, relative", False),
        measured("float32.drift", drift, rel, f"{what}: largest weight drift over the epoch", False),
        measured("float32.parted_at", parted, lambda s: "none" if s is None else count(s),
                 f"{what}: first step with a weight drift above 1e-4", False),
        measured("float32.test_loss_gap", _loss_gap(sides), rel, f"{what}: final test losses, relative difference",
                 False),
        measured("float32.accuracy_gap", accuracy_gap, accuracy, f"{what}: final test accuracies, difference", False),
    ]


def _split_tiers(checks, prefix="float64 tier: "):
    exact = [dict(c, name=c["name"][len(prefix):]) for c in checks if c["name"].startswith(prefix)]
    return exact, [c for c in checks if not c["name"].startswith(prefix)]


def _two_tier_results(key, scenario, extras):
    """The results of a two-tier scenario (`mnist-cnn`, `mnist-rows`, `text-lm`): the float64
    tier's checks and the float32 training run, whose final numbers are recorded, not compared by
    `check` (float32 training is chaotic after a few hundred steps); `extras(report)` adds the
    scenario's own numbers."""
    def results(out):
        report = read_report(out / f"{scenario}.json")
        exact, fast = _split_tiers(report["checks"])
        sides, trajectory = report["data"]["sides"], report["data"]["trajectory"]
        found = [*check_results(key, report["checks"], scenario),
                 *check_results(f"{key}.float64", exact, f"{scenario}, float64 tier")[2:],
                 *check_results(f"{key}.float32", fast, f"{scenario}, float32 run")[2:],
                 *side_results(key, sides, f"{scenario} (float32)", deterministic=False),
                 measured(f"{key}.steps", trajectory["steps"], count, f"{scenario}: float32 steps")]
        mixed = {f"{key}.{name}" for name in ("forward", "loss", "gradient", "numerical", "trajectory_loss", "drift")}
        return [r for r in found if r.key not in mixed] + extras(report)  # `mixed`: both tiers together
    return results


def _step_loss(key, scenario, report):
    step_loss, _ = _trajectory_gaps(report["data"]["trajectory"])
    return measured(f"{key}.float32.step_loss", step_loss, rel,
                    f"{scenario}: largest per-step loss difference over the float32 run, relative", False)


def _cnn_extras(report):
    sides, trajectory = report["data"]["sides"], report["data"]["trajectory"]
    results = [_step_loss("cnn", "mnist-cnn", report),
               measured("cnn.float32.test_loss_gap", _loss_gap(sides), rel,
                        "mnist-cnn: final float32 test losses, relative difference", False)]
    steps = trajectory["drift_steps"]
    for target in (100, 200, 400, steps[-1]):
        step = next(s for s in steps if s >= target)
        results.append(measured(f"cnn.float32.drift_at.{'last' if target == steps[-1] else target}",
                                trajectory["weight_drift"][steps.index(step)], rel,
                                f"mnist-cnn: float32 weight drift at step {step}", False))
    return results


def _text_lm_extras(report):
    """Both sides' perplexity and the uniform and unigram baselines."""
    perplexity = report["data"]["perplexity"]
    results = [measured("text_lm.uniform_perplexity", perplexity["uniform"], "{:.0f}".format,
                        "text-lm: perplexity of the uniform model (the vocabulary's size)"),
               measured("text_lm.unigram_perplexity", perplexity["unigram"], "{:.2f}".format,
                        "text-lm: test perplexity of the unigram model (training frequencies)")]
    for side in ("scratchnet", "keras"):
        for split in ("train", "test"):
            results.append(measured(f"text_lm.{side}.{split}_perplexity", perplexity[side][split], "{:.3f}".format,
                                    f"text-lm (float32): {side}'s {split} perplexity", False))
    return results


cnn_results = _two_tier_results("cnn", "mnist-cnn", _cnn_extras)
rows_results = _two_tier_results("rows", "mnist-rows", lambda report: [_step_loss("rows", "mnist-rows", report)])
text_lm_results = _two_tier_results("text_lm", "text-lm", _text_lm_extras)


def textbook_results(out):
    """`python -m comparisons textbook-mnist`: course text 001's full recipe on both sides."""
    report = read_report(out / "textbook-mnist.json")
    convention = section(report, "Course convention")
    return [*scenario_results("textbook", report, "textbook-mnist"),
            measured("textbook.test_accuracy_percent", report["data"]["sides"]["keras"]["test_accuracy"], percent,
                     "textbook-mnist: Keras's test accuracy, in percent"),
            measured("textbook.steps", report["data"]["trajectory"]["steps"], count, "textbook-mnist: lockstep steps"),
            block("textbook.convention_table", convention["headers"], convention["rows"],
                  "textbook-mnist: sum loss vs mean loss from the same weights and batches")]


def speed_results(out):
    """`python -m comparisons speed`: medians and ratios of one benchmark run (all timings)."""
    record = read_report(out / "speed.json")["data"]
    rows = [[dtype, name, *(f"{v[k]:.3f}" for k in ("median_ms", "min_ms", "max_ms"))]
            for dtype, contenders in record["results"].items()
            for name, v in contenders.items() if isinstance(v, dict) and "median_ms" in v]
    results = [
        measured("speed.blas", record["machine"].get("blas"), str,
                 "speed: the BLAS the benchmark ran with (its kernel and threads)", False),
        measured("speed.peak_rss", record["scratchnet_peak_rss_mib"], "{:.0f} MiB".format,
                 "speed: scratchnet's peak resident memory before TensorFlow loads", False),
        block("speed.table", ["dtype", "contender", "median ms/step", "min", "max"], rows,
              "speed: the MLP step, per contender", False)]
    for group, ratios in record["ratios"].items():
        results += [measured(f"speed.{group}.{key}", value, "{:.2f}".format,
                             f"speed: {group} {key.replace('_', ' ')}", False) for key, value in ratios.items()]
    cnn = record.get("cnn", {})  # one row per CNN dtype: {dtype: {contender: summary, ...}}
    if cnn:
        from comparisons.studies.speed import CNN_CONTENDERS
        rows = [[dtype, name, *(f"{row[name][k]:.2f}" for k in ("median_ms", "min_ms", "max_ms"))]
                for dtype, row in cnn.items() for name in CNN_CONTENDERS if name in row]
        results.append(block("speed.cnn.table", ["dtype", "contender", "median ms/step", "min", "max"], rows,
                             "speed: the SimpleConvNet step, per dtype and contender", False))
    for dtype, row in cnn.items():
        parts = sorted(row["breakdown_ms"].items(), key=lambda kv: -kv[1])
        total = sum(ms for _, ms in parts)
        results.append(block(f"speed.cnn_{dtype}.breakdown_table", ["part", "ms/step", "share"],
                             [[name, f"{ms:.2f}", f"{ms / total:.0%}"] for name, ms in parts],
                             f"speed: where scratchnet's {dtype} CNN step goes", False))
        if row.get("one_blas_thread_bit_identical") is not None:
            results.append(measured(f"speed.cnn_{dtype}.one_blas_thread_bit_identical",
                                    row["one_blas_thread_bit_identical"], lambda same: "yes" if same else "no",
                                    f"speed: {dtype} CNN, one epoch on 1 BLAS thread bit-identical", False))
    return results


def check_latency_results(out):
    """`python -m comparisons speed --check`: seconds to a verdict per learner file of the fixed set
    (comparisons/studies/check_latency.py), medians over the files with classes (all timings)."""
    record = read_report(out / "check-latency.json")["data"]
    summary, seconds = record["summary"], "{:.1f} s".format
    rows = [[str(Path(name).relative_to(ROOT)) if Path(name).is_relative_to(ROOT) else name, v["classes"],
             *(f"{v[key]:.1f}" for key in ("in_process_wall_s", "sandboxed_wall_s", "sandboxed_cpu_s", "cli_s",
                                           "cli_cpu_s"))]
            for name, v in record["files"].items()]
    load = record["load_average"]
    return [block("check_latency.table", ["file", "classes", "in-process s", "sandboxed s", "sandboxed CPU s",
                                          "`check FILE` s", "`check FILE` CPU s"], rows,
                  "check latency: per file of the fixed set", False),
            *(measured(f"check_latency.{key}{suffix}", value, seconds, f"check latency: {what}, {kind}", False)
              for key, what, wall, cpu in (
                  ("cli", "`check FILE.py`, median over the files", summary["cli_s"], summary["cli_cpu_s"]),
                  ("keras_import", "`import reference_keras` alone", record["keras_import_s"],
                   record["keras_import_cpu_s"]),
                  ("sandboxed", "the checks of a file with Keras loaded, in its own process",
                   summary["sandboxed_wall_s"], summary["sandboxed_cpu_s"]))
              for suffix, kind, value in (("", "wall", wall), ("_cpu", "CPU", cpu))),
            measured("check_latency.all_files_per_file", summary["cli_all_files_per_file_s"], seconds,
                     "check latency: one `check` over all the files, per file, wall", False),
            measured("check_latency.load", load["before"][0], "{:.1f}".format,
                     "check latency: the machine's 1-minute load average when the run began", False)]


def compat_results(out):
    """`python tools/compat.py --quick --json`: one row per environment of the version matrix (its
    packages, whether installing scratchnet kept them, the Keras-facing tests' counts)."""
    outcomes = json.loads((out / "compat.json").read_text())

    def tests(counts):
        return ", ".join(f"{n} {word}" for word, n in counts.items()) if counts else "not run"

    rows = [[o["environment"], o["install"], tests(o["counts"])] for o in outcomes]
    failing = sum(o["counts"].get("failed", 0) + o["counts"].get("errors", 0) for o in outcomes)
    return [block("compat.table", ["environment", "install outcome", "Keras-facing tests"], rows,
                  "compat: the version matrix (tools/compat.py --quick)", False),
            measured("compat.failing", failing, count, "compat: failed tests over every environment", False)]


def speed_profile_results(out):
    """The profile of each scratchnet step in the speed run: ms per kind per part, and the shares."""
    from comparisons.studies.speed import PROFILE_HEADERS, profile_rows
    record = read_report(out / "speed.json")["data"]
    labelled = [*((dtype, results) for dtype, results in record["results"].items()),
                *((f"cnn_{dtype}", cnn) for dtype, cnn in record.get("cnn", {}).items())]
    return [block(f"speed.profile.{label}", PROFILE_HEADERS, profile_rows(results["profile_ms"]),
                  f"speed: profile of scratchnet's {label.replace('_', ' ')} step", False)
            for label, results in labelled if "profile_ms" in results]


IMAGES = DOCS / "images"


def sweep_results(out):
    """`python -m comparisons speed --sweep`: a table per axis and the crossover points (all
    timings); its plots are copied to docs/images/ for docs/performance.md."""
    from comparisons.studies import sweep
    record = read_report(out / "sweep.json")["data"]
    IMAGES.mkdir(exist_ok=True)
    results = []
    for axis, points in record["points"].items():
        shutil.copyfile(out / f"sweep_{axis}.png", IMAGES / f"sweep_{axis}.png")
        rows = [[p["value"], *(f"{p[sweep.STAT][name]:.3f}" for name in sweep.CONTENDERS),
                 *(f"{p[sweep.STAT][name] / p[sweep.STAT]['scratchnet']:.2f}" for name in sweep.KERAS)]
                for p in points]
        results.append(block(f"sweep.{axis}.table", [sweep.AXES[axis][1], "least ms: scratchnet", "floor", "Keras fit",
                                                     "tf.function", "Keras fit / scratchnet",
                                                     "tf.function / scratchnet"], rows,
                             f"sweep: step time against {sweep.AXES[axis][1]} ({sweep.AXES[axis][3]})", False))
        results += [measured(f"sweep.{axis}.crossover.{name}", sweep.crossover_text(points, name), str,
                             f"sweep: {axis}: where scratchnet stops being ahead of {name}", False)
                    for name in sweep.KERAS]
    return results


# -- the runs ------------------------------------------------------------------------------------
@dataclasses.dataclass
class Run:
    name: str
    commands: list  # argument lists after `python -m comparisons`; "{out}" is the run's folder
    extract: object  # out folder -> [Result]
    slow: bool = False
    env_unset: tuple = ()  # environment variables the command runs without (as the Makefile's target)
    by_name_only: bool = False  # not in `--slow`: run only when named (`make results RUNS=compat`)

    def command_lines(self):
        unset = "".join(f"-u {name} " for name in self.env_unset)
        return [("env " + unset if unset else "") + " ".join(["python", *_argv_head(args), *args]).replace(
            "{out}", "DIR") for args in self.commands]


def _argv_head(args):
    """What runs a command's arguments: a development tool (tools/*.py) itself, else `-m comparisons`."""
    return [] if args[0].endswith(".py") else ["-m", "comparisons"]


def keras_corpus_results(out):
    """tools/keras_corpus.py over every model of tests/corpus/keras_models (both splits)."""
    rows = json.loads((out / "corpus.json").read_text())
    lines = []
    for split in ("development", "held-out"):
        for sequence in (False, True):
            group = [r for r in rows if r["split"] == split and r["sequence"] is sequence]
            converted = [r for r in group if r["status"] == "converted"]
            agree = [r for r in converted if r.get("agrees")]
            lines.append([split, "sequence (issue 23)" if sequence else "non-sequence", count(len(group)),
                          fraction((len(converted), len(group))), fraction((len(agree), len(converted)))])
    families = collections.defaultdict(set)
    for r in rows:
        for blocker in r.get("blockers", []):
            families[blocker["family"]].add(r["name"])
    refusals = [[family.splitlines()[0].replace("|", "/"), count(len(names)), ", ".join(sorted(names))]
                for family, names in sorted(families.items(), key=lambda item: (-len(item[1]), item[0]))]
    disagree = [[r["name"], r["split"], " ".join(r.get("cause", "").split()).replace("|", "/")] for r in rows
                if r["status"] == "converted" and not r.get("agrees")]
    non_sequence_dev = [r for r in rows if r["split"] == "development" and not r["sequence"]]
    return [block("keras-corpus.table", ["split", "models", "count", "convert", "converted and agree at 1e-12"],
                  lines, "from_keras on the Keras-model corpus: conversions and agreement (float64, one batch per "
                  "layer, loss, gradients, 20-step lockstep)"),
            block("keras-corpus.refusals", ["what blocks", "models", "which"], refusals or [["none", "0", ""]],
                  "every layer, option, loss and metric that blocks a refused corpus model"),
            block("keras-corpus.disagreements", ["model", "split", "cause"], disagree or [["none", "", ""]],
                  "converted corpus models that disagree with Keras, and why"),
            measured("keras-corpus.dev.convert", sum(r["status"] == "converted" for r in non_sequence_dev),
                     lambda n: fraction((n, len(non_sequence_dev))), "non-sequence development models converted")]


def keras_goldens_results(out):
    """tools/keras_goldens.py: the summary table of its report."""
    text = (out / "goldens.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("| ")][2:7]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    return [block("keras-goldens.table", ["family", "cases", "Keras reproduces (float32)", "float64 run passes",
                                          "golden precision (float64 / float32 / rounded / float32 only / "
                                          "statistical)", "scratchnet: match / mismatch / raises / not offered"],
                  rows, "Keras's unit-test golden values against Keras and scratchnet")]


RUNS = {run.name: run for run in [
    Run("all", [["all", "--out", "{out}", "--no-progress"]], all_results),
    Run("regularized", [["fashion-mnist-regularized", "--out", "{out}", "--no-progress"]], regularized_results),
    Run("float32", [["fashion-mnist", "--dtype", "float32", "--optimizer", "rmsprop", "--learning-rate", "0.001",
                     "--out", "{out}", "--no-progress"]], float32_results),
    Run("course", [["course", "all", "--out", "{out}", "--no-progress"]], course_results),
    Run("check", [["check", f"tests/book_style/{file}", "--out", "{out}"] for file in CHECK_FILES],
        check_file_results),
    Run("bugzoo", [["bugzoo", "--out", "{out}"]], bugzoo_results),
    Run("book-optimizers", [["book-optimizers", "--out", "{out}"]], book_optimizer_results),
    Run("mnist-cnn", [["mnist-cnn", "--out", "{out}", "--no-progress"]], cnn_results, slow=True),
    Run("mnist-rows", [["mnist-rows", "--out", "{out}", "--no-progress"]], rows_results, slow=True),
    Run("text-lm", [["text-lm", "--out", "{out}", "--no-progress"]], text_lm_results, slow=True),
    Run("textbook-mnist", [["textbook-mnist", "--out", "{out}", "--no-progress"]], textbook_results, slow=True),
    Run("keras-corpus", [["tools/keras_corpus.py", "--report", "{out}/corpus.md", "--json", "{out}/corpus.json"]],
        keras_corpus_results, slow=True),
    Run("keras-goldens", [["tools/keras_goldens.py", "--report", "{out}/goldens.md"]], keras_goldens_results,
        slow=True),
    Run("speed", [["speed", "--out", "{out}"]], lambda out: [*speed_results(out), *speed_profile_results(out)],
        slow=True, env_unset=("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")),
    Run("sweep", [["speed", "--sweep", "--out", "{out}"]], sweep_results, slow=True,
        env_unset=("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")),
    Run("check-latency", [["speed", "--check", "--out", "{out}"]], check_latency_results, slow=True),
    # Tens of minutes: six fresh venvs from the package registries (docs/development.md).
    Run("compat", [["tools/compat.py", "--quick", "--workdir", "{out}/envs", "--json", "{out}/compat.json"]],
        compat_results, slow=True, by_name_only=True),
]}


def execute(run, out):
    """Run every command of `run` with its output in `out`; returns the run's provenance. A
    command that fails stops the run (its numbers would describe a failed run)."""
    out.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in run.env_unset}
    env.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "scratchnet-results-matplotlib"))
    started = datetime.datetime.now(datetime.timezone.utc)
    load, before = _load(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    with open(out / "output.log", "w") as log:
        for args in run.commands:
            argv = [PYTHON, *_argv_head(args), *(arg.replace("{out}", str(out)) for arg in args)]
            print("  $ python", " ".join(argv[1:]), flush=True)
            log.write(f"$ {' '.join(argv[1:])}\n")
            log.flush()
            status = subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
            if status != 0:
                raise SystemExit(f"results: `{' '.join(argv[1:])}` exited {status}; see {out / 'output.log'}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    provenance = {"commands": run.command_lines(), "date": started.strftime("%Y-%m-%d %H:%M UTC"),
                  "wall_s": round(time.perf_counter() - wall, 1),
                  "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
                  "load_before": load, "load_after": _load(), "machine": machine(env), "versions": versions()}
    write_text(out / "provenance.json", json.dumps(provenance, indent=1))
    return provenance


def collect(names, keep=None, reuse=None):
    """{run name: (provenance, [Result])} for the runs `names`: each run's commands executed in a
    fresh folder (under `keep` if given), or, with `reuse`, read back from a folder a previous
    `--keep` left (its provenance.json included)."""
    base = Path(reuse or keep or tempfile.mkdtemp(prefix="scratchnet-results-"))
    collected = {}
    for name in names:
        run, out = RUNS[name], base / name
        if reuse:
            provenance = json.loads((out / "provenance.json").read_text())
        else:
            print(f"results: {name}", flush=True)
            provenance = execute(run, out)
        found = [*run.extract(out), Result(f"{name}.wall", provenance["wall_s"], seconds(provenance["wall_s"]),
                                           f"{name}: wall clock of the run's commands", deterministic=False)]
        keys = [result.key for result in found]
        if len(set(keys)) != len(keys):
            raise ValueError(f"results: {name} gives a key twice: {sorted(k for k in keys if keys.count(k) > 1)}")
        collected[name] = (provenance, found)
        print(f"results: {name}: {len(collected[name][1])} numbers, {provenance['wall_s']} s", flush=True)
    return collected


# -- results.json and results.md -------------------------------------------------------------------
def load_results(path=RESULTS_JSON):
    if not Path(path).exists():
        return {"runs": {}, "results": {}}
    return json.loads(Path(path).read_text())


def merge(old, collected):
    """results.json with the collected runs replacing their earlier numbers; other runs stay."""
    runs = dict(old.get("runs", {}))
    results = {key: entry for key, entry in old.get("results", {}).items() if entry["run"] not in collected}
    for name, (provenance, found) in collected.items():
        runs[name] = provenance
        for result in found:
            if result.key in results:
                raise ValueError(f"results: {result.key} comes from two runs")
            results[result.key] = {"value": result.value, "text": result.text, "what": result.what, "run": name,
                                   "deterministic": result.deterministic}
    ordered = {name: runs[name] for name in [*RUNS, *sorted(set(runs) - set(RUNS))] if name in runs}
    return {"runs": ordered, "results": dict(sorted(results.items()))}


def results_markdown(data):
    """docs/results.md: every number with the run that produced it."""
    lines = ["# Results", "",
             "Generated by `make results` (`python tools/results.py run`); do not edit by hand. Every number the",
             "other pages quote comes from here, through a marker `<!-- result: KEY -->` that `make results`",
             "fills and `tests/test_docs.py` checks (see [development](development.md#numbers-in-the-docs)).",
             "Timings depend on the machine and its load; the other numbers are deterministic on one machine", ""]
    lines[-2] += " and `make results-check` compares them with a fresh run."
    for name, provenance in data["runs"].items():
        entries = {k: v for k, v in data["results"].items() if v["run"] == name}
        v, m = provenance["versions"], provenance["machine"]
        commands = [command.replace("{out}", "DIR") for command in provenance["commands"]]
        lines += [f"## {name}", "", "```sh", *commands, "```", "",
                  f"- date: {provenance['date']}; wall clock {provenance['wall_s']} s, CPU {provenance['cpu_s']} s "
                  f"(all commands); load average {provenance['load_before']} before, {provenance['load_after']} after",
                  f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['system']}"
                  + (f"; {', '.join(f'{k}={val}' for k, val in m['blas_env'].items())}" if m["blas_env"] else ""),
                  f"- versions: Python {v['python']}, NumPy {v['numpy']}, Keras {v['keras']}, {v['tensorflow']}, "
                  f"scratchnet {v['scratchnet']}" + (f", BLAS {v['blas']}" if v.get("blas") else ""), "",
                  "| key | what | value |", "|---|---|---|"]
        blocks = []
        for key, entry in entries.items():
            if entry["text"].startswith("\n"):
                blocks.append((key, entry))
                continue
            timing = "" if entry["deterministic"] else " (not compared: a timing, or a chaotic run)"
            lines.append(f"| `{key}` | {entry['what']}{timing} | {entry['text'].replace('|', chr(92) + '|')} |")
        lines.append("")
        for key, entry in blocks:
            lines += [f"### {entry['what']}", "", f"`{key}`:", entry["text"]]
    return "\n".join(lines).rstrip() + "\n"


def write_results(data):
    write_text(RESULTS_JSON, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    write_text(RESULTS_MD, results_markdown(data))


def fill(data, root=ROOT):
    """Fill every page's markers from `data`; returns the pages that changed."""
    changed = []
    for page in pages(root):
        text = page.read_text()
        new = fill_text(text, data["results"])
        if new != text:
            write_text(page, new)
            changed.append(page)
    return changed


def lint(data, root=ROOT):
    """Problems of the pages: markers without a key, markers out of date, unmarked measurements."""
    problems = []
    for page in pages(root):
        text, name = page.read_text(), page.relative_to(root)
        for key, quoted, line in markers(text):
            entry = data["results"].get(key)
            if entry is None:
                problems.append(f"{name}:{line}: marker {key}: no such key in docs/results.json")
            elif entry["text"] != quoted:
                problems.append(f"{name}:{line}: marker {key} says {quoted!r}, results.json {entry['text']!r}")
        problems += [f"{name}:{line}: {token!r} looks like a measurement outside a marker: {context}"
                     for line, token, context in measurements(text)]
        problems += [f"{name}:{line}: broken link {target} ({why})" for line, target, why in broken_links(page)]
    return problems


def compare(old, new):
    """Deterministic numbers of `new` whose text differs from `old` (or missing from either)."""
    differences = []
    for key, entry in new["results"].items():
        if not entry["deterministic"]:
            continue
        before = old["results"].get(key)
        if before is None:
            differences.append(f"{key}: not in docs/results.json (new: {entry['text']!r})")
        elif before["text"] != entry["text"]:
            differences.append(f"{key}: docs/results.json {before['text']!r}, now {entry['text']!r}")
    runs = set(new["runs"])
    differences += [f"{key}: in docs/results.json but no longer produced" for key, entry in old["results"].items()
                    if entry["run"] in runs and entry["deterministic"] and key not in new["results"]]
    return differences


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python tools/results.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run, update docs/results.{json,md}, fill the markers")
    run.add_argument("runs", nargs="*", metavar="RUN", help=f"any of {', '.join(RUNS)}")
    run.add_argument("--slow", action="store_true", help="also the slow runs")
    run.add_argument("--keep", help="keep every run's output in this folder")
    run.add_argument("--reuse", help="read the outputs a previous --keep left here instead of running")
    check = sub.add_parser("check", help="re-run the fast runs; exit 1 where a deterministic number changed")
    check.add_argument("runs", nargs="*", metavar="RUN")
    check.add_argument("--keep")
    sub.add_parser("fill", help="fill the markers from docs/results.json")
    sub.add_parser("lint", help="markers without a key, stale markers, unmarked measurements, broken links")
    sub.add_parser("list", help="the runs and their commands")
    args = parser.parse_args(argv)
    if args.command == "list":
        for run in RUNS.values():
            print(f"{run.name}{' (slow)' if run.slow else ''}:")
            print("\n".join("  " + line for line in run.command_lines()))
        return 0
    if args.command == "fill":
        changed = fill(load_results())
        print(f"results: filled {', '.join(str(p.relative_to(ROOT)) for p in changed) or 'nothing (up to date)'}")
        return 0
    if args.command == "lint":
        problems = lint(load_results())
        print("\n".join(problems) or "results: docs are consistent with docs/results.json")
        return 1 if problems else 0
    names = args.runs or [name for name, r in RUNS.items()
                          if not r.by_name_only and (not r.slow or getattr(args, "slow", False))]
    unknown = [name for name in names if name not in RUNS]
    if unknown:
        parser.error(f"unknown run {', '.join(unknown)}; runs: {', '.join(RUNS)}")
    if args.command == "check":
        names = [name for name in names if not RUNS[name].slow] if not args.runs else names
        new = merge({}, collect(names, keep=args.keep))
        differences = compare(load_results(), new)
        print("\n".join(differences) or f"results: {', '.join(names)} reproduce docs/results.json")
        return 1 if differences else 0
    collected = collect(names, keep=args.keep, reuse=args.reuse)
    data = merge(load_results(), collected)  # read after the runs: another run may have written meanwhile
    write_results(data)
    changed = fill(data)
    print(f"results: wrote {RESULTS_JSON.relative_to(ROOT)}, {RESULTS_MD.relative_to(ROOT)}; filled "
          f"{', '.join(str(p.relative_to(ROOT)) for p in changed) or 'no page (up to date)'}")
    problems = lint(data)
    if problems:
        print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
