"""A check is one measured difference against its tolerance. It says what it measured (`kind`:
forward, loss, gradient, numerical, trajectory, final, ...; see KINDS) and of what (`subject`: a
layer, a parameter, an option), so that code that sorts or summarises checks reads these fields
and never parses a check's name. A failed check carries a diagnosis of what the difference looks
like (comparisons.core.diagnose).
"""
from dataclasses import asdict, dataclass

import numpy as np

from scratchnet.gradcheck import relative_error

from .diagnose import diagnose, diagnose_shapes

# What a check measures (Check.kind), and what its subject names.
KINDS = {
    "forward": "a layer's or function's output (subject: the layer, or the output's name)",
    "loss": "a loss value (subject: empty, or the loss)",
    "gradient": "a gradient against Keras's autodiff (subject: the parameter, 'x' for the input, or a layer output)",
    "numerical": "a backprop gradient against central differences (subject: the parameter)",
    "trajectory": "lockstep training, every step (subject: 'loss' or 'weights')",
    "final": "the numbers after training (subject: e.g. 'train loss', 'test accuracy')",
    "option_effect": "an option moves the trained weights (subject: the option)",
    "initializer": "a seeded draw against Keras's, as distributions (subject: the initializer)",
    "function": "scratchnet.functions against Keras's ops (subject: the function)",
    "option": "an optimizer's defaults or a refused/accepted value (subject: the optimizer class)",
    "roundtrip": "a model through save/load, astype or Keras and back (subject: the model)",
    "convention": "a convention of the course or the book against Keras's (subject: what is compared)",
    "optimizer_step": "a learner's optimizer step against the reference (subject: the step)",
    "state": "a layer's state after a training step (subject: the statistic)",
    "error": "the code under check raised, or broke a contract (subject: the call)",
    "class": "one class of a learner's file (subject: the class)",
    "bugzoo": "a bug-zoo entry flagged with its cause named (subject: the class)",
    "book_optimizer": "the book's optimizer against scratchnet's closest setting (subject: the optimizer)",
    "exercise": "a course exercise (subject: the exercise)",
}


@dataclass
class Check:
    name: str
    value: float
    tolerance: float
    passed: bool
    diagnosis: str = ""
    kind: str = ""
    subject: str = ""

    def as_dict(self):
        return asdict(self)


def compare(name, ours, theirs, tol, batch_size=None, candidates=None, weights=None, weight_decay=None, *,
            kind="", subject=""):
    """Check the array `ours` against the reference `theirs`: dtype, shape, then values.

    For the diagnosis of a mismatch: `candidates` {plain-words cause: array} are the results of
    known wrong formulas on the same inputs (the first one `ours` equals names the cause);
    `weights` is the parameter a gradient belongs to and `weight_decay` the L2 factor lambda of
    a 0.5*lambda*sum(W**2) penalty (a difference proportional to the weights is a weight-decay term).
    `kind` and `subject` label the check (see KINDS).
    """
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.dtype != theirs.dtype:
        return Check(name, float("inf"), tol, False, f"dtype {ours.dtype} vs Keras {theirs.dtype}", kind, subject)
    ours, theirs = ours.astype(np.float64), theirs.astype(np.float64)
    if ours.shape != theirs.shape:
        return Check(name, float("inf"), tol, False, diagnose_shapes(ours, theirs, batch_size, candidates), kind,
                     subject)
    finite = bool(np.all(np.isfinite(ours)) or not np.all(np.isfinite(theirs)))
    value = relative_error(ours, theirs) if finite else float("inf")
    passed = bool(value <= tol)
    note = "" if passed else diagnose(ours, theirs, batch_size, candidates, weights, weight_decay)
    return Check(name, value, tol, passed, note, kind, subject)


def scalar_check(name, ours, theirs, tol, relative=True, *, kind="", subject=""):
    """Two numbers: their difference, relative to Keras's `theirs` unless relative=False."""
    diff = abs(ours - theirs)
    if relative:
        diff /= max(abs(theirs), 1e-300)
    passed = bool(diff <= tol)
    note = "" if passed else f"{ours!r} vs Keras {theirs!r}"
    return Check(name, float(diff), tol, passed, note, kind, subject)
