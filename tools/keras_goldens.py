"""Keras's own unit-test golden values (tests/corpus/keras_goldens/*.json) against the installed
Keras and against scratchnet.

Each case is one value a Keras test asserts (a loss, an activation, a layer's output or a
statistic of it, a metric), with its inputs, options, expected value and the test's own
assertion (assertAlmostEqual's decimals, assertAllClose's atol/rtol). This tool
  * runs the case in Keras as the test runs it (the default floatx, float32) and in float64, and
    says whether Keras reproduces the value under the test's assertion, and how close the float64
    result is (a golden printed from a float32 run agrees only to ~1e-7);
  * runs scratchnet's equivalent where scratchnet offers one today, and says whether it matches
    under the same assertion, computes something else, refuses the input, or offers no
    equivalent (an option, a layer or a loss it does not have).

    python tools/keras_goldens.py                  # the summary and every case not matched, to stdout
    python tools/keras_goldens.py --record         # also write the Keras results into the JSON files
    python tools/keras_goldens.py --report PATH

`golden_rows()` returns one row (dict) per case.
"""
import argparse
import collections
import functools
import json
import sys
from pathlib import Path

import numpy as np

import reference_keras as rk
from reference_keras import keras
from scratchnet import layers as sn_layers

GOLDENS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "keras_goldens"
FAMILIES = ("losses", "activations", "layers", "metrics")


def load_cases(directory=GOLDENS):
    """[(family, case)] in file order."""
    found = []
    for family in FAMILIES:
        data = json.loads((directory / f"{family}.json").read_text())
        found += [(family, case) for case in data["cases"]]
    return found


def _input(case, key, dtype=None):
    value = np.asarray(case["inputs"][key], dtype=case["input_dtypes"][key])
    if dtype is not None and value.dtype.kind == "f":
        value = value.astype(dtype)
    return value


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _options(target):
    return {key: _tuples(value) for key, value in target["options"].items()}


# -- Keras ------------------------------------------------------------------------------------------
def keras_value(case, dtype="float32"):
    """The value the case asserts, computed by the installed Keras with floats in `dtype`."""
    target = case["target"]
    with rk.floatx(dtype):
        kind, name = target["kind"], target["name"]
        if kind == "loss":
            loss = getattr(keras.losses, name)(**_options(target))
            sw = case["inputs"].get("sample_weight")
            return np.asarray(loss(_input(case, "y_true", dtype), _input(case, "y_pred", dtype),
                                   sample_weight=None if sw is None else _input(case, "sample_weight", dtype)))
        if kind == "activation":
            return np.asarray(getattr(keras.activations, name)(_input(case, "x", dtype), **_options(target)))
        if kind == "metric":
            metric = getattr(keras.metrics, name)(**_options(target))
            sw = case["inputs"].get("sample_weight")
            metric.update_state(_input(case, "y_true", dtype), _input(case, "y_pred", dtype),
                                sample_weight=None if sw is None else _input(case, "sample_weight", dtype))
            return np.asarray(metric.result())
        return _keras_layer_value(case, dtype)


def _keras_layer_value(case, dtype):
    target = case["target"]
    x = _input(case, "x", dtype)
    call = dict(target.get("call") or {})
    procedure = call.pop("procedure", None)
    options = _options(target)
    data_format = options.get("data_format")
    previous = keras.config.image_data_format()
    if target["name"] == "Rescaling" and isinstance(options.get("scale"), tuple):
        keras.config.set_image_data_format("channels_first")  # as the test does around the call
    try:
        layer = getattr(keras.layers, target["name"])(**options)
        if target.get("weights"):
            layer.build(x.shape)
            layer.set_weights([np.asarray(w, dtype=dtype) for w in target["weights"]])
        if procedure == "three_training_passes":
            return _bn_three_passes(layer, x, options.get("axis", -1))
        if procedure == "frozen_then_trained":
            return _bn_frozen_then_trained(layer, x)
        if "mask" in call:
            call["mask"] = np.asarray(call["mask"])
        out = np.asarray(layer(x, **call))
        if isinstance(case["expected"], dict):  # statistics of the output (Dropout)
            return {"mean": float(np.mean(out)), "max": float(np.max(out))}
        return out
    finally:
        keras.config.set_image_data_format(previous)
        del data_format


