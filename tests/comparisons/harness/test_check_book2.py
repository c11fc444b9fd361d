"""The second volume of deep-learning-from-scratch in `check` (comparisons/harness/book2.py): the
book's own common/time_layers.py, common/layers.py, common/optimizer.py and ch06/rnnlm.py (the
corpus copy, MIT), as written (float32 casts: the float32 tier) and as a float64 transcription
(the casts taken out: round-off, 1e-12), and single-point mistakes in them flagged with their
cause."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from comparisons.harness import book2
from comparisons.harness.core import check, check_clip_grads
from comparisons.harness.learner_file import load_classes

BOOK = Path(__file__).resolve().parents[2] / "corpus" / "learners" / "oreilly-japan__deep-learning-from-scratch-2"
FLOAT32_CASTS = ((", dtype='f'", ""), (".astype('f')", ""), ("flg.astype(np.float32)", "flg.astype(float)"))


def _book_copy(tmp_path, float64=True, mutation=None, mutated="common/time_layers.py"):
    """A copy of the book's common/ and ch06/ under tmp_path; float64: the float32 casts taken out
    of time_layers.py and rnnlm.py; mutation (old, new): its first occurrence in `mutated` replaced."""
    root = tmp_path / "book"
    for folder in ("common", "ch06"):
        shutil.copytree(BOOK / folder, root / folder)
    for name in ("common/time_layers.py", "ch06/rnnlm.py", "common/layers.py"):
        path = root / name
        text = path.read_text()
        if float64 and name != "common/layers.py":
            for old, new in FLOAT32_CASTS:
                text = text.replace(old, new)
        if mutation and name == mutated:
            assert mutation[0] in text
            text = text.replace(*mutation, 1)
        path.write_text(text)
    return root


def _classes(path):
    return {cls.__name__: cls for cls in load_classes(path)}


BOOK2_CLASSES = ("RNN", "TimeRNN", "LSTM", "TimeLSTM", "GRU", "TimeGRU", "TimeEmbedding", "TimeAffine",
                 "TimeSoftmaxWithLoss", "TimeDropout")


@pytest.fixture(scope="module")
def float64_book(tmp_path_factory):
    root = _book_copy(tmp_path_factory.mktemp("f64"))
    return _classes(root / "common" / "time_layers.py"), _classes(root / "ch06" / "rnnlm.py")


@pytest.mark.parametrize("name", BOOK2_CLASSES)
def test_the_float64_transcription_of_time_layers_agrees_with_keras_at_round_off(float64_book, name):
    result = check(float64_book[0][name])
    assert result.passed, result.table()
    assert book2.FLOAT32_NOTE not in result.notes
    assert max(c.value for c in result.checks) <= 1e-12
    assert len(result.checks) >= {"TimeRNN": 18, "TimeLSTM": 18, "TimeGRU": 15}.get(name, 2)


def test_the_float64_rnnlm_agrees_with_keras_in_loss_and_every_gradient(float64_book):
    result = check(float64_book[1]["Rnnlm"])
    assert result.passed, result.table()
    assert [c.subject for c in result.checks] == ["loss", "W", "Wx", "Wh", "b", "W", "b"]
    assert max(c.value for c in result.checks) <= 1e-12


@pytest.mark.parametrize("file, names", [("common/time_layers.py", BOOK2_CLASSES + ("Affine", "Embedding")),
                                         ("common/layers.py", ("Affine", "Embedding", "SoftmaxWithLoss")),
                                         ("common/optimizer.py", ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam")),
                                         ("ch06/rnnlm.py", ("Rnnlm",))])
def test_the_book_as_written_passes_and_float32_code_is_compared_at_the_float32_tier(file, names):
    classes = _classes(BOOK / file)
    for name in names:
        result = check(classes[name])
        assert result.passed, result.table()
        casts = any(c.tolerance > 1e-12 for c in result.checks if c.kind != "loss")
        assert casts == (book2.FLOAT32_NOTE in result.notes), name
        if file == "common/optimizer.py":
            assert any(note.startswith(book2.LIST_NOTE) for note in result.notes)


# (class, the mistake (old -> new, first occurrence in the file), words its diagnosis must hold[, the file])
MISTAKES = [
    ("TimeRNN", ("grads[i] += grad", "grads[i] = grad"), "gradients not summed over time steps: only the first"),
    ("TimeRNN", ("layer.backward(dhs[:, t, :] + dh)", "layer.backward(dhs[:, t, :])"), "dh not carried back"),
    ("TimeLSTM", ("f = A[:, :H]\n        g = A[:, H:2*H]", "g = A[:, :H]\n        f = A[:, H:2*H]"),
     "gate slices in the wrong order: the blocks of Wx, Wh and b were read as (g (candidate), f (forget)"),
    ("TimeRNN", ("if not self.stateful or self.h is None:", "if self.h is None:"),
     "a stateful layer not reset between sequences"),
    ("TimeRNN", ("if not self.stateful or self.h is None:", "if True:"), "the state of the first one"),
    ("Embedding", ("np.add.at(dW, self.idx, dout)", "dW[self.idx] = dout"), "np.add.at", "common/layers.py"),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m[2][:30] for m in MISTAKES])
def test_single_point_mistakes_are_flagged_with_their_cause(tmp_path, mistake):
    name, mutation, cause, file = (*mistake, "common/time_layers.py")[:4]
    root = _book_copy(tmp_path, mutation=mutation, mutated=file)
    result = check(_classes(root / file)[name])
    assert not result.passed
    assert any(cause in line for line in result.diagnosis), result.diagnosis


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_the_numpy_bptt_of_the_book_and_keras_agree_through_the_translated_layouts(kind):
    rng = np.random.default_rng(3)
    g = book2.GATES[kind]
    Wx, Wh, b = rng.normal(size=(4, g * 6)) * .5, rng.normal(size=(6, g * 6)) * .5, rng.normal(size=g * 6) * .5
    xs, h0, c0, dhs = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 6)), rng.normal(size=(3, 6)), \
        rng.normal(size=(3, 5, 6))
    state = [h0, c0] if kind == "lstm" else [h0]
    hs, _, dxs, dstate, dweights = book2.keras_recurrent(kind, Wx, Wh, b, xs, state,
                                                         [dhs] + [np.zeros((3, 6))] * len(state))
    ours = book2.bptt(kind, xs, h0, c0 if kind == "lstm" else None, Wx, Wh, b, dhs)
    assert np.max(np.abs(hs - ours[0])) < 1e-14 and np.max(np.abs(dxs - ours[3])) < 1e-14
    assert np.max(np.abs(dstate[0] - ours[4])) < 1e-14
    for k in range(3):
        assert np.max(np.abs(dweights[k] - sum(step[k] for step in ours[5]))) < 1e-13


@pytest.fixture(scope="module")
def effects():
    return book2.convention_effects(seed=0)


# (convention, low, high): what a check that did not adapt would see; the seeded problem's values
@pytest.mark.parametrize("name, low, high", [
    ("lstm_untranslated_gates", 0.5, 3.0),  # the book's (f, g, i, o) blocks read as Keras's (i, f, c, o): O(1)
    ("gru_untranslated_gates", 0.5, 3.0),  # the book's z mixes h the other way round: O(1)
    ("lstm_float32_forward", 1e-8, 1e-6),  # the second volume's float32 casts: float32 round-off
    ("lstm_float32_dWx", 1e-8, 1e-6),
    ("gru_float32_forward", 1e-8, 1e-6),
    ("gru_float32_dWx", 1e-8, 1e-6),
    ("time_softmax_mean_over_batch_and_time", 0.0, 1e-15),  # the book's mean is Keras's
    ("time_softmax_mean_over_batch_only_ratio", 5 - 1e-12, 5 + 1e-12),  # T = 5 times: the classic missing / T
])
def test_how_much_each_convention_difference_matters(effects, name, low, high):
    assert low <= effects[name] <= high


def _clip_grads(tmp_path, mutation=None):
    root = _book_copy(tmp_path, float64=False)
    util = root / "common" / "util.py"
    shutil.copy(BOOK / "common" / "util.py", util)
    if mutation:
        text = util.read_text()
        assert mutation[0] in text
        util.write_text(text.replace(*mutation, 1))
    probe = root / "probe.py"
    probe.write_text("from common.util import clip_grads\n\n\nclass Holder:\n    function = staticmethod(clip_grads)\n")
    return _classes(probe)["Holder"].function


# the book's clip_grads, and the mistake: the norm taken per parameter, inside the loop over grads
PER_PARAMETER = ("    total_norm = 0\n    for grad in grads:\n        total_norm += np.sum(grad ** 2)\n"
                 "    total_norm = np.sqrt(total_norm)\n\n    rate = max_norm / (total_norm + 1e-6)\n"
                 "    if rate < 1:\n        for grad in grads:\n            grad *= rate\n",
                 "    for grad in grads:\n        rate = max_norm / (np.sqrt(np.sum(grad ** 2)) + 1e-6)\n"
                 "        if rate < 1:\n            grad *= rate\n")


@pytest.mark.parametrize("mutation, passes, largest", [(None, True, 1e-6), (PER_PARAMETER, False, None)])
def test_clip_grads_is_global_norm_clipping_and_per_parameter_clipping_is_named(tmp_path, mutation, passes,
                                                                                largest):
    result = check_clip_grads(_clip_grads(tmp_path, mutation))
    assert result.passed == passes
    if passes:
        assert max(c.value for c in result.checks) <= largest
    else:
        assert any("clipping applied per parameter instead of globally" in line for line in result.diagnosis)
