"""The sandbox `check FILE.py` runs a learner's file in (comparisons/harness/sandbox.py): the
proxies behave as the learner's objects do in one process (identity, writes, callbacks,
exceptions, copies, NumPy's global state handed on); hostile files (exits, hangs, crashes,
threads, atexit hooks, patched NumPy, a garbled channel, memory bombs) fail with their cause and
change neither the verdict of what they do not touch nor the checker's process; and every class
of the book-style files and of the bug zoo gets exactly the same checks, values, diagnoses,
warnings and notes as in one process."""
import copy
import inspect
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from comparisons import cli
from comparisons.harness import bugzoo, learner_file, sandbox
from comparisons.harness.book_layout import driven_uniforms
from comparisons.harness.core import check
from comparisons.harness.recognize import kind_of, seeded_global_rng

BOOK_STYLE = Path(__file__).resolve().parents[2] / "book_style"
LIMIT = 3.0  # seconds: the time limit of the hostile files' checks

AFFINE = '''
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.W.T
'''
RELU = '''
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        return np.where(self.mask, 0, x)

    def backward(self, dout):
        return np.where(self.mask, 0, dout)
'''
LEARNER = '''import numpy as np
from collections import OrderedDict
''' + AFFINE + RELU + '''

class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size):
        self.params = {"W1": np.random.randn(input_size, hidden_size), "b1": np.zeros(hidden_size),
                       "W2": np.random.randn(hidden_size, output_size), "b2": np.zeros(output_size)}
        self.layers = OrderedDict(Affine1=Affine(self.params["W1"], self.params["b1"]), Relu1=Relu(),
                                  Affine2=Affine(self.params["W2"], self.params["b2"]))

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return float(np.sum(self.predict(x) * t))

    def gradient(self, x, t):
        return {key: self.loss(x, t) * np.ones_like(value) for key, value in self.params.items()}


class SGD:
    def __init__(self, lr=0.1):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class RebindingSGD(SGD):
    def update(self, params, grads):
        for key in list(params):
            params[key] = params[key] - self.lr * grads[key]


class Writer:
    def scale(self, x, factor=2.0):
        x *= factor
        return None

    def call(self, function, *args):
        return function(*args)

    def rand(self, shape):
        return np.random.rand(*shape)

    def exp(self, x):
        return np.exp(x)

    def fail(self, kind):
        if kind == "key":
            return {}["missing"]
        if kind == "custom":
            raise MyError("own words")
        raise ValueError(f"bad {kind}")


class MyError(RuntimeError):
    pass
'''


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    path = tmp_path_factory.mktemp("learner") / "learner.py"
    path.write_text(LEARNER)
    with sandbox.LearnerProcess(path) as process:
        yield process, {cls.__name__: cls for cls, _ in process.import_file()}


# -- proxies: the learner's objects as one process would see them -----------------------------------------
def test_a_class_looks_like_the_learners(learner):
    process, classes = learner
    Affine = classes["Affine"]
    assert isinstance(Affine, type) and Affine.__name__ == "Affine" and Affine.__module__ == "__learner_file__"
    assert str(inspect.signature(Affine)) == "(W, b)"
    assert str(inspect.signature(Affine.forward)) == "(self, x)"  # as found on the class, self included
    assert kind_of(Affine) == ("affine", None) and kind_of(classes["TwoLayerNet"]) == ("network", None)
    assert str(inspect.signature(classes["SGD"])) == "(lr=0.1)"
    assert sorted(c.__name__ for c, _ in process.import_file()) == sorted(classes)


def test_arrays_dicts_and_identity_are_shared_as_in_one_process(learner):
    _, classes = learner
    net = classes["TwoLayerNet"](4, 3, 2)
    params, layers = net.params, net.layers
    assert isinstance(params, dict) and list(layers) == ["Affine1", "Relu1", "Affine2"]
    assert params["W1"] is layers["Affine1"].W and params is net.params  # the same arrays, the same dict
    params["W1"][...] = 0.0  # written here in place: the learner's layer sees it at the next call
    params["b1"][...] = 1.0
    x = np.ones((2, 4))
    assert np.array_equal(layers["Affine1"].forward(x), np.ones((2, 3)))
    params["W2"] = np.full((3, 2), 0.5)  # rebound here: the learner's dict holds the new array
    assert np.array_equal(net.params["W2"], np.full((3, 2), 0.5)) and net.params["W2"] is params["W2"]
    assert layers["Affine2"].W is not params["W2"]  # the layer kept the old one, as in one process


