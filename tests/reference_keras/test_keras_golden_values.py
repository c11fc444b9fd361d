"""Keras's unit-test golden values (tests/corpus/keras_goldens) and their runner
(tools/keras_goldens.py): every case cites the Keras test it comes from, Keras 3.15.1 reproduces
every one as its tests run (recorded), and the runner's assertions are the tests' own."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"id", "keras_file", "test", "commit", "tag", "target", "inputs", "input_dtypes", "expected",
          "expected_from", "assertion", "keras_reproduces"}


@pytest.fixture(scope="module")
def goldens():
    spec = importlib.util.spec_from_file_location("keras_goldens_tool", ROOT / "tools" / "keras_goldens.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cases(goldens):
    return goldens.load_cases()


def test_every_case_cites_its_keras_test_and_reproduces_in_keras(cases):
    assert {family for family, _ in cases} == {"losses", "activations", "layers", "metrics"}
    assert len({case["id"] for _, case in cases}) == len(cases) >= 200
    for family, case in cases:
        assert FIELDS <= set(case), case["id"]
        assert case["tag"] == "v3.15.1" and case["commit"] == "250b42181ce9f37df68319d8f4753ec89a349a43"
        assert re.fullmatch(r"keras/src/\S+_test\.py", case["keras_file"]), case["id"]
        assert case["target"]["kind"] == {"losses": "loss", "activations": "activation", "layers": "layer",
                                          "metrics": "metric"}[family]
        assert case["assertion"].get("method", "statistics") in (
            "assertAlmostEqual", "assertAllClose", "run_layer_test", "statistics"), case["id"]
        assert set(case["inputs"]) == set(case["input_dtypes"])
        recorded = case["keras_reproduces"]
        assert recorded["version"] == "3.15.1" and recorded["float32_passes_test_assertion"], case["id"]


def _case(cases, case_id):
    return next(case for _, case in cases if case["id"] == case_id)


def test_keras_reproduces_literal_goldens_under_the_tests_assertions(goldens, cases):
    mse = _case(cases, "losses:MeanSquaredErrorTest.test_unweighted")
    assert mse["expected"] == 49.5 and mse["assertion"] == {"method": "assertAlmostEqual", "decimal": 3}
    assert float(goldens.keras_value(mse, "float64")) == 49.5
    relu = _case(cases, "activations:ActivationsTest.test_relu_combined_all_parameters")
    assert relu["target"]["options"] == {"negative_slope": 0.5, "max_value": 5.0, "threshold": 5.0}
    assert goldens.passes(relu, goldens.keras_value(relu, "float32"))
    assert not goldens.passes(relu, np.asarray(relu["expected"]) + 1e-3)  # assertAllClose's rtol 1e-5


def test_a_golden_printed_from_float32_is_only_met_in_float32(goldens, cases):
    """Keras clips probabilities to [1e-7, 1 - 1e-7]; float32 rounds 1 - 1e-7 to 1 - 1.19e-7, so
    the binary cross-entropy of a probability of exactly 0 or 1 differs by ~1 % in float64."""
    case = _case(cases, "losses:BinaryCrossentropyTest.test_unweighted#probabilities 0 and 1")
    assert case["expected"] == 3.98559
    assert goldens.passes(case, goldens.keras_value(case, "float32"))
    float64 = goldens.keras_value(case, "float64")
    assert not goldens.passes(case, float64)
    assert goldens.precision(goldens.error_to_expected(case, float64)) == "rounded"
    assert case["keras_reproduces"]["golden_precision"] == "float32 only"


def test_the_runner_keeps_the_tests_tolerances(goldens):
    almost = {"expected": 1.0, "assertion": {"method": "assertAlmostEqual", "decimal": 3}}
    assert goldens.passes(almost, np.float64(1.0014)) and not goldens.passes(almost, np.float64(1.0016))
    close = {"expected": [1.0, 2.0], "assertion": {"method": "assertAllClose", "atol": 1e-6, "rtol": 1e-6}}
    assert goldens.passes(close, np.array([1.0, 2.0 + 1e-6])) and not goldens.passes(close, np.array([1.0, 2.001]))
    assert goldens.passes({"expected": [1.0, 1.0], "assertion": close["assertion"]}, np.float64(1.0))  # a scalar


def test_scratchnet_side_says_what_it_does_not_offer(goldens):
    case = {"target": {"kind": "activation", "name": "sparsemax", "options": {}}, "inputs": {"x": [1.0]},
            "input_dtypes": {"x": "float64"}}
    with pytest.raises(goldens.NotOffered, match="activation sparsemax"):
        goldens.scratchnet_value(case)
    relu = {"target": {"kind": "activation", "name": "relu", "options": {}}, "inputs": {"x": [[-1.0, 0.0, 2.0]]},
            "input_dtypes": {"x": "float64"}, "expected": [[0.0, 0.0, 2.0]],
            "assertion": {"method": "assertAllClose", "atol": 1e-6, "rtol": 1e-6}}
    assert goldens.passes(relu, goldens.scratchnet_value(relu))


# -- scratchnet reproduces every golden of what it offers ---------------------------------------------
def _load_tool():
    spec = importlib.util.spec_from_file_location("keras_goldens_tool_cases", ROOT / "tools" / "keras_goldens.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TOOL = _load_tool()
ALL_CASES = [case for _, case in _TOOL.load_cases()]
# What scratchnet does not offer, by the start of NotOffered's message: features, not cases.
NOT_OFFERED = ("BatchNormalization(axis=1)", "reduction=None", "reduction='mean_with_sample",
               "loss on 3-D outputs outside a model", "masks", "sample_weight of shape", "metric Accuracy",
               "Rescaling with a scale per channel under channels_first")
NOT_OFFERED_OPTIONS = ("uses data_format='channels_first'", "has keepdims=True", "normalises axis 1")


@pytest.mark.parametrize("case", ALL_CASES, ids=[case["id"] for case in ALL_CASES])
def test_scratchnet_reproduces_the_keras_golden(case):
    """Each golden value of keras/src/.../*_test.py (the case's keras_file, at v3.15.1) under the
    test's own assertion, computed by the scratchnet equivalent the twin maps the Keras loss,
    activation, layer or metric to. A golden printed from a float32 run that float64 cannot meet
    (Keras's clip at 1 - 1e-7 rounds in float32) is met by scratchnet exactly as by Keras in
    float64; a feature scratchnet does not offer is named."""
    where = f"{case['keras_file']}::{case['test']}"
    try:
        value = _TOOL.scratchnet_value(case)
    except _TOOL.NotOffered as missing:
        reason = str(missing)
        assert reason.startswith(NOT_OFFERED) or any(option in reason for option in NOT_OFFERED_OPTIONS), reason
        return
    except ValueError as refusal:  # a prediction (1, 2, 3) against labels (2, 1): Keras reshapes, scratchnet refuses
        assert case["id"] == "accuracy_metrics:SparseCategoricalAccuracyTest.test_reshape_matches", refusal
        assert "expected 1 labels, got targets of shape (2, 1)" in str(refusal)
        return
    if case["keras_reproduces"]["golden_precision"] == "float32 only":
        np.testing.assert_allclose(value, _TOOL.keras_value(case, "float64"), rtol=1e-12, err_msg=where)
        return
    assert _TOOL.passes(case, value), f"{where}: {value!r} against {case['expected']!r}"


def test_scratchnet_offers_most_of_what_keras_tests():
    offered = 0
    for case in ALL_CASES:
        try:
            _TOOL.scratchnet_value(case)
            offered += 1
        except (_TOOL.NotOffered, ValueError):
            pass
    assert offered >= 175, offered  # of 232; the rest: ZeroPadding2D, channels_first, keepdims, masks, ...
