"""Run `python -m comparisons check FILE` over the learner-code corpus and score it against the
expected verdicts.

The corpus is tests/corpus/learners/: public learner files (MANIFEST.json says where each came
from, its licence, and whether it is in the development or the held-out set) and expected.csv,
the truth for every class or CS231n function family: `pass`, `fail` (with the expected cause) or
`not-checkable` (with why). Each file is checked in a fresh process, as a learner would run it,
from the repository root; the checker's printed verdicts are parsed per class and paired with the
expected rows of that file. Classes the checker lists that the file only imports (the book's
`from common.layers import *`) are kept as `unlisted` rows and not scored: they are scored where
they are defined.

Outcome of each expected row:
  correct        expected pass/fail, the checker gave the same verdict
  false-alarm    expected pass, the checker failed it
  missed-bug     expected fail, the checker passed it
  unchecked      expected pass/fail, the checker gave no verdict (not checked, the file did not
                 import or exited 2, or the class was missing from its output)
  skipped-ok     expected not-checkable, and the checker gave no verdict
  spurious       expected not-checkable, the checker gave a verdict anyway

`run_corpus(...)` returns the rows (dicts); `summarize(rows)` the numbers; run as a script it prints
both tables: `python tools/learner_corpus.py [--set dev|heldout|all] [--dtype float64] [--jobs N]`.
The held-out set is for the end of issue 20 only: measure it, never read its rows while fixing.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "learners"
SCORED = ("pass", "fail")

# The class names of the book's two volumes (common/, ch01-ch08), compared without case or "_":
# the share of these that get a verdict is the "checked share among the book's names".
BOOK_NAMES = {name.lower() for name in """
    Relu Sigmoid Affine SoftmaxWithLoss Dropout BatchNormalization Convolution Pooling
    SGD Momentum Nesterov AdaGrad RMSprop Adam
    TwoLayerNet MultiLayerNet MultiLayerNetExtend SimpleConvNet DeepConvNet simpleNet MulLayer AddLayer
    MatMul Softmax SigmoidWithLoss Embedding EmbeddingDot NegativeSamplingLoss
    RNN TimeRNN LSTM TimeLSTM GRU TimeGRU TimeEmbedding TimeAffine TimeSoftmaxWithLoss TimeDropout
    TimeBiLSTM TimeSigmoidWithLoss SimpleCBOW SimpleSkipGram CBOW SkipGram SimpleRnnlm Rnnlm
    BetterRnnlm Encoder Decoder Seq2seq PeekyDecoder PeekySeq2seq AttentionWeight WeightSum
    Attention TimeAttention AttentionEncoder AttentionDecoder AttentionSeq2seq""".split()}

TITLE = re.compile(r"^== (?P<name>[A-Za-z_][\w./]*)(?:"
                   r" \((?P<what>.*), (?P<dtype>float\d+)\): "
                   r"(?P<verdict>PASSED|FAILED) (?P<passing>\d+)/(?P<total>\d+) checks"
                   r"|: not checked: (?P<why>.*)) ==$")
SUMMARY = re.compile(r": (?P<ok>\d+) of (?P<checked>\d+) checked classes match Keras \((?P<dtype>float\d+)\); "
                     r"(?P<unchecked>\d+) not checked")


def book_named(name):
    return name.replace("_", "").lower() in {n.replace("_", "") for n in BOOK_NAMES}


def load_manifest(corpus=CORPUS):
    return json.loads((corpus / "MANIFEST.json").read_text())


def load_expected(corpus=CORPUS):
    with open(corpus / "expected.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_check_output(text):
    """Per class (in printed order): verdict pass/fail/not-checked, the checks passed/total or the
    reason, and the diagnosis and warning lines printed for it. Also the file-level error line of
    a run that exited 2, and whether the summary line was printed."""
    classes, current, error, summary = {}, None, None, None
    for line in text.splitlines():
        title = TITLE.match(line)
        if title:
            name = title["name"]
            if title["why"] is not None:
                current = {"verdict": "not-checked", "detail": title["why"]}
            else:
                current = {"verdict": "pass" if title["verdict"] == "PASSED" else "fail",
                           "detail": f"{title['passing']}/{title['total']} checks", "kind_words": title["what"]}
            current.update(diagnosis=[], warnings=[], notes=[])
            classes.setdefault(name, current)  # a name printed twice keeps its first verdict
            continue
        if line.startswith("python -m comparisons: error:"):
            error = line.split("error:", 1)[1].strip()
        elif SUMMARY.search(line):
            summary = line
        elif current is not None:
            if line.startswith("diagnosis: "):
                current["diagnosis"].append(line.split(": ", 2)[-1])
            elif line.startswith("note: "):
                current["notes"].append(line[len("note: "):])
            elif ": WARNING" in line[:80]:
                current["warnings"].append(line.split(": ", 1)[1])
    return {"classes": classes, "error": error, "summary": summary}


def check_file(rel_path, dtype="float64", python=None, extra_path=(), timeout=900, corpus=CORPUS, time_limit=None):
    """Run the checker on one corpus file in a fresh process; return the parsed output, exit code
    and wall time."""
    python = python or str(ROOT / ".venv" / "bin" / "python")
    env = dict(os.environ)
    scratch = Path(tempfile.gettempdir()) / "learner_corpus"
    env.setdefault("KERAS_HOME", str(scratch / "keras"))
    env.setdefault("MPLCONFIGDIR", str(scratch / "mpl"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [python, "-m", "comparisons", "check", str(corpus / rel_path), "--dtype", dtype]
    if time_limit is not None:  # the checker's --time-limit (a file that trains at import needs minutes)
        command += ["--time-limit", str(time_limit)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, out, err = "timeout", expired.stdout or "", f"timed out after {timeout} s"
        out = out.decode() if isinstance(out, bytes) else out
    seconds = time.perf_counter() - start
    parsed = parse_check_output((out + "\n" + (err or "")).replace(str(corpus) + os.sep, ""))
    if code not in (0, 1, 3) and parsed["error"] is None:  # 3: nothing failed, a bug could hide
        tail = [line for line in (err or "").splitlines() if line.strip()]
        parsed["error"] = f"exit {code}: {tail[-1] if tail else 'no output'}"
    return {"file": rel_path, "exit": code, "seconds": seconds, **parsed}


def _outcome(expected, got):
    if expected in SCORED:
        if got in SCORED:
            if got == expected:
                return "correct"
            return "false-alarm" if expected == "pass" else "missed-bug"
        return "unchecked"
    return "spurious" if got in SCORED else "skipped-ok"


def score_file(result, expected_rows, repo_info):
    """Pair one file's checker result with its expected rows."""
    rows, seen = [], set()
    for exp in expected_rows:
        name = exp["class_or_function"]
        got = result["classes"].get(name)
        seen.add(name)
        if got is not None:
            verdict, detail = got["verdict"], got["detail"]
            diagnosis, warnings = " | ".join(got["diagnosis"]), " | ".join(got["warnings"])
        else:
            verdict = "file-error" if result["error"] else "absent"
            detail, diagnosis, warnings = result["error"] or "not in the checker's output", "", ""
        expected_warning = exp["expected_cause"].startswith("warning:")
        rows.append({
            "file": exp["file"], "class_or_function": name, "kind": exp["kind"],
            "family": exp["kind"].split(":", 1)[-1], "style": repo_info.get("style", ""),
            "set": repo_info.get("set", ""),
            "book_name": book_named(name) and not exp["kind"].startswith(("function-family", "file")),
            "expected_verdict": exp["expected_verdict"], "expected_cause": exp["expected_cause"],
            "got_verdict": verdict, "got_detail": detail, "diagnosis": diagnosis, "warnings": warnings,
            "warning_expected": expected_warning, "warning_given": bool(warnings),
            "outcome": _outcome(exp["expected_verdict"], verdict),
            "exit": result["exit"], "seconds": result["seconds"]})
    for name, got in result["classes"].items():
        if name not in seen:
            rows.append({
                "file": result["file"], "class_or_function": name, "kind": "", "family": "",
                "style": repo_info.get("style", ""), "set": repo_info.get("set", ""),
                "book_name": book_named(name), "expected_verdict": "", "expected_cause": "",
                "got_verdict": got["verdict"], "got_detail": got["detail"],
                "diagnosis": " | ".join(got["diagnosis"]), "warnings": " | ".join(got["warnings"]),
                "warning_expected": False, "warning_given": bool(got["warnings"]),
                "outcome": "unlisted", "exit": result["exit"], "seconds": result["seconds"]})
    return rows


