"""The Sequential model: a list of layers, an optional loss layer, one float dtype.

Trainable parameters are exposed in `params` (and gradients in `grads`) keyed W1, b1, W2, b2,
gamma1, ...: each key is the layer's own key numbered in order of appearance, so an optimizer
updating `params` in place trains the layers. Non-trainable weights (BatchNormalization's
moving_mean1, moving_variance1, ..., and every weight of a layer set `trainable = False`, as
Keras freezes layers) are in `state`, which no optimizer sees. `weights` holds
both in Keras's get_weights() order (layer by layer, each layer's trainable weights first):
`get_weights`, `set_weights`, `save` and `load` use it. Assigning `params["W1"] = new` writes
`new` into the layer's array (see `Parameters`).

Training and inference. Dropout and BatchNormalization behave differently in training, as in
Keras: `predict`, `evaluate` and `accuracy` run in inference mode; `loss`, `backprop`,
`gradient`, `backward_trace` (and so the Trainer's steps) run in training mode, which draws
Dropout masks and moves BatchNormalization's moving statistics, once per call, as a Keras
training step does. `loss(..., training=False)` and `forward_trace(..., training=True)` choose
the other mode. Inside `with model.frozen_state():` training passes use the current moving
statistics and Dropout masks and change neither, so repeated evaluations (numerical gradients,
checks) all see the same function.

`sample_weight` (loss, backprop, gradient, evaluate; the Trainer's) weighs each sample as
Keras's fit/evaluate(sample_weight=...) do. A categorical (binary) cross-entropy after a last
Softmax (Sigmoid) layer reads the logits under it, as Keras's losses do (`reads_logits`).
"""
import contextlib
import math
import warnings

import numpy as np

from . import display, losses, metrics as metrics_module, saving
from ._checks import as_float_dtype, check_array, check_count, check_nonempty
from .layers import Affine, MaxPooling2D, ReLU, Sigmoid, Softmax, layer_class
from .layers.base import shape_text
from .saving import ModelFileError

_EVAL_CHUNK = 10_000  # rows per forward pass when evaluating a whole data set: bounds memory
_EVAL_VALUES = 2**24  # ... and at most this many values in any layer's output per pass (conv nets)


class Parameters(dict):
    """`model.params`: the layers' own arrays by name (W1, b1, W2, ...), in Keras's order.

    `params["W1"] = params["W1"] - lr * g` copies the new values into the layer's array, so the
    layer trains as with the in-place `params["W1"] -= lr * g` (the deep-learning-from-scratch
    book's networks rebind the dict entry instead and silently train nothing). The set of names
    is fixed: adding or removing one raises, and so do a wrong shape or dtype.
    """

    def __setitem__(self, name, value):
        if name not in self:
            raise KeyError(f"Sequential.params: no parameter named {name!r}; the model's parameters are "
                           f"{', '.join(self)} (their set is fixed by the layers)")
        param = dict.__getitem__(self, name)
        value = np.asarray(value)
        if value.shape != param.shape:
            raise ValueError(f"Sequential.params[{name!r}]: expected shape {param.shape}, got {value.shape}")
        if value.dtype != param.dtype:
            raise TypeError(f"Sequential.params[{name!r}]: expected dtype {param.dtype}, got {value.dtype} "
                            f"(convert with .astype(np.{param.dtype}))")
        if value is not param:
            np.copyto(param, value)  # in place: the layer, and every alias of the array, sees it

    def update(self, *args, **kwargs):
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def _fixed(self, *args, **kwargs):
        raise TypeError("Sequential.params: the parameter names are fixed by the layers; assign new values "
                        "with params[name] = array or update the arrays in place")

    __delitem__ = pop = popitem = clear = setdefault = _fixed

    def __reduce__(self):  # copy, deepcopy and pickle rebuild it whole rather than key by key
        return type(self), (dict(self),)


