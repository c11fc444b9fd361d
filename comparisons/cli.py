"""`python -m comparisons COMMAND [options]`: one subcommand per scenario, `all`, `speed`,
`check FILE.py` (a learner's own classes against Keras) and `bugzoo`.

Exit status: 0 every check passed, 1 a check failed, 2 bad usage, missing data, or (check) a
file that does not import.
"""
import sys
import time

from scratchnet import DTYPES
from scratchnet.argtypes import OneLineParser, count, real
from scratchnet.initializers import INITIALIZERS
from scratchnet.layers import ACTIVATIONS
from scratchnet.losses import REDUCTIONS
from scratchnet.networks import check_memory
from scratchnet.optimizers import OPTIMIZERS
from scratchnet.training import SAMPLINGS

from .scenarios import ALL, OPTIMIZER_OPTIONS, PRESETS, build_optimizer, input_size


def _scenario_options(p):
    p.add_argument("--hidden", type=count(1), nargs="+", help="hidden layer sizes, e.g. --hidden 128 64")
    p.add_argument("--activation", choices=list(ACTIVATIONS))
    p.add_argument("--weight-init", choices=list(INITIALIZERS))
    p.add_argument("--init-std", type=real(positive=True), help="std of the gaussian initializer")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS))
    p.add_argument("--learning-rate", "--lr", type=real(positive=True))
    for name, default in OPTIMIZER_OPTIONS.items():  # every optimizer's hyperparameters, from the registry
        owners = ", ".join(key for key, cls in OPTIMIZERS.items() if name in cls.options())
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            p.add_argument(flag, action="store_true", default=None, help=f"({owners})")
        else:  # a number; an option whose default is None (clipnorm, ...) is off unless given
            others = ", ".join(f"{key} {cls.options()[name]}" for key, cls in OPTIMIZERS.items()
                               if cls.options().get(name, default) != default)
            p.add_argument(flag, type=real(), help=f"({owners}; default {default}{'; ' + others if others else ''})")
    p.add_argument("--loss-reduction", choices=list(REDUCTIONS))
    p.add_argument("--epochs", type=count(1))
    p.add_argument("--batch-size", type=count(1))
    p.add_argument("--steps-per-epoch", type=count(1))
    p.add_argument("--sampling", choices=list(SAMPLINGS))
    p.add_argument("--dtype", choices=DTYPES)
    p.add_argument("--seed", type=count(0))
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


_FAIL_FAST = ("run the matrix first and stop at the first failing matrix section, row or scenario "
              "(same exit status, partial report)")


def _reports_option(p):
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")


