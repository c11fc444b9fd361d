"""Importing reference_keras must not write into the home directory, and must leave the
environment as it found it (scratchnet.datasets reads $KERAS_HOME as a data source).

Each case runs in a fresh interpreter with a temporary HOME and without the variables that
tests/conftest.py sets for this process.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLEARED = ("KERAS_HOME", "MPLCONFIGDIR", "MPLBACKEND", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "SCRATCHNET_CACHE",
           "SCRATCHNET_DATA", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND")

CHILD = r"""
import json, os, sys
before = {key: os.environ.get(key) for key in ("KERAS_HOME", "MPLCONFIGDIR")}
import numpy as np
import reference_keras as rk
import scratchnet
from scratchnet.datasets import keras_dir
from keras.src.backend.config import keras_home
model = scratchnet.mlp([3, 4, 2], seed=0, weight_init="he_normal", dtype=np.float64)
keras_model = rk.to_keras(model)
loss, grads = rk.loss_and_gradients(keras_model, None, np.ones((2, 3)), np.array([0, 1]))
json.dump({"before": before, "after": {key: os.environ.get(key) for key in before},
           "keras_home": keras_home(), "keras_dir": str(keras_dir()), "loss": loss,
           "matplotlib_config": __import__("matplotlib").get_configdir()}, sys.stdout)
"""


def run_child(tmp_path, **env_overrides):
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), **env_overrides)
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "oneDNN" not in result.stderr  # the start-up notice is silenced
    return home, json.loads(result.stdout)


def test_import_writes_nothing_into_home_and_restores_the_environment(tmp_path):
    cache = tmp_path / "xdg-cache"
    home, report = run_child(tmp_path, XDG_CACHE_HOME=str(cache))
    assert list(home.iterdir()) == []  # no .keras, .config/matplotlib, .cache/matplotlib
    assert report["before"] == report["after"] == {"KERAS_HOME": None, "MPLCONFIGDIR": None}
    assert report["keras_home"] == str(cache / "scratchnet" / "keras")
    assert (cache / "scratchnet" / "keras" / "keras.json").is_file()
    assert report["matplotlib_config"] == str(cache / "scratchnet" / "matplotlib")
    assert report["keras_dir"] == str(home / ".keras" / "datasets")  # datasets still sees the user's ~/.keras
    assert report["loss"] > 0


def test_default_project_cache_is_under_dot_cache_not_dot_keras(tmp_path):
    home, report = run_child(tmp_path)
    assert not (home / ".keras").exists()
    assert not (home / ".config" / "matplotlib").exists() and not (home / ".cache" / "matplotlib").exists()
    assert (home / ".cache" / "scratchnet" / "keras" / "keras.json").is_file()
    assert report["after"] == {"KERAS_HOME": None, "MPLCONFIGDIR": None}


def test_a_users_keras_home_is_respected(tmp_path):
    mine = tmp_path / "my-keras"
    home, report = run_child(tmp_path, KERAS_HOME=str(mine), MPLCONFIGDIR=str(tmp_path / "mpl"))
    assert report["before"] == report["after"] == {"KERAS_HOME": str(mine), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    assert report["keras_home"] == str(mine) and (mine / "keras.json").is_file()
    assert json.loads((mine / "keras.json").read_text())["backend"] == "tensorflow"
    assert list(home.iterdir()) == []


def test_another_keras_backend_is_refused(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), KERAS_BACKEND="jax")
    result = subprocess.run([sys.executable, "-c", "import reference_keras"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "KERAS_BACKEND='jax'" in result.stderr