def _normalised_statistics(out, beta, gamma, axis):
    shape = [1] * out.ndim
    shape[axis] = out.shape[axis]
    normalised = (out - np.reshape(beta, shape)) / np.reshape(gamma, shape)
    axes = tuple(i for i in range(out.ndim) if i != axis % out.ndim)
    return np.mean(normalised, axis=axes), np.std(normalised, axis=axes)


def _bn_three_passes(layer, x, axis):
    out = x
    for _ in range(3):
        out = np.asarray(layer(out, training=True))
    mean, std = _normalised_statistics(out, np.asarray(layer.beta), np.asarray(layer.gamma), axis)
    moving_mean, moving_variance = np.asarray(layer.moving_mean), np.asarray(layer.moving_variance)
    training_out = np.asarray(layer(x, training=True))
    inference_out = np.asarray(layer(x, training=False))
    return {"normalised_mean": mean, "normalised_std": std, "moving_mean": moving_mean,
            "moving_variance": moving_variance, "inference_after_training": inference_out,
            "training": training_out}


def _bn_frozen_then_trained(layer, x):
    layer.build(x.shape)
    layer.trainable = False
    frozen = np.asarray(layer(x, training=True))
    layer.trainable = True
    for _ in range(10):
        out = np.asarray(layer(x, training=True))
    mean, std = _normalised_statistics(out, np.asarray(layer.beta), np.asarray(layer.gamma), -1)
    return {"frozen": frozen, "x": x, "normalised_mean": mean, "normalised_std": std}


# -- the test's assertion -------------------------------------------------------------------------
def _expected_array(case):
    return np.asarray(case["expected"], dtype=np.float64)


def _comparable(actual, desired):
    """Shapes as NumPy's testing asserts compare them: equal, or one side a single number."""
    return actual.shape == desired.shape or actual.size == 1 or desired.size == 1


def _close(actual, desired, assertion):
    actual, desired = np.asarray(actual, dtype=np.float64), np.asarray(desired, dtype=np.float64)
    method = assertion.get("method", "assertAllClose")
    if not _comparable(actual, desired):
        return False
    if method == "assertAlmostEqual":
        return bool(np.all(np.abs(actual - desired) < 1.5 * 10.0 ** (-assertion["decimal"])))
    if method == "run_layer_test":
        return True  # the test checks the output shape only
    return bool(np.allclose(actual, desired, atol=assertion.get("atol", 1e-6), rtol=assertion.get("rtol", 1e-6),
                            equal_nan=True))


def passes(case, value):
    """Whether `value` satisfies the case's assertion, as the Keras test asserts it."""
    assertion, expected = case["assertion"], case["expected"]
    if isinstance(value, dict) and "frozen" in value:  # BatchNormalization trainable=False, then trained
        return (_close(value["frozen"], value["x"], assertion["frozen"])
                and _close(value["normalised_mean"], np.zeros_like(value["normalised_mean"]), assertion["trained"])
                and _close(value["normalised_std"], np.ones_like(value["normalised_std"]), assertion["trained"]))
    if isinstance(value, dict) and "training" in value:  # BatchNormalization after three training passes
        zeros, ones = np.zeros_like(value["moving_mean"]), np.ones_like(value["moving_mean"])
        return (all(_close(value[k], v, assertion) for k, v in (("normalised_mean", zeros), ("normalised_std", ones),
                                                                  ("moving_mean", zeros), ("moving_variance", ones)))
                and _close(value["inference_after_training"], value["training"], {"method": "assertAllClose"}))
    if isinstance(value, dict):  # Dropout statistics
        return all(_close(value[k], expected[k], assertion["statistics"][k]) for k in expected)
    return _close(value, _expected_array(case), assertion)


def error_to_expected(case, value):
    """max |value - expected| / max |expected| (absolute where the expected value is 0); None for
    the statistical cases."""
    if isinstance(value, dict):
        return None
    expected = _expected_array(case)
    value = np.asarray(value, dtype=np.float64)
    if not _comparable(value, expected):
        return float("inf")
    value, expected = np.broadcast_arrays(value, expected)
    finite = np.isfinite(expected)
    if not np.array_equal(np.isfinite(value), finite) or np.any(value[~finite] != expected[~finite]):
        return float("inf")
    diff = float(np.max(np.abs(value[finite] - expected[finite]), initial=0.0))
    scale = float(np.max(np.abs(expected[finite]), initial=0.0))
    return diff / scale if scale else diff


