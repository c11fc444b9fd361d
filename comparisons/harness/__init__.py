"""Check a learner's own code against Keras: `check(obj_or_class)` and `assert_matches_keras(obj)`.

The object (or class) is recognised by the book's contract (comparisons.contract) or as one of
scratchnet's own, run on inputs, weights and upstream gradients drawn from a seeded generator
(with edge cases: exact zeros for ReLU, logits of +-1000 for softmax, square weights and a batch
as wide as the input so that transposition mistakes cannot hide behind a shape error), and
compared with what Keras computes for the same function:
- layers: forward output, dx and (Affine) dW and db, by Keras's autodiff (a vector-Jacobian
  product with the same upstream gradient); writing into the caller's x or dout is a warning
  with its measured consequence;
- the book's Convolution, Pooling, Dropout and BatchNormalization (harness.book_layers): the same,
  through Keras's layouts (NHWC, (FH, FW, C, FN) kernels) and with the book's conventions
  (Keras's own Dropout mask handed to the book's; BatchNormalization with the learner's momentum
  and epsilon) measured and reported (comparisons.book_layout);
- loss layers: the loss (the book's log(y + 1e-7) within a stated tolerance) and dx;
- networks: through comparisons.twin.twin_checks against a Keras twin built from their layers
  and weights, in Keras's layouts (harness.layout_networks: SimpleConvNet, MultiLayerNetExtend): every layer's output, the loss, every parameter's gradient, and where a gradient
  differs, the first layer whose backward goes wrong;
- optimizers: a few steps on the same gradients, against Keras's optimizer where the equations
  are the same and against the book's own equation where they differ (comparisons.book_optimizers).
Every failed check carries a diagnosis in plain words (comparisons.checks.diagnose).
"""
from .core import CheckResult, assert_matches_keras, check

__all__ = ["check", "assert_matches_keras", "CheckResult"]
