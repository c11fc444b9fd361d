"""The scenarios' architectures and data: ARCHITECTURES (each builds the scratchnet model from a
scenario's settings and says whether it takes images, sequences or rows), the optimizer from the
settings, and the data (MNIST, Fashion-MNIST, or XOR's four points).

An architecture uses the shared settings (hidden sizes, activation, initializer, seed, dtype,
loss reduction) and its own `model_options`; it takes images (N, 28, 28, 1), sequences (N, 28, 28:
each image read as 28 time steps of 28 pixels), flat rows (N, 784) or, for a text data set (a
name in scratchnet.datasets.texts.TEXTS), windows of character ids (N, steps) whose targets are
the next character at every step.
"""
from dataclasses import dataclass

import numpy as np

import scratchnet
from scratchnet import initializers
from scratchnet.datasets.texts import TEXTS, char_sequences, load_text
from scratchnet.layers import ACTIVATIONS, LSTM, Affine, BatchNormalization, Dropout, Embedding
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import OPTIMIZERS

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_T = np.array([0, 1, 1, 0])


def input_size(settings):
    """Features per sample: XOR's two inputs, or a flattened 28x28 image."""
    return XOR_X.shape[1] if settings.dataset is None else 28 * 28


def load_data(settings):
    """((x_train, t_train), (x_test, t_test)) in the scenario's dtype, labels as integers; images
    (N, 28, 28, 1) for an architecture that takes images, else rows (N, 784); the first
    `settings.data_rows` of each split when that is set."""
    dtype = np.dtype(settings.dtype)
    if settings.dataset is None:
        x = XOR_X.astype(dtype)
        return (x, XOR_T), (x, XOR_T)
    n_train, n_test = settings.data_rows or (None, None)
    if settings.dataset in TEXTS:  # integer ids, whatever the dtype
        _, (x_train, t_train), (x_test, t_test) = char_sequences(load_text(settings.dataset), _steps(settings))
        return (x_train[:n_train], t_train[:n_train]), (x_test[:n_test], t_test[:n_test])
    from scratchnet import datasets
    architecture = ARCHITECTURES[settings.architecture]
    images = architecture.images
    (x_train, t_train), (x_test, t_test) = datasets.load(settings.dataset, dtype=dtype,
                                                         flatten=not (images or architecture.sequences),
                                                         channel_axis=images)
    return (x_train[:n_train], t_train[:n_train].astype(np.int64)), (x_test[:n_test], t_test[:n_test].astype(np.int64))


def model_options(settings):
    """The architecture's options with the scenario's own settings of them on top."""
    return {**ARCHITECTURES[settings.architecture].options, **settings.model_options}


def _steps(settings):
    return model_options(settings).get("steps", 50)


def n_classes(settings):
    """The number of outputs: XOR's 2, a text's vocabulary, the image sets' 10 classes."""
    if settings.dataset is None:
        return 2
    if settings.dataset in TEXTS:
        return len(set(load_text(settings.dataset)))
    return 10


def build_model(settings, input_shape, n_out):
    """The scenario's scratchnet model for per-sample inputs of `input_shape` (a tuple, or the
    number of features) and `n_out` classes."""
    input_shape = (input_shape,) if isinstance(input_shape, (int, np.integer)) else tuple(input_shape)
    architecture = ARCHITECTURES.get(settings.architecture)
    if architecture is None:
        raise ValueError(f"unknown architecture {settings.architecture!r}; known: {', '.join(ARCHITECTURES)}")
    foreign = [key for key in settings.model_options if key not in architecture.options]
    if foreign:
        raise ValueError(f"{', '.join(foreign)} is not an option of the {settings.architecture} architecture "
                         f"(its options: {', '.join(architecture.options) or 'none'})")
    return architecture.build(settings, input_shape, n_out, model_options(settings))


def _initializer(settings):
    return initializers.Gaussian(settings.init_std) if settings.weight_init == "gaussian" else settings.weight_init


def _mlp(settings, input_shape, n_out, options):
    del options  # none
    return scratchnet.mlp([input_shape[0], *settings.hidden, n_out], settings.activation,
                          SoftmaxCrossEntropy(settings.loss_reduction), _initializer(settings), settings.seed,
                          settings.dtype)


def _simple_convnet(settings, input_shape, n_out, options):
    return scratchnet.simple_convnet(input_shape, options["filters"], options["kernel_size"], settings.hidden, n_out,
                                     settings.activation, SoftmaxCrossEntropy(settings.loss_reduction),
                                     _initializer(settings), settings.seed, settings.dtype)