def test_writes_into_the_callers_arrays_and_dicts_come_back(learner):
    _, classes = learner
    x = np.arange(4.0)
    classes["Writer"]().scale(x, 3.0)
    assert np.array_equal(x, np.arange(4.0) * 3.0)
    params = {"W": np.ones(3)}
    kept = params["W"]
    classes["SGD"](0.5).update(params, {"W": np.ones(3)})
    assert params["W"] is kept and np.array_equal(kept, np.full(3, 0.5))  # in place
    classes["RebindingSGD"](0.5).update(params, {"W": np.ones(3)})
    assert params["W"] is not kept and np.array_equal(params["W"], np.zeros(3))  # rebound, as the check detects


def test_callbacks_and_exceptions(learner):
    _, classes = learner
    writer = classes["Writer"]()
    assert writer.call(lambda a, b: a + b, 2, 3) == 5
    marker = LookupError("the checker's own")

    def raises():
        raise marker
    with pytest.raises(LookupError) as info:
        writer.call(raises)
    assert info.value is marker  # the checker's exception comes back as itself
    with pytest.raises(ValueError, match="bad thing") as info:
        writer.fail("thing")
    assert type(info.value).__name__ == "ValueError" and "in fail" in info.value.learner_traceback
    with pytest.raises(KeyError) as info:
        writer.fail("key")
    assert str(info.value) == "'missing'"  # str() as the learner's reads
    with pytest.raises(RuntimeError) as info:
        writer.fail("custom")
    assert type(info.value).__name__ == "MyError" and str(info.value) == "own words"
    assert not hasattr(writer, "no_such_attribute") and getattr(writer, "nope", 7) == 7


def test_copies_keep_what_the_objects_share(learner):
    _, classes = learner
    net = classes["TwoLayerNet"](4, 3, 2)
    twin = copy.deepcopy(net)
    assert twin.params["W1"] is twin.layers["Affine1"].W and twin.params["W1"] is not net.params["W1"]
    both = copy.deepcopy([net.layers["Affine1"], net.layers["Affine1"]])  # one memo for one deepcopy
    assert both[0] is both[1]
    assert sorted(vars(net)) == ["layers", "params"]


def test_numpy_global_state_is_handed_to_the_learners_process(learner):
    _, classes = learner
    with seeded_global_rng(5):
        first = classes["TwoLayerNet"](4, 3, 2).params["W1"]
    with seeded_global_rng(5):
        second = classes["TwoLayerNet"](4, 3, 2).params["W1"]
    np.random.seed(5)
    assert np.array_equal(first, second) and np.array_equal(first, np.random.randn(4, 3))
    writer = classes["Writer"]()
    u = np.linspace(0.0, 1.0, 6).reshape(2, 3)
    with driven_uniforms(u):
        assert np.array_equal(writer.rand((2, 3)), u)  # the book's Dropout draws Keras's uniforms
    assert not np.array_equal(writer.rand((2, 3)), u)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        writer.exp(np.array([1000.0]))
    with np.errstate(over="ignore"):
        assert writer.exp(np.array([1000.0]))[0] == np.inf


# -- hostile files ---------------------------------------------------------------------------------------
def _hostile(body=AFFINE, top="", forward="", backward="", wrong=False):
    """A learner file: an Affine (with `forward`/`backward` lines run first in those methods,
    its bias left out if `wrong`), a correct Relu, and `top` run at import."""
    text = body.replace("        self.x = x\n", "        self.x = x\n" + "".join(f"        {line}\n" for line in
                                                                              forward.splitlines()))
    text = text.replace("        self.dW, self.db", "".join(f"        {line}\n" for line in backward.splitlines())
                        + "        self.dW, self.db")
    if wrong:
        text = text.replace("return x @ self.W + self.b", "return x @ self.W")
    return "import numpy as np\n" + top + "\n" + text + RELU


