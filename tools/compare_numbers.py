"""Compare two folders of comparison reports: every number in the JSON, the Markdown pages, and
the terminal logs.

    python tools/compare_numbers.py BASELINE NEW [--replace OLD=NEW ...] [--verbose]

JSON (every *.json under BASELINE, matched by relative path): each check is found by its name
(with its kind and subject, where the file has them) and its value, tolerance, verdict and
diagnosis must be identical; every other number or string in the file is compared by its path
(e.g. sides.keras.test_loss, trajectory.keras_loss[17], sections["float64 tier: ..."].rows[1][2]).
Fields that are wall-clock times (a key or a table column named "seconds") are not compared.
A field only NEW has (kind, subject, ...) is listed as added, not as a difference.

Markdown (*.md): line by line, after masking wall-clock times (a "seconds" table column, "in 3.2
s", ", 22.2 s.") and applying the --replace substitutions (text that moved on purpose, e.g. a
module path). Logs (*.log): the multiset of words, after dropping "wrote ..." lines and timings,
because terminal tables may wrap their cells differently; words of BASELINE cut off with "..."
are not required in NEW.

Exit status 0 when nothing differs, 1 otherwise. The seed of `python -m comparisons diff`.
"""
import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

TIME_KEYS = ("seconds",)
TIME_PATTERNS = [re.compile(r"\bin \d+(\.\d+)? s\b"), re.compile(r", \d+(\.\d+)? s\.$")]


# -- JSON -----------------------------------------------------------------------------------------
def _same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                             and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def check_fields(report):
    """{(check name): {field: value}} of a report's checks."""
    return {check["name"]: check for check in report.get("checks", [])}


def flatten(value, path=""):
    """{path: leaf} for every number, string, bool and None in `value`, skipping wall-clock times.
    Lists of sections are keyed by title, and a table column named "seconds" is skipped."""
    out = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TIME_KEYS:
                continue
            if key == "checks" and isinstance(item, list):
                continue  # compared by name, below
            if key == "sections" and isinstance(item, list):
                for section in item:
                    out.update(_flatten_section(section, f"{path}sections[{section.get('title', '')!r}]"))
                continue
            out.update(flatten(item, f"{path}{key}."))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{path[:-1] if path.endswith('.') else path}[{i}]."))
    else:
        out[path.rstrip(".")] = value
    return out


def _flatten_section(section, path):
    headers = section.get("headers", [])
    timed = {i for i, header in enumerate(headers) if header in TIME_KEYS}
    out = {f"{path}.title": section.get("title"), f"{path}.headers": json.dumps(headers)}
    for r, row in enumerate(section.get("rows", [])):
        for c, cell in enumerate(row):
            if c not in timed:
                out[f"{path}.rows[{r}][{c}]"] = cell
    if section.get("text"):
        out[f"{path}.text"] = section["text"]
    return out


def compare_json(old, new):
    """(compared, differences, missing, added) between two report objects."""
    differences, missing, added, compared = [], [], [], 0
    old_checks, new_checks = check_fields(old), check_fields(new)
    for name, check in old_checks.items():
        if name not in new_checks:
            missing.append(f"check {name!r}")
            continue
        other = new_checks[name]
        label = f"check {name!r}" + (f" [{other.get('kind')}: {other.get('subject')}]" if other.get("kind") else "")
        for field, value in check.items():
            compared += 1
            if field not in other:
                missing.append(f"{label}.{field}")
            elif not _same(value, other[field]):
                differences.append(f"{label}.{field}: {value!r} -> {other[field]!r}")
        added += [f"{label}.{field}" for field in other if field not in check]
    added += [f"check {name!r}" for name in new_checks if name not in old_checks]
    old_leaves, new_leaves = flatten(old), flatten(new)
    for path, value in old_leaves.items():
        compared += 1
        if path not in new_leaves:
            missing.append(path)
        elif not _same(value, new_leaves[path]):
            differences.append(f"{path}: {value!r} -> {new_leaves[path]!r}")
    added += [path for path in new_leaves if path not in old_leaves]
    return compared, differences, missing, added


# -- Markdown and logs ----------------------------------------------------------------------------
def _mask_times(line):
    for pattern in TIME_PATTERNS:
        line = pattern.sub("<time>", line)
    return line


