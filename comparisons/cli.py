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
    from . import book, report, runner, textbook
    from .scenarios import load_data
    progress = False if args.no_progress else None
    print(f"== {settings.scenario} ({settings.dtype}) ==", flush=True)
    start = time.perf_counter()
    result = runner.run(settings, progress=progress)
    # Scenarios that also compare a text's conventions with Keras's, from the same initial weights.
    conventions = {"textbook-mnist": textbook.convention_comparison,
                   "fashion-mnist-regularized": book.convention_comparison}.get(settings.scenario)
    if conventions:
        checks, section = conventions(settings, result.initial_weights, load_data(settings))
        result.checks.extend(checks)
        result.sections.append(section)
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


def _usage_error(err):
    print(f"python -m comparisons: error: {err}", file=sys.stderr)
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    from scratchnet.datasets import DatasetError
    try:
        return _speed(args) if args.command == "speed" else _scenarios(args)
    except DatasetError as err:  # its message says how to provision the data
        print(f"error: {err}", file=sys.stderr)
        return 2
