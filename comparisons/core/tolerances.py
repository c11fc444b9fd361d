"""The one table of tolerances every check uses, by dtype; each number with its reason.

All differences are relative and norm-scaled: max|a - b| / max|b| over the whole array
(`scratchnet.gradcheck.relative_error`), so one tiny entry near round-off cannot dominate.

float64, the exact tier. Both sides run the same IEEE operations up to summation order, so
forward outputs, losses and gradients agree to a few ulps (eps = 1.1e-16); 1e-12 leaves four
orders of magnitude for deeper nets and longer sums. Lockstep training repeats those operations
step after step on the same batches, so the drift stays at round-off and trajectories share the
1e-12 bound. Accuracies must be identical (the same images classified the same way).

float32, the fast tier. One float32 ulp is 6e-8 and a 784-long dot product accumulates
~1e-6 relative round-off, so single passes get 1e-5 (gradients, one more product deep, 1e-4;
the numerical check compares float32 backprop with float64 differences, so it gets 1e-4 too).
Training amplifies round-off, and in float32 it can do so abruptly: a ReLU input that lies
within round-off of 0 switches on one side only, and from that step on the two runs are
different (equally good) trainings, apart by a sizeable fraction of the weights. So the float32
trajectory checks only catch gross divergence (a wrong update rule drifts by O(1) within a few
steps), and accuracies get 0.5%. Exactness is the float64 tier's job.

Long float32 runs part for good. A convolutional net trained with Adam has many more switches
(every ReLU and every max-pool window) and Adam turns a round-off difference in a tiny gradient
into a full-size step, so its two float32 runs separate after a few hundred steps and go on as
two different trainings from the same start (`python -m comparisons mnist-cnn` shows it; the
results page gives the numbers). So float32 trajectories are compared over their first 100
steps (`trajectory_steps`), where a wrong update rule is already O(1) off, and final float32
losses only to 0.25 (two equally good trainings; a broken layer or loss is off by far more);
the accuracies keep their 0.5% (float64 compares every step, at 1e-12).

Adaptive optimizers (Adam, Nadam, RMSprop, Adagrad) in float64: each weight's step is
lr * g / (sqrt(v) + eps), the gradient entry divided by its own running magnitude. Gradients
agree to a few ulps of the array's largest entry, delta ~ 1e-16 * max|g|; an entry near eps in
size (1e-7) turns that into a step difference of up to lr * delta / (4 * eps) (the derivative of
g / (|g| + eps) is at most 1 / (4 * eps) there), i.e. ~2.5e-10 * lr * max|g| where SGD moves by
1e-16 * lr * max|g|. Over the corpus's 20-step runs (tools/keras_corpus.py) this reached
4.7e-12 of the weights' scale (Adam, lr 1e-3) and 1.8e-12 (RMSprop, lr 1); 1e-10
("trajectory_weights_adaptive") leaves a factor 20, and a wrong update rule is off by 1e-3 or
more within a step. The loss trajectory keeps 1e-12: the loss feels these weights only through
tiny gradients.

The numerical-gradient check compares float64 backprop with central differences (h = 1e-5):
truncation error ~h^2 and cancellation error ~eps/h put the quotient within ~1e-8 relative of
the true derivative, so 1e-6 flags any real mistake and no round-off.

Learners' code (`python -m comparisons check`, comparisons.harness):
- book_clip_delta: the second volume's clip_grads scales by max_norm / (||g|| + 1e-6) where Keras's
  global_clipnorm scales by max_norm / ||g||: relative 1e-6 / ||g||, at most 1e-6 for the norms of
  at least 1 the check draws; 1e-5 leaves room, far below a per-parameter clipping (O(1)).
- book_log_loss: the book's cross_entropy_error takes log(y + 1e-7), Keras's exact log-softmax
  (from_logits) takes log(y), and Keras on probabilities clips y to [1e-7, 1 - 1e-7]. Per sample
  -log(p + 1e-7) differs from -log(p) by log(1 + 1e-7/p) <= 1e-7/p, from the clipped form by the
  same at moderate p, by 2e-7 at p = 1, and not at all at p = 0 (both give -log(1e-7) = 16.118).
  The check draws logits whose target probabilities are at least BOOK_LOSS_MIN_PROBABILITY =
  0.05 wherever they are not 0 or 1, so the gap is at most 1e-7 / 0.05 = 2e-6 of a loss of order
  1 (the note the check prints gives the gap of each case); 1e-5 relative leaves room and is far
  below any loss mistake (a missing mean, the wrong axis, log(0), NaN). float32 adds its own
  1e-5. A loss computed from logits (scratchnet's, Keras's) meets it with round-off to spare.
- optimizer_step: an optimizer's total displacement after each step (w_k - w_0), relative to its
  largest entry, against Keras (or the book's own equation where Keras's differs). float64
  follows the same operations up to order: a few ulps. In float32 each new weight is rounded to
  6e-8 of |w|, a few 1e-6 of a displacement of 1e-2 |w|; 1e-4 leaves room.
"""
BOOK_LOG_DELTA = 1e-7  # the delta inside the book's log(y + delta)
BOOK_LOSS_MIN_PROBABILITY = 0.05  # the smallest moderate target probability the check draws

