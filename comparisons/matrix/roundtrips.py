"""What a model becomes when it is saved and loaded, converted to the other float type, or sent to
Keras and back: the same model. For one small network per loss variant (L2 on, every activation
in turn), after a few training steps so no weight is at its initial value:
- `save` then `load_model`: config and weights bit for bit, predictions bit for bit;
- `astype("float32")`: float32 everywhere, and its forward pass against its own Keras twin
  (built from the float32 model) within the float32 tolerance; back with `astype("float64")`:
  the float32-rounded weights exactly;
- `from_keras(to_keras(model))`: config and weights bit for bit;
- `set_weights(get_weights())` changes nothing, and `evaluate` in chunks of 7 rows equals one pass
  (loss to round-off, accuracy exactly).
"""
import tempfile
from pathlib import Path

import numpy as np

import reference_keras
import scratchnet
from scratchnet import Trainer
from scratchnet.optimizers import SGD

from ..core.check import Check, compare, scalar_check
from ..core.tolerances import tolerance


def _same(label, what, ok, note=""):
    return Check(f"{label}: {what}", 0.0 if ok else 1.0, 0.0, bool(ok), "" if ok else note, kind="roundtrip",
                 subject=label)


def _weights_equal(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))


def model_checks(label, model, x, t):
    checks = []
    weights, config = model.get_weights(), model.config()
    with tempfile.TemporaryDirectory() as folder:
        model.save(Path(folder) / "model")
        loaded = scratchnet.load_model(Path(folder) / "model.npz")
    checks.append(_same(label, "save/load_model keeps config, weights and predictions",
                        loaded.config() == config and _weights_equal(loaded.get_weights(), weights)
                        and np.array_equal(loaded.predict(x), model.predict(x)), f"{loaded.config()}"))

    single = model.astype("float32")
    checks.append(_same(label, "astype(float32) is float32 throughout",
                        single.dtype == np.float32 and all(w.dtype == np.float32 for w in single.get_weights())
                        and single.config()["dtype"] == "float32", str(single)))
    if checks[-1].passed:  # else its Keras twin would be float64 too: nothing more to compare
        x32 = x.astype(np.float32)
        theirs = reference_keras.forward_trace(reference_keras.to_keras(single), x32)
        for name, ours in single.forward_trace(x32).items():
            checks.append(compare(f"{label}: astype(float32) forward {name} vs its Keras twin", ours, theirs[name],
                                  tolerance("float32", "forward"), kind="roundtrip", subject=label))
    back = single.astype("float64")
    checks.append(_same(label, "astype(float32).astype(float64) holds the float32-rounded weights",
                        _weights_equal(back.get_weights(), [w.astype(np.float32).astype(np.float64) for w in weights])))

    returned = reference_keras.from_keras(reference_keras.to_keras(model))
    checks.append(_same(label, "from_keras(to_keras(model)) keeps config and weights bit for bit",
                        returned.config() == config and _weights_equal(returned.get_weights(), weights),
                        f"{returned.config()} vs {config}"))

    model.set_weights(model.get_weights())
    checks.append(_same(label, "set_weights(get_weights()) changes nothing", _weights_equal(model.get_weights(),
                                                                                                 weights)))
    (loss, accuracy), (chunked_loss, chunked_accuracy) = model.evaluate(x, t), model.evaluate(x, t, batch_size=7)
    checks.append(scalar_check(f"{label}: evaluate in chunks of 7, loss", chunked_loss, loss,
                               tolerance("float64", "loss"), kind="roundtrip", subject=label))
    checks.append(scalar_check(f"{label}: evaluate in chunks of 7, accuracy", chunked_accuracy, accuracy, 0.0,
                               relative=False, kind="roundtrip", subject=label))
    return checks


def roundtrip_checks(cases):
    """(checks, table rows) for `cases`: [(label, model, x, t)] of float64 models; each model is
    first trained 4 SGD steps on its data."""
    checks, rows = [], []
    for label, model, x, t in cases:
        Trainer(model, SGD(0.05), x, t, batch_size=10, evaluate=None, progress=False).fit()
        found = model_checks(label, model, x, t)
        checks.extend(found)
        rows.append([label, len(found), "pass" if all(c.passed for c in found) else "FAIL"])
    return checks, rows


ROUNDTRIP_HEADERS = ["model", "checks", "result"]
