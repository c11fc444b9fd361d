"""SimpleRNN, LSTM and GRU: Keras's recurrent layers over (N, T, D) sequences, with backprop
through time.

Weights are Keras's, in Keras's layouts (get_weights order Wx, Wh, b = kernel,
recurrent_kernel, bias), so they move between the two libraries as they are. With u units and
G gate blocks (SimpleRNN 1, GRU 3, LSTM 4), Wx is (D, G*u), Wh is (u, G*u) and b is (G*u,),
each holding the blocks side by side in Keras's gate order:

    SimpleRNN  h = activation(x Wx + b + h_prev Wh)
    LSTM       i, f, c, o:  i = ra(z_i), f = ra(z_f), g = a(z_c), o = ra(z_o) with z = x Wx + h_prev Wh + b,
               c = f * c_prev + i * g,  h = o * a(c)
    GRU        z, r, h:  z = ra(x Wx_z + h_prev Wh_z + ...), r likewise, and the candidate
               reset_after=True (Keras's default, b is (2, 3u): input and recurrent biases):
                   hh = a(x Wx_h + b[0]_h + r * (h_prev Wh_h + b[1]_h))
               reset_after=False (b is (3u,)):  hh = a(x Wx_h + b_h + (r * h_prev) Wh_h)
               h = z * h_prev + (1 - z) * hh

(a: `activation`, default tanh; ra: `recurrent_activation`, default sigmoid.) The state starts
at zero for every sequence (Keras's default initial state; nothing is carried between batches).
`go_backwards` reads the sequence from its last step to its first and, with
`return_sequences`, returns the outputs in that reading order, as Keras does. `return_state`
has no place in a Sequential model (the layer would output several arrays) and is refused.

Dropout (Keras's, reproduced mask for mask). `dropout` masks the input x and
`recurrent_dropout` the previous state h_prev, with masks drawn once per call and shared by
every time step: Keras's DropoutRNNCell draws each with `tf.nn.experimental.stateless_dropout`
from the cell's SeedGenerator [seed, counter] (one draw per mask, the counter going up by one),
inputs' masks first, shaped like one time step. LSTM and GRU draw one input mask shared by the
gate blocks (Keras's implementation 2), or, with implementation 1 (which recurrent_dropout
forces), one mask per gate block for each of the two, in gate order. Keras draws the masks on
every call, inference included (where it then ignores them), so the counter advances on every
forward pass here too, except inside `Sequential.frozen_state()`. The masks apply in training
only. `philox.stateless_uniform` gives TensorFlow's uniforms bit for bit (see layers/dropout.py).
"""
import random

import numpy as np

from .. import initializers, philox
from .._checks import check_array, check_forward_done
from .base import Layer, same_dtype

_SEED_MODULUS = 2**31 - 2  # Keras's TF backend: floormod(int64 state, int32 max - 1)

def _sigmoid(x):
    """1 / (1 + exp(-x)) in three passes (the gates' hot path): exp(-x) overflowing to inf for
    x < -88 (float32) or -709 (float64) gives exactly 0, the right limit."""
    with np.errstate(over="ignore"):
        out = np.exp(-x)
    out += 1.0
    return np.reciprocal(out, out=out)


# Keras activation name -> (function, derivative written in terms of the function's output).
# ReLU's derivative at 0 is 0, as TensorFlow's.
ACTIVATION_FUNCTIONS = {
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
    "sigmoid": (_sigmoid, lambda y: y * (1.0 - y)),
    "relu": (lambda x: np.maximum(x, 0), lambda y: (y > 0).astype(y.dtype)),
    "linear": (lambda x: x, lambda y: np.ones_like(y)),
}


def _activation(name, what, where):
    if name not in ACTIVATION_FUNCTIONS:
        raise ValueError(f"{where}: unknown {what} {name!r}; known: {sorted(ACTIVATION_FUNCTIONS)}")
    return ACTIVATION_FUNCTIONS[name]


def _rate(value, what, where):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: {what} must be a number in [0, 1) (the fraction of units dropped), got {value!r}")
    return float(value)


