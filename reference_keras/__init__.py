"""reference_keras: the Keras (3, TensorFlow backend, CPU) twin of a scratchnet model, the only
package in the project that imports Keras.

    keras_model = to_keras(model)                    # same function, weights, dtype and loss
    forward_trace(keras_model, x)                    # every layer's output
    loss_and_gradients(keras_model, None, x, t)      # loss and d loss / d weight, by autodiff
    opt = keras_optimizer(sn_opt, keras_model)       # same hyperparameters, the model's dtype
    train_step(keras_model, opt, x, t)               # one update, in lockstep with scratchnet
    train_steps(keras_model, opt, x, t, batches)     # one update per index array, many per compiled call

Importing it keeps Keras and matplotlib from writing into the home directory (see _environment).
"""
from ._environment import keras, tf  # noqa: F401  (first: sets up the environment for the import)
from ._environment import (MissingTensorFlowError, heaviside, keras_l2_rounds_through_float32,  # features
                           tensorflow_gelu_form, twin_equations, twin_l2_equation)
from .autodiff import (backward_trace, compile_for, evaluate, forward_trace, input_gradient, layer_vjp,
                       loss_and_gradients, loss_vjp, multiclass_hinge_vjp, optimizer_steps, softmax,
                       state_preserved, train_step, twin_weight_values, twin_weights, weight_names)
from .convert import (ExactL2, UnsupportedLayerError, from_keras, gelu_tanh, keras_book_dropout, keras_cast,
                      keras_l2_factor, keras_layer, to_keras, twin_l2_factors)
from .dtype import floatx, model_dtype
from .mapping import (SoftmaxCrossEntropyLoss, count_correct, keras_initializer, keras_loss, keras_optimizer,
                      scratchnet_loss)
from .sequence import recurrent_vjp
from .training import train_steps

__all__ = ["to_keras", "from_keras", "keras_layer", "keras_book_dropout", "keras_cast", "gelu_tanh", "ExactL2",
           "UnsupportedLayerError", "keras_loss", "keras_optimizer", "keras_initializer", "count_correct",
           "SoftmaxCrossEntropyLoss", "scratchnet_loss", "forward_trace", "backward_trace", "evaluate",
           "loss_and_gradients", "train_step", "train_steps", "compile_for", "model_dtype", "weight_names", "floatx",
           "layer_vjp", "recurrent_vjp", "loss_vjp", "multiclass_hinge_vjp",
           "optimizer_steps", "softmax", "state_preserved", "input_gradient", "heaviside",
           "keras_l2_factor", "keras_l2_rounds_through_float32", "twin_l2_equation", "twin_equations",
           "twin_l2_factors", "MissingTensorFlowError", "tensorflow_gelu_form", "twin_weights",
           "twin_weight_values"]
