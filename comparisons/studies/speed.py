"""`python -m comparisons speed`: training-step time of scratchnet, of the bare matrix
multiplies (the floor), and of Keras (`model.fit` and a compiled `tf.function` step), in one
run on the same real MNIST batches. A benchmark, not a test: it prints medians and ratios.

Two networks: the MLP (in each --dtype, SGD) and the book's SimpleConvNet (in each --cnn-dtype,
Adam, as the mnist-cnn scenario trains it; --cnn-steps 0 skips it). For the CNN the report also
breaks scratchnet's step down by layer (forward and backward) and optimizer: where the time goes;
for both networks a profile splits each part into matrix products, im2col/col2im, element-wise
work and Python (`profile`);
the float64 CNN row also times the book's own SimpleConvNet code (the project's transcription
under tests/book_style, float64 as the book's) with the book's Adam on the same batches. Each CNN
row also times scratchnet's step with the BLAS held to one thread (`scratchnet_1_blas_thread`,
where threadpoolctl finds the BLAS): on a machine whose cores other processes hold, OpenBLAS's
threads spend a step waiting for each other, and this row shows how much; the report says whether
one epoch's weights are bit-identical either way (float64's are not: OpenBLAS splits some float64
products by thread count).

Timing method: every contender runs `--steps` steps per round after a warm-up round, for
`--rounds` rounds; a round's time divided by its steps is one sample, and the table shows
the median and min/max of the samples. scratchnet and the floor alternate round by round so
that a machine-wide slowdown hits both alike. scratchnet runs before TensorFlow is imported,
so the peak RSS read then is scratchnet's (Python, NumPy, the data set and the training run).
"""
import contextlib
import json
import platform
from pathlib import Path
import resource
import statistics
import time
import tracemalloc

import numpy as np

import scratchnet
from scratchnet import DTYPES, Trainer, optimizers
from scratchnet.argtypes import count
from scratchnet.layers import Conv2D

from ..core.result import Report, Section
from ..scenarios import Settings, build_model


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
    parts = profile(model, lambda: optimizers.SGD(learning_rate=0.01), x, t, batch, steps)
    return {"model": model, "initial": initial, "x": x, "t": t, "scratchnet": sn, "floor": fl,
            "plain_numpy": plain, "traced_peak_mib": traced_peak / 2**20, "profile_ms": parts}


def measure_keras(dtype, batch, steps, rounds, run, make_optimizer=lambda: optimizers.SGD(learning_rate=0.01)):
    import reference_keras
    model = run["model"]
    model.set_weights(run["initial"])
    x, t = run["x"], run["t"]
    keras_model = reference_keras.to_keras(model)
    fit_optimizer = reference_keras.keras_optimizer(make_optimizer(), keras_model)
    keras_model.compile(optimizer=fit_optimizer, loss=keras_model.scratchnet_loss)
    fit = _per_step_ms(lambda: keras_model.fit(x, t, batch_size=batch, epochs=1, shuffle=False, verbose=0),
                       steps, rounds)
    step_model = reference_keras.to_keras(model)
    step_optimizer = reference_keras.keras_optimizer(make_optimizer(), step_model)
    batches = [(x[i:i + batch], t[i:i + batch]) for i in range(0, x.shape[0], batch)]

    def function_round():
        for xb, tb in batches:
            reference_keras.train_step(step_model, step_optimizer, xb, tb)
    function = _per_step_ms(function_round, steps, rounds)
    return fit, function


CNN_BATCH = 100


def cnn_floor_step(model, batches):
    """The matrix products of one SimpleConvNet step alone, in the layouts scratchnet uses: the
    convolution as one product of the im2col matrix (built once here, not per step; its ones
    column carries the bias) with the kernel, each Affine forward, and backward dW for every layer
    and dx for the Affines (the convolution, the first layer, needs no dx)."""
    conv = model.layers[0]
    kernel = np.concatenate([conv.params["W"].reshape(-1, conv.filters), conv.params["b"][np.newaxis]])
    columns = []
    for xb in batches:
        conv.forward(xb)
        columns.append(conv.cols)
    affines = [layer.params["W"] for layer in model.layers if "W" in layer.params][1:]
    n = batches[0].shape[0]
    inputs = [np.full((n, W.shape[0]), 1e-3, model.dtype) for W in affines]
    douts = [np.full((n, W.shape[1]), 1e-3, model.dtype) for W in affines]
    conv_dout = np.full((columns[0].shape[0], conv.filters), 1e-3, model.dtype)
    position = [0]

    def step():
        cols = columns[position[0] % len(columns)]
        position[0] += 1
        cols @ kernel
        for h, W in zip(inputs, affines):
            h @ W
        for h, W, d in zip(inputs, affines, douts):
            h.T @ d
            d @ W.T
        cols.T @ conv_dout
    return step


