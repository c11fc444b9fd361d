"""The speed benchmark runs on a tiny configuration and writes well-formed output (it is a
benchmark, so no timing is asserted), and its plain NumPy loop does the same work as scratchnet."""
import json

import numpy as np
import pytest

from comparisons import cli
from comparisons.scenarios import Settings, build_model
from comparisons.studies.speed import plain_numpy_round
from scratchnet import Trainer, optimizers


def test_speed_runs_on_a_tiny_configuration(tmp_path, capsys):
    status = cli.main(["speed", "--dtype", "float32", "float64", "--hidden", "8", "--steps", "3", "--rounds", "2",
                       "--cnn-steps", "2", "--cnn-dtype", "float32", "float64", "--out", str(tmp_path)])
    assert status == 0
    record = json.loads((tmp_path / "speed.json").read_text())
    assert record["configuration"] == {"hidden": [8], "batch": 100, "steps_per_round": 3, "rounds": 2,
                                       "optimizer": "SGD(0.01)"}
    for dtype in ("float32", "float64"):
        for name in ("scratchnet", "plain_numpy", "floor", "keras_fit", "keras_tf_function"):
            result = record["results"][dtype][name]
            assert len(result["samples_ms"]) == 2
            assert 0 < result["min_ms"] <= result["median_ms"] <= result["max_ms"]
    assert record["scratchnet_peak_rss_mib"] > 0
    assert set(record["cnn"]) == {"float32", "float64"}
    for dtype, cnn in record["cnn"].items():
        assert cnn["configuration"]["steps_per_round"] == 2 and cnn["configuration"]["optimizer"] == "Adam(0.001)"
        assert cnn["configuration"]["dtype"] == dtype
        for name in ("scratchnet", "scratchnet_1_blas_thread", "floor", "keras_fit", "keras_tf_function"):
            assert len(cnn[name]["samples_ms"]) == 2 and cnn[name]["median_ms"] > 0
        # whether one BLAS thread changes the last bits depends on the BLAS and its thread count: recorded
        assert isinstance(cnn["one_blas_thread_bit_identical"], bool)
        parts = {"Conv2D1 forward", "Conv2D1 backward", "MaxPooling2D1 backward", "Adam update"}
        assert parts <= cnn["breakdown_ms"].keys()
        assert cnn["profile_ms"].keys() == cnn["breakdown_ms"].keys()
        assert cnn["profile_ms"]["Conv2D1 forward"]["im2col/col2im"] > 0
    for dtype in ("float32", "float64"):
        assert record["results"][dtype]["profile_ms"]["SGD update"]["matrix products"] == 0
    ratios, results = record["ratios"], record["results"]  # for tools: no recomputing
    assert set(ratios) == {"float32", "float64", "both", "cnn_float32", "cnn_float64"}
    for dtype in ("float32", "float64"):
        sn = results[dtype]["scratchnet"]["median_ms"]
        assert ratios[dtype]["scratchnet_over_floor"] == sn / results[dtype]["floor"]["median_ms"]
        assert ratios[dtype]["keras_fit_over_scratchnet"] == results[dtype]["keras_fit"]["median_ms"] / sn
        assert len(ratios[dtype]) == 5
    assert ratios["both"]["scratchnet_float64_over_float32"] == (results["float64"]["scratchnet"]["median_ms"]
                                                                 / results["float32"]["scratchnet"]["median_ms"])
    for dtype, cnn in record["cnn"].items():
        sn = cnn["scratchnet"]["median_ms"]
        assert ratios[f"cnn_{dtype}"]["scratchnet_over_floor"] == sn / cnn["floor"]["median_ms"]
        assert ratios[f"cnn_{dtype}"]["scratchnet_over_scratchnet_1_blas_thread"] == (
            sn / cnn["scratchnet_1_blas_thread"]["median_ms"])
    book = record["cnn"]["float64"]["book_simple_convnet"]  # the book's own code, in its float64
    assert len(book["samples_ms"]) == 2 and "book_simple_convnet" not in record["cnn"]["float32"]
    assert ratios["cnn_float64"]["book_simple_convnet_over_scratchnet"] == (
        book["median_ms"] / record["cnn"]["float64"]["scratchnet"]["median_ms"])
    printed = capsys.readouterr().out
    for ratio in ("scratchnet / floor", "scratchnet / plain NumPy loop", "Keras fit / scratchnet",
                  "tf.function / scratchnet",
                  "scratchnet float64 / float32", "float32 CNN", "float64 CNN", "scratchnet float64 CNN step: part",
                  "book_simple_convnet", "the book's SimpleConvNet / scratchnet",
                  "scratchnet / scratchnet on 1 BLAS thread",
                  "Profile of scratchnet's float32 step", "Profile of scratchnet's float64 CNN step",
                  "whole step (share)"):
        assert ratio in printed
    markdown = (tmp_path / "speed.md").read_text()
    assert "scratchnet / floor" in markdown and "`python -m comparisons speed --dtype float32 float64" in markdown
    assert "CNN on 1 BLAS thread (scratchnet_1_blas_thread): one epoch's weights are" in markdown


