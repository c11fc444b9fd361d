"""`python -m comparisons speed`: training-step time of scratchnet, of the bare matrix
multiplies (the floor), and of Keras (`model.fit` and a compiled `tf.function` step), in one
run on the same real MNIST batches. A benchmark, not a test: it prints medians and ratios.

Timing method: every contender runs `--steps` steps per round after a warm-up round, for
`--rounds` rounds; a round's time divided by its steps is one sample, and the table shows
the median and min/max of the samples. scratchnet and the floor alternate round by round so
that a machine-wide slowdown hits both alike. scratchnet runs before TensorFlow is imported,
so the peak RSS read then is scratchnet's (Python, NumPy, the data set and the training run).
"""
import platform
import resource
import statistics
import time
import tracemalloc

import numpy as np

import scratchnet
from scratchnet import Trainer, optimizers
from scratchnet._cli import count

from .scenarios import Settings, build_model


def _per_step_ms(fn, steps, rounds):
    fn()  # warm-up: first-call costs (allocation, tracing) are not a step's cost
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3 / steps)
    return samples


def floor_step(model, batches, dout_shapes):
    """The matrix multiplies of one step of an MLP, alone: the forward products, then for each
    layer dW = x.T @ dout and, except for the input layer, dx = dout @ W.T (five for one hidden
    layer). Each call takes the next of the real input `batches`, so reading fresh data from
    memory costs the floor what it costs a real step."""
    weights = [model.params[f"W{i}"] for i in range(1, len(dout_shapes) + 1)]
    douts = [np.full(shape, 1e-3, dtype=model.dtype) for shape in dout_shapes]
    position = [0]

    def step():
        h = batches[position[0] % len(batches)]
        position[0] += 1
        acts = []
        for W in weights:
            acts.append(h)
            h = h @ W
        for i in range(len(weights) - 1, -1, -1):
            acts[i].T @ douts[i]
            if i:
                douts[i] @ weights[i].T
    return step


def plain_numpy_round(weights, x, t, batch, learning_rate, seed=0):
    """A hand-written NumPy loop for the same training (ReLU MLP, softmax cross-entropy as the
    batch mean, SGD, shuffled batches) with no checks and no abstraction: the reference for
    what scratchnet's layers, model, optimizer and trainer cost on top of plain NumPy."""
    weights = [w.copy() for w in weights]  # W1, b1, W2, b2, ...
    rng = np.random.default_rng(seed)
    rows = np.arange(batch)
    lr = x.dtype.type(learning_rate)

    def run():
        order = rng.permutation(x.shape[0])
        for start in range(0, x.shape[0], batch):
            idx = order[start:start + batch]
            h, tb, acts, masks = x[idx], t[idx], [], []
            for i in range(0, len(weights), 2):
                if i:
                    masks.append(h > 0)
                    h = np.maximum(h, 0)
                acts.append(h)
                h = h @ weights[i]
                h += weights[i + 1]
            h -= h.max(axis=1, keepdims=True)
            e = np.exp(h)
            d = e / e.sum(axis=1, keepdims=True)
            d[rows[:len(idx)], tb] -= 1
            d /= len(idx)
            for i in range(len(weights) - 2, -1, -2):
                grad_w, grad_b = acts[i // 2].T @ d, d.sum(axis=0)
                if i:
                    d = (d @ weights[i].T) * masks[i // 2 - 1]
                weights[i] -= lr * grad_w
                weights[i + 1] -= lr * grad_b
        return weights
    return run


def measure(dtype, hidden, batch, steps, rounds, data):
    (x, t), _ = data
    x = x[: batch * steps].astype(dtype)
    t = t[: batch * steps].astype(np.int64)
    settings = Settings("speed", "mnist", hidden=tuple(hidden), dtype=dtype, batch_size=batch)
    model = build_model(settings, x.shape[1], 10)
    initial = model.get_weights()
    optimizer = optimizers.SGD(learning_rate=0.01)

    def scratchnet_round():
        Trainer(model, optimizer, x, t, epochs=1, batch_size=batch, seed=0, evaluate=None, progress=False).fit()

    sizes = [x.shape[1], *hidden, 10]
    batches = [x[i:i + batch] for i in range(0, x.shape[0], batch)]
    floor = floor_step(model, batches, [(batch, n) for n in sizes[1:]])

    def floor_round():
        for _ in range(steps):
            floor()

    plain_round = plain_numpy_round(initial, x, t, batch, optimizer.learning_rate)
    scratchnet_round()
    floor_round()
    plain_round()
    sn, fl, plain = [], [], []
    for _ in range(rounds):  # alternate, one round each
        sn += _per_step_ms(scratchnet_round, steps, 1)[:1]
        fl += _per_step_ms(floor_round, steps, 1)[:1]
        plain += _per_step_ms(plain_round, steps, 1)[:1]
    tracemalloc.start()
    scratchnet_round()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"model": model, "initial": initial, "x": x, "t": t, "scratchnet": sn, "floor": fl,
            "plain_numpy": plain, "traced_peak_mib": traced_peak / 2**20}


def measure_keras(dtype, batch, steps, rounds, run):
    import reference_keras
    model = run["model"]
    model.set_weights(run["initial"])
    x, t = run["x"], run["t"]
    keras_model = reference_keras.to_keras(model)
    fit_optimizer = reference_keras.keras_optimizer(optimizers.SGD(learning_rate=0.01), keras_model)
    keras_model.compile(optimizer=fit_optimizer, loss=keras_model.scratchnet_loss)
    fit = _per_step_ms(lambda: keras_model.fit(x, t, batch_size=batch, epochs=1, shuffle=False, verbose=0),
                       steps, rounds)
    step_model = reference_keras.to_keras(model)
    step_optimizer = reference_keras.keras_optimizer(optimizers.SGD(learning_rate=0.01), step_model)
    batches = [(x[i:i + batch], t[i:i + batch]) for i in range(0, x.shape[0], batch)]

    def function_round():
        for xb, tb in batches:
            reference_keras.train_step(step_model, step_optimizer, xb, tb)
    function = _per_step_ms(function_round, steps, rounds)
    return fit, function


def summarize(samples):
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples),
            "samples_ms": samples}


