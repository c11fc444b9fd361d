"""`check` and `assert_matches_keras`: recognise the object, run the checks of its kind, and
collect what they found in a CheckResult. (`check_file`, every class of a learner's file, each
file in a process of its own, is learner_file.check_file.)"""
import warnings

import numpy as np

from scratchnet import DTYPES

from ..core.check import Check
from ..core.result import Report
from ..render.report import terminal_text
from . import book2, book_layers, cs231n, layers, networks, nnfs, optimizers
from .common import INF, BadInput, Draws, LearnerFailure, failure
from .recognize import NotMappable, could_hide_a_bug, kind_of

KIND_WORDS = {"affine": "affine layer", "relu": "ReLU layer", "sigmoid": "sigmoid layer", "tanh": "tanh layer",
              "identity": "identity layer", "softmax": "softmax layer",
              "softmax_loss": "softmax cross-entropy loss layer", "loss": "loss layer",
              "network": "network", "optimizer": "optimizer", "convolution": "convolution layer",
              "pooling": "max-pooling layer", "dropout": "dropout layer", "batchnorm": "batch-normalization layer"}


def _check_network(obj, result, draws, x, t):
    networks.check_network(obj, result, draws, x, t, check_alone=check)


CHECKERS = {"affine": layers.check_layer, "relu": layers.check_layer, "sigmoid": layers.check_layer,
            "tanh": layers.check_layer, "identity": layers.check_layer, "softmax": layers.check_layer,
            "softmax_loss": layers.check_softmax_loss,
            "loss": layers.check_other_loss, "network": _check_network, "optimizer": optimizers.check_optimizer,
            "convolution": book_layers.check_convolution, "pooling": book_layers.check_pooling,
            "dropout": book_layers.check_dropout, "batchnorm": book_layers.check_batchnorm, **book2.CHECKERS,
            **cs231n.CHECKERS}
KIND_WORDS.update(book2.KIND_WORDS)
KIND_WORDS.update(cs231n.KIND_WORDS)


class CheckResult(Report):
    """What `check` found for one object (a Report): its checks (each with value, tolerance,
    pass/fail and a diagnosis), the diagnosis in plain words, warnings that do not fail it
    (writing into the caller's arrays), notes (conventions that differ from Keras, and by how
    much), and `not_checked`, the reason when the object could not be mapped to Keras at all.
    `kind` is what the object was recognised as (recognize.kind_of)."""

    def __init__(self, name, kind, dtype):
        super().__init__(name, dtype=dtype, lead="", line_prefix=f"{name}: ", files=("md",))
        self.kind = kind
        self.could_hide = False  # not checked, and it looks like something that is: a bug could hide here

    @property
    def passed(self):
        return self.not_checked is None and bool(self.checks) and all(c.passed for c in self.checks)

    def title(self):
        what = KIND_WORDS.get(self.kind, "object")
        if self.not_checked:
            return f"{self.name}: not checked: {self.not_checked}"
        verdict, passing = ("PASSED" if self.passed else "FAILED"), len(self.checks) - len(self.failed)
        return f"{self.name} ({what}, {self.dtype}): {verdict} {passing}/{len(self.checks)} checks"

    def markdown_title(self):
        return self.title()

    def terminal_heading(self):
        return self.title()

    def closing_line(self):
        return None

    def table(self):
        """The title, the table of checks, and the diagnosis, warning and note lines."""
        return terminal_text(self)

    __str__ = table


