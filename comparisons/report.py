"""Reports: a tabulate table on the terminal, and SCENARIO.json, SCENARIO.md and PNG plots."""
import json
import tempfile
from pathlib import Path

import numpy as np
from tabulate import tabulate

from .tolerances import tolerance


def check_rows(result):
    return [[c.name, f"{c.value:.3g}", f"{c.tolerance:.0e}" if c.tolerance else "0",
             "pass" if c.passed else "FAIL", c.diagnosis] for c in result.checks]


def side_rows(result):
    rows = []
    for side, m in result.sides.items():
        rows.append([side, f"{m['final_loss']:.6f}", f"{m['train_accuracy']:.4f}", f"{m['test_loss']:.6f}",
                     f"{m['test_accuracy']:.4f}", f"{m['seconds']:.1f}"])
    return rows


SIDE_HEADERS = ["side", "train loss", "train accuracy", "test loss", "test accuracy", "seconds"]
CHECK_HEADERS = ["check", "value", "tolerance", "result", "diagnosis"]


def summary_line(result):
    s = result.settings
    n_pass = sum(c.passed for c in result.checks)
    verdict = "PASSED" if result.passed else "FAILED"
    return f"{s.scenario}: {verdict} {n_pass}/{len(result.checks)} checks ({s.dtype})"


def print_report(result, out=print):
    out(tabulate(check_rows(result), CHECK_HEADERS, tablefmt="simple"))
    out("")
    out(tabulate(side_rows(result), SIDE_HEADERS, tablefmt="simple"))
    for section in result.sections:
        out("")
        out(section["title"])
        out(tabulate(section["rows"], section["headers"], tablefmt="simple"))
    for line in result.diagnosis:
        out(f"diagnosis: {line}")
    out(summary_line(result))


def as_json(result):
    traj = result.trajectory
    return {
        "scenario": result.settings.scenario,
        "dtype": result.settings.dtype,
        "passed": result.passed,
        "checks": [c.as_dict() for c in result.checks],
        "diagnosis": result.diagnosis,
        "settings": result.settings.as_dict(),
        "sides": result.sides,
        "sections": result.sections,
        "trajectory": {
            "steps": len(traj.scratchnet_loss),
            "scratchnet_loss": traj.scratchnet_loss,
            "keras_loss": traj.keras_loss,
            "drift_steps": traj.drift_steps,
            "weight_drift": traj.weight_drift,
            **({"batch_accuracy": {"steps": traj.logged_steps, "scratchnet": traj.scratchnet_batch_accuracy,
                                   "keras": traj.keras_batch_accuracy}} if traj.logged_steps else {}),
        } if traj else None,
    }


def markdown(result, plot_names):
    s = result.settings
    lines = [f"# {s.scenario}: {'passed' if result.passed else 'FAILED'}", "",
             f"{summary_line(result)}.", "", "## Checks", "",
             tabulate(check_rows(result), CHECK_HEADERS, tablefmt="github"), "",
             "## Both sides", "", tabulate(side_rows(result), SIDE_HEADERS, tablefmt="github"), ""]
    for section in result.sections:
        lines += [f"## {section['title']}", "", tabulate(section["rows"], section["headers"], tablefmt="github"), ""]
    if result.diagnosis:
        lines += ["## Diagnosis", ""] + [f"- {d}" for d in result.diagnosis] + [""]
    lines += ["## Settings", "", tabulate([[k, v] for k, v in s.as_dict().items() if k != "notes"],
                                          ["setting", "value"], tablefmt="github"), ""]
    lines += ["## Conventions", "",
              "- Both sides start from identical weights (copied from scratchnet into Keras) and see identical batches.",
              "- Differences are relative and norm-scaled: max|scratchnet - Keras| / max|Keras|; the tolerances "
              "come from `comparisons/tolerances.py`.",
              "- The loss is Keras's batch mean unless the settings say `loss_reduction: sum`; "
              "softmax + cross-entropy is one fused layer on logits (`from_logits=True` on the Keras side).",
              "- Optimizer hyperparameters other than the learning rate are rounded through float32 on the "
              "scratchnet side because Keras does so even in float64.",
              ] + [f"- {note}" for note in s.notes] + [""]
    if plot_names:
        lines += ["## Plots", ""] + [f"![{name}]({name})" for name in plot_names] + [""]
    return "\n".join(lines)


