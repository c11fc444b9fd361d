"""comparisons.core.environment: the versions every report records (Python, NumPy and its BLAS, Keras,
TensorFlow and its distribution, the twin's L2 equation), gathered without importing Keras, and
written into each report's JSON and the header line of its Markdown and terminal output."""
import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import threadpoolctl

import reference_keras
from comparisons import render
from comparisons.core.environment import environment, environment_line
from comparisons.core.result import Report
from reference_keras import keras, tf

REPO = Path(__file__).resolve().parents[3]


def test_the_environment_is_what_runs_here():
    env = environment()
    assert env["python"] == platform.python_version() and env["numpy"] == np.__version__
    assert env["keras"] == keras.__version__ and env["tensorflow"] == tf.__version__
    assert env["tensorflow_distributions"] == sorted(reference_keras._environment.installed_distributions())
    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    assert [(b["library"], b["version"]) for b in env["blas"]] == [(b["internal_api"], b["version"]) for b in blas]
    rounds = reference_keras.keras_l2_rounds_through_float32()
    assert env["twin"] == {"l2": reference_keras._environment.L2_EQUATIONS[rounds], "l2_emulated": False}
    line = environment_line(env)
    assert line.startswith(f"Python {platform.python_version()}, NumPy {np.__version__} with ")
    assert f"Keras {keras.__version__}, TensorFlow {tf.__version__} (" in line and "; the twin's L2: " in line


def test_every_report_records_it_in_its_json_markdown_and_terminal_header():
    report = Report("demo", dtype="float64")
    assert json.loads(render.report.json_text(report))["environment"] == json.loads(json.dumps(environment()))
    assert f"\n\nEnvironment: {environment_line(environment())}.\n" in render.markdown(report)
    assert render.terminal_text(report, environment=True).splitlines()[0] == \
        f"environment: {environment_line(environment())}"
    assert "environment" not in render.terminal_text(report)  # a check's table in a pytest failure stays short
    with reference_keras.twin_l2_equation(not reference_keras.keras_l2_rounds_through_float32()):
        assert Report("emulated").environment["twin"]["l2_emulated"] is True


def test_it_is_gathered_without_importing_keras(tmp_path):
    code = """
        import json, sys
        from comparisons.core.environment import environment
        print(json.dumps(environment()), "keras" in sys.modules, "tensorflow" in sys.modules)
    """
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_HOME", "MPLCONFIGDIR")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    record, keras_loaded, tf_loaded = result.stdout.rsplit(" ", 2)
    record = json.loads(record)
    assert (keras_loaded, tf_loaded.strip()) == ("False", "False")
    assert record["keras"] == keras.__version__ and record["tensorflow"] == tf.__version__  # the installed ones
    assert "twin" not in record  # the twin's equations are known once reference_keras is loaded
