"""BatchNormalization: Keras's, over the last axis (features of (N, D), channels of (N, H, W, C)).

Training (the statistics of this batch; every axis but the last is reduced):
    mean = mean(x),  var = mean((x - mean)**2)                 (biased: divided by the count)
    moving_mean     <- moving_mean * momentum + mean * (1 - momentum)
    moving_variance <- moving_variance * momentum + var * (1 - momentum)
    inv = gamma / sqrt(var + epsilon);  y = x * inv + (beta - mean * inv)
Inference: the same last line with moving_mean and moving_variance. A frozen layer
(`trainable = False`) runs inference in training too, and its moving statistics stay as they
are: Keras's rule (its BatchNormalization uses the batch statistics only when
`training and self.trainable`), which is what fine-tuning a frozen base model relies on.

These are Keras 3's equations in its operation order (tf.nn.moments, then tf.nn.batch_normalization;
Keras does not use a fused kernel here). momentum and epsilon enter exactly, as Python floats (no
float32 rounding, unlike an optimizer's hyperparameters). Like Keras, the moving statistics move
in the training forward pass itself, once per training call. Defaults are Keras's: momentum 0.99,
epsilon 1e-3, gamma ones, beta zeros, moving_mean zeros, moving_variance ones.

Weights: gamma and beta are trainable (`params`, updated by the optimizer); moving_mean and
moving_variance are non-trainable `state`, which the model lists after them in get_weights,
saves and loads (Keras's order: gamma, beta, moving_mean, moving_variance).

The book's BatchNormalization (deep-learning-from-scratch common/layers.py) differs: momentum
0.9 and epsilon 1e-6 (written 10e-7), running statistics that start at zeros for both mean and
variance, and, for 4-D input, one statistic per (c, h, w) position instead of per channel.
`BatchNormalization(gamma, beta, moving_variance=zeros, momentum=0.9, epsilon=1e-6)` on (N, D)
data reproduces it.
"""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from .base import Layer, declared_shape, same_dtype


class BatchNormalization(Layer):
    param_keys = ("gamma", "beta")
    state_keys = ("moving_mean", "moving_variance")
    training_aware = True
    shape_preserving = True

    def __init__(self, gamma, beta, moving_mean=None, moving_variance=None, momentum=0.99, epsilon=1e-3,
                 input_shape=None, name="BatchNormalization"):
        super().__init__(name)
        check_array(gamma, f"{name}: gamma", ndim=1)
        features = gamma.shape[0]
        if features == 0:
            raise ValueError(f"{name}: gamma must have at least one feature, got shape {gamma.shape}")
        moving_mean = np.zeros_like(gamma) if moving_mean is None else moving_mean
        moving_variance = np.ones_like(gamma) if moving_variance is None else moving_variance
        for key, value in (("beta", beta), ("moving_mean", moving_mean), ("moving_variance", moving_variance)):
            check_array(value, f"{name}: {key}", shape=(features,))
        weights = {"gamma": gamma, "beta": beta, "moving_mean": moving_mean, "moving_variance": moving_variance}
        same_dtype(weights, name)
        for key, value in (("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise TypeError(f"{name}: {key} must be a number, got {value!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1], got {momentum}")
        if not 0.0 < epsilon < float("inf"):
            raise ValueError(f"{name}: epsilon must be a finite number > 0, got {epsilon}")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.input_shape = declared_shape(input_shape, name)
        self.params = {"gamma": gamma, "beta": beta}
        self.state = {"moving_mean": moving_mean, "moving_variance": moving_variance}
        self.grads = {"gamma": np.zeros(gamma.shape, gamma.dtype), "beta": np.zeros(beta.shape, beta.dtype)}
        self.x = self.mean = self.inv_std = self.training = None

    @property
    def features(self):
        return self.params["gamma"].shape[0]

    def output_shape(self, input_shape):
        if input_shape[-1] not in (None, self.features):
            raise ValueError(f"expects {self.features} features on the last axis")
        return input_shape

    def forward(self, x, training=False):
        gamma = self.params["gamma"]
        check_float(x, self.name)
        if x.ndim < 2 or x.shape[-1] != self.features or x.dtype != gamma.dtype:
            raise (TypeError if x.ndim >= 2 and x.shape[-1] == self.features else ValueError)(
                f"{self.name}: expected a {gamma.dtype} input of shape (N, ..., {self.features}) "
                f"(normalised over the last axis), got {x.dtype} {x.shape}")
        training = training and self.trainable
        if training and x.size == 0:
            raise ValueError(f"{self.name}: an empty batch {x.shape} has no statistics to normalise with in "
                             f"training; the moving statistics were not changed")
        if training:
            axes = tuple(range(x.ndim - 1))
            mean = x.mean(axis=axes)
            var = np.square(x - mean).mean(axis=axes)
            if not self.state_frozen:
                moving_mean, moving_variance = self.state["moving_mean"], self.state["moving_variance"]
                moving_mean[...] = moving_mean * self.momentum + mean * (1.0 - self.momentum)
                moving_variance[...] = moving_variance * self.momentum + var * (1.0 - self.momentum)
        else:
            mean, var = self.state["moving_mean"].copy(), self.state["moving_variance"].copy()
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        inv = inv_std * gamma
        self.x, self.mean, self.inv_std, self.training = x, mean, inv_std, training
        return x * inv + (self.params["beta"] - mean * inv)

    def backward(self, dout):
        check_forward_done(self.name, self.x)
        x, gamma = self.x, self.params["gamma"]
        check_array(dout, f"{self.name} backward", shape=x.shape, dtype=x.dtype)
        axes = tuple(range(x.ndim - 1))
        x_hat = (x - self.mean) * self.inv_std
        np.sum(dout, axis=axes, out=self.grads["beta"])
        np.sum(dout * x_hat, axis=axes, out=self.grads["gamma"])
        if not self.training:  # the statistics were constants
            return dout * (self.inv_std * gamma)
        count = x.size // x.shape[-1]
        return (gamma * self.inv_std / count) * (count * dout - self.grads["beta"] - x_hat * self.grads["gamma"])

    def config(self):
        return self._config(features=self.features, momentum=self.momentum, epsilon=self.epsilon)

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["gamma"], weights["beta"], weights["moving_mean"], weights["moving_variance"],
                   momentum=config.get("momentum", 0.99), epsilon=config.get("epsilon", 1e-3),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}({self.features}, momentum={self.momentum:g}, epsilon={self.epsilon:g})"
