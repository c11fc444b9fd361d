"""A check and its diagnosis (comparisons.core.check, comparisons.core.diagnose): the diagnosis
names the pattern of a difference in plain words, and a check carries its kind and subject."""
import numpy as np

from comparisons.core.check import KINDS, compare, scalar_check
from comparisons.core.diagnose import diagnose


def test_diagnosis_engine_names_its_patterns():
    theirs = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert diagnose(theirs * 4, theirs, batch_size=4).startswith("constant ratio 4 = batch size: missing batch mean")
    assert diagnose(-theirs, theirs).startswith("constant ratio -1: sign")
    assert "a wrong factor" in diagnose(theirs * 2.5, theirs)
    assert diagnose(theirs.T, theirs).startswith("transposed match")
    assert diagnose(np.where(theirs > 2, np.nan, theirs), theirs).startswith("NaN in 1 of 4 entries")
    assert "log(0)" in diagnose(np.array([np.inf]), np.array([2.0]))
    assert diagnose(np.zeros_like(theirs), theirs).startswith("all zeros")
    W = np.array([[0.5, 1.0], [-1.0, 2.0]])
    assert "the L2 gradient has the wrong factor" in diagnose(theirs - 0.05 * W, theirs, weights=W, weight_decay=0.1)
    assert "an L2 weight-decay term" in diagnose(theirs + 0.3 * W, theirs, weights=W)
    # Keras >= 3.14's float32(l2) against l2 = 0.01: 2 * (0.01 - float32(0.01)) x W, no factor of 1
    assert diagnose(theirs + 4.47e-10 * W, theirs, weights=W).startswith("differs from Keras by exactly 4.47e-10 x")
    assert diagnose(theirs * (1 + 3e-9), theirs).startswith("within 1e-6 of Keras's in every entry")
    assert diagnose(theirs + 1, theirs, candidates={"the known mistake": theirs + 1}) == "the known mistake"
    shaped = compare("db", theirs.sum(axis=0, keepdims=True), theirs.sum(axis=0), 1e-12)
    assert "the right values in the wrong shape" in shaped.diagnosis and not shaped.passed


def test_a_check_carries_its_kind_and_subject_into_its_json():
    check = compare("gradient W1 (Keras autodiff)", np.ones(3), np.ones(3), 1e-12, kind="gradient", subject="W1")
    assert check.passed and check.as_dict() == {"name": "gradient W1 (Keras autodiff)", "value": 0.0,
                                                "tolerance": 1e-12, "passed": True, "diagnosis": "",
                                                "kind": "gradient", "subject": "W1"}
    assert scalar_check("loss", 1.0, 2.0, 1e-12, kind="loss").diagnosis == "1.0 vs Keras 2.0"
    assert {"forward", "loss", "gradient", "numerical", "trajectory", "final"} <= KINDS.keys()
