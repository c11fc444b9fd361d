"""Train scratchnet and its Keras twin in lockstep: the same batches in the same order, both
losses recorded at every step and the weight drift between the two models at chosen steps.

scratchnet trains in this thread with its Trainer. Keras trains at the same time in a second
thread, many steps per compiled call (reference_keras.train_steps), on the batch order the
Trainer plans from its seed; at each drift step it hands over a copy of its weights, which
scratchnet's on_step compares with its own. Between two compiled calls the Keras thread does
what must happen between two steps: a learning-rate change of the schedule, and a logged
step's batch accuracy (taken before that step's update). NumPy's matrix products and
TensorFlow's graph both run outside Python's GIL, so on two cores the two sides mostly compute
side by side; meanwhile NumPy's BLAS keeps to one thread (BLAS_THREADS), since OpenBLAS's two
threads stall whenever another thread holds a core they wait for. For some shapes OpenBLAS rounds
a product differently with one thread than with two: scratchnet's steps in a lockstep are then
those of a run with OPENBLAS_NUM_THREADS=1, bit for bit, whatever the machine's core count
(BLAS_THREADS = None leaves OpenBLAS's own choice).
"""
import contextlib
import queue
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

import reference_keras
from scratchnet import Trainer
from scratchnet.gradcheck import relative_error

from .check import Check
from .tolerances import tolerance

AHEAD_BYTES = 128 * 2**20  # Keras's weight copies waiting for scratchnet, at most (two at least)
BLAS_THREADS = 1  # NumPy's while Keras trains beside it (see above); None: OpenBLAS's default


@dataclass(frozen=True)
class LockstepPlan:
    """How both sides train: the Trainer's batch plan (epochs, batch size, seed, sampling, steps
    per epoch), the learning-rate schedule ((epoch, rate), ...: from the start of that epoch on,
    both sides train at that rate), and what the run records besides the losses (the weight
    drift every `drift_every` steps, see drift_steps; the batch accuracy every `log_every`)."""
    epochs: int = 1
    batch_size: int = 100
    seed: int = 0
    sampling: str = "shuffle"
    steps_per_epoch: int | None = None
    learning_rate_schedule: tuple = ()
    drift_every: int | None = None
    log_every: int | None = None

    def trainer(self, model, optimizer, x, t, progress=False, on_step=None):
        """scratchnet's Trainer for this plan (no evaluation between epochs)."""
        return Trainer(model, optimizer, x, t, epochs=self.epochs, batch_size=self.batch_size, seed=self.seed,
                       sampling=self.sampling, steps_per_epoch=self.steps_per_epoch, evaluate=None,
                       progress=progress, on_step=on_step)

    def fit(self, model, optimizer, x, t):
        """Train `model` alone (no Keras side) as the plan says; returns the Trainer's history."""
        return self.trainer(model, optimizer, x, t).fit()


@dataclass
class Trajectory:
    scratchnet_loss: list = field(default_factory=list)
    keras_loss: list = field(default_factory=list)
    drift_steps: list = field(default_factory=list)
    weight_drift: list = field(default_factory=list)  # max over weights of relative_error
    scratchnet_seconds: float = 0.0
    keras_seconds: float = 0.0
    logged_steps: list = field(default_factory=list)  # steps whose batch accuracy was recorded
    scratchnet_batch_accuracy: list = field(default_factory=list)
    keras_batch_accuracy: list = field(default_factory=list)

    def loss_differences(self):
        ours, theirs = np.array(self.scratchnet_loss), np.array(self.keras_loss)
        return np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)

    def as_dict(self):
        """The losses, the drift and (when logged) the batch accuracies, JSON-able."""
        return {
            "steps": len(self.scratchnet_loss),
            "scratchnet_loss": self.scratchnet_loss,
            "keras_loss": self.keras_loss,
            "drift_steps": self.drift_steps,
            "weight_drift": self.weight_drift,
            **({"batch_accuracy": {"steps": self.logged_steps, "scratchnet": self.scratchnet_batch_accuracy,
                                   "keras": self.keras_batch_accuracy}} if self.logged_steps else {}),
        }


def _weights(model):
    if isinstance(model, (list, tuple)):  # weights already read, in get_weights() order
        return model
    if hasattr(model, "params"):  # a scratchnet model: its own arrays, no copies, moving statistics included
        return list(model.weights.values())
    return reference_keras.twin_weight_values(model)


def weight_drift(ours, theirs):
    """The largest relative_error between the two models' weights, taken in get_weights() order
    (scratchnet or Keras models, or lists of their weights, in any combination)."""
    return max(relative_error(a, b) for a, b in zip(_weights(ours), _weights(theirs), strict=True))


SEGMENT_STEPS = 16384  # steps handed to Keras at once: a long run's batches are never all in memory


