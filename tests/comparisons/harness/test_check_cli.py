"""`python -m comparisons check FILE.py`: a file of correct book-style classes exits 0, the same
file with one mistake exits 1 with a diagnosis that names the class, and a file that does not
import exits 2. The files are the book-style transcriptions in tests/book_style."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from comparisons import cli

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"


def test_correct_book_style_layers_exit_0(capsys):
    assert cli.main(["check", str(BOOK_STYLE / "common" / "layers.py")]) == 0
    out = capsys.readouterr().out
    for name in ("Affine", "Relu", "Sigmoid", "Tanh", "SoftmaxWithLoss", "Dropout", "BatchNormalization",
                 "Convolution", "Pooling"):
        assert f"== {name} (" in out and f"{name} (" in out
    assert "9 of 9 checked classes match Keras (float64); 0 not checked" in out


def test_a_class_it_cannot_map_is_listed_and_exits_3(tmp_path, capsys):
    learner = tmp_path / "common"
    shutil.copytree(BOOK_STYLE / "common", learner)
    layers = learner / "layers.py"
    layers.write_text(layers.read_text() + "\n\nclass AveragePooling:\n    def forward(self, x):\n        return x\n\n"
                      "    def backward(self, dout):\n        return dout\n")
    assert cli.main(["check", str(layers)]) == 3  # nothing failed, but a bug could hide in AveragePooling
    captured = capsys.readouterr()
    assert "== AveragePooling: not checked: a layer (forward/backward) whose name is not one the checker maps" in \
        captured.out
    assert "9 of 9 checked classes match Keras (float64); 1 not checked (1 could hide a bug: AveragePooling)" in \
        captured.out
    assert "check: exit 3: nothing failed, but not checked (see why above), and a bug could hide there: " \
           "AveragePooling" in captured.err


def test_one_mistake_exits_1_and_the_diagnosis_names_the_class(tmp_path, capsys):
    learner = tmp_path / "common"
    shutil.copytree(BOOK_STYLE / "common", learner)
    layers = learner / "layers.py"
    text = layers.read_text()
    correct = "return (self.y - self.t) / batch_size"
    assert text.count(correct) == 1
    layers.write_text(text.replace(correct, "return self.y - self.t"))
    assert cli.main(["check", str(layers), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "diagnosis: SoftmaxWithLoss: dx (one-hot t, moderate logits): constant ratio 5 = batch size: " \
           "missing batch mean (divide by N)" in out
    assert "FAILED: SoftmaxWithLoss" in out and "== Affine (affine layer, float64): PASSED" in out
    page = (tmp_path / "out" / "layers.md").read_text()
    assert page.startswith("# layers.py against Keras") and "missing batch mean" in page


def test_the_book_network_file_passes_from_anywhere_in_float32(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the file finds common/ from its own folder, as the book's does
    assert cli.main(["check", str(BOOK_STYLE / "ch05" / "two_layer_net.py"), "--dtype", "float32"]) == 0
    assert "== TwoLayerNet (network, float32): PASSED 8/8 checks ==" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())  # nothing written without --out


def test_a_file_that_does_not_import_exits_2_with_one_line(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text("import numpy\nimport no_such_module\n")
    result = subprocess.run([sys.executable, "-m", "comparisons", "check", str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"python -m comparisons: error: {path} does not import: ModuleNotFoundError: "
                             f"No module named 'no_such_module'\n")


@pytest.mark.parametrize("source,message", [
    ("def broken(:\n", "does not import: SyntaxError"),
    ("raise ValueError('half-typed')\n", "does not import: ValueError: half-typed"),
    ("x = 1\n", "defines no classes to check"),
])
def test_files_that_give_nothing_to_check_exit_2(tmp_path, capsys, source, message):
    path = tmp_path / "learner.py"
    path.write_text(source)
    assert cli.main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_usage_errors_exit_2(capsys):
    assert cli.main(["check", "/no/such/file.py"]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["check", "x.py", "--dtype", "float16"])
    assert info.value.code == 2
