"""`python -m comparisons speed --sweep`: how a training step's cost grows. Step time against the
MLP's batch size, hidden width and depth, and the SimpleConvNet's image size and filters, for
scratchnet, its matrix-product floor, Keras `fit` and a compiled Keras step (`tf.function`), on
real MNIST batches in float32; plots, a table per axis, and the crossover points: between which
two measured values of an axis scratchnet stops being ahead of a Keras contender (or moves ahead
again), the value interpolated on the log-log curve of their ratio. A benchmark, not a test.

Each point is short: its steps a round are chosen so that a scratchnet round takes about
`ROUND_SECONDS` (from one timed warm-up round; at least MIN_STEPS, at most MAX_STEPS and the data
set's size), the same steps for every contender, and the least and the median of `--rounds`
rounds are kept. The tables, plots and crossovers use the least (STAT): on a shared machine other
processes only ever add time to a round, and a short point has too few rounds for its median to
shed a stalled one.
Every scratchnet and floor point runs first, alternating round by round, before TensorFlow is
imported; then the Keras contenders of every point. The MLP points use SGD(0.01) as the speed
rows, the CNN points Adam(0.001); the CNN's images are MNIST's, resampled (nearest pixel) to
each image size.
"""
import math
import statistics
import time

import numpy as np

import scratchnet
from scratchnet import Trainer, optimizers

from ..core.result import Plot, Report, Section
from ..render import plots
from ..scenarios import Settings, build_model
from .speed import cnn_floor_step, floor_step, machine, measure_keras

DTYPE = "float32"
ROUND_SECONDS = 0.1
MIN_STEPS, MAX_STEPS = 3, 100
MLP_BATCH, MLP_HIDDEN, DEPTH_WIDTH, CNN_BATCH = 100, 500, 256, 100

# axis: (network, what varies, its values, the fixed settings in words)
AXES = {
    "mlp_batch": ("MLP", "batch size", (1, 4, 16, 64, 256, 1024), f"784-{MLP_HIDDEN}-10"),
    "mlp_width": ("MLP", "hidden width", (16, 64, 256, 1024, 4096), f"784-W-10, batch {MLP_BATCH}"),
    "mlp_depth": ("MLP", "hidden layers", (1, 2, 4, 8), f"D hidden layers of {DEPTH_WIDTH}, batch {MLP_BATCH}"),
    "cnn_image": ("CNN", "image size (pixels a side)", (14, 28, 56), f"SimpleConvNet, 30 filters, batch {CNN_BATCH}"),
    "cnn_filters": ("CNN", "filters", (4, 8, 16, 30, 64), f"SimpleConvNet, 28x28 images, batch {CNN_BATCH}"),
}
CONTENDERS = ("scratchnet", "floor", "keras_fit", "keras_tf_function")
KERAS = ("keras_fit", "keras_tf_function")
STAT = "min_ms"  # what the tables, plots and crossovers use (see the module docstring)


def _mlp_point(axis, value, data):
    (x, t), _ = data
    batch = value if axis == "mlp_batch" else MLP_BATCH
    hidden = ((value,) if axis == "mlp_width" else (DEPTH_WIDTH,) * value if axis == "mlp_depth"
              else (MLP_HIDDEN,))
    model = build_model(Settings("sweep", "mnist", hidden=hidden, dtype=DTYPE, batch_size=batch), x.shape[1], 10)
    return {"model": model, "batch": batch, "x": x.astype(DTYPE), "t": t.astype(np.int64),
            "optimizer": lambda: optimizers.SGD(learning_rate=0.01),
            "floor": lambda batches: floor_step(model, batches, [(batch, n) for n in (*hidden, 10)])}


def _images(x, size):
    """MNIST's 28x28 images as size x size ones, each pixel the nearest of the original's."""
    images = x.reshape(-1, 28, 28)
    if size != 28:
        index = np.arange(size) * 28 // size
        images = images[:, index][:, :, index]
    return images[..., np.newaxis]