def drift_steps(total, drift_every=None):
    """The steps at which the weight drift is recorded: every `drift_every`-th and the last; by
    default every step up to 2,000 steps, then about 1,000 points in all (a large model's
    weights cost about a step to copy)."""
    every = drift_every or (1 if total <= 2000 else total // 1000)
    steps = list(range(every, total + 1, every))  # arithmetic: a billion-step run lists a thousand
    return steps if steps and steps[-1] == total else [*steps, total]


class _KerasSide(threading.Thread):
    """Keras's half of a lockstep run in a thread of its own, running ahead of scratchnet: its
    losses in `losses`, its weights at the drift steps handed over in order by `weights_at(step)`
    (with at most `ahead` of them waiting), the batch accuracy of the `logged` steps in
    `batch_accuracy`. An error in Keras ends the thread and is raised by the next `weights_at`
    or by `finish`."""

    def __init__(self, keras_model, optimizer, x, t, batches, *, read_at, new_rates, logged, count_correct, ahead):
        super().__init__(name="keras lockstep", daemon=True)
        self.keras_model, self.optimizer, self.x, self.t, self.batches = keras_model, optimizer, x, t, batches
        self.read_at, self.new_rates, self.logged, self.count_correct = set(read_at), new_rates, logged, count_correct
        self.losses, self.batch_accuracy, self.seconds, self.error = [], [], 0.0, None
        self._handed = queue.Queue(maxsize=ahead)
        self._stopping = threading.Event()

    def _segments(self):
        """(first, last) step of each run of steps with nothing to do between two of them."""
        cuts = sorted({0, len(self.batches)} | {step - 1 for step in self.logged} | set(self.new_rates))
        for a, b in zip(cuts, cuts[1:]):
            if 0 <= a < b <= len(self.batches):
                for first in range(a + 1, b + 1, SEGMENT_STEPS):  # bounded: the batches are drawn as needed
                    yield first, min(b, first + SEGMENT_STEPS - 1)

    def run(self):
        start = time.perf_counter()
        try:
            for first, last in self._segments():
                if first in self.logged:
                    self._log_batch_accuracy(first)
                reads = [step - first + 1 for step in range(first, last + 1) if step in self.read_at]
                steps = reference_keras.train_steps(self.keras_model, self.optimizer, self.x, self.t,
                                                    self.batches[first - 1:last], read_weights_at=reads)
                for step, loss, weights in steps:
                    self.losses.append(loss)
                    if weights is not None:
                        self.seconds += time.perf_counter() - start
                        self._hand_over((first + step - 1, weights))
                        start = time.perf_counter()
                    if self._stopping.is_set():
                        return
                if last in self.new_rates:  # like keras.callbacks.LearningRateScheduler, between two steps
                    self.optimizer.learning_rate.assign(self.new_rates[last])
        except Exception as err:  # raised in scratchnet's thread (weights_at, finish)
            self.error = err
        finally:
            self.seconds += time.perf_counter() - start

    def _log_batch_accuracy(self, step):
        batch = self.batches[step - 1]
        correct, total = self.count_correct(np.asarray(self.keras_model(self.x[batch], training=False)),
                                            self.t[batch])
        self.batch_accuracy.append(correct / total)

    def _hand_over(self, item):
        while not self._stopping.is_set():  # a full queue waits for scratchnet, unless it has stopped
            try:
                self._handed.put(item, timeout=0.1)
                return
            except queue.Full:
                pass

    def weights_at(self, step):
        while True:
            try:
                keras_step, weights = self._handed.get(timeout=0.1)
                break
            except queue.Empty:
                if not self.is_alive() and self._handed.empty():
                    raise self.error or RuntimeError(f"lockstep: Keras stopped before step {step}")
        if keras_step != step:
            raise RuntimeError(f"lockstep: Keras's weights are from step {keras_step}, not {step}")
        return weights

    def finish(self):
        """Wait for the last steps; raise Keras's error, if there was one."""
        self.join()
        if self.error is not None:
            raise self.error

    def stop(self):
        self._stopping.set()
        self.join()


def lr_change_steps(plan, total):
    """{step: new learning rate}: the plan's schedule as the step after which each new rate
    applies (on both sides), for a run of `total` steps."""
    return {(epoch - 1) * (total // plan.epochs): rate for epoch, rate in plan.learning_rate_schedule}


def run_lockstep(model, keras_model, optimizer, keras_optimizer, x, t, plan, progress=None):
    """Fit `model` with scratchnet's Trainer and `keras_model` on the same batches as `plan` (a
    LockstepPlan) says, changing both optimizers' learning rates by its schedule; returns the
    Trajectory, with the weight drift at `drift_steps(total, plan.drift_every)`. With
    `plan.log_every`, steps 1, 1 + log_every, ... also record each side's accuracy on the step's
    batch before its update, as the course texts' training logs print it (scratchnet's from the
    softmax its loss layer kept, Keras's in inference mode).
    """
    loss_layer = model.loss_layer
    traj = Trajectory()
    waiting = 0.0  # seconds scratchnet's thread spends on Keras's weights (waiting, comparing)

    def on_step(step, loss, batch):
        nonlocal waiting
        if not np.array_equal(batch, batches[step - 1]):
            raise RuntimeError(f"lockstep: at step {step} the Trainer's batch is not the one it planned "
                               f"(and Keras took)")
        if step in logged:
            correct, count = loss_layer.count_correct(loss_layer.y, t[batch])  # the forward pass of this step
            traj.logged_steps.append(step)
            traj.scratchnet_batch_accuracy.append(correct / count)
        if len(traj.drift_steps) < len(read_at) and step == read_at[len(traj.drift_steps)]:
            start = time.perf_counter()
            traj.drift_steps.append(step)
            traj.weight_drift.append(weight_drift(model, keras.weights_at(step)))
            waiting += time.perf_counter() - start
        if step in new_rates:
            optimizer.learning_rate = float(new_rates[step])

    trainer = plan.trainer(model, optimizer, x, t, progress=progress, on_step=on_step)
    batches = trainer.planned_batches()
    total = len(batches)
    new_rates = lr_change_steps(plan, total)
    read_at = drift_steps(total, plan.drift_every)
    logged = set(range(1, total + 1, plan.log_every)) if plan.log_every else set()
    copy_bytes = sum(w.nbytes for w in model.weights.values())
    keras = _KerasSide(keras_model, keras_optimizer, x, t, batches, read_at=read_at, new_rates=new_rates,
                       logged=logged, count_correct=loss_layer.count_correct,
                       ahead=max(2, AHEAD_BYTES // max(copy_bytes, 1)))
    keras.start()
    start = time.perf_counter()
    try:
        with contextlib.nullcontext() if BLAS_THREADS is None else threadpool_limits(BLAS_THREADS, user_api="blas"):
            history = trainer.fit()
        traj.scratchnet_seconds = time.perf_counter() - start - waiting
        keras.finish()
    finally:
        keras.stop()
    traj.scratchnet_loss, traj.keras_loss, traj.keras_seconds = history.step_loss, keras.losses, keras.seconds
    traj.keras_batch_accuracy = keras.batch_accuracy
    return traj


ADAPTIVE_OPTIMIZERS = ("Adam", "AdamW", "Nadam", "RMSprop", "Adagrad")  # each entry scaled by its own magnitude


def trajectory_checks(traj, dtype, optimizer=None):
    """The lockstep trajectory: the per-step loss difference and the weight drift, each with the
    first step where it exceeds its tolerance, over the tier's horizon (every step in float64;
    see tolerances.py for float32's). The weight drift of an adaptive `optimizer` (an instance or
    a class name in ADAPTIVE_OPTIMIZERS) gets "trajectory_weights_adaptive" (tolerances.py says why)."""
    name = optimizer if isinstance(optimizer, str) or optimizer is None else type(optimizer).__name__
    weights_tolerance = tolerance(dtype, "trajectory_weights_adaptive" if name in ADAPTIVE_OPTIMIZERS
                                  else "trajectory_weights")
    horizon = tolerance(dtype, "trajectory_steps")
    loss_diff = traj.loss_differences()[:horizon]
    drift = [(step, value) for step, value in zip(traj.drift_steps, traj.weight_drift)
             if horizon is None or step <= horizon] or list(zip(traj.drift_steps, traj.weight_drift))[:1]
    over = "steps" if horizon is None or len(traj.scratchnet_loss) <= horizon else f"the first {horizon} steps"
    worst_drift = max(value for _, value in drift)
    checks = [Check(f"trajectory loss (max over {over})", float(loss_diff.max()), tolerance(dtype, "trajectory_loss"),
                    bool(loss_diff.max() <= tolerance(dtype, "trajectory_loss")), kind="trajectory", subject="loss"),
              Check("trajectory weights (max drift)" if over == "steps"
                    else f"trajectory weights (max drift over {over})",
                    float(worst_drift), weights_tolerance,
                    bool(worst_drift <= weights_tolerance), kind="trajectory", subject="weights")]
    for check, series in ((checks[0], list(enumerate(loss_diff, start=1))), (checks[1], drift)):
        if not check.passed:
            step = next(s for s, v in series if v > check.tolerance)
            check.diagnosis = f"first exceeds the tolerance at step {step}"
    return checks


def stopped_check(err, dtype):
    """The failed check for a lockstep run that a defect stopped (an error raised in training)."""
    return Check("trajectory (lockstep training)", float("inf"), tolerance(dtype, "trajectory_weights"), False,
                 f"training stopped: {err}", kind="trajectory", subject="training")
