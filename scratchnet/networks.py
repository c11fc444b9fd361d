"""Ready-made networks beyond the MLP (`scratchnet.mlp`).

simple_convnet is the deep-learning-from-scratch book's SimpleConvNet (ch7) in Keras's layout:
Conv2D(filters, kernel_size) -> ReLU -> MaxPooling2D(2) -> Flatten -> Affine(hidden) -> ReLU ->
Affine(n_classes), channels last. The book's version differs in layout only (NCHW, filters
(FN, C, FH, FW), and an Affine that flattens in (c, h, w) order) and in its initialisation
(Gaussian std 0.01; here Keras's default, Glorot uniform, unless weight_init says otherwise).
"""
import numpy as np

from . import initializers, losses
from ._checks import as_float_dtype
from .layers import ACTIVATION_NAMES, Conv2D, Flatten, MaxPooling2D, activation as activation_layer
from .model import Sequential, affine_stack


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
    rng = np.random.default_rng(seed)
    init = initializers.get(weight_init)
    height, width, channels = input_shape
    kernel = init((kernel_size, kernel_size, channels, filters), rng, dtype)
    layers = [Conv2D(kernel, np.zeros(filters, dtype), input_shape=input_shape), activation_layer(activation),
              MaxPooling2D(2), Flatten()]
    pooled = ((height - kernel_size + 1) // 2) * ((width - kernel_size + 1) // 2) * filters
    layers += affine_stack([pooled, *hidden, n_classes], activation, init, rng, dtype)
    return Sequential(layers, losses.get(loss), dtype=dtype)
