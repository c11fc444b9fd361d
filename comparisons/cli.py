"""`python -m comparisons COMMAND [options]`: argparse and a dispatch table (COMMANDS).

One subcommand per scenario (scenarios.PRESETS), `all` (scenarios.ALL, then the matrix),
`matrix`, `course NNN`, `check FILE.py` (a learner's own classes against Keras), `bugzoo`,
`speed`, `book-optimizers` and `diff OLD NEW` (what changed between two runs). Each command's
handler calls its Python entry point (comparisons.api, the same functions a notebook calls),
which returns Reports; this module prints them and has comparisons.render write them (it writes
no file itself). The first report's output starts with the environment line (the versions).

Exit status: 0 every check passed (diff: nothing changed beyond tolerance), 1 a check failed
(diff: something changed), 2 bad usage, missing data, no usable TensorFlow (one line naming the
two extras that install one), (check) a file that does not import, or a report that could not be
written (a full disk: one line, the previous files kept whole); 130 interrupted (Ctrl-C, SIGTERM).
"""
import signal
import sys
import threading
import time

from scratchnet import DTYPES
from scratchnet.argtypes import OneLineParser, count, real, seed
from scratchnet.initializers import INITIALIZERS
from scratchnet.layers import ACTIVATIONS
from scratchnet.losses import REDUCTIONS
from scratchnet.networks import check_memory
from scratchnet.optimizers import OPTIMIZERS
from scratchnet.training import SAMPLINGS

from . import api, render, scenarios
from .api import UsageError  # bad usage found after parsing (a value out of range, ...): exit 2
from .scenarios import ALL, OPTIMIZER_OPTIONS, PRESETS, QUICK, QUICK_IN_ALL


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
    p.add_argument("--seed", type=seed)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


_FAIL_FAST = ("run the matrix first and stop at the first failing matrix section, row or scenario "
              "(same exit status, partial report)")


def _reports_option(p):
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")


