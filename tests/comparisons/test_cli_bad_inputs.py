"""The command line's usage errors: one line on stderr and exit status 2, before any work."""
import pytest

from comparisons import cli


CLI_CASES = {
    "negative learning rate": (["mnist", "--learning-rate", "-1"], "--learning-rate/--lr: expected a finite positive number"),
    "nan learning rate": (["mnist", "--lr", "nan"], "expected a finite positive number, got 'nan'"),
    "momentum above 1": (["mnist", "--momentum", "2"], "SGD: momentum must be in [0, 1], got 2.0"),
    "nan momentum": (["mnist", "--momentum", "nan"], "--momentum: expected a finite number, got 'nan'"),
    "inf epsilon": (["mnist", "--optimizer", "adam", "--epsilon", "inf"], "--epsilon: expected a finite number"),
    "hidden 0": (["mnist", "--hidden", "0"], "--hidden: expected an integer >= 1, got 0"),
    "hidden negative": (["mnist", "--hidden", "-5"], "--hidden: expected an integer >= 1, got -5"),
    "hidden absurd": (["mnist", "--hidden", "1000000000"], "GiB to build (the weights in float64, their gradients"),
    "hidden not a number": (["mnist", "--hidden", "many"], "--hidden: expected an integer >= 1, got 'many'"),
    "seed negative": (["mnist", "--seed", "-1"], "--seed: expected an integer >= 0, got -1"),
    "seed 2**64": (["matrix", "--seed", str(2**64)], f"--seed: expected an integer in [0, 2**32 - 1 = 4294967295], "
                                                     f"got {2**64}"),
    "seed 2**32": (["xor", "--seed", str(2**32)], "--seed: expected an integer in [0, 2**32 - 1"),
    "empty out": (["xor", "--out", ""], "--out: an empty folder name (give a folder, e.g. --out reports)"),
    "steps_per_epoch negative": (["mnist", "--steps-per-epoch", "-1"], "--steps-per-epoch: expected an integer >= 1"),
    "epochs 0": (["xor", "--epochs", "0"], "--epochs: expected an integer >= 1, got 0"),
    "batch size 0": (["xor", "--batch-size", "0"], "--batch-size: expected an integer >= 1, got 0"),
    "init std 0": (["mnist", "--init-std", "0"], "--init-std: expected a finite positive number"),
    "option of another optimizer": (["mnist", "--rho", "0.5"], "rho is not an option of sgd"),
    "unknown optimizer": (["mnist", "--optimizer", "nadam"], "invalid choice: 'nadam'"),
    "unknown scenario": (["cifar"], "invalid choice: 'cifar'"),
    "no command": ([], "the following arguments are required: COMMAND"),
    "speed steps negative": (["speed", "--steps", "-5"], "--steps: expected an integer >= 1, got -5"),
    "speed rounds 0": (["speed", "--rounds", "0"], "--rounds: expected an integer >= 1, got 0"),
    "speed batch 0": (["speed", "--batch", "0"], "--batch: expected an integer >= 1, got 0"),
    "speed hidden 0": (["speed", "--hidden", "0"], "--hidden: expected an integer >= 1, got 0"),
    "speed too many steps": (["speed", "--batch", "100", "--steps", "601"], "--batch * --steps must be at most 60000"),
    "out is a file": (["xor", "--out", "{file}"], "is a file, not a folder"),
    "out under a file": (["all", "--out", "{file}/reports"], "is a file, not a folder"),
}


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_usage_errors_exit_2_with_one_line_before_any_work(case, tmp_path, capsys):
    argv, fragment = CLI_CASES[case]
    (tmp_path / "file").write_text("not a folder")
    argv = [arg.replace("{file}", str(tmp_path / "file")) for arg in argv]
    try:
        code = cli.main([*argv, "--no-progress"] if argv and argv[0] not in ("speed",) else argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2
    assert fragment in captured.err and captured.err.count("\n") == 1, captured.err
    assert "==" not in captured.out  # no scenario started


def test_the_table_holds_at_least_20_cases():
    assert len(CLI_CASES) >= 20
