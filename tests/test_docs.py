"""The docs quote no hand-copied measurements: every number that describes a run reaches README.md
and docs/*.md through a result marker filled from docs/results.json by `make results`
(tools/results.py, whose marker grammar, measurement scanner and report reader these tests use).

Fast checks (part of `make test`): markers agree with results.json and name keys it has; no
measurement-looking number outside a marker; README.md at most 200 lines; relative links and their
anchors resolve; results.md is what results.json generates. The slow test re-runs the fast runs and
compares their deterministic numbers with results.json (`make results-check` does the same)."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_results_tool", ROOT / "tools" / "results.py")
results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(results)

PAGES = results.pages(ROOT)
DATA = results.load_results(ROOT / "docs" / "results.json")


def _name(page):
    return str(page.relative_to(ROOT))


def test_the_pages_exist():
    names = {_name(page) for page in PAGES}
    assert {"README.md", "docs/index.md", "docs/course.md", "docs/library.md", "docs/keras-twin.md",
            "docs/checking-your-code.md", "docs/cross-checking.md", "docs/conventions.md",
            "docs/performance.md", "docs/reliability.md", "docs/development.md"} <= names
    assert (ROOT / "docs" / "results.json").exists() and (ROOT / "docs" / "results.md").exists()


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_markers_name_keys_results_json_has(page):
    missing = [f"line {line}: {key}" for key, _, line in results.markers(page.read_text())
               if key not in DATA["results"]]
    assert not missing, f"{_name(page)}: markers without a key in docs/results.json: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_markers_quote_results_json(page):
    stale = [f"line {line}: {key}: the page says {text!r}, results.json {DATA['results'][key]['text']!r}"
             for key, text, line in results.markers(page.read_text())
             if key in DATA["results"] and DATA["results"][key]["text"] != text]
    assert not stale, f"{_name(page)}: run `python tools/results.py fill`:\n" + "\n".join(stale)


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_no_measurement_outside_a_marker(page):
    found = [f"line {line}: {token!r} in: {context}" for line, token, context in results.measurements(page.read_text())]
    assert not found, (f"{_name(page)}: numbers that look like measurements; quote them through a "
                       f"<!-- result: KEY --> marker (docs/development.md):\n" + "\n".join(found))


def test_readme_is_at_most_200_lines():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


@pytest.mark.parametrize("page", [*PAGES, ROOT / "docs" / "results.md"], ids=_name)
def test_relative_links_resolve(page):
    assert not results.broken_links(page), results.broken_links(page)


def test_results_md_is_generated_from_results_json():
    assert (ROOT / "docs" / "results.md").read_text() == results.results_markdown(DATA), \
        "docs/results.md is generated: run `python tools/results.py run` (or fill from results.json)"


def test_every_number_has_its_run_and_provenance():
    for key, entry in DATA["results"].items():
        assert {"value", "text", "what", "run", "deterministic"} <= entry.keys(), key
        provenance = DATA["runs"][entry["run"]]
        assert provenance["commands"] and provenance["date"], key
        assert {"python", "numpy", "keras", "tensorflow"} <= provenance["versions"].keys(), key
        assert {"cpu", "cores"} <= provenance["machine"].keys(), key
    fast = {name for name, run in results.RUNS.items() if not run.slow}
    assert fast <= DATA["runs"].keys(), f"runs missing from docs/results.json: {fast - DATA['runs'].keys()}"


# -- the machinery itself ------------------------------------------------------------------------------
@pytest.mark.parametrize("line,flagged", [
    ("test accuracy 0.9266 on both sides", ["0.9266"]),
    ("a drift of 7.0e-16 after 600 steps", ["7.0e-16"]),
    ("it took 21.4 s", ["21.4 s"]),
    ("in 4 min 15 s", ["4 min", "15 s"]),
    ("97.49 % test accuracy", ["97.49 %"]),
    ("2.3x faster than fit", ["2.3x faster"]),
    ("a 2.3x gap", ["2.3x"]),
    ("1.7 times faster", ["1.7 times faster"]),
    ("3.14 ms per step", ["3.14 ms"]),
    ("tolerance 1e-12, numerical 1e-6", []),
    ("784-64-10 ReLU, batches of 100, 600 steps, 3x3 windows, 2**-53", []),
    ("the book's `log(y + 1e-7)` and `0.9266` in code", []),
    ("-log(1e-7) = 16.118, lr 0.001", []),
    ("version 3.15.1 of Keras, numpy 2.4.6", []),
    ("<!-- result: all.mnist.test_accuracy -->0.9266<!-- /result --> on both sides", []),
])
def test_what_looks_like_a_measurement(line, flagged):
    assert [token for _, token, _ in results.measurements(line)] == flagged


def test_code_blocks_and_definition_tables_are_not_scanned():
    text = ("intro\n```\n12.5 s wall\n```\n<!-- definitions -->\n| a | b |\n| --- | --- |\n| float32 | 0.005 |\n"
            "\nafter the table 0.1234\n")
    assert [(line, token) for line, token, _ in results.measurements(text)] == [(10, "0.1234")]


def test_fill_replaces_marker_text_and_keeps_unknown_keys():
    data = {"a.b": {"text": "0.9266"}, "t": {"text": "\n| x |\n|---|\n| 1 |\n"}}
    page = ("accuracy <!-- result: a.b -->old<!-- /result -->, <!-- result: gone -->7<!-- /result -->\n"
            "<!-- result: t -->\n<!-- /result -->\n")
    filled = results.fill_text(page, data)
    assert filled == ("accuracy <!-- result: a.b -->0.9266<!-- /result -->, <!-- result: gone -->7<!-- /result -->\n"
                      "<!-- result: t -->\n| x |\n|---|\n| 1 |\n<!-- /result -->\n")
    assert [(key, text) for key, text, _ in results.markers(filled)][:2] == [("a.b", "0.9266"), ("gone", "7")]
    assert results.fill_text(filled, data) == filled


def test_read_report_gives_one_shape_for_json_and_markdown(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps({
        "scenario": "s", "passed": True, "diagnosis": [],
        "checks": [{"name": "loss", "value": 1e-16, "tolerance": 1e-12, "passed": True, "diagnosis": ""}],
        "sections": [{"title": "T", "headers": ["a", "b"], "rows": [["x", "1"]]}]}))
    (tmp_path / "p.md").write_text(
        "# Page\n\nsummary line: 3 of 3.\n\n## Relu (layer): PASSED\n\n"
        "| check | value | tolerance | result | diagnosis |\n|---|---|---|---|---|\n"
        "| forward | 2.5e-16 | 1e-12 | pass | |\n"
        "\n- note: a \\| b\n\n## T\n\n| a | b |\n|---|---|\n| x \\| y | 1 |\n")
    from_json, from_md = results.read_report(tmp_path / "s.json"), results.read_report(tmp_path / "p.md")
    for report in (from_json, from_md):
        assert {"title", "summary", "passed", "checks", "sections", "notes", "data"} <= report.keys()
    assert from_json["checks"][0]["value"] == 1e-16 and from_json["sections"][0]["rows"] == [["x", "1"]]
    assert from_md["summary"] == "summary line: 3 of 3."
    assert from_md["checks"] == [{"name": "forward", "value": 2.5e-16, "tolerance": 1e-12, "passed": True,
                                  "diagnosis": "", "subject": "Relu (layer): PASSED"}]
    assert results.section(from_md, "T")["rows"] == [["x | y", "1"]]
    assert from_md["notes"][0]["subject"] == "Relu (layer): PASSED"


def test_broken_links_are_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Some `code` heading\n")
    page = tmp_path / "docs" / "b.md"
    page.write_text("[ok](a.md) [ok](a.md#some-code-heading) [web](https://example.org/x)\n"
                    "[file](missing.md) [anchor](a.md#nope)\n```\n[in code](nowhere.md)\n```\n")
    assert [(line, target) for line, target, _ in results.broken_links(page)] == [(2, "missing.md"), (2, "a.md#nope")]


_PATH = re.compile(r"`((?:scratchnet|reference_keras|comparisons|tests|tools)/[\w./-]*\w/?)`")


@pytest.mark.skipif(not (ROOT / "comparisons" / "core").is_dir(),
                    reason="the pages name the modules of issue 19's layout (comparisons/core/, ...), not merged yet")
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_paths_the_pages_name_exist(page):
    missing = sorted({path for path in _PATH.findall(page.read_text()) if not (ROOT / path).exists()})
    assert not missing, f"{_name(page)} names paths that do not exist: {missing}"


@pytest.mark.slow
def test_results_json_matches_a_fresh_run():
    """The fast runs again (minutes): their deterministic numbers must equal docs/results.json's."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "results.py"), "check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
