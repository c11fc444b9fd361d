"""Lockstep training (comparisons.core.lockstep): Keras ahead in a thread of its own gives the same
trajectory as one step after the other, bit for bit; a divergence is found at its step; a
Trainer that leaves its plan, an error in Keras and Ctrl-C stop the run and leave no thread."""
import signal
import threading
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from comparisons.core import lockstep
from comparisons.core.lockstep import Trajectory, run_lockstep, trajectory_checks, weight_drift
from comparisons.scenarios import PRESETS, build_model, build_optimizer, load_data
from reference_keras import keras_optimizer, to_keras, train_step, training
from scratchnet import Trainer, optimizers

SMALL = PRESETS["mnist"].with_options(hidden=(16,), steps_per_epoch=30, check_batch=50)


@pytest.fixture(scope="module")
def mnist():
    return load_data(SMALL)


def plan(settings, **options):
    return replace(settings.plan(), **options)


def _lockstep_arguments(settings, mnist):
    """(model, keras_model, optimizer, keras_optimizer, x, t) for run_lockstep, fresh."""
    (x, t), _ = mnist
    model = build_model(settings, 784, 10)
    keras_model = to_keras(model)
    optimizer = build_optimizer(settings)
    return model, keras_model, optimizer, keras_optimizer(optimizer, keras_model), x, t


def _lockstep_one_step_at_a_time(model, keras_model, optimizer, keras_opt, x, t, settings, drift_every, log_every):
    """The reference: Keras's train_step called from scratchnet's on_step, one step after the
    other in one thread (run_lockstep before it ran Keras ahead in a thread of its own)."""
    traj, steps_per_epoch = Trajectory(), settings.steps_per_epoch
    new_rates = {(epoch - 1) * steps_per_epoch: rate for epoch, rate in settings.learning_rate_schedule}

    def on_step(step, loss, batch):
        if (step - 1) % log_every == 0:
            traj.logged_steps.append(step)
            traj.scratchnet_batch_accuracy.append(np.mean(model.loss_layer.y.argmax(1) == t[batch]))
            traj.keras_batch_accuracy.append(np.mean(np.asarray(keras_model(x[batch], training=False)).argmax(1)
                                                     == t[batch]))
        traj.keras_loss.append(train_step(keras_model, keras_opt, x[batch], t[batch]))
        if step % drift_every == 0 or step == steps_per_epoch * settings.epochs:
            traj.drift_steps.append(step)
            traj.weight_drift.append(weight_drift(model, keras_model))
        if step in new_rates:
            optimizer.learning_rate = new_rates[step]
            keras_opt.learning_rate.assign(new_rates[step])

    trainer = Trainer(model, optimizer, x, t, epochs=settings.epochs, batch_size=settings.batch_size,
                      seed=settings.seed,
                      sampling=settings.sampling, steps_per_epoch=steps_per_epoch, evaluate=None, progress=False,
                      on_step=on_step)
    with threadpool_limits(lockstep.BLAS_THREADS, user_api="blas"):  # as run_lockstep's scratchnet side
        traj.scratchnet_loss = trainer.fit().step_loss
    return traj


@pytest.mark.parametrize("architecture", ["mlp", "regularized_mlp"])
def test_the_threaded_lockstep_is_the_one_step_at_a_time_lockstep(architecture, mnist, monkeypatch):
    """Keras ahead in its own thread, in chunks of 3 steps (a BatchNormalization model: one step per
    call), changes nothing: every loss, drift, logged batch accuracy and the learning-rate change
    after epoch 1 land at the same steps with the same values, bit for bit."""
    monkeypatch.setattr(training, "CHUNK_STEPS", 3)
    settings = SMALL.with_options(architecture=architecture, epochs=2, steps_per_epoch=8, batch_size=20,
                                  learning_rate_schedule=((2, 0.02),), momentum=0.5)
    threaded = run_lockstep(*_lockstep_arguments(settings, mnist), plan(settings, drift_every=3, log_every=5),
                            progress=False)
    reference = _lockstep_one_step_at_a_time(*_lockstep_arguments(settings, mnist), settings, 3, 5)
    assert threaded.drift_steps == reference.drift_steps == [3, 6, 9, 12, 15, 16]
    assert threaded.logged_steps == reference.logged_steps == [1, 6, 11, 16]
    for name in ("scratchnet_loss", "keras_loss", "weight_drift", "scratchnet_batch_accuracy", "keras_batch_accuracy"):
        assert getattr(threaded, name) == getattr(reference, name), name


