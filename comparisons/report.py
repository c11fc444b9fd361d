"""Reports: a tabulate table on the terminal, and SCENARIO.json, SCENARIO.md and PNG plots."""
import json
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


def plot(result, out_dir):
    """Loss curves of both sides overlaid, and the weight drift per step on a log scale."""
    from matplotlib.figure import Figure  # no pyplot: files only, whatever backend is configured

    traj, name = result.trajectory, result.settings.scenario
    steps = np.arange(1, len(traj.scratchnet_loss) + 1)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    window = max(1, len(steps) // 200)  # a long run's raw batch losses are a solid band: smooth them
    keras_curve, scratchnet_curve = _moving_average(traj.keras_loss, window), _moving_average(traj.scratchnet_loss, window)
    note = f" (mean of {window} steps)" if window > 1 else ""
    ax.plot(steps[window - 1:], keras_curve, label="Keras" + note, linewidth=3, alpha=0.5)
    ax.plot(steps[window - 1:], scratchnet_curve, label="scratchnet" + note, linewidth=1, linestyle="--")
    ax.set(xlabel="step", ylabel=f"training loss (batch {result.settings.loss_reduction})",
           title=f"{name}: loss per step, both sides")
    if min(min(traj.keras_loss), min(traj.scratchnet_loss)) > 0:
        ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    loss_png = f"{name}_loss.png"
    fig.savefig(Path(out_dir) / loss_png, dpi=100)

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
    return [loss_png, drift_png]


def _moving_average(values, window):
    return np.convolve(np.asarray(values, dtype=np.float64), np.ones(window) / window, mode="valid")


def _tol(result):
    return tolerance(result.settings.dtype, "trajectory_weights")


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


def speed_tables(record):
    """(per-contender rows, ratio rows) of a speed record."""
    rows, ratios = [], []
    for dt, res in record["results"].items():
        rows += _contender_rows(dt, res, _CONTENDERS)
        sn = res["scratchnet"]["median_ms"]
        ratios += [[dt, "scratchnet / floor", f"{sn / res['floor']['median_ms']:.2f}"],
                   [dt, "plain NumPy loop / floor", f"{res['plain_numpy']['median_ms'] / res['floor']['median_ms']:.2f}"],
                   [dt, "scratchnet / plain NumPy loop", f"{sn / res['plain_numpy']['median_ms']:.2f}"],
                   [dt, "Keras fit / scratchnet", f"{res['keras_fit']['median_ms'] / sn:.2f}"],
                   [dt, "tf.function / scratchnet", f"{res['keras_tf_function']['median_ms'] / sn:.2f}"]]
    if {"float32", "float64"} <= record["results"].keys():
        r = record["results"]
        ratios.append(["both", "scratchnet float64 / float32",
                       f"{r['float64']['scratchnet']['median_ms'] / r['float32']['scratchnet']['median_ms']:.2f}"])
    cnn = record.get("cnn")
    if cnn:
        label = "float32 CNN"
        rows += _contender_rows(label, cnn, _CNN_CONTENDERS)
        sn = cnn["scratchnet"]["median_ms"]
        ratios += [[label, "scratchnet / floor", f"{sn / cnn['floor']['median_ms']:.2f}"],
                   [label, "Keras fit / scratchnet", f"{cnn['keras_fit']['median_ms'] / sn:.2f}"],
                   [label, "tf.function / scratchnet", f"{cnn['keras_tf_function']['median_ms'] / sn:.2f}"]]
    return rows, ratios


_CNN_CONTENDERS = ("scratchnet", "floor", "keras_fit", "keras_tf_function")


def _contender_rows(label, results, names):
    return [[label, name, f"{results[name]['median_ms']:.3f}", f"{results[name]['min_ms']:.3f}",
             f"{results[name]['max_ms']:.3f}"] for name in names]


def cnn_breakdown_table(record):
    """Where scratchnet's CNN step spends its time, largest first, or '' without a CNN row."""
    cnn = record.get("cnn")
    if not cnn:
        return ""
    parts = cnn["breakdown_ms"]
    total = sum(parts.values())
    rows = [[name, f"{ms:.2f}", f"{ms / total:.0%}"] for name, ms in sorted(parts.items(), key=lambda kv: -kv[1])]
    rows.append(["total (timed call by call)", f"{total:.2f}", "100%"])
    return tabulate(rows, ["scratchnet CNN step: part", "ms/step", "share"], tablefmt="github")


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
        k = cnn["configuration"]
        lines += ["", f"CNN: {k['network']}, {k['dtype']}, batch {k['batch']}, {k['optimizer']}, "
                      f"{k['steps_per_round']} steps a round."]
    lines += ["", f"Machine: {json.dumps(record['machine'])}", "", text, "", ratio_text, ""]
    if cnn:
        lines += [cnn_breakdown_table(record), ""]
    return "\n".join(lines + [rss, ""])


def write_speed(record, out_dir, command):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "speed.json").write_text(json.dumps(record, indent=1))
    (out_dir / "speed.md").write_text(speed_markdown(record, command))
    return [out_dir / "speed.json", out_dir / "speed.md"]
