"""The command line of the scenarios: it writes the report files and sets the exit status, takes
its choices and optimizer flags from the registries, and refuses bad usage in one line."""
import json

import pytest

from comparisons import cli
from comparisons.scenarios import build_optimizer
from scratchnet.initializers import INITIALIZERS
from scratchnet.layers import ACTIVATIONS, ReLU
from scratchnet.optimizers import OPTIMIZERS


def test_cli_writes_the_report_files_and_exits_0(tmp_path, capsys):
    status = cli.main(["xor", "--epochs", "50", "--out", str(tmp_path), "--no-progress"])
    assert status == 0
    out = capsys.readouterr().out
    assert "xor: PASSED" in out and "trajectory weights (max drift)" in out
    record = json.loads((tmp_path / "xor.json").read_text())
    assert record["scenario"] == "xor" and record["dtype"] == "float64" and record["passed"] is True
    for check in record["checks"]:
        assert set(check) >= {"name", "value", "tolerance", "passed"} and check["passed"] is True
    for side in ("scratchnet", "keras"):
        assert set(record["sides"][side]) >= {"final_loss", "train_accuracy", "test_accuracy", "seconds"}
    assert record["trajectory"]["steps"] == 50
    markdown = (tmp_path / "xor.md").read_text()
    assert markdown.startswith("# xor: passed") and "## Conventions" in markdown
    for png in ("xor_loss.png", "xor_drift.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_exits_1_when_a_check_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(ReLU, "backward", lambda self, dout: dout.copy())
    assert cli.main(["xor", "--epochs", "5", "--out", str(tmp_path), "--no-progress"]) == 1
    assert json.loads((tmp_path / "xor.json").read_text())["passed"] is False


@pytest.mark.parametrize("argv,message", [
    (["no-such-scenario"], "invalid choice: 'no-such-scenario'"),
    (["mnist", "--optimizer", "nadam"], "invalid choice: 'nadam'"),
    (["mnist", "--activation", "elu"], "invalid choice: 'elu'"),
    (["speed", "--epochs", "3"], "unrecognized arguments: --epochs 3"),
])
def test_cli_usage_errors_are_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_choices_and_optimizer_flags_come_from_the_registries(capsys):
    with pytest.raises(SystemExit):
        cli.main(["mnist", "--help"])
    text = capsys.readouterr().out
    for name in (*OPTIMIZERS, *INITIALIZERS, *ACTIVATIONS):
        assert name in text
    for name, cls in OPTIMIZERS.items():
        for option in cls.options():
            assert f"--{option.replace('_', '-')}" in text
    assert cli.main(["mnist", "--rho", "0.5", "--no-progress"]) == 2  # SGD has no rho: refused, not ignored
    assert ("rho is not an option of sgd (its options: momentum, nesterov, weight_decay, clipnorm, clipvalue, "
            "global_clipnorm)") in capsys.readouterr().err


def test_cli_exits_2_on_missing_data(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    for variable in ("SCRATCHNET_CACHE", "KERAS_HOME"):  # no source anywhere
        monkeypatch.setenv(variable, str(empty))
    monkeypatch.delenv("SCRATCHNET_DATA", raising=False)
    assert cli.main(["mnist", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "python -m scratchnet.datasets fetch mnist" in capsys.readouterr().err
    monkeypatch.setenv("SCRATCHNET_DATA", str(empty))  # an explicit folder without the data
    assert cli.main(["mnist", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "python -m scratchnet.datasets fetch mnist" in capsys.readouterr().err


def test_cli_takes_the_optimizer_options_and_adamw():
    args = cli.parser().parse_args(["mnist", "--optimizer", "adamw", "--clipnorm", "1", "--amsgrad",
                                    "--learning-rate", "0.001"])
    settings = cli.settings_from(args, "mnist")
    opt = build_optimizer(settings)
    assert type(opt).__name__ == "AdamW" and (opt.clipnorm, opt.amsgrad, opt.weight_decay) == (1.0, True, 0.004)
    shown = settings.as_dict()
    assert (shown["weight_decay"], shown["clipnorm"], shown["clipvalue"]) == (0.004, 1.0, None)  # AdamW's own default
    assert cli.settings_from(cli.parser().parse_args(["mnist"]), "mnist").as_dict()["weight_decay"] is None
    sgd = build_optimizer(cli.settings_from(cli.parser().parse_args(["mnist", "--weight-decay", "0.01",
                                                                     "--global-clipnorm", "5"]), "mnist"))
    assert (sgd.weight_decay, sgd.global_clipnorm) == (0.01, 5.0)


@pytest.mark.parametrize("argv,message", [
    (["mnist", "--clipnorm", "1", "--clipvalue", "1"], "only one of clipnorm, clipvalue and global_clipnorm"),
    (["mnist", "--optimizer", "adam", "--weight-decay", "-1"], "Adam: weight_decay must be a number >= 0"),
    (["mnist", "--optimizer", "adam", "--beta-1", "1"], "Adam: beta_1 must be in [0, 1), got 1.0"),
    (["mnist", "--amsgrad"], "amsgrad is not an option of sgd"),
])
def test_cli_refuses_bad_optimizer_options_in_one_line(argv, message, capsys):
    assert cli.main(argv + ["--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
