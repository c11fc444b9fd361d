"""Every ready-made network: the multilayer perceptron and the book's SimpleConvNet.

mlp is Affine layers with an activation between each two (Keras's Dense stack). simple_convnet is
the deep-learning-from-scratch book's SimpleConvNet (ch7) in Keras's layout: Conv2D(filters,
kernel_size) -> ReLU -> MaxPooling2D(2) -> Flatten -> Affine(hidden) -> ReLU -> Affine(n_classes),
channels last. The book's version differs in layout only (NCHW, filters (FN, C, FH, FW), and an
Affine that flattens in (c, h, w) order) and in its initialisation (Gaussian std 0.01; here
Keras's default, Glorot uniform, unless weight_init says otherwise). Both draw their kernels in
layer order from numpy.random.default_rng(seed), with zero biases, so a seed fixes the network.
"""
import os

import numpy as np

from . import initializers, losses
from ._checks import as_float_dtype, check_count
from .layers import ACTIVATION_NAMES, Affine, Conv2D, Flatten, MaxPooling2D, activation as activation_layer
from .model import Sequential


def build_peak_bytes(sizes, dtype):
    """What building an MLP of `sizes` holds at its peak: the weights and their gradient arrays
    (both kept by the layers), plus the initializer's float64 draw of the largest kernel, which
    exists beside its cast copy while that layer is made."""
    dtype = as_float_dtype(dtype)
    weights = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    largest = max(n_in * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    return 2 * weights * dtype.itemsize + largest * 8


def check_memory(sizes, dtype):
    """Refuse, at once, a network that could not be built in this machine's memory (rather than
    a MemoryError, or the machine swapping, after a long allocation); the error says how much
    building it would take (`build_peak_bytes`) and how much there is."""
    dtype = as_float_dtype(dtype)
    needed = build_peak_bytes(sizes, dtype)
    try:
        available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not every platform reports it
        return
    if needed > available:
        raise MemoryError(f"mlp: sizes {sizes} need {needed / 2**30:.1f} GiB to build (the weights in {dtype}, "
                          f"their gradients and the initializer's float64 draws), more than this machine's "
                          f"{available / 2**30:.1f} GiB of memory")


def mlp(sizes, activation="relu", loss="softmax_cross_entropy", weight_init="glorot_uniform",
        seed=0, dtype=np.float32, l2=0.0):
    """A multilayer perceptron: Affine layers of `sizes` (e.g. [784, 64, 10]) with `activation`
    between them, zero biases, and `weight_init` (a name or an initializer) drawn from
    numpy.random.default_rng(seed). `loss` is a name from LOSSES or a loss layer instance.

    The defaults are Keras's: float32 (what `datasets.load` returns) and Dense's Glorot-uniform
    kernels with zero biases. dtype=np.float64 is the exact tier."""
    dtype = as_float_dtype(dtype)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least input and output sizes, got {sizes}")
    sizes = [check_count(size, f"mlp: sizes[{i}]") for i, size in enumerate(sizes)]
    check_memory(sizes, dtype)
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"mlp: unknown activation {activation!r}; known: {sorted(ACTIVATION_NAMES)}")
    loss = losses.get(loss)
    rng = np.random.default_rng(seed)
    layers = affine_stack(sizes, activation, initializers.get(weight_init), rng, dtype, l2=l2)
    return Sequential(layers, loss, dtype=dtype)


def affine_stack(sizes, activation, init, rng, dtype, l2=0.0):
    """Affine layers of `sizes` with an `activation` layer between each two: kernels drawn with
    `init` from `rng` in layer order, zero biases (mlp's layers, and a convnet's dense top)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(activation_layer(activation))
        layers.append(Affine(init((n_in, n_out), rng, dtype), np.zeros(n_out, dtype=dtype), l2=l2))
    return layers


def simple_convnet(input_shape=(28, 28, 1), filters=30, kernel_size=5, hidden=(100,), n_classes=10,
                   activation="relu", loss="softmax_cross_entropy", weight_init="glorot_uniform", seed=0,
                   dtype=np.float32):
    """The book's SimpleConvNet: a 'valid' stride-1 convolution, `activation`, 2x2 max pooling,
    then Affine layers of sizes `hidden` with `activation` between them and `n_classes` outputs.
    Weights come from `weight_init` (a name or an initializer) drawn from
    numpy.random.default_rng(seed), the kernel first; biases are zero."""
    dtype = as_float_dtype(dtype)
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"simple_convnet: unknown activation {activation!r}; known: {sorted(ACTIVATION_NAMES)}")
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"simple_convnet: input_shape must be (height, width, channels), got {input_shape!r}")
    height, width, channels = (check_count(size, f"simple_convnet: input_shape[{i}]")
                               for i, size in enumerate(input_shape))
    filters = check_count(filters, "simple_convnet: filters")
    kernel_size = check_count(kernel_size, "simple_convnet: kernel_size (one number: the kernel is square)")
    n_classes = check_count(n_classes, "simple_convnet: n_classes")
    if not isinstance(hidden, (tuple, list)):
        raise TypeError(f"simple_convnet: hidden must be a list of layer sizes, e.g. (100,), got {hidden!r}")
    hidden = [check_count(size, f"simple_convnet: hidden[{i}]") for i, size in enumerate(hidden)]
    rng = np.random.default_rng(seed)
    init = initializers.get(weight_init)
    kernel = init((kernel_size, kernel_size, channels, filters), rng, dtype)
    layers = [Conv2D(kernel, np.zeros(filters, dtype), input_shape=input_shape), activation_layer(activation),
              MaxPooling2D(2), Flatten()]
    pooled = ((height - kernel_size + 1) // 2) * ((width - kernel_size + 1) // 2) * filters
    layers += affine_stack([pooled, *hidden, n_classes], activation, init, rng, dtype)
    return Sequential(layers, losses.get(loss), dtype=dtype)
