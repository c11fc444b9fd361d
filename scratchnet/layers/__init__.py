"""Layers with the book's contract (see `base.Layer`): Affine (dense), the activations, Conv2D,
MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Dropout,
BatchNormalization, Reshape, ZeroPadding2D and the
preprocessing layers Rescaling, Normalization and Resizing; for sequences Embedding, SimpleRNN,
LSTM, GRU, Bidirectional, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and
GlobalMaxPooling1D.

Losses live in `scratchnet.losses`.
"""
from .activations import (ACTIVATION_LAYERS, ACTIVATION_NAMES, ACTIVATIONS, ELU, GELU, SELU, Exponential, HardSigmoid,
                          Identity, LeakyReLU, ReLU, SiLU, Sigmoid, Softmax, Softplus, Softsign, Tanh, activation)
from .base import Layer
from .bidirectional import Bidirectional
from .conv import Conv2D
from .conv1d import AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D
from .dense import Affine
from .dropout import Dropout
from .embedding import Embedding
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .preprocessing import Normalization, Rescaling, Resizing
from .recurrent import GRU, LSTM, SimpleRNN
from .reshaping import Reshape, ZeroPadding2D

# Every layer kind by class name: what a saved model's config names, and what load_model builds.
LAYERS = {cls.__name__: cls for cls in (Affine, *ACTIVATION_LAYERS, Conv2D, MaxPooling2D, AveragePooling2D, Flatten,
                                        Dropout, BatchNormalization, Reshape, Rescaling, Normalization, Resizing,
                                        Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D, MaxPooling1D,
                                        AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
                                        GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D)}


def layer_class(kind):
    """The layer class a config's "kind" names."""
    if kind not in LAYERS:
        raise ValueError(f"unknown layer kind {kind!r}; known: {sorted(LAYERS)}")
    return LAYERS[kind]


__all__ = ["Layer", "Affine", "ReLU", "LeakyReLU", "ELU", "SELU", "GELU", "SiLU", "Softplus", "Softsign", "HardSigmoid",
           "Exponential", "Softmax", "Sigmoid", "Tanh", "Identity", "Conv2D", "MaxPooling2D", "AveragePooling2D",
           "Flatten", "Dropout", "BatchNormalization", "Reshape", "Rescaling", "Normalization", "Resizing",
           "Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Conv1D", "MaxPooling1D", "AveragePooling1D",
           "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
           "ZeroPadding2D", "ACTIVATIONS", "ACTIVATION_NAMES", "activation", "LAYERS",
           "layer_class"]
