"""Scenario settings: what to build, what data to feed and how to train, on both sides.

A scenario's model comes from its `architecture`, a name in ARCHITECTURES: each entry builds the
scratchnet model from the settings (the shared ones: hidden sizes, activation, initializer,
seed, dtype, loss reduction; and the architecture's own `model_options`) and says whether it
takes images (N, 28, 28, 1) or flat rows (N, 784).
"""
from dataclasses import asdict, dataclass, field, replace

import numpy as np

import scratchnet
from scratchnet import initializers
from scratchnet.layers import ACTIVATIONS, Affine, BatchNormalization, Dropout
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import OPTIMIZERS

# Every optimizer hyperparameter besides the learning rate, with its default, from the registry
# (the CLI's flags are made from this). An option shared by several optimizers shows the first
# one's default here (weight_decay: None, not AdamW's 0.004); Settings.as_dict shows the chosen
# optimizer's own.
OPTIMIZER_OPTIONS = {}
for _cls in OPTIMIZERS.values():
    for _name, _default in _cls.options().items():
        OPTIMIZER_OPTIONS.setdefault(_name, _default)

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_T = np.array([0, 1, 1, 0])


@dataclass
class Settings:
    scenario: str
    dataset: str | None = None  # "mnist", "fashion_mnist" or None (XOR's four points)
    hidden: tuple = (64,)
    activation: str = "relu"
    weight_init: str = "he_normal"
    init_std: float = 0.1  # for weight_init="gaussian"
    optimizer: str = "sgd"  # a name in scratchnet.optimizers.OPTIMIZERS
    learning_rate: float = 0.1
    optimizer_options: dict = field(default_factory=dict)  # given hyperparameters; the rest default
    loss_reduction: str = "mean"
    epochs: int = 1
    batch_size: int = 100
    steps_per_epoch: int | None = None
    sampling: str = "shuffle"
    dtype: str = "float64"
    seed: int = 0
    check_batch: int = 100  # rows of the fixed batch used for the forward and gradient checks
    numerical_samples: int = 6  # entries per parameter for the numerical-gradient check
    notes: list = field(default_factory=list)
    architecture: str = "mlp"  # a name in ARCHITECTURES
    model_options: dict = field(default_factory=dict)  # the architecture's own settings (see ARCHITECTURES)
    float64_steps: int = 0  # > 0 on a float32 scenario: also a float64 tier (checks and this many lockstep steps)
    # ((epoch, learning rate), ...): from the start of that epoch on, both sides train at that rate
    learning_rate_schedule: tuple = ()

    def as_dict(self):
        """Flat and JSON-able: every optimizer option appears, at its default unless given. The
        fields that only the later scenarios use (architecture, its model options, float64_steps,
        learning_rate_schedule) appear when they are set, so the MLP scenarios' reports keep
        their shape."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        own = OPTIMIZERS[self.optimizer].options() if self.optimizer in OPTIMIZERS else {}
        d.update({**OPTIMIZER_OPTIONS, **own, **d.pop("optimizer_options")})
        architecture, model_options = d.pop("architecture"), d.pop("model_options")
        if architecture != "mlp":
            d.update({"architecture": architecture, **ARCHITECTURES[architecture].options, **model_options})
        for key in ("float64_steps", "learning_rate_schedule"):
            value = d.pop(key)
            if value:
                d[key] = [list(pair) for pair in value] if key == "learning_rate_schedule" else value
        return d

    def with_options(self, **options):
        """A copy with the options that are not None; optimizer hyperparameters (any name in
        OPTIMIZER_OPTIONS) go to `optimizer_options`."""
        options = {key: value for key, value in options.items() if value is not None}
        given = {key: options.pop(key) for key in list(options) if key in OPTIMIZER_OPTIONS}
        return replace(self, **options, optimizer_options={**self.optimizer_options, **given})


COURSE_NOTE = (
    "Course text 001 back-propagates y - t (the batch *sum* of the cross-entropy) with lr 0.0001. "
    "Keras's default loss is the batch *mean*, whose gradient is (y - t) / N: the equivalent Keras "
    "setting is `CategoricalCrossentropy(from_logits=True, reduction=\"sum\")` with lr 0.0001, or the "
    "default mean loss with lr 0.0001 * N = 0.01 (N = 100). Keeping lr 0.0001 with the mean loss "
    "trains 100 times more slowly.")

CNN_NOTE = (
    "The book's SimpleConvNet (ch7) in Keras's layout: channels-last images (N, 28, 28, 1), kernel "
    "(5, 5, 1, 30), Keras's Flatten order (h, w, c) before the first Affine. The float64 tier checks one "
    "batch (forward, loss, every gradient) and a short lockstep; the float32 run trains to the book's "
    "accuracy (about 99 %): four epochs of Adam at Keras's default rate 0.001, then one at 0.0001 on both "
    "sides. At a constant rate this net's test accuracy wanders by about 0.1 points from epoch to epoch "
    "around 98.8 %; the last, slower epoch settles it near 99 %.")
REGULARIZED_NOTE = (
    "Each hidden layer is Affine -> ReLU -> BatchNormalization -> Dropout. BatchNormalization comes after "
    "the activation because a bias feeding BatchNormalization directly (the book's Affine -> BN order) has "
    "a gradient that is zero in exact arithmetic: both sides then train it on round-off noise. The weight "
    "penalty is Affine's l2 (Keras's kernel_regularizer=L2, a loss term); the optimizer's decoupled "
    "weight_decay is a separate option of the optimizers.")

PRESETS = {
    "xor": Settings("xor", None, hidden=(8,), learning_rate=0.1, epochs=1000, batch_size=4,
                    check_batch=4, seed=1),
    "mnist": Settings("mnist", "mnist"),
    "fashion-mnist": Settings("fashion-mnist", "fashion_mnist"),
    "textbook-mnist": Settings(
        "textbook-mnist", "mnist", hidden=(500,), weight_init="gaussian", init_std=0.1,
        learning_rate=0.0001, loss_reduction="sum", epochs=100, steps_per_epoch=600,
        sampling="replacement", notes=[COURSE_NOTE]),
    "mnist-cnn": Settings(
        "mnist-cnn", "mnist", architecture="simple_convnet", hidden=(100,), weight_init="he_normal",
        optimizer="adam", learning_rate=0.001, epochs=5, learning_rate_schedule=((5, 0.0001),), dtype="float32",
        check_batch=20, float64_steps=30, notes=[CNN_NOTE]),
    "fashion-mnist-regularized": Settings(
        "fashion-mnist-regularized", "fashion_mnist", architecture="regularized_mlp", hidden=(256, 128),
        optimizer="sgd", learning_rate=0.01, optimizer_options={"momentum": 0.9}, notes=[REGULARIZED_NOTE]),
}
ALL = ("xor", "mnist", "fashion-mnist")


def input_size(settings):
    """Features per sample: XOR's two inputs, or a flattened 28x28 image."""
    return XOR_X.shape[1] if settings.dataset is None else 28 * 28


