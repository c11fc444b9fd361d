"""The mnist-cnn and fashion-mnist-regularized scenarios on a few hundred images: every check
passes (float64 at 1e-12, including mnist-cnn's float64 tier beside its float32 run), and the
book's conventions section is made. The full runs are `python -m comparisons mnist-cnn` and
`python -m comparisons fashion-mnist-regularized` (README)."""
import numpy as np
import pytest

from comparisons import cli, scenarios
from comparisons.scenarios import ARCHITECTURES, PRESETS, build_model, load_data


def _small(settings, n_train=300, n_test=200):
    (x, t), (xt, tt) = load_data(settings)
    return (x[:n_train], t[:n_train]), (xt[:n_test], tt[:n_test])


@pytest.fixture(scope="module")
def cnn_settings():
    return PRESETS["mnist-cnn"].with_options(hidden=(8,), steps_per_epoch=3, epochs=1, check_batch=6,
                                             float64_steps=2, model_options={"filters": 3})


def test_mnist_cnn_passes_both_tiers(cnn_settings):
    result = scenarios.run(cnn_settings, progress=False, data=_small(cnn_settings))
    assert result.passed, [(c.name, c.value, c.diagnosis) for c in result.failed]
    names = [c.name for c in result.checks]
    assert "forward Conv2D1" in names and "float64 tier: forward MaxPooling2D1" in names
    exact = [c for c in result.checks if c.name.startswith("float64 tier") and c.kind != "numerical"]
    assert exact and all(c.tolerance == 1e-12 and c.value <= 1e-12 for c in exact)
    assert any(c.name.startswith("float64 tier: gradient W1 (numerical") and c.kind == "numerical" and c.subject == "W1"
               for c in result.checks)
    assert [s.title for s in result.sections][1].startswith("float64 tier: 2 lockstep steps")
    assert result.data["settings"].as_dict()["architecture"] == "simple_convnet"


def test_fashion_mnist_regularized_passes_and_compares_the_books_conventions():
    settings = PRESETS["fashion-mnist-regularized"].with_options(hidden=(12, 8), steps_per_epoch=4, check_batch=20)
    data = _small(settings)
    result = scenarios.run(settings, progress=False, data=data)  # its extra: the book's conventions
    assert result.passed, [(c.name, c.value, c.diagnosis) for c in result.failed]
    assert {"forward Dropout1", "forward BatchNormalization2 (inference mode)"} <= {c.name for c in result.checks}
    books = [c for c in result.checks if c.name.startswith("book BatchNormalization as Keras's")]
    assert books and {c.kind for c in books} >= {"forward", "loss", "gradient"}
    (section,) = [s for s in result.sections if s.title.startswith("The book's BatchNormalization and Dropout")]
    assert [row[0][:25] for row in section.rows] == ["Keras's conventions (this", "the book's BatchNormaliza",
                                                      "the book's non-inverted D", "both of the book's"]
    assert section.rows[0][2] == "+0.00"
    scenario_accuracy = result.data["sides"]["scratchnet"]["test_accuracy"]
    assert float(section.rows[0][1]) == pytest.approx(scenario_accuracy, abs=5e-5)  # the same run, 4 decimals


def test_mlp_reports_keep_their_settings_and_new_architectures_add_theirs():
    assert "architecture" not in PRESETS["mnist"].as_dict() and "float64_steps" not in PRESETS["mnist"].as_dict()
    regularized = PRESETS["fashion-mnist-regularized"].as_dict()
    assert regularized["architecture"] == "regularized_mlp" and regularized["dropout"] == 0.2
    assert set(ARCHITECTURES["regularized_mlp"].options) <= regularized.keys()
    with pytest.raises(ValueError, match="filters is not an option of the mlp architecture"):
        build_model(PRESETS["mnist"].with_options(model_options={"filters": 3}), 784, 10)