def _regularized_mlp(settings, input_shape, n_out, options):
    """Affine (L2 penalty) -> activation -> BatchNormalization -> Dropout for each hidden size,
    then Affine (L2) to the outputs. Each Dropout's seed is the scenario seed plus its position."""
    dtype = np.dtype(settings.dtype)
    rng = np.random.default_rng(settings.seed)
    init = initializers.get(_initializer(settings))
    sizes = [input_shape[0], *settings.hidden, n_out]
    layers = []
    for i, (n_in, n) in enumerate(zip(sizes, sizes[1:])):
        layers.append(Affine(init((n_in, n), rng, dtype), np.zeros(n, dtype), l2=options["l2"]))
        if i < len(sizes) - 2:
            layers += [ACTIVATIONS[settings.activation](),
                       BatchNormalization(np.ones(n, dtype), np.zeros(n, dtype), momentum=options["bn_momentum"],
                                          epsilon=options["bn_epsilon"]),
                       Dropout(options["dropout"], seed=settings.seed + i + 1, inverted=options["inverted_dropout"])]
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(settings.loss_reduction), dtype=dtype)


def _lstm_rows(settings, input_shape, n_out, options):
    """LSTM(hidden[0]) over the image's rows (28 steps of 28 pixels; Keras's default initial
    weights: Glorot-uniform Wx, orthogonal Wh, the forget gate's bias 1) -> Affine to the classes."""
    del options  # none
    dtype = np.dtype(settings.dtype)
    rng = np.random.default_rng(settings.seed)
    steps, features = input_shape
    units = settings.hidden[0]
    lstm = LSTM.initialize(features, units, rng, dtype, input_shape=(steps, features))
    init = initializers.get(_initializer(settings))
    return scratchnet.Sequential([lstm, Affine(init((units, n_out), rng, dtype), np.zeros(n_out, dtype))],
                                 SoftmaxCrossEntropy(settings.loss_reduction), dtype=dtype)


def _char_lstm(settings, input_shape, n_out, options):
    """A character-level language model: Embedding(n_out ids -> options["embedding"]) ->
    LSTM(hidden[0], return_sequences) -> Affine per step to the n_out characters, with Keras's
    default initial weights (uniform embeddings, Glorot-uniform Wx, orthogonal Wh, forget bias 1)
    and the settings' initializer for the last kernel; the loss is the softmax cross-entropy at
    every step (Keras's mean over batch and steps)."""
    dtype = np.dtype(settings.dtype)
    rng = np.random.default_rng(settings.seed)
    (steps,) = input_shape
    units = settings.hidden[0]
    embedding = Embedding.initialize(n_out, options["embedding"], rng, dtype, input_shape=(steps,))
    lstm = LSTM.initialize(options["embedding"], units, rng, dtype, return_sequences=True)
    init = initializers.get(_initializer(settings))
    return scratchnet.Sequential([embedding, lstm, Affine(init((units, n_out), rng, dtype), np.zeros(n_out, dtype))],
                                 SoftmaxCrossEntropy(settings.loss_reduction), dtype=dtype)


@dataclass(frozen=True)
class Architecture:
    build: object  # (settings, input_shape, n_out, options) -> scratchnet.Sequential
    images: bool  # takes (N, 28, 28, 1) images rather than (N, 784) rows
    options: dict  # its own settings with their defaults (Settings.model_options overrides them)
    sequences: bool = False  # takes (N, 28, 28) images as 28 time steps of 28 pixels


ARCHITECTURES = {
    "mlp": Architecture(_mlp, False, {}),
    "simple_convnet": Architecture(_simple_convnet, True, {"filters": 30, "kernel_size": 5}),
    # l2 is float32-representable: Keras's L2 regularizer rounds its factor through float32.
    "regularized_mlp": Architecture(_regularized_mlp, False, {"dropout": 0.2, "l2": float(np.float32(1e-4)),
                                                              "bn_momentum": 0.99, "bn_epsilon": 1e-3,
                                                              "inverted_dropout": True}),
    "lstm_rows": Architecture(_lstm_rows, False, {}, sequences=True),
    "char_lstm": Architecture(_char_lstm, False, {"embedding": 32, "steps": 50}, sequences=True),
}


def build_optimizer(settings):
    """scratchnet's optimizer, with hyperparameters rounded through float32 as Keras does. An
    option the chosen optimizer does not have is refused rather than ignored."""
    cls = OPTIMIZERS.get(settings.optimizer)
    if cls is None:
        raise ValueError(f"unknown optimizer {settings.optimizer!r}; known: {', '.join(OPTIMIZERS)}")
    foreign = [key for key in settings.optimizer_options if key not in cls.options()]
    if foreign:
        raise ValueError(f"{', '.join(foreign)} is not an option of {settings.optimizer} "
                         f"(its options: {', '.join(cls.options())})")
    return cls(learning_rate=settings.learning_rate, float32_hyperparams=True, **settings.optimizer_options)