def load_data(settings):
    """((x_train, t_train), (x_test, t_test)) in the scenario's dtype, labels as integers; images
    (N, 28, 28, 1) for an architecture that takes images, else rows (N, 784)."""
    dtype = np.dtype(settings.dtype)
    if settings.dataset is None:
        x = XOR_X.astype(dtype)
        return (x, XOR_T), (x, XOR_T)
    from scratchnet import datasets
    images = ARCHITECTURES[settings.architecture].images
    (x_train, t_train), (x_test, t_test) = datasets.load(settings.dataset, dtype=dtype, flatten=not images,
                                                         channel_axis=images)
    return (x_train, t_train.astype(np.int64)), (x_test, t_test.astype(np.int64))


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
    return architecture.build(settings, input_shape, n_out, {**architecture.options, **settings.model_options})


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


@dataclass(frozen=True)
class Architecture:
    build: object  # (settings, input_shape, n_out, options) -> scratchnet.Sequential
    images: bool  # takes (N, 28, 28, 1) images rather than (N, 784) rows
    options: dict  # its own settings with their defaults (Settings.model_options overrides them)


ARCHITECTURES = {
    "mlp": Architecture(_mlp, False, {}),
    "simple_convnet": Architecture(_simple_convnet, True, {"filters": 30, "kernel_size": 5}),
    # l2 is float32-representable: Keras's L2 regularizer rounds its factor through float32.
    "regularized_mlp": Architecture(_regularized_mlp, False, {"dropout": 0.2, "l2": float(np.float32(1e-4)),
                                                              "bn_momentum": 0.99, "bn_epsilon": 1e-3,
                                                              "inverted_dropout": True}),
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