def precision(error):
    """What a float64 Keras run says about the golden: 'float64' (agrees to 1e-12), 'float32'
    (to 1e-6: a value printed from float32), or 'rounded' (only to the test's tolerance); a golden
    that only a float32 run meets is marked 'float32 only' by golden_rows."""
    if error is None:
        return "statistical"
    if error <= 1e-12:
        return "float64"
    if error <= 1e-6:
        return "float32"
    return "rounded"


# -- scratchnet ----------------------------------------------------------------------------------
class NotOffered(Exception):
    """scratchnet has no equivalent of this case's loss, activation, layer, metric or option."""


def scratchnet_value(case):
    """The case computed by scratchnet (float64) through the twin's own mapping (the scratchnet
    loss, activation, layer or metric that reference_keras maps the Keras one to, options
    included), or NotOffered naming what scratchnet lacks."""
    target = case["target"]
    kind, name, options = target["kind"], target["name"], _options(target)
    if kind == "loss":
        return _sn_loss(case, name, options)
    if kind == "activation":
        return _sn_activation(case, name, options)
    if kind == "metric":
        return _sn_metric(case, name, options)
    return _sn_layer(case, name, options)


def _sample_weight(case, n):
    """The case's sample_weight as one weight per sample (a scalar repeated), or None;
    NotOffered for weights per entry."""
    if case["inputs"].get("sample_weight") is None:
        return None
    w = np.asarray(_input(case, "sample_weight", np.float64), dtype=np.float64)
    if w.ndim == 0:
        return np.full(n, float(w))
    if w.shape in ((n,), (n, 1)):
        return w.reshape(n)
    raise NotOffered(f"sample_weight of shape {w.shape} (one weight per entry)")


def _sn_loss(case, name, options):
    if options.get("reduction", "sum_over_batch_size") not in rk.mapping.REDUCTION_OF:
        raise NotOffered(f"reduction={options['reduction']!r}")
    with rk.floatx("float64"):
        keras_loss = getattr(keras.losses, name)(**options)
    loss = rk.scratchnet_loss(keras_loss)
    if loss is None:
        raise NotOffered(f"loss {name}: {rk.mapping.unsupported_loss_reason(keras_loss)}")
    y_pred = np.asarray(_input(case, "y_pred"), dtype=np.float64)  # Keras casts y_pred to its dtype
    y_true = np.asarray(case["inputs"]["y_true"], dtype=case["input_dtypes"]["y_true"])
    y_true = y_true.astype(np.int64 if name == "SparseCategoricalCrossentropy" else np.float64)
    if y_pred.ndim == 1:  # Keras reads a vector as one sample's outputs... of one unit each
        y_pred, y_true = y_pred.reshape(-1, 1), y_true.reshape(-1, 1)
    if y_pred.ndim > 2:
        raise NotOffered(f"loss on {y_pred.ndim}-D outputs outside a model")
    w = _sample_weight(case, y_pred.shape[0])
    return np.asarray(loss.forward(y_pred, y_true) if w is None else loss.forward(y_pred, y_true, w))


def _sn_activation(case, name, options):
    function = getattr(keras.activations, name, None)
    if function is None:
        raise NotOffered(f"activation {name}")
    if name == "softmax" and options.get("axis", -1) != -1:
        raise NotOffered(f"softmax(axis={options['axis']})")
    options.pop("axis", None) if name == "softmax" else None
    entry, why = rk.convert._activation_entry(functools.partial(function, **options) if options else function,
                                              "float64")
    if entry is None:
        raise NotOffered(f"activation {name}" + (f"({options})" if options else "") + f": {why}")
    x = _input(case, "x", np.float64)
    if x.ndim == 0:
        return entry.forward(x.reshape(1))[0]
    return entry.forward(x)


def _sn_metric(case, name, options):
    with rk.floatx("float64"):
        spec = keras.metrics.serialize(getattr(keras.metrics, name)(**options))
    metric = rk.convert._metric(spec, weighted=True)
    if metric is None:
        raise NotOffered(f"metric {name}" + (f"({options})" if options else ""))
    y_true = np.asarray(case["inputs"]["y_true"], dtype=case["input_dtypes"]["y_true"])
    y_pred = np.asarray(_input(case, "y_pred"), dtype=np.float64)
    hits, entries = metric.count(y_pred, y_true, _sample_weight(case, y_pred.shape[0]))
    return np.asarray(metric.result(hits, entries))


