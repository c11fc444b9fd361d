"""tools/compare_numbers.py: identical reports compare equal whatever their wall-clock times; a
changed number, a lost check or a changed page line is found and named."""
import importlib.util
import json
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "compare_numbers.py"
spec = importlib.util.spec_from_file_location("compare_numbers", TOOL)
compare_numbers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_numbers)

REPORT = {"scenario": "xor", "passed": True,
          "checks": [{"name": "loss", "value": 1e-16, "tolerance": 1e-12, "passed": True, "diagnosis": ""}],
          "sides": {"keras": {"test_loss": 0.25, "seconds": 1.5}},
          "sections": [{"title": "tier", "headers": ["side", "loss", "seconds"], "rows": [["keras", "0.25", "3.1"]]}]}
PAGE = "# xor: passed\n\n| side | loss | seconds |\n|---|---|---|\n| keras | 0.25 | 3.1 |\n\nall: PASSED in 3.4 s\n"


def _folder(path, report, page):
    path.mkdir()
    (path / "xor.json").write_text(json.dumps(report))
    (path / "xor.md").write_text(page)
    return path


def test_the_same_numbers_at_other_times_and_with_kind_and_subject_added_compare_equal(tmp_path, capsys):
    new = json.loads(json.dumps(REPORT))
    new["sides"]["keras"]["seconds"] = 9.9
    new["sections"][0]["rows"][0][2] = "12.0"
    new["checks"][0].update(kind="loss", subject="")
    old_dir = _folder(tmp_path / "old", REPORT, PAGE)
    new_dir = _folder(tmp_path / "new", new, PAGE.replace("3.1", "12.0").replace("3.4 s", "10.2 s"))
    assert compare_numbers.compare_folders(old_dir, new_dir) == 0
    out = capsys.readouterr().out
    assert "identical: 0 differ, 0 missing, 2 added" in out and "xor.md: 7 lines, same" in out


def test_a_changed_number_and_a_lost_check_are_named(tmp_path, capsys):
    new = json.loads(json.dumps(REPORT))
    new["sides"]["keras"]["test_loss"] = 0.26
    new["checks"][0]["name"] = "loss (renamed)"
    old_dir = _folder(tmp_path / "old", REPORT, PAGE)
    new_dir = _folder(tmp_path / "new", new, PAGE.replace("0.25", "0.26"))
    assert compare_numbers.compare_folders(old_dir, new_dir) == 1
    out = capsys.readouterr().out
    assert "sides.keras.test_loss: 0.25 -> 0.26" in out and "missing: check 'loss'" in out
    assert "xor.md: 7 lines, DIFFERENT (1 lines differ" in out