class Sequential:
    _reusing = False  # True inside reusing_buffers(): the Trainer's steps

    def __init__(self, layers, loss=None, dtype=None):
        self.layers = list(layers)
        self.loss_layer = loss
        holders = [layer for layer in self.layers if layer.params]
        if not holders:
            raise ValueError("Sequential: needs at least one Affine layer (a layer with parameters)")
        first_dtype = next(iter(holders[0].params.values())).dtype
        self.dtype = as_float_dtype(dtype if dtype is not None else first_dtype)
        self._name_layers()
        self.weights = {}
        self._entries = []  # (model key, layer, layer key, trainable kind): every weight, Keras's order
        numbers = {}
        for layer in holders:
            for key in layer.weight_keys:
                value = layer.params[key] if key in layer.params else layer.state[key]
                if value.dtype != self.dtype:
                    raise TypeError(f"Sequential: {layer.name}.{key} is {value.dtype}, "
                                    f"the model is {self.dtype}; every layer must share one dtype")
                numbers[key] = numbers.get(key, 0) + 1
                name = f"{key}{numbers[key]}"
                self.weights[name] = value
                self._entries.append((name, layer, key, key in layer.params))
        self._holders, self._trainable_flags = holders, None
        self._partition()
        late = [layer.name for layer in self.layers[1:] if layer.takes_integers]
        if late:
            raise ValueError(f"Sequential: {', '.join(late)} takes integer ids, so it can only be the first layer "
                             f"(the model's input); it is not")
        # Token ids in (Embedding first); the model's dtype is still its weights' float dtype.
        self.takes_integers = bool(self.layers) and self.layers[0].takes_integers
        self.input_shape = self._model_input_shape()
        self._check_shapes()
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        self.input_size = self.input_shape[0] if self.input_shape and len(self.input_shape) == 1 else None
        self.output_size = affines[-1].shape[1] if affines else None
        self._stateful = [layer for layer in self.layers if layer.training_aware]
        self._stateful_parts = _stateful_parts(self.layers)
        self.metrics = []  # scratchnet.metrics reported by evaluate_metrics (a Keras model's compiled metrics)
        if self.loss_layer is not None and self.reads_logits() and getattr(loss, "from_logits", None):
            warnings.warn(f"Sequential: {type(loss).__name__} takes logits, but the last layer "
                          f"{self.layers[-1].name} is its own output activation; as Keras does, the loss reads "
                          f"the logits under {self.layers[-1].name} (was the activation intended?)",
                          UserWarning, stacklevel=2)
        self._buffer_owners = [*self.layers, *([loss] if loss is not None else [])]
        self._plain_order = tuple(range(len(self.layers)))
        self._pooling_first_order = _pooling_first(self.layers)
        self._order = self._plain_order  # the order the last forward pass applied the layers in

    def _partition(self):
        """Sort the weights into `params` (with `grads`) and `state` by the layers' `trainable`
        flags, again whenever a flag has changed since (`layer.trainable = False` on a built
        model freezes that layer from the next call on, as in Keras)."""
        flags = tuple(layer.trainable for layer in self._holders)
        if flags == self._trainable_flags:
            return
        params, self._grads, self._state = {}, {}, {}
        self._slots = []  # (model key, layer, layer key): where each entry of params/grads lives
        for name, layer, key, trainable_kind in self._entries:
            if trainable_kind and layer.trainable:
                self._slots.append((name, layer, key))
                params[name] = self.weights[name]
                self._grads[name] = layer.grads[key]
            else:
                self._state[name] = self.weights[name]
        self._params, self._trainable_flags = Parameters(params), flags

    @property
    def params(self):
        """The trainable weights by name (see the module docstring); frozen layers' are in `state`."""
        self._partition()
        return self._params

    @property
    def grads(self):
        self._partition()
        return self._grads

    @property
    def state(self):
        """The non-trainable weights by name: moving statistics, and every weight of a frozen layer."""
        self._partition()
        return self._state

    def _model_input_shape(self):
        """The first layer's input shape, or that of the first layer fixing one after only
        shape-preserving layers (activations, Dropout, BatchNormalization); None if unknown."""
        for layer in self.layers:
            if layer.input_shape:
                return tuple(layer.input_shape)
            if not layer.shape_preserving:
                return None
        return None

    def _check_shapes(self):
        """Follow the per-sample shape through the layers; refuse a layer that cannot take what
        the one before it outputs (e.g. an Affine after Flatten with the wrong input size)."""
        shape, previous = self.input_shape, None
        self._sample_sizes = []  # values per sample in the input and each layer's output, where known
        for layer in self.layers:
            if shape is None:
                shape = tuple(layer.input_shape) if layer.input_shape else None
            if shape is not None:
                try:
                    output = tuple(layer.output_shape(shape))
                    if layer.declared_input_shape and tuple(layer.declared_input_shape) != shape:
                        raise ValueError(f"was declared with input_shape {tuple(layer.declared_input_shape)}")
                    self._sample_sizes.append(math.prod(shape) if None not in shape else 0)
                    shape = output
                except ValueError as err:
                    source = f"{previous.name} outputs" if previous else "the input is"
                    size = f"{shape[0]} units" if len(shape) == 1 else f"shape {shape_text(shape)}"
                    raise ValueError(f"Sequential: {source} {size} but {layer.name} {err}") from None
            if not layer.shape_preserving:
                previous = layer  # the layer that made the shape (ReLU1 passes Affine1's on)

    def _name_layers(self):
        counts = {}
        for layer in self.layers:
            kind = type(layer).__name__
            counts[kind] = counts.get(kind, 0) + 1
            layer.name = f"{kind}{counts[kind]}"

    def __repr__(self):
        body = ", ".join(repr(layer) + ("" if layer.trainable else " (frozen)") for layer in self.layers)
        return f"Sequential([{body}], loss={self.loss_layer!r}, dtype={self.dtype})"

    def summary(self, print_fn=None):
        """A Keras-style table: each layer with its output shape and parameter count, then the
        totals (trainable and not, with their bytes), the loss and the dtype. Printed line by line
        with `print_fn` (default print); in a notebook, without print_fn, displayed as an HTML
        table. `scratchnet.display.ModelSummary(model)` is the table as an object."""
        display.show(display.ModelSummary(self), print_fn)

    def _repr_html_(self):
        """A notebook cell ending in a model shows its summary table."""
        return display.ModelSummary(self)._repr_html_()

    # -- forward and backward -------------------------------------------------------------
    def _check_input(self, x):
        shape = None if self.input_shape is None else (None, *self.input_shape)
        if not self.takes_integers:
            check_array(x, "Sequential input", ndim=shape and len(shape), shape=shape, dtype=self.dtype)
            return
        check_array(x, "Sequential input (integer ids)", ndim=shape and len(shape), shape=shape)
        if x.dtype.kind not in "iu":
            raise TypeError(f"Sequential input: {self.layers[0].name} takes integer ids, got dtype {x.dtype} "
                            f"(convert with .astype(np.int64))")

    @property
    def training_step_order(self):
        """The layer indices in the order the Trainer's steps apply them: the layers' own order,
        but for each ReLU directly followed by MaxPooling2D, which runs after it (see
        `_pooling_first`)."""
        return self._pooling_first_order

    def _forward(self, x, training, outputs=None, pooling_first=False):
        """The layers applied to x in order; with pooling_first, each ReLU directly followed by
        MaxPooling2D is applied after it instead (see `_pooling_first`): the same output, with
        the ReLU on the pooled values."""
        self._check_input(x)
        self._order = self._pooling_first_order if pooling_first else self._plain_order
        for i in self._order:
            layer = self.layers[i]
            self._last_input = x  # the logits, when the last layer is the loss's output activation
            x = layer.forward(x, training=training) if layer.training_aware else layer.forward(x)
            if outputs is not None:
                outputs[layer.name] = x
        return x

    def predict(self, x):
        """The last layer's output (logits for the cross-entropy losses), before the loss, in
        inference mode; in chunks of `evaluation_batch_size` rows, so that a whole data set
        through a convnet needs the memory of one chunk's feature maps (inference treats every
        row on its own, so the result is the same)."""
        size = self.evaluation_batch_size
        if getattr(x, "ndim", 0) < 1 or x.shape[0] <= size:
            return self._forward(x, False)
        self._check_input(x)
        first = self._forward(x[:size], False)
        out = np.empty((x.shape[0], *first.shape[1:]), first.dtype)
        out[:size] = first
        for start in range(size, x.shape[0], size):
            out[start:start + size] = self._forward(x[start:start + size], False)
        return out

    def forward_trace(self, x, training=False):
        """Every layer's output for input `x`, by layer name, in layer order (inference mode
        unless training=True)."""
        outputs = {}
        self._forward(x, training, outputs)
        return outputs

    @contextlib.contextmanager
    def frozen_state(self):
        """Within the block, training-mode passes use the current BatchNormalization moving
        statistics and Dropout masks and leave them unchanged, so every evaluation of the loss
        is the same function of the parameters (what a numerical gradient needs)."""
        with _switched_on(self._stateful, "state_frozen"):
            yield self

    @contextlib.contextmanager
    def reusing_buffers(self):
        """Within the block, the layers and the loss write their outputs and gradients into arrays
        they keep and overwrite on the next pass (while the batch shape stays the same), so a
        training step allocates nothing; the arithmetic, and so every result, is the same. What a
        call returns inside the block is valid only until the next call: the block is for a loop
        that uses each result at once (the Trainer's steps). Outside it every call returns fresh
        arrays, which stay the caller's."""
        with _switched_on(self._buffer_owners, "reuse_buffers"), _switched_on([self], "_reusing"):
            yield self

    def _require_loss(self, what):
        if self.loss_layer is None:
            raise ValueError(f"Sequential: this model has no loss, so it cannot {what}; build it with one, "
                             "e.g. Sequential(layers, SoftmaxCrossEntropy()) (predict works without)")
        return self.loss_layer

    def loss(self, x, t, training=True, *, sample_weight=None):
        """The loss (batch mean unless the loss layer sums) plus the layers' L2 penalties, as
        Keras adds its regularization losses; a training-mode pass unless training=False.
        `sample_weight` (N,) weighs each sample's loss, as Keras's fit(sample_weight=...)."""
        return self._loss(x, t, training, sample_weight)

    def _loss(self, x, t, training, sample_weight=None, pooling_first=False):
        self._require_loss("compute a loss or be trained")
        self._check_input(x)  # the targets are checked by the loss, after the pass (then undone)
        check_nonempty(x, "Sequential input")
        if not training:
            return self._loss_of(self._forward(x, training, pooling_first=pooling_first), t, sample_weight) + \
                self._penalty()
        saved = self.training_state()
        try:  # a refusal after the forward pass (bad labels) must not leave moved statistics behind
            y = self._forward(x, training, pooling_first=pooling_first)
            return self._loss_of(y, t, sample_weight) + self._penalty()
        except BaseException:
            self.restore_training_state(saved)
            raise

    def training_state(self):
        """What a training pass changes besides the parameters: copies of every layer's moving
        statistics and its random streams' counters (Dropout's, a recurrent cell's). Give it
        back to `restore_training_state` to undo a pass that was refused or diverged."""
        saved = []
        for layer in self._stateful_parts:
            arrays = {key: value.copy() for key, value in layer.state.items()}
            saved.append((layer, arrays, getattr(layer, "counter", None)))
        return saved

    def restore_training_state(self, saved):
        """Put back what `training_state` recorded, in place."""
        for layer, arrays, counter in saved:
            for key, value in arrays.items():
                np.copyto(layer.state[key], value)
            if counter is not None:
                layer.counter = counter

    def reads_logits(self):
        """Whether the loss reads the logits under the last layer rather than its output: Keras's
        softmax quirk (scratchnet.losses), for a cross-entropy after a Softmax or Sigmoid layer
        (Keras tags both outputs with their logits, and each cross-entropy reads whichever tag it
        finds). Then the loss never sees the clipped probabilities, and the gradient reaching the
        probabilities is 0, as in Keras."""
        return getattr(self.loss_layer, "output_activation", None) is not None and bool(self.layers) and \
            type(self.layers[-1]) in (Softmax, Sigmoid)

    def _loss_of(self, y, t, sample_weight):
        """The loss layer's value for the output `y` of the forward pass just run (its logits
        where `reads_logits`); a loss of the book's style takes (y, t) only."""
        loss_layer = self.loss_layer
        logits = self.reads_logits()
        y = self._last_input if logits else y
        self._loss_shape = y.shape if y.ndim > 2 else None
        if self._loss_shape is not None:  # (N, T, ..., K): every position a sample of its own, as Keras's losses
            t, sample_weight = losses.positions_as_rows(y.shape, t, sample_weight)
            y = y.reshape(t.shape[0], y.shape[-1])
        if logits:
            return loss_layer.forward(y, t, sample_weight, logits=True)
        return loss_layer.forward(y, t) if sample_weight is None else loss_layer.forward(y, t, sample_weight)

    def _penalty(self):
        """The L2 penalties of the trainable layers (Keras adds the regularizers of trainable
        weights only, so a frozen layer's L2 drops out of the loss)."""
        return sum(layer.penalty() for layer in self.layers if hasattr(layer, "penalty") and layer.trainable)

    def _backward(self, trace=None, need_dx=False):
        """Back-propagate from the loss (after a forward pass) through every layer, filling each
        layer's grads; with a dict `trace`, also record dL/d(output) by layer name. Returns
        dL/d(input) when need_dx, else None."""
        dout = self.loss_layer.backward(1.0)
        if getattr(self, "_loss_shape", None) is not None:
            dout = dout.reshape(self._loss_shape)
        last = len(self._order) - 1
        if self.reads_logits():  # the loss read the last layer's input: its output gets no gradient
            if trace is not None:
                trace[self.layers[self._order[last]].name] = np.zeros_like(dout)
            last -= 1
        for position in range(last, -1, -1):  # the forward pass's order, reversed
            layer = self.layers[self._order[position]]
            if trace is not None:
                trace[layer.name] = dout
            if position == 0 and layer.input_gradient_optional and not need_dx:
                dout = layer.backward(dout, need_dx=False)  # nobody needs the gradient of the input
            else:
                dout = layer.backward(dout)
        grads = self.grads
        for name, layer, key in self._slots:  # a layer may have rebound its grads (book style)
            grads[name] = layer.grads[key]
        return dout

    def gradient_slices(self):
        """{parameter name: RowSlices} for the parameters whose last backward pass kept its
        gradient as rows (an Embedding with sparse_gradient=True): what `optimizer.update(params,
        grads, slices=...)` takes to update as Keras's optimizers do (see scratchnet.slices)."""
        return {name: layer.grad_slices[key] for name, layer, key in self._slots
                if key in getattr(layer, "grad_slices", {})}

    def backprop(self, x, t, sample_weight=None):
        """Forward and backward pass; fills `self.grads` in place (no copies) and returns the loss.
        This is the training hot path; `gradient` is the copying, user-facing version. Inside
        `reusing_buffers` (the Trainer's steps) a ReLU directly followed by MaxPooling2D runs
        after the pooling, on a quarter of the values for 2x2 pools (see `_pooling_first`)."""
        value = self._loss(x, t, True, sample_weight, pooling_first=self._reusing)
        self._backward()
        return value

    def gradient(self, x, t, sample_weight=None):
        """dLoss/dparam for every parameter, keyed like `params` (fresh arrays)."""
        self.backprop(x, t, sample_weight)
        return {key: grad.copy() for key, grad in self.grads.items()}

    def input_gradient(self, x, t, sample_weight=None):
        """dLoss/dx for the batch `x` (training mode), shaped like x; also fills `grads`."""
        self.loss(x, t, sample_weight=sample_weight)
        return self._backward(need_dx=True)

    def backward_trace(self, x, t, sample_weight=None):
        """(dL/d(output of each layer) by layer name in layer order, parameter gradients as
        `gradient` returns them): where a gradient first goes wrong, going backward."""
        self.loss(x, t, sample_weight=sample_weight)
        trace = {}
        self._backward(trace)
        ordered = {layer.name: trace[layer.name] for layer in self.layers}
        return ordered, {key: grad.copy() for key, grad in self.grads.items()}

    # -- evaluation -----------------------------------------------------------------------
    @property
    def evaluation_batch_size(self):
        """Rows per chunk in `evaluate`: 10,000, fewer when a layer's output would exceed 2**24
        values (a convolution's feature maps)."""
        largest = max(self._sample_sizes, default=0)
        return max(1, min(_EVAL_CHUNK, _EVAL_VALUES // largest)) if largest else _EVAL_CHUNK

    def evaluate(self, x, t, batch_size=None, sample_weight=None, weighted_accuracy=False):
        """(mean loss per sample, accuracy) over a whole data set, in chunks (of
        `evaluation_batch_size` rows by default) to bound memory. Inference mode. The loss is the
        per-sample mean whatever the loss layer's reduction, so numbers compare. With
        `sample_weight` (N,), Keras's evaluate(sample_weight=...): the loss is sum(w * loss) / N;
        the accuracy is unweighted, as Keras reports a metric given to compile(metrics=...), or
        with weighted_accuracy=True sum(w * correct) / sum(w), as compile(weighted_metrics=...)."""
        loss_layer = self._require_loss("evaluate a loss")
        batch_size = check_count(self.evaluation_batch_size if batch_size is None else batch_size,
                                 "Sequential.evaluate: batch_size")
        self._check_input(x)
        check_nonempty(x, "Sequential.evaluate")
        check_array(t, "Sequential.evaluate targets")
        if len(t) != len(x):  # chunking would otherwise silently drop or misalign targets
            raise ValueError(f"Sequential.evaluate: {len(x)} inputs but {len(t)} targets")
        if sample_weight is not None and len(sample_weight) != len(x):
            raise ValueError(f"Sequential.evaluate: {len(x)} inputs but {len(sample_weight)} sample weights")
        total_loss, correct, units = 0.0, 0, 0
        for start in range(0, x.shape[0], batch_size):
            xb, tb = x[start:start + batch_size], t[start:start + batch_size]
            wb = None if sample_weight is None else sample_weight[start:start + batch_size]
            y = self.predict(xb)
            total_loss += loss_layer.batch_total(self._loss_of(y, tb, wb), xb.shape[0])
            if y.ndim > 2:  # (N, T, ..., K): one prediction per position, as Keras's accuracy counts them
                tb, wb = losses.positions_as_rows(y.shape, tb, wb)
                y = y.reshape(tb.shape[0], y.shape[-1])
            batch_correct, batch_units = loss_layer.count_correct(y, tb) if wb is None or not weighted_accuracy \
                else loss_layer.count_correct(y, tb, wb)
            correct, units = correct + batch_correct, units + batch_units
        return total_loss / x.shape[0] + self._penalty(), correct / units

    def evaluate_metrics(self, x, t, sample_weight=None, batch_size=None):
        """{metric name: value} of `self.metrics` over a whole data set (inference mode, in chunks),
        as Keras's evaluate reports a compiled model's metrics (a weighted metric weighted by
        `sample_weight`, the others not)."""
        batch_size = check_count(self.evaluation_batch_size if batch_size is None else batch_size,
                                 "Sequential.evaluate_metrics: batch_size")
        self._check_input(x)
        counts = {metric.name: [0.0, 0.0] for metric in self.metrics}
        for start in range(0, x.shape[0], batch_size):
            y, tb = self.predict(x[start:start + batch_size]), t[start:start + batch_size]
            wb = None if sample_weight is None else sample_weight[start:start + batch_size]
            for metric in self.metrics:
                hits, entries = metric.count(y, tb, wb)
                counts[metric.name][0] += hits
                counts[metric.name][1] += entries
        return {metric.name: metric.result(*counts[metric.name]) for metric in self.metrics}

    def accuracy(self, x, t):
        """Fraction of rows whose argmax matches the label (per unit for sigmoid outputs)."""
        return self.evaluate(x, t)[1]

    # -- weights --------------------------------------------------------------------------
    def get_weights(self):
        """Copies of every weight, trainable or not, in Keras's get_weights() order."""
        return [weight.copy() for weight in self.weights.values()]

    def set_weights(self, weights):
        """Copy `weights` into the parameters, in place: a list of arrays in `get_weights()` order
        ([W1, b1, W2, b2, ...], as Keras's set_weights takes) or a dict with exactly the keys of
        `weights` (params and state)."""
        if isinstance(weights, dict):
            missing = [k for k in self.weights if k not in weights]
            extra = [k for k in weights if k not in self.weights]
            if missing or extra:
                wrong = (missing and f"missing {', '.join(missing)}", extra and f"unknown {', '.join(map(str, extra))}")
                raise ValueError(f"Sequential.set_weights: a dict needs exactly the keys {', '.join(self.weights)}; "
                                 + "; ".join(part for part in wrong if part))
            weights = [weights[key] for key in self.weights]
        elif isinstance(weights, np.ndarray) or not hasattr(weights, "__iter__"):
            raise TypeError(f"Sequential.set_weights: expected a list of arrays in get_weights() order "
                            f"({', '.join(self.weights)}) or a dict keyed like weights, got {type(weights).__name__}")
        weights = list(weights)
        if len(weights) != len(self.weights):
            raise ValueError(f"Sequential.set_weights: expected {len(self.weights)} arrays "
                             f"({', '.join(self.weights)}), got {len(weights)}")
        weights = [np.asarray(new) for new in weights]
        for (key, param), new in zip(self.weights.items(), weights):  # check all before copying any
            if new.shape != param.shape:
                raise ValueError(f"Sequential.set_weights: {key} expected shape {param.shape}, got {new.shape}")
            if not np.can_cast(new.dtype, param.dtype, "same_kind"):
                raise TypeError(f"Sequential.set_weights: {key} is {param.dtype}; cannot take {new.dtype} values")
            if not param.flags.writeable:
                raise ValueError(f"Sequential.set_weights: {key} is a read-only array; nothing was changed")
        for param, new in zip(self.weights.values(), weights):
            np.copyto(param, new, casting="same_kind")  # in place: layers and optimizers keep their arrays

    def config(self):
        """A JSON-able description of the architecture, stored beside the weights by `save`."""
        loss = self.loss_layer.config() if self.loss_layer is not None else {"loss": None}
        layers = [{**layer.config(), **({} if layer.trainable else {"trainable": False})} for layer in self.layers]
        metrics = {"metrics": [metric.config() for metric in self.metrics]} if self.metrics else {}
        return {"layers": layers, **loss, **metrics, "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config, weights, dtype=None):
        """A model from `config()` and weight arrays keyed like `weights`, in `dtype`
        (default: the config's)."""
        dtype = as_float_dtype(dtype if dtype is not None else config["dtype"])
        numbers, layers = {}, []
        for spec in config["layers"]:
            kind = layer_class(spec.get("kind"))
            own = {}
            for key in kind.weight_keys_of(spec):
                numbers[key] = numbers.get(key, 0) + 1
                own[key] = weights[f"{key}{numbers[key]}"].astype(dtype)
            layers.append(kind.from_config(spec, own))
            layers[-1].trainable = spec.get("trainable", True)
        loss = losses.loss_from_config(config) if config.get("loss") is not None else None
        model = cls(layers, loss, dtype=dtype)
        model.metrics = [metrics_module.metric_from_config(spec) for spec in config.get("metrics", [])]
        return model

    def astype(self, dtype):
        """A copy of this model (same layers, weights, loss and Dropout mask streams) in float `dtype`."""
        dtype = as_float_dtype(dtype)
        loss = losses.loss_from_config(self.config()) if self.loss_layer is not None else None
        twin = Sequential([layer.astype(dtype) for layer in self.layers], loss, dtype=dtype)
        twin.metrics = list(self.metrics)
        return twin

    def save(self, path):
        """Write the weights (moving statistics included) and the architecture to `path` (".npz"
        is appended when missing, as NumPy does). Dropout's mask counters are not saved: a loaded
        model's masks restart from its seeds, like a freshly built Keras twin's. The file is
        written under a temporary name in the same folder and renamed into place, so a failed
        save (disk full, interrupted) leaves any previous file at `path` intact."""
        saving.write(path, self.config(), self.weights)

    def load(self, path):
        """Load weights saved by `save` into this model; the architecture must match (the dtype and
        Dropout's seeds may differ: the model keeps its own seeds, as a Keras model's
        load_weights does). On any error the model is unchanged."""
        stored, weights = saving.read(path)
        if _architecture(stored) != _architecture(self.config()):
            raise ValueError(f"Sequential.load: {path} holds a different architecture: "
                             f"{_first_difference(stored, self.config())}")
        missing = [key for key in self.weights if key not in weights]
        if missing:
            raise ModelFileError(f"{saving.npz_path(path)}: lacks the arrays {', '.join(missing)}")
        self.set_weights([weights[key] for key in self.weights])


def _pooling_first(layers):
    """The layer order with each ReLU that is directly followed by MaxPooling2D moved after it.

    Max pooling commutes with ReLU: max(relu(a), relu(b)) == relu(max(a, b)) exactly. The
    gradient is the same too. Where a window's maximum m is positive, the cell pooling chooses
    (the first cell equal to m, row-major) is the same on x as on relu(x), because ReLU leaves
    the positive values as they are and maps no other value to m, and ReLU passes its gradient
    through there. Where m <= 0, both orders send the window no gradient (ReLU's is 0 for
    x <= 0; the pooled-first order zeroes it before the pooling spreads it). So for finite
    inputs the order changes no value (up to the sign of a zero), and the ReLU then runs on the pooled feature
    maps, kh*kw times fewer values than the convolution's."""
    order = list(range(len(layers)))
    for i in range(len(layers) - 1):
        if type(layers[i]) is ReLU and type(layers[i + 1]) is MaxPooling2D and order[i] == i:
            order[i], order[i + 1] = i + 1, i
    return tuple(order)


@contextlib.contextmanager
def _switched_on(owners, flag):
    """Set the boolean attribute `flag` of every owner for the block, then give each its own
    value back (also after an error, and right for nested blocks)."""
    before = [getattr(owner, flag, False) for owner in owners]
    for owner in owners:
        setattr(owner, flag, True)
    try:
        yield
    finally:
        for owner, value in zip(owners, before):
            setattr(owner, flag, value)


def _stateful_parts(layers):
    """The layers, and the layers inside them (a Bidirectional's two), whose training passes
    change something other than the parameters: moving statistics or a random stream's counter."""
    from .layers.base import Layer
    found = []
    for layer in layers:
        inner = [value for value in vars(layer).values() if isinstance(value, Layer)]
        for part in (layer, *inner):
            if (part.state or hasattr(part, "counter")) and part not in found:
                found.append(part)
    return found


def _architecture(config):
    """The config without what `load` may differ in: the dtype and Dropout's seeds (random
    streams, not weights; a model built with seed=None has a fresh one every time)."""
    layers = [{key: value for key, value in spec.items() if not (key == "seed" and spec.get("kind") == "Dropout")}
              if isinstance(spec, dict) else spec for spec in config.get("layers", [])]
    return {**{key: value for key, value in config.items() if key != "dtype"}, "layers": layers}


def _first_difference(stored, own):
    """Where the architecture in a file differs from a model's, in words."""
    a, b = _architecture(stored), _architecture(own)
    if len(a["layers"]) != len(b["layers"]):
        return f"{len(a['layers'])} layers where this model has {len(b['layers'])}: {stored['layers']}"
    for i, (theirs, mine) in enumerate(zip(a["layers"], b["layers"])):
        if theirs != mine:
            return f"layer {i + 1} is {theirs} where this model has {mine}"
    keys = sorted(key for key in set(a) | set(b) if a.get(key) != b.get(key))
    return "; ".join(f"{key} is {a.get(key)!r} where this model has {b.get(key)!r}" for key in keys)


def load_model(path):
    """Rebuild a model from a file written by `Sequential.save`."""
    stored, weights = saving.read(path)
    try:
        return Sequential.from_config(stored, weights)
    except KeyError as exc:
        raise ModelFileError(f"{saving.npz_path(path)}: lacks the array {exc.args[0]}") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ModelFileError(f"{saving.npz_path(path)}: {exc}") from None


def __getattr__(name):
    """The model builders' old home: `scratchnet.model.mlp` (and affine_stack, check_memory) still
    import, from `scratchnet.networks` where they live (lazily: networks imports this module)."""
    if name in ("mlp", "affine_stack", "check_memory"):
        from . import networks
        return getattr(networks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
