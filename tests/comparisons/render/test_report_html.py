"""How a Report shows itself in a notebook (comparisons.render.html, through `_repr_html_`) and in a
terminal (a one-line repr): the verdict first, the checks and sections as HTML tables with the long
diagnoses wrapping, plots inline as PNG data URIs; for a hand-made report, a scenario's, a check
result, a course page, the bug zoo, several reports and a diff. History and summary() use the same
table markup (scratchnet.display.html_table)."""
import base64
import html
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import comparisons
import scratchnet
from comparisons import render
from comparisons.core.check import Check
from comparisons.core.result import Plot, Report, Reports, Section
from comparisons.harness import bugzoo
from scratchnet import display
from scratchnet.training import History

LONG = ("differs from Keras by exactly -lambda x the weights (lambda = 0.1): the L2 penalty 0.5*lambda*sum(W**2) "
        "is in the loss but its gradient lambda*W is missing")


def _report(checks=2):
    report = Report("demo", dtype="float64")
    report.checks = [Check("forward Affine1", 1e-17, 1e-12, True, kind="forward", subject="Affine1"),
                     Check("gradient W1 (Keras autodiff)", 0.5, 1e-12, False, LONG, kind="gradient", subject="W1")]
    report.checks += [Check(f"forward extra{i}", 0.0, 1e-12, True, kind="forward") for i in range(checks - 2)]
    report.diagnosis.append("first differing parameter gradient: W1")
    report.notes.append("the loss is Keras's `batch mean`")
    report.sections.append(Section("a table", ["a|b", "value"], [["x<y", "1.5"]]))
    return report


def _images(page):
    """The PNG files embedded in `page`, decoded."""
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_a_report_shows_its_verdict_first_then_its_tables():
    report = _report()
    page = report._repr_html_()
    assert repr(report) == "<Report demo: FAILED 1/2 checks (float64)>"
    assert page.index(">FAILED</span> <b>demo: FAILED 1/2 checks (float64)</b>") < page.index("<table")
    assert "environment: Python " in page and "Keras " in page  # the versions, under the verdict
    assert "<thead><tr><th>check</th><th>value</th><th>tolerance</th><th>result</th><th>diagnosis</th></tr></thead>" \
        in page
    row = re.search(r"<tr><td[^>]*>gradient W1 \(Keras autodiff\)</td>(.*?)</tr>", page).group(1)
    assert "<td>0.5</td><td>1e-12</td>" in row and 'color:#cf222e">FAIL</b>' in row
    assert f'<td style="white-space:normal;text-align:left;max-width:40em">{LONG}</td>' in row  # wraps
    assert "<h3>a table</h3>" in page and "<th>a|b</th>" in page and "x&lt;y" in page  # escaped
    assert "<h3>Diagnosis</h3><ul><li" in page and "first differing parameter gradient: W1</li>" in page
    assert "the loss is Keras&#x27;s <code>batch mean</code>" in page
    assert str(report) == render.terminal_text(report)  # print(report): the terminal's text


def test_plots_are_embedded_as_png_and_a_long_check_table_is_folded_under_its_failures():
    report = _report(checks=60)

    def draw():
        figure = Figure(figsize=(2, 2))
        figure.subplots().plot([0, 1], [1, 0])
        return figure
    report.plots.append(Plot("demo_loss.png", draw))
    page = report._repr_html_()
    images = _images(page)
    assert len(images) == 1 and images[0][:8] == b"\x89PNG\r\n\x1a\n"
    assert '<figcaption>demo_loss.png</figcaption>' in page
    failed = page.index("<caption>failed checks</caption>")
    folded = page.index("<details><summary>all 60 checks (1 failed)</summary>")
    assert failed < folded and page.count("gradient W1 (Keras autodiff)") == 2  # once failed, once in all


def test_a_scenario_report_shows_its_checks_sides_and_both_plots():
    report = comparisons.run("xor", epochs=10, progress=False)
    page = report._repr_html_()
    assert page.index(">PASSED</span>") < page.index("<table")
    assert "trajectory loss (max over steps)" in page and "final test accuracy" in page
    assert "<th>side</th><th>train loss</th><th>train accuracy</th>" in page
    assert [name for name in re.findall(r"<figcaption>([^<]+)</figcaption>", page)] == ["xor_loss.png", "xor_drift.png"]
    assert all(image[:4] == b"\x89PNG" for image in _images(page))
    assert "<details><summary>Settings, Conventions</summary>" in page  # the appendix, folded