def _cells(line):
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def normalized_markdown(text, replacements):
    """The page's lines with `replacements` applied, wall-clock times masked, and each table row
    reduced to its cells (a column's padding follows its widest cell, a time's too)."""
    lines, header, timed = [], None, set()
    for line in text.splitlines():
        for old, new in replacements:
            line = line.replace(old, new)
        if line.startswith("|"):
            cells = _cells(line)
            if all(set(cell) <= set("-:") for cell in cells):  # the rule under the header
                line = "|---|"
            elif header is None:
                header = cells
                timed = {i for i, cell in enumerate(cells) if cell in TIME_KEYS}
                line = "| " + " | ".join(cells) + " |"
            else:
                line = "| " + " | ".join("<time>" if i in timed else cell for i, cell in enumerate(cells)) + " |"
        else:
            header, timed = None, set()
        lines.append(_mask_times(line))
    return lines


def words_of_log(text, replacements):
    """The multiset of words a terminal log shows, without its "wrote" lines and timings; the side
    tables' last column (seconds) is left out."""
    words = Counter()
    for line in text.splitlines():
        for old, new in replacements:
            line = line.replace(old, new)
        if line.startswith("wrote ") or set(line.strip()) <= set("- ") or re.fullmatch(r"rc=\d+", line.strip()):
            continue  # the files written, a table's rule, the exit status a harness appended
        tokens = _mask_times(line).split()
        if tokens and tokens[0] in ("scratchnet", "keras") and len(tokens) == 6:  # a side row: its seconds
            tokens = tokens[:-1]
        words.update(tokens)
    return words


# -- the command ----------------------------------------------------------------------------------
def compare_folders(old_dir, new_dir, replacements=(), verbose=False, out=print):
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    failed = False
    for old_file in sorted(old_dir.rglob("*")):
        if old_file.suffix not in (".json", ".md", ".log") or not old_file.is_file():
            continue
        relative = old_file.relative_to(old_dir)
        new_file = new_dir / relative
        if not new_file.exists():
            out(f"{relative}: MISSING in {new_dir}")
            failed = True
            continue
        if old_file.suffix == ".json":
            compared, differences, missing, added = compare_json(json.loads(old_file.read_text()),
                                                                 json.loads(new_file.read_text()))
            verdict = "identical" if not differences and not missing else "DIFFERENT"
            out(f"{relative}: {compared} values compared, {verdict}: {len(differences)} differ, "
                f"{len(missing)} missing, "
                f"{len(added)} added")
            shown = differences + [f"missing: {m}" for m in missing]
            shown += [f"added: {a}" for a in added] if verbose else []
            for line in shown[:50]:
                out(f"    {line}")
            failed |= bool(differences or missing)
        elif old_file.suffix == ".md":
            old_lines = normalized_markdown(old_file.read_text(), replacements)
            new_lines = normalized_markdown(new_file.read_text(), replacements)
            differing = [(i, a, b) for i, (a, b) in enumerate(zip(old_lines, new_lines), 1) if a != b]
            same = not differing and len(old_lines) == len(new_lines)
            out(f"{relative}: {len(old_lines)} lines, {'same' if same else 'DIFFERENT'}"
                + ("" if same else f" ({len(differing)} lines differ; {len(old_lines)} vs {len(new_lines)} lines)"))
            for i, a, b in differing[:10]:
                out(f"    line {i}:\n      - {a}\n      + {b}")
            failed |= not same
        else:
            old_words = words_of_log(old_file.read_text(), replacements)
            new_words = words_of_log(new_file.read_text(), replacements)
            lost = Counter({w: n for w, n in (old_words - new_words).items() if not w.endswith("...")})
            gained = new_words - old_words
            out(f"{relative}: {sum(old_words.values())} words, {'same words' if not lost and not gained else ''}"
                + (f"{sum(lost.values())} missing in the new log" if lost else "")
                + (f"{'; ' if lost else ''}{sum(gained.values())} only in the new log" if gained else ""))
            if lost:
                out(f"    missing: {' '.join(sorted(lost.elements())[:40])}")
            if gained and verbose:
                out(f"    only new: {' '.join(sorted(gained.elements())[:40])}")
            failed |= bool(lost)
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("baseline")
    p.add_argument("new")
    p.add_argument("--replace", action="append", default=[], metavar="OLD=NEW",
                   help="text that moved on purpose, replaced in BASELINE's pages and logs before comparing")
    p.add_argument("--verbose", action="store_true", help="also list what only NEW has")
    args = p.parse_args(argv)
    replacements = [tuple(pair.split("=", 1)) for pair in args.replace]
    return compare_folders(args.baseline, args.new, replacements, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
