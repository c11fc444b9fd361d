"""Weight initializers. Each is called as `init(shape, rng, dtype)` with a seeded
`numpy.random.Generator`, so a seed fixes every weight.

Keras's Glorot-normal, He-normal and LeCun-normal draw from a normal truncated at two standard
deviations, scaled up by 1/0.8796 so the variance is still scale/fan; that is the default here.
The textbook's He initialisation is a plain normal with std sqrt(2 / n_in): `HeNormal(truncated=False)`.
"""
import math

import numpy as np

from ._checks import as_float_dtype

# Std of a unit normal truncated to [-2, 2]; dividing by it restores unit variance (Keras's constant).
_TRUNCATED_STD = 0.87962566103423978


def _fans(shape):
    """(fan_in, fan_out) as Keras computes them: (n_in, n_out) for a Dense kernel; for a Conv2D
    kernel (kh, kw, c_in, c_out), c_in and c_out times the receptive field kh * kw."""
    if len(shape) < 2:
        raise ValueError(f"initializers expect a 2-D (n_in, n_out) shape, got {shape} "
                         f"(or a convolution kernel shape (kh, kw, c_in, c_out))")
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def truncated_normal(rng, shape, std):
    """Normal(0, std) truncated to +-2 std by redrawing the values outside."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * std


class Zeros:
    def __call__(self, shape, rng, dtype=np.float64):
        return np.zeros(shape, dtype=as_float_dtype(dtype))


class Gaussian:
    """Normal(0, std); the course's choice is std = 0.1 (Keras: RandomNormal(stddev=0.1))."""

    def __init__(self, std=0.1):
        self.std = std

    def __call__(self, shape, rng, dtype=np.float64):
        return rng.normal(0.0, self.std, size=shape).astype(as_float_dtype(dtype))


class _VarianceScaling:
    """Variance `scale / fan` where fan is fan_in, fan_out or their mean (Keras's VarianceScaling)."""

    scale, mode, distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, truncated=True):
        self.truncated = truncated
        if self.distribution != "uniform":
            self.distribution = "truncated_normal" if truncated else "normal"

    def __call__(self, shape, rng, dtype=np.float64):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "truncated_normal":
            values = truncated_normal(rng, shape, math.sqrt(variance) / _TRUNCATED_STD)
        else:
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        return values.astype(as_float_dtype(dtype))


class GlorotUniform(_VarianceScaling):
    """Uniform(-sqrt(6/(n_in+n_out)), +sqrt(6/(n_in+n_out))): Keras's default Dense kernel init."""
    mode, distribution = "fan_avg", "uniform"


class GlorotNormal(_VarianceScaling):
    mode = "fan_avg"


class HeNormal(_VarianceScaling):
    scale = 2.0


class LeCunNormal(_VarianceScaling):
    scale = 1.0


class Orthogonal:
    """Keras's Orthogonal(gain): a matrix with orthonormal columns (or rows, whichever are fewer)
    drawn uniformly (Haar) as Q of the QR factorisation of a standard normal matrix, each column
    of Q signed by its R diagonal entry; gain times it. A kernel of more than two axes is
    flattened to (prod of all but the last, last). Keras's default recurrent_initializer."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, rng, dtype=np.float64):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least two axes, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        q, r = np.linalg.qr(rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols))))
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        # C order whatever QR gave (q.T is a Fortran-ordered view): a flat view of the weights must be one
        return np.ascontiguousarray((self.gain * q).reshape(shape), dtype=as_float_dtype(dtype))


class Uniform:
    """Uniform(minval, maxval); Keras's "uniform" (RandomUniform) is U(-0.05, 0.05), the default
    of its Embedding layer."""

    def __init__(self, minval=-0.05, maxval=0.05):
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, rng, dtype=np.float64):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(as_float_dtype(dtype))


# Glorot and Bengio's (2010) first author's name for Glorot's scheme. The deep-learning-from-scratch
# book's "xavier" is a different one, a plain normal with std sqrt(1 / n_in): LeCunNormal(truncated=False).
Xavier = GlorotNormal

INITIALIZERS = {"gaussian": Gaussian, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
                "he_normal": HeNormal, "lecun_normal": LeCunNormal, "zeros": Zeros, "orthogonal": Orthogonal,
                "uniform": Uniform}


def get(name_or_init):
    if callable(name_or_init):
        return name_or_init
    try:
        return INITIALIZERS[name_or_init]()
    except KeyError:
        raise ValueError(f"unknown initializer {name_or_init!r}; known: {sorted(INITIALIZERS)}") from None
