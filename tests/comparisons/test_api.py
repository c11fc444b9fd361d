"""The Python entry points (comparisons.api, re-exported lazily by `comparisons`): one per command, each
returning a Report (or Reports) that shows itself; the command line calls the same functions. And the
command line where no TensorFlow imports: one line naming both extras, exit 2, no traceback."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import comparisons
from comparisons import api, cli
from comparisons.core.result import Report, Reports

REPO = Path(__file__).resolve().parents[2]
BOOK = REPO / "tests" / "book_style"


def _python(code, tmp_path, *args):
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_HOME", "MPLCONFIGDIR")}
    env.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


def test_importing_comparisons_loads_no_keras_and_names_every_entry_point(tmp_path):
    result = _python("""
        import sys
        import comparisons
        names = [comparisons.run, comparisons.matrix, comparisons.course.run, comparisons.check_file,
                 comparisons.check_files, comparisons.bugzoo, comparisons.speed, comparisons.book_optimizers,
                 comparisons.diff]
        print(all(map(callable, names)), "keras" in sys.modules, "tensorflow" in sys.modules)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False"]


def test_run_returns_a_report_that_shows_itself(capsys):
    report = comparisons.run("xor", epochs=20, progress=False)
    assert isinstance(report, Report) and report.passed and report.name == "xor"
    assert repr(report) == f"<Report xor: PASSED {len(report.checks)}/{len(report.checks)} checks (float64)>"
    text = str(report)  # the terminal text
    assert "trajectory loss (max over steps)" in text and text.endswith(report.summary())
    assert report.data["settings"].epochs == 20 and report.environment["keras"]
    assert "<table" in report._repr_html_()
    assert capsys.readouterr().out == ""  # nothing printed: the caller shows it


@pytest.mark.parametrize("call,message", [
    (lambda: comparisons.run("no-such-scenario"), "unknown scenario 'no-such-scenario'; known: xor, mnist"),
    (lambda: comparisons.run("xor", epoch=3), "epoch: not a scenario option; the options: dataset, hidden"),
    (lambda: comparisons.run("xor", amsgrad=True), "amsgrad is not an option of sgd"),
    (lambda: comparisons.speed(step=3), "step: not an option of speed"),
    (lambda: comparisons.diff("no/such.json", "other.json"), "no such file or folder: no/such.json"),
    (lambda: comparisons.check_file("no_such_file.py"), "no such file: no_such_file.py"),
])
def test_bad_arguments_raise_a_usage_error_with_the_command_lines_message(call, message):
    with pytest.raises(api.UsageError) as error:
        call()
    assert message in str(error.value) and isinstance(error.value, ValueError)


def test_the_cli_runs_the_same_functions_then_prints_them(monkeypatch, tmp_path, capsys):
    """The CLI's scenarios come from api.scenario_reports, its speed options from api.speed_options."""
    calls = []

    def scenario_reports(settings, progress=None, with_matrix=False, fail_fast=False, announce=None):
        calls.append(([s.scenario for s in settings], with_matrix, fail_fast))
        yield Report("xor", dtype="float64")

    monkeypatch.setattr(api, "scenario_reports", scenario_reports)
    assert cli.main(["xor", "--epochs", "3"]) == 0
    assert calls == [(["xor"], False, False)]
    out = capsys.readouterr().out
    assert out.startswith("environment: Python ") and "xor: PASSED 0/0 checks (float64)" in out

    seen = {}
    from comparisons.studies import speed as benchmark
    monkeypatch.setattr(benchmark, "run", lambda args, data, command: seen.update(vars(args), command=command)
                        or Report("speed"))
    monkeypatch.setattr("scratchnet.datasets.load", lambda name, dtype: None)
    assert cli.main(["speed", "--steps", "5", "--hidden", "16", "8"]) == 0
    assert seen["steps"] == 5 and seen["hidden"] == [16, 8] and seen["rounds"] == 7
    assert seen["command"] == "python -m comparisons speed --steps 5 --hidden 16 8"
    comparisons.speed(steps=4, hidden=32, dtype="float64")
    assert seen["steps"] == 4 and seen["hidden"] == [32] and seen["dtype"] == ["float64"]
    assert seen["command"] == "comparisons.speed(steps=4, hidden=32, dtype='float64')"


def test_check_file_and_check_files_return_reports_of_the_learners_classes():
    report = comparisons.check_file(BOOK / "common" / "layers.py")
    assert report.passed and report.children and {c.kind for c in report.children} >= {"affine", "relu"}
    assert "9 of 9 checked classes match Keras" in report.summary()
    reports = comparisons.check_files(BOOK / "ch05", BOOK / "common" / "optimizer.py")
    assert isinstance(reports, Reports) and [r.name for r in reports] == ["two_layer_net", "optimizer"]
    assert reports.passed and repr(reports).startswith("<Reports 2 reports: PASSED: two_layer_net, optimizer>")
    html = reports._repr_html_()
    assert html.count("<details") >= 2 and "two_layer_net.py: " in html


def test_course_pages_and_the_matrix_are_callable_from_the_package():
    """(A page's run and display: tests/comparisons/render/test_report_html.py.)"""
    with pytest.raises(ValueError, match="full and quick exclude each other"):
        comparisons.course.run("001", quick=True, full=True)
    with pytest.raises(TypeError, match="fast is not an option"):
        comparisons.course.run("001", fast=True)
    assert callable(comparisons.matrix) and comparisons.matrix.run is not None


# -- no TensorFlow --------------------------------------------------------------------------------
BLOCKED = """
import sys
sys.modules["tensorflow"] = None  # as if no TensorFlow were installed
from comparisons.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("argv", [["xor", "--no-progress"], ["check", str(BOOK / "common" / "layers.py")],
                                  ["course", "000", "--quick"]])
def test_without_tensorflow_the_cli_names_both_extras_in_one_line_and_exits_2(tmp_path, argv):
    result = _python(BLOCKED, tmp_path, *argv)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("python -m comparisons: error: reference_keras needs TensorFlow")
    assert "pip install 'scratchnet[tensorflow]'" in result.stderr
    assert "pip install 'scratchnet[tensorflow-cpu]'" in result.stderr


def test_without_tensorflow_diff_still_works(tmp_path):
    report = tmp_path / "xor.json"
    report.write_text('{"scenario": "xor", "dtype": "float64", "passed": true, "checks": []}')
    result = _python(BLOCKED, tmp_path, "diff", str(report), str(report))
    assert result.returncode == 0, result.stderr
    assert "diff xor: SAME: nothing changed beyond tolerance" in result.stdout