class _Recurrent(Layer):
    """What the three layers share: weights and options, the dropout masks, the input
    projection of every time step at once, and the loop's direction and output."""

    param_keys = ("Wx", "Wh", "b")
    input_gradient_optional = True
    gates = 1  # gate blocks side by side in Wx, Wh and b
    has_recurrent_activation = True

    def __init__(self, Wx, Wh, b=None, *, activation="tanh", recurrent_activation="sigmoid",
                 return_sequences=False, return_state=False, go_backwards=False, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, implementation=2, input_shape=None, name=None):
        name = name or type(self).__name__
        super().__init__(name)
        check_array(Wh, f"{name}: Wh (units, {self.gates} * units)", ndim=2)
        units = Wh.shape[0]
        if units == 0 or Wh.shape[1] != self.gates * units:
            raise ValueError(f"{name}: Wh must be (units, {self.gates} * units) with units >= 1, got shape {Wh.shape}")
        check_array(Wx, f"{name}: Wx (input_dim, {self.gates} * units)", ndim=2, shape=(None, self.gates * units))
        if Wx.shape[0] == 0:
            raise ValueError(f"{name}: Wx must have at least one input row, got shape {Wx.shape}")
        weights = {"Wx": Wx, "Wh": Wh}
        if b is not None:
            check_array(b, f"{name}: b", shape=self.bias_shape(units))
            weights["b"] = b
        same_dtype(weights, name)
        if return_state:
            raise ValueError(f"{name}: return_state=True makes the layer output several arrays (the output and "
                             f"its final states), which a Sequential model cannot pass on (Keras's Sequential "
                             f"outputs them as a tuple no loss takes); use return_sequences")
        self.activation = activation
        self._act = _activation(activation, "activation", name)
        self.recurrent_activation = recurrent_activation if self.has_recurrent_activation else None
        if self.has_recurrent_activation:
            self._ract = _activation(recurrent_activation, "recurrent_activation", name)
        self.return_sequences, self.go_backwards = bool(return_sequences), bool(go_backwards)
        self.dropout = _rate(dropout, "dropout", name)
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout", name)
        if implementation not in (1, 2):
            raise ValueError(f"{name}: implementation must be 1 or 2 (Keras's), got {implementation!r}")
        # Keras switches to implementation 1 (a mask per gate block) whenever recurrent_dropout is set.
        self.implementation = 1 if self.recurrent_dropout else int(implementation)
        self.training_aware = bool(self.dropout or self.recurrent_dropout)
        if seed is None and self.training_aware:
            seed = random.SystemRandom().randint(1, 10**9)  # as Keras's SeedGenerator(None)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or not -2**63 <= seed < 2**63):
            raise TypeError(f"{name}: seed must be an int64 integer or None, got {seed!r}")
        self.seed, self.counter, self.draw_dtype = (None if seed is None else int(seed)), 0, None
        self.params = weights
        self.grads = {key: np.zeros_like(value) for key, value in weights.items()}
        self.param_keys = self.weight_keys = tuple(weights)  # no "b" with use_bias=False
        self._declare_input_shape(input_shape)
        self.cache = None

    # -- shapes and settings ---------------------------------------------------------------
    @classmethod
    def bias_shape(cls, units):
        return (cls.gates * units,)

    @classmethod
    def weight_keys_of(cls, config):
        return ("Wx", "Wh", "b") if config.get("use_bias", True) else ("Wx", "Wh")

    @property
    def units(self):
        return self.params["Wh"].shape[0]

    @property
    def input_dim(self):
        return self.params["Wx"].shape[0]

    @property
    def use_bias(self):
        return "b" in self.params

    def output_shape(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] not in (None, self.input_dim):
            raise ValueError(f"expects sequences (N, T, {self.input_dim})")
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def _mask_blocks(self):
        """Masks per kind: one per gate block (implementation 1), else one."""
        return self.gates if self.implementation == 1 else 1

    def draws_per_call(self):
        """How many masks each forward pass draws (and by how much it advances the counter)."""
        blocks = self._mask_blocks()
        return blocks * (self.dropout > 0) + blocks * (self.recurrent_dropout > 0)

    def masks(self, n, dtype):
        """(input masks, state masks) the next training call uses for a batch of n sequences:
        lists of (n, input_dim) and (n, units) arrays holding 0 or 1 / (1 - rate), or None
        where the rate is 0 (the counter is not advanced)."""
        counter, blocks, out = self.counter, self._mask_blocks(), []
        for rate, size in ((self.dropout, self.input_dim), (self.recurrent_dropout, self.units)):
            if not rate:
                out.append(None)
                continue
            scale = dtype.type(1.0 / (1.0 - rate))
            drawn = []
            for _ in range(blocks):
                seed = [self.seed % _SEED_MODULUS, counter % _SEED_MODULUS]
                uniforms = philox.stateless_uniform((n, size), seed, self.draw_dtype or dtype)
                drawn.append(np.where(uniforms >= rate, scale, dtype.type(0)))
                counter += 1
            out.append(drawn)
        return tuple(out)

    # -- forward and backward --------------------------------------------------------------
    def forward(self, x, training=False):
        Wx = self.params["Wx"]
        check_array(x, f"{self.name} input (N, T, {self.input_dim})", ndim=3, shape=(None, None, self.input_dim),
                    dtype=Wx.dtype)
        if x.shape[1] == 0:
            raise ValueError(f"{self.name}: expected at least one time step, got shape {x.shape}")
        input_masks, state_masks = self.masks(x.shape[0], x.dtype) if training and self.training_aware else (None, None)
        if not self.state_frozen:
            self.counter += self.draws_per_call()  # Keras draws on every call, inference included
        xs = x[:, ::-1] if self.go_backwards else x  # the order the steps are taken in
        inputs = self._masked(xs, input_masks)
        projected = self._project(inputs)
        outputs, kept = self._steps(projected, state_masks)
        self.cache = (x.shape, inputs, input_masks, state_masks, outputs, kept)
        return outputs if self.return_sequences else outputs[:, -1]

    def backward(self, dout, need_dx=True):
        """Backprop through time: fill self.grads (summed over the batch and the time steps)
        and return dL/dx (skipped with need_dx=False, for the model's first layer)."""
        check_forward_done(self.name, self.cache)
        x_shape, inputs, input_masks, state_masks, outputs, kept = self.cache
        n, steps, units = outputs.shape
        expected = (n, steps, units) if self.return_sequences else (n, units)
        check_array(dout, f"{self.name} backward", shape=expected, dtype=outputs.dtype)
        if self.return_sequences:
            d_outputs = dout
        else:
            d_outputs = np.zeros_like(outputs)
            d_outputs[:, -1] = dout
        self.grads["Wh"][...] = 0
        d_projected = self._steps_backward(d_outputs, outputs, kept, state_masks)
        return self._project_backward(inputs, input_masks, d_projected, need_dx)

    def _masked(self, xs, masks):
        """The inputs each gate block sees: [xs] or, in training with dropout, xs times each mask."""
        if masks is None:
            return [xs]
        return [xs * mask[:, np.newaxis, :] for mask in masks]

    def _project(self, inputs):
        """x Wx (+ the input bias) for every time step at once: (N, T, G*u)."""
        Wx = self.params["Wx"]
        n, steps, features = inputs[0].shape
        rows = [part.reshape(n * steps, features) for part in inputs]  # one product, not one per sequence
        if len(rows) == 1:
            projected = rows[0] @ Wx
        else:
            projected = np.concatenate([part @ block for part, block in zip(rows, self._blocks(Wx))], axis=-1)
        projected = projected.reshape(n, steps, -1)
        if self.use_bias:
            projected += self._input_bias()
        return projected

    def _input_bias(self):
        return self.params["b"]

    def _project_backward(self, inputs, input_masks, d_projected, need_dx):
        """Fill the Wx (and input bias) gradients from dL/d(projection) and return dL/dx."""
        Wx, dWx, u = self.params["Wx"], self.grads["Wx"], self.units
        rows = d_projected.reshape(-1, d_projected.shape[-1])
        if self.use_bias:
            self._input_bias_grad()[...] = rows.sum(axis=0)
        if len(inputs) == 1:  # no mask, or one mask shared by every block
            np.matmul(inputs[0].reshape(-1, Wx.shape[0]).T, rows, out=dWx)
            if not need_dx:
                return None
            dx = (rows @ Wx.T).reshape(inputs[0].shape)
            if input_masks is not None:
                dx *= input_masks[0][:, np.newaxis, :]
        else:  # a mask per block: each block's share of dx passes its own mask
            dx = np.zeros(inputs[0].shape, Wx.dtype) if need_dx else None
            for g, (part, mask) in enumerate(zip(inputs, input_masks)):
                d_block = d_projected[..., g * u:(g + 1) * u]
                dWx[:, g * u:(g + 1) * u] = part.reshape(-1, Wx.shape[0]).T @ d_block.reshape(-1, u)
                if need_dx:
                    share = (d_block.reshape(-1, u) @ Wx[:, g * u:(g + 1) * u].T).reshape(dx.shape)
                    dx += share * mask[:, np.newaxis, :]
            if not need_dx:
                return None
        return dx[:, ::-1] if self.go_backwards else dx

    def _input_bias_grad(self):
        return self.grads["b"]

    def _blocks(self, W):
        """The gate blocks of a (rows, G*u) array, as views."""
        u = self.units
        return [W[:, g * u:(g + 1) * u] for g in range(self.gates)]

    def _recurrent(self, h, state_masks, gates=None):
        """h_prev Wh for the given (contiguous) gate blocks, all by default: (N, len(gates) * u).
        With recurrent dropout each block sees h_prev times its own mask (SimpleRNN: one mask)."""
        Wh, u = self.params["Wh"], self.units
        gates = range(self.gates) if gates is None else gates
        if state_masks is None or len(state_masks) == 1:
            h = h if state_masks is None else h * state_masks[0]
            return h @ Wh[:, gates[0] * u:(gates[-1] + 1) * u]
        return np.concatenate([(h * state_masks[g]) @ Wh[:, g * u:(g + 1) * u] for g in gates], axis=-1)

    def _recurrent_backward(self, h, state_masks, d, gates=None):
        """Add the Wh gradient of `_recurrent(h, ...)` given its output gradient `d`, and return
        the gradient reaching h_prev through it."""
        Wh, dWh, u = self.params["Wh"], self.grads["Wh"], self.units
        gates = range(self.gates) if gates is None else gates
        if state_masks is None or len(state_masks) == 1:
            columns = slice(gates[0] * u, (gates[-1] + 1) * u)
            dWh[:, columns] += (h if state_masks is None else h * state_masks[0]).T @ d
            dh = d @ Wh[:, columns].T
            return dh if state_masks is None else dh * state_masks[0]
        dh = np.zeros_like(h)
        for k, g in enumerate(gates):
            d_block = d[:, k * u:(k + 1) * u]
            dWh[:, g * u:(g + 1) * u] += (h * state_masks[g]).T @ d_block
            dh += (d_block @ Wh[:, g * u:(g + 1) * u].T) * state_masks[g]
        return dh

    # -- settings ---------------------------------------------------------------------------
    def _options(self):
        options = {"activation": self.activation}
        if self.has_recurrent_activation:
            options["recurrent_activation"] = self.recurrent_activation
        return {**options, "use_bias": self.use_bias, "return_sequences": self.return_sequences,
                "go_backwards": self.go_backwards, "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}

    def config(self):
        return self._config(units=self.units, input_dim=self.input_dim, **self._options())

    @classmethod
    def _from_config_options(cls, config):
        names = ("activation", "recurrent_activation", "return_sequences", "go_backwards", "dropout",
                 "recurrent_dropout", "seed", "implementation", "input_shape")
        return {name: config[name] for name in names if name in config}

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["Wx"], weights["Wh"], weights.get("b"), **cls._from_config_options(config))

    def astype(self, dtype):
        """A copy at the same point of the mask stream (same seed and counter)."""
        twin = super().astype(dtype)
        twin.counter = self.counter
        return twin

    @classmethod
    def initialize(cls, input_dim, units, rng, dtype=np.float32, use_bias=True, **options):
        """A layer with Keras's default initial weights, drawn from the numpy Generator `rng`:
        Wx Glorot-uniform, Wh orthogonal (Keras's recurrent_initializer), b zeros (an LSTM's
        forget-gate block ones, with unit_forget_bias=True as in Keras)."""
        gates = cls.gates
        Wx = initializers.GlorotUniform()((input_dim, gates * units), rng, dtype)
        Wh = initializers.Orthogonal()((units, gates * units), rng, dtype)
        b = cls._initial_bias(units, dtype, options) if use_bias else None
        return cls(Wx, Wh, b, **options)

    @classmethod
    def _initial_bias(cls, units, dtype, options):
        return np.zeros(cls.bias_shape(units), dtype)

    def __repr__(self):
        flags = [flag for flag in ("return_sequences", "go_backwards") if getattr(self, flag)]
        flags += [f"{key}={getattr(self, key)}" for key in ("activation", "recurrent_activation")
                  if getattr(self, key) not in (None, "tanh", "sigmoid")]
        flags += [f"{key}={getattr(self, key):g}" for key in ("dropout", "recurrent_dropout") if getattr(self, key)]
        flags += [] if self.use_bias else ["use_bias=False"]
        flags += self._extra_flags()
        return f"{self.name}({self.input_dim} -> {self.units}{''.join(', ' + flag for flag in flags)})"

    def _extra_flags(self):
        return []