def cnn_breakdown(model, optimizer, x, t, steps):
    """Milliseconds per step spent in each layer's forward and backward, the loss, and the
    optimizer, over `steps` training steps (the model's own code, timed call by call, in the
    order and with the kept buffers of the Trainer's steps; nothing inside a call is timed)."""
    parts = _profile_calls(model, optimizer, x, t, CNN_BATCH, steps, inside=False)
    return {name: part["total"] for name, part in parts.items()}


class _Timed:
    """Replaces `owner.name` (a function) while it is entered with a wrapper that adds each call's
    seconds to `totals[kind]`: how the profile separates matrix products (numpy.matmul, through
    which the dense and convolution layers make theirs) and im2col/col2im from the rest of a
    layer's call. Restored on exit, whatever happens."""

    def __init__(self, owner, name, kind, totals):
        self.owner, self.name, self.kind, self.totals = owner, name, kind, totals

    def __enter__(self):
        original, totals, kind, clock = getattr(self.owner, self.name), self.totals, self.kind, time.perf_counter
        self.original = original

        def timed(*args, **kwargs):
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                totals[kind] = totals.get(kind, 0.0) + clock() - start
        setattr(self.owner, self.name, timed)

    def __exit__(self, *exc):
        setattr(self.owner, self.name, self.original)


PROFILE_KINDS = ("matrix products", "im2col/col2im", "element-wise", "Python")


def _profile_calls(model, optimizer, x, t, batch, steps, inside=True):
    """{part: {"total": ms, "matrix products": ms, "im2col/col2im": ms}} per step, over `steps`
    training steps of `batch` rows made call by call, in the order and with the kept buffers of the
    Trainer's steps; with inside=False the matrix products and im2col/col2im inside the calls are
    not timed (their shares stay 0, and the totals carry no timing wrapper)."""
    from scratchnet.layers import conv
    clock = time.perf_counter
    parts, inner = {}, {}

    def timed(name, call):
        inner.clear()
        start = clock()
        result = call()
        part = parts.setdefault(name, {"total": 0.0, "matrix products": 0.0, "im2col/col2im": 0.0})
        part["total"] += (clock() - start) * 1e3 / steps
        for kind, seconds in inner.items():
            part[kind] += seconds * 1e3 / steps
        return result

    order = model.training_step_order
    timers = [_Timed(np, "matmul", "matrix products", inner), _Timed(conv, "im2col", "im2col/col2im", inner),
              _Timed(conv, "col2im", "im2col/col2im", inner)] if inside else []
    with model.reusing_buffers(), contextlib.ExitStack() as stack:
        for timer in timers:
            stack.enter_context(timer)
        for i in range(steps):
            h, tb = x[i * batch:(i + 1) * batch], t[i * batch:(i + 1) * batch]
            for j in order:
                layer = model.layers[j]
                h = timed(f"{layer.name} forward", lambda: layer.forward(h))
            dout = timed("loss forward + backward",
                         lambda: (model.loss_layer.forward(h, tb), model.loss_layer.backward(1.0))[1])
            for position in range(len(order) - 1, -1, -1):
                layer = model.layers[order[position]]
                first = position == 0 and getattr(layer, "input_gradient_optional", False)
                dout = timed(f"{layer.name} backward", lambda: layer.backward(dout, need_dx=False) if first
                             else layer.backward(dout))
            timed(f"{type(optimizer).__name__} update", lambda: optimizer.update(model.params, model.grads))
    return parts


