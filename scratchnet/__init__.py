"""scratchnet: a neural-network library written from scratch in NumPy, held honest by Keras.

The public modules are gates, functions, graph, layers, losses, metrics, initializers, optimizers,
gradcheck, training, networks (every ready-made model), saving (the model file), argtypes,
philox and datasets; the model is `scratchnet.Sequential`. `DTYPES` names the float types every
part computes in. This package never imports TensorFlow or Keras.
"""
from . import functions, gates, gradcheck, graph, initializers, layers, losses, metrics, optimizers, training
from ._checks import DTYPES
from .model import Sequential, load_model
from .networks import mlp, simple_convnet
from .training import Trainer, TrainingDiverged

__version__ = "0.1.0"
__all__ = ["DTYPES", "Sequential", "Trainer", "TrainingDiverged", "load_model", "mlp", "simple_convnet", "functions",
           "gates", "gradcheck", "graph", "initializers", "layers", "losses", "metrics", "optimizers", "training"]