def _sn_layer(case, name, options):
    x = _input(case, "x", np.float64)
    call = dict(case["target"].get("call") or {})
    if "mask" in call:
        raise NotOffered("masks")
    if name == "Dropout":
        out = sn_layers.Dropout(options["rate"], seed=options.get("seed")).forward(x, training=True)
        return {"mean": float(np.mean(out)), "max": float(np.max(out))}
    if name == "BatchNormalization":
        return _sn_batch_normalization(x, dict(options), call)
    if name == "Rescaling" and isinstance(options.get("scale"), tuple):
        raise NotOffered("Rescaling with a scale per channel under channels_first")
    convert = rk.convert.FROM_KERAS.get(getattr(keras.layers, name, None))
    if convert is None:
        raise NotOffered(f"layer {name}")
    with rk.floatx("float64"):
        layer = getattr(keras.layers, name)(**options)
        layer.build(x.shape)
        if case["target"].get("weights"):
            layer.set_weights([np.asarray(w, dtype=np.float64) for w in case["target"]["weights"]])
    try:
        converted = convert(layer)
    except rk.UnsupportedLayerError as refusal:
        raise NotOffered(f"{name}: {str(refusal).split(') ', 1)[-1]}") from None
    out = x
    for sn_layer in converted:
        out = sn_layer.forward(out, training=call.get("training", False)) if sn_layer.training_aware \
            else sn_layer.forward(out)
    return out


def _sn_batch_normalization(x, options, call):
    axis = options.pop("axis", -1)
    if axis not in (-1, x.ndim - 1):
        raise NotOffered(f"BatchNormalization(axis={axis})")
    features = x.shape[-1]
    init = {"zeros": np.zeros, "ones": np.ones}
    layer = sn_layers.BatchNormalization(
        np.ones(features), np.zeros(features), init[options.get("moving_mean_initializer", "zeros")](features),
        init[options.get("moving_variance_initializer", "ones")](features), momentum=options.get("momentum", 0.99),
        epsilon=options.get("epsilon", 1e-3))
    if call.get("procedure") == "frozen_then_trained":  # a frozen layer normalises with its moving statistics
        layer.trainable = False
        frozen = layer.forward(x, training=True).copy()
        layer.trainable = True
        for _ in range(10):
            out = layer.forward(x, training=True)
        mean, std = _normalised_statistics(out, layer.params["beta"], layer.params["gamma"], -1)
        return {"frozen": frozen, "x": x, "normalised_mean": mean, "normalised_std": std}
    out = x
    for _ in range(3):
        out = layer.forward(out, training=True)
    mean, std = _normalised_statistics(out, layer.params["beta"], layer.params["gamma"], -1)
    moving_mean, moving_variance = layer.state["moving_mean"].copy(), layer.state["moving_variance"].copy()
    training_out = layer.forward(x, training=True).copy()
    inference_out = layer.forward(x, training=False)
    return {"normalised_mean": mean, "normalised_std": std, "moving_mean": moving_mean,
            "moving_variance": moving_variance, "inference_after_training": inference_out, "training": training_out}


# -- rows and report -------------------------------------------------------------------------------
def golden_rows(cases=None):
    rows = []
    for family, case in cases or load_cases():
        row = {"family": family, "id": case["id"], "test": case["test"], "target": _describe(case["target"])}
        for dtype in ("float32", "float64"):
            try:
                value = keras_value(case, dtype)
                row[f"keras_{dtype}_passes"] = passes(case, value)
                row[f"keras_{dtype}_error"] = error_to_expected(case, value)
            except Exception as error:  # a case Keras itself refuses in this dtype is a result too
                row[f"keras_{dtype}_passes"] = False
                row[f"keras_{dtype}_error"] = f"{type(error).__name__}: {error}"
        error64 = row["keras_float64_error"]
        row["precision"] = precision(error64) if not isinstance(error64, str) else "raises"
        if row["keras_float32_passes"] and not row["keras_float64_passes"]:
            row["precision"] = "float32 only"  # the value depends on float32 arithmetic (e.g. a clip at 1 - 1e-7)
        try:
            value = scratchnet_value(case)
            row["scratchnet"] = "match" if passes(case, value) else "mismatch"
            row["scratchnet_error"] = error_to_expected(case, value)
        except NotOffered as missing:
            row["scratchnet"] = "not offered"
            row["scratchnet_detail"] = str(missing)
        except Exception as error:
            row["scratchnet"] = "raises"
            row["scratchnet_detail"] = f"{type(error).__name__}: {error}"
        rows.append(row)
    return rows


