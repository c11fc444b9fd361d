"""Any Report as HTML, for notebooks (Jupyter, Colab): what `report._repr_html_()` returns.

The verdict comes first (a coloured word and the report's one-line summary), then the
environment line, the lead and intro, the table of checks (a long one folded, its failed checks
shown above it), the report's sections as HTML tables, the diagnosis, warnings and notes, the
appendix (folded), the plots inline as PNG data URIs, and the report's parts and attachments
folded under their own summaries. Tables use scratchnet.display.html_table, the markup a
History and a model summary use too, with the long text columns (diagnosis, notes) wrapping.
"""
import base64
import html
import io
import re

from scratchnet.display import Markup, html_table

from ..core.environment import environment_line
from .report import CHECK_HEADERS, FAILURE_HEADERS, check_rows, failure_rows

FOLD_CHECKS = 40  # a table of more checks than this is folded (its failed checks are shown above it)
COLOURS = {"PASSED": "#1a7f37", "SAME": "#1a7f37", "FAILED": "#cf222e", "CHANGED": "#cf222e"}
OTHER_COLOUR = "#9a6700"  # NOT CHECKED
WRAP = "white-space:normal;text-align:left;max-width:40em"  # a long text cell wraps in notebooks' tables
LEFT = "text-align:left"


def text_html(text):
    """Report text (paragraphs, "- " list lines, `code`) as HTML, escaped."""
    def inline(line):
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(line))
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines()
        if lines and all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{inline(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            out.append(f"<p>{'<br>'.join(inline(line) for line in lines)}</p>")
    return "".join(out)


def verdict_html(verdict):
    colour = COLOURS.get(verdict, OTHER_COLOUR)
    return (f'<span style="color:#fff;background:{colour};padding:1px 6px;border-radius:3px;'
            f'font-weight:bold">{html.escape(verdict)}</span>')


def _result_cell(result):
    return Markup('<b style="color:#cf222e">FAIL</b>') if result == "FAIL" else result


def _checks_table(checks):
    rows = [[*row[:3], _result_cell(row[3]), row[4]] for row in check_rows(checks)]
    return html_table(CHECK_HEADERS, rows, cls="comparisons-checks", column_styles={0: LEFT, 4: WRAP})


def _failures_table(checks, title="failed checks"):
    return html_table(FAILURE_HEADERS, failure_rows(checks), caption=title, cls="comparisons-checks",
                      column_styles={0: LEFT, 3: WRAP})


def _section_html(section, level):
    parts = [f"<h{level}>{html.escape(section.title)}</h{level}>"] if section.title else []
    if section.text:
        parts.append(text_html(section.text))
    if section.headers:
        long_columns = {i for i in range(len(section.headers))
                        if any(isinstance(row[i], str) and len(row[i]) > 40 for row in section.rows if i < len(row))}
        parts.append(html_table(section.headers, section.rows, cls="comparisons-section",
                                column_styles={i: WRAP if i in long_columns else LEFT
                                               for i in range(len(section.headers))}))
    return "".join(parts)


def _folded(summary, body, open_=False):
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


def _list(title, items, level):
    if not items:
        return ""
    return (f"<h{level}>{title}</h{level}>" if title else "") + "<ul>" + "".join(
        f'<li style="{LEFT}">{text_html(item)[3:-4] if item else ""}</li>' for item in items) + "</ul>"


def plot_png(plot):
    """The plot drawn as a PNG data URI (`data:image/png;base64,...`)."""
    buffer = io.BytesIO()
    plot.draw().savefig(buffer, format="png", dpi=80)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots_html(plots):
    return "".join(f'<figure style="display:inline-block;margin:0 1em 1em 0"><img alt="{html.escape(plot.name)}" '
                   f'src="{plot_png(plot)}" style="max-width:560px"><figcaption>{html.escape(plot.name)}'
                   f"</figcaption></figure>" for plot in plots)


def _body(report, level, own_plots=True):
    h = min(level + 2, 6)  # a report's own headings: h3 at the top (a notebook's cell is not a page)
    parts = [f'<p style="font-size:1.1em;margin:0.3em 0">{verdict_html(report.verdict)} '
             f"<b>{html.escape(report.summary())}</b></p>"]
    if level == 1 and report.environment:
        parts.append(f'<p style="color:#57606a;font-size:0.85em;margin:0 0 0.5em 0">environment: '
                     f"{html.escape(environment_line(report.environment))}</p>")
    title = report.markdown_title()
    if title and title not in (report.summary(), f"{report.name}: {'passed' if report.passed else 'FAILED'}"):
        parts.append(f"<h{h}>{html.escape(title)}</h{h}>")
    lead = report.lead_text()
    if lead and lead.rstrip(".") != report.summary():
        parts.append(text_html(lead))
    parts += [text_html(paragraph) for paragraph in report.intro]
    if report.check_table == "all" and report.checks:
        if len(report.checks) > FOLD_CHECKS:
            if report.failed:
                parts.append(_failures_table(report.failed))
            parts.append(_folded(f"all {len(report.checks)} checks ({len(report.failed)} failed)",
                                 _checks_table(report.checks)))
        else:
            parts.append(_checks_table(report.checks))
    parts += [_section_html(section, h) for section in report.sections]
    if report.check_table == "failed" and report.failed:
        parts.append(_failures_table(report.failed))
    parts.append(_list("Diagnosis", report.diagnosis, h))
    parts.append(_list("Warnings", report.warnings, h))
    if report.notes:
        tag = "ol" if report.numbered_notes else "ul"
        parts.append(f"<h{h}>Notes</h{h}><{tag}>" + "".join(f'<li style="{LEFT}">{text_html(note)[3:-4]}</li>'
                                                           for note in report.notes) + f"</{tag}>")
    if report.appendix:
        parts.append(_folded(", ".join(s.title for s in report.appendix if s.title) or "more",
                             "".join(_section_html(section, h) for section in report.appendix)))
    plots = [*(report.plots if own_plots else []), *(plot for other in report.attachments for plot in other.plots)]
    if plots:
        parts.append(_plots_html(plots))
    for child in report.children:
        parts.append(_folded(f"{verdict_html(child.verdict)} {html.escape(child.summary())}", _body(child, level + 1),
                             open_=not child.passed and len(report.children) <= 10))
    for attachment in report.attachments:  # its plots are shown above, with this report's
        parts.append(_folded(f"{verdict_html(attachment.verdict)} {html.escape(attachment.summary())}",
                             _body(attachment, level + 1, own_plots=False)))
    return "".join(part for part in parts if part)


def report_html(report):
    """The report as one HTML fragment (see the module docstring)."""
    return f'<div class="comparisons-report">{_body(report, 1)}</div>'


def reports_html(reports):
    """Several reports: a table of their verdicts, then each report folded (open where it failed)."""
    rows = [[Markup(verdict_html(report.verdict)), report.summary()] for report in reports]
    head = (f'<p style="font-size:1.1em">{verdict_html(reports.verdict)} <b>{html.escape(reports.summary())}</b></p>'
            + html_table(["verdict", "report"], rows, cls="comparisons-reports", column_styles={1: LEFT}))
    return '<div class="comparisons-reports">' + head + "".join(
        _folded(f"{verdict_html(report.verdict)} {html.escape(report.summary())}", report_html(report),
                open_=not report.passed) for report in reports) + "</div>"