def corpus_files(which="dev", corpus=CORPUS, files=None):
    manifest = load_manifest(corpus)
    chosen = [f["path"] for f in manifest["files"]
              if f["path"].endswith(".py") and (which == "all" or f["set"] == which)]
    if files:
        wanted = set(files)
        chosen = [p for p in chosen if p in wanted or any(p.startswith(w.rstrip("/") + "/") for w in wanted)]
    return chosen


def run_corpus(which="dev", dtype="float64", files=None, jobs=1, python=None, extra_path=(),
               timeout=900, corpus=CORPUS, progress=None, time_limit=None):
    """Check every .py file of the chosen set (or the given subset of it) and return
    (rows, file_results): one row per expected class and per unlisted class the checker printed,
    and per file its exit code, error line and seconds."""
    manifest = load_manifest(corpus)
    repos = manifest["repositories"]
    repo_of = {f["path"]: f["repository"] for f in manifest["files"]}
    by_file = {}
    for exp in load_expected(corpus):
        by_file.setdefault(exp["file"], []).append(exp)
    paths = corpus_files(which, corpus, files)

    def one(path):
        result = check_file(path, dtype, python, extra_path, timeout, corpus, time_limit)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, paths))
    rows = []
    for result in results:
        rows += score_file(result, by_file.get(result["file"], []), repos.get(repo_of[result["file"]], {}))
    return rows, results


