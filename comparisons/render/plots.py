"""The figures of a lockstep run, one function each: both sides' loss per step, their batch
accuracies where they were logged, and the drift between the two sides on a log scale.

`sweep_figure` draws the speed sweep's step time against one axis, per contender, on log-log
axes with the crossover points marked.

`training_plots` returns Plots (a file name and a function drawing the figure); `render.write`
draws and writes them. Reference values (e.g. the numbers a course text prints) are drawn as
labelled markers: `marks` {"loss" | "accuracy": [(step, value, label)]}.
"""
import numpy as np

from ..core.result import Plot
from ..core.tolerances import tolerance

_MARKER_STYLES = ("o", "s", "^", "D", "v", "P", "X", "*")


def training_plots(name, trajectory, dtype, per_sample=1, marks=None):
    """[NAME_loss.png, NAME_accuracy.png (when batch accuracies were logged), NAME_drift.png] for
    `trajectory`. `per_sample` divides the losses (the batch size for a summed loss, so the curve
    is the per-sample mean the course texts print); the drift plot shows `dtype`'s tolerance."""
    marks = marks or {}
    plots = [Plot(f"{name}_loss.png", lambda: loss_figure(name, trajectory, per_sample, marks.get("loss", [])))]
    if trajectory.logged_steps:
        plots.append(Plot(f"{name}_accuracy.png",
                          lambda: accuracy_figure(name, trajectory, marks.get("accuracy", []))))
    plots.append(Plot(f"{name}_drift.png", lambda: drift_figure(name, trajectory, dtype)))
    return plots


def _figure():
    from matplotlib.figure import Figure  # no pyplot: files only, whatever backend is configured
    fig = Figure(figsize=(7, 4))
    return fig, fig.subplots()


def _marks(ax, marks):
    """The reference values in `marks` ((step, value, label) triples) as labelled markers."""
    for (step, value, label), style in zip(marks, _MARKER_STYLES * 4):
        ax.plot([step], [value], style, color="black", markerfacecolor="none", markersize=8, label=label, zorder=4)


def _moving_average(values, window):
    return np.convolve(np.asarray(values, dtype=np.float64), np.ones(window) / window, mode="valid")


def loss_figure(name, traj, per_sample=1, marks=()):
    """Both sides' training loss per step, overlaid (a long run's smoothed: its raw batch losses
    are a solid band)."""
    fig, ax = _figure()
    steps = np.arange(1, len(traj.scratchnet_loss) + 1)
    window = max(1, len(steps) // 200)
    keras_curve = _moving_average(traj.keras_loss, window) / per_sample
    scratchnet_curve = _moving_average(traj.scratchnet_loss, window) / per_sample
    note = f" (mean of {window} steps)" if window > 1 else ""
    ax.plot(steps[window - 1:], keras_curve, label="Keras" + note, linewidth=3, alpha=0.5)
    ax.plot(steps[window - 1:], scratchnet_curve, label="scratchnet" + note, linewidth=1, linestyle="--")
    _marks(ax, marks)
    unit = (f"batch sum / {per_sample}: per-sample mean" if per_sample > 1 else "batch mean")
    ax.set(xlabel="step", ylabel=f"training loss ({unit})", title=f"{name}: loss per step, both sides")
    if min(min(traj.keras_loss), min(traj.scratchnet_loss)) > 0:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def accuracy_figure(name, traj, marks=()):
    """Both sides' accuracy on each logged step's batch."""
    fig, ax = _figure()
    ax.plot(traj.logged_steps, traj.keras_batch_accuracy, label="Keras", linewidth=3, alpha=0.5)
    ax.plot(traj.logged_steps, traj.scratchnet_batch_accuracy, label="scratchnet", linewidth=1, linestyle="--")
    _marks(ax, marks)
    ax.set(xlabel="step", ylabel="accuracy", title=f"{name}: accuracy on each logged step's batch")
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def drift_figure(name, traj, dtype):
    """The largest relative weight difference at each drift step and the relative loss difference
    at each step, on a log scale, with the tier's weight tolerance."""
    fig, ax = _figure()
    steps = np.arange(1, len(traj.scratchnet_loss) + 1)
    drift = np.maximum(np.array(traj.weight_drift), 1e-18)  # an exact 0 is drawn at 1e-18
    ax.semilogy(traj.drift_steps, drift, label="max relative weight difference", zorder=3)
    loss_diff = traj.loss_differences()
    nonzero = loss_diff > 0  # steps where the losses agree exactly have no place on a log axis
    ax.semilogy(steps[nonzero], loss_diff[nonzero], ".", markersize=2, alpha=0.5,
                label=f"relative loss difference ({(~nonzero).sum()} steps exactly equal, not shown)")
    ax.axhline(tolerance(dtype, "trajectory_weights"), color="red", linestyle=":", label="tolerance")
    ax.set(xlabel="step", ylabel="scratchnet vs Keras (log scale)",
           title=f"{name}: drift between the two sides ({dtype})")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


_SWEEP_LABELS = {"scratchnet": "scratchnet", "floor": "floor (the matrix products alone)", "keras_fit": "Keras fit",
                 "keras_tf_function": "Keras tf.function step"}


def sweep_figure(title, xlabel, points, contenders, crossovers, stat="median_ms"):
    """ms/step (the points' `stat`: "median_ms" or "min_ms") per contender against the values of
    one sweep axis (log-log), with a dotted vertical line at each crossover ({contender: [{"at",
    "scratchnet"}]})."""
    fig, ax = _figure()
    values = [p["value"] for p in points]
    for name, style in zip(contenders, ("o-", "s--", "^-", "v-", "D:", "P:")):
        ax.loglog(values, [p[stat][name] for p in points], style, label=_SWEEP_LABELS.get(name, name),
                  linewidth=2.5 if name == "scratchnet" else 1.2)
    for name, found in crossovers.items():
        for c in found:
            ax.axvline(c["at"], color="grey", linestyle=":", linewidth=1)
            ax.annotate(f"vs {_SWEEP_LABELS.get(name, name)}: {c['scratchnet']} at ~{c['at']:.3g}", (c["at"], 0.02),
                        xycoords=("data", "axes fraction"), rotation=90, fontsize="x-small", color="grey")
    which = "least" if stat == "min_ms" else "median"
    ax.set(xlabel=f"{xlabel} (log scale)", ylabel=f"{which} ms per training step (log scale)", title=title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
