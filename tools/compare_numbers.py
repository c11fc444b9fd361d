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

Exit status 0 when nothing differs, 1 otherwise. It reads report JSON as `python -m comparisons
diff` does (comparisons.report_diff: flatten, check_fields, same, the wall-clock times), which is
the user-facing comparison, with tolerances; this tool asks for identity.
"""
import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from comparisons.report_diff import check_fields, flatten, mask_times, same

TIME_KEYS = ("seconds",)  # a Markdown table column of wall-clock times


# -- JSON (read as `comparisons diff` reads it: comparisons.report_diff) -------------------------------
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
            elif not same(value, other[field]):
                differences.append(f"{label}.{field}: {value!r} -> {other[field]!r}")
        added += [f"{label}.{field}" for field in other if field not in check]
    added += [f"check {name!r}" for name in new_checks if name not in old_checks]
    old_leaves, new_leaves = flatten(old), flatten(new)
    for path, value in old_leaves.items():
        compared += 1
        if path not in new_leaves:
            missing.append(path)
        elif not same(value, new_leaves[path]):
            differences.append(f"{path}: {value!r} -> {new_leaves[path]!r}")
    added += [path for path in new_leaves if path not in old_leaves]
    return compared, differences, missing, added


# -- Markdown and logs ----------------------------------------------------------------------------
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
        lines.append(mask_times(line))
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
        tokens = mask_times(line).split()
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
