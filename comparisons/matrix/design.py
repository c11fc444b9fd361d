"""The matrix's design: every optimizer variant with every loss variant, one row each, and the
other four factors (activation, L2, weight decay, clip option) chosen greedily so that every pair
of levels of any two of the six factors meets in some row (a covering design).
"""
import itertools
from dataclasses import dataclass

from scratchnet.layers import ACTIVATIONS
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

# name -> (optimizer, learning rate, options). The learning rates keep every run finite and
# moving; Adam's amsgrad uses beta_2 0.9 so that v falls below its running maximum within 12 steps.
OPTIMIZER_VARIANTS = {
    "sgd": ("sgd", 0.1, {}),
    "sgd momentum": ("sgd", 0.05, {"momentum": 0.9}),
    "sgd nesterov": ("sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("adagrad", 0.1, {}),
    "rmsprop": ("rmsprop", 0.01, {}),
    "rmsprop centered": ("rmsprop", 0.01, {"centered": True}),
    "rmsprop momentum": ("rmsprop", 0.005, {"momentum": 0.5}),
    "adam": ("adam", 0.02, {}),
    "adam amsgrad": ("adam", 0.02, {"amsgrad": True, "beta_2": 0.9}),
    "adamw": ("adamw", 0.02, {}),
}
# What distinguishes a variant, removed to see that it matters (plain variants have nothing).
VARIANT_ABLATION = {
    "sgd momentum": ("momentum", {"momentum": 0.0}),
    "sgd nesterov": ("nesterov", {"nesterov": False}),
    "rmsprop centered": ("centered", {"centered": False}),
    "rmsprop momentum": ("momentum", {"momentum": 0.0}),
    "adam amsgrad": ("amsgrad", {"amsgrad": False}),
    "adamw": ("AdamW's weight decay", {"optimizer": "adam", "weight_decay": None}),
}
# name -> (loss, reduction, target kind)
LOSS_VARIANTS = {
    "softmax CE, labels, mean": (SoftmaxCrossEntropy, "mean", "labels"),
    "softmax CE, labels, sum": (SoftmaxCrossEntropy, "sum", "labels"),
    "softmax CE, one-hot, mean": (SoftmaxCrossEntropy, "mean", "one_hot"),
    "softmax CE, one-hot, sum": (SoftmaxCrossEntropy, "sum", "one_hot"),
    "sigmoid BCE": (SigmoidBinaryCrossEntropy, "mean", "binary"),
    "MSE": (MeanSquaredError, "mean", "real"),
}
CLIPS = ("none", "clipnorm", "clipvalue", "global_clipnorm")
FACTORS = ("optimizer", "loss", "activation", "l2", "weight_decay", "clip")


@dataclass
class Row:
    optimizer: str
    loss: str
    activation: str
    l2: bool
    weight_decay: bool
    clip: str

    def levels(self):
        return dict(zip(FACTORS, (self.optimizer, self.loss, self.activation, self.l2, self.weight_decay, self.clip)))


def pairs(levels):
    return {(a, levels[a], b, levels[b]) for a, b in itertools.combinations(FACTORS, 2)}


def covering_rows():
    """One row per (optimizer variant, loss variant); the other four factors chosen greedily to
    cover the most pairs not yet covered (ties: the first candidate), deterministic."""
    covered, rows = set(), []
    others = list(itertools.product(ACTIVATIONS, (False, True), (False, True), CLIPS))
    for optimizer, loss in itertools.product(OPTIMIZER_VARIANTS, LOSS_VARIANTS):
        best = max(others, key=lambda c: len(pairs(Row(optimizer, loss, *c).levels()) - covered))
        row = Row(optimizer, loss, *best)
        covered |= pairs(row.levels())
        rows.append(row)
    return rows


def required_pairs():
    """Every pair of levels of two factors."""
    values = {"optimizer": list(OPTIMIZER_VARIANTS), "loss": list(LOSS_VARIANTS), "activation": list(ACTIVATIONS),
              "l2": [False, True], "weight_decay": [False, True], "clip": list(CLIPS)}
    return {(a, x, b, y) for a, b in itertools.combinations(FACTORS, 2) for x in values[a] for y in values[b]}