def test_cli_has_the_new_scenarios(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["mnist-cnn", "--help"])
    assert exit_info.value.code == 0
    assert "the mnist-cnn scenario on both sides" in capsys.readouterr().out
    settings = cli.settings_from(cli.parser().parse_args(["fashion-mnist-regularized", "--momentum", "0.5"]),
                                 "fashion-mnist-regularized")
    assert settings.optimizer_options == {"momentum": 0.5} and np.dtype(settings.dtype) == np.float64


def test_mnist_rows_quick_form_passes_both_tiers():
    """`python -m comparisons mnist-rows --quick`: LSTM over the image rows, float32 run and
    float64 tier (forward, loss, every gradient through 28 steps, lockstep) all pass."""
    settings = cli.settings_from(cli.parser().parse_args(["mnist-rows", "--quick"]), "mnist-rows")
    assert settings.data_rows == (2000, 500) and settings.hidden == (12,)
    data = load_data(settings)
    assert data[0][0].shape == (2000, 28, 28) and data[1][0].shape == (500, 28, 28)
    result = scenarios.run(settings, progress=False, data=data)
    assert result.passed, [(c.name, c.value, c.diagnosis) for c in result.failed]
    names = [c.name for c in result.checks]
    assert "forward LSTM1" in names and "float64 tier: gradient Wh1 (Keras autodiff)" in names
    exact = [c for c in result.checks if c.name.startswith("float64 tier") and c.kind != "numerical"]
    assert exact and all(c.tolerance == 1e-12 and c.value <= 1e-12 for c in exact)
    numerical = [c for c in result.checks if c.name.startswith("float64 tier: gradient Wh1 (numerical")]
    assert numerical and numerical[0].value <= 1e-6
    assert result.data["settings"].as_dict()["data_rows"] == [2000, 500]


def test_only_scenarios_with_a_quick_form_take_quick():
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["mnist", "--quick"])
    assert exit_info.value.code == 2
    assert PRESETS["mnist-rows"].as_dict()["architecture"] == "lstm_rows"


def test_quick_form_is_the_preset_on_fewer_images_and_steps():
    from comparisons import api
    from comparisons.scenarios import QUICK
    from comparisons.scenarios.settings import CNN_QUICK_NOTE
    full, quick = PRESETS["mnist-cnn"], api.scenario_settings("mnist-cnn", quick=True)
    assert (quick.epochs, quick.data_rows, quick.learning_rate_schedule, quick.float64_steps) == (
        1, (3000, 3000), (), 10)
    assert quick.notes == [*full.notes, CNN_QUICK_NOTE] and quick.architecture == full.architecture
    assert quick.as_dict()["data_rows"] == [3000, 3000] and "data_rows" not in full.as_dict()
    assert api.scenario_settings("mnist-cnn", quick=True, epochs=2).epochs == 2  # the options win
    assert set(QUICK["mnist-cnn"]) <= set(quick.as_dict()) | {"learning_rate_schedule"}
    with pytest.raises(api.UsageError, match="xor has no quick form"):
        api.scenario_settings("xor", quick=True)


def test_quick_form_loads_the_first_rows_of_each_split():
    (x, t), (xt, tt) = load_data(PRESETS["mnist-cnn"].with_options(data_rows=(7, 7)))
    (fx, ft), (fxt, ftt) = load_data(PRESETS["mnist-cnn"])
    assert x.shape == (7, 28, 28, 1) and xt.shape == (7, 28, 28, 1)
    np.testing.assert_array_equal(x, fx[:7])
    np.testing.assert_array_equal(tt, ftt[:7])


def test_quick_option_on_the_command_line():
    args = cli.parser().parse_args(["mnist-cnn", "--quick"])
    assert cli.settings_from(args, "mnist-cnn").data_rows == (3000, 3000)
    assert cli.settings_from(cli.parser().parse_args(["mnist-cnn"]), "mnist-cnn").data_rows is None
    with pytest.raises(SystemExit) as exit_:  # xor has no quick form: a usage error
        cli.main(["xor", "--quick"])
    assert exit_.value.code == 2
