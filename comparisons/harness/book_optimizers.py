"""The book's optimizers (common/optimizer.py): their hyperparameters and defaults, their update
equations written out in NumPy, and the Keras optimizer that follows the same equations where
one does (SGD, Momentum, Nesterov, Adam). Where Keras's equation differs (AdaGrad, RMSprop), the
check compares a learner's optimizer with the book's own equation and measures how far Keras's
nearest optimizer parts from it.

`python -m comparisons book-optimizers` (comparisons.studies.book_optimizers) trains each of the
book's optimizers beside scratchnet's closest setting (Keras's equations) on the same MNIST
batches and measures how far they part.

Equations, per parameter w with gradient g (the book updates in place, state starts at 0):
  SGD       w -= lr g
  Momentum  v = mu v - lr g;  w += v                         (Keras SGD(momentum=mu): the same)
  Nesterov  w += mu^2 v - (1 + mu) lr g;  v = mu v - lr g   (the book since January 2021, v before
            its update; Keras SGD(nesterov=True) rearranged. Before 2021 the book updated v first and
            applied mu^2 to the new v: recognised and named as the book's old version)
  AdaGrad   h += g^2;  w -= lr g / (sqrt(h) + 1e-7)          (Keras: h from 0.1, sqrt(h + eps))
  RMSprop   h = rho h + (1 - rho) g^2;  w -= lr g / (sqrt(h) + 1e-7)   (Keras: sqrt(h + eps))
AdaGrad and RMSprop written with the epsilon inside the square root (Keras's form) are recognised:
the check compares with the form the learner's first step matches and names it.
  Adam      t += 1;  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);  m += (1 - b1)(g - m);
            v += (1 - b2)(g^2 - v);  w -= lr_t m / (sqrt(v) + 1e-7)      (Keras Adam: the same)
            (the paper's form, w -= lr m_hat / (sqrt(v_hat) + eps), is recognised as another correct form)
"""
from dataclasses import dataclass, field

import numpy as np

from scratchnet import optimizers as sn

EPS = 1e-7  # the book's constant, outside the square root


def _sgd(h, state, t, key, w, g):
    w -= h["lr"] * g


def _momentum(h, state, t, key, w, g):
    v = state.setdefault(("v", key), np.zeros_like(w))
    v *= h["momentum"]
    v -= h["lr"] * g
    w += v


def _nesterov(h, state, t, key, w, g):
    mu = h["momentum"]
    v = state.setdefault(("v", key), np.zeros_like(w))
    w += mu * mu * v
    w -= (1 + mu) * h["lr"] * g
    v *= mu
    v -= h["lr"] * g


def _nesterov_pre2021(h, state, t, key, w, g):
    mu = h["momentum"]
    v = state.setdefault(("v", key), np.zeros_like(w))
    v *= mu
    v -= h["lr"] * g
    w += mu * mu * v
    w -= (1 + mu) * h["lr"] * g


def _adagrad(h, state, t, key, w, g):
    acc = state.setdefault(("h", key), np.zeros_like(w))
    acc += g * g
    w -= h["lr"] * g / (np.sqrt(acc) + h.get("eps", EPS))


def _adagrad_eps_inside(h, state, t, key, w, g):
    acc = state.setdefault(("h", key), np.zeros_like(w))
    acc += g * g
    w -= h["lr"] * g / np.sqrt(acc + h.get("eps", EPS))


def _rmsprop(h, state, t, key, w, g):
    acc = state.setdefault(("h", key), np.zeros_like(w))
    acc *= h["decay_rate"]
    acc += (1 - h["decay_rate"]) * g * g
    w -= h["lr"] * g / (np.sqrt(acc) + h.get("eps", EPS))


def _rmsprop_eps_inside(h, state, t, key, w, g):
    acc = state.setdefault(("h", key), np.zeros_like(w))
    acc *= h["decay_rate"]
    acc += (1 - h["decay_rate"]) * g * g
    w -= h["lr"] * g / np.sqrt(acc + h.get("eps", EPS))


def _adam_step(h, state, t, key, w, g, lr_t):
    m = state.setdefault(("m", key), np.zeros_like(w))
    v = state.setdefault(("v", key), np.zeros_like(w))
    m += (1 - h["beta1"]) * (g - m)
    v += (1 - h["beta2"]) * (g ** 2 - v)
    w -= lr_t * m / (np.sqrt(v) + h.get("eps", EPS))


def _adam(h, state, t, key, w, g):
    _adam_step(h, state, t, key, w, g, h["lr"] * np.sqrt(1.0 - h["beta2"] ** t) / (1.0 - h["beta1"] ** t))


