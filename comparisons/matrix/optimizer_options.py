"""Optimizer options, scratchnet against Keras: every default is Keras's (defaults are copied to
the Keras twin in every other check, so a wrong one would pass them all), and each bad option is
refused (a ValueError naming the optimizer and the argument) or accepted, as the table says;
wherever Keras refuses a value, scratchnet must refuse it too. scratchnet is stricter than Keras
where Keras takes a value it then ignores or that breaks its arithmetic (a clip threshold of 0, a
negative weight decay, a beta of 1, an epsilon of 0, a NaN learning rate ...): the table shows both
verdicts."""
import reference_keras
from reference_keras import keras
from scratchnet.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop

from ..core.check import Check

# (optimizer class, keyword arguments, "refuse" or "accept"); the refused argument is the first key
CASES = [
    (SGD, {"learning_rate": 0.0}, "refuse"),
    (SGD, {"momentum": -0.1}, "refuse"),
    (SGD, {"momentum": 1.1}, "refuse"),
    (SGD, {"momentum": 1.0}, "accept"),
    (SGD, {"nesterov": 1}, "refuse"),
    (SGD, {"clipnorm": 1.0, "clipvalue": 1.0}, "refuse"),
    (Adam, {"clipnorm": 1.0, "global_clipnorm": 1.0}, "refuse"),
    (RMSprop, {"clipvalue": 1.0, "global_clipnorm": 1.0}, "refuse"),
    (SGD, {"clipnorm": 0.0}, "refuse"),
    (SGD, {"clipnorm": 1e-300}, "accept"),
    (Adagrad, {"clipvalue": -1.0}, "refuse"),
    (Adam, {"global_clipnorm": 0.0}, "refuse"),
    (SGD, {"weight_decay": -0.1}, "refuse"),
    (SGD, {"weight_decay": "0.1"}, "refuse"),
    (SGD, {"weight_decay": 0.0}, "accept"),
    (AdamW, {"weight_decay": None}, "refuse"),
    (Adam, {"beta_1": -0.1}, "refuse"),
    (Adam, {"beta_1": 0.0}, "accept"),
    (Adam, {"beta_1": 1.0}, "refuse"),
    (Adam, {"beta_2": 1.0}, "refuse"),
    (AdamW, {"beta_2": -0.1}, "refuse"),
    (Adam, {"epsilon": -1e-7}, "refuse"),
    (Adam, {"epsilon": 0.0}, "refuse"),  # 0 / sqrt(0) for a parameter whose gradient is 0: NaN
    (Adagrad, {"epsilon": 0.0}, "refuse"),
    (SGD, {"learning_rate": float("nan")}, "refuse"),
    (SGD, {"learning_rate": float("inf")}, "refuse"),
    (SGD, {"learning_rate": True}, "refuse"),
    (Adam, {"amsgrad": 1}, "refuse"),
    (RMSprop, {"rho": 1.5}, "refuse"),
    (RMSprop, {"rho": -0.1}, "refuse"),
    (RMSprop, {"rho": 0.0}, "accept"),
    (RMSprop, {"rho": 1.0}, "accept"),
    (RMSprop, {"momentum": -0.5}, "refuse"),
    (RMSprop, {"centered": "yes"}, "refuse"),
    (RMSprop, {"epsilon": -1.0}, "refuse"),
    (Adagrad, {"initial_accumulator_value": -1.0}, "refuse"),
    (Adagrad, {"initial_accumulator_value": 0.0}, "accept"),
    (Adagrad, {"epsilon": -1.0}, "refuse"),
]


def _verdict(make):
    """("accept", "") or ("refuse", message); an exception other than ValueError is ("crash", it)."""
    try:
        make()
    except ValueError as err:
        return "refuse", str(err)
    except Exception as err:  # noqa: BLE001 - any other exception is a defect in the check's subject
        return "crash", f"{type(err).__name__}: {err}"
    return "accept", ""


def validation_checks():
    """(checks, table rows): one check per case."""
    checks, rows = [], []
    for cls, kwargs, expected in CASES:
        call = f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        ours, message = _verdict(lambda: cls(**kwargs))
        theirs, _ = _verdict(lambda: getattr(keras.optimizers, cls.__name__)(**kwargs))
        argument = next(iter(kwargs))
        named = ours != "refuse" or (message.startswith(f"{cls.__name__}: ") and argument in message)
        passed = ours == expected and named and not (theirs == "refuse" and ours != "refuse")
        note = "" if passed else f"scratchnet: {ours} {message!r}; Keras: {theirs}; expected: {expected}"
        checks.append(Check(f"options {call}: {expected}", 0.0 if passed else 1.0, 0.0, passed, note, kind="option",
                            subject=cls.__name__))
        rows.append([call, ours, theirs, "pass" if passed else "FAIL"])
    return checks, rows


def default_checks():
    """(checks, table rows): each optimizer's defaults, learning rate included, against those of a
    Keras optimizer of the same class made in float64 (so Keras's learning rate is exact)."""
    checks, rows = [], []
    for cls in OPTIMIZERS.values():
        ours = cls().config()
        with reference_keras.floatx("float64"):
            theirs = getattr(keras.optimizers, cls.__name__)().get_config()
        differing = {key: (value, theirs.get(key, "missing")) for key, value in ours.items()
                     if theirs.get(key, "missing") != value}
        passed = not differing
        checks.append(Check(f"options {cls.__name__}() defaults are Keras's", 0.0 if passed else 1.0, 0.0, passed,
                            "" if passed else f"scratchnet vs Keras: {differing}", kind="option",
                            subject=cls.__name__))
        rows.append([f"{cls.__name__}() defaults ({len(ours)})", "as Keras" if passed else "differ",
                     "", "pass" if passed else "FAIL"])
    return checks, rows


def optimizer_option_checks():
    """The defaults, then the bad and edge values."""
    defaults, default_rows = default_checks()
    values, value_rows = validation_checks()
    return defaults + values, default_rows + value_rows


OPTION_HEADERS = ["optimizer options", "scratchnet", "Keras", "result"]
