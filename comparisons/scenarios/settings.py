"""Scenario settings: what to build (an architecture from architectures.py), what data to feed
and how to train, on both sides; the presets `python -m comparisons NAME` runs (PRESETS), and the
ones `all` runs (ALL).

A scenario's `extras` name what its runner adds after the common checks (runner.EXTRAS): the
comparisons of the conventions it stands for (the course's summed loss, the book's
BatchNormalization and Dropout) with Keras's, from the same initial weights.
"""
from dataclasses import asdict, dataclass, field, replace

from scratchnet.optimizers import OPTIMIZERS

from .architectures import ARCHITECTURES, build_optimizer

# Every optimizer hyperparameter besides the learning rate, with its default, from the registry
# (the CLI's flags are made from this). An option shared by several optimizers shows the first
# one's default here (weight_decay: None, not AdamW's 0.004); Settings.as_dict shows the chosen
# optimizer's own.
OPTIMIZER_OPTIONS = {}
for _cls in OPTIMIZERS.values():
    for _name, _default in _cls.options().items():
        OPTIMIZER_OPTIONS.setdefault(_name, _default)

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
    log_every: int | None = None  # record both sides' batch accuracy every so many steps (as a course text logs)
    extras: tuple = ()  # names in runner.EXTRAS: what the runner adds after the common checks
    data_rows: tuple | None = None  # (training rows, test rows) used, the first ones; None: all

    def as_dict(self):
        """Flat and JSON-able: every optimizer option appears, at its default unless given. The
        fields that only the later scenarios use (architecture, its model options, float64_steps,
        learning_rate_schedule, data_rows) appear when they are set, so the MLP scenarios' reports keep
        their shape."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        own = OPTIMIZERS[self.optimizer].options() if self.optimizer in OPTIMIZERS else {}
        d.update({**OPTIMIZER_OPTIONS, **own, **d.pop("optimizer_options")})
        architecture, model_options = d.pop("architecture"), d.pop("model_options")
        if architecture != "mlp":
            d.update({"architecture": architecture, **ARCHITECTURES[architecture].options, **model_options})
        for key in ("float64_steps", "learning_rate_schedule", "data_rows"):
            value = d.pop(key)
            if value:
                d[key] = [list(pair) for pair in value] if key == "learning_rate_schedule" else \
                    list(value) if key == "data_rows" else value
        del d["log_every"], d["extras"]  # what the run records and adds, not how it trains
        return d

    def plan(self):
        """The LockstepPlan of these settings: how both sides train."""
        from ..core.lockstep import LockstepPlan  # imports Keras: not needed to parse a command line
        return LockstepPlan(epochs=self.epochs, batch_size=self.batch_size, seed=self.seed, sampling=self.sampling,
                            steps_per_epoch=self.steps_per_epoch, learning_rate_schedule=self.learning_rate_schedule,
                            log_every=self.log_every)

    def train(self, model, x, t):
        """Train `model` alone (scratchnet, no Keras side) with these settings' optimizer and plan."""
        return self.plan().fit(model, build_optimizer(self), x, t)

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
    "accuracy: four epochs of Adam at Keras's default rate 0.001, then one at 0.0001 on both sides. At a "
    "constant rate this net's test accuracy wanders from epoch to epoch; the last, slower epoch settles it.")
REGULARIZED_NOTE = (
    "Each hidden layer is Affine -> ReLU -> BatchNormalization -> Dropout. BatchNormalization comes after "
    "the activation because a bias feeding BatchNormalization directly (the book's Affine -> BN order) has "
    "a gradient that is zero in exact arithmetic: both sides then train it on round-off noise. The weight "
    "penalty is Affine's l2 (Keras's kernel_regularizer=L2, a loss term); the optimizer's decoupled "
    "weight_decay is a separate option of the optimizers.")

ROWS_NOTE = (
    "Each MNIST image is read as a sequence: 28 time steps (its rows) of 28 pixels, into Keras's LSTM "
    "(gate blocks i, f, c, o; Glorot-uniform input kernel, orthogonal recurrent kernel, forget-gate bias 1) and "
    "a Dense layer on its last output. Backprop runs through all 28 steps on both sides. The float64 tier checks "
    "one batch (forward, loss, every gradient) and a short lockstep; the float32 run trains to the accuracy: "
    "Adam at 0.002, then a last epoch at 0.0005.")
