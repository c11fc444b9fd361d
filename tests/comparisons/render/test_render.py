"""comparisons.render on hand-made Reports: terminal tables fit 80-120 columns without splitting a
word, Markdown escapes "|" in cells, the JSON carries each check's kind and subject, a report's
parts and attachments are rendered and written, and every file is written atomically."""
import json

import pytest

from comparisons import render
from comparisons.core.check import Check
from comparisons.core.result import Plot, Report, Section
from comparisons.render.report import MAX_WIDTH, MIN_WIDTH, terminal_table

LONG = ("differs from Keras by exactly -lambda x the weights (lambda = 0.1): the L2 penalty 0.5*lambda*sum(W**2) "
        "is in the loss but its gradient lambda*W is missing")


def _report():
    report = Report("demo", dtype="float64")
    report.checks = [Check("forward Affine1", 1e-17, 1e-12, True, kind="forward", subject="Affine1"),
                     Check("gradient W1 (Keras autodiff)", 0.5, 1e-12, False, LONG, kind="gradient", subject="W1")]
    report.diagnosis.append("first differing parameter gradient: W1")
    report.sections.append(Section("a table", ["a|b", "value"], [["x|y", "1.5"]]))
    return report


@pytest.mark.parametrize("width", [MIN_WIDTH, 100, MAX_WIDTH])
def test_terminal_tables_fit_the_width_and_keep_every_word(width):
    rows = [[c.name, f"{c.value:.3g}", "1e-12", "FAIL", c.diagnosis] for c in _report().checks]
    text = terminal_table(rows, ["check", "value", "tolerance", "result", "diagnosis"], width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    words = text.split()
    assert all(word in words for word in LONG.split())  # wrapped at spaces only: no word is cut


def test_a_table_that_fits_is_left_as_it_is():
    assert terminal_table([["a", "1"]], ["x", "y"], width=80) == "x      y\n---  ---\na      1"


def test_markdown_escapes_pipes_and_lists_the_findings():
    page = render.markdown(_report())
    assert page.startswith("# demo: FAILED\n\ndemo: FAILED 1/2 checks (float64).\n\nEnvironment: Python ")
    assert ".\n\n## Checks\n" in page
    assert "| x\\|y " in page and "| a\\|b " in page
    assert "## Diagnosis\n\n- first differing parameter gradient: W1\n" in page


def test_the_json_keeps_the_check_keys_and_adds_kind_and_subject():
    record = render.as_json(_report())
    assert record["scenario"] == "demo" and record["passed"] is False
    assert record["checks"][1] == {"name": "gradient W1 (Keras autodiff)", "value": 0.5, "tolerance": 1e-12,
                                   "passed": False, "diagnosis": LONG, "kind": "gradient", "subject": "W1"}
    assert record["sections"] == [{"title": "a table", "headers": ["a|b", "value"], "rows": [["x|y", "1.5"]]}]


def test_merge_prefixes_the_merged_checks_and_lines_and_keeps_the_originals():
    part = _report()
    whole = Report("whole").merge(part, "float64 tier: ")
    assert [c.name for c in whole.checks] == ["float64 tier: forward Affine1",
                                              "float64 tier: gradient W1 (Keras autodiff)"]
    assert [c.kind for c in whole.checks] == ["forward", "gradient"] and part.checks[0].name == "forward Affine1"
    assert whole.diagnosis == ["float64 tier: first differing parameter gradient: W1"]
    assert not whole.passed and whole.summary() == "whole: FAILED 1/2 checks"


def test_write_writes_the_report_its_plots_and_attachments(tmp_path):
    from matplotlib.figure import Figure
    report = _report()
    report.plots.append(Plot("demo_plot.png", lambda: Figure(figsize=(2, 2))))
    report.attachments.append(Report("extra", files=("md",)))
    paths = render.write(report, tmp_path)
    assert [p.name for p in paths] == ["demo.json", "demo.md", "demo_plot.png", "extra.md"]
    assert json.loads((tmp_path / "demo.json").read_text())["checks"][0]["kind"] == "forward"
    assert (tmp_path / "demo_plot.png").read_bytes()[:4] == b"\x89PNG"
    assert "![demo_plot.png](demo_plot.png)" in (tmp_path / "demo.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "demo.md", "demo_plot.png", "extra.md"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "page.md"
    render.write_text(target, "the previous page\n")

    def fail(file):
        file.write(b"half a page")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        render.report.atomic_write(target, fail)
    assert target.read_text() == "the previous page\n"
    assert [p.name for p in tmp_path.iterdir()] == ["page.md"]  # no temporary file left behind


def test_a_part_is_rendered_one_level_down_with_its_findings_as_a_list():
    parent = Report("file", headline="file.py against Keras", lead="1 of 1 match", check_table="none")
    child = Report("Affine", headline="Affine: PASSED", lead="", line_prefix="Affine: ")
    child.checks = [Check("forward", 0.0, 1e-12, True, kind="forward")]
    child.warnings.append("WARNING: wrote into x")
    parent.children.append(child)
    page = render.markdown(parent)
    assert page.startswith("# file.py against Keras\n\n1 of 1 match\n\nEnvironment: ")
    assert "\n\n## Affine: PASSED\n\n| check " in page and page.count("Environment: ") == 1  # the top's only
    assert "\n- WARNING: wrote into x\n" in page
    terminal = render.terminal_text(parent)
    assert "Affine: WARNING: wrote into x" in terminal and terminal.endswith("file: PASSED 0/0 checks")
