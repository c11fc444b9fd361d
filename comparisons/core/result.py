"""The one result type every pipeline returns: a Report.

A Report holds what a run found (its checks, and what they mean in words: diagnosis, warnings,
notes), what it shows besides (typed tables: Sections; figures: Plots; reports of its parts:
children; reports written to files of their own beside it: attachments) and the data its JSON
carries (`data`: settings, both sides' numbers, the trajectory, ...; values with an `as_dict`
are written through it), and the environment it was made in (core.environment: the versions of
Python, NumPy and its BLAS, Keras and TensorFlow, and the twin's equations). comparisons.render
turns any Report into terminal text, Markdown, JSON, HTML and PNG files; the presentation fields
here (headline, lead, heading, check_table, ...) say what to show, never how.

The verdict is the checks': a report passes when every check passes and nothing was left
unchecked. Reports of parts combine with `merge`, which prefixes the merged checks' names (the
float64 tier's "float64 tier: ...", a matrix row's "#3 ...") without touching the originals.
`Reports` is a list of the reports of one command (`all`, every course text, several files).

A Report shows itself: `repr` is one line (its summary), `str` its terminal text, and in a
notebook `_repr_html_` its HTML (the verdict first, tables, plots inline). The text and the HTML
come from comparisons.render, which hands its functions to `show_with` when it is imported (this
module sits below it and cannot import it); until then `str` is the summary and there is no HTML.
"""
import dataclasses
from dataclasses import dataclass, field

from .environment import environment

VERDICTS = ("PASSED", "FAILED", "NOT CHECKED")
_SHOW = {}  # "text", "html", "reports_html": how reports show themselves (comparisons.render's functions)


def show_with(**renderers):
    """Register how Reports show themselves: text(report) -> str, html(report) -> str,
    reports_html(reports) -> str (comparisons.render calls this when it is imported)."""
    _SHOW.update(renderers)


@dataclass
class Section:
    """A table (and/or a paragraph of text) with a title.

    numparse: whether the renderer may read numbers in the cells (and align them as numbers);
    False keeps every cell as written. terminal: shown on the terminal (else Markdown only);
    terminal_title: its title shown above it there. in_json: part of the report's JSON
    "sections" (tables that only re-show the report's own data are not)."""
    title: str = ""
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    text: str = ""
    numparse: bool = True
    terminal: bool = True
    terminal_title: bool = True
    in_json: bool = True

    def as_dict(self):
        return {"title": self.title, "headers": self.headers, "rows": self.rows,
                **({"text": self.text} if self.text else {})}


@dataclass
class Plot:
    """A figure written as `name` (a .png file name): `draw()` returns a matplotlib Figure."""
    name: str
    draw: object


