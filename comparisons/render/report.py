"""Any Report as terminal text, Markdown, JSON and files; the one place the project writes its
reports.

Terminal tables fit the terminal: between 80 and 120 columns (the terminal's width when it has
one), the widest cells wrapped, because learners read them in terminals and notebooks. Markdown
tables escape "|" in cells. Every file is written atomically (a temporary file in the same folder,
then os.replace), so an interrupted run leaves the previous file or the new one, never half of
one. This module knows the Report type only, no pipeline.
"""
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

from tabulate import tabulate

from scratchnet._files import atomic_write, write_text

from ..core.environment import environment_line

CHECK_HEADERS = ["check", "value", "tolerance", "result", "diagnosis"]
FAILURE_HEADERS = ["check", "value", "tolerance", "diagnosis"]
MIN_WIDTH, MAX_WIDTH = 80, 120  # terminal tables: at least this narrow a terminal, at most this wide
MIN_COLUMN = 12  # a wrapped column keeps at least this many characters a line


# -- tables ---------------------------------------------------------------------------------------
def check_rows(checks):
    return [[c.name, f"{c.value:.3g}", f"{c.tolerance:.0e}" if c.tolerance else "0", "pass" if c.passed else "FAIL",
             c.diagnosis] for c in checks]


def failure_rows(checks):
    return [[c.name, f"{c.value:.3g}", f"{c.tolerance:.0e}" if c.tolerance else "0", c.diagnosis] for c in checks]


def terminal_width():
    """The terminal's width, kept within [MIN_WIDTH, MAX_WIDTH] (MAX_WIDTH without a terminal)."""
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def terminal_table(rows, headers, numparse=True, width=None):
    """A plain-text table at most `width` columns wide (default: terminal_width()) where it can
    be: the widest columns are wrapped at spaces (a word is never split), none below MIN_COLUMN
    characters."""
    width = width or terminal_width()
    text = tabulate(rows, headers, tablefmt="simple", disable_numparse=not numparse)
    rule = next((line for line in text.splitlines() if line.startswith("-")), "")
    widths = [len(dashes) for dashes in rule.split("  ") if dashes]
    if not rows or len(widths) != len(headers) or len(rule) <= width:
        return text
    limits = list(widths)
    overflow = len(rule) - width
    while overflow > 0:
        widest = max(range(len(limits)), key=lambda i: limits[i])
        if limits[widest] <= MIN_COLUMN:
            break
        runner_up = max((limit for i, limit in enumerate(limits) if i != widest), default=MIN_COLUMN)
        cut = min(overflow, limits[widest] - max(MIN_COLUMN, runner_up)) or min(overflow, limits[widest] - MIN_COLUMN)
        limits[widest] -= cut
        overflow -= cut
    wrapped = [[_wrap(cell, limit) if limit < natural else cell for cell, limit, natural in zip(row, limits, widths)]
               for row in rows]
    return tabulate(wrapped, headers, tablefmt="simple", disable_numparse=not numparse)


def _wrap(cell, limit):
    if not isinstance(cell, str) or len(cell) <= limit:
        return cell
    return "\n".join(textwrap.wrap(cell, limit, break_long_words=False, break_on_hyphens=False)) or cell


def markdown_table(rows, headers, numparse=True):
    """A GitHub table; a "|" inside a cell or a header is escaped so that it does not end the cell."""
    def escape(cell):
        return cell.replace("|", "\\|") if isinstance(cell, str) else cell
    return tabulate([[escape(cell) for cell in row] for row in rows], [escape(h) for h in headers], tablefmt="github",
                    disable_numparse=not numparse)


# -- the terminal ---------------------------------------------------------------------------------
def terminal_lines(report, width=None, environment=False):
    """The report as terminal lines (a table is one multi-line string); `environment`: its
    environment line (versions, the twin's equations) first."""
    lines = []
    if environment and report.environment:
        lines.append(f"environment: {environment_line(report.environment)}")
    heading = report.terminal_heading()
    if heading:
        lines.append(f"== {heading} ==")
    tables = []
    if report.check_table == "all" and report.checks:
        tables.append(("", check_rows(report.checks), CHECK_HEADERS, True))
    tables += [(s.title if s.terminal_title else "", s.rows, s.headers, s.numparse)
               for s in report.sections if s.terminal and s.headers]
    if report.check_table == "failed" and report.failed:
        tables.append(("", failure_rows(report.failed), ["failed check", *FAILURE_HEADERS[1:]], True))
    for i, (title, rows, headers, numparse) in enumerate(tables):
        if i:
            lines.append("")
        if title:
            lines.append(title)
        lines.append(terminal_table(rows, headers, numparse, width))
    lines += [f"diagnosis: {report.line_prefix}{line}" for line in report.diagnosis]
    lines += [f"{report.line_prefix}{line}" for line in report.warnings]
    lines += [f"note {n}: {text}" if report.numbered_notes else f"note: {text}"
              for n, text in enumerate(report.notes, 1)]
    for child in report.children:
        if child.on_terminal:
            lines += terminal_lines(child, width) + [""]
    closing = report.closing_line()
    if closing:
        lines.append(closing)
    return lines


