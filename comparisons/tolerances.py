"""The one table of tolerances every check uses, by dtype.

All differences are relative and norm-scaled: max|a - b| / max|b| over the whole array
(`scratchnet.gradcheck.relative_error`), so one tiny entry near round-off cannot dominate.

float64, the exact tier. Both sides run the same IEEE operations up to summation order, so
forward outputs, losses and gradients agree to a few ulps (~1e-16 measured); 1e-12 leaves
four orders of magnitude for deeper nets and longer sums. Lockstep training keeps the drift
at ~1e-15 for an epoch (measured), so trajectories share the 1e-12 bound. Accuracies must be
identical (the same images classified the same way).

float32, the fast tier. One float32 ulp is 6e-8 and a 784-long dot product accumulates
~1e-6 relative round-off, so single passes get 1e-5 (gradients, one more product deep, 1e-4;
the numerical check compares float32 backprop with float64 differences, so it gets 1e-4 too).
Training amplifies round-off, and in float32 it can do so abruptly: a ReLU input that lies
within round-off of 0 switches on one side only, and from that step on the two runs are
different (equally good) trainings. Measured over one epoch (`python -m comparisons
fashion-mnist --dtype float32 --optimizer rmsprop --learning-rate 0.001`: such a switch at step
19): weights apart by up to 18% of the layer's largest weight, per-step losses by up to 7%,
final losses by 1e-3 and test accuracies by 0.12%; without such an event the drift stays
~1e-6. So the float32 trajectory checks only catch gross divergence (a wrong update rule drifts
by O(1) within a few steps), and accuracies get 0.5%. Exactness is the float64 tier's job.

Long float32 runs part for good. A convolutional net trained with Adam has many more switches
(every ReLU and every max-pool window) and Adam turns a round-off difference in a tiny gradient
into a full-size step, so its two float32 runs separate after a few hundred steps and go on as
two different trainings from the same start. Measured on `python -m comparisons mnist-cnn`
(SimpleConvNet, Adam, batch 100, 3,000 steps): the weight drift is 1.1e-5 up to step 100,
3.1e-4 at step 200, 0.12 at step 400 and 0.72 at the end; per-step losses then differ by up
to 160% on the low-loss batches and the final test losses by 5.5%, while the test accuracies
stay within 0.04 points (99.01% and 98.97%). So float32 trajectories are compared over their
first 100 steps (`trajectory_steps`), where a wrong update rule is already O(1) off, and final
float32 losses only to 0.25 (two equally good trainings; a broken layer or loss is off by far
more); the accuracies keep their 0.5% (float64 compares every step, at 1e-12).

The numerical-gradient check compares float64 backprop with central differences (h = 1e-5):
truncation error ~h^2 and cancellation error ~eps/h put the quotient within ~1e-8 relative of
the true derivative, so 1e-6 flags any real mistake and no round-off.
"""

TOLERANCES = {
    "float64": {
        "forward": 1e-12,
        "loss": 1e-12,
        "gradient": 1e-12,
        "numerical_gradient": 1e-6,
        "trajectory_loss": 1e-12,
        "trajectory_weights": 1e-12,
        "trajectory_steps": None,  # every step
        "final_loss": 1e-12,
        "accuracy": 0.0,
    },
    "float32": {
        "forward": 1e-5,
        "loss": 1e-5,
        "gradient": 1e-4,
        "numerical_gradient": 1e-4,
        "trajectory_loss": 0.1,
        "trajectory_weights": 0.25,
        "trajectory_steps": 100,
        "final_loss": 0.25,
        "accuracy": 5e-3,
    },
}


def tolerance(dtype, kind):
    return TOLERANCES[str(dtype)][kind]
