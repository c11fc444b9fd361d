"""The deep-learning-from-scratch book's optimizers against scratchnet's closest settings (which are
Keras's equations), trained from the same weights on the same MNIST batches.

The book's update rules are written out below from their equations (the five course texts use
none of them). SGD, Momentum and Adam are the same algorithms as Keras's; Nesterov, AdaGrad and
RMSprop are not: the book's AdaGrad and RMSprop add their 1e-7 outside the square root, Keras
inside it, and the book's Nesterov is a different recurrence. `python -m comparisons
book-optimizers` measures how far each pair of trajectories parts.
"""
import numpy as np

import scratchnet
from scratchnet import optimizers
from scratchnet.gradcheck import relative_error
from scratchnet.training import batch_indices

BOOK_EPSILON = 1e-7  # the book's hard-coded constant, added outside the square root


class BookSGD:
    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class BookMomentum:
    """v = momentum * v - lr * g; w += v."""

    def __init__(self, lr, momentum):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key in params:
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += self.step(v, grads[key])

    def step(self, v, g):
        return v


class BookNesterov(BookMomentum):
    """The same v; then w += momentum**2 * v (the updated v) - (1 + momentum) * lr * g."""

    def step(self, v, g):
        return self.momentum ** 2 * v - (1 + self.momentum) * self.lr * g


class BookAdaGrad:
    """h += g**2 (from 0); w -= lr * g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr):
        self.lr, self.h = lr, {}

    def update(self, params, grads):
        for key in params:
            h = self.h.setdefault(key, np.zeros_like(params[key]))
            self.accumulate(h, grads[key])
            params[key] -= self.lr * grads[key] / (np.sqrt(h) + BOOK_EPSILON)

    def accumulate(self, h, g):
        h += g * g


class BookRMSprop(BookAdaGrad):
    """h = decay * h + (1 - decay) * g**2 (from 0); w -= lr * g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr, decay_rate):
        super().__init__(lr)
        self.decay_rate = decay_rate

    def accumulate(self, h, g):
        h *= self.decay_rate
        h += (1 - self.decay_rate) * g * g


class BookAdam:
    """lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t); m += (1 - beta1)(g - m);
    v += (1 - beta2)(g**2 - v); w -= lr_t * m / (sqrt(v) + 1e-7)."""

    def __init__(self, lr, beta1, beta2):
        self.lr, self.beta1, self.beta2, self.t, self.m, self.v = lr, beta1, beta2, 0, {}, {}

    def update(self, params, grads):
        self.t += 1
        lr_t = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for key in params:
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m += (1 - self.beta1) * (grads[key] - m)
            v += (1 - self.beta2) * (grads[key] ** 2 - v)
            params[key] -= lr_t * m / (np.sqrt(v) + BOOK_EPSILON)


# The book's optimizer with its defaults, and scratchnet's (= Keras's) closest setting.
PAIRS = {
    "SGD": (lambda: BookSGD(0.01), lambda: optimizers.SGD(0.01)),
    "Momentum": (lambda: BookMomentum(0.01, 0.9), lambda: optimizers.SGD(0.01, momentum=0.9)),
    "Nesterov": (lambda: BookNesterov(0.01, 0.9), lambda: optimizers.SGD(0.01, momentum=0.9, nesterov=True)),
    "AdaGrad": (lambda: BookAdaGrad(0.01), lambda: optimizers.Adagrad(0.01, initial_accumulator_value=0.0)),
    "RMSprop": (lambda: BookRMSprop(0.01, 0.99), lambda: optimizers.RMSprop(0.01, rho=0.99)),
    "Adam": (lambda: BookAdam(0.001, 0.9, 0.999), lambda: optimizers.Adam(0.001)),
}
SAME_ALGORITHM = ("SGD", "Momentum", "Adam")  # must agree to round-off; the others are expected to part
EXACT = 1e-12  # float64 round-off over a few hundred steps (comparisons/tolerances.py's float64 tier)
CHECKPOINTS = (1, 10, 100)


def compare(data, steps=600, batch_size=100, seed=0):
    """For each pair: the relative weight difference after CHECKPOINTS and `steps` steps, and
    both test accuracies; 784-64-10 ReLU, He-normal weights, float64, batches seeded by `seed`."""
    (x_train, t_train), (x_test, t_test) = data
    batches = batch_indices(x_train.shape[0], batch_size, np.random.default_rng(seed), "shuffle", steps)
    rows = []
    for name, (book_optimizer, closest) in PAIRS.items():
        book_model, our_model = (scratchnet.mlp([784, 64, 10], "relu", "softmax_cross_entropy", "he_normal", seed,
                                                np.float64) for _ in range(2))
        book, ours = book_optimizer(), closest()
        gaps = {}
        for step, batch in enumerate(batches, 1):
            for model, optimizer in ((book_model, book), (our_model, ours)):
                model.backprop(x_train[batch], t_train[batch])
                optimizer.update(model.params, model.grads)
            if step in CHECKPOINTS or step == len(batches):
                gaps[step] = max(relative_error(a, b) for a, b in zip(our_model.params.values(),
                                                                     book_model.params.values()))
        rows.append({"book": name, "closest": repr(ours), "gaps": gaps,
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


def passed(rows):
    """The three algorithms that are the same must agree to round-off."""
    return all(row["gaps"][max(row["gaps"])] <= EXACT for row in rows if row["book"] in SAME_ALGORITHM)