HOSTILE = {  # name: (source, what the report says, verdict of Affine (None: the file fails to import))
    "os._exit at import": ("import os\nos._exit(0)\n", "the file called os._exit(0) while being imported", None),
    "sys.exit at import": ("import sys\nsys.exit(0)\n", "the file called sys.exit(0) while being imported", None),
    "loop at import": ("while True:\n    pass\n", f"timed out while being imported after {LIMIT:g} s", None),
    "SIGKILL at import": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
                          "the learner's process was killed by SIGKILL while being imported", None),
    "garbled channel": ("import os\nfor fd in range(3, 40):\n    try:\n        os.write(fd, b'\\x09' + bytes(7) + "
                        "b'garbage!!')\n    except OSError:\n        pass\n",
                        "not a message while being imported", None),
    "os._exit in forward": (_hostile(forward="import os\nos._exit(0)"), "the file called os._exit(0) in forward of "
                            "Affine", False),
    "sys.exit in backward": (_hostile(backward="import sys\nsys.exit(0)"), "the file called sys.exit(0) in backward "
                             "of Affine", False),
    "loop in forward": (_hostile(forward="while True:\n    pass"), f"timed out in forward of Affine after {LIMIT:g} s",
                        False),
    "KeyboardInterrupt in forward": (_hostile(forward="raise KeyboardInterrupt"),
                                     "the file raised KeyboardInterrupt in forward of Affine", False),
    "segfault in forward": (_hostile(forward="import ctypes\nctypes.string_at(0)"),
                            "the learner's process was killed by SIGSEGV in forward of Affine", False),
    "np.max patched at import, wrong Affine": (
        _hostile(top="np.max = lambda *a, **k: 0.0\nnp.abs = lambda a, *r, **k: a * 0\nnp.allclose = "
                     "lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True", wrong=True), "forward", False),
    "np.max patched in forward, wrong Affine": (
        _hostile(forward="np.max = lambda *a, **k: 0.0\nnp.abs = lambda a, *r, **k: a * 0", wrong=True), "forward",
        False),
    "atexit hook, wrong Affine": (_hostile(top="import atexit, os\natexit.register(lambda: os._exit(0))", wrong=True),
                                  "forward", False),
    "non-daemon thread, correct Affine": (
        _hostile(top="import threading, time\nthreading.Thread(target=lambda: time.sleep(10**6)).start()"), "", True),
    "state changed everywhere, correct Affine": (
        _hostile(top="import os, sys\nnp.set_printoptions(precision=1)\nos.environ['SCRATCHNET_HOSTILE'] = '1'\n"
                     "sys.setrecursionlimit(50)\nnp.random.seed(1)\nos.chdir('/')\nnp.seterr(all='raise')",
                 forward="np.set_printoptions(threshold=3)\nos.environ['PATH'] = ''\nnp.random.seed(2)\n"
                         "os.chdir(os.path.expanduser('~'))\nsys.setrecursionlimit(10**6)"), "", True),
    "NumPy's and the wire's functions replaced, correct Affine": (
        _hostile(top="import copy, os, pickle, sys\nfor name in ('frombuffer', 'dtype', 'errstate', 'asarray', 'max', "
                     "'abs', 'array_equal'):\n    setattr(np, name, None)\nos.write = os.read = pickle.dumps = "
                     "copy.deepcopy = None\nsys.setrecursionlimit(40)"), "", True),
    "floods its output, correct Affine": (_hostile(top="print('x' * 10_000_000)", forward="print('y' * 1_000_000)"),
                                          "", True),
}


def _process_state():
    return (os.getcwd(), dict(os.environ), sys.getrecursionlimit(), np.get_printoptions(), np.geterr(),
            np.random.get_state()[1].tobytes(), {name: getattr(np, name) for name in ("max", "abs", "allclose")},
            set(sys.modules), list(sys.path))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_fails_with_its_cause_and_leaves_the_checker_alone(tmp_path, name):
    source, says, affine_passes = HOSTILE[name]
    path = tmp_path / "learner.py"
    path.write_text(source)
    before = _process_state()
    start = time.monotonic()
    report = learner_file.check_file(path, time_limit=LIMIT)
    took = time.monotonic() - start
    assert _process_state() == before  # the checker's process: untouched
    assert took < 6 * LIMIT + 30
    if affine_passes is None:
        assert not report.passed and report.checks[0].name == "import" and says in report.checks[0].diagnosis
        return
    results = {r.name: r for r in report.children}
    assert results["Relu"].passed, results["Relu"].table()  # the next class gets a fresh process if needed
    assert results["Affine"].passed is affine_passes and report.passed is affine_passes
    assert says in results["Affine"].table()


