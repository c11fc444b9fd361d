"""The book's layouts and conventions for convolutional and regularising layers, translated to
Keras's, so that a learner's book-style Convolution, Pooling, Dropout and BatchNormalization
(and networks built from them) can be checked against Keras layers.

Layouts (the book: deep-learning-from-scratch common/layers.py, ch07/simple_convnet.py):
- images: the book is NCHW, Keras NHWC: x_keras = x_book.transpose(0, 2, 3, 1), and the same for
  every activation and every gradient of one (`to_nhwc` / `to_nchw`);
- filters: the book's W is (FN, C, FH, FW), Keras's Conv2D kernel (FH, FW, C, FN):
  kernel = W.transpose(2, 3, 1, 0), W = kernel.transpose(3, 2, 0, 1); dW likewise;
- padding: the book pads `pad` zeros on every side; pad 0 is Keras's "valid", and pad (F - 1) / 2
  with stride 1 and an odd square filter is Keras's "same" (`keras_padding`); other pads have no
  Keras padding mode (a lone layer is checked on an input padded beforehand instead);
- the Affine after a convolution or pooling flattens NCHW in C order, feature index
  c*H*W + h*W + w, while Keras's Flatten of NHWC gives h*W*C + w*C + c. The same function needs
  the Affine's weight rows permuted: reshape W (C*H*W, n) to (C, H, W, n), transpose to
  (H, W, C, n), reshape back (`affine_rows_to_keras`; its gradient the same way, and
  `affine_rows_from_keras` inverts it).

Conventions (what the comparison uses on the Keras side; comparisons/scenarios/book_conventions.py
measures what they do to training):
- Dropout: the book's is not inverted (x * mask in training, x * (1 - ratio) at inference),
  Keras's is (x * mask / (1 - ratio), then x). The mask: the book draws
  `np.random.rand(*x.shape) > ratio` from NumPy's global generator; for the length of one
  forward call `driven_uniforms` makes `rand` (and `random`, `random_sample`, `uniform`) return
  the very uniforms u that Keras's Dropout with the same seed draws (scratchnet's
  Dropout.uniforms reproduces Keras's Philox stream), so the book keeps u > ratio where Keras
  keeps u >= ratio: the same units. The Keras side is then Keras's Dropout
  followed by Rescaling(1 - ratio) (reference_keras.keras_book_dropout), which is the book's
  layer exactly; the factor 1 / (1 - ratio) between the two conventions is measured and
  reported, not failed. A learner's inverted (Keras-style) Dropout is compared with Keras's
  Dropout itself.
- BatchNormalization: the book's momentum is an attribute (0.9 by default; Keras's 0.99) and its
  epsilon a literal in forward (10e-7, that is 1e-6; Keras's 1e-3), and its running statistics
  start at None and become zeros (Keras's moving variance starts at ones). The Keras layer is
  built with the learner's momentum, the learner's epsilon (an `eps`/`epsilon` attribute, else
  the one of `EPSILON_CANDIDATES` that reproduces its training output) and its running
  statistics (zeros where they are still None).
"""
import copy
import inspect

import numpy as np

from ._child import driven_uniforms  # noqa: F401  (one home on both sides: a learner's process drives its own NumPy)

BOOK_BN_EPSILON = 1e-6  # the book's BatchNormalization writes 10e-7
# Epsilons a learner's BatchNormalization may hard-code: the book's first.
EPSILON_CANDIDATES = (BOOK_BN_EPSILON, 1e-7, 1e-5, 1e-8, 1e-3, 1e-4, 1e-9, 1e-10, 1e-12)
# The attribute names of a dropout ratio, the book's first (and its misspelling `dropout_ration`,
# the name of MultiLayerNetExtend's argument, which learners carry into their Dropout).
DROPOUT_RATIO_NAMES = ("dropout_ratio", "dropout_ration", "dropout_rate", "drop_ratio", "ratio", "rate", "p")


