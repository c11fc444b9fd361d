"""Mini-batch training with seeded batch order, history and divergence detection."""
import math
import sys
from dataclasses import dataclass, field

import numpy as np


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or inf; `step` is the 1-based step at which it happened."""

    def __init__(self, step, epoch, loss):
        super().__init__(f"training diverged: loss is {loss} at step {step} (epoch {epoch}); "
                         "try a smaller learning rate")
        self.step, self.epoch, self.loss = step, epoch, loss


SAMPLINGS = ("shuffle", "replacement")


def batch_indices(n_samples, batch_size, rng, sampling="shuffle", steps=None):
    """One epoch of index arrays.

    shuffle: a permutation cut into batches (every sample once; a short last batch is kept),
    or only its first `steps` batches.
    replacement: `steps` batches (default n/batch_size) drawn independently, as the course
    texts do with np.random.choice; a sample may repeat across batches.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if sampling == "shuffle":
        order = rng.permutation(n_samples)
        batches = [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]
        return batches[:steps] if steps else batches
    if sampling == "replacement":
        steps = steps or max(1, n_samples // batch_size)
        return [rng.choice(n_samples, batch_size) for _ in range(steps)]
    raise ValueError(f"sampling must be 'shuffle' or 'replacement', got {sampling!r}")


@dataclass
class History:
    step_loss: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)


class Trainer:
    """Runs `epochs` epochs of mini-batch updates of `model` with `optimizer`.

    The batch order comes from numpy.random.default_rng(seed), so two runs with the same seed
    see the same batches. `evaluate` is "epoch" (train/test loss and accuracy after every epoch),
    "end" (once, after the last epoch) or None. `on_step(step, loss, batch)` is called after
    every update, which is how a second library can be driven in lockstep.
    """

    def __init__(self, model, optimizer, x_train, t_train, x_test=None, t_test=None, *, epochs=1,
                 batch_size=100, seed=0, sampling="shuffle", steps_per_epoch=None,
                 evaluate="epoch", progress=None, on_step=None):
        if getattr(model, "loss_layer", None) is None:
            raise ValueError("Trainer: the model has no loss, so there is nothing to minimise; build it with "
                             "one, e.g. mlp(..., loss='softmax_cross_entropy') or Sequential(layers, SoftmaxCrossEntropy())")
        if x_train.shape[0] != t_train.shape[0]:
            raise ValueError(f"Trainer: {x_train.shape[0]} training inputs but {t_train.shape[0]} targets")
        if (x_test is None) != (t_test is None):
            raise ValueError("Trainer: give both x_test and t_test, or neither")
        if evaluate not in ("epoch", "end", None):
            raise ValueError(f"Trainer: evaluate must be 'epoch', 'end' or None, got {evaluate!r}")
        self.model, self.optimizer = model, optimizer
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.epochs, self.batch_size, self.sampling = epochs, batch_size, sampling
        self.steps_per_epoch, self.evaluate, self.on_step = steps_per_epoch, evaluate, on_step
        self.rng = np.random.default_rng(seed)
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.history = History()

    def fit(self):
        step = 0
        bar = self._progress_bar()
        for epoch in range(1, self.epochs + 1):
            for batch in batch_indices(self.x_train.shape[0], self.batch_size, self.rng,
                                       self.sampling, self.steps_per_epoch):
                step += 1
                loss = self.model.backprop(self.x_train[batch], self.t_train[batch])
                if not math.isfinite(loss):
                    raise TrainingDiverged(step, epoch, loss)
                self.optimizer.update(self.model.params, self.model.grads)
                self.history.step_loss.append(loss)
                if self.on_step is not None:
                    self.on_step(step, loss, batch)
                if bar is not None:
                    bar.update(1)
                    if step % 50 == 0:
                        bar.set_postfix(loss=f"{loss:.4f}")
            if self.evaluate == "epoch" or (self.evaluate == "end" and epoch == self.epochs):
                self._record(epoch)
        if bar is not None:
            bar.close()
        return self.history

    def _progress_bar(self):
        if not self.progress:
            return None
        from tqdm.auto import tqdm  # imported lazily: keeps `import scratchnet` fast
        per_epoch = math.ceil(self.x_train.shape[0] / self.batch_size)
        if self.steps_per_epoch:
            per_epoch = self.steps_per_epoch if self.sampling == "replacement" else min(per_epoch, self.steps_per_epoch)
        return tqdm(total=per_epoch * self.epochs, desc="scratchnet", unit="step")

    def _record(self, epoch):
        h = self.history
        h.epoch.append(epoch)
        loss, acc = self.model.evaluate(self.x_train, self.t_train)
        h.train_loss.append(loss)
        h.train_accuracy.append(acc)
        if self.x_test is not None:
            loss, acc = self.model.evaluate(self.x_test, self.t_test)
            h.test_loss.append(loss)
            h.test_accuracy.append(acc)