def _marks(ax, marks):
    """The reference values in `marks` ((step, value, label) triples) as labelled markers."""
    for (step, value, label), style in zip(marks, ("o", "s", "^", "D", "v", "P", "X", "*") * 4):
        ax.plot([step], [value], style, color="black", markerfacecolor="none", markersize=8, label=label, zorder=4)


def plot(result, out_dir):
    """Loss curves of both sides overlaid (per sample, i.e. the batch mean, whatever the loss's
    reduction: the number the course texts print), the weight drift per step on a log scale,
    and the batch accuracies when they were logged. `result.plot_marks` adds reference values
    (e.g. the numbers a course text prints) as markers."""
    from matplotlib.figure import Figure  # no pyplot: files only, whatever backend is configured

    traj, name, settings = result.trajectory, result.settings.scenario, result.settings
    marks = result.plot_marks
    steps = np.arange(1, len(traj.scratchnet_loss) + 1)
    per_sample = settings.batch_size if settings.loss_reduction == "sum" else 1  # a sum is N per-sample losses
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    window = max(1, len(steps) // 200)  # a long run's raw batch losses are a solid band: smooth them
    keras_curve = _moving_average(traj.keras_loss, window) / per_sample
    scratchnet_curve = _moving_average(traj.scratchnet_loss, window) / per_sample
    note = f" (mean of {window} steps)" if window > 1 else ""
    ax.plot(steps[window - 1:], keras_curve, label="Keras" + note, linewidth=3, alpha=0.5)
    ax.plot(steps[window - 1:], scratchnet_curve, label="scratchnet" + note, linewidth=1, linestyle="--")
    _marks(ax, marks.get("loss", []))
    unit = (f"batch sum / {per_sample}: per-sample mean" if per_sample > 1 else "batch mean")
    ax.set(xlabel="step", ylabel=f"training loss ({unit})", title=f"{name}: loss per step, both sides")
    if min(min(traj.keras_loss), min(traj.scratchnet_loss)) > 0:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    loss_png = f"{name}_loss.png"
    fig.savefig(Path(out_dir) / loss_png, dpi=100)
    pngs = [loss_png]
    if traj.logged_steps:
        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        ax.plot(traj.logged_steps, traj.keras_batch_accuracy, label="Keras", linewidth=3, alpha=0.5)
        ax.plot(traj.logged_steps, traj.scratchnet_batch_accuracy, label="scratchnet", linewidth=1, linestyle="--")
        _marks(ax, marks.get("accuracy", []))
        ax.set(xlabel="step", ylabel="accuracy", title=f"{name}: accuracy on each logged step's batch")
        ax.legend(fontsize="small", loc="lower right")
        fig.tight_layout()
        pngs.append(f"{name}_accuracy.png")
        fig.savefig(Path(out_dir) / pngs[-1], dpi=100)

    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    drift = np.maximum(np.array(traj.weight_drift), 1e-18)  # an exact 0 is drawn at 1e-18
    ax.semilogy(traj.drift_steps, drift, label="max relative weight difference", zorder=3)
    loss_diff = traj.loss_differences()
    nonzero = loss_diff > 0  # steps where the losses agree exactly have no place on a log axis
    ax.semilogy(steps[nonzero], loss_diff[nonzero], ".", markersize=2, alpha=0.5,
                label=f"relative loss difference ({(~nonzero).sum()} steps exactly equal, not shown)")
    ax.axhline(_tol(result), color="red", linestyle=":",
               label="tolerance")
    ax.set(xlabel="step", ylabel="scratchnet vs Keras (log scale)",
           title=f"{name}: drift between the two sides ({result.settings.dtype})")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    drift_png = f"{name}_drift.png"
    fig.savefig(Path(out_dir) / drift_png, dpi=100)
    return pngs + [drift_png]


def _moving_average(values, window):
    return np.convolve(np.asarray(values, dtype=np.float64), np.ones(window) / window, mode="valid")


def _tol(result):
    return tolerance(result.settings.dtype, "trajectory_weights")


def check_writable(out_dir):
    """Refuse an output folder that cannot be written before any work is done: a file in its
    place, or a folder (or its nearest existing parent) that refuses new files."""
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"--out {out_dir}: {existing} is a file, not a folder")
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as err:
        raise ValueError(f"--out {out_dir}: cannot write in {existing} ({err.strerror})") from None


