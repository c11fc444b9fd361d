"""One course text's page (a Report): rows of exercise | the text's number | scratchnet | Keras |
agrees?, numbered notes that explain the texts' bugs and conventions, extra tables and plots;
comparisons.render prints it and writes DIR/course-NNN.md.

A row agrees when scratchnet and Keras agree within the tolerance table's bound for the dtype
(exactly, for integers and strings) and, where the text prints a number, scratchnet's value
matches it at the text's printed precision. Where the text's number comes from a bug in the
text, the row says so (a numbered note explains it) and the text is checked against what the
buggy code computes, not against the correct value: the row's "agrees?" then reads
"yes (text bug, note N)", never a silent "yes".
"""
import re
from dataclasses import dataclass

import numpy as np

from scratchnet.gradcheck import relative_error

from ..core.check import Check
from ..core.result import Report, Section
from ..core.tolerances import tolerance
from ..render.report import markdown as render_markdown

HEADERS = ["exercise", "the text's number", "scratchnet", "Keras", "agrees?"]
NO_KERAS = "–"
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


@dataclass
class Row:
    exercise: str
    text: str
    scratchnet: str
    keras: str
    agrees: bool
    verdict: str

    def cells(self):
        return [self.exercise, self.text, self.scratchnet, self.keras, self.verdict]


def fmt(value, precision=8):
    """A value as NumPy prints it (precision 8), on one line."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    array = np.asarray(value)
    if array.ndim == 0:
        scalar = array.item()
        return repr(scalar) if isinstance(scalar, float) and precision > 8 else (
            f"{scalar:.{precision}g}" if isinstance(scalar, float) else str(scalar))
    text = np.array2string(array, precision=precision, separator=" ", max_line_width=10_000)
    return " ".join(text.split())


def printed_numbers(text):
    """The numbers in a text's printed output, each with half a unit of its last printed digit
    (the precision at which the text can be checked)."""
    numbers, halves = [], []
    for token in _NUMBER.findall(text):
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        numbers.append(float(token))
        halves.append(0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0)))
    return np.array(numbers), np.array(halves)


def matches_print(value, text):
    """Whether `value` (numbers) prints as `text` at the text's precision."""
    numbers, halves = printed_numbers(text)
    value = np.asarray(value, dtype=np.float64).ravel()
    if value.size != numbers.size:
        return False
    slack = 4 * np.finfo(np.float64).eps * np.abs(numbers)  # the value may sit on a rounding boundary
    return bool(np.all(np.abs(value - numbers) <= halves + slack))


def sides_agree(ours, theirs, tol):
    """scratchnet vs Keras: exact for integers, booleans and strings, else relative_error <= tol."""
    if isinstance(ours, str) or isinstance(theirs, str):
        return ours == theirs
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        return False
    if not (np.issubdtype(ours.dtype, np.floating) or np.issubdtype(theirs.dtype, np.floating)):
        return bool(np.array_equal(ours, theirs))
    return relative_error(ours, theirs) <= tol


INTRO = ("Each row: the number the text prints (at its printed precision), what scratchnet computes, "
         "what Keras computes, and whether they agree (scratchnet with Keras within "
         "`comparisons/core/tolerances.py`'s bound, and with the text where it prints a number). "
         f"{NO_KERAS} marks an exercise Keras has no counterpart for, with the reason.")


class Page(Report):
    """The results of one course text: a Report whose rows (one check each: agrees or not) are its
    first table, with numbered notes the rows cite, more tables (`section`) and plots. `command`
    is the command line that made it (quoted on the page)."""

    def __init__(self, text, title, command=""):
        super().__init__(f"course-{text}", headline=f"Course text {text}: {title}", heading=f"course {text}: {title}",
                         intro=[INTRO], check_table="none", numbered_notes=True, files=("md",))
        self.text, self.title, self.command = text, title, command
        self.rows = []
        self.row_table = Section("", HEADERS, [], numparse=False)
        self.sections.append(self.row_table)

    def note(self, explanation):
        """Add a numbered note; returns its number for rows to cite."""
        self.notes.append(explanation)
        return len(self.notes)

    def add(self, exercise, text, scratchnet, keras, agrees, bug=None):
        """A row from already formatted cells; `bug` is the number of the note on the text's bug."""
        verdict = ("yes" if agrees else "NO") + (f" (text bug, note {bug})" if bug else "")
        row = Row(exercise, text, scratchnet, keras, bool(agrees), verdict)
        self.rows.append(row)
        self.row_table.rows.append(row.cells())
        self.checks.append(Check(exercise, 0.0 if agrees else 1.0, 0.0, bool(agrees), "" if agrees else verdict,
                                 kind="exercise", subject=exercise))

    def compare(self, exercise, ours, theirs=None, *, text=None, tol=0.0, no_keras=None, bug=None,
                text_value=None, expect=None, show=None, precision=8, check_text=None):
        """A row comparing scratchnet's `ours` with Keras's `theirs` within `tol` and, when `text`
        (the text's output, as printed) is given, with the text at its printed precision.

        no_keras: why Keras has no counterpart (then `theirs` is None). bug: the number of the
        note explaining the text's bug; the text is then checked against `text_value` (what the
        text's own code computes) instead of `ours`. `text` in parentheses is a remark, not a
        printed number, and is not checked (unless check_text is given). expect: a value `ours` must
        also equal (within tol),
        for a claim the text makes without a number. show: an index; only ours[show] and
        theirs[show] are displayed (everything is compared). check_text: what is checked when the
        text as printed is garbled (a note on the row must say how).
        """
        if (theirs is None) == (no_keras is None):
            raise ValueError(f"{exercise}: give either Keras's value or why there is none")
        agree = no_keras is not None or sides_agree(ours, theirs, tol)
        if expect is not None:
            agree = agree and sides_agree(ours, expect, tol)
        printed = check_text is not None or (text is not None and not text.startswith("("))
        if printed:
            expected, checked = (text_value if text_value is not None else ours), check_text or text
            agree = agree and (" ".join(expected.split()) == " ".join(checked.split()) if isinstance(expected, str)
                               else matches_print(expected, checked))
        if show is not None:
            ours, theirs = np.asarray(ours)[show], None if theirs is None else np.asarray(theirs)[show]
        keras_cell = f"{NO_KERAS} ({no_keras})" if no_keras else fmt(theirs, precision)
        self.add(exercise, text if text is not None else "(not printed)", fmt(ours, precision), keras_cell,
                 agree, bug)

    def section(self, title, headers, rows, text=""):
        self.sections.append(Section(title, headers, rows, text, numparse=False))

    # -- what the renderer shows ----------------------------------------------------------------
    def verdict_line(self):
        agreeing = sum(row.agrees for row in self.rows)
        return (f"course {self.text}: {'PASSED' if self.passed else 'FAILED'}, "
                f"{agreeing}/{len(self.rows)} rows agree")

    summary = verdict_line

    def lead_text(self):
        return f"Command: `{self.command}`. {self.verdict_line()}."

    def markdown(self, command=None):
        """The page as Markdown (quoting `command`, else its own)."""
        if command is not None:
            self.command = command
        return render_markdown(self)


def tol(dtype, kind="forward"):
    """The tolerance table's bound (comparisons/core/tolerances.py)."""
    return tolerance(dtype, kind)
