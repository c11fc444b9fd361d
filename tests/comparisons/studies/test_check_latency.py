"""`python -m comparisons speed --check`: the check-latency benchmark times each learner file
in-process and sandboxed (wall and CPU) and reports medians; bad paths are usage errors."""
from pathlib import Path

import pytest

from comparisons import cli
from comparisons.studies import check_latency

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"


def test_the_fixed_set_is_the_learner_files_in_tests():
    files = check_latency.fixed_set()
    assert BOOK_STYLE / "common" / "layers.py" in files and all(f.suffix == ".py" for f in files)
    assert not any(f.name == "__init__.py" for f in files)


def test_one_file_timed_both_ways():
    report = check_latency.run([BOOK_STYLE / "ch05" / "two_layer_net.py"], rounds=1, cli=False)
    timing = next(iter(report.data["files"].values()))
    assert timing["classes"] == 4
    for key in ("in_process_wall_s", "sandboxed_wall_s", "in_process_cpu_s", "sandboxed_cpu_s"):
        assert 0 < timing[key] < 300, key
    assert timing["sandboxed_cpu_s"] > 0.0 and "cli_s" not in timing
    assert report.data["summary"]["sandboxed_wall_s"] == timing["sandboxed_wall_s"]
    assert report.sections[0].rows[0][:2] == ["tests/book_style/ch05/two_layer_net.py", 4]
    assert "Load average" in report.intro[-1]


@pytest.mark.parametrize("argv,message", [
    (["speed", "--check", "/no/such/file.py"], "no such file"),
    (["check", "x.py", "--time-limit", "0"], "expected a finite positive number"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own refusal
        code = exit_.code
    assert code == 2 and message in capsys.readouterr().err