def write(result, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = result.settings.scenario
    plots = plot(result, out_dir) if result.trajectory else []
    (out_dir / f"{name}.json").write_text(json.dumps(as_json(result), indent=1, default=float))
    (out_dir / f"{name}.md").write_text(markdown(result, plots))
    return [out_dir / f"{name}.json", out_dir / f"{name}.md"] + [out_dir / p for p in plots]


# -- the speed benchmark ------------------------------------------------------------------------
_CONTENDERS = ("scratchnet", "plain_numpy", "floor", "keras_fit", "keras_tf_function")
_CNN_CONTENDERS = ("scratchnet", "floor", "keras_fit", "keras_tf_function", "book_simple_convnet")


def _cnn_label(dtype):
    return f"{dtype} CNN"


# speed.json's "ratios": key, label in the tables, numerator and denominator contender (medians).
_RATIOS = (("scratchnet_over_floor", "scratchnet / floor", "scratchnet", "floor"),
           ("plain_numpy_over_floor", "plain NumPy loop / floor", "plain_numpy", "floor"),
           ("scratchnet_over_plain_numpy", "scratchnet / plain NumPy loop", "scratchnet", "plain_numpy"),
           ("keras_fit_over_scratchnet", "Keras fit / scratchnet", "keras_fit", "scratchnet"),
           ("keras_tf_function_over_scratchnet", "tf.function / scratchnet", "keras_tf_function", "scratchnet"),
           ("book_simple_convnet_over_scratchnet", "the book's SimpleConvNet / scratchnet", "book_simple_convnet",
            "scratchnet"))
_BOTH = ("scratchnet_float64_over_float32", "scratchnet float64 / float32")


def _ratios(results, names):
    return {key: results[top]["median_ms"] / results[bottom]["median_ms"]
            for key, _, top, bottom in _RATIOS if {top, bottom} <= set(names) & set(results)}


def speed_ratios(record):
    """The ratios of median ms/step, as speed.json records them under "ratios": by dtype, e.g.
    ratios["float32"]["scratchnet_over_floor"]; ratios["both"][_BOTH key] when both dtypes ran;
    ratios["cnn_float32"], ratios["cnn_float64"] (the CNN rows') for the CNN dtypes that ran."""
    results = record["results"]
    ratios = {dt: _ratios(res, _CONTENDERS) for dt, res in results.items()}
    if {"float32", "float64"} <= results.keys():
        ratios["both"] = {_BOTH[0]: results["float64"]["scratchnet"]["median_ms"]
                          / results["float32"]["scratchnet"]["median_ms"]}
    for dt, cnn in record.get("cnn", {}).items():
        ratios[f"cnn_{dt}"] = _ratios(cnn, _CNN_CONTENDERS)
    return ratios


def speed_tables(record):
    """(per-contender rows, ratio rows) of a speed record."""
    rows = [row for dt, res in record["results"].items() for row in _contender_rows(dt, res, _CONTENDERS)]
    for dt, cnn in record.get("cnn", {}).items():
        rows += _contender_rows(_cnn_label(dt), cnn, _CNN_CONTENDERS)
    labels = {key: label for key, label, *_ in (*_RATIOS, _BOTH)}
    ratios = [[_cnn_label(dt[4:]) if dt.startswith("cnn_") else dt, labels[key], f"{value:.2f}"]
              for dt, by_key in speed_ratios(record).items() for key, value in by_key.items()]
    return rows, ratios


def _contender_rows(label, results, names):
    return [[label, name, f"{results[name]['median_ms']:.3f}", f"{results[name]['min_ms']:.3f}",
             f"{results[name]['max_ms']:.3f}"] for name in names if name in results]


def cnn_breakdown_table(record):
    """Where scratchnet's CNN step spends its time, largest first (per CNN dtype), or '' without
    a CNN row."""
    tables = []
    for dt, cnn in record.get("cnn", {}).items():
        parts = cnn["breakdown_ms"]
        total = sum(parts.values())
        rows = [[name, f"{ms:.2f}", f"{ms / total:.0%}"] for name, ms in sorted(parts.items(), key=lambda kv: -kv[1])]
        rows.append(["total (timed call by call)", f"{total:.2f}", "100%"])
        tables.append(tabulate(rows, [f"scratchnet {dt} CNN step: part", "ms/step", "share"], tablefmt="github"))
    return "\n\n".join(tables)


def _speed_texts(record):
    rows, ratios = speed_tables(record)
    return (tabulate(rows, ["dtype", "contender", "median ms/step", "min", "max"], tablefmt="github"),
            tabulate(ratios, ["dtype", "ratio", "value"], tablefmt="github"),
            f"scratchnet peak RSS (before TensorFlow is imported): {record['scratchnet_peak_rss_mib']:.0f} MiB")


def print_speed(record, out=print):
    text, ratio_text, rss = _speed_texts(record)
    breakdown = cnn_breakdown_table(record)
    out(text + "\n\n" + ratio_text + "\n\n" + (breakdown + "\n\n" if breakdown else "") + rss)


def speed_markdown(record, command):
    c = record["configuration"]
    text, ratio_text, rss = _speed_texts(record)
    lines = ["# Speed: scratchnet vs the matrix-multiply floor vs Keras", "",
             f"Command: `{command}`. MLP {c['hidden']}, batch {c['batch']}, SGD, {c['steps_per_round']} steps a round, "
             f"{c['rounds']} rounds; medians of the per-round ms/step."]
    cnn = record.get("cnn")
    if cnn:
        k = next(iter(cnn.values()))["configuration"]
        lines += ["", f"CNN: {k['network']}, {' and '.join(cnn)}, batch {k['batch']}, {k['optimizer']}, "
                      f"{k['steps_per_round']} steps a round."]
    lines += ["", f"Machine: {json.dumps(record['machine'])}", "", text, "", ratio_text, ""]
    if cnn:
        lines += [cnn_breakdown_table(record), ""]
    return "\n".join(lines + [rss, ""])


def write_speed(record, out_dir, command):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "speed.json").write_text(json.dumps({**record, "ratios": speed_ratios(record)}, indent=1))
    (out_dir / "speed.md").write_text(speed_markdown(record, command))
    return [out_dir / "speed.json", out_dir / "speed.md"]


