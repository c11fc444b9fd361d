"""Dropout: Keras's inverted dropout, drawing the very masks Keras's Dropout layer draws.

Training: y = where(keep, x * scale, 0) with scale = x.dtype(1 / (1 - rate)) and keep = u >= rate,
u uniform in [0, 1) in x's dtype; inference: y = x. The book's Dropout is not inverted: it keeps
x * mask in training and scales by (1 - rate) at inference, so with the same mask its outputs are
(1 - rate) times these in both modes. `inverted=False` gives the book's form (it has no Keras
twin; the README measures what the difference does to training).

Where the mask comes from. Keras 3 (TensorFlow backend) gives each Dropout layer a
SeedGenerator whose state is the pair [seed, counter], starting at [seed, 0]. Every training
call draws `tf.random.stateless_uniform(x.shape, seed=state mod (2**31 - 2), dtype=x.dtype)` from
the state as it was before the call, then adds 1 to the counter; inference calls (and rate 0)
draw nothing. The uniform is Philox4x32-10, which `scratchnet.philox` reproduces bit for bit
in NumPy. So this layer holds the same [seed, counter], draws with `philox.stateless_uniform`
and advances the counter once per training forward: a scratchnet Dropout(rate, seed=s) and a
Keras Dropout(rate, seed=s) that see the same sequence of training calls draw identical masks,
eager or inside a compiled train step (tests/reference_keras/test_layers_keras.py trains both in lockstep).
`to_keras` / `from_keras` carry the counter across, so a twin made mid-training continues the
same stream. seed=None draws a seed from the operating system's entropy, as Keras does; pass a
seed for reproducible runs.
"""
import random
from numbers import Real

import numpy as np

from .. import philox
from .._checks import check_array, check_float
from .base import Layer, declared_shape

_SEED_MODULUS = 2**31 - 2  # Keras's TF backend: floormod(int64 state, int32 max - 1)


class Dropout(Layer):
    training_aware = True
    shape_preserving = True

    def __init__(self, rate, seed=None, input_shape=None, inverted=True, name="Dropout"):
        super().__init__(name)
        if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, Real) or not 0.0 <= rate < 1.0:
            raise ValueError(f"{name}: rate must be a number in [0, 1) (the fraction of units dropped), got {rate!r}")
        if not isinstance(inverted, (bool, np.bool_)):
            raise TypeError(f"{name}: inverted must be True (Keras's inverted dropout) or False (the book's), "
                            f"got {inverted!r}")
        if seed is None:
            seed = random.SystemRandom().randint(1, 10**9)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not -2**63 <= seed < 2**63:
            raise TypeError(f"{name}: seed must be an int64 integer or None, got {seed!r}")
        self.rate, self.seed, self.counter, self.inverted = float(rate), int(seed), 0, bool(inverted)
        self.input_shape = declared_shape(input_shape, name)
        self.keep = self.scale = self.dtype = None
        # The uniforms are drawn in x's dtype, as Keras draws them, so a float32 and a float64
        # layer draw different masks; draw_dtype fixes it (a float64 copy checking a float32 model).
        self.draw_dtype = None

    def uniforms(self, shape, dtype):
        """The uniforms in [0, 1) the next training call draws for an input of this shape and
        dtype (the counter is not advanced): Keras's, for the same seed and counter."""
        seed = [self.seed % _SEED_MODULUS, self.counter % _SEED_MODULUS]
        return philox.stateless_uniform(shape, seed, dtype)

    def mask(self, shape, dtype):
        """The keep-mask of the next training call for an input of this shape and dtype (the
        counter is not advanced)."""
        return self.uniforms(shape, dtype) >= self.rate

    def forward(self, x, training=False):
        check_float(x, self.name)
        self.dtype = x.dtype
        if not training or self.rate == 0.0:
            self.keep = None
            self.scale = x.dtype.type(1.0 if self.inverted else 1.0 - self.rate)
            return x if self.inverted else x * self.scale
        self.keep = self.mask(x.shape, self.draw_dtype or x.dtype)
        if not self.state_frozen:
            self.counter += 1
        self.scale = x.dtype.type(1.0 / (1.0 - self.rate) if self.inverted else 1.0)
        return np.where(self.keep, x * self.scale, x.dtype.type(0))

    def backward(self, dout):
        if self.dtype is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        if self.keep is None:  # the last forward was inference (or rate 0): a constant scale
            check_array(dout, f"{self.name} backward", dtype=self.dtype)
            return dout if self.inverted else dout * self.scale
        check_array(dout, f"{self.name} backward", shape=self.keep.shape, dtype=self.dtype)
        return np.where(self.keep, dout * self.scale, self.dtype.type(0))

    def config(self):
        return self._config(rate=self.rate, seed=self.seed, **({} if self.inverted else {"inverted": False}))

    @classmethod
    def from_config(cls, config, weights):
        del weights
        return cls(config["rate"], config["seed"], input_shape=config.get("input_shape"),
                   inverted=config.get("inverted", True))

    def astype(self, dtype):
        """A copy at the same point of the mask stream (same seed and counter)."""
        twin = super().astype(dtype)
        twin.counter = self.counter
        return twin

    def __repr__(self):
        book = "" if self.inverted else ", inverted=False"
        return f"{self.name}(rate={self.rate:g}, seed={self.seed}, counter={self.counter}{book})"