def test_a_divergence_inside_a_later_keras_chunk_is_reported_at_its_step(mnist, monkeypatch):
    """Keras runs ahead of scratchnet in chunks (here of 4 steps), yet a defect that starts with
    scratchnet's 13th update is found where it happens: the loss, taken before each update, first
    differs at step 14; the weights at the first drift step from 13 on (every 5th step, and the last)."""
    update = optimizers.SGD._update_one

    def update_wrong_from_13(self, key, param, grad):
        update(self, key, param, grad)
        if self.iterations >= 12:  # defect: updates 13 on scale the weights by 1 + 1e-9
            param *= 1 + 1e-9

    monkeypatch.setattr(optimizers.SGD, "_update_one", update_wrong_from_13)
    monkeypatch.setattr(training, "CHUNK_STEPS", 4)
    settings = SMALL.with_options(steps_per_epoch=23)
    traj = run_lockstep(*_lockstep_arguments(settings, mnist), plan(settings, drift_every=5), progress=False)
    assert len(traj.keras_loss) == len(traj.scratchnet_loss) == 23 and traj.drift_steps == [5, 10, 15, 20, 23]
    loss_check, drift_check = trajectory_checks(traj, "float64")
    assert loss_check.diagnosis == "first exceeds the tolerance at step 14"
    assert drift_check.diagnosis == "first exceeds the tolerance at step 15"
    assert max(traj.weight_drift[:2]) <= 1e-15 and traj.weight_drift[2] > 1e-10  # round-off, then the defect


def test_lockstep_refuses_a_trainer_that_leaves_its_plan(mnist, monkeypatch):
    monkeypatch.setattr(Trainer, "planned_batches", lambda self, plan=Trainer.planned_batches: plan(self)[::-1])
    settings = SMALL.with_options(steps_per_epoch=3)
    with pytest.raises(RuntimeError, match="at step 1 the Trainer's batch is not the one it planned"):
        run_lockstep(*_lockstep_arguments(settings, mnist), settings.plan(), progress=False)


def test_an_error_in_keras_after_the_last_drift_step_is_raised_too(mnist, monkeypatch):
    """No drift step left to raise it at: the run still waits for Keras and raises its error."""
    def failing_steps(keras_model, optimizer, x, t, batches, read_weights_at=()):
        yield 1, 2.3, None
        raise ValueError("Keras broke at step 2")

    monkeypatch.setattr(lockstep.reference_keras, "train_steps", failing_steps)
    settings = SMALL.with_options(steps_per_epoch=5)
    with pytest.raises(ValueError, match="Keras broke at step 2"):
        run_lockstep(*_lockstep_arguments(settings, mnist), plan(settings, drift_every=10), progress=False)


def test_ctrl_c_stops_both_sides_and_leaves_no_thread(mnist, monkeypatch):
    """Ctrl-C during step 3 (Keras ahead, blocked on handing over its weights at every step): the
    Trainer ends the step and raises KeyboardInterrupt, and the Keras thread is gone with it."""
    take_step = Trainer._step

    def step_then_ctrl_c(self, batch, epoch):
        loss = take_step(self, batch, epoch)
        if self.step == 3:
            signal.raise_signal(signal.SIGINT)
        return loss

    monkeypatch.setattr(Trainer, "_step", step_then_ctrl_c)
    monkeypatch.setattr(lockstep, "AHEAD_BYTES", 0)
    settings = SMALL.with_options(steps_per_epoch=30)
    with pytest.raises(KeyboardInterrupt, match="after step 3"):
        run_lockstep(*_lockstep_arguments(settings, mnist), plan(settings, drift_every=1), progress=False)
    assert not [thread for thread in threading.enumerate() if thread.name == "keras lockstep"]


def test_drift_steps_and_keras_segments_of_a_billion_step_run_are_bounded():
    from comparisons.core.lockstep import SEGMENT_STEPS, _KerasSide, drift_steps
    total = 10**9
    steps = drift_steps(total)
    assert len(steps) == 1000 and steps[0] == 10**6 and steps[-1] == total
    assert drift_steps(10, 3) == [3, 6, 9, 10] and drift_steps(9, 3) == [3, 6, 9]
    side = _KerasSide.__new__(_KerasSide)
    side.batches, side.logged, side.new_rates = range(total), set(), {}
    segments = side._segments()
    assert next(segments) == (1, SEGMENT_STEPS) and next(segments) == (SEGMENT_STEPS + 1, 2 * SEGMENT_STEPS)