def _share(part, whole):
    return f"{part}/{whole} = {100 * part / whole:.1f} %" if whole else f"{part}/0"


def summarize(rows, results):
    """The headline numbers, as (label, value) pairs."""
    scored = [r for r in rows if r["expected_verdict"] in SCORED]
    checked = [r for r in scored if r["got_verdict"] in SCORED]
    correct = [r for r in checked if r["outcome"] == "correct"]
    book = [r for r in scored if r["book_name"]]
    book_checked = [r for r in book if r["got_verdict"] in SCORED]
    skippable = [r for r in rows if r["expected_verdict"] == "not-checkable"]
    warn_rows = [r for r in rows if r["warning_expected"]]
    raised = [r for r in scored if r["got_verdict"] == "fail" and " raised " in r["diagnosis"]]
    hidden = {r["file"] for r in scored
              if r["expected_verdict"] == "fail" and r["outcome"] == "unchecked" and r["exit"] == 0}
    with_classes = [res["seconds"] for res in results if res["classes"]]
    return [
        ("files run", len(results)),
        ("files that exited 2 or worse (no verdicts)", sum(res["exit"] not in (0, 1, 3) for res in results)),
        ("expected rows (pass/fail/not-checkable)", f"{len(scored)} scored + {len(skippable)} not-checkable"),
        ("verdict accuracy among checked rows", _share(len(correct), len(checked))),
        ("verdicts right among all scored rows (unchecked counts wrong)", _share(len(correct), len(scored))),
        ("false alarms (expected pass, got fail)", sum(r["outcome"] == "false-alarm" for r in rows)),
        ("missed bugs (expected fail, got pass)", sum(r["outcome"] == "missed-bug" for r in rows)),
        ("expected fails caught",
         _share(sum(r["outcome"] == "correct" and r["expected_verdict"] == "fail" for r in rows),
                                         sum(r["expected_verdict"] == "fail" for r in rows))),
        ("checked share", _share(len(checked), len(scored))),
        ("checked share among the book's class names", _share(len(book_checked), len(book))),
        ("fails that are an exception raised while checking (of them false alarms)",
         f"{len(raised)} ({sum(r['outcome'] == 'false-alarm' for r in raised)})"),
        ("not-checkable rows given a verdict anyway", sum(r["outcome"] == "spurious" for r in rows)),
        ("expected warnings given", _share(sum(r["warning_given"] for r in warn_rows), len(warn_rows))),
        ("files hiding an expected fail behind no verdict, exit 0", len(hidden)),
        ("median seconds per file (all files)",
         f"{statistics.median(res['seconds'] for res in results):.1f}" if results else "-"),
        ("median seconds per file (files with classes)",
         f"{statistics.median(with_classes):.1f}" if with_classes else "-"),
    ]