def profile(model, make_optimizer, x, t, batch, steps):
    """Where a training step's time goes, per part (each layer's forward and backward, the loss,
    the optimizer): {part: {kind: ms per step}} for the kinds of PROFILE_KINDS. Matrix products
    and im2col/col2im are timed call by call inside each part; the rest of a part is split into
    Python (its fixed cost per call: the rest of the same part measured on 1-row batches, at most
    the whole rest; for the optimizer, whose work grows with the weights instead, its update of
    one-value weights) and element-wise work (what remains: the array work that grows with the
    batch, or with the weights).
    Runs on a copy of the model's weights; the model's own weights are put back."""
    weights = model.get_weights()
    full = _profile_calls(model, make_optimizer(), x, t, batch, steps)
    one_row = _profile_calls(model, make_optimizer(), x, t, 1, steps)
    model.set_weights(weights)
    # the optimizer's work grows with the weights, not the batch: its fixed cost is its update of
    # one-value weights (the same names), not its update on 1-row batches (the same weights)
    update = f"{type(make_optimizer()).__name__} update"
    if update in one_row:
        one_row[update] = {"total": _fixed_update_ms(model, make_optimizer(), steps), "matrix products": 0.0,
                           "im2col/col2im": 0.0}
    result = {}
    for name, part in full.items():
        rest = max(part["total"] - part["matrix products"] - part["im2col/col2im"], 0.0)
        small = one_row[name]
        python = min(max(small["total"] - small["matrix products"] - small["im2col/col2im"], 0.0), rest)
        result[name] = {"matrix products": part["matrix products"], "im2col/col2im": part["im2col/col2im"],
                        "element-wise": rest - python, "Python": python}
    return result


def _fixed_update_ms(model, optimizer, steps):
    """Milliseconds per call of `optimizer.update` on one-value weights with the model's weight
    names: the update's cost per call that does not grow with the weights (Python)."""
    params = {key: np.zeros(1, model.dtype) for key in model.params}
    grads = {key: np.full(1, 1e-3, model.dtype) for key in model.params}
    optimizer.update(params, grads)  # its first call makes its slots
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.update(params, grads)
    return (time.perf_counter() - start) * 1e3 / steps


def profile_rows(parts):
    """The profile's table: a row per part (largest first) with its ms per kind and its share of the
    step, then the step's total per kind and each kind's share."""
    totals = {kind: sum(part[kind] for part in parts.values()) for kind in PROFILE_KINDS}
    step = sum(totals.values())
    rows = [[name, *(f"{part[kind]:.3f}" for kind in PROFILE_KINDS), f"{sum(part.values()) / step:.0%}"]
            for name, part in sorted(parts.items(), key=lambda kv: -sum(kv[1].values()))]
    rows.append(["whole step (ms)", *(f"{totals[kind]:.3f}" for kind in PROFILE_KINDS), "100%"])
    rows.append(["whole step (share)", *(f"{totals[kind] / step:.0%}" for kind in PROFILE_KINDS), ""])
    return rows


PROFILE_HEADERS = ["part", *(f"{kind} ms" for kind in PROFILE_KINDS), "share of step"]


BOOK_STYLE = Path(__file__).resolve().parents[2] / "tests" / "book_style"  # the project's transcription of the book
BOOK_STEPS = 5  # the book's SimpleConvNet's steps a round (at most --cnn-steps)


def book_convnet_step(model):
    """A training step of the book's own SimpleConvNet and Adam (ch07/simple_convnet.py and
    common/optimizer.py as the project transcribes them under tests/book_style: the code a learner
    types, NCHW and float64 as the book's) from `model`'s current weights, as step(x_nchw, t);
    None where the transcription is not at hand (an installed copy without the tests)."""
    from ..harness import book_layout, learner_file
    files = BOOK_STYLE / "ch07" / "simple_convnet.py", BOOK_STYLE / "common" / "optimizer.py"
    if not all(path.is_file() for path in files):
        return None
    (convnet,), (adam,) = ([cls for cls in learner_file.load_classes(path) if cls.__name__ == name]
                           for path, name in zip(files, ("SimpleConvNet", "Adam")))
    conv, hidden, output = (layer for layer in model.layers if layer.params)
    (kh, _, c, filters), pooled = conv.params["W"].shape, model.layers[2].output_shape(conv.output_shape((28, 28, 1)))
    state = np.random.get_state()  # the book draws its initial weights from NumPy's global generator
    net = convnet(input_dim=(c, 28, 28), conv_param={"filter_num": filters, "filter_size": kh, "pad": 0, "stride": 1},
                  hidden_size=hidden.params["W"].shape[1], output_size=output.params["W"].shape[1])
    np.random.set_state(state)
    weights = {"W1": book_layout.kernel_from_keras(conv.params["W"]), "b1": conv.params["b"],
               "W2": book_layout.affine_rows_from_keras(hidden.params["W"], (pooled[2], pooled[0], pooled[1])),
               "b2": hidden.params["b"], "W3": output.params["W"], "b3": output.params["b"]}
    for key, value in weights.items():
        net.params[key][...] = value  # in place: the book's layers hold these arrays
    optimizer = adam(lr=0.001)

    def step(x_nchw, t):
        optimizer.update(net.params, net.gradient(x_nchw, t))
    return step


