"""The Keras-model corpus (tests/corpus/keras_models) and the tool that measures from_keras on it
(tools/keras_corpus.py): every model is recorded with its source and builds in float64, the
held-out split is the recorded seeded draw, and the tool finds every blocker of a refused model
and every disagreement of a converted one."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import reference_keras as rk
from reference_keras import keras

ROOT = Path(__file__).resolve().parents[2]


def _load(relative, name):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool():
    return _load("tools/keras_corpus.py", "keras_corpus_tool")


@pytest.fixture(scope="module")
def corpus(tool):
    return tool.load_registry()


def test_every_model_names_its_source_commit_and_licence(corpus):
    assert len(corpus.MODELS) >= 60 + 20
    for name, entry in corpus.MODELS.items():
        source = entry.source
        assert entry.name == name and re.fullmatch(r"\w+", name), name
        assert source.repo and source.path and source.where and source.licence, name
        if source.repo.startswith("course text"):
            assert source.licence.startswith("not stated"), name
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", source.commit), name
            assert source.licence in ("Apache-2.0", "MIT"), name
            assert source.url.startswith(f"https://github.com/{source.repo}/blob/{source.commit}/"), name


def test_the_held_out_split_is_the_recorded_seeded_draw(corpus):
    assert corpus.HELD_OUT == corpus.draw_held_out()
    assert corpus.HELD_OUT <= set(corpus.MODELS)
    for sequence in (False, True):
        names = [n for n, e in corpus.MODELS.items() if e.sequence is sequence]
        held = [n for n in names if corpus.MODELS[n].split == "held-out"]
        assert len(held) == round(0.3 * len(names))


def test_models_build_in_float64_as_their_sources_compile_them(tool, corpus):
    """Every tenth model (each takes a fraction of a second; tools/keras_corpus.py builds them all)."""
    for name, entry in list(corpus.MODELS.items())[::10]:
        km = tool.build(entry)
        assert isinstance(km, keras.Sequential), name
        assert {w.dtype for w in km.weights if "float" in w.dtype} <= {"float64"}, name  # Normalization counts in int64
        assert km.inputs and km.output_shape[0] is None, name
        compiled = getattr(km, "optimizer", None) is not None
        assert compiled == (getattr(km, "loss", None) is not None), name
        if not compiled:
            assert "never compiled" in entry.notes or "left open" in entry.notes, name
        keras.backend.clear_session()


def test_a_converted_model_is_checked_layer_by_layer_and_in_lockstep(tool, corpus):
    row = tool.corpus_row(corpus.MODELS["course004_xor"])  # the course text's 2-8-2 XOR net
    assert row["status"] == "converted" and row["agrees"], row
    names = [c["name"] for c in row["checks"]]
    assert [n.split()[0] for n in names[:4]] == ["forward"] * 4  # one per Keras layer: Dense, Activation, ...
    assert "loss" in names and sum(n.startswith("gradient") for n in names) == 4
    assert max(c["value"] for c in row["checks"]) <= 1e-12


def test_a_disagreement_is_found_and_named(tool):
    with rk.floatx("float64"):
        keras.utils.set_random_seed(1)
        km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
        km.compile(loss="mse", optimizer="sgd")
    sn_model = rk.from_keras(km)
    sn_model.params["W2"] *= 1 + 1e-9  # a difference far above round-off, far below anything visible
    x, t = tool.make_data(km, "MeanSquaredError", 8)
    forward = tool._forward_checks(km, sn_model, x, training=False)
    assert [c.passed for c in forward] == [True, False]  # one check per Keras layer
    checks = forward + tool._gradient_checks(km, sn_model, tool.keras_loss_object(km.loss), x, t)
    assert not next(c for c in checks if c.name == "loss").passed
    cause = tool.disagreement_cause(km, sn_model, km.loss, checks)
    assert cause.startswith(f"first failing check: forward {km.layers[-1].name}: "), cause


class _Custom(keras.layers.Layer):
    def call(self, x):
        return 2 * x


def test_every_blocker_of_a_refused_model_is_named_not_only_the_first(tool):
    with rk.floatx("float64"):
        km = keras.Sequential([keras.Input((4,)), _Custom(name="custom"),
                               keras.layers.Dense(3, kernel_constraint=keras.constraints.NonNeg(), name="constrained"),
                               keras.layers.Dense(2, name="out")])
        km.compile(loss=keras.losses.KLDivergence(), optimizer="sgd")
    with pytest.raises(ValueError, match="loss .* has no scratchnet equivalent"):  # from_keras stops at the loss
        rk.from_keras(km)
    blockers = tool.model_blockers(km)
    assert ("loss KLDivergence", "compile") in blockers
    assert ("layer _Custom", "custom") in blockers
    assert ("Dense kernel_constraint", "constrained") in blockers
    assert not any(where == "out" for _, where in blockers)


def test_the_report_counts_conversions_and_families(tool):
    rows = [{"name": "a", "split": "development", "sequence": False, "status": "converted", "agrees": True,
             "loss": "MeanSquaredError", "worst": {"forward": 1e-16}, "notes": []},
            {"name": "b", "split": "held-out", "sequence": False, "status": "refused", "loss": "Huber",
             "blockers": [{"family": "loss Huber", "where": "compile"}, {"family": "layer Reshape", "where": "r"}]},
            {"name": "c", "split": "development", "sequence": True, "status": "refused", "loss": "Huber",
             "blockers": [{"family": "loss Huber", "where": "compile"}]}]
    assert tool.families(rows) == {"loss Huber": ["b", "c"], "layer Reshape": ["b"]}
    text = tool.markdown(rows)
    assert "| non-sequence, all | 2 | 1/2 (50 %) | 1/1 (100 %) |" in text
    assert "| loss Huber | 2 | 1 | b, c |" in text


def test_make_data_gives_each_loss_its_target_form(tool):
    with rk.floatx("float64"):
        km = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    labels = tool.make_data(km, "SparseCategoricalCrossentropy", 6)[1]
    one_hot = tool.make_data(km, "CategoricalCrossentropy", 6)[1]
    binary = tool.make_data(km, "BinaryCrossentropy", 6)[1]
    assert labels.shape == (6,) and labels.dtype.kind == "i" and labels.max() < 3
    assert one_hot.shape == (6, 3) and np.all(one_hot.sum(axis=1) == 1)
    assert set(np.unique(binary)) <= {0.0, 1.0} and binary.shape == (6, 3)