def test_speed_refuses_more_steps_than_the_data_has(tmp_path):
    assert cli.main(["speed", "--batch", "100", "--steps", "601", "--out", str(tmp_path)]) == 2


def test_plain_numpy_loop_trains_exactly_like_scratchnet():
    # The benchmark's plain loop is only a fair reference if it does the same work.
    rng = np.random.default_rng(0)
    x, t = rng.random((300, 12)), rng.integers(0, 10, 300)
    model = build_model(Settings("s", None, hidden=(7, 5), dtype="float64"), 12, 10)
    plain = plain_numpy_round(model.get_weights(), x, t, 50, 0.1, seed=3)()
    Trainer(model, optimizers.SGD(0.1), x, t, batch_size=50, seed=3, evaluate=None, progress=False).fit()
    for ours, theirs in zip(model.get_weights(), plain):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_profile_splits_each_part_and_adds_up_to_the_timed_calls():
    # The profile's kinds of each part sum to that part's timed call, its matrix products are
    # seen in the layers that make them (and only there), and the model's weights are untouched.
    import scratchnet
    from comparisons.studies.speed import PROFILE_KINDS, profile, profile_rows
    rng = np.random.default_rng(0)
    model = scratchnet.simple_convnet(input_shape=(10, 10, 1), filters=3, kernel_size=3, hidden=(8,), dtype="float64")
    x, t = rng.random((40, 10, 10, 1)), rng.integers(0, 10, 40)
    before = [w.copy() for w in model.get_weights()]
    parts = profile(model, lambda: optimizers.Adam(0.001), x, t, 10, 4)
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert set(parts["Conv2D1 forward"]) == set(PROFILE_KINDS)
    for name in ("Conv2D1 forward", "Conv2D1 backward", "Affine1 forward", "Affine2 backward"):
        assert parts[name]["matrix products"] > 0, name
    assert parts["Conv2D1 forward"]["im2col/col2im"] > 0
    for name in ("MaxPooling2D1 forward", "ReLU1 forward", "Adam update"):
        assert parts[name]["matrix products"] == 0 and parts[name]["im2col/col2im"] == 0, name
    assert all(value >= 0 for part in parts.values() for value in part.values())
    rows = profile_rows(parts)
    total = sum(sum(part.values()) for part in parts.values())
    assert rows[-2][0] == "whole step (ms)" and float(rows[-2][1]) == pytest.approx(
        sum(part["matrix products"] for part in parts.values()), abs=1e-3)
    assert sum(float(cell) for cell in rows[-2][1:5]) == pytest.approx(total, abs=5e-3)
    assert isinstance(np.matmul, np.ufunc)  # restored


def test_the_optimizers_fixed_cost_is_its_update_of_one_value_weights():
    # The profile's Python share of an optimizer is its update of one-value weights under the model's
    # weight names: the model's weights stay as they were, and the Adam update of a SimpleConvNet's
    # weights is mostly element-wise work (the ~440,000 weights), not Python.
    import scratchnet
    from comparisons.studies.speed import _fixed_update_ms, profile
    model = scratchnet.simple_convnet(dtype="float64")
    before = [w.copy() for w in model.get_weights()]
    assert _fixed_update_ms(model, optimizers.Adam(0.001), 3) > 0
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    rng = np.random.default_rng(0)
    x, t = rng.random((40, 28, 28, 1)), rng.integers(0, 10, 40)
    adam = profile(model, lambda: optimizers.Adam(0.001), x, t, 20, 2)["Adam update"]
    assert adam["element-wise"] > adam["Python"] > 0
