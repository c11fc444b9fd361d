"""Scenario settings: what to build, what data to feed and how to train, on both sides."""
from dataclasses import asdict, dataclass, field, replace

import numpy as np

import scratchnet
from scratchnet import initializers
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

    def as_dict(self):
        """Flat and JSON-able: every optimizer option appears, at its default unless given."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        own = OPTIMIZERS[self.optimizer].options() if self.optimizer in OPTIMIZERS else {}
        d.update({**OPTIMIZER_OPTIONS, **own, **d.pop("optimizer_options")})
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

PRESETS = {
    "xor": Settings("xor", None, hidden=(8,), learning_rate=0.1, epochs=1000, batch_size=4,
                    check_batch=4, seed=1),
    "mnist": Settings("mnist", "mnist"),
    "fashion-mnist": Settings("fashion-mnist", "fashion_mnist"),
    "textbook-mnist": Settings(
        "textbook-mnist", "mnist", hidden=(500,), weight_init="gaussian", init_std=0.1,
        learning_rate=0.0001, loss_reduction="sum", epochs=100, steps_per_epoch=600,
        sampling="replacement", notes=[COURSE_NOTE]),
}
ALL = ("xor", "mnist", "fashion-mnist")


def input_size(settings):
    """Features per sample: XOR's two inputs, or a flattened 28x28 image."""
    return XOR_X.shape[1] if settings.dataset is None else 28 * 28


def load_data(settings):
    """((x_train, t_train), (x_test, t_test)) in the scenario's dtype, labels as integers."""
    dtype = np.dtype(settings.dtype)
    if settings.dataset is None:
        x = XOR_X.astype(dtype)
        return (x, XOR_T), (x, XOR_T)
    from scratchnet import datasets
    (x_train, t_train), (x_test, t_test) = datasets.load(settings.dataset, dtype=dtype)
    return (x_train, t_train.astype(np.int64)), (x_test, t_test.astype(np.int64))


def build_model(settings, n_in, n_out):
    init = (initializers.Gaussian(settings.init_std) if settings.weight_init == "gaussian"
            else settings.weight_init)
    return scratchnet.mlp([n_in, *settings.hidden, n_out], settings.activation,
                          SoftmaxCrossEntropy(settings.loss_reduction), init, settings.seed, settings.dtype)


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
