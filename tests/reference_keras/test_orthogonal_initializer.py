"""scratchnet's Orthogonal and Uniform initializers (Keras's recurrent_initializer and
Embedding default) against Keras's draws: exact orthonormality, and the entries' distribution
compared statistically (mean, standard deviation, two-sample Kolmogorov-Smirnov), with the
bounds comparisons/tolerances.py states for the other initializers (z = 6, alpha = 1e-6)."""
import math

import numpy as np
import pytest

import reference_keras as rk
from scratchnet import initializers

Z, KS_ALPHA = 6.0, 1e-6  # as INITIALIZER_Z and INITIALIZER_KS_ALPHA in comparisons/tolerances.py


def ks_statistic(a, b):
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    points = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, points, side="right") / a.size
                               - np.searchsorted(b, points, side="right") / b.size)))


def draws(initializer, shape, seed=0):
    ours = initializer(shape, np.random.default_rng(seed), np.float64)
    theirs = np.asarray(rk.keras_initializer(initializer, seed=seed)(shape, dtype="float64"))
    return ours, theirs


@pytest.mark.parametrize("shape,gain", [((120, 400), 1.0), ((400, 120), 1.0), ((64, 256), 0.5), ((3, 3, 8, 40), 1.0)])
def test_orthogonal_is_orthonormal_and_drawn_like_keras(shape, gain):
    ours, theirs = draws(initializers.Orthogonal(gain), shape)
    assert ours.shape == theirs.shape == shape and ours.dtype == theirs.dtype == np.float64
    rows, cols = math.prod(shape[:-1]), shape[-1]
    for q in (ours, theirs):  # gain times orthonormal columns, or rows, whichever are fewer
        flat = q.reshape(rows, cols) / gain
        product = flat.T @ flat if rows >= cols else flat @ flat.T
        np.testing.assert_allclose(product, np.eye(min(rows, cols)), atol=1e-12)
    n = theirs.size
    std = float(np.std(theirs))
    assert abs(np.mean(ours) - np.mean(theirs)) / std <= Z * math.sqrt(2.0 / n)
    assert abs(np.std(ours) / std - 1.0) <= 1e-12 + Z * math.sqrt(1.0 / n)  # both exactly gain / sqrt(max side)
    assert ks_statistic(ours, theirs) <= math.sqrt(-math.log(KS_ALPHA / 2.0) / 2.0) * math.sqrt(2.0 / n)


def test_orthogonal_draws_are_haar_distributed_signs_and_all():
    """Q times sign(diag R) is Haar-distributed: its entries' mean is 0 and the diagonal of a
    square draw has no bias towards positive values (without the sign fix it would)."""
    draw = initializers.Orthogonal()
    diagonals = np.array([np.diag(draw((6, 6), np.random.default_rng(seed))) for seed in range(400)])
    assert abs(diagonals.mean()) < Z * diagonals.std() / math.sqrt(diagonals.size)


def test_uniform_is_kerass_random_uniform():
    ours, theirs = draws(initializers.Uniform(), (400, 300))
    assert -0.05 <= ours.min() and ours.max() < 0.05
    n = theirs.size
    assert abs(ours.max() / theirs.max() - 1) < 1e-3 and abs(ours.min() / theirs.min() - 1) < 1e-3
    assert ks_statistic(ours, theirs) <= math.sqrt(-math.log(KS_ALPHA / 2.0) / 2.0) * math.sqrt(2.0 / n)