class Report:
    """What a pipeline found and shows. See the module docstring; the fields:

    name: short, used in file names (NAME.json, NAME.md) and the summary line. dtype: the tier.
    checks: Checks; sections: tables shown in order (after the checks table); appendix: tables
    shown after the diagnosis and notes (Markdown); diagnosis, warnings, notes: lines of words;
    plots: Plots; children: reports of parts, shown one heading level down; attachments: reports
    written to their own files beside this one; data: more JSON fields; not_checked: why nothing
    could be checked; environment: what it was computed with (core.environment, recorded when
    the report is made).

    Presentation: headline (Markdown title; default "NAME: passed|FAILED"), lead (the paragraph
    under it; default the summary line), intro (paragraphs after the lead), heading (a terminal
    "== heading ==" line), summary_text (replaces the default summary line), check_table ("all":
    a table of every check; "failed": only the failed ones, after the sections; "none"),
    numbered_notes (notes cited by number), line_prefix (before each diagnosis and warning line
    on the terminal), files (what `render.write` writes: "json", "md"), on_terminal (shown when
    its parent is printed).
    """

    def __init__(self, name, *, dtype=None, headline=None, lead=None, intro=(), heading=None, summary_text=None,
                 check_table="all", numbered_notes=False, line_prefix="", files=("json", "md"), on_terminal=True,
                 data=None):
        self.name, self.dtype = name, dtype
        self.headline, self.lead, self.intro, self.heading = headline, lead, list(intro), heading
        self.summary_text, self.check_table, self.numbered_notes = summary_text, check_table, numbered_notes
        self.line_prefix, self.files, self.on_terminal = line_prefix, tuple(files), on_terminal
        self.data = dict(data or {})
        self.checks, self.sections, self.appendix = [], [], []
        self.diagnosis, self.warnings, self.notes = [], [], []
        self.plots, self.children, self.attachments = [], [], []
        self.not_checked = None
        self.environment = environment()

    def __repr__(self):
        return f"<{type(self).__name__} {self.summary()}>"

    def __str__(self):
        text = _SHOW.get("text")
        return text(self) if text else self.summary()

    def _repr_html_(self):
        html = _SHOW.get("html")
        return html(self) if html else None

    # -- the verdict ------------------------------------------------------------------------------
    @property
    def passed(self):
        return self.not_checked is None and all(check.passed for check in self.checks)

    @property
    def failed(self):
        return [check for check in self.checks if not check.passed]

    @property
    def verdict(self):
        return VERDICTS[2] if self.not_checked is not None else VERDICTS[0] if self.passed else VERDICTS[1]

    def summary(self):
        """One line: "NAME: PASSED 12/12 checks (float64)", unless summary_text replaces it."""
        if self.summary_text is not None:
            return self.summary_text
        passing = len(self.checks) - len(self.failed)
        return f"{self.name}: {self.verdict} {passing}/{len(self.checks)} checks" + (
            f" ({self.dtype})" if self.dtype else "")

    # -- what the renderer shows ------------------------------------------------------------------
    def markdown_title(self):
        return self.headline if self.headline is not None else f"{self.name}: {'passed' if self.passed else 'FAILED'}"

    def lead_text(self):
        return self.lead if self.lead is not None else f"{self.summary()}."

    def terminal_heading(self):
        return self.heading

    def closing_line(self):
        """The terminal's last line for this report (None: none)."""
        return self.summary()

    # -- building ---------------------------------------------------------------------------------
    def merge(self, other, prefix="", line_prefix=None):
        """Add `other`'s checks (named `prefix` + their name; copies), diagnosis, warnings and
        notes (each line after `line_prefix`, default `prefix`), sections, plots, children and
        attachments to this report; returns self."""
        line_prefix = prefix if line_prefix is None else line_prefix
        self.checks += [dataclasses.replace(check, name=prefix + check.name) for check in other.checks]
        self.diagnosis += [line_prefix + line for line in other.diagnosis]
        self.warnings += [line_prefix + line for line in other.warnings]
        self.notes += [line_prefix + line for line in other.notes]
        self.sections += other.sections
        self.appendix += other.appendix
        self.plots += other.plots
        self.children += other.children
        self.attachments += other.attachments
        return self


class Reports(list):
    """The reports of one command, in order (a scenario run of `all`, every course text, a folder
    of learner files): it passes when each of them does, and shows them one after the other."""

    @property
    def passed(self):
        return all(report.passed for report in self)

    @property
    def verdict(self):
        return VERDICTS[0] if self.passed else VERDICTS[1]

    def summary(self):
        failed = [report.name for report in self if not report.passed]
        return f"{len(self)} reports: {self.verdict}" + (f" ({', '.join(failed)} failed)" if failed else "")

    def __repr__(self):
        return f"<Reports {self.summary()}: {', '.join(report.name for report in self)}>"

    def __str__(self):
        return "\n\n".join(map(str, self)) + f"\n{self.summary()}"

    def _repr_html_(self):
        html = _SHOW.get("reports_html")
        return html(self) if html else None
