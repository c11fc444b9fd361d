"""The checker on the learner corpus (tests/corpus/learners, issue 20): each file's verdicts per
class against expected.csv, the truth written by reading the code (file, class, expected
verdict, expected cause). A few quick files run in `make test`; the whole development set is
marked slow. The held-out set is never used here: it is measured once, at the end of an issue.

Each file is checked as a learner would check it: `python -m comparisons check FILE` in a fresh
process (tools/learner_corpus.py parses its output)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("learner_corpus", ROOT / "tools" / "learner_corpus.py")
learner_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(learner_corpus)

# (file, {class: words its diagnosis must hold}) for the quick table: the book's current and old
# optimizers and a transcription of the layers.
QUICK = {
    "oreilly-japan__deep-learning-from-scratch/common/optimizer.py": {"Nesterov": "pre-2021 Nesterov"},
    "coderyjc__deep-learning-from-scratch-note/common/optimizer.py": {},
    "coderyjc__deep-learning-from-scratch-note/common/layers.py": {},
}


def _rows(path):
    assert learner_corpus.load_manifest()  # the corpus is there
    manifest = {f["path"]: f for f in learner_corpus.load_manifest()["files"]}
    assert manifest[path]["set"] == "dev", "the tests use the development set only"
    expected = [row for row in learner_corpus.load_expected() if row["file"] == path]
    result = learner_corpus.check_file(path)
    return result, learner_corpus.score_file(result, expected, {"set": "dev"})


@pytest.mark.parametrize("path", QUICK)
def test_quick_corpus_files_get_their_expected_verdicts_and_causes(path):
    result, rows = _rows(path)
    scored = [r for r in rows if r["expected_verdict"] in learner_corpus.SCORED]
    assert scored
    for row in scored:
        assert row["outcome"] == "correct", (row["class_or_function"], row["got_verdict"], row["diagnosis"])
    for name, words in QUICK[path].items():
        row = next(r for r in rows if r["class_or_function"] == name)
        assert words in row["diagnosis"], row["diagnosis"]
    assert result["exit"] == (1 if any(r["expected_verdict"] == "fail" for r in scored) else 0)


@pytest.mark.slow
def test_the_development_set_keeps_its_verdicts():
    """The whole development set (about 20 minutes on 2 cores): no false alarm where none was, no
    missed bug, and at least the verdict accuracy and checked share measured in issue 20."""
    rows, results = learner_corpus.run_corpus("dev", jobs=2)
    numbers = dict(learner_corpus.summarize(rows, results))
    checked = [r for r in rows if r["expected_verdict"] in learner_corpus.SCORED and r["got_verdict"] in
               learner_corpus.SCORED]
    correct = [r for r in checked if r["outcome"] == "correct"]
    assert numbers["missed bugs (expected fail, got pass)"] == 0
    assert len(correct) / len(checked) >= 0.90, numbers
    assert not [r for r in rows if r["outcome"] == "spurious"]
