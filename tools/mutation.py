"""`python tools/mutation.py` (`make mutation`): how many wrong versions of scratchnet's numerical
core the report and the tests notice. A development tool: not part of the installed package.

The mutants are cosmic-ray's (a development extra: `pip install -e '.[mutation]'`): every
single-point change its operators make to the core files (an operator, a comparison, a number, a
boolean, a unary sign, a loop run zero times, ...), of which a seeded sample is run. Each mutant
is applied to a private copy of the project (the working tree is never touched), then
  1. `python -m comparisons all --fail-fast` runs: a non-zero exit (a failed check, a crash or a
     time-out) kills the mutant; `--fail-fast` gives the same verdict as a full run, sooner. The
     unmutated baseline run is measured with coverage.py (where it is installed): a mutant whose
     changed statement that run never executes cannot change what `all` does, so it survives
     `all` without a run (recorded as "not executed by all");
  2. a survivor meets the test suite (`pytest -x`): a failure kills it.
It prints the kill rate per file, `all` alone and `all` + tests, and the surviving mutants with
their diffs, and writes reports/mutation.{json,md}. Mutants listed in EQUIVALENT (no input can
tell them from the original) are reported apart, with the reason, and left out of the rates.
Results are saved after every mutant; `--resume` goes on from reports/mutation.json, and
`--retest` runs again the mutants in it that `all` did not kill (after new checks or tests).
`--jobs N` runs N mutants at once, each in its own copy of the project.
"""
import argparse
import ast
import concurrent.futures
import difflib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratchnet._files import write_text  # atomic: a killed run never leaves half a file

ROOT = Path(__file__).resolve().parent.parent
# The numerical core: every module that computes a number a model, a loss, a metric, an optimizer
# or the training loop produces (the whole layer package, whichever layers it gains). Left out:
# scratchnet's I/O and presentation (saving, display, datasets), the course's gates/graph, the
# argument checks (_checks, argtypes) and gradcheck (the tests' own instrument).
CORE_MODULES = ("scratchnet/losses.py", "scratchnet/metrics.py", "scratchnet/optimizers.py", "scratchnet/functions.py",
                "scratchnet/model.py", "scratchnet/initializers.py", "scratchnet/networks.py",
                "scratchnet/training.py", "scratchnet/philox.py", "scratchnet/_buffers.py", "scratchnet/slices.py")
CORE = (*sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scratchnet" / "layers").glob("*.py")
                if p.name != "__init__.py"), *CORE_MODULES)

# (file, original line, mutated line) -> why no input can tell the mutant from the original.
EQUIVALENT = {
    ("scratchnet/optimizers.py", "if self.momentum > 0:", "if self.momentum != 0:"):
        "RMSprop's momentum is checked to lie in [0, 1] when the optimizer is made, so > 0 and != 0 agree",
    ("scratchnet/layers/recurrent.py", "if len(inputs) == 1:  # no mask, or one mask shared by every block",
     "if len(inputs) <= 1:  # no mask, or one mask shared by every block"):
        "`inputs` (_masked) always holds at least one array: [x], or x times each of the one or more dropout "
        "masks, so <= 1 and == 1 agree",
    ("scratchnet/model.py", 'raise ModelFileError(f"{saving.npz_path(path)}: lacks the array {exc.args[0]}") from None',
     'raise ModelFileError(f"{saving.npz_path(path)}: lacks the array {exc.args[ -1]}") from None'):
        "the KeyError is a lookup's (a missing array or config key; scratchnet raises none with more than one "
        "argument), so args has one element and args[-1] is args[0]",
    ("scratchnet/layers/_windows.py",
     "return self.strides[0] < (kh - 1) * dh + 1 or self.strides[1] < (kw - 1) * dw + 1",
     "return self.strides[0] < (kh - 1) * dh + 1 or self.strides[1] < (kw - 1) + dw + 1"):
        "only MaxPooling2D's backward reads `overlapping`, and pooling has no dilation (dw = 1): the mutant's "
        "extent kw + 1 only ever calls disjoint windows overlapping, so the backward adds each cell's gradient "
        "into the zero-filled dx instead of assigning it: the same numbers (0 + v == v; at most a zero's sign "
        "differs, which no comparison of a gradient and no later step tells)",
    ("scratchnet/philox.py", "words = philox4x32_10(_counters((c2, c3), -(-n // per_block)), key)",
     "words = philox4x32_10(_counters((c2, c3), -(-n << per_block)), key)"):
        "n * 2**per_block blocks instead of ceil(n / per_block): more counter blocks of the same stream, of which "
        "only the first n values are returned (values[:n]); the counters run in order, so those are the same",
    ("scratchnet/optimizers.py", "flat, step = [array.reshape(-1) for array in arrays], max(1, _CACHE_SLICE_BYTES // "
     "param.itemsize)", "flat, step = [array.reshape(-1) for array in arrays], max(1, _CACHE_SLICE_BYTES - "
     "param.itemsize)"):
        "only the length of Adam's cache-sized slices changes (2**17 - itemsize elements instead of "
        "2**17 / itemsize): every element gets the same element-wise operations in any slicing, so the update is "
        "the same to the bit",
}


