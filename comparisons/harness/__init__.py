"""Check a learner's own code against Keras: `check(obj_or_class)` and `assert_matches_keras(obj)`.

The object (or class) is recognised by the book's contract (recognize.py) or as one of
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
  and epsilon) measured and reported (book_layout.py);
- loss layers: the loss (the book's log(y + 1e-7) within a stated tolerance) and dx;
- networks: through comparisons.core.one_batch.twin_checks against a Keras twin built from their layers
  and weights, in Keras's layouts (layout_networks.py: SimpleConvNet, MultiLayerNetExtend): every
  layer's output, the loss, every parameter's gradient, and where a gradient
  differs, the first layer whose backward goes wrong;
- optimizers: a few steps on the same gradients, against Keras's optimizer where the equations
  are the same and against the book's own equation where they differ (book_optimizers.py).
Every failed check carries a diagnosis in plain words (comparisons.core.diagnose).

The pipeline's commands: `check_file(FILE.py)` (`python -m comparisons check FILE.py`) and
`bugzoo.run()` (`python -m comparisons bugzoo`); each returns a Report. Importing this package
loads no Keras (the pytest plugin lives here); its names below load it on first use.
"""
__all__ = ["check", "assert_matches_keras", "check_file", "CheckResult", "CheckWarning"]


def __getattr__(name):
    if name == "check_file":
        from . import learner_file
        return learner_file.check_file
    if name in __all__:
        from . import core
        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