# -- checks of a learner's code (comparisons.harness) -----------------------------------------------
def markdown_table(rows, headers):
    """A GitHub table; a "|" inside a cell is escaped so that it does not end the cell."""
    return tabulate([[str(cell).replace("|", "\\|") for cell in row] for row in rows], headers, tablefmt="github")


def check_result_lines(result):
    """The title, the table of checks, and the diagnosis, warning and note lines of a CheckResult."""
    lines = [f"== {result.title()} =="]
    if result.checks:
        lines.append(tabulate(check_rows(result), CHECK_HEADERS, tablefmt="simple"))
    lines += [f"diagnosis: {result.name}: {line}" for line in result.diagnosis]
    lines += [f"{result.name}: {line}" for line in result.warnings]
    lines += [f"note: {line}" for line in result.notes]
    return lines


def check_result_text(result):
    return "\n".join(check_result_lines(result))


def check_markdown(results, title, intro=None):
    """One Markdown page for the CheckResults of a file (or the bug zoo)."""
    passed = sum(r.passed for r in results)
    skipped = [r for r in results if r.not_checked]
    summary = intro or (f"{passed} of {len(results) - len(skipped)} checked classes match Keras"
                        f"{f'; {len(skipped)} not checked' if skipped else ''}.")
    lines = [f"# {title}", "", summary, ""]
    for result in results:
        lines += [f"## {result.title()}", ""]
        if result.checks:
            lines += [markdown_table(check_rows(result), CHECK_HEADERS), ""]
        lines += [f"- diagnosis: {d}" for d in result.diagnosis]
        lines += [f"- {w}" for w in result.warnings]
        lines += [f"- note: {n}" for n in result.notes]
        lines.append("")
    return "\n".join(lines)