def _describe(target):
    options = ", ".join(f"{k}={v!r}" for k, v in target["options"].items())
    call = {k: v for k, v in (target.get("call") or {}).items() if k != "mask"}
    extra = f" {call}" if call else ""
    return f"{target['name']}({options}){extra}"


def record(rows, directory=GOLDENS):
    """Write each case's Keras results into its JSON file (under "keras_3_15_1")."""
    by_id = {row["id"]: row for row in rows}
    version = keras.__version__
    for family in FAMILIES:
        path = directory / f"{family}.json"
        data = json.loads(path.read_text())
        for case in data["cases"]:
            row = by_id[case["id"]]
            case["keras_reproduces"] = {
                "version": version, "float32_passes_test_assertion": row["keras_float32_passes"],
                "float64_passes_test_assertion": row["keras_float64_passes"],
                "float64_error_to_expected": row["keras_float64_error"], "golden_precision": row["precision"]}
        head = json.dumps({k: v for k, v in data.items() if k != "cases"})[:-1]
        body = ",\n".join(json.dumps(case) for case in data["cases"])
        path.write_text(head + ', "cases": [\n' + body + "\n]}\n")


def _scratchnet_detail(row):
    if "scratchnet_detail" in row:
        return row["scratchnet_detail"]
    return f"error to the golden {row.get('scratchnet_error')}"


def markdown(rows):
    lines = ["# Keras's unit-test golden values: Keras " + keras.__version__ + " and scratchnet", "",
             "| family | cases | Keras reproduces (float32, as its tests run) | float64 run passes | golden precision "
             "(float64 / float32 / rounded / float32 only / statistical) "
             "| scratchnet: match / mismatch / raises / not offered |",
             "| --- | --- | --- | --- | --- | --- |"]
    for family in (*FAMILIES, None):
        group = [r for r in rows if family is None or r["family"] == family]
        counts = collections.Counter(r["precision"] for r in group)
        sn = collections.Counter(r["scratchnet"] for r in group)
        lines.append(f"| {family or 'all'} | {len(group)} | {sum(r['keras_float32_passes'] for r in group)} | "
                     f"{sum(r['keras_float64_passes'] for r in group)} | {counts['float64']} / {counts['float32']} / "
                     f"{counts['rounded']} / {counts['float32 only']} / {counts['statistical']} | "
                     f"{sn['match']} / {sn['mismatch']} / "
                     f"{sn['raises']} / {sn['not offered']} |")
    lines += ["", "## Cases Keras itself does not reproduce (as its tests run, in float32)", ""]
    lines += [f"- {r['id']}: float32 {r['keras_float32_error']}, float64 {r['keras_float64_error']}"
              for r in rows if not r["keras_float32_passes"]] or ["none"]
    lines += ["", "## Goldens only a float32 run reproduces", ""]
    lines += [f"- {r['id']} ({r['target']}): float32 error {r['keras_float32_error']:.2g}, float64 error "
              f"{r['keras_float64_error']:.2g}" for r in rows if r["precision"] == "float32 only"] or ["none"]
    lines += ["", "## scratchnet: mismatches and refusals", ""]
    lines += [f"- **{r['scratchnet']}** {r['id']} ({r['target']}): {_scratchnet_detail(r)}"
              for r in rows if r["scratchnet"] in ("mismatch", "raises")] or ["none"]
    missing = collections.Counter(r["scratchnet_detail"] for r in rows if r["scratchnet"] == "not offered")
    lines += ["", "## What scratchnet does not offer (cases)", "", "| feature | cases |", "| --- | --- |"]
    lines += [f"| {feature} | {count} |" for feature, count in missing.most_common()]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write the Keras results into the JSON files")
    parser.add_argument("--report", help="write the Markdown report here (default: stdout)")
    args = parser.parse_args(argv)
    rows = golden_rows()
    if args.record:
        record(rows)
    text = markdown(rows)
    if args.report:
        Path(args.report).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