def _cosmic_ray():
    try:
        import cosmic_ray.plugins
        from cosmic_ray.ast import ast_nodes, get_ast_from_path
        from cosmic_ray.mutating import use_mutation
    except ImportError:
        sys.exit("tools/mutation.py needs cosmic-ray: .venv/bin/python -m pip install -e '.[mutation]'")
    return cosmic_ray.plugins, ast_nodes, get_ast_from_path, use_mutation


def enumerate_mutants(root):
    """Every (file, operator name, occurrence) cosmic-ray's argument-free operators offer in CORE."""
    plugins, ast_nodes, get_ast_from_path, _ = _cosmic_ray()
    mutants = []
    for path in CORE:
        tree = get_ast_from_path(Path(root) / path)
        for name in plugins.operator_names():
            cls = plugins.get_operator(name)
            if cls.arguments():
                continue  # operators that need configuration (variable replacers): not used
            count = sum(1 for node in ast_nodes(tree) for _ in cls().mutation_positions(node))
            mutants += [{"id": f"{path}:{name}:{i}", "file": path, "operator": name, "occurrence": i}
                        for i in range(count)]
    return mutants


def _changed_lines(original, mutated):
    """(line number, original line, mutated line) of the one changed line."""
    for number, (a, b) in enumerate(zip(original.splitlines(), mutated.splitlines()), start=1):
        if a != b:
            return number, a.strip(), b.strip()
    return 0, "", ""