# -- the coverage matrix (comparisons/matrix.py) ----------------------------------------------------
def _matrix_failures(result):
    return [[c.name, f"{c.value:.3g}", f"{c.tolerance:.0e}" if c.tolerance else "0", c.diagnosis]
            for c in result.failed]


def print_matrix(result, out=print):
    from .matrix import ROW_HEADERS
    out(tabulate(result.rows, ROW_HEADERS, tablefmt="simple"))
    for section in result.sections:
        out("")
        out(section["title"])
        out(tabulate(section["rows"], section["headers"], tablefmt="simple"))
    if result.failed:
        out("")
        out(tabulate(_matrix_failures(result), ["failed check", "value", "tolerance", "diagnosis"], tablefmt="simple"))
    for line in result.diagnosis:
        out(f"diagnosis: {line}")
    out(summary_line(result))


def matrix_as_json(result):
    from .matrix import ROW_HEADERS
    return {"scenario": "matrix", "dtype": result.settings.dtype, "passed": result.passed,
            "seconds": result.seconds, "settings": result.settings.as_dict(),
            "rows": [dict(zip(ROW_HEADERS, row)) for row in result.rows], "sections": result.sections,
            "checks": [c.as_dict() for c in result.checks], "diagnosis": result.diagnosis}


def matrix_markdown(result):
    from .matrix import ROW_HEADERS
    s = result.settings
    lines = [f"# matrix: {'passed' if result.passed else 'FAILED'}", "",
             f"{summary_line(result)}, {result.seconds:.1f} s.",
             "", f"Networks {'-'.join(map(str, s.sizes))} on {s.samples} random samples, batches of {s.batch_size}, "
             f"{s.epochs} epochs of lockstep training, float64. One row per combination: the worst relative "
             "difference from Keras of the forward pass and loss, the gradients (Keras autodiff), the "
             "trajectory (loss and weights at every step) and the final loss and accuracy; the smallest "
             "change that removing one of the row's options makes to the final weights.", "",
             "## Combinations", "", tabulate(result.rows, ROW_HEADERS, tablefmt="github"), ""]
    for section in result.sections:
        lines += [f"## {section['title']}", "", tabulate(section["rows"], section["headers"], tablefmt="github"), ""]
    if result.failed:
        lines += ["## Failed checks", "",
                  tabulate(_matrix_failures(result), ["check", "value", "tolerance", "diagnosis"], tablefmt="github"), ""]
    if result.diagnosis:
        lines += ["## Diagnosis", ""] + [f"- {d}" for d in result.diagnosis] + [""]
    return "\n".join(lines)


def write_matrix(result, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "matrix.json").write_text(json.dumps(matrix_as_json(result), indent=1, default=float))
    (out_dir / "matrix.md").write_text(matrix_markdown(result))
    return [out_dir / "matrix.json", out_dir / "matrix.md"]