def _adam_paper(h, state, t, key, w, g):
    m = state.setdefault(("m", key), np.zeros_like(w))
    v = state.setdefault(("v", key), np.zeros_like(w))
    m += (1 - h["beta1"]) * (g - m)
    v += (1 - h["beta2"]) * (g ** 2 - v)
    w -= h["lr"] * (m / (1.0 - h["beta1"] ** t)) / (np.sqrt(v / (1.0 - h["beta2"] ** t)) + h.get("eps", EPS))


def _adam_without_bias_correction(h, state, t, key, w, g):
    _adam_step(h, state, t, key, w, g, h["lr"])


def _momentum_applied_before_update(h, state, t, key, w, g):
    v = state.setdefault(("v", key), np.zeros_like(w))
    w += v
    v *= h["momentum"]
    v -= h["lr"] * g


def _momentum_state_not_kept(h, state, t, key, w, g):
    w -= h["lr"] * g  # v from 0 at every update: v = -lr g, plain SGD


def _nesterov_state_not_kept(h, state, t, key, w, g):
    w -= (1 + h["momentum"]) * h["lr"] * g  # v from 0 at every update


STATE_NOT_KEPT = ("the velocity is not kept between steps: it starts from 0 at every update (a local variable, or "
                  "reset inside update), so momentum never builds up; keep it on self (self.v[key]) across calls")


def trajectory(equation, hyper, params, grads_per_step):
    """The parameters ({name: array}) after each step of `equation` from `params`."""
    params = {key: np.array(value, copy=True) for key, value in params.items()}
    state, out = {}, []
    for t, grads in enumerate(grads_per_step, start=1):
        for key, w in params.items():
            equation(hyper, state, t, key, w, grads[key])
        out.append({key: value.copy() for key, value in params.items()})
    return out


@dataclass
class BookOptimizer:
    name: str
    defaults: dict  # the book's hyperparameters (its attribute names) and defaults
    equation: object
    keras: object = None  # hyper -> the scratchnet optimizer with Keras's identical equations
    rounded: tuple = ()  # hyperparameters Keras rounds through float32 (given rounded to both sides)
    keras_instead: object = None  # hyper -> [(what Keras does, scratchnet optimizer)] where it differs
    mistakes: dict = field(default_factory=dict)  # plain-words cause -> the equation with that mistake
    formula: str = ""  # the book's equation in words, where Keras's differs (the check's note quotes it)
    # other correct forms: plain words -> equation; the check compares with the form the learner's
    # code is nearest to and names it (AdaGrad and RMSprop with the epsilon inside the square root)
    variants: dict = field(default_factory=dict)
    base_form: str = ""  # the reference's form in words, where there are variants (default EPS_OUTSIDE)


NESTEROV_PRE2021 = (
    "this is the book's pre-2021 Nesterov: the velocity is updated first and mu**2 is applied to the new "
    "velocity (w += mu**2 v_new - (1 + mu) lr g). The book's repository fixed it in January 2021 (\"Fix Nesterov "
    "update function\"): apply w += mu**2 v - (1 + mu) lr g with the old v, then update v; that is Keras's "
    "SGD(nesterov=True)")

EPS_INSIDE = ("the epsilon inside the square root, w -= lr g / sqrt(h + eps) (Keras's form; the book adds it "
              "outside, sqrt(h) + eps)")
EPS_OUTSIDE = "the epsilon outside the square root, w -= lr g / (sqrt(h) + eps) (the book's form)"
ADAM_LR_T = ("the book's and Keras's Adam form: lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), w -= lr_t m / "
             "(sqrt(v) + eps)")
ADAM_PAPER = ("the Adam paper's form (Kingma & Ba, Algorithm 1): w -= lr m_hat / (sqrt(v_hat) + eps) with m_hat = "
              "m / (1 - beta1^t), v_hat = v / (1 - beta2^t) (CS231n's, nnfs's); it differs from the book's and "
              "Keras's lr_t form only in where eps acts (eps here is eps sqrt(1 - beta2^t) there)")

