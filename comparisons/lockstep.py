"""Train scratchnet and its Keras twin in lockstep: the same batches, step by step, recording
both losses at every step and the weight drift between the two models."""
import time
from dataclasses import dataclass, field

import numpy as np

import reference_keras
from scratchnet import Trainer
from scratchnet.gradcheck import relative_error


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


def _weights(model):
    if hasattr(model, "params"):  # a scratchnet model: its own arrays, no copies, moving statistics included
        return list(model.weights.values())
    return model.get_weights()


def weight_drift(ours, theirs):
    """The largest relative_error between the two models' weights, taken in get_weights() order
    (scratchnet or Keras models, in any combination)."""
    return max(relative_error(a, b) for a, b in zip(_weights(ours), _weights(theirs), strict=True))


def run_lockstep(model, keras_model, optimizer, keras_optimizer, x, t, settings, progress=None,
                 drift_every=None, log_every=None):
    """Fit `model` with scratchnet's Trainer and step `keras_model` on each of its batches,
    changing both optimizers' learning rates as `settings.learning_rate_schedule` says.

    The weight drift is recorded every `drift_every` steps (default: every step up to 2,000
    steps, then about 1,000 points in all), since reading a large Keras model's weights costs
    about as much as a step. With `log_every`, steps 1, 1 + log_every, ... also record each
    side's accuracy on the step's batch before its update, as the course texts' training logs
    print it (scratchnet's from the softmax its loss layer kept).
    """
    steps_per_epoch = settings.steps_per_epoch or -(-x.shape[0] // settings.batch_size)
    total = steps_per_epoch * settings.epochs
    # settings.learning_rate_schedule, as the step after which each new rate applies on both sides
    new_rates = {(epoch - 1) * steps_per_epoch: rate for epoch, rate in settings.learning_rate_schedule}
    drift_every = drift_every or (1 if total <= 2000 else total // 1000)
    traj = Trajectory()
    outside = 0.0  # seconds spent outside scratchnet inside the callback

    def on_step(step, loss, batch):
        nonlocal outside
        start = time.perf_counter()
        if log_every and (step - 1) % log_every == 0:
            _log_batch_accuracy(traj, step, model, keras_model, x[batch], t[batch])
        traj.keras_loss.append(reference_keras.train_step(keras_model, keras_optimizer, x[batch], t[batch]))
        traj.keras_seconds += time.perf_counter() - start
        if step % drift_every == 0 or step == total:
            traj.drift_steps.append(step)
            traj.weight_drift.append(weight_drift(model, keras_model))
        if step in new_rates:  # like keras.callbacks.LearningRateScheduler, between two steps
            optimizer.learning_rate = float(new_rates[step])
            keras_optimizer.learning_rate.assign(new_rates[step])
        outside += time.perf_counter() - start

    trainer = Trainer(model, optimizer, x, t, epochs=settings.epochs, batch_size=settings.batch_size,
                      seed=settings.seed, sampling=settings.sampling,
                      steps_per_epoch=settings.steps_per_epoch, evaluate=None, progress=progress,
                      on_step=on_step)
    start = time.perf_counter()
    history = trainer.fit()
    traj.scratchnet_seconds = time.perf_counter() - start - outside
    traj.scratchnet_loss = history.step_loss
    return traj


def _log_batch_accuracy(traj, step, model, keras_model, xb, tb):
    loss_layer = model.loss_layer
    correct, total = loss_layer.count_correct(loss_layer.y, tb)  # the forward pass of this step
    keras_correct, _ = loss_layer.count_correct(np.asarray(keras_model(xb, training=False)), tb)
    traj.logged_steps.append(step)
    traj.scratchnet_batch_accuracy.append(correct / total)
    traj.keras_batch_accuracy.append(keras_correct / total)