def to_nhwc(a):
    """An NCHW image batch (or its gradient) in Keras's NHWC; other ranks unchanged."""
    return a.transpose(0, 2, 3, 1) if np.ndim(a) == 4 else a


def to_nchw(a):
    return a.transpose(0, 3, 1, 2) if np.ndim(a) == 4 else a


def kernel_to_keras(W):
    """The book's filters (FN, C, FH, FW) as Keras's Conv2D kernel (FH, FW, C, FN)."""
    return W.transpose(2, 3, 1, 0)


def kernel_from_keras(kernel):
    return kernel.transpose(3, 2, 0, 1)


def affine_rows_to_keras(W, chw):
    """The weights of an Affine that flattens an NCHW input of shape (N, *chw), for a Dense after
    Keras's Flatten of the same activations in NHWC: rows (c, h, w) -> (h, w, c)."""
    c, h, w = chw
    return W.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(W.shape)


def affine_rows_from_keras(W, chw):
    c, h, w = chw
    return W.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(W.shape)


def keras_padding(pad, filter_shape, stride):
    """Keras's padding mode for the book's symmetric `pad`, or None where Keras has none."""
    if pad == 0:
        return "valid"
    fh, fw = filter_shape
    if stride == 1 and fh == fw and fh % 2 == 1 and pad == (fh - 1) // 2:
        return "same"
    return None


def pad_images(x_nhwc, pad):
    return np.pad(x_nhwc, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else x_nhwc


def takes_train_flag(method):
    """Whether a layer's or network's method accepts the book's `train_flg` argument."""
    try:
        return "train_flg" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def call_in_mode(method, x, training, *args):
    """method(x, *args, train_flg=training) where it takes the book's flag, else method(x, *args)."""
    return method(x, *args, train_flg=training) if takes_train_flag(method) else method(x, *args)


def dropout_ratio(layer):
    """(attribute name, ratio) of a book-style Dropout, or (None, None)."""
    for name in DROPOUT_RATIO_NAMES:
        value = getattr(layer, name, None)
        if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
            return name, float(value)
    return None, None


def book_batchnorm_forward(x, gamma, beta, epsilon, ddof=0):
    """The book's training-mode BatchNormalization on (N, D) data, in NumPy: (y, x_centred, std).
    For the diagnosis (which epsilon, which variance) only; the reference is Keras's layer."""
    xc = x - x.mean(axis=0)
    std = np.sqrt(np.sum(xc ** 2, axis=0) / (x.shape[0] - ddof) + epsilon)
    return gamma * (xc / std) + beta, xc, std


def infer_epsilon(layer, x, dtype):
    """The epsilon a book-style BatchNormalization uses: its `eps`/`epsilon` attribute, else the
    candidate whose training output its forward reproduces on `x` (run on a copy); (epsilon, how)."""
    for name in ("eps", "epsilon"):
        value = getattr(layer, name, None)
        if isinstance(value, (float, np.floating)) and value > 0:
            return float(value), f"its {name} attribute"
    probe = copy.deepcopy(layer)
    try:
        y = np.asarray(call_in_mode(probe.forward, x.copy(), True), dtype=np.float64)
    except Exception:  # noqa: BLE001  (the checks report what the learner's forward raises)
        return EPSILON_CANDIDATES[0], "the book's 10e-7 (its forward raised)"
    gamma, beta = (np.asarray(getattr(layer, key), dtype=np.float64) for key in ("gamma", "beta"))
    x64 = x.astype(np.float64)
    gaps = {eps: np.max(np.abs(book_batchnorm_forward(x64, gamma, beta, eps)[0] - y)) for eps in EPSILON_CANDIDATES}
    best = min(gaps, key=gaps.get)
    scale = max(np.max(np.abs(y)), 1e-300)
    if gaps[best] <= 1e3 * np.finfo(dtype).eps * scale:
        return best, "the value its training output reproduces"
    return EPSILON_CANDIDATES[0], "the book's 10e-7 (no candidate reproduces its output)"