SPECS = {
    "sgd": BookOptimizer("SGD", {"lr": 0.01}, _sgd, keras=lambda h: sn.SGD(h["lr"])),
    "momentum": BookOptimizer(
        "Momentum", {"lr": 0.01, "momentum": 0.9}, _momentum,
        keras=lambda h: sn.SGD(h["lr"], momentum=h["momentum"]), rounded=("momentum",),
        mistakes={"w += v before v is updated: the update runs one step behind (step 1 does not move)":
                  _momentum_applied_before_update, STATE_NOT_KEPT: _momentum_state_not_kept}),
    "nesterov": BookOptimizer(
        "Nesterov", {"lr": 0.01, "momentum": 0.9}, _nesterov,
        keras=lambda h: sn.SGD(h["lr"], momentum=h["momentum"], nesterov=True), rounded=("momentum",),
        formula="w += mu**2 v - (1 + mu) lr g with v before its update; then v = mu v - lr g",
        mistakes={NESTEROV_PRE2021: _nesterov_pre2021, STATE_NOT_KEPT: _nesterov_state_not_kept}),
    "adagrad": BookOptimizer(
        "AdaGrad", {"lr": 0.01}, _adagrad, formula="h += g**2; w -= lr g / (sqrt(h) + 1e-7), h from 0",
        keras_instead=lambda h: [
            ("Keras Adagrad (accumulator from 0.1, epsilon 1e-7 inside the sqrt)",
             sn.Adagrad(h["lr"], epsilon=EPS)),
            ("Keras Adagrad(initial_accumulator_value=0) (epsilon still inside the sqrt)",
             sn.Adagrad(h["lr"], initial_accumulator_value=0.0, epsilon=EPS))],
        variants={EPS_INSIDE: _adagrad_eps_inside}),
    "rmsprop": BookOptimizer(
        "RMSprop", {"lr": 0.01, "decay_rate": 0.99}, _rmsprop,
        formula="h = rho h + (1 - rho) g**2; w -= lr g / (sqrt(h) + 1e-7), h from 0",
        keras_instead=lambda h: [("Keras RMSprop(rho=decay_rate) (epsilon 1e-7 inside the sqrt)",
                                  sn.RMSprop(h["lr"], rho=h["decay_rate"], epsilon=EPS))],
        variants={EPS_INSIDE: _rmsprop_eps_inside}),
    "adam": BookOptimizer(
        "Adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}, _adam,
        keras=lambda h: sn.Adam(h["lr"], beta_1=h["beta1"], beta_2=h["beta2"], epsilon=h.get("eps", EPS)),
        rounded=("beta1", "beta2"), variants={ADAM_PAPER: _adam_paper}, base_form=ADAM_LR_T,
        mistakes={"missing bias correction (lr_t = lr): the first step is (1 - beta1)/sqrt(1 - beta2) = "
                  "3.162 times the bias-corrected one": _adam_without_bias_correction}),
}
# The book's attribute names and the other names a learner may have used.
ALIASES = {"lr": ("lr", "learning_rate"), "momentum": ("momentum",), "decay_rate": ("decay_rate", "rho"),
           "beta1": ("beta1", "beta_1"), "beta2": ("beta2", "beta_2"), "eps": ("eps", "epsilon")}
STATE_ATTRIBUTES = ("v", "h", "m")  # None until the first update in the book's classes


def read_hyperparameters(spec, opt):
    """({name: value}, {name: attribute it was read from, or None when the default was assumed})."""
    hyper, source = {}, {}
    for name, default in spec.defaults.items():
        attribute = next((a for a in ALIASES[name] if isinstance(getattr(opt, a, None), (int, float, np.floating))),
                         None)
        hyper[name] = float(getattr(opt, attribute)) if attribute else default
        source[name] = attribute
    if spec.variants:  # the epsilon, where the learner named it (else the book's 1e-7)
        attribute = next((a for a in ALIASES["eps"] if isinstance(getattr(opt, a, None), (float, np.floating))), None)
        if attribute:
            hyper["eps"] = float(getattr(opt, attribute))
    return hyper, source


def _started(value):
    """State that an update has set: None and an empty dict or list (`self.v = {}`, filled on the
    first update, a very common style) are a fresh optimizer's."""
    if value is None:
        return False
    if isinstance(value, (dict, list, tuple)):
        return len(value) > 0
    return True


def has_taken_steps(opt):
    return any(_started(getattr(opt, name, None)) for name in STATE_ATTRIBUTES) or bool(getattr(opt, "iter", 0))


class BookEquation:
    """One of the book's optimizers as an object with its `update(params, grads)`, running the
    equation above (what a learner who typed the book's class correctly has)."""

    def __init__(self, name, **hyper):
        self.spec = SPECS[name]
        self.hyper = {**self.spec.defaults, **hyper}
        self.state, self.t = {}, 0

    def update(self, params, grads):
        self.t += 1
        for key, w in params.items():
            self.spec.equation(self.hyper, self.state, self.t, key, w, grads[key])

    def __repr__(self):
        return f"book {self.spec.name}({', '.join(f'{k}={v}' for k, v in self.hyper.items())})"
