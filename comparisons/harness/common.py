"""What every kind of check shares: the learner's calls (whatever they raise becomes a failed
check), the seeded draws, and a layer's forward and backward compared with Keras's."""
import inspect

import numpy as np

from ..core.check import Check, compare
from ..core.tolerances import tolerance
from .recognize import NotMappable, seeded_global_rng

INF = float("inf")


class LearnerFailure(Exception):
    """The learner's code raised; the check it was running fails with this message."""

    def __init__(self, stage, err):
        super().__init__(f"{stage} raised {type(err).__name__}: {err}")
        self.stage = stage


class BadInput(ValueError):
    """The inputs given to `check` do not fit the object checked (raised to the caller, not a finding)."""


def call(stage, fn, *args):
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001  (anything a learner's code raises becomes a failed check)
        raise LearnerFailure(stage, err) from err


class Draws:
    """Seeded inputs, weights and upstream gradients in the checked dtype."""

    def __init__(self, seed, dtype):
        self.seed, self.dtype = seed, np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

    def normal(self, shape, scale=1.0):
        return (self.rng.normal(size=shape) * scale).astype(self.dtype)

    def activation_input(self, shape=(5, 6)):
        """Values across the activations' interesting range, every fourth one exactly 0 (ReLU's kink)."""
        x = self.normal(shape, 2.0)
        x.flat[::4] = 0.0
        return x


def build_layer(cls, args, seed):
    """cls(*args) as the book builds a layer (its global RNG seeded); NotMappable if that fails."""
    try:
        with seeded_global_rng(seed):
            return cls(*args)
    except Exception as err:  # noqa: BLE001
        signature = "W, b" if args else ""
        raise NotMappable(f"cannot build {cls.__name__}({signature}) as the book does: "
                          f"{type(err).__name__}: {err}") from err


def failure(err, case, tol):
    """The failed check for a learner's call that raised."""
    return Check(f"{err.stage} ({case})" if case else err.stage, INF, tol, False, str(err), kind="error",
                 subject=err.stage)


def write_warning(method, array, original, written, returned_it):
    """The warning for a method that wrote into the caller's array `original` (now `written`)."""
    return (f"WARNING: {method} wrote into the caller's {array} ({int(np.sum(written != original))} of "
            f"{original.size} entries changed): a caller that uses {array} again gets the changed values")


WIDENED_NOTE = ("{what} came back in float64 from float32 inputs (the book's im2col/col2im allocate with np.zeros, "
                "float64 by default): cast to float32 at the boundary and compared there; the values are checked, "
                "the dtype is not")


def _at_boundary(result, value, dtype, cast, what):
    """value as the check compares it: a float64 array from float32 inputs cast to float32 where
    `cast` (a layer whose helpers widen on their own), with a note once."""
    value = np.asarray(value)
    if cast and dtype == np.float32 and value.dtype == np.float64:
        note = WIDENED_NOTE.format(what=what)
        if not any(n.startswith(note[:40]) for n in result.notes):
            result.notes.append(note)
        return value.astype(np.float32)
    return value


def forward_backward(result, case, layer, x, dout, refs, candidates, missing, *, mode=(), gradient_of=None,
                     warning=write_warning, cast_widened=False):
    """Forward and backward of the learner's layer against the references: output refs["y"], dx
    refs["dx"] and each parameter gradient refs[name] for the other names (`gradient_of(name)`
    reads the layer's after backward, its attribute `name` by default; `missing` says why it
    must be there). `candidates` {"y" | "dx" | name: {classic mistake: what it computes}} name
    the mistake a result equals; a write into the caller's x or dout is a warning (`warning`).
    `cast_widened`: float64 results from float32 inputs are cast back (WIDENED_NOTE), not failed."""
    dtype, n = x.dtype, x.shape[0]
    gradient_of = gradient_of or (lambda name: getattr(layer, name, None))
    x_in = x.copy()
    y = call("forward", layer.forward, x_in, *mode)
    y_seen = _at_boundary(result, y, dtype, cast_widened, "the output") if y is not None else y
    result.checks.append(compare(f"forward ({case})", np.asarray(y_seen), refs["y"], tolerance(dtype, "forward"), n,
                                 candidates=candidates.get("y"), kind="forward", subject="y"))
    if not np.array_equal(x_in, x, equal_nan=True):
        result.warnings.append(warning("forward", "x", x, x_in, y is x_in))
    if not callable(getattr(layer, "backward", None)):
        note = "forward only: the class has no backward, so only its forward is checked"
        if note not in result.notes:
            result.notes.append(note)
        return
    dout_in = dout.copy()
    dx = call("backward", layer.backward, dout_in)
    if isinstance(dx, tuple) and len(dx) == 2 and isinstance(dx[0], np.ndarray):
        note = "backward returns (dx, parameter gradients): dx is its first item"
        if note not in result.notes:
            result.notes.append(note)
        dx = dx[0]
    if not np.array_equal(dout_in, dout, equal_nan=True):
        result.warnings.append(warning("backward", "dout", dout, dout_in, dx is dout_in))
    tol = tolerance(dtype, "gradient")
    if dx is None:
        result.checks.append(Check(f"dx ({case})", INF, tol, False, "backward returned None; it must return dx",
                                   kind="gradient", subject="x"))
    else:
        result.checks.append(compare(f"dx ({case})", _at_boundary(result, dx, dtype, cast_widened, "the output"),
                                     refs["dx"], tol, n,
                                     candidates=candidates.get("dx"), kind="gradient", subject="x"))
    for name, ref in refs.items():
        if name in ("y", "dx"):
            continue
        ours = gradient_of(name)
        if ours is None:
            result.checks.append(Check(f"{name} ({case})", INF, tol, False, f"no {name} after backward: {missing}",
                                       kind="gradient", subject=name))
        else:
            ours = _at_boundary(result, ours, dtype, cast_widened, "the output")
            result.checks.append(compare(f"{name} ({case})", ours, ref, tol, n,
                                         candidates=candidates.get(name), kind="gradient", subject=name))


def optimizer_class(name, defaults, update, state, doc=None):
    """A book-style optimizer class `name` standing for another contract's optimizer: its
    constructor takes the hyperparameters of `defaults` as keywords (its signature says so, so the
    checker reads them as it reads the book's), keeps them as attributes, then the attributes
    `state()` returns; `update(self, params, grads)` is the adapter's own."""
    def __init__(self, **hyper):
        for key, value in {**defaults, **hyper, **state()}.items():
            setattr(self, key, value)

    cls = type(name, (), {"__init__": __init__, "update": update, "__doc__": doc})
    cls.__init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=value) for key, value in defaults.items()])
    return cls