def add_arguments(p):
    p.add_argument("--dtype", nargs="+", choices=["float32", "float64"], default=["float32", "float64"])
    p.add_argument("--hidden", type=count(1), nargs="+", default=[500])
    p.add_argument("--batch", type=count(1), default=100)
    p.add_argument("--steps", type=count(1), default=200, help="steps per round")
    p.add_argument("--rounds", type=count(1), default=7)


def run(args, data):
    """Measure every contender in every dtype of `args`; returns the record speed.json holds."""
    if args.batch * args.steps > data[0][0].shape[0]:
        raise ValueError(f"--batch * --steps must be at most {data[0][0].shape[0]}, got {args.batch * args.steps}")
    runs = {dt: measure(dt, args.hidden, args.batch, args.steps, args.rounds, data) for dt in args.dtype}
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before TensorFlow loads
    record = {"configuration": {"hidden": args.hidden, "batch": args.batch, "steps_per_round": args.steps,
                                "rounds": args.rounds, "optimizer": "SGD(0.01)"},
              "machine": machine(), "scratchnet_peak_rss_mib": peak_rss_mib, "results": {}}
    for dt, run_ in runs.items():
        fit, function = measure_keras(dt, args.batch, args.steps, args.rounds, run_)
        record["results"][dt] = {
            "scratchnet": summarize(run_["scratchnet"]), "floor": summarize(run_["floor"]),
            "plain_numpy": summarize(run_["plain_numpy"]),
            "keras_fit": summarize(fit), "keras_tf_function": summarize(function),
            "scratchnet_traced_peak_mib": run_["traced_peak_mib"]}
    return record


def machine():
    import os
    info = {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
            "cpu": _cpu_model(), "scratchnet": scratchnet.__version__,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS")}
    try:
        from threadpoolctl import threadpool_info
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            info["blas"] = f"{blas[0]['internal_api']} {blas[0]['version']} ({blas[0]['architecture']} kernel, " \
                           f"{blas[0]['num_threads']} threads)"
    except ImportError:
        pass
    return info


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()