def _cnn_point(axis, value, data):
    (x, t), _ = data
    size, filters = (value, 30) if axis == "cnn_image" else (28, value)
    model = scratchnet.simple_convnet(input_shape=(size, size, 1), filters=filters, weight_init="glorot_uniform",
                                      seed=0, dtype=DTYPE)
    return {"model": model, "batch": CNN_BATCH, "x": _images(x, size).astype(DTYPE), "t": t.astype(np.int64),
            "optimizer": lambda: optimizers.Adam(learning_rate=0.001, float32_hyperparams=True),
            "floor": lambda batches: cnn_floor_step(model, batches)}


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_point(axis, value, data, rounds):
    """scratchnet's and the floor's ms/step samples at one point, and what the Keras side needs."""
    point = (_cnn_point if AXES[axis][0] == "CNN" else _mlp_point)(axis, value, data)
    model, batch = point["model"], point["batch"]
    optimizer = point["optimizer"]()

    def scratchnet_round(x, t):
        Trainer(model, optimizer, x, t, epochs=1, batch_size=batch, seed=0, evaluate=None, progress=False).fit()

    initial = model.get_weights()
    probe = min(MIN_STEPS, point["x"].shape[0] // batch)
    px, pt = point["x"][:probe * batch], point["t"][:probe * batch]
    scratchnet_round(px, pt)  # warm-up (first-call costs), then one timed round for the step count
    per_step = _timed(lambda: scratchnet_round(px, pt)) / probe
    steps = max(MIN_STEPS, min(MAX_STEPS, round(ROUND_SECONDS / per_step), point["x"].shape[0] // batch))
    x, t = point["x"][:steps * batch], point["t"][:steps * batch]
    floor = point["floor"]([x[i:i + batch] for i in range(0, x.shape[0], batch)])

    def floor_round():
        for _ in range(steps):
            floor()

    floor_round()
    samples = {"scratchnet": [], "floor": []}
    for _ in range(rounds):  # alternate, one round each
        samples["scratchnet"].append(_timed(lambda: scratchnet_round(x, t)) * 1e3 / steps)
        samples["floor"].append(_timed(floor_round) * 1e3 / steps)
    return {"steps": steps, "batch": batch, "samples": samples,
            "run": {"model": model, "initial": initial, "x": x, "t": t}, "optimizer": point["optimizer"]}


def measure(axes, data, rounds, announce=None):
    """{axis: [point record, ...]} for `axes` ({axis: values}); scratchnet and the floor first for
    every point, then Keras."""
    measured = {}
    for axis, values in axes.items():
        for value in values:
            if announce:
                announce(f"sweep {axis} = {value}: scratchnet, floor")
            measured.setdefault(axis, []).append((value, measure_point(axis, value, data, rounds)))
    record = {}
    for axis, points in measured.items():
        for value, point in points:
            if announce:
                announce(f"sweep {axis} = {value}: Keras")
            fit, function = measure_keras(DTYPE, point["batch"], point["steps"], rounds, point["run"],
                                          make_optimizer=point["optimizer"])
            samples = {**point["samples"], "keras_fit": fit, "keras_tf_function": function}
            record.setdefault(axis, []).append({"value": value, "steps_per_round": point["steps"],
                                                "median_ms": {k: statistics.median(v) for k, v in samples.items()},
                                                "min_ms": {k: min(v) for k, v in samples.items()}})
    return record


def crossovers(values, scratchnet_ms, keras_ms):
    """Where scratchnet stops being ahead of a Keras contender, or moves ahead, along one axis:
    for each pair of neighbouring measured values between which the ratio keras/scratchnet crosses
    1, {"between": [a, b], "at": the value where the straight line through the two log-log points
    of the ratio crosses 1, "scratchnet": "falls behind" | "moves ahead"}."""
    found = []
    logs = [math.log(k / s) for k, s in zip(keras_ms, scratchnet_ms)]
    for i in range(len(values) - 1):
        a, b = logs[i], logs[i + 1]
        if (a > 0) == (b > 0) or a == b:
            continue
        la, lb = math.log(values[i]), math.log(values[i + 1])
        at = math.exp(la + (lb - la) * a / (a - b))
        found.append({"between": [values[i], values[i + 1]], "at": at,
                      "scratchnet": "falls behind" if a > 0 else "moves ahead"})
    return found


def crossover_text(points, contender):
    """One line: where along this axis scratchnet stops being ahead of `contender`."""
    values = [p["value"] for p in points]
    found = crossovers(values, [p[STAT]["scratchnet"] for p in points], [p[STAT][contender] for p in points])
    if not found:
        ahead = points[0][STAT][contender] > points[0][STAT]["scratchnet"]
        return f"{'ahead' if ahead else 'behind'} at every measured value"
    return "; ".join(f"{c['scratchnet']} between {c['between'][0]} and {c['between'][1]} (at about {c['at']:.3g})"
                     for c in found)


def _table(points):
    rows = []
    for p in points:
        m = p[STAT]
        rows.append([p["value"], *(f"{m[name]:.3f}" for name in CONTENDERS),
                     f"{m['scratchnet'] / m['floor']:.2f}", *(f"{m[name] / m['scratchnet']:.2f}" for name in KERAS)])
    return rows


_HEADERS = ["least ms/step: scratchnet", "floor", "Keras fit", "tf.function", "scratchnet / floor",
            "Keras fit / scratchnet", "tf.function / scratchnet"]


def run(data, rounds=3, axes=None, command="python -m comparisons speed --sweep", announce=None):
    """The sweep as a Report: a table and a plot per axis, and the crossover points (its data:
    the least and median ms/step of each contender per point, and the crossovers). `axes`:
    {axis: values} (default: every axis of AXES with its values)."""
    axes = {axis: AXES[axis][2] for axis in AXES} if axes is None else axes
    unknown = set(axes) - set(AXES)
    if unknown:
        raise ValueError(f"--sweep: unknown axis {', '.join(sorted(unknown))}; the axes: {', '.join(AXES)}")
    points = measure(axes, data, rounds, announce)
    found = {axis: {name: crossovers([p["value"] for p in ps], [p[STAT]["scratchnet"] for p in ps],
                                     [p[STAT][name] for p in ps]) for name in KERAS}
             for axis, ps in points.items()}
    record = {"configuration": {"dtype": DTYPE, "rounds": rounds, "round_seconds": ROUND_SECONDS, "statistic": STAT,
                                "axes": {axis: {"network": AXES[axis][0], "varies": AXES[axis][1],
                                                "fixed": AXES[axis][3]} for axis in points}},
              "machine": machine(), "points": points, "crossovers": found}
    report = Report("sweep", headline="Speed sweep: step time against batch, width, depth, image size, filters",
                    lead=f"Command: `{command}`. {DTYPE}; the least of {rounds} rounds of ms/step per point.",
                    intro=[__doc__.split("\n\n")[1].replace("\n", " ")], check_table="none", data=record,
                    summary_text=f"sweep: {sum(len(p) for p in points.values())} points on {len(points)} axes")
    crossing_rows = []
    for axis, ps in points.items():
        network, varies, _, fixed = AXES[axis]
        report.sections.append(Section(f"{network}: {varies} ({fixed})", [varies, *_HEADERS], _table(ps),
                                       in_json=False))
        crossing_rows += [[f"{network} {varies}", label, crossover_text(ps, name)]
                          for name, label in zip(KERAS, ("Keras fit", "tf.function"))]
        report.plots.append(Plot(f"sweep_{axis}.png", lambda ps=ps, axis=axis: plots.sweep_figure(
            f"{AXES[axis][0]}: step time against {AXES[axis][1]} ({AXES[axis][3]}, {DTYPE})", AXES[axis][1], ps,
            CONTENDERS, found[axis], STAT)))
    report.sections.append(Section("Crossover points: where scratchnet stops being ahead",
                                   ["axis", "against", "scratchnet"], crossing_rows, numparse=False, in_json=False))
    return report
