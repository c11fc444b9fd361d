"""The speed sweep: its crossover points are where the ratio of two measured curves crosses 1 (on
made-up curves with known answers), and a tiny sweep writes its tables, plots and JSON (a
benchmark: no timing is asserted, only the record's shape and its ratios' arithmetic)."""
import json
import math

import numpy as np
import pytest

from comparisons import api, cli
from comparisons.render import report as render
from comparisons.studies import sweep
from scratchnet import datasets

CROSSINGS = {
    # keras/scratchnet: 4, 2, 1/4; log ratio ln 2 at 10 and -2 ln 2 at 100 cross 0 a third of the way
    "falls behind once": ([1, 10, 100], [1, 10, 100], [4, 20, 25],
                          [{"between": [10, 100], "at": 10 ** (4 / 3), "scratchnet": "falls behind"}]),
    "moves ahead once": ([2, 8], [4, 1], [1, 4], [{"between": [2, 8], "at": 4.0, "scratchnet": "moves ahead"}]),
    "ahead everywhere": ([1, 2, 4], [1, 1, 1], [2, 3, 4], []),
    "behind everywhere": ([1, 2, 4], [2, 3, 4], [1, 1, 1], []),
}


@pytest.mark.parametrize("values, scratchnet_ms, keras_ms, expected", CROSSINGS.values(), ids=CROSSINGS.keys())
def test_crossovers_interpolate_the_ratio_on_log_log_axes(values, scratchnet_ms, keras_ms, expected):
    found = sweep.crossovers(values, scratchnet_ms, keras_ms)
    assert [{**c, "at": pytest.approx(c["at"], rel=1e-12)} for c in expected] == found


def test_crossover_text_says_ahead_or_behind_everywhere():
    points = [{"value": v, sweep.STAT: {"scratchnet": 1.0, "keras_fit": k}} for v, k in ((1, 2.0), (2, 3.0))]
    assert sweep.crossover_text(points, "keras_fit") == "ahead at every measured value"
    points[1][sweep.STAT]["keras_fit"] = 0.5
    assert sweep.crossover_text(points, "keras_fit") == (
        f"falls behind between 1 and 2 (at about {math.exp(math.log(2) * math.log(2) / math.log(4)):.3g})")


def test_images_resample_to_the_nearest_pixel():
    x = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    small, same, large = (sweep._images(x, size) for size in (14, 28, 56))
    assert small.shape == (2, 14, 14, 1) and large.shape == (2, 56, 56, 1)
    np.testing.assert_array_equal(same[..., 0], x.reshape(2, 28, 28))
    np.testing.assert_array_equal(small[..., 0], x.reshape(2, 28, 28)[:, ::2, ::2])
    np.testing.assert_array_equal(large[..., 0], x.reshape(2, 28, 28).repeat(2, axis=1).repeat(2, axis=2))


def test_a_tiny_sweep_writes_tables_plots_and_json(tmp_path):
    data = datasets.load("mnist", dtype=np.float32)
    report = sweep.run(data, rounds=1, axes={"mlp_depth": (1, 2), "cnn_image": (14,)})
    render.write(report, tmp_path)
    record = json.loads((tmp_path / "sweep.json").read_text())
    assert [p["value"] for p in record["points"]["mlp_depth"]] == [1, 2]
    for points in record["points"].values():
        for p in points:
            assert set(p["median_ms"]) == set(p["min_ms"]) == set(sweep.CONTENDERS)
            assert all(0 < p["min_ms"][name] <= p["median_ms"][name] for name in sweep.CONTENDERS)
            assert sweep.MIN_STEPS <= p["steps_per_round"] <= sweep.MAX_STEPS
    assert set(record["crossovers"]["mlp_depth"]) == set(sweep.KERAS)
    assert record["configuration"]["axes"]["cnn_image"]["varies"] == "image size (pixels a side)"
    for axis in ("mlp_depth", "cnn_image"):
        assert (tmp_path / f"sweep_{axis}.png").stat().st_size > 10_000
    markdown = (tmp_path / "sweep.md").read_text()
    assert "Crossover points" in markdown and "![sweep_mlp_depth.png](sweep_mlp_depth.png)" in markdown
    depth = report.sections[0]
    first = record["points"]["mlp_depth"][0][sweep.STAT]
    assert depth.rows[0][5] == f"{first['scratchnet'] / first['floor']:.2f}"


@pytest.mark.parametrize("call, message", [
    (lambda: api.speed(sweep=["mlp_colour"]), "--sweep: unknown axis mlp_colour; the axes: mlp_batch"),
    (lambda: api.speed(sweep=[], steps=3), "speed(sweep=...) takes rounds only, not steps"),
])
def test_sweep_refuses_unknown_axes_and_options(call, message):
    with pytest.raises(api.UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call()


def test_sweep_cli_usage_error_exits_2(capsys):
    assert cli.main(["speed", "--sweep", "mlp_colour"]) == 2
    assert "unknown axis mlp_colour" in capsys.readouterr().err
