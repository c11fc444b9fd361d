"""Texts that ship with scratchnet, for language models: `load_text(name)` and
`char_sequences(text, steps)`, NumPy and the standard library only.

TEXTS names each text's file in this folder; README.md there gives its source and licence.
A character-level language model reads a text as ids (the index of each character in the
sorted set of the text's characters) cut into windows of `steps` characters, the target at each
position being the next character.
"""
from importlib import resources

import numpy as np

TEXTS = {"tinyshakespeare": "tinyshakespeare_head.txt"}


def load_text(name):
    """The text `name` (a key of TEXTS) as a str."""
    if name not in TEXTS:
        raise ValueError(f"unknown text {name!r}; known: {', '.join(TEXTS)}")
    return resources.files(__name__).joinpath(TEXTS[name]).read_text(encoding="utf-8")


def char_sequences(text, steps, test_fraction=0.1):
    """(vocabulary, (x_train, t_train), (x_test, t_test)) for a character-level language model:
    `vocabulary` the sorted characters of `text` (id k is vocabulary[k]); the first 1 -
    `test_fraction` of the text for training and the rest for testing, each cut into
    consecutive windows x of `steps` ids (int64, (N, steps)) whose targets t are the same
    windows shifted by one character (t[:, i] is the character after x[:, i])."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"char_sequences: steps must be a positive int, got {steps!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"char_sequences: test_fraction must lie in (0, 1), got {test_fraction!r}")
    vocabulary = sorted(set(text))
    ids = np.searchsorted(np.array([ord(c) for c in vocabulary]), np.array([ord(c) for c in text])).astype(np.int64)
    cut = int(len(ids) * (1 - test_fraction))

    def windows(part):
        n = (len(part) - 1) // steps
        if n < 1:
            raise ValueError(f"char_sequences: a part of {len(part)} characters holds no window of {steps} steps")
        return part[:n * steps].reshape(n, steps), part[1:n * steps + 1].reshape(n, steps)

    return vocabulary, windows(ids[:cut]), windows(ids[cut:])