def measure_cnn(steps, rounds, data, dtype="float32", book=False):
    """scratchnet's SimpleConvNet step (batch 100, Adam) in `dtype` and its floor, with a breakdown;
    with `book`, also the book's own SimpleConvNet on the same batches (`book_convnet_step`)."""
    (x, t), _ = data
    x = x[:CNN_BATCH * steps].reshape(-1, 28, 28, 1).astype(dtype)
    t = t[:CNN_BATCH * steps].astype(np.int64)
    model = scratchnet.simple_convnet(weight_init="glorot_uniform", seed=0, dtype=dtype)
    assert isinstance(model.layers[0], Conv2D)
    initial = model.get_weights()
    optimizer = optimizers.Adam(learning_rate=0.001, float32_hyperparams=True)

    def scratchnet_round():
        Trainer(model, optimizer, x, t, epochs=1, batch_size=CNN_BATCH, seed=0, evaluate=None, progress=False).fit()

    floor = cnn_floor_step(model, [x[i:i + CNN_BATCH] for i in range(0, x.shape[0], CNN_BATCH)])

    def floor_round():
        for _ in range(steps):
            floor()

    rounds_by_name = {"scratchnet": (scratchnet_round, steps), "floor": (floor_round, steps)}
    one_thread = _one_blas_thread()
    if one_thread is not None:  # the same step with OpenBLAS held to one thread (see _one_blas_thread)
        def scratchnet_one_thread_round():
            with one_thread():
                scratchnet_round()
        rounds_by_name["scratchnet_1_blas_thread"] = (scratchnet_one_thread_round, steps)
    book_step = book_convnet_step(model) if book else None
    if book_step is not None:  # some 20 times slower: fewer steps a round
        book_steps = min(steps, BOOK_STEPS)
        x_nchw = np.ascontiguousarray(x[:book_steps * CNN_BATCH].transpose(0, 3, 1, 2))

        def book_round():
            for i in range(0, x_nchw.shape[0], CNN_BATCH):
                book_step(x_nchw[i:i + CNN_BATCH], t[i:i + CNN_BATCH])
        rounds_by_name["book_simple_convnet"] = (book_round, book_steps)
    for run_round, _ in rounds_by_name.values():
        run_round()  # warm-up
    samples = {name: [] for name in rounds_by_name}
    for _ in range(rounds):  # alternate, one round each
        for name, (run_round, n_steps) in rounds_by_name.items():
            samples[name] += _per_step_ms(run_round, n_steps, 1)[:1]
    identical = _same_training(model, initial, x, t, one_thread) if one_thread is not None else None
    breakdown = cnn_breakdown(model, optimizer, x, t, steps)
    parts = profile(model, lambda: optimizers.Adam(learning_rate=0.001, float32_hyperparams=True), x, t, CNN_BATCH,
                    steps)
    return {"model": model, "initial": initial, "x": x, "t": t, **samples, "breakdown_ms": breakdown,
            "profile_ms": parts, "one_blas_thread_identical": identical}


