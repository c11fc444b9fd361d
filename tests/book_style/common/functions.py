# A learner's transcription of the book's common/functions.py (the parts the layers use),
# written for the tests of `python -m comparisons check`: correct, in the book's conventions.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)  # no overflow at large logits
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:  # one-hot rows -> labels
        t = t.argmax(axis=1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n