class SimpleRNN(_Recurrent):
    """h = activation(x Wx + b + h_prev Wh), Keras's SimpleRNN (the book's RNN / TimeRNN, which
    has tanh and the same Wx, Wh, b layout)."""

    gates = 1
    has_recurrent_activation = False

    def __init__(self, Wx, Wh, b=None, *, activation="tanh", return_sequences=False, return_state=False,
                 go_backwards=False, dropout=0.0, recurrent_dropout=0.0, seed=None, input_shape=None, name=None):
        super().__init__(Wx, Wh, b, activation=activation, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, implementation=2,
                         input_shape=input_shape, name=name)

    def _mask_blocks(self):
        return 1

    def _steps(self, projected, state_masks):
        n, steps, units = projected.shape
        outputs = np.empty_like(projected)
        h = np.zeros((n, units), projected.dtype)
        for t in range(steps):
            h = self._act[0](projected[:, t] + self._recurrent(h, state_masks))
            outputs[:, t] = h
        return outputs, None

    def _steps_backward(self, d_outputs, outputs, kept, state_masks):
        n, steps, units = outputs.shape
        d_projected = np.empty_like(outputs)
        dh_next = np.zeros((n, units), outputs.dtype)
        for t in range(steps - 1, -1, -1):
            da = (d_outputs[:, t] + dh_next) * self._act[1](outputs[:, t])
            d_projected[:, t] = da
            h_prev = outputs[:, t - 1] if t else np.zeros_like(dh_next)
            dh_next = self._recurrent_backward(h_prev, state_masks, da)
        return d_projected

    @classmethod
    def _from_config_options(cls, config):
        options = super()._from_config_options(config)
        options.pop("recurrent_activation", None)
        options.pop("implementation", None)
        return options