def _one_blas_thread():
    """A context manager that holds the BLAS to one thread, or None where threadpoolctl finds no
    BLAS to limit. Why the benchmark measures it: on a machine whose other processes hold the
    cores, OpenBLAS's threads wait for each other at every product (they spin, then sleep), and
    a step's time is then that waiting; one thread never waits. It is not scratchnet's default:
    OpenBLAS splits some float64 products differently by thread count, so the last bits of
    float64 results depend on it (`_same_training` checks)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return None
    if not any(pool.get("user_api") == "blas" for pool in threadpool_info()):
        return None
    return lambda: threadpool_limits(1, user_api="blas")


def _same_training(model, initial, x, t, one_thread):
    """Whether one epoch of the benchmark's training from `initial` gives bit-identical weights
    with the BLAS's threads as they are and held to one. The model's weights are put back."""
    weights = model.get_weights()
    trained = []
    for limit in (contextlib.nullcontext, one_thread):
        model.set_weights(initial)
        optimizer = optimizers.Adam(learning_rate=0.001, float32_hyperparams=True)
        with limit():
            Trainer(model, optimizer, x, t, epochs=1, batch_size=CNN_BATCH, seed=0, evaluate=None,
                    progress=False).fit()
        trained.append(model.get_weights())
    model.set_weights(weights)
    return all(np.array_equal(a.view(np.uint8), b.view(np.uint8)) for a, b in zip(*trained))


def summarize(samples):
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples),
            "samples_ms": samples}


def add_arguments(p):
    p.add_argument("--dtype", nargs="+", choices=DTYPES, default=list(DTYPES))
    p.add_argument("--hidden", type=count(1), nargs="+", default=[500])
    p.add_argument("--batch", type=count(1), default=100)
    p.add_argument("--steps", type=count(1), default=200, help="steps per round")
    p.add_argument("--rounds", type=count(1), default=7)
    p.add_argument("--cnn-steps", type=count(0), default=50,
                   help="SimpleConvNet steps per round (batch 100, Adam); 0 skips the CNN rows")
    p.add_argument("--cnn-dtype", nargs="+", choices=["float32", "float64"], default=["float32", "float64"],
                   help="the dtypes of the CNN rows")


def measure_all(args, data):
    """Measure every contender in every dtype of `args`; returns the record speed.json holds
    (without its "ratios", which speed_ratios computes from it)."""
    if args.batch * args.steps > data[0][0].shape[0]:
        raise ValueError(f"--batch * --steps must be at most {data[0][0].shape[0]}, got {args.batch * args.steps}")
    if CNN_BATCH * args.cnn_steps > data[0][0].shape[0] or args.cnn_steps < 0:
        raise ValueError(f"--cnn-steps must be between 0 and {data[0][0].shape[0] // CNN_BATCH}, got {args.cnn_steps}")
    runs = {dt: measure(dt, args.hidden, args.batch, args.steps, args.rounds, data) for dt in args.dtype}
    cnns = {dt: measure_cnn(args.cnn_steps, args.rounds, data, dt, book=dt == "float64")
            for dt in args.cnn_dtype} if args.cnn_steps else {}
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
            "scratchnet_traced_peak_mib": run_["traced_peak_mib"], "profile_ms": run_["profile_ms"]}
    adam = lambda: optimizers.Adam(learning_rate=0.001, float32_hyperparams=True)  # noqa: E731
    for dt, cnn in cnns.items():  # record["cnn"][dtype]: one CNN row per dtype
        fit, function = measure_keras(dt, CNN_BATCH, args.cnn_steps, args.rounds, cnn, make_optimizer=adam)
        record.setdefault("cnn", {})[dt] = {
            "configuration": {"network": repr(cnn["model"]), "dtype": dt, "batch": CNN_BATCH,
                              "steps_per_round": args.cnn_steps, "rounds": args.rounds, "optimizer": "Adam(0.001)"},
            "scratchnet": summarize(cnn["scratchnet"]), "floor": summarize(cnn["floor"]),
            "keras_fit": summarize(fit), "keras_tf_function": summarize(function),
            **{name: summarize(cnn[name]) for name in ("scratchnet_1_blas_thread", "book_simple_convnet")
               if name in cnn},
            "one_blas_thread_bit_identical": cnn["one_blas_thread_identical"],
            "breakdown_ms": cnn["breakdown_ms"], "profile_ms": cnn["profile_ms"]}
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


# -- the report ------------------------------------------------------------------------------------
_CONTENDERS = ("scratchnet", "plain_numpy", "floor", "keras_fit", "keras_tf_function")
CNN_CONTENDERS = ("scratchnet", "scratchnet_1_blas_thread", "floor", "keras_fit", "keras_tf_function",
                   "book_simple_convnet")


def _cnn_label(dtype):
    return f"{dtype} CNN"


# speed.json's "ratios": key, label in the tables, numerator and denominator contender (medians).
_RATIOS = (("scratchnet_over_floor", "scratchnet / floor", "scratchnet", "floor"),
           ("plain_numpy_over_floor", "plain NumPy loop / floor", "plain_numpy", "floor"),
           ("scratchnet_over_plain_numpy", "scratchnet / plain NumPy loop", "scratchnet", "plain_numpy"),
           ("keras_fit_over_scratchnet", "Keras fit / scratchnet", "keras_fit", "scratchnet"),
           ("keras_tf_function_over_scratchnet", "tf.function / scratchnet", "keras_tf_function", "scratchnet"),
           ("book_simple_convnet_over_scratchnet", "the book's SimpleConvNet / scratchnet", "book_simple_convnet",
            "scratchnet"),
           ("scratchnet_over_scratchnet_1_blas_thread", "scratchnet / scratchnet on 1 BLAS thread", "scratchnet",
            "scratchnet_1_blas_thread"),
           ("keras_fit_over_scratchnet_1_blas_thread", "Keras fit / scratchnet on 1 BLAS thread", "keras_fit",
            "scratchnet_1_blas_thread"))
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
    if set(DTYPES) <= results.keys():
        ratios["both"] = {_BOTH[0]: results["float64"]["scratchnet"]["median_ms"]
                          / results["float32"]["scratchnet"]["median_ms"]}
    for dt, cnn in record.get("cnn", {}).items():
        ratios[f"cnn_{dt}"] = _ratios(cnn, CNN_CONTENDERS)
    return ratios


def speed_tables(record):
    """(per-contender rows, ratio rows) of a speed record."""
    rows = [row for dt, res in record["results"].items() for row in _contender_rows(dt, res, _CONTENDERS)]
    for dt, cnn in record.get("cnn", {}).items():
        rows += _contender_rows(_cnn_label(dt), cnn, CNN_CONTENDERS)
    labels = {key: label for key, label, *_ in (*_RATIOS, _BOTH)}
    ratios = [[_cnn_label(dt[4:]) if dt.startswith("cnn_") else dt, labels[key], f"{value:.2f}"]
              for dt, by_key in speed_ratios(record).items() for key, value in by_key.items()]
    return rows, ratios


def _contender_rows(label, results, names):
    return [[label, name, f"{results[name]['median_ms']:.3f}", f"{results[name]['min_ms']:.3f}",
             f"{results[name]['max_ms']:.3f}"] for name in names if name in results]


def cnn_breakdown_rows(record, dtype):
    """Where scratchnet's `dtype` CNN step spends its time, largest first."""
    parts = record["cnn"][dtype]["breakdown_ms"]
    total = sum(parts.values())
    rows = [[name, f"{ms:.2f}", f"{ms / total:.0%}"] for name, ms in sorted(parts.items(), key=lambda kv: -kv[1])]
    return rows + [["total (timed call by call)", f"{total:.2f}", "100%"]]


