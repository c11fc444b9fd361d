"""`comparisons.check` refuses inputs that do not fit the object checked (a clear ValueError
naming the class, the expected and the actual shape) rather than reporting them as findings."""
import re

import numpy as np
import pytest

import comparisons
from comparisons.harness import bugzoo

def _tanh():
    import scratchnet
    return scratchnet.layers.Tanh()


CASES = {
    "check book conv x not 4-D": (lambda: comparisons.check(bugzoo._Convolution(np.ones((4, 3, 3, 2)), np.zeros(4)),
                                                            x=np.ones((5, 7))),
                                  ValueError, "check: _Convolution takes NCHW images (N, C, H, W); got x of shape (5, 7)"),
    "check book conv channels": (lambda: comparisons.check(bugzoo._Convolution(np.ones((4, 3, 3, 2)), np.zeros(4)),
                                                           x=np.ones((2, 1, 7, 7))),
                                 ValueError, "_Convolution with W (4, 3, 3, 2) takes NCHW images with 3 channels, "
                                             "got x of shape (2, 1, 7, 7)"),
    "check book conv too small": (lambda: comparisons.check(bugzoo._Convolution(np.ones((4, 3, 5, 5)), np.zeros(4)),
                                                            x=np.ones((2, 3, 3, 3))),
                                  ValueError, "_Convolution's filters (4, 3, 5, 5) with pad 0 do not fit x of shape"),
    "check book pooling too small": (lambda: comparisons.check(bugzoo._Pooling(3, 3), x=np.ones((1, 1, 2, 2))),
                                     ValueError, "_Pooling's 3x3 window does not fit x of shape (1, 1, 2, 2)"),
    "check book batchnorm x 4-D": (lambda: comparisons.check(bugzoo._BatchNormalization(np.ones(3), np.zeros(3)),
                                                             x=np.ones((2, 3, 4, 4))),
                                   ValueError, "_BatchNormalization takes (N, D) data"),
    "check book batchnorm width": (lambda: comparisons.check(bugzoo._BatchNormalization(np.ones(3), np.zeros(3)),
                                                             x=np.ones((4, 5))),
                                   ValueError, "_BatchNormalization with gamma (3,) takes (N, 3) data, got x of shape "
                                               "(4, 5)"),
    "check x of strings": (lambda: comparisons.check(_tanh(), x="abc"), TypeError,
                           "check: x must be an array of real numbers, got dtype <U3"),
    "check x empty": (lambda: comparisons.check(_tanh(), x=np.ones((0, 3))), ValueError,
                      "check: x must be a non-empty batch, got shape (0, 3)"),
    "check x with NaN": (lambda: comparisons.check(_tanh(), x=[[np.nan, 1.0]]), ValueError,
                         "check: x holds NaN or inf (1 of its 2 values)"),
    "check seed negative": (lambda: comparisons.check(_tanh(), seed=-1), ValueError,
                            "check: seed must be an integer >= 0 (the seed of the drawn inputs and weights), got -1"),
    "check seed a float": (lambda: comparisons.check(_tanh(), seed=1.5), ValueError,
                           "check: seed must be an integer >= 0"),
}


@pytest.mark.parametrize("case", CASES)
def test_check_refuses_an_input_that_does_not_fit(case):
    call, error, fragment = CASES[case]
    with pytest.raises(error, match=re.escape(fragment)):
        call()