def check(obj, x=None, t=None, dtype="float64", seed=0, kind=None, siblings=()):
    """Check a layer, loss layer, network or optimizer (an instance, or a class built with the
    book's constructor signature) against Keras; returns a CheckResult (`.passed`, `.checks`,
    `.diagnosis`, `.warnings`, `.notes`, `.table()`). `x` (and `t` for losses and networks)
    replace the drawn inputs; the object itself is left as it was (the checks run on a copy).
    `kind`: what the object is, where an adapter knows it (cs231n.py presents CS231n's functions
    as a class of the book's contract); recognised by name and methods otherwise. `siblings`: the
    other classes of the learner's file (an nnfs optimizer is handed one of its Layer_Dense)."""
    dtype = np.dtype(dtype).name
    if dtype not in DTYPES:
        raise ValueError(f"check: dtype must be float32 or float64, got {dtype}")
    name = obj.__name__ if isinstance(obj, type) else type(obj).__name__
    presented_notes = []
    if kind is None and nnfs.is_nnfs(obj):  # nnfs's classes, presented as the book's (nnfs.py)
        try:
            kind, obj, presented_notes = nnfs.present(obj, siblings)
        except NotMappable as err:
            result = CheckResult(name, None, dtype)
            result.not_checked, result.could_hide = str(err), True
            return result
        if dtype == "float64" and nnfs.float32_only(kind, obj):
            dtype = "float32"
            presented_notes = [*presented_notes, nnfs.FLOAT32_NOTE]
    if kind is None:
        kind, why = kind_of(obj)
        kind = book2.kind_of(obj, kind) or kind  # the second volume's classes (book2.py)
    result = CheckResult(name, kind, dtype)
    result.notes += presented_notes
    if kind is None:
        result.not_checked = why
        result.could_hide = could_hide_a_bug(obj)
        return result
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"check: seed must be an integer >= 0 (the seed of the drawn inputs and weights), "
                         f"got {seed!r}")
    if x is not None:
        given = np.asarray(x)
        if given.dtype.kind not in "biuf":
            raise TypeError(f"check: x must be an array of real numbers, got dtype {given.dtype}")
        if given.ndim < 1 or given.size == 0:
            raise ValueError(f"check: x must be a non-empty batch, got shape {given.shape}")
        if not np.all(np.isfinite(given)):
            raise ValueError(f"check: x holds NaN or inf ({int(np.sum(~np.isfinite(given)))} of its {given.size} "
                             f"values): the caller's input, not the checked object, would be blamed")
        x = given.astype(dtype)
        if t is None and kind in ("softmax_loss", "loss", "network"):
            raise ValueError(f"check: a {KIND_WORDS[kind]} needs targets t with its inputs x")
    try:
        with np.errstate(all="ignore"):  # overflow in a learner's exp is a finding, not noise
            CHECKERS[kind](obj, result, Draws(seed, dtype), x, t)
    except NotMappable as err:
        result.not_checked = str(err)
        result.could_hide = True
    except LearnerFailure as err:
        result.checks.append(failure(err, None, 0.0))
    except BadInput:
        raise
    except Exception as err:  # noqa: BLE001  (a learner's object misbehaving where no check expected it)
        result.checks.append(Check("checking", INF, 0.0, False, f"raised {type(err).__name__}: {err}", kind="error",
                                   subject="checking"))
    seen = set(result.diagnosis)
    for c in result.failed:
        line = f"{c.name}: {c.diagnosis or f'off by {c.value:.3g} (tolerance {c.tolerance:g})'}"
        if c.diagnosis not in seen:
            result.diagnosis.append(line)
            seen.add(c.diagnosis)
    return result


class CheckWarning(UserWarning):
    """A finding that does not fail the check (a write into the caller's x or dout, a layer not
    sharing its arrays with params): `assert_matches_keras` issues one per warning line, so that
    pytest lists them in its warnings summary."""


def assert_matches_keras(obj, x=None, t=None, dtype="float64", seed=0):
    """`check(obj, ...)`, raising AssertionError with the result's table when it does not pass
    (also when the object could not be checked at all); returns the result otherwise, after
    issuing each of its warnings as a CheckWarning."""
    __tracebackhide__ = True  # pytest: show the caller's line, not this one
    result = check(obj, x=x, t=t, dtype=dtype, seed=seed)
    if not result.passed:
        raise AssertionError(result.table())
    for line in result.warnings:
        warnings.warn(CheckWarning(f"{result.name}: {line.removeprefix('WARNING: ')}"), stacklevel=2)
    return result


def check_clip_grads(function, dtype="float64", seed=0):
    """The second volume's `clip_grads(grads, max_norm)` function against Keras's global-norm
    clipping (book2.clip_grads_checks): a CheckResult."""
    result = CheckResult(getattr(function, "__name__", "clip_grads"), "clip_grads", np.dtype(dtype).name)
    book2.clip_grads_checks(function, result, Draws(seed, dtype))
    return result