def run(args, data, command):
    """The benchmark as a Report (a study: no checks; its data is the speed record with its
    ratios); `command` is the command line quoted on the page."""
    record = measure_all(args, data)
    record["ratios"] = speed_ratios(record)
    c = record["configuration"]
    rss = f"scratchnet peak RSS (before TensorFlow is imported): {record['scratchnet_peak_rss_mib']:.0f} MiB"
    intro = []
    cnn = record.get("cnn")
    if cnn:
        k = next(iter(cnn.values()))["configuration"]
        intro.append(f"CNN: {k['network']}, {' and '.join(cnn)}, batch {k['batch']}, {k['optimizer']}, "
                     f"{k['steps_per_round']} steps a round.")
    for dt, row in (cnn or {}).items():
        if row.get("one_blas_thread_bit_identical") is not None:
            same = "bit-identical to" if row["one_blas_thread_bit_identical"] else "NOT bit-identical to"
            intro.append(f"{dt} CNN on 1 BLAS thread (scratchnet_1_blas_thread): one epoch's weights are {same} "
                         f"those with the BLAS's own thread count.")
    intro.append(f"Machine: {json.dumps(record['machine'])}")
    report = Report("speed", headline="Speed: scratchnet vs the matrix-multiply floor vs Keras",
                    lead=f"Command: `{command}`. MLP {c['hidden']}, batch {c['batch']}, SGD, {c['steps_per_round']} "
                         f"steps a round, {c['rounds']} rounds; medians of the per-round ms/step.",
                    intro=intro, summary_text=rss, check_table="none", data=record)
    rows, ratios = speed_tables(record)
    report.sections += [Section("", ["dtype", "contender", "median ms/step", "min", "max"], rows, in_json=False),
                        Section("", ["dtype", "ratio", "value"], ratios, in_json=False)]
    for dt in record.get("cnn", {}):
        report.sections.append(Section("", [f"scratchnet {dt} CNN step: part", "ms/step", "share"],
                                       cnn_breakdown_rows(record, dt), in_json=False))
    for label, results in [*record["results"].items(),
                           *((_cnn_label(dt), cnn) for dt, cnn in record.get("cnn", {}).items())]:
        report.sections.append(Section(f"Profile of scratchnet's {label} step (matrix products and im2col/col2im "
                                       "timed call by call; Python: the rest's cost on 1-row batches)",
                                       PROFILE_HEADERS, profile_rows(results["profile_ms"]), in_json=False))
    report.sections.append(Section("", text=rss, terminal=False, in_json=False))
    return report