def family_table(rows, key="family"):
    """Per family (or style): rows, expected fails, checked, correct, false alarms, missed, unchecked."""
    table = {}
    for r in rows:
        if r["expected_verdict"] not in (*SCORED, "not-checkable"):
            continue
        t = table.setdefault(r[key] or "-", dict.fromkeys(
            ("rows", "exp_fail", "checked", "correct", "false_alarm", "missed", "unchecked", "spurious"), 0))
        t["rows"] += 1
        t["exp_fail"] += r["expected_verdict"] == "fail"
        t["checked"] += r["got_verdict"] in SCORED and r["expected_verdict"] in SCORED
        t["correct"] += r["outcome"] == "correct"
        t["false_alarm"] += r["outcome"] == "false-alarm"
        t["missed"] += r["outcome"] == "missed-bug"
        t["unchecked"] += r["outcome"] == "unchecked"
        t["spurious"] += r["outcome"] == "spurious"
    return [[name, *t.values()] for name, t in sorted(table.items(), key=lambda item: (-item[1]["rows"], item[0]))]


def _markdown(headers, body):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="which", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--files", nargs="*",
                        help="corpus paths (or folders) to check, relative to tests/corpus/learners")
    parser.add_argument("--jobs", type=int, default=1, help="files checked at once (each is its own process)")
    parser.add_argument("--python", help="interpreter that runs the checker (default: .venv/bin/python)")
    parser.add_argument("--extra-path", action="append", default=[],
                        help="folder put on the checked process's PYTHONPATH (e.g. where `nnfs` is installed)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per file")
    parser.add_argument("--time-limit", type=float,
                        help="the checker's --time-limit (seconds for the import and each call; default its own)")
    parser.add_argument("--rows", help="write every row to this CSV")
    parser.add_argument("--results", help="write each file's parsed checker output (JSON) here")
    args = parser.parse_args(argv)

    def progress(result):
        verdicts = ", ".join(f"{n} {c['verdict']}" for n, c in result["classes"].items()) or (result["error"] or "")
        print(f"[{result['seconds']:5.1f} s, exit {result['exit']}] {result['file']}: {verdicts[:160]}",
              file=sys.stderr, flush=True)

    rows, results = run_corpus(args.which, args.dtype, args.files, args.jobs, args.python,
                               args.extra_path, args.timeout, progress=progress, time_limit=args.time_limit)
    print(f"# learner corpus, {args.which} set, --dtype {args.dtype}\n")
    print(_markdown(("measure", "value"), summarize(rows, results)), "\n")
    headers = ("rows", "expected fail", "checked", "correct", "false alarm", "missed", "unchecked", "spurious")
    print(_markdown(("family", *headers), family_table(rows)), "\n")
    print(_markdown(("style", *headers), family_table(rows, "style")), "\n")
    wrong = [r for r in rows if r["outcome"] not in ("correct", "skipped-ok", "unlisted")]
    print(_markdown(("outcome", "file", "class", "expected", "got", "checker said"),
                    [[r["outcome"], r["file"], r["class_or_function"], r["expected_verdict"], r["got_verdict"],
                      (r["diagnosis"] or r["got_detail"])[:160]] for r in wrong]))
    if args.rows:
        with open(args.rows, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.results:
        Path(args.results).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