def parser():
    from .studies import speed
    p = OneLineParser(prog="python -m comparisons",
                      description="Run scratchnet and Keras from identical weights and batches, and check that they "
                                  "agree.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for name in (*PRESETS, "all"):
        help_text = (f"{', '.join(ALL)} with their defaults ({', '.join(QUICK_IN_ALL)} in its --quick form; the "
                     "options apply to these), then the matrix"
                     if name == "all" else f"the {name} scenario on both sides")
        s = sub.add_parser(name, help=help_text, description=help_text)
        _scenario_options(s)
        _reports_option(s)
        if name == "all":
            s.add_argument("--fail-fast", action="store_true", help=_FAIL_FAST)
        if name in QUICK:
            s.add_argument("--quick", action="store_true",
                           help="a smaller network on fewer images, a few steps (a quick look; the tests run this)")
    help_text = ("every activation, loss, optimizer option and L2 setting on small networks, the initializers "
                 "and the functions, against Keras (float64)")
    s = sub.add_parser("matrix", help=help_text, description=help_text)
    s.add_argument("--seed", type=seed, default=0, help="seed of the data, weights and draws (default 0)")
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
    s = sub.add_parser("book-optimizers",
                       help="the deep-learning-from-scratch book's optimizers vs the closest settings",
                       description="Train with the book's SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam and with "
                                   "scratchnet's closest settings (Keras's equations) from the same weights and "
                                   "batches; report how far the weights part.")
    s.add_argument("--steps", type=count(1), default=600, help="training steps of 100 MNIST images (default 600)")
    _reports_option(s)
    s = sub.add_parser("speed", help="the training-step benchmark", description=speed.__doc__.split("\n\n")[0])
    speed.add_arguments(s)
    s.add_argument("--check", nargs="*", metavar="PATH", default=None,
                   help="time `check` per learner file instead (comparisons/studies/check_latency.py): the fixed "
                        "set (six files of tests/book_style and tests/corpus/learners), or the files and folders given")
    s.add_argument("--no-cli", action="store_true", help="with --check: leave out the `python -m comparisons check` "
                                                         "runs (each imports Keras)")
    s.add_argument("--sweep", nargs="*", metavar="AXIS", default=None,
                   help="measure step time against batch size, width, depth, image size and filters instead "
                        "(comparisons/studies/sweep.py): every axis, or the AXIS names given")
    s.add_argument("--sweep-rounds", type=count(1), default=3, help="with --sweep: rounds per point (default 3)")
    _reports_option(s)
    s = sub.add_parser("check", help="check the layers, networks and optimizers in Python files against Keras",
                       description="Import each FILE.py (from its own folder, in a Python process of its own) and "
                                   "check every class it recognises, in the deep-learning-from-scratch book's "
                                   "contract or scratchnet's, against Keras on seeded inputs; a folder stands for "
                                   "its *.py files. A class imported by several files is checked once.")
    s.add_argument("files", nargs="+", metavar="FILE.py", help="learner files, or folders of them")
    s.add_argument("--dtype", choices=DTYPES, default="float64", help="the tier to check in (default: float64)")
    s.add_argument("--time-limit", type=real(positive=True), default=None, metavar="SECONDS",
                   help="how long the learner's code may take to import, or to answer one call of the checker, "
                        "before the class fails (default: 20)")
    s.add_argument("--out", help="also write FILE.md, each report as Markdown, into this folder")
    s = sub.add_parser("bugzoo", help="run the catalogue of classic mistakes through check",
                       description="Run every entry of the bug zoo (comparisons/harness/bugzoo.py) through check "
                                   "and show that it is flagged and what the diagnosis says.")
    s.add_argument("--out", help="also write bugzoo.md into this folder")
    s = sub.add_parser("diff", help="what changed between two runs: verdicts, numbers beyond tolerance, versions",
                       description="Compare two runs of the same reports (e.g. before and after upgrading Keras): "
                                   "which checks changed verdict, which numbers moved by more than their tolerance "
                                   "(and how many within it), which checks were added or removed, and what changed "
                                   "in the environment (versions, the twin's equations) and the settings. Exit 0 when "
                                   "nothing changed beyond tolerance, 1 when something did.")
    s.add_argument("old", metavar="OLD", help="a report's JSON file (NAME.json), or a folder of them")
    s.add_argument("new", metavar="NEW", help="the same for the other run")
    s.add_argument("--out", help="also write diff-NAME.json and diff-NAME.md into this folder")
    return p


def settings_from(args, name):
    """The preset `name` with the options given on the command line; a ValueError for bad values."""
    options = {key: getattr(args, key) for key in (
        "activation", "weight_init", "init_std", "optimizer", "learning_rate", "loss_reduction", "epochs",
        "batch_size", "steps_per_epoch", "sampling", "dtype", "seed", *OPTIMIZER_OPTIONS)}
    options["hidden"] = tuple(args.hidden) if args.hidden else None
    quick = getattr(args, "quick", False) or (args.command == "all" and name in QUICK_IN_ALL)
    # refuses an option the optimizer lacks, a bad value, or --quick where the scenario has no quick form
    settings = api.scenario_settings(name, quick=quick, **options)
    try:
        check_memory([scenarios.input_size(settings), *settings.hidden, 10], settings.dtype)
    except MemoryError as err:
        raise ValueError(str(err)) from None
    return settings


def _progress(args):
    return False if getattr(args, "no_progress", False) else None


# -- the commands: each yields its Reports, one at a time (from comparisons.api) -----------------------
def _announce(text):
    print(text, flush=True)


def _scenarios(args):
    """A scenario, or `all`: ALL's scenarios and the matrix (the matrix first with --fail-fast)."""
    names = ALL if args.command == "all" else (args.command,)
    try:
        settings = [settings_from(args, name) for name in names]
    except ValueError as err:
        raise UsageError(err) from None
    yield from api.scenario_reports(settings, _progress(args), with_matrix=args.command == "all",
                                    fail_fast=getattr(args, "fail_fast", False), announce=_announce)


def _matrix(args):
    _announce("== matrix (float64) ==")
    yield api.matrix(args.seed, args.fail_fast)


def _course(args):
    from . import course
    if args.full and args.quick:
        raise UsageError("--full and --quick exclude each other")
    for text in course.TEXTS if args.text == "all" else (args.text,):
        yield course.run(text, progress=_progress(args), full=args.full, quick=args.quick)


def _check(args):
    yield from api.file_reports(args.files, dtype=args.dtype, time_limit=args.time_limit)


def _bugzoo(args):
    yield api.bugzoo()


def _speed(args):
    command = " ".join(["python -m comparisons", *args.argv])
    if args.check is not None:
        yield api.speed(check=args.check, rounds=args.rounds, cli=not args.no_cli, command=command)
    elif args.sweep is not None:
        yield api.speed(sweep=args.sweep, rounds=args.sweep_rounds, command=command)
    else:
        yield api.speed(command=command, **{key: getattr(args, key) for key in vars(api.speed_options())})


def _book_optimizers(args):
    yield api.book_optimizers(steps=args.steps)


def _diff(args):
    yield api.diff(args.old, args.new)


COMMANDS = {**{name: _scenarios for name in (*PRESETS, "all")}, "matrix": _matrix, "course": _course,
            "check": _check, "bugzoo": _bugzoo, "speed": _speed, "book-optimizers": _book_optimizers,
            "diff": _diff}


def _terminated(signum, frame):
    """SIGTERM ends a run as Ctrl-C does: one line, and no part file left behind."""
    raise KeyboardInterrupt("SIGTERM")


def _usage_error(err):
    print(f"python -m comparisons: error: {err}", file=sys.stderr)
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    from scratchnet.datasets import DatasetError
    try:
        if args.out is not None:
            render.check_writable(args.out)  # before any work: a run must not end by losing its results
    except ValueError as err:
        return _usage_error(err)
    start, reports = time.perf_counter(), []
    previous = signal.signal(signal.SIGTERM, _terminated) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        begun = time.perf_counter()
        for report in COMMANDS[args.command](args):
            render.print_report(report, environment=not reports)  # the versions, once
            reports.append(report)
            if args.out is not None:
                try:
                    files = render.write(report, args.out)
                except OSError as err:  # a full disk, a folder removed under the run: one line, no traceback
                    where = f" {err.filename}" if err.filename else f" into {args.out}"
                    print(f"python -m comparisons: error: cannot write{where}: {err.strerror or err}; the "
                          f"previous files there are kept whole", file=sys.stderr)
                    return 2
                print(f"wrote {', '.join(str(f) for f in files)} in {time.perf_counter() - begun:.1f} s\n", flush=True)
            begun = time.perf_counter()
    except UsageError as err:
        return _usage_error(err)
    except DatasetError as err:  # its message says how to provision the data
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        if err.name != "tensorflow":
            raise
        return _usage_error(err)  # reference_keras's MissingTensorFlowError: it names both extras
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (_terminated): the files written so far are whole
        print(f"python -m comparisons: interrupted{f' ({err})' if err.args else ''}; every file written is "
              f"whole (written atomically), the rest were not written", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    passed = all(report.passed for report in reports)
    unsure = passed and args.command == "check" and _check_unsure(reports)
    if len(reports) > 1:
        for report in reports:
            print(report.summary())
        label = f"{args.command} {args.text}" if args.command == "course" else args.command
        print(f"{label}: {'PASSED' if passed else 'FAILED'} in {time.perf_counter() - start:.1f} s")
    if unsure:
        print(f"check: exit {CHECK_UNSURE}: {unsure}", file=sys.stderr)
        return CHECK_UNSURE
    return 0 if passed else 1


CHECK_UNSURE = 3  # `check`: nothing failed, but nothing was checked or a bug could hide behind "not checked"


def _check_unsure(reports):
    """Why a `check` run in which nothing failed does not exit 0, or "" when it may."""
    hiding = [name for report in reports for name in getattr(report, "hiding", [])]
    if hiding:
        return (f"nothing failed, but not checked (see why above), and a bug could hide there: {', '.join(hiding)} "
                f"(layer, network or optimizer methods, or the book's names)")
    if all(getattr(report, "nothing_checked", False) for report in reports):
        return "no class was checked"
    return ""