def _run(command, cwd, timeout):
    """(exit status, seconds, last lines of output); a time-out is exit status 124."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        code, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired:
        code, output = 124, "timed out"
    return code, time.perf_counter() - start, "\n".join(output.strip().splitlines()[-3:])


def _copy_project(destination):
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file():
            target = Path(destination) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


ALL_COMMAND = ("-m", "comparisons", "all", "--fail-fast", "--no-progress")


def baseline_all(work, timeout):
    """Run the unmutated `all` in `work`, under coverage.py where it is installed: (exit status,
    seconds, last lines, {core file: executed line numbers} or None)."""
    out = ["--out", str(Path(work) / "mutation-reports")]
    try:
        import coverage  # noqa: F401  (a development extra, like cosmic-ray)
    except ImportError:
        return (*_run([sys.executable, *ALL_COMMAND, *out], work, timeout), None)
    data_file = Path(work) / ".mutation-coverage"
    code, seconds, tail = _run([sys.executable, "-m", "coverage", "run", f"--data-file={data_file}",
                                f"--include={','.join(str(Path(work) / f) for f in CORE)}", *ALL_COMMAND, *out],
                               work, timeout)
    if code != 0:
        return code, seconds, tail, None
    import coverage
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    executed = {f: set(data.lines(str(Path(work) / f)) or ()) for f in CORE}
    return code, seconds, tail, executed


def statement_lines(source, line):
    """The lines of the innermost statement whose text holds `line` (for a compound statement,
    its header's lines, not its body's), or None (a decorator's line, a blank line). Python may
    report a statement's execution on any of its lines, so all of them are needed."""
    best = None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and node.lineno <= line <= node.end_lineno:
            inner = [child for field in ("body", "orelse", "finalbody", "handlers")
                     for child in getattr(node, field, ()) if isinstance(child, (ast.stmt, ast.excepthandler))]
            if any(child.lineno <= line <= child.end_lineno for child in inner):
                continue  # a statement inside it holds the line
            end = min((child.lineno for child in inner), default=node.end_lineno + 1) - 1
            best = set(range(node.lineno, max(end, node.lineno) + 1))
    return best


def run_against_all(mutant, work, timeout, executed=None):
    """Apply `mutant` in the copy `work` and run `comparisons all --fail-fast` on it; `executed`
    ({file: lines the unmutated `all` ran}) lets a mutant of a statement `all` never runs survive
    without a run."""
    plugins, _, _, use_mutation = _cosmic_ray()
    operator = plugins.get_operator(mutant["operator"])()
    with use_mutation(Path(work) / mutant["file"], operator, mutant["occurrence"]) as (original, mutated):
        if mutated is None:
            return {**mutant, "outcome": "no mutation"}
        line, before, after = _changed_lines(original, mutated)
        diff = "".join(difflib.unified_diff(original.splitlines(True), mutated.splitlines(True), n=0))
        record = {**mutant, "line": line, "before": before, "after": after, "diff": diff}
        reason = EQUIVALENT.get((mutant["file"], before, after))
        if reason:
            return {**record, "outcome": "equivalent", "reason": reason}
        lines = statement_lines(original, line) if executed is not None else None
        if lines and mutant["file"] in executed and not lines & executed[mutant["file"]]:
            return {**record, "all_exit": None, "all_seconds": 0.0, "all_tail": "not executed by all",
                    "outcome": "survived"}
        code, seconds, tail = _run([sys.executable, *ALL_COMMAND, "--out", str(Path(work) / "mutation-reports")],
                                   work, timeout)
        record.update(all_exit=code, all_seconds=round(seconds, 1), all_tail=tail)
        return {**record, "outcome": "killed by all" if code != 0 else "survived"}


def relocate(mutant, record, work, reach=40):
    """`mutant` at the occurrence whose changed line is still the saved `record`'s (an edit above
    it shifts cosmic-ray's numbering); unchanged where no occurrence within `reach` is."""
    plugins, _, _, use_mutation = _cosmic_ray()
    operator = plugins.get_operator(mutant["operator"])()
    for shift in sorted(range(-reach, reach + 1), key=abs):
        occurrence = mutant["occurrence"] + shift
        if occurrence < 0:
            continue
        with use_mutation(Path(work) / mutant["file"], operator, occurrence) as (original, mutated):
            if mutated is not None and _changed_lines(original, mutated)[1:] == (record.get("before"),
                                                                                record.get("after")):
                return {**mutant, "occurrence": occurrence}
    return mutant


# The unit-test files first: the whole suite runs either way, but a mutant they kill dies sooner.
FAST_FIRST = ("test_optimizers.py", "test_optimizer_options.py", "test_errors.py", "test_gates_functions.py",
              "test_graph_layers.py", "test_model.py", "test_training.py", "test_matrix.py")


def _test_files(work):
    files = sorted(p.relative_to(work).as_posix() for p in (Path(work) / "tests").rglob("test_*.py"))
    order = {name: i for i, name in enumerate(FAST_FIRST)}
    return sorted(files, key=lambda path: (order.get(Path(path).name, len(order)), path))


def run_against_tests(record, work, timeout):
    """Apply a mutant that survived `all` again and run the whole test suite (-x) on it. A
    time-out is not counted as a kill (the suite may just be slow on a shared machine)."""
    plugins, _, _, use_mutation = _cosmic_ray()
    operator = plugins.get_operator(record["operator"])()
    with use_mutation(Path(work) / record["file"], operator, record["occurrence"]):
        code, seconds, tail = _run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                    *_test_files(work)], work, timeout)
    outcome = "killed by tests" if code not in (0, 124) else "survived"
    return {**record, "tests_exit": code, "tests_seconds": round(seconds, 1), "tests_tail": tail, "outcome": outcome}