def test_cli_exits_1_naming_the_cause_for_os_exit_in_forward(tmp_path, capsys):
    path = tmp_path / "learner.py"
    path.write_text(_hostile(forward="import os\nos._exit(0)"))
    assert cli.main(["check", str(path)]) == 1  # the command's own code, in this process (Keras is loaded here)
    out = capsys.readouterr().out
    assert "diagnosis: Affine: the file called os._exit(0) in forward of Affine" in out
    assert "FAILED: Affine" in out and "== Relu (ReLU layer, float64): PASSED" in out


def test_cli_ends_within_the_time_limit_for_a_file_that_loops_at_import(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text("while True:\n    pass\n")
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "comparisons", "check", str(path), "--time-limit", "2"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and time.monotonic() - start < 60  # Keras is never imported for it
    assert f"{path}: FAILED: timed out while being imported after 2 s" in result.stdout


def test_what_the_learners_code_printed_is_shown_with_a_failure(tmp_path, capsys):
    path = tmp_path / "learner.py"
    path.write_text(_hostile(forward="print('debugging: x has shape', x.shape)", wrong=True))
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "note: the learner's code printed:\ndebugging: x has shape (5, 4)" in out


def test_a_memory_bomb_is_a_memory_error_of_the_learners_process(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text(_hostile(forward="hog = np.ones(2 * 1024**3 // 8)"))
    with sandbox.LearnerProcess(path, memory_limit=1 << 30) as process:
        Affine = process.import_file()[0][0]
        result = check(Affine)
    assert not result.passed and "forward raised MemoryError" in result.table()


# -- one run, many files ---------------------------------------------------------------------------------
def test_a_class_imported_by_several_files_is_checked_once_per_run(capsys):
    files = [BOOK_STYLE / "ch05" / "two_layer_net.py", BOOK_STYLE / "ch07" / "simple_convnet.py",
             BOOK_STYLE / "common" / "layers.py"]
    reports = list(learner_file.check_files(files))
    assert [r.name for r in reports] == ["two_layer_net", "simple_convnet", "layers"] and all(r.passed for r in reports)
    assert [r.name for r in reports[0].children] == ["TwoLayerNet"]  # common/layers.py comes later: checked there
    note = reports[0].notes[0]
    assert "not checked again: Affine: checked with" in note and "later in this run" in note
    assert [r.name for r in reports[1].children] == ["SimpleConvNet"]
    assert len(reports[2].children) == 9
    first = next(learner_file.check_files([BOOK_STYLE / "common" / "layers.py", BOOK_STYLE / "ch05"]))
    assert first.passed
    assert cli.main(["check", str(BOOK_STYLE / "common" / "layers.py"), str(BOOK_STYLE / "ch05")]) == 0
    out = capsys.readouterr().out
    assert "not checked again: Affine: PASSED with" in out and out.count("== Affine (") == 1
    assert "two_layer_net.py: 4 of 4 checked classes match Keras (float64); 0 not checked; 3 named, checked with " \
           "other files" in out


# -- the same verdicts and numbers as in one process --------------------------------------------------------
def _zoo_file(tmp_path):
    """The bug zoo's classes as a learner's file (the module's source from its first class to its
    catalogue), so that they run in a learner's process."""
    source = inspect.getsource(bugzoo)
    path = tmp_path / "zoo.py"
    path.write_text("import numpy as np\n\n\n" + source[source.index("class _Affine:"):source.index("@dataclass")])
    return path


def _as_compared(result):
    return (result.name, result.kind, result.passed, result.not_checked, result.diagnosis, result.warnings,
            result.notes,
            [(c.name, c.value, c.tolerance, c.passed, c.diagnosis, c.kind, c.subject) for c in result.checks])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_book_style_and_bug_zoo_class_checks_the_same_in_its_own_process(tmp_path, dtype):
    files = sorted(p for p in BOOK_STYLE.rglob("*.py") if p.name != "__init__.py")
    files += [_zoo_file(tmp_path)] if dtype == "float64" else []
    compared = 0
    for path in files:
        here = [_as_compared(check(cls, dtype=dtype)) for cls in learner_file.load_classes(path)]
        with sandbox.LearnerProcess(path) as process:
            there = [_as_compared(check(cls, dtype=dtype)) for cls, _ in process.import_file()]
        assert there == here, path
        compared += len(here)
    assert compared >= (38 + 32 if dtype == "float64" else 32)
