"""TensorFlow's stateless uniform random numbers, bit for bit, in NumPy.

`tf.random.stateless_uniform(shape, seed, dtype)` on CPU draws from the Philox4x32-10 counter-
based generator (Salmon et al., 2011): a (key, counter) pair maps to four 32-bit words through
ten rounds of multiply/xor, with no hidden state. TensorFlow derives the key and the starting
counter from the two int32 seed words by one more Philox call under a fixed key, then fills the
output block by block with counters counter, counter + 1, ... (a 128-bit increment). Floats are
made from the words' mantissa bits: float32 from one word (1.m * 2^0 - 1), float64 from two
(20 bits of the first, all 32 of the second). `stateless_uniform` here reproduces every step,
so a NumPy program draws exactly the numbers TensorFlow draws for the same seed; this is what
lets scratchnet's Dropout draw the masks Keras's Dropout draws (see layers/dropout.py).
"""
import numpy as np

from ._checks import FLOAT_DTYPES

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)  # round multipliers
_W0, _W1 = 0x9E3779B9, 0xBB67AE85  # key schedule increments (golden ratio, sqrt(3) - 1)
_SEED_KEY = (0x3EC8F720, 0x02461E29)  # the fixed key TensorFlow scrambles a seed with
_LOW32 = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)


def philox4x32_10(counters, key):
    """Philox4x32-10 of each row of `counters` ((n, 4) words) under `key` (two words):
    (n, 4) uint32 outputs."""
    c0, c1, c2, c3 = (counters[:, i].astype(np.uint64) for i in range(4))
    k0, k1 = int(key[0]), int(key[1])
    for _ in range(10):
        p0, p1 = _M0 * c0, _M1 * c2  # exact: 32 x 32 bits fits 64
        c0, c1, c2, c3 = ((p1 >> _32) ^ c1 ^ np.uint64(k0), p1 & _LOW32,
                          (p0 >> _32) ^ c3 ^ np.uint64(k1), p0 & _LOW32)
        k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
    return np.stack([c0, c1, c2, c3], axis=1).astype(np.uint32)


def _key_and_counter(seed):
    """TensorFlow's key and starting counter for a pair of int32 seeds."""
    s0, s1 = (int(s) & 0xFFFFFFFFFFFFFFFF for s in seed)  # int32 -> int64 -> two words each
    words = np.array([[s0 & 0xFFFFFFFF, s0 >> 32, s1 & 0xFFFFFFFF, s1 >> 32]], dtype=np.uint64)
    mixed = philox4x32_10(words, _SEED_KEY)[0]
    return (int(mixed[0]), int(mixed[1])), (int(mixed[2]), int(mixed[3]))


def _counters(start_high, n):
    """Counters (0, 0, start) + i for i < n as (n, 4) words: the low 64 bits start at 0 here, so
    they never carry into the high 64 for any n a NumPy array can hold."""
    low = np.arange(n, dtype=np.uint64)
    out = np.empty((n, 4), dtype=np.uint64)
    out[:, 0], out[:, 1] = low & _LOW32, low >> _32
    out[:, 2], out[:, 3] = start_high
    return out


def stateless_uniform(shape, seed, dtype=np.float64):
    """The same numbers as `tf.random.stateless_uniform(shape, seed, dtype=dtype)` on CPU: uniform
    in [0, 1), float32 or float64, for a pair of int32 seed words."""
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"stateless_uniform: dtype must be float32 or float64, got {dtype}")
    if len(seed) != 2 or not all(-2**31 <= int(s) < 2**31 for s in seed):
        raise ValueError(f"stateless_uniform: seed must be two int32 values, got {seed!r}")
    n = int(np.prod(shape, dtype=np.int64))
    key, (c2, c3) = _key_and_counter(seed)
    per_block = 2 if dtype == np.float64 else 4
    words = philox4x32_10(_counters((c2, c3), -(-n // per_block)), key)
    if dtype == np.float64:
        pairs = words.reshape(-1, 2).astype(np.uint64)
        bits = (np.uint64(1023) << np.uint64(52)) | ((pairs[:, 0] & np.uint64(0xFFFFF)) << _32) | pairs[:, 1]
        values = bits.view(np.float64) - 1.0
    else:
        bits = np.uint32(127 << 23) | (words.reshape(-1) & np.uint32(0x7FFFFF))
        values = bits.view(np.float32) - np.float32(1.0)
    return values[:n].reshape(shape)
