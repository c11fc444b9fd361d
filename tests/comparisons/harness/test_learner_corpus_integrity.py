"""The learner-code corpus (tests/corpus/learners/) is complete and consistent: every file has its
source, commit and licence in MANIFEST.json, every licence text is present, the development and
held-out sets are split by repository, and expected.csv labels only files of the corpus, each with
a verdict the scorer knows and a cause for every fail. Also pins how tools/learner_corpus.py reads
the checker's printed output. (Running the checker over the corpus is issue 20's corpus test.)"""
import csv
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "corpus" / "learners"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())
with open(CORPUS / "expected.csv", newline="") as _handle:
    EXPECTED = list(csv.DictReader(_handle))


def _scorer():
    spec = importlib.util.spec_from_file_location("learner_corpus", ROOT / "tools" / "learner_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_manifest_file_is_in_the_corpus_with_its_repository_and_licence():
    paths = [f["path"] for f in MANIFEST["files"]]
    assert len(paths) == len(set(paths))
    for entry in MANIFEST["files"]:
        assert (CORPUS / entry["path"]).is_file(), entry["path"]
        repo = MANIFEST["repositories"][entry["repository"]]
        assert entry["path"].startswith(entry["repository"].replace("/", "__") + "/")
        commit = entry["commit"] or entry.get("stands_in_from", {}).get("commit")
        assert entry.get("empty") or len(commit) == 40, entry["path"]  # empty __init__.py: not in the index
        assert entry["licence"] == repo["licence"]
        assert (CORPUS / repo["licence_file"]).is_file()
        assert entry["set"] == repo["set"] in ("dev", "heldout")


def test_every_corpus_file_is_in_the_manifest():
    listed = {f["path"] for f in MANIFEST["files"]}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.py") if p.is_file()}
    assert on_disk == listed


def test_held_out_repositories_are_a_fixed_third_of_the_corpus_and_exclude_the_books():
    heldout = set(MANIFEST["split"]["heldout"])
    assert heldout == {name for name, repo in MANIFEST["repositories"].items() if repo["set"] == "heldout"}
    assert not heldout & {"oreilly-japan/deep-learning-from-scratch", "oreilly-japan/deep-learning-from-scratch-2"}
    share = sum(f["set"] == "heldout" for f in MANIFEST["files"]) / len(MANIFEST["files"])
    assert 0.2 <= share <= 0.4


@pytest.mark.parametrize("row", EXPECTED, ids=lambda r: f"{r['file']}::{r['class_or_function']}")
def test_expected_rows_label_corpus_files_with_a_known_verdict(row):
    assert row["file"] in {f["path"] for f in MANIFEST["files"]}
    assert row["expected_verdict"] in ("pass", "fail", "not-checkable")
    if row["expected_verdict"] != "pass":
        assert row["expected_cause"].strip(), "a fail or not-checkable row says why"
    assert row["notes"].strip() or row["expected_verdict"] == "pass"


def test_expected_rows_are_unique():
    keys = [(r["file"], r["class_or_function"]) for r in EXPECTED]
    assert len(keys) == len(set(keys))


CHECK_OUTPUT = """\
== Relu (ReLU layer, float64): PASSED 2/2 checks ==
check                      value    tolerance  result    diagnosis
forward (5x6 with exact zeros)        0        1e-12  pass
Relu: WARNING: backward wrote into the caller's dout (18 of 30 entries changed, and returned that same array).

== Nesterov (optimizer, float64): FAILED 0/5 checks ==
diagnosis: Nesterov: the update is 1.43 times the reference's
note: Nesterov: the book's equation differs from Keras's

== Trainer: not checked: not a layer, loss, network or optimizer ==

x.py: 1 of 2 checked classes match Keras (float64); 1 not checked; FAILED: Nesterov
"""


def test_the_scorer_reads_verdicts_causes_and_warnings_per_class():
    parsed = _scorer().parse_check_output(CHECK_OUTPUT)
    classes = parsed["classes"]
    assert list(classes) == ["Relu", "Nesterov", "Trainer"]
    assert classes["Relu"]["verdict"] == "pass" and classes["Relu"]["detail"] == "2/2 checks"
    assert classes["Relu"]["warnings"] == ["WARNING: backward wrote into the caller's dout "
                                           "(18 of 30 entries changed, and returned that same array)."]
    assert classes["Nesterov"]["verdict"] == "fail"
    assert classes["Nesterov"]["diagnosis"] == ["the update is 1.43 times the reference's"]
    assert classes["Trainer"] == {"verdict": "not-checked", "detail": "not a layer, loss, network or optimizer",
                                  "diagnosis": [], "warnings": [], "notes": []}
    assert parsed["error"] is None and parsed["summary"].startswith("x.py: 1 of 2")


def test_the_scorer_pairs_rows_and_counts_outcomes():
    scorer = _scorer()
    result = {"file": "a.py", "exit": 1, "seconds": 1.0, "error": None,
              **scorer.parse_check_output(CHECK_OUTPUT)}
    expected = [{"file": "a.py", "class_or_function": name, "kind": kind, "expected_verdict": verdict,
                 "expected_cause": cause, "notes": ""}
                for name, kind, verdict, cause in [("Relu", "layer:relu", "pass", "warning: writes dout"),
                                                    ("Nesterov", "optimizer:nesterov", "pass", ""),
                                                    ("Trainer", "helper", "not-checkable", "a training loop"),
                                                    ("Adam", "optimizer:adam", "fail", "no bias correction")]]
    rows = scorer.score_file(result, expected, {"style": "book", "set": "dev"})
    assert [r["outcome"] for r in rows] == ["correct", "false-alarm", "skipped-ok", "unchecked"]
    assert rows[0]["warning_expected"] and rows[0]["warning_given"] and rows[0]["book_name"]
    numbers = dict(scorer.summarize(rows, [result]))
    assert numbers["verdict accuracy among checked rows"] == "1/2 = 50.0 %"
    assert numbers["checked share"] == "2/3 = 66.7 %"
    assert numbers["false alarms (expected pass, got fail)"] == 1


def test_the_scorer_reads_a_cs231n_family_named_by_its_functions():
    parsed = _scorer().parse_check_output(
        "== affine_forward/affine_backward (affine layer, float64): PASSED 8/8 checks ==\n"
        "== layernorm_forward/layernorm_backward: not checked: no Keras twin yet ==\n")
    assert parsed["classes"]["affine_forward/affine_backward"]["verdict"] == "pass"
    assert parsed["classes"]["layernorm_forward/layernorm_backward"]["verdict"] == "not-checked"
