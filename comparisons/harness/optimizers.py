"""Optimizers, a few steps on the same gradients: against Keras's optimizer where the equations
are the same, against the book's own equation where they differ (book_optimizers.py),
with a measured number for how far Keras's nearest optimizer parts from it."""
import numpy as np

import reference_keras
import scratchnet
from scratchnet.gradcheck import relative_error

from ..core.check import Check, compare
from ..core.tolerances import tolerance
from . import book2, book_optimizers
from .common import INF, LearnerFailure, call, failure
from .recognize import BOOK_OPTIMIZERS, NotMappable, book_name, construct, working_copy


OPTIMIZER_STEPS = 5
GRADIENT_SCALES = (1.0, 0.3, 1e-3, 2.0, 0.5)  # a step of tiny gradients makes the epsilons matter


def _optimizer_problem(draws):
    params = {"W1": draws.normal((3, 4)), "b1": draws.normal((4,))}
    grads = [{key: draws.normal(value.shape, scale) for key, value in params.items()} for scale in GRADIENT_SCALES]
    return params, grads


def _flat_displacement(params, start):
    return np.concatenate([(np.asarray(params[key], dtype=np.float64) - start[key]).ravel() for key in start])


def check_optimizer(obj, result, draws, x, t):
    dtype = draws.dtype.name
    start, grads = _optimizer_problem(draws)
    start64 = {key: value.astype(np.float64) for key, value in start.items()}
    is_ours = issubclass(obj if isinstance(obj, type) else type(obj), scratchnet.optimizers.Optimizer)
    reference_of = _scratchnet_reference if is_ours else _book_reference
    opt, reference, mistakes, instead = reference_of(obj, result, draws, start, grads)
    if not is_ours:  # the second volume's update(params, grads) takes lists
        opt, note = book2.list_contract(opt, lambda: _fresh(obj, draws), start, grads[0])
        result.notes += [note] if note else []
    _run_optimizer(opt, result, dtype, start, start64, grads, reference, mistakes)
    for words, trajectory in instead:
        parting = max(relative_error(_flat_displacement(k, start64), _flat_displacement(b, start64))
                      for k, b in zip(trajectory, reference))
        first_book, first_keras = (_flat_displacement(steps[0], start64) for steps in (reference, trajectory))
        ratio = np.median(first_book[first_keras != 0] / first_keras[first_keras != 0])
        result.notes.append(f"what Keras does instead: {words}. From the same start and gradients it parts from the "
                            f"book's by up to {parting:.3g} (relative displacement over {OPTIMIZER_STEPS} steps; "
                            f"first-step ratio book/Keras {ratio:.4g})")


def _fresh(obj, draws):
    return construct(obj, {}, draws.seed) if isinstance(obj, type) else working_copy(obj)


def _keras_steps(sn_optimizer, start, grads):
    return reference_keras.optimizer_steps(reference_keras.keras_optimizer(sn_optimizer, start), start, grads)


def _scratchnet_reference(obj, result, draws, start, grads):
    """scratchnet's optimizers follow Keras's equations: Keras is the reference."""
    opt = obj() if isinstance(obj, type) else working_copy(obj)
    if opt.iterations or opt.state:
        raise NotMappable(f"this {type(opt).__name__} has already taken steps; check a fresh one")
    opt.float32_hyperparams = True
    result.notes.append("hyperparameters that Keras rounds through float32 are rounded on this side too "
                        "(float32_hyperparams=True)")
    return opt, _keras_steps(working_copy(opt), start, grads), {}, []