class LSTM(_Recurrent):
    """Keras's LSTM: gate blocks i, f, c, o (the book's TimeLSTM orders them f, g, i, o)."""

    gates = 4

    def __init__(self, Wx, Wh, b=None, *, unit_forget_bias=True, **options):
        # unit_forget_bias only sets initial weights (LSTM.initialize); it travels with the layer
        # so that a Keras twin and a saved model keep it.
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(Wx, Wh, b, **options)

    @classmethod
    def _initial_bias(cls, units, dtype, options):
        b = np.zeros(cls.bias_shape(units), dtype)
        if options.get("unit_forget_bias", True):
            b[units:2 * units] = 1.0
        return b

    def _steps(self, projected, state_masks):
        n, steps, _ = projected.shape
        u = self.units
        (act, _), (ract, _) = self._act, self._ract
        kept = {key: np.empty((n, steps, u), projected.dtype) for key in ("i", "f", "g", "o", "c", "ac")}
        outputs = np.empty((n, steps, u), projected.dtype)
        h = c = np.zeros((n, u), projected.dtype)
        for t in range(steps):
            z = projected[:, t] + self._recurrent(h, state_masks)
            i, f, o = ract(z[:, :u]), ract(z[:, u:2 * u]), ract(z[:, 3 * u:])
            g = act(z[:, 2 * u:3 * u])
            c = f * c + i * g
            ac = act(c)
            h = o * ac
            for key, value in (("i", i), ("f", f), ("g", g), ("o", o), ("c", c), ("ac", ac)):
                kept[key][:, t] = value
            outputs[:, t] = h
        return outputs, kept

    def _steps_backward(self, d_outputs, outputs, kept, state_masks):
        n, steps, u = outputs.shape
        (_, d_act), (_, d_ract) = self._act, self._ract
        i, f, g, o, c, ac = (kept[key] for key in ("i", "f", "g", "o", "c", "ac"))
        d_projected = np.empty((n, steps, 4 * u), outputs.dtype)
        dh_next = np.zeros((n, u), outputs.dtype)
        dc_next = np.zeros_like(dh_next)
        for t in range(steps - 1, -1, -1):
            dh = d_outputs[:, t] + dh_next
            dc = dc_next + dh * o[:, t] * d_act(ac[:, t])
            c_prev = c[:, t - 1] if t else np.zeros_like(dc)
            dz = d_projected[:, t]
            dz[:, :u] = dc * g[:, t] * d_ract(i[:, t])
            dz[:, u:2 * u] = dc * c_prev * d_ract(f[:, t])
            dz[:, 2 * u:3 * u] = dc * i[:, t] * d_act(g[:, t])
            dz[:, 3 * u:] = dh * ac[:, t] * d_ract(o[:, t])
            dc_next = dc * f[:, t]
            h_prev = outputs[:, t - 1] if t else np.zeros_like(dh)
            dh_next = self._recurrent_backward(h_prev, state_masks, dz)
        return d_projected

    def _options(self):
        return {**super()._options(), "unit_forget_bias": self.unit_forget_bias, "implementation": self.implementation}

    @classmethod
    def _from_config_options(cls, config):
        return {**super()._from_config_options(config), "unit_forget_bias": config.get("unit_forget_bias", True)}

    def _extra_flags(self):
        return [] if self.unit_forget_bias else ["unit_forget_bias=False"]


