"""The book's optimizers against scratchnet's closest settings (Keras's equations), trained side
by side from the same weights on the same MNIST batches: `python -m comparisons book-optimizers`.
A study (a measurement): SGD, Momentum and Adam are the same algorithms and must agree to
round-off, and so is Nesterov in the book's current form (its January 2021 fix); AdaGrad and RMSprop are
not, and the table shows how far their weights part.
The book's equations are comparisons.harness.book_optimizers' (their one home).
"""
import numpy as np

import scratchnet
from scratchnet import optimizers as sn
from scratchnet.gradcheck import relative_error
from scratchnet.training import batch_indices

from ..core.check import Check
from ..core.result import Report, Section
from ..core.tolerances import tolerance
from ..harness.book_optimizers import SPECS, BookEquation

# The book's optimizer at its defaults, and scratchnet's (= Keras's) closest setting.
CLOSEST = {
    "sgd": lambda: sn.SGD(0.01),
    "momentum": lambda: sn.SGD(0.01, momentum=0.9),
    "nesterov": lambda: sn.SGD(0.01, momentum=0.9, nesterov=True),
    "adagrad": lambda: sn.Adagrad(0.01, initial_accumulator_value=0.0),
    "rmsprop": lambda: sn.RMSprop(0.01, rho=0.99),
    "adam": lambda: sn.Adam(0.001),
}
SAME_ALGORITHM = ("SGD", "Momentum", "Nesterov", "Adam")  # must agree to round-off; the others are expected to part
EXACT = tolerance("float64", "trajectory_weights")
CHECKPOINTS = (1, 10, 100)


def compare(data, steps=600, batch_size=100, seed=0):
    """For each optimizer: the relative weight difference between the book's and the closest
    setting after CHECKPOINTS and `steps` steps, and both test accuracies; 784-64-10 ReLU,
    He-normal weights, float64, batches seeded by `seed`."""
    (x_train, t_train), (x_test, t_test) = data
    batches = batch_indices(x_train.shape[0], batch_size, np.random.default_rng(seed), "shuffle", steps)
    rows = []
    for name, closest in CLOSEST.items():
        book_model, our_model = (scratchnet.mlp([784, 64, 10], "relu", "softmax_cross_entropy", "he_normal", seed,
                                                np.float64) for _ in range(2))
        book, ours = BookEquation(name), closest()
        gaps = {}
        for step, batch in enumerate(batches, 1):
            for model, optimizer in ((book_model, book), (our_model, ours)):
                model.backprop(x_train[batch], t_train[batch])
                optimizer.update(model.params, model.grads)
            if step in CHECKPOINTS or step == len(batches):
                gaps[step] = max(relative_error(a, b) for a, b in zip(our_model.params.values(),
                                                                     book_model.params.values()))
        rows.append({"book": SPECS[name].name, "closest": repr(ours), "gaps": gaps,
                     "book_accuracy": book_model.accuracy(x_test, t_test),
                     "closest_accuracy": our_model.accuracy(x_test, t_test)})
    return rows


def table(rows):
    steps = list(rows[0]["gaps"])
    headers = ["book's optimizer", "scratchnet's closest (= Keras's equations)",
               *[f"weight gap after {s} step{'s' if s > 1 else ''}" for s in steps],
               "test accuracy (book)", "test accuracy (closest)", "same algorithm?"]
    body = []
    for row in rows:
        same = row["book"] in SAME_ALGORITHM
        last = row["gaps"][steps[-1]]
        verdict = ("yes: equal to round-off" if same and last <= EXACT else "NO: should be equal" if same
                   else "no: the trajectories part")
        body.append([row["book"], row["closest"], *[f"{row['gaps'][s]:.1e}" for s in steps],
                     f"{row['book_accuracy']:.4f}", f"{row['closest_accuracy']:.4f}", verdict])
    return headers, body


def same_algorithm_checks(rows):
    """The three algorithms that are the same must agree to round-off: one check each."""
    return [Check(f"book {row['book']} = {row['closest']} (weight gap after {max(row['gaps'])} steps)",
                  row["gaps"][max(row["gaps"])], EXACT, bool(row["gaps"][max(row["gaps"])] <= EXACT),
                  kind="book_optimizer", subject=row["book"])
            for row in rows if row["book"] in SAME_ALGORITHM]


def passed(rows):
    """Whether the three algorithms that are the same agree to round-off."""
    return all(check.passed for check in same_algorithm_checks(rows))


def run(data, steps=600):
    """The study as a Report: the table, and the checks of the three algorithms that are the same."""
    rows = compare(data, steps=steps)
    headers, body = table(rows)
    command = f"python -m comparisons book-optimizers --steps {steps}"
    report = Report("book-optimizers", headline="The book's optimizers vs scratchnet's closest settings",
                    lead=f"Command: `{command}`. 784-64-10 ReLU, He-normal weights, float64, batches of 100 MNIST "
                         "images; both models start from the same weights and see the same batches. The weight gap "
                         "is max over parameters of max|W_book - W_closest| / max|W_closest|.",
                    check_table="none", files=("md",), summary_text=None)
    report.sections.append(Section("", headers, body, numparse=False))
    report.checks = same_algorithm_checks(rows)
    return report