TEXT_NOTE = (
    "A character-level language model on the first 99,843 characters of tinyshakespeare (Coriolanus; "
    "scratchnet/datasets/texts/README.md gives the source): 61 characters, the first 90 % of the text for "
    "training and the rest for testing, cut into windows of 50 characters whose targets are the next character "
    "at every step. Embedding(61 -> 32) -> LSTM(return_sequences) -> Dense per step, softmax cross-entropy at every "
    "step (Keras's mean over batch and steps). The Embedding's gradient reaches both optimizers as rows, one per "
    "occurrence of a character (TensorFlow's IndexedSlices), and Adam squares them row by row as Keras does "
    "(scratchnet.slices). The float64 tier checks one batch and a short lockstep; the float32 run trains: Adam at "
    "0.01, then a last epoch at 0.002.")
QUICK_NOTE = "Quick form (--quick): a smaller network on the first images, a few steps; not the scenario's numbers."

PRESETS = {
    "xor": Settings("xor", None, hidden=(8,), learning_rate=0.1, epochs=1000, batch_size=4,
                    check_batch=4, seed=1),
    "mnist": Settings("mnist", "mnist"),
    "fashion-mnist": Settings("fashion-mnist", "fashion_mnist"),
    "textbook-mnist": Settings(
        "textbook-mnist", "mnist", hidden=(500,), weight_init="gaussian", init_std=0.1,
        learning_rate=0.0001, loss_reduction="sum", epochs=100, steps_per_epoch=600,
        sampling="replacement", log_every=100, notes=[COURSE_NOTE], extras=("course_convention", "printed_log")),
    "mnist-cnn": Settings(
        "mnist-cnn", "mnist", architecture="simple_convnet", hidden=(100,), weight_init="he_normal",
        optimizer="adam", learning_rate=0.001, epochs=5, learning_rate_schedule=((5, 0.0001),), dtype="float32",
        check_batch=20, float64_steps=30, notes=[CNN_NOTE]),
    "fashion-mnist-regularized": Settings(
        "fashion-mnist-regularized", "fashion_mnist", architecture="regularized_mlp", hidden=(256, 128),
        optimizer="sgd", learning_rate=0.01, optimizer_options={"momentum": 0.9}, notes=[REGULARIZED_NOTE],
        extras=("book_conventions",)),
    "mnist-rows": Settings(
        "mnist-rows", "mnist", architecture="lstm_rows", hidden=(128,), weight_init="glorot_uniform",
        optimizer="adam", learning_rate=0.002, epochs=4, learning_rate_schedule=((4, 0.0005),), dtype="float32",
        check_batch=20, float64_steps=10, notes=[ROWS_NOTE]),
    "text-lm": Settings(
        "text-lm", "tinyshakespeare", architecture="char_lstm", hidden=(128,), weight_init="glorot_uniform",
        optimizer="adam", learning_rate=0.01, epochs=10, batch_size=32, learning_rate_schedule=((10, 0.002),),
        dtype="float32", check_batch=8, float64_steps=10, notes=[TEXT_NOTE], extras=("perplexity",)),
}
CNN_QUICK_NOTE = ("Quick form (--quick; `all` runs it): the first 3000 training and 3000 test images, one epoch "
                  "(30 steps) "
                  "at a constant rate, and a float64 lockstep of 10 steps; the full scenario (`python -m comparisons "
                  "mnist-cnn`) trains on every image to the book's accuracy.")
# --quick: what each scenario that has a quick form changes (a look in seconds; the tests run it)
QUICK = {
    "mnist-rows": {"hidden": (12,), "epochs": 1, "steps_per_epoch": 20, "learning_rate_schedule": (),
                   "data_rows": (2000, 500), "check_batch": 8, "float64_steps": 3, "notes": [ROWS_NOTE, QUICK_NOTE]},
    "text-lm": {"hidden": (32,), "epochs": 2, "learning_rate": 0.02, "learning_rate_schedule": (),
                "data_rows": (640, 199), "check_batch": 4, "float64_steps": 3, "notes": [TEXT_NOTE, QUICK_NOTE]},
}
# mnist-cnn's quick form: the same network, checks and tiers on a short training run; `all` runs the
# scenarios of QUICK_IN_ALL in their quick form.
QUICK["mnist-cnn"] = {"epochs": 1, "data_rows": (3000, 3000), "learning_rate_schedule": (), "float64_steps": 10,
                     "notes": [CNN_NOTE, CNN_QUICK_NOTE]}
ALL = ("xor", "mnist", "fashion-mnist", "mnist-cnn")
QUICK_IN_ALL = ("mnist-cnn",)
