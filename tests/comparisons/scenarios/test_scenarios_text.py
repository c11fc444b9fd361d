"""The text-lm scenario (a character-level language model: Embedding -> LSTM(return_sequences)
-> Dense per step) in its quick form: every check passes on both tiers, and the model has
learned from the context (its test perplexity is well below the unigram baseline's); the text
itself cut into windows whose targets are the next character. The full run is `python -m
comparisons text-lm` (docs/results.md has its numbers)."""
import numpy as np
import pytest

from comparisons import cli, scenarios
from comparisons.scenarios import PRESETS, load_data
from comparisons.scenarios.language_model import unigram_perplexity
from scratchnet.datasets.texts import char_sequences, load_text


def test_the_text_becomes_windows_whose_targets_are_the_next_character():
    text = load_text("tinyshakespeare")
    vocabulary, (x, t), (xt, tt) = char_sequences(text, 50)
    assert len(vocabulary) == 61 and vocabulary == sorted(vocabulary)
    cut = int(len(text) * 0.9)
    assert x.shape == ((cut - 1) // 50, 50) and xt.shape == ((len(text) - cut - 1) // 50, 50)
    assert "".join(vocabulary[i] for i in x[0]) == text[:50] and "".join(vocabulary[i] for i in t[0]) == text[1:51]
    assert "".join(vocabulary[i] for i in xt[1]) == text[cut + 50:cut + 100]
    assert np.array_equal(t[:, :-1], x[:, 1:]) and np.array_equal(t[:-1, -1], x[1:, 0])


@pytest.mark.parametrize("args, message", [((5,), "a part of 1 characters holds no window of 5 steps"),
                                           ((0,), "steps must be a positive int, got 0"),
                                           ((3, 1.0), r"test_fraction must lie in \(0, 1\), got 1.0")])
def test_char_sequences_refuses_bad_arguments(args, message):
    text = "abcdefgh" if args[0] != 5 else "ab"
    with pytest.raises(ValueError, match=message):
        char_sequences(text, *args)


def test_unigram_perplexity_of_a_uniform_text_is_its_vocabulary():
    t = np.tile(np.arange(4), 25)
    assert unigram_perplexity(t, t, 4) == pytest.approx(4.0, rel=1e-14)


def test_text_lm_passes_every_check_on_a_few_windows():
    """The scenario's pipeline on 64 windows of 10 characters (2 steps of 32), an 8-unit LSTM: both tiers pass (the
    float64 one at 1e-12, its lockstep through Adam on the Embedding's rows), and the perplexity
    section is made from the final losses."""
    settings = PRESETS["text-lm"].with_options(hidden=(8,), epochs=1, check_batch=4,
                                               float64_steps=2, data_rows=(64, 32), learning_rate_schedule=(),
                                               model_options={"steps": 10})
    result = scenarios.run(settings, progress=False)
    assert result.passed, [(c.name, c.value, c.diagnosis) for c in result.failed]
    exact = [c for c in result.checks if c.name.startswith("float64 tier") and c.kind != "numerical"]
    assert exact and all(c.tolerance == 1e-12 and c.value <= 1e-12 for c in exact)
    sides, perplexity = result.data["sides"], result.data["perplexity"]
    assert perplexity["scratchnet"]["test"] == pytest.approx(np.exp(sides["scratchnet"]["test_loss"]), rel=1e-15)
    assert len(result.data["trajectory"].scratchnet_loss) == 2


@pytest.mark.slow  # about 20 s (two compiled Keras models, 40 steps); the test above covers the pipeline
def test_text_lm_quick_form_passes_and_beats_the_unigram_baseline():
    """Unigram perplexity is what a model ignoring the context reaches at best (up to the
    difference between the training and test frequencies); a test perplexity below half of it
    means the LSTM uses the preceding characters. Measured: about 11.9 against 27.9 (uniform: 61)."""
    settings = cli.settings_from(cli.parser().parse_args(["text-lm", "--quick"]), "text-lm")
    assert settings.data_rows == (640, 199) and settings.hidden == (32,)
    data = load_data(settings)
    assert data[0][0].shape == (640, 50) and data[0][0].dtype == np.int64
    result = scenarios.run(settings, progress=False, data=data)
    assert result.passed, [(c.name, c.value, c.diagnosis) for c in result.failed]
    names = [c.name for c in result.checks]
    assert "forward Embedding1" in names and "float64 tier: gradient W1 (Keras autodiff)" in names
    exact = [c for c in result.checks if c.name.startswith("float64 tier") and c.kind != "numerical"]
    assert exact and all(c.tolerance == 1e-12 and c.value <= 1e-12 for c in exact)
    perplexity = result.data["perplexity"]
    assert perplexity["uniform"] == 61.0
    assert 20 < perplexity["unigram"] < 35  # the text's character frequencies (measured 27.9)
    for side in ("scratchnet", "keras"):
        assert perplexity[side]["test"] < perplexity["unigram"] / 2, perplexity
    assert perplexity["scratchnet"]["test"] == pytest.approx(perplexity["keras"]["test"], rel=1e-5)


def test_text_lm_is_float32_with_an_adam_run_and_stays_out_of_all():
    settings = PRESETS["text-lm"]
    assert (settings.architecture, settings.optimizer, settings.dtype, settings.extras) == (
        "char_lstm", "adam", "float32", ("perplexity",))
    assert "text-lm" not in scenarios.ALL
