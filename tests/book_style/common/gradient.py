# Central differences on the live array, restoring each entry (the book's numerical_gradient).
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        keep = float(x[idx])
        x[idx] = keep + h
        plus = f(x)
        x[idx] = keep - h
        minus = f(x)
        grad[idx] = (plus - minus) / (2 * h)
        x[idx] = keep
    return grad
