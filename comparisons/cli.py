"""`python -m comparisons COMMAND [options]`: one subcommand per scenario, `all`, and `speed`.

Exit status: 0 every check passed, 1 a check failed, 2 bad usage or missing data.
"""
import argparse
import sys
import time

from scratchnet.initializers import INITIALIZERS
from scratchnet.layers import ACTIVATIONS
from scratchnet.losses import REDUCTIONS
from scratchnet.optimizers import OPTIMIZERS
from scratchnet.training import SAMPLINGS

from .scenarios import ALL, OPTIMIZER_OPTIONS, PRESETS, build_optimizer

DTYPES = ("float32", "float64")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit status 2 (argparse's own prints the usage too)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _scenario_options(p):
    p.add_argument("--hidden", type=int, nargs="+", help="hidden layer sizes, e.g. --hidden 128 64")
    p.add_argument("--activation", choices=list(ACTIVATIONS))
    p.add_argument("--weight-init", choices=list(INITIALIZERS))
    p.add_argument("--init-std", type=float, help="std of the gaussian initializer")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS))
    p.add_argument("--learning-rate", "--lr", type=float)
    for name, default in OPTIMIZER_OPTIONS.items():  # every optimizer's hyperparameters, from the registry
        owners = ", ".join(key for key, cls in OPTIMIZERS.items() if name in cls.options())
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            p.add_argument(flag, action="store_true", default=None, help=f"({owners})")
        else:
            p.add_argument(flag, type=float, help=f"({owners}; default {default})")
    p.add_argument("--loss-reduction", choices=list(REDUCTIONS))
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--steps-per-epoch", type=int)
    p.add_argument("--sampling", choices=list(SAMPLINGS))
    p.add_argument("--dtype", choices=DTYPES)
    p.add_argument("--seed", type=int)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def parser():
    p = _Parser(prog="python -m comparisons",
                description="Run scratchnet and Keras from identical weights and batches, and check that they agree.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name in (*PRESETS, "all"):
        help_text = ("xor, mnist and fashion-mnist with their defaults" if name == "all"
                     else f"the {name} scenario on both sides")
        s = sub.add_parser(name, help=help_text, description=help_text)
        _scenario_options(s)
        s.add_argument("--out", default="reports", help="output folder (default: reports/)")
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
    s.add_argument("--steps", type=int, default=600, help="training steps of 100 MNIST images (default 600)")
    s.add_argument("--out", default="reports", help="output folder (default: reports/)")
    from . import speed
    s = sub.add_parser("speed", help="the training-step benchmark", description=speed.__doc__.split("\n\n")[0])
    speed.add_arguments(s)
    s.add_argument("--out", default="reports", help="output folder (default: reports/)")
    return p


def settings_from(args, name):
    """The preset `name` with the options given on the command line; a ValueError for bad values."""
    options = {key: getattr(args, key) for key in (
        "activation", "weight_init", "init_std", "optimizer", "learning_rate", "loss_reduction", "epochs",
        "batch_size", "steps_per_epoch", "sampling", "dtype", "seed", *OPTIMIZER_OPTIONS)}
    options["hidden"] = tuple(args.hidden) if args.hidden else None
    settings = PRESETS[name].with_options(**options)
    for key in ("epochs", "batch_size"):
        if getattr(settings, key) < 1:
            raise ValueError(f"--{key.replace('_', '-')} must be at least 1")
    build_optimizer(settings)  # refuses an option the optimizer lacks, or a value out of range
    return settings


def run_one(settings, args):
    from . import report, runner, textbook
    progress = False if args.no_progress else None
    print(f"== {settings.scenario} ({settings.dtype}) ==", flush=True)
    start = time.perf_counter()
    if settings.scenario == "textbook-mnist":
        result = textbook.run_recipe(settings, progress=progress)
    else:
        result = runner.run(settings, progress=progress)
    report.print_report(result)
    files = report.write(result, args.out)
    print(f"wrote {', '.join(str(f) for f in files)} in {time.perf_counter() - start:.1f} s\n", flush=True)
    return result


def _scenarios(args):
    names = ALL if args.command == "all" else (args.command,)
    try:
        settings = [settings_from(args, name) for name in names]
    except ValueError as err:
        return _usage_error(err)
    start = time.perf_counter()
    results = [run_one(s, args) for s in settings]
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
    if args.steps < 1:
        return _usage_error("--steps must be at least 1")
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
    try:
        if args.command == "course":
            return _course(args)
        if args.command == "book-optimizers":
            return _book_optimizers(args)
        return _speed(args) if args.command == "speed" else _scenarios(args)
    except DatasetError as err:  # its message says how to provision the data
        print(f"error: {err}", file=sys.stderr)
        return 2