def terminal_text(report, width=None, environment=False):
    return "\n".join(terminal_lines(report, width, environment))


def print_report(report, out=print, environment=False):
    for line in terminal_lines(report, environment=environment):
        out(line)


# -- Markdown -------------------------------------------------------------------------------------
def _section_lines(sections, hashes):
    lines = []
    for section in sections:
        if section.title:
            lines += [f"{hashes}# {section.title}", ""]
        if section.text:
            lines += [section.text, ""]
        if section.headers:
            lines += [markdown_table(section.rows, section.headers, section.numparse), ""]
    return lines


def _markdown_lines(report, level):
    hashes = "#" * level
    lines = [f"{hashes} {report.markdown_title()}", ""]
    lead = report.lead_text()
    if lead:
        lines += [lead, ""]
    if level == 1 and report.environment:
        lines += [f"Environment: {environment_line(report.environment)}.", ""]
    for paragraph in report.intro:
        lines += [paragraph, ""]
    if report.check_table == "all" and report.checks:
        lines += ([f"{hashes}# Checks", ""] if level == 1 else []) + [
            markdown_table(check_rows(report.checks), CHECK_HEADERS), ""]
    lines += _section_lines(report.sections, hashes)
    if report.check_table == "failed" and report.failed:
        lines += [f"{hashes}# Failed checks", "", markdown_table(failure_rows(report.failed), FAILURE_HEADERS), ""]
    if level == 1:
        for title, items in (("Diagnosis", report.diagnosis), ("Warnings", report.warnings)):
            if items:
                lines += [f"## {title}", ""] + [f"- {item}" for item in items] + [""]
        if report.notes:
            lines += ["## Notes", ""] + [f"{n}. {text}" if report.numbered_notes else f"- {text}"
                                         for n, text in enumerate(report.notes, 1)] + [""]
    elif not report.children:  # a part's findings, as a list under its table
        lines += [f"- diagnosis: {line}" for line in report.diagnosis]
        lines += [f"- {line}" for line in report.warnings]
        lines += [f"- note: {line}" for line in report.notes]
        lines.append("")
    lines += _section_lines(report.appendix, hashes)
    plots = [plot.name for plot in report.plots] + [plot.name for other in report.attachments for plot in other.plots]
    if plots:
        lines += [f"{hashes}# Plots", ""] + [f"![{name}]({name})" for name in plots] + [""]
    for child in report.children:
        lines += _markdown_lines(child, level + 1)
    return lines


def markdown(report):
    return "\n".join(_markdown_lines(report, 1))


# -- JSON -----------------------------------------------------------------------------------------
def _jsonable(value):
    return value.as_dict() if hasattr(value, "as_dict") else float(value)


def as_json(report):
    """The report's JSON object: its name (as "scenario"), dtype, verdict, checks (each with name,
    value, tolerance, passed, diagnosis, kind, subject), diagnosis, its data tables, its
    environment (core.environment), and `data`."""
    return {"scenario": report.name, "dtype": report.dtype, "passed": report.passed,
            "checks": [check.as_dict() for check in report.checks], "diagnosis": report.diagnosis,
            "sections": [section.as_dict() for section in report.sections if section.in_json],
            "environment": report.environment, **report.data}


def json_text(report):
    return json.dumps(as_json(report), indent=1, default=_jsonable)


# -- files ----------------------------------------------------------------------------------------
_PROBE_BYTES = 1 << 20  # what the probe writes: a report's JSON, Markdown and plots take about this much


def check_writable(out_dir):
    """Refuse an output folder that cannot take the report, before any work is done and without
    creating anything: an empty name, a file in its place, or a folder (or its nearest existing
    parent) that refuses new files or has no room for a report (an unnamed temporary file of
    1 MiB is written, synced and dropped)."""
    if not str(out_dir).strip():
        raise ValueError("--out: an empty folder name (give a folder, e.g. --out reports)")
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"--out {out_dir}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing) as probe:
            probe.write(bytes(_PROBE_BYTES))
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as err:
        raise ValueError(f"--out {out_dir}: cannot write a report in {existing} ({err.strerror})") from None


def write(report, out_dir):
    """Write the report's files into `out_dir` (created if needed): NAME.json and NAME.md as its
    `files` say, its plots as PNG, then its attachments' files. Returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for plot in report.plots:  # drawn first: a plot that fails to draw leaves no report behind it
        figure = plot.draw()
        atomic_write(out_dir / plot.name, lambda f, figure=figure: figure.savefig(f, format="png", dpi=100))
    paths = []
    if "json" in report.files:
        paths.append(write_text(out_dir / f"{report.name}.json", json_text(report)))
    if "md" in report.files:
        paths.append(write_text(out_dir / f"{report.name}.md", markdown(report)))
    paths += [out_dir / plot.name for plot in report.plots]
    for attachment in report.attachments:
        paths += write(attachment, out_dir)
    return paths
