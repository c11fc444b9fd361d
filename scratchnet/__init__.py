"""scratchnet: a neural-network library written from scratch in NumPy, held honest by Keras.

The public modules are gates, functions, graph, layers, losses, metrics, initializers, optimizers,
gradcheck, training, networks, philox and datasets; the model is `scratchnet.Sequential`. This
package never imports TensorFlow or Keras.
"""
from . import functions, gates, gradcheck, graph, initializers, layers, losses, metrics, optimizers, training
from .model import Sequential, load_model, mlp
from .networks import simple_convnet
from .training import Trainer, TrainingDiverged

__version__ = "0.1.0"
__all__ = ["Sequential", "Trainer", "TrainingDiverged", "load_model", "mlp", "simple_convnet", "functions", "gates",
           "gradcheck", "graph", "initializers", "layers", "losses", "metrics", "optimizers", "training"]