class GRU(_Recurrent):
    """Keras's GRU: gate blocks z (update), r (reset), h (candidate); h = z * h_prev + (1 - z) * hh.
    reset_after=True (Keras's default) applies the reset gate after the recurrent product and has
    a second, recurrent bias (b is (2, 3u)); reset_after=False applies it before (b is (3u,)),
    the form of the book's GRU and of Keras 1/2's default."""

    gates = 3

    def __init__(self, Wx, Wh, b=None, *, reset_after=True, **options):
        self.reset_after = bool(reset_after)
        super().__init__(Wx, Wh, b, **options)

    def bias_shape(self, units):  # an instance method: the shape depends on reset_after
        return (2, 3 * units) if self.reset_after else (3 * units,)

    @classmethod
    def _initial_bias(cls, units, dtype, options):
        return np.zeros((2, 3 * units) if options.get("reset_after", True) else (3 * units,), dtype)

    def _input_bias(self):
        return self.params["b"][0] if self.reset_after else self.params["b"]

    def _input_bias_grad(self):
        return self.grads["b"][0] if self.reset_after else self.grads["b"]

    def _steps(self, projected, state_masks):
        n, steps, _ = projected.shape
        u = self.units
        (act, _), (ract, _) = self._act, self._ract
        kept = {key: np.empty((n, steps, u), projected.dtype) for key in ("z", "r", "hh", "candidate")}
        outputs = np.empty((n, steps, u), projected.dtype)
        h = np.zeros((n, u), projected.dtype)
        for t in range(steps):
            x_z, x_r, x_h = projected[:, t, :u], projected[:, t, u:2 * u], projected[:, t, 2 * u:]
            if self.reset_after:
                recurrent = self._recurrent(h, state_masks)
                if self.use_bias:
                    recurrent += self.params["b"][1]
                z, r = ract(x_z + recurrent[:, :u]), ract(x_r + recurrent[:, u:2 * u])
                candidate = recurrent[:, 2 * u:]  # h_prev Wh_h + b[1]_h, which r multiplies
                hh = act(x_h + r * candidate)
            else:
                recurrent = self._recurrent(h, state_masks, gates=(0, 1))
                z, r = ract(x_z + recurrent[:, :u]), ract(x_r + recurrent[:, u:])
                candidate = self._state_in(h, state_masks, 2)  # h_prev (masked), which r multiplies
                hh = act(x_h + (r * candidate) @ self.params["Wh"][:, 2 * u:])
            h = z * h + (1.0 - z) * hh
            for key, value in (("z", z), ("r", r), ("hh", hh), ("candidate", candidate)):
                kept[key][:, t] = value
            outputs[:, t] = h
        return outputs, kept

    def _state_in(self, h, state_masks, gate):
        if state_masks is None:
            return h
        return h * (state_masks[gate] if len(state_masks) > 1 else state_masks[0])

    def _steps_backward(self, d_outputs, outputs, kept, state_masks):
        n, steps, u = outputs.shape
        (_, d_act), (_, d_ract) = self._act, self._ract
        z, r, hh, candidate = (kept[key] for key in ("z", "r", "hh", "candidate"))
        Wh_h = self.params["Wh"][:, 2 * u:]
        d_projected = np.empty((n, steps, 3 * u), outputs.dtype)
        d_recurrent_bias = np.zeros(3 * u, outputs.dtype)
        dh_next = np.zeros((n, u), outputs.dtype)
        for t in range(steps - 1, -1, -1):
            dh = d_outputs[:, t] + dh_next
            h_prev = outputs[:, t - 1] if t else np.zeros_like(dh)
            da = dh * (1.0 - z[:, t]) * d_act(hh[:, t])  # at the candidate's pre-activation
            dz = dh * (h_prev - hh[:, t]) * d_ract(z[:, t])
            dp = d_projected[:, t]
            dp[:, :u], dp[:, 2 * u:] = dz, da
            if self.reset_after:
                dp[:, u:2 * u] = da * candidate[:, t] * d_ract(r[:, t])
                d_rec = np.concatenate([dz, dp[:, u:2 * u], da * r[:, t]], axis=1)
                d_recurrent_bias += d_rec.sum(axis=0)
                dh_next = dh * z[:, t] + self._recurrent_backward(h_prev, state_masks, d_rec)
            else:
                d_reset_state = da @ Wh_h.T  # at r * h_prev (masked)
                self.grads["Wh"][:, 2 * u:] += (r[:, t] * candidate[:, t]).T @ da
                dp[:, u:2 * u] = d_reset_state * candidate[:, t] * d_ract(r[:, t])
                d_state = d_reset_state * r[:, t]
                if state_masks is not None:
                    d_state = d_state * (state_masks[2] if len(state_masks) > 1 else state_masks[0])
                dh_next = (dh * z[:, t] + d_state
                           + self._recurrent_backward(h_prev, state_masks, dp[:, :2 * u], gates=(0, 1)))
        if self.reset_after and self.use_bias:
            self.grads["b"][1] = d_recurrent_bias
        return d_projected

    def _options(self):
        return {**super()._options(), "reset_after": self.reset_after, "implementation": self.implementation}

    @classmethod
    def _from_config_options(cls, config):
        return {**super()._from_config_options(config), "reset_after": config.get("reset_after", True)}

    def _extra_flags(self):
        return [] if self.reset_after else ["reset_after=False"]


RECURRENT_LAYERS = (SimpleRNN, LSTM, GRU)
