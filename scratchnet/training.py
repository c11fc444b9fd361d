"""Mini-batch training with seeded batch order, history and divergence detection."""
import copy
import math
import threading
from dataclasses import dataclass, field

import numpy as np

from . import display
from ._checks import check_array, check_count, check_nonempty
from ._signals import deliver_pending, held_signals
from .optimizers import Optimizer


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or inf; `step` is the 1-based step at which it happened and `cause`
    says where the non-finite value came from."""

    def __init__(self, step, epoch, loss, cause="try a smaller learning rate"):
        super().__init__(f"training diverged: loss is {loss} at step {step} (epoch {epoch}); {cause}")
        self.step, self.epoch, self.loss, self.cause = step, epoch, loss, cause


def _divergence_cause(x, params):
    """Why a loss is not finite: bad input data, weights already broken, or too large a step."""
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        rows = int(np.sum(~np.all(np.isfinite(x.reshape(len(x), -1)), axis=1)))
        return f"the input batch holds NaN or inf ({rows} of its {len(x)} rows): check the data, not the learning rate"
    broken = [key for key, value in params.items() if not np.all(np.isfinite(value))]
    if broken:
        return (f"the weights {', '.join(broken)} hold NaN or inf (an earlier update overflowed, or they were "
                f"set so): try a smaller learning rate")
    return "try a smaller learning rate"


SAMPLINGS = ("shuffle", "replacement")


def batch_indices(n_samples, batch_size, rng, sampling="shuffle", steps=None):
    """One epoch of index arrays.

    shuffle: a permutation cut into batches (every sample once; a short last batch is kept),
    or only its first `steps` batches.
    replacement: `steps` batches (default n/batch_size) drawn independently, as the course
    texts do with np.random.choice; a sample may repeat across batches.
    """
    batch_size = check_count(batch_size, "batch_size")
    if steps is not None:
        steps = check_count(steps, "steps_per_epoch")
    if sampling == "shuffle":
        order = rng.permutation(n_samples)
        batches = [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]
        return batches[:steps] if steps else batches
    if sampling == "replacement":
        return [rng.choice(n_samples, batch_size) for _ in range(epoch_steps(n_samples, batch_size, sampling, steps))]
    raise ValueError(f"sampling must be 'shuffle' or 'replacement', got {sampling!r}")


def epoch_steps(n_samples, batch_size, sampling="shuffle", steps=None):
    """How many batches `batch_indices` gives for one epoch, without drawing them."""
    if sampling == "replacement":
        return steps or max(1, n_samples // batch_size)
    whole = math.ceil(n_samples / batch_size)
    return min(whole, steps) if steps else whole


class BatchPlan:
    """`epochs` epochs of `batch_indices(...)`, drawn lazily from a copy of `rng` (taken now).

    len(plan) is the number of steps; iterating draws the batches in order (each iteration from a
    fresh copy of the generator); plan[i] and plan[a:b] read forward from where the last read in
    the same thread ended (a thread reading in order, as a lockstep run does, draws each batch
    once; reading backward starts again from the first batch)."""

    def __init__(self, n_samples, batch_size, rng, sampling="shuffle", steps=None, epochs=1):
        self.n_samples, self.batch_size, self.sampling, self.steps = n_samples, batch_size, sampling, steps
        self.epochs, self._rng = epochs, copy.deepcopy(rng)
        self._cursors = {}  # thread id -> (index of the next batch, iterator)

    def per_epoch(self):
        return epoch_steps(self.n_samples, self.batch_size, self.sampling, self.steps)

    def __len__(self):
        return self.per_epoch() * self.epochs

    def __iter__(self):
        rng = copy.deepcopy(self._rng)
        for _ in range(self.epochs):
            yield from batch_indices(self.n_samples, self.batch_size, rng, self.sampling, self.steps)

    def _read(self, start, stop):
        ident = threading.get_ident()
        position, batches = self._cursors.get(ident, (0, None))
        if batches is None or start < position:
            position, batches = 0, iter(self)
        for _ in range(start - position):
            next(batches)
        found = [next(batches) for _ in range(stop - start)]
        self._cursors[ident] = (stop, batches)
        return found

    def __getitem__(self, index):
        total = len(self)
        if isinstance(index, slice):
            start, stop, stride = index.indices(total)
            if stride != 1:
                return list(self)[index]
            return self._read(start, max(start, stop))
        position = index + total if index < 0 else index
        if not 0 <= position < total:
            raise IndexError(f"BatchPlan: step index {index} out of range for {total} steps")
        return self._read(position, position + 1)[0]

    def __repr__(self):
        return f"BatchPlan({len(self)} steps: {self.epochs} epochs of {self.per_epoch()}, {self.sampling})"


@dataclass(repr=False)
class History:
    """What a Trainer recorded: every step's loss, and the metrics of each evaluated epoch. Shows
    itself in one line (repr) or, in a notebook, as a table and a loss plot (scratchnet.display)."""
    step_loss: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)

    def __repr__(self):
        return display.history_text(self)

    def _repr_html_(self):
        return display.history_html(self)


class Trainer:
    """Runs `epochs` epochs of mini-batch updates of `model` with `optimizer`.

    The batch order comes from numpy.random.default_rng(seed), so two runs with the same seed
    see the same batches. `evaluate` is "epoch" (train/test loss and accuracy after every epoch),
    "end" (once, after the last epoch) or None. `on_step(step, loss, batch)` is called after
    every update, which is how a second library can be driven in lockstep. `progress` shows a tqdm
    bar (a widget in a notebook); by default only on a terminal or in a notebook (see
    scratchnet.display.progress_by_default).

    `sample_weight` (one number per training sample) weighs each sample's loss in every step and
    in the training loss recorded, as Keras's `fit(sample_weight=...)`: a step's loss is
    sum(w * loss) / batch size (the accuracy recorded is unweighted, as Keras's metrics are unless
    given as weighted_metrics).
    """

    def __init__(self, model, optimizer, x_train, t_train, x_test=None, t_test=None, *, epochs=1,
                 batch_size=100, seed=0, sampling="shuffle", steps_per_epoch=None,
                 evaluate="epoch", progress=None, on_step=None, sample_weight=None):
        if getattr(model, "loss_layer", None) is None:
            raise ValueError("Trainer: the model has no loss, so there is nothing to minimise; build it with "
                             "one, e.g. mlp(..., loss='softmax_cross_entropy') or "
                             "Sequential(layers, SoftmaxCrossEntropy())")
        for name, data in (("x_train", x_train), ("t_train", t_train)):
            check_nonempty(check_array(data, f"Trainer: {name}"), f"Trainer: {name}")
        if x_train.shape[0] != t_train.shape[0]:
            raise ValueError(f"Trainer: {x_train.shape[0]} training inputs but {t_train.shape[0]} targets")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape not in ((x_train.shape[0],), (x_train.shape[0], 1)):
                raise ValueError(f"Trainer: sample_weight must have one weight per training sample, shape "
                                 f"({x_train.shape[0]},), got {sample_weight.shape}")
        if (x_test is None) != (t_test is None):
            raise ValueError("Trainer: give both x_test and t_test, or neither")
        if evaluate not in ("epoch", "end", None):
            raise ValueError(f"Trainer: evaluate must be 'epoch', 'end' or None, got {evaluate!r}")
        if sampling not in SAMPLINGS:
            raise ValueError(f"Trainer: sampling must be 'shuffle' or 'replacement', got {sampling!r}")
        self.model, self.optimizer = model, optimizer
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.sample_weight = sample_weight
        self.epochs = check_count(epochs, "Trainer: epochs")
        self.batch_size = check_count(batch_size, "Trainer: batch_size")
        self.steps_per_epoch = None if steps_per_epoch is None else check_count(steps_per_epoch,
                                                                               "Trainer: steps_per_epoch")
        self.sampling, self.evaluate, self.on_step = sampling, evaluate, on_step
        self.rng = np.random.default_rng(check_count(seed, "Trainer: seed", minimum=0))
        self.progress = display.progress_by_default() if progress is None else progress
        self.history = History()
        self.step = self.epoch = 0  # completed so far, over every call of fit

    def fit(self):
        """Run `epochs` epochs and return the history. A second call continues: it runs `epochs`
        more epochs, numbered on from the first call's, with batches drawn on from the same seeded
        generator, and the same history grows. Ctrl-C and SIGTERM are held until the step under way
        is whole (scratchnet._signals): the model is then exactly the model after `self.step` steps
        (len(history.step_loss)), and a SIGTERM handler of the caller's (a checkpoint on
        preemption) runs then."""
        bar = self._progress_bar()
        last = self.epoch + self.epochs
        with held_signals():
            while self.epoch < last:
                epoch = self.epoch + 1
                for batch in batch_indices(self.x_train.shape[0], self.batch_size, self.rng,
                                           self.sampling, self.steps_per_epoch):
                    loss = self._step(batch, epoch)
                    self._deliver_signals(epoch)
                    if bar is not None:
                        bar.update(1)
                        if self.step % 50 == 0:
                            bar.set_postfix(loss=f"{loss:.4f}")
                self.epoch = epoch
                if self.evaluate == "epoch" or (self.evaluate == "end" and epoch == last):
                    self._record(epoch)
                    self._deliver_signals(epoch)
        if bar is not None:
            bar.close()
        return self.history

    def _deliver_signals(self, epoch):
        """Between two whole steps: act on a Ctrl-C or SIGTERM that came during the step."""
        try:
            deliver_pending()
        except KeyboardInterrupt as interrupt:
            if interrupt.args:
                raise
            raise KeyboardInterrupt(f"training interrupted after step {self.step} (epoch {epoch}); "
                                    f"the model holds exactly {self.step} steps of training") from None

    def planned_batches(self):
        """The index arrays the next fit() will train on, in order, drawn from a copy of the seeded
        generator (which stays as it is): how a second library is driven ahead of scratchnet. A
        lazy BatchPlan: its length is known at once, its batches are drawn as they are read, so a
        run of a billion steps starts at once with bounded memory."""
        return BatchPlan(self.x_train.shape[0], self.batch_size, self.rng, self.sampling, self.steps_per_epoch,
                         self.epochs)

    def _step(self, batch, epoch):
        """One update on the rows `batch`, recorded; raises TrainingDiverged before updating on a
        non-finite loss."""
        xb = self.x_train[batch]
        weights = None if self.sample_weight is None else self.sample_weight[batch]
        saved = self.model.training_state()
        with self.model.reusing_buffers():  # nothing of this pass outlives the step but the grads
            loss = self.model.backprop(xb, self.t_train[batch]) if weights is None else \
                self.model.backprop(xb, self.t_train[batch], weights)
        if not math.isfinite(loss):  # the model stays as after the last whole step, statistics included
            self.model.restore_training_state(saved)
            raise TrainingDiverged(self.step + 1, epoch, loss, _divergence_cause(xb, self.model.params))
        slices = self.model.gradient_slices() if hasattr(self.model, "gradient_slices") and \
            isinstance(self.optimizer, Optimizer) else None  # (another optimizer takes (params, grads) only)
        if slices:  # an Embedding's rows, applied as Keras's fit applies them (scratchnet.slices)
            self.optimizer.update(self.model.params, self.model.grads, slices=slices)
        else:
            self.optimizer.update(self.model.params, self.model.grads)
        self.step += 1
        self.history.step_loss.append(loss)
        if self.on_step is not None:
            self.on_step(self.step, loss, batch)
        return loss

    def _progress_bar(self):
        if not self.progress:
            return None
        per_epoch = math.ceil(self.x_train.shape[0] / self.batch_size)
        if self.steps_per_epoch:
            per_epoch = self.steps_per_epoch if self.sampling == "replacement" else min(per_epoch, self.steps_per_epoch)
        return display.progress_bar(per_epoch * self.epochs, "scratchnet")

    def _record(self, epoch):
        h = self.history
        h.epoch.append(epoch)
        loss, acc = self.model.evaluate(self.x_train, self.t_train, sample_weight=self.sample_weight)
        h.train_loss.append(loss)
        h.train_accuracy.append(acc)
        if self.x_test is not None:
            loss, acc = self.model.evaluate(self.x_test, self.t_test)
            h.test_loss.append(loss)
            h.test_accuracy.append(acc)
