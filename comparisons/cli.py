"""`python -m comparisons SCENARIO [options] [--out DIR]`.

Exit status: 0 every check passed, 1 a check failed, 2 bad usage or missing data.
"""
import argparse
import os
import sys
import time


def _environment():
    # Plots are written to files, never shown; reference_keras keeps Keras's and matplotlib's
    # config files out of the home directory when it imports them.
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parser():
    from .scenarios import PRESETS
    p = argparse.ArgumentParser(prog="python -m comparisons",
                                description="Run a scenario on scratchnet and on Keras from identical weights "
                                            "and batches, and check that they agree.")
    p.add_argument("scenario", choices=[*PRESETS, "all", "speed"],
                   help="all = xor, mnist and fashion-mnist with their defaults; speed = the benchmark "
                        "(see `python -m comparisons speed --help`)")
    p.add_argument("--hidden", type=int, nargs="+", help="hidden layer sizes, e.g. --hidden 128 64")
    p.add_argument("--activation", choices=["relu", "sigmoid", "tanh"])
    p.add_argument("--weight-init", choices=["he_normal", "glorot_uniform", "glorot_normal", "lecun_normal", "gaussian"])
    p.add_argument("--init-std", type=float, help="std of the gaussian initializer")
    p.add_argument("--optimizer", choices=["sgd", "adagrad", "rmsprop", "adam"])
    p.add_argument("--learning-rate", "--lr", type=float)
    p.add_argument("--momentum", type=float)
    p.add_argument("--nesterov", action="store_true", default=None)
    p.add_argument("--rho", type=float)
    p.add_argument("--beta-1", type=float)
    p.add_argument("--beta-2", type=float)
    p.add_argument("--epsilon", type=float)
    p.add_argument("--initial-accumulator-value", type=float)
    p.add_argument("--loss-reduction", choices=["mean", "sum"])
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--steps-per-epoch", type=int)
    p.add_argument("--sampling", choices=["shuffle", "replacement"])
    p.add_argument("--dtype", choices=["float32", "float64"])
    p.add_argument("--seed", type=int)
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def settings_from(args, name):
    from .scenarios import PRESETS
    options = {k: getattr(args, k) for k in (
        "activation", "weight_init", "init_std", "optimizer", "learning_rate", "momentum", "nesterov", "rho",
        "beta_1", "beta_2", "epsilon", "initial_accumulator_value", "loss_reduction", "epochs", "batch_size",
        "steps_per_epoch", "sampling", "dtype", "seed")}
    options["hidden"] = tuple(args.hidden) if args.hidden else None
    settings = PRESETS[name].with_options(**options)
    for key in ("epochs", "batch_size"):
        if getattr(settings, key) < 1:
            raise ValueError(f"--{key.replace('_', '-')} must be at least 1")
    return settings


def run_one(settings, args):
    from . import report, runner, textbook
    progress = False if args.no_progress else None
    print(f"== {settings.scenario} ({settings.dtype}) ==", flush=True)
    start = time.perf_counter()
    result = runner.run(settings, progress=progress)
    if settings.scenario == "textbook-mnist":
        from .scenarios import load_data
        checks, section = textbook.convention_comparison(settings, result.initial_weights, load_data(settings))
        result.checks.extend(checks)
        result.sections.append(section)
    report.print_report(result)
    files = report.write(result, args.out)
    print(f"wrote {', '.join(str(f) for f in files)} in {time.perf_counter() - start:.1f} s\n", flush=True)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    _environment()
    if argv and argv[0] == "speed":
        from . import speed
        return speed.main(argv[1:])
    args = parser().parse_args(argv)
    from scratchnet.datasets import DatasetError
    from .scenarios import ALL
    names = ALL if args.scenario == "all" else (args.scenario,)
    try:
        settings = [settings_from(args, name) for name in names]
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        results = [run_one(s, args) for s in settings]
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        if "scratchnet.datasets fetch" not in str(err):
            print("provision the data sets with: python -m scratchnet.datasets fetch all  (or: make data)",
                  file=sys.stderr)
        return 2
    if len(results) > 1:
        from . import report
        for result in results:
            print(report.summary_line(result))
        print(f"all: {'PASSED' if all(r.passed for r in results) else 'FAILED'} in {time.perf_counter() - start:.1f} s")
    return 0 if all(r.passed for r in results) else 1