def parser():
    p = OneLineParser(prog="python -m comparisons",
                description="Run scratchnet and Keras from identical weights and batches, and check that they agree.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for name in (*PRESETS, "all"):
        help_text = (f"{', '.join(ALL)} with their defaults (the options apply to these), then the matrix"
                     if name == "all" else f"the {name} scenario on both sides")
        s = sub.add_parser(name, help=help_text, description=help_text)
        _scenario_options(s)
        _reports_option(s)
        if name == "all":
            s.add_argument("--fail-fast", action="store_true", help=_FAIL_FAST)
    help_text = ("every activation, loss, optimizer option and L2 setting on small networks, the initializers "
                 "and the functions, against Keras (float64)")
    s = sub.add_parser("matrix", help=help_text, description=help_text)
    s.add_argument("--seed", type=count(0), default=0, help="seed of the data, weights and draws (default 0)")
    _reports_option(s)
    s.add_argument("--fail-fast", action="store_true", help=_FAIL_FAST)
    s = sub.add_parser("course", help="every exercise of a course text: its number, scratchnet's, Keras's",
                       description="Run the exercises of course text NNN (or all five): each row shows the text's "
                                   "number, scratchnet's and Keras's, and whether they agree.")
    s.add_argument("text", choices=["000", "001", "002", "003", "004", "all"])
    s.add_argument("--out", default="reports", help="output folder for course-NNN.md and plots (default: reports/)")
    s.add_argument("--full", action="store_true", help="text 001: the full 60,000-step MNIST recipe (minutes)")
    s.add_argument("--quick", action="store_true",
                   help="short training runs on fewer images (a quick look; the tests run this; each page says so)")
    s.add_argument("--no-progress", action="store_true", help="no progress bars")
    s = sub.add_parser("book-optimizers", help="the deep-learning-from-scratch book's optimizers vs the closest settings",
                       description="Train with the book's SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam and with "
                                   "scratchnet's closest settings (Keras's equations) from the same weights and "
                                   "batches; report how far the weights part.")
    s.add_argument("--steps", type=count(1), default=600, help="training steps of 100 MNIST images (default 600)")
    _reports_option(s)
    from . import speed
    s = sub.add_parser("speed", help="the training-step benchmark", description=speed.__doc__.split("\n\n")[0])
    speed.add_arguments(s)
    _reports_option(s)
    s = sub.add_parser("check", help="check the layers, networks and optimizers in a Python file against Keras",
                       description="Import FILE.py (from its own folder, leaving nothing behind) and check every "
                                   "class it recognises, in the deep-learning-from-scratch book's contract or "
                                   "scratchnet's, against Keras on seeded inputs.")
    s.add_argument("file", metavar="FILE.py")
    s.add_argument("--dtype", choices=DTYPES, default="float64", help="the tier to check in (default: float64)")
    s.add_argument("--out", help="also write FILE.md, the report as Markdown, into this folder")
    s = sub.add_parser("bugzoo", help="run the catalogue of classic mistakes through check",
                       description="Run every entry of the bug zoo (comparisons/bugzoo.py) through check and "
                                   "show that it is flagged and what the diagnosis says.")
    s.add_argument("--out", help="also write bugzoo.md into this folder")
    return p


def settings_from(args, name):
    """The preset `name` with the options given on the command line; a ValueError for bad values."""
    options = {key: getattr(args, key) for key in (
        "activation", "weight_init", "init_std", "optimizer", "learning_rate", "loss_reduction", "epochs",
        "batch_size", "steps_per_epoch", "sampling", "dtype", "seed", *OPTIMIZER_OPTIONS)}
    options["hidden"] = tuple(args.hidden) if args.hidden else None
    settings = PRESETS[name].with_options(**options)
    build_optimizer(settings)  # refuses an option the optimizer lacks, or a value out of range
    try:
        check_memory([input_size(settings), *settings.hidden, 10], settings.dtype)
    except MemoryError as err:
        raise ValueError(str(err)) from None
    return settings


def run_one(settings, args):
    from . import book, report, runner, textbook
    from .scenarios import load_data
    progress = False if args.no_progress else None
    print(f"== {settings.scenario} ({settings.dtype}) ==", flush=True)
    start = time.perf_counter()
    if settings.scenario == "textbook-mnist":  # the recipe, with its own convention comparison
        result = textbook.run_recipe(settings, progress=progress)
    else:
        result = runner.run(settings, progress=progress)
    # Scenarios that also compare the book's conventions with Keras's, from the same initial weights.
    if settings.scenario == "fashion-mnist-regularized":
        checks, section = book.convention_comparison(settings, result.initial_weights, load_data(settings))
        result.checks.extend(checks)
        result.sections.append(section)
    report.print_report(result)
    files = report.write(result, args.out)
    print(f"wrote {', '.join(str(f) for f in files)} in {time.perf_counter() - start:.1f} s\n", flush=True)
    return result


def run_matrix(seed, out_dir, fail_fast=False):
    from . import matrix, report
    print("== matrix (float64) ==", flush=True)
    result = matrix.run(seed, fail_fast=fail_fast)
    report.print_matrix(result)
    files = report.write_matrix(result, out_dir)
    print(f"wrote {', '.join(str(f) for f in files)} in {result.seconds:.1f} s\n", flush=True)
    return result


def _scenarios(args):
    names = ALL if args.command == "all" else () if args.command == "matrix" else (args.command,)
    try:
        settings = [settings_from(args, name) for name in names]
    except ValueError as err:
        return _usage_error(err)
    start = time.perf_counter()
    fail_fast = getattr(args, "fail_fast", False)
    runs = [lambda s=s: run_one(s, args) for s in settings]
    if args.command in ("all", "matrix"):
        matrix_run = lambda: run_matrix(args.seed if args.command == "matrix" else 0, args.out, fail_fast)  # noqa: E731
        # fail-fast puts the matrix first: its small checks are the quickest to fail
        runs = [matrix_run, *runs] if fail_fast else [*runs, matrix_run]
    results = []
    for run in runs:
        results.append(run())
        if fail_fast and not results[-1].passed:
            break
    if len(results) > 1:
        from . import report
        for result in results:
            print(report.summary_line(result))
        print(f"all: {'PASSED' if all(r.passed for r in results) else 'FAILED'} in {time.perf_counter() - start:.1f} s")
    return 0 if all(r.passed for r in results) else 1


def _speed(args):
    import numpy as np

    from scratchnet import datasets

    from . import report, speed
    data = datasets.load("mnist", dtype=np.float32)
    try:
        record = speed.run(args, data)
    except ValueError as err:
        return _usage_error(err)
    report.print_speed(record)
    files = report.write_speed(record, args.out, " ".join(["python -m comparisons", *args.argv]))
    print(f"wrote {', '.join(map(str, files))}")
    return 0


def _check_file(args):
    from . import learner_file
    try:
        classes = learner_file.load_classes(args.file)
    except FileNotFoundError as err:
        return _usage_error(err)
    except learner_file.FileDoesNotImport as err:
        return _usage_error(f"{args.file} does not import: {err}")
    if not classes:
        return _usage_error(f"{args.file} defines no classes to check")
    from . import harness, report  # Keras loads here, after the file has imported
    results = [harness.check(cls, dtype=args.dtype) for cls in classes]
    for result in results:
        print(report.check_result_text(result) + "\n")
    checked = [r for r in results if not r.not_checked]
    failed = [r.name for r in checked if not r.passed]
    summary = (f"{args.file}: {len(checked) - len(failed)} of {len(checked)} checked classes match Keras "
               f"({args.dtype}); {len(results) - len(checked)} not checked"
               + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    print(summary)
    if args.out:
        from pathlib import Path
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        page = out / f"{Path(args.file).stem}.md"
        page.write_text(report.check_markdown(results, f"{Path(args.file).name} against Keras", summary))
        print(f"wrote {page}")
    return 1 if failed else 0


def _bugzoo(args):
    from tabulate import tabulate

    from . import bugzoo, report
    findings = bugzoo.run()
    print(tabulate(bugzoo.rows(findings, width=100), bugzoo.HEADERS, tablefmt="simple"))
    caught = sum(f.caught for f in findings)
    summary = f"bugzoo: {caught} of {len(findings)} mistakes flagged with their cause named"
    print(summary)
    if args.out:
        from pathlib import Path
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table = report.markdown_table(bugzoo.rows(findings), bugzoo.HEADERS)
        details = report.check_markdown([f.result for f in findings], "Every entry in detail",
                                        "Each entry's checks, as `check` reports them.")
        details = "#" + details.replace("\n## ", "\n### ")  # one level below the page's title
        (out / "bugzoo.md").write_text(f"# The bug zoo\n\n{summary}.\n\n{table}\n\n{details}")
        print(f"wrote {out / 'bugzoo.md'}")
    return 0 if caught == len(findings) else 1


def _course(args):
    from pathlib import Path

    from . import course
    texts = course.TEXTS if args.text == "all" else (args.text,)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # the exercises write their plots as they go
    if args.full and args.quick:
        return _usage_error("--full and --quick exclude each other")
    ctx = course.Context(out, progress=False if args.no_progress else None, full=args.full, quick=args.quick)
    start, pages = time.perf_counter(), []
    for text in texts:
        begun = time.perf_counter()
        page = course.run(text, ctx)
        page.print()
        command = " ".join(["python -m comparisons course", text, *(["--full"] if args.full and text == "001" else []),
                            *(["--quick"] if args.quick else [])])
        files = page.write(args.out, command)
        print(f"wrote {', '.join(map(str, files))} in {time.perf_counter() - begun:.1f} s\n", flush=True)
        pages.append(page)
    if len(pages) > 1:
        for page in pages:
            print(page.verdict_line())
        print(f"course all: {'PASSED' if all(p.passed for p in pages) else 'FAILED'} in "
              f"{time.perf_counter() - start:.1f} s")
    return 0 if all(page.passed for page in pages) else 1


def _book_optimizers(args):
    from pathlib import Path

    import numpy as np
    from tabulate import tabulate

    from scratchnet import datasets

    from . import book_optimizers
    rows = book_optimizers.compare(datasets.load("mnist", dtype=np.float64), steps=args.steps)
    headers, body = book_optimizers.table(rows)
    print(tabulate(body, headers, tablefmt="simple", disable_numparse=True))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "book-optimizers.md").write_text(
        f"# The book's optimizers vs scratchnet's closest settings\n\nCommand: `python -m comparisons "
        f"book-optimizers --steps {args.steps}`. 784-64-10 ReLU, He-normal weights, float64, batches of 100 "
        f"MNIST images; both models start from the same weights and see the same batches. The weight gap is "
        f"max over parameters of max|W_book - W_closest| / max|W_closest|.\n\n"
        + tabulate(body, headers, tablefmt="github", disable_numparse=True) + "\n")
    print(f"wrote {out / 'book-optimizers.md'}")
    return 0 if book_optimizers.passed(rows) else 1


def _usage_error(err):
    print(f"python -m comparisons: error: {err}", file=sys.stderr)
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    from scratchnet.datasets import DatasetError

    from .report import check_writable
    try:
        if args.out is not None:
            check_writable(args.out)  # before any work: a run must not end by losing its results
    except ValueError as err:
        return _usage_error(err)
    try:
        return {"speed": _speed, "check": _check_file, "bugzoo": _bugzoo, "course": _course,
                "book-optimizers": _book_optimizers}.get(args.command, _scenarios)(args)
    except DatasetError as err:  # its message says how to provision the data
        print(f"error: {err}", file=sys.stderr)
        return 2