def mark_equivalent(record):
    """A saved survivor that EQUIVALENT now lists is reported as equivalent, with the reason."""
    reason = EQUIVALENT.get((record["file"], record.get("before"), record.get("after")))
    if reason and record["outcome"] == "survived":
        return {**record, "outcome": "equivalent", "reason": reason}
    return record


def summarize(results):
    """Per-file and total counts and kill rates (equivalent mutants left out)."""
    table = {}
    for r in results:
        if r["outcome"] == "no mutation":
            continue
        row = table.setdefault(r["file"], {"mutants": 0, "equivalent": 0, "killed by all": 0, "killed by tests": 0,
                                           "survived": 0})
        row["mutants"] += 1
        row[r["outcome"]] += 1
    total = {key: sum(row[key] for row in table.values()) for key in
             ("mutants", "equivalent", "killed by all", "killed by tests", "survived")}
    for row in (*table.values(), total):
        relevant = row["mutants"] - row["equivalent"]
        row["all rate"] = row["killed by all"] / relevant if relevant else 1.0
        row["all + tests rate"] = (row["killed by all"] + row["killed by tests"]) / relevant if relevant else 1.0
    return table, total


def render(results, meta):
    from tabulate import tabulate
    table, total = summarize(results)
    headers = ["file", "mutants", "equivalent", "killed by all", "killed by tests", "survived", "all", "all + tests"]
    rows = [[name, r["mutants"], r["equivalent"], r["killed by all"], r["killed by tests"], r["survived"],
             f"{r['all rate']:.1%}", f"{r['all + tests rate']:.1%}"] for name, r in sorted(table.items())]
    rows.append(["total", *[total[k] for k in headers[1:6]], f"{total['all rate']:.1%}",
                 f"{total['all + tests rate']:.1%}"])
    lines = [f"# Mutation run: {meta['sampled']} of {meta['population']} cosmic-ray mutants of the core (seed "
             f"{meta['seed']})", "", f"Command: `{meta['command']}`", "",
             tabulate(rows, headers, tablefmt="github"), ""]
    for title, outcome in (("Surviving mutants", "survived"), ("Equivalent mutants", "equivalent")):
        chosen = [r for r in results if r["outcome"] == outcome]
        lines += [f"## {title} ({len(chosen)})", ""]
        for r in chosen:
            lines.append(f"- `{r['file']}:{r['line']}` ({r['operator']}): `{r['before']}` -> `{r['after']}`"
                         + (f": {r['reason']}" if outcome == "equivalent" else ""))
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tools/mutation.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", type=int, default=100, help="mutants to run, drawn with --seed (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="reports", help="folder for mutation.json and mutation.md")
    p.add_argument("--resume", action="store_true", help="skip the mutants already in OUT/mutation.json")
    p.add_argument("--retest", action="store_true",
                   help="run again the mutants of OUT/mutation.json that `all` did not kill (after new checks or "
                        "tests)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="mutants run at once (each in its own copy)")
    p.add_argument("--no-tests", action="store_true", help="leave out phase 2 (the survivors against the tests)")
    p.add_argument("--test-timeout", type=float, default=1800.0, help="seconds for the test suite per mutant")
    p.add_argument("--report-only", action="store_true",
                   help="only print the report of OUT/mutation.json (with the EQUIVALENT table as it is now)")
    p.add_argument("--list-files", action="store_true", help="print the files whose mutants are sampled (CORE)")
    args = p.parse_args(argv)
    if args.list_files:
        print("\n".join(CORE))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    saved_path = out / "mutation.json"
    if args.report_only:
        saved = json.loads(saved_path.read_text())
        results = [mark_equivalent(r) for r in saved["results"]]
        text = render(results, saved["meta"])
        write_text(out / "mutation.md", text)
        print(text)
        return 0
    saved = json.loads(saved_path.read_text()) if (args.resume or args.retest) and saved_path.exists() else None

    population = enumerate_mutants(ROOT)
    if args.sample and args.sample < len(population):
        chosen = random.Random(args.seed).sample(population, args.sample)
    else:
        chosen = population
    done = {r["id"]: r for r in saved["results"]} if saved else {}
    if args.retest and saved:  # the saved sample itself: code added since then must not redraw it
        chosen = [{key: r[key] for key in ("id", "file", "operator", "occurrence")} for r in saved["results"]]
    if args.retest:
        todo = [m for m in chosen if done.get(m["id"], {}).get("outcome") in ("survived", "killed by tests")]
    else:
        todo = [m for m in chosen if m["id"] not in done]
    meta = {"population": len(population), "sampled": len(chosen), "seed": args.seed,
            "command": "python tools/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])}

    def save():
        results = [done[m["id"]] for m in chosen if m["id"] in done]
        write_text(saved_path, json.dumps({"meta": meta, "results": results}, indent=1))

    with tempfile.TemporaryDirectory(prefix="scratchnet-mutation-") as scratch:
        works = [Path(scratch) / f"copy{i}" for i in range(max(1, args.jobs))]
        for work in works:
            _copy_project(work)
        code, baseline, tail, executed = baseline_all(works[0], 1800)
        if code != 0:
            sys.exit(f"the unmutated project fails `comparisons all` (exit {code}): {tail}")
        meta["baseline_all_seconds"] = round(baseline, 1)
        meta["coverage_screen"] = executed is not None
        print(f"baseline: comparisons all passes in {baseline:.0f} s"
              f"{' under coverage' if executed is not None else ''}; {len(todo)} of {len(chosen)} sampled mutants "
              f"to run (of {len(population)}), {len(works)} at a time", flush=True)
        free = list(works)

        def in_a_copy(task, *task_args):
            work = free.pop()  # the pool never runs more tasks than there are copies
            try:
                return task(*task_args[:1], work, *task_args[1:])
            finally:
                free.append(work)

        def run_phase(name, mutants, task, *task_args):
            with concurrent.futures.ThreadPoolExecutor(len(works)) as pool:
                futures = {pool.submit(in_a_copy, task, item, *task_args): item["id"] for item in mutants}
                for i, future in enumerate(concurrent.futures.as_completed(futures), start=1):
                    r = done[futures[future]] = future.result()
                    seconds = r.get("tests_seconds" if name == "tests" else "all_seconds")
                    print(f"[{name} {i}/{len(mutants)}] {r['outcome']:16s} {r['file']}:{r.get('line', '?')} "
                          f"{r.get('before', '')!r} -> {r.get('after', '')!r}"
                          f"{f' ({seconds:.0f} s)' if seconds is not None else ''}", flush=True)
                    save()

        if args.retest:  # a mutant whose line moved (code added above it) is found again by its text
            todo = [relocate(m, done[m["id"]], works[0]) for m in todo]
        # Phase 1: every mutant against `all` (a rerun survivor goes through it again: the checks may be new).
        run_phase("all", todo, run_against_all, 3 * baseline + 60, executed)
        # Phase 2: the survivors against the test suite.
        survivors = [done[m["id"]] for m in todo if done[m["id"]]["outcome"] == "survived"]
        if not args.no_tests:
            run_phase("tests", survivors, run_against_tests, args.test_timeout)
    results = [mark_equivalent(done[m["id"]]) for m in chosen if m["id"] in done]
    text = render(results, meta)
    write_text(out / "mutation.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