def test_a_check_result_shows_the_verdict_the_failed_check_and_its_diagnosis():
    result = comparisons.check(bugzoo.TransposedDWAffine)
    page = result._repr_html_()
    assert repr(result).startswith("<CheckResult TransposedDWAffine: FAILED ")
    assert page.index(">FAILED</span>") < page.index("<h3>TransposedDWAffine (affine layer, float64): FAILED")
    failed = [check for check in result.checks if not check.passed]
    assert failed and all(html.escape(check.name) in page for check in failed)
    assert "transposed" in page and 'white-space:normal' in page


def test_a_course_page_shows_its_rows_and_numbered_notes():
    page = comparisons.course.run("002", quick=True, progress=False)
    assert page.passed and repr(page).startswith("<Page course 002: PASSED")
    shown = page._repr_html_()
    assert shown.index(">PASSED</span>") < shown.index("<table")
    assert "<th>exercise</th><th>the text&#x27;s number</th><th>scratchnet</th><th>Keras</th><th>agrees?</th>" in shown
    assert "<h3>Notes</h3><ol>" in shown  # the rows cite them by number
    assert "Course text 002" in shown and len(_images(shown)) == len(page.plots)


def test_the_bug_zoo_shows_its_table_and_each_entry_folded(monkeypatch):
    affine = [entry for entry in bugzoo.ZOO if entry.cls.__name__.endswith("Affine")][:3]
    monkeypatch.setattr(bugzoo, "ZOO", affine)  # three entries: Affine mistakes
    zoo = comparisons.bugzoo()
    page = zoo._repr_html_()
    assert page.index("bugzoo: 3 of 3 mistakes flagged with their cause named") < page.index("<table")
    assert "<th>class</th><th>mistake</th><th>dtype</th><th>flagged by</th><th>diagnosis</th>" in page
    assert "dW = dout.T @ x" in page and "WrongAxisBiasAffine" in page
    assert page.count("<details") == 4  # "Every entry in detail", and the three CheckResults inside it


def test_several_reports_and_a_diff_show_themselves():
    passed, failed = Report("xor", dtype="float64"), _report()
    reports = Reports([passed, failed])
    page = reports._repr_html_()
    assert reports.summary() == "2 reports: FAILED (demo failed)"
    assert page.index("2 reports: FAILED (demo failed)") < page.index("<table")
    assert "<details open><summary>" in page and "<details><summary>" in page  # the failed one unfolded
    diff = comparisons.diff(passed, failed)
    shown = diff._repr_html_()
    assert shown.index(">CHANGED</span>") < shown.index("<table") and "checks added or removed" in shown
    assert comparisons.diff(passed, passed)._repr_html_().count(">SAME</span>") == 1


def test_history_summary_and_reports_share_one_table_markup(monkeypatch):
    """Consistent displays: each table comes from scratchnet.display.html_table."""
    made = []
    original = display.html_table

    def recording(headers, *args, **kwargs):
        made.append(list(headers))
        return original(headers, *args, **kwargs)

    monkeypatch.setattr(display, "html_table", recording)
    monkeypatch.setattr("comparisons.render.html.html_table", recording)
    History(step_loss=[1.0, 0.5], epoch=[1], train_loss=[0.5])._repr_html_()
    scratchnet.mlp([2, 3, 2], seed=0, dtype=np.float64)._repr_html_()
    _report()._repr_html_()
    assert made == [["metric", "epoch 1"], ["Layer (type)", "Output Shape", "Param #"],
                    ["check", "value", "tolerance", "result", "diagnosis"], ["a|b", "value"]]


@pytest.mark.parametrize("verdict,colour", [("PASSED", "#1a7f37"), ("FAILED", "#cf222e"), ("NOT CHECKED", "#9a6700")])
def test_each_verdict_has_its_colour(verdict, colour):
    from comparisons.render.html import verdict_html
    assert f"background:{colour}" in verdict_html(verdict) and f">{verdict}</span>" in verdict_html(verdict)