def _book_reference(obj, result, draws, start, grads):
    """(the learner's optimizer, the reference trajectory, {mistake: its trajectory}, [(what Keras
    does instead, its trajectory)]) for an optimizer of the book's."""
    name = obj.__name__ if isinstance(obj, type) else type(obj).__name__
    spec = book_optimizers.SPECS[book_name(name, BOOK_OPTIMIZERS)]
    opt = construct(obj, {}, draws.seed) if isinstance(obj, type) else working_copy(obj)
    if book_optimizers.has_taken_steps(opt):
        raise NotMappable(f"this {type(opt).__name__} has already taken steps (its state is set); check a fresh one")
    hyper, source = book_optimizers.read_hyperparameters(spec, opt)
    for key in spec.rounded:  # Keras rounds these through float32 even in float64: give both sides that value
        hyper[key] = float(np.float32(hyper[key]))
        if source[key]:
            setattr(opt, source[key], hyper[key])
    assumed = [key for key, attribute in source.items() if attribute is None]
    if assumed:
        result.notes.append(f"no attribute for {', '.join(assumed)}: assumed the book's default")
    if spec.rounded:
        result.notes.append(f"{', '.join(spec.rounded)} rounded through float32 on both sides (Keras rounds these "
                            f"even in float64): {', '.join(f'{key}={hyper[key]!r}' for key in spec.rounded)}")
    mistakes = {words: book_optimizers.trajectory(equation, hyper, start, grads)
                for words, equation in spec.mistakes.items()}
    if spec.keras:
        reference = _keras_steps(spec.keras(hyper), start, grads)
        if spec.variants:  # another correct form (Adam in the paper's form): compared with the nearest
            reference = _nearest_form(opt, spec, hyper, start, grads, reference, result)
        return opt, reference, mistakes, []
    reference = book_optimizers.trajectory(spec.equation, hyper, start, grads)
    if spec.variants:
        reference = _nearest_form(opt, spec, hyper, start, grads, reference, result)
    result.notes.append(f"{spec.name}: the book's equation differs from Keras's, so the reference is the book's own "
                        f"equation ({spec.formula})")
    instead = [(words, _keras_steps(keras_opt, start, grads)) for words, keras_opt in spec.keras_instead(hyper)]
    return opt, reference, mistakes, instead


def _nearest_form(opt, spec, hyper, start, grads, reference, result):
    """The trajectory of the correct form (the book's, or one of spec.variants) that a trial run
    of a copy of the learner's optimizer is nearest to; a note says which form it is."""
    forms = {spec.base_form or book_optimizers.EPS_OUTSIDE: reference,
             **{words: book_optimizers.trajectory(eq, hyper, start, grads) for words, eq in spec.variants.items()}}
    probe = working_copy(opt)
    if probe is opt:
        return reference
    start64 = {key: value.astype(np.float64) for key, value in start.items()}
    params, distance = {key: value.copy() for key, value in start.items()}, dict.fromkeys(forms, 0.0)
    try:
        for step, step_grads in enumerate(grads):
            probe.update(params, {key: value.copy() for key, value in step_grads.items()})
            moved = _flat_displacement(params, start64)
            for words, steps in forms.items():
                distance[words] = max(distance[words],
                                      relative_error(moved, _flat_displacement(steps[step], start64)))
    except Exception:  # noqa: BLE001  (the check's own run reports what the learner's update raises)
        return reference
    nearest = min(forms, key=lambda words: distance[words])
    result.notes.append(f"{spec.name}: the learner's code has {nearest}; compared with that form")
    return forms[nearest]


def _run_optimizer(opt, result, dtype, start, start64, grads, reference, mistakes):
    params = {key: value.copy() for key, value in start.items()}
    tol = tolerance(dtype, "optimizer_step")
    for step, (step_grads, ref) in enumerate(zip(grads, reference), start=1):
        arrays = dict(params)
        given = {key: value.copy() for key, value in step_grads.items()}
        try:
            call(f"update (step {step})", opt.update, params, given)
        except LearnerFailure as err:
            result.checks.append(failure(err, None, tol))
            return
        rebound = [key for key in params if params[key] is not arrays[key]]
        if rebound:
            result.checks.append(Check(f"in-place update (step {step})", INF, 0.0, False,
                                       f"params[{rebound[0]!r}] was replaced by a new array instead of updated in "
                                       f"place: the layers holding the old array (the book's networks share them) "
                                       f"never see the update, so the loss stays flat", kind="optimizer_step",
                                       subject=f"step {step}"))
            params = {key: np.array(value) for key, value in params.items()}
        if step == 1 and any(not np.array_equal(given[key], step_grads[key]) for key in given):
            result.warnings.append("WARNING: update wrote into the caller's grads; a caller that uses them "
                                   "again (logging, gradient clipping) sees the changed values")
        candidates = {words: _flat_displacement(steps[step - 1], start64) for words, steps in mistakes.items()}
        result.checks.append(compare(f"step {step}: w - w0 (W1, b1)", _flat_displacement(params, start64),
                                     _flat_displacement(ref, start64), tol, candidates=candidates,
                                     kind="optimizer_step", subject=f"step {step}"))

