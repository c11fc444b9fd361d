"""Networks against a Keras twin built from their layers and weights, through
comparisons.core.one_batch.twin_checks: every layer's output, the loss, every parameter's gradient, and
the first layer whose backward goes wrong; a gradient() that is a numerical one is named so."""
import numpy as np

import reference_keras
import scratchnet
from scratchnet import layers as sn_layers
from scratchnet.losses import SoftmaxCrossEntropy

from ..core.one_batch import twin_checks
from ..core.tolerances import tolerance
from . import adapters, book_layout
from .adapters import BookNetwork
from .common import call
from .layout_networks import LayoutNetwork, book_input_shape, keras_twin
from .recognize import NotMappable, construct, working_copy


NETWORK_BATCH = 7  # differs from every width in adapters.BOOK_NETWORK_SIZES


def check_network(obj, result, draws, x, t, check_alone):
    """The network's checks into `result`; `check_alone(layer, dtype=...)` checks one of its
    layers on its own (the harness's `check`, passed in: it dispatches to this module)."""
    if isinstance(obj, type) and issubclass(obj, scratchnet.Sequential):
        raise NotMappable("a Sequential class: check an instance (a model with its layers)")
    if isinstance(obj, scratchnet.Sequential):
        return _check_sequential(obj, result, draws, x, t)
    net = construct(obj, {**adapters.BOOK_NETWORK_SIZES, "weight_decay_lambda": adapters.BOOK_WEIGHT_DECAY},
                    draws.seed) if isinstance(obj, type) else working_copy(obj)
    if not isinstance(getattr(net, "params", None), dict):
        raise NotMappable("a network without a params dict (W1, b1, ...)")
    structure = None
    if adapters.layers_of(net) is not None:
        structure, warnings = adapters.network_structure(net)
        result.warnings.extend(f"WARNING: {w}" for w in warnings)
    if isinstance(obj, type):
        _redraw(net.params, draws)
    adapters.set_network_dtype(net, structure or [], draws.dtype)
    if structure is None:
        model = BookNetwork(net, draws.dtype)
        n_in, n_out = _network_sizes(model)
        if x is None:
            x = draws.normal((NETWORK_BATCH, n_in))
            t = np.eye(n_out, dtype=draws.dtype)[draws.rng.integers(0, n_out, NETWORK_BATCH)]
        keras_model = _twin_without_layers(model, x, t, model.weight_decay / 2)
    else:
        if x is None:
            x = draws.normal((NETWORK_BATCH, *book_input_shape(net, structure, draws.dtype)))
            n_out = [adapter.layer.W for _, kind, adapter, _ in structure if kind == "affine"][-1].shape[1]
            t = np.eye(n_out, dtype=draws.dtype)[draws.rng.integers(0, n_out, NETWORK_BATCH)]
        model = LayoutNetwork(net, draws.dtype, structure, x, draws.seed)
        keras_model = keras_twin(model, model.weight_decay / 2)
        x = book_layout.to_nhwc(x)  # the twin checks run in Keras's layout; the adapter hands the network NCHW
    checks, diagnosis = twin_checks(model, keras_model, x, np.asarray(t), numerical_samples=0,
                                    loss_tolerance=tolerance(draws.dtype, "book_log_loss"))
    result.checks.extend(checks)
    result.diagnosis.extend(diagnosis)
    if structure and not all(c.passed for c in checks):
        _layers_alone(structure, result, draws.dtype, check_alone)
    if isinstance(model, LayoutNetwork):
        result.notes.extend(model.notes())
    if model.missing_gradients:
        result.warnings.append(f"WARNING: gradient() returned no entry for {', '.join(model.missing_gradients)}")
    _numerical_gradient_diagnosis(model, result, x, t)


def _layers_alone(structure, result, dtype, check_alone):
    """Each of the network's layers checked on its own: the first that fails names the mistake."""
    for name, _, adapter, _ in structure:
        alone = check_alone(adapter.layer, dtype=dtype)
        if alone.diagnosis:
            result.diagnosis.append(f"{name} ({type(adapter.layer).__name__}) checked on its own: "
                                    f"{alone.diagnosis[0]}")
            return