TOLERANCES = {
    "float64": {
        "forward": 1e-12,
        "loss": 1e-12,
        "gradient": 1e-12,
        "numerical_gradient": 1e-6,
        "trajectory_loss": 1e-12,
        "trajectory_weights": 1e-12,
        "trajectory_weights_adaptive": 1e-10,  # Adam/Nadam/RMSprop/Adagrad: see the docstring
        "trajectory_steps": None,  # every step
        "final_loss": 1e-12,
        "accuracy": 0.0,
        "book_log_loss": 1e-5,
        "book_clip_delta": 1e-5,
        "optimizer_step": 1e-12,
    },
    "float32": {
        "forward": 1e-5,
        "loss": 1e-5,
        "gradient": 1e-4,
        "numerical_gradient": 1e-4,
        "trajectory_loss": 0.1,
        "trajectory_weights": 0.25,
        "trajectory_weights_adaptive": 0.25,
        "trajectory_steps": 100,
        "final_loss": 0.25,
        "accuracy": 5e-3,
        "book_log_loss": 2e-5,
        "book_clip_delta": 2e-5,
        "optimizer_step": 1e-4,
    },
}


def tolerance(dtype, kind):
    return TOLERANCES[str(dtype)][kind]


# -- the coverage matrix (comparisons/matrix/) ------------------------------------------------------
# Each combination trains for 12 steps; an option (momentum, clipping, weight decay, L2, ...) must
# move the final weights by at least this much relative to the same run without it, or the row
# does not exercise it. 1e-6 is far above float64 round-off (1e-15), so the 1e-12 trajectory
# tolerance then pins the option's effect to 1e-6 of its size.
OPTION_EFFECT_MIN = 1e-6

# Adam's bias corrections beta**t: NumPy's vectorised float64 power (its SIMD loop) and the scalar
# pow of libm (which TensorFlow's scalar kernel matches) can disagree by one ulp for some t.
# scratchnet computes beta**t on NumPy scalars (the libm path), bit for bit TensorFlow's
# (tests/reference_keras/test_optimizer_options.py pins it). Where a build differs by that ulp,
# 1 - beta_2**t changes by a few 1e-15 relative at small t, and so does alpha, which a weight feels
# as lr times that: far inside the float64 trajectory tolerance above, which therefore needs no
# exception for Adam.


# -- initializers: scratchnet's draw against Keras's (comparisons/matrix/initializers.py) ---------
# Two independent seeded draws of n = 1000 * 300 values each (fans 1000 and 300, so fan_in,
# fan_out and fan_avg give different scales). They are random, so the tolerances are statistical,
# set at Z standard errors of the difference between two samples of the same distribution:
#   mean: |m1 - m2| <= Z * std * sqrt(2 / n)                       (0.0155 std for Z = 6)
#   std:  |s1 / s2 - 1| <= Z * sqrt(2 * (kurtosis - 1) / (4 n))    with kurtosis 3, the largest of
#         the distributions here (normal 3, truncated normal 2.4, uniform 1.8): 0.011
#   fraction of |values| beyond 2 (Keras's) std: |p1 - p2| <= Z * sqrt(2 p (1 - p) / n), at least
#         Z / n (0 for a truncated normal, 4.6 % for a plain one: tells the two apart)
#   bound (truncated normal: 2 std of the untruncated normal; uniform: the limit): the largest
#         |value| of each draw within BOUND_RTOL of the other's. The expected gap between a
#         sample's maximum and the bound is ~1e-5 of the bound here and exceeding 1e-3 has
#         probability < e^-60.
#   Kolmogorov-Smirnov two-sample statistic D <= c(alpha) * sqrt(2 / n), c = sqrt(-ln(alpha / 2) / 2)
#         with alpha = 1e-6: D <= 0.0069.
# Z = 6 makes a false failure a ~1e-9 event per check (and the draws are seeded, so a run twice
# gives the same numbers). The effects to catch are far larger: a wrong fan (fan_avg 650 for
# fan_in 1000) changes the std by 24 %, He's scale 1 instead of 2 by 29 %, a missing truncation
# correction (1 / 0.8796) by 12 %, a missing truncation moves 4.6 % of the values past 2 std.
INITIALIZER_DRAW_SHAPE = (1000, 300)
INITIALIZER_Z = 6.0
INITIALIZER_KS_ALPHA = 1e-6
INITIALIZER_BOUND_RTOL = 1e-3