def _redraw(params, draws):
    """Seeded weights in place (the layers share these arrays): W ~ N(0, 1/fan_in) (a filter's fan
    in: C*FH*FW), biases and beta nonzero, gamma near 1, the last layer's weights halved so that
    the logits stay moderate."""
    last = [key for key, value in params.items() if np.ndim(value) == 2][-1:]
    for key, value in params.items():
        shape = np.shape(value)
        if len(shape) == 1:
            value[...] = (1.0 if key.startswith("gamma") else 0.0) + draws.rng.normal(size=shape) * 0.1
        else:
            value[...] = draws.rng.normal(size=shape) * (0.5 if key in last else 1.0) / np.sqrt(
                np.prod(shape[1:]) if len(shape) == 4 else shape[0])


def _network_sizes(model):
    weights = [model.params[w] for w, _ in adapters.plain_mlp_structure(model.net)]
    return weights[0].shape[0], weights[-1].shape[1]


def _twin_without_layers(model, x, t, l2):
    """A network with no `layers` dict (the book's ch04 style): the MLP on its W1, b1, ... whose
    loss is the network's, trying each activation."""
    pairs = adapters.plain_mlp_structure(model.net)
    learner_loss = call("loss", model.loss, x, t)
    for activation in ("sigmoid", "relu", "tanh"):
        layers = []
        for w, b in pairs:
            layers += [sn_layers.Affine(np.array(model.params[w]), np.array(model.params[b]), l2=l2),
                       sn_layers.ACTIVATIONS[activation]()]
        mirror = scratchnet.Sequential(layers[:-1], SoftmaxCrossEntropy(), dtype=model.dtype)
        if abs(mirror.loss(x, t) - learner_loss) <= tolerance(model.dtype, "book_log_loss") * abs(learner_loss):
            keras_model = reference_keras.to_keras(mirror, exact_l2=True)
            keras_model.scratchnet_weight_names = [key for pair in pairs for key in pair]
            return keras_model
    raise NotMappable("it has no `layers` dict, and no MLP with relu, sigmoid or tanh between its W1, b1, ... "
                      "gives its loss")


def _numerical_gradient_diagnosis(model, result, x, t):
    """A gradient() that evaluates the loss once per parameter entry is a numerical gradient:
    say so, and what its error is made of."""
    entries = sum(np.size(value) for value in model.params.values())
    failed = [c for c in result.failed if c.kind in ("gradient", "numerical")]
    if model.loss_calls < max(3, entries // 2) or not failed:
        return
    dtype = model.dtype
    loss = abs(model.loss(x, t))
    round_off = float(np.finfo(dtype).eps) * loss / 1e-4
    worst = max(c.value for c in failed)
    result.diagnosis.append(
        f"gradient() evaluated the loss {model.loss_calls} times for {entries} parameter entries: a numerical "
        f"(finite-difference) gradient, not backprop. Its error ({worst:.2g} relative here) is the finite "
        f"difference's own: round-off ~eps*abs(L)/h ({round_off:.1g} in {dtype} with h = 1e-4) plus truncation, "
        f"O(h) for forward differences (O(h**2) for central ones): too coarse for a {dtype} tolerance of "
        f"{failed[0].tolerance:g}. Check backprop against Keras's autodiff instead (or central differences in "
        f"float64)")


def _check_sequential(model, result, draws, x, t):
    if model.loss_layer is None:
        raise NotMappable("a Sequential without a loss: build it with one to compare losses and gradients")
    model = model.astype(draws.dtype)
    try:
        keras_model = reference_keras.to_keras(model)
    except reference_keras.UnsupportedLayerError as err:
        raise NotMappable(str(err)) from err
    if x is None:
        x = draws.normal((NETWORK_BATCH, model.input_size))
        t = draws.rng.integers(0, model.output_size, NETWORK_BATCH)
    checks, diagnosis = twin_checks(model, keras_model, x, np.asarray(t), numerical_samples=2, seed=draws.seed)
    result.checks.extend(checks)
    result.diagnosis.extend(diagnosis)

