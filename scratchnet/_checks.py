"""Input validation shared by layers, losses and the model.

Every check raises with a message that names the layer and the expected and actual shape or
dtype, because NumPy would otherwise broadcast a wrong shape silently or upcast a dtype.
"""
import numpy as np

DTYPES = ("float32", "float64")  # the float types scratchnet computes in (exported as scratchnet.DTYPES)
FLOAT_DTYPES = tuple(np.dtype(name) for name in DTYPES)


def as_float_dtype(dtype):
    """Normalise a dtype argument to float32 or float64, refusing anything else."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def check_float(x, where):
    """Assert that `x` is a float32 or float64 ndarray (layers and losses compute in these only)."""
    check_array(x, where)
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{where}: expected a float32 or float64 input, got {x.dtype}")
    return x


def check_count(value, where, minimum=1):
    """An integer count (a size, a batch size, a number of epochs) of at least `minimum`; bools,
    floats and strings are refused rather than truncated."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{where} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_nonempty(x, where):
    """A batch needs a sample: a mean over none is 0/0."""
    if x.shape[0] == 0:
        raise ValueError(f"{where}: empty batch (shape {x.shape}); at least one sample is needed")
    return x


def check_forward_done(name, kept):
    """A layer's backward needs what its forward kept: refuse a backward before any forward."""
    if kept is None:
        raise RuntimeError(f"{name}: backward called before forward")


def check_array(x, where, *, ndim=None, dtype=None, shape=None):
    """Assert that `x` is an ndarray of the given ndim, dtype and shape (None in shape = any)."""
    # Fast path first: this runs several times per training step.
    if type(x) is np.ndarray and (dtype is None or x.dtype == dtype):
        if shape is None:
            if ndim is None or x.ndim == ndim:
                return x
        elif x.ndim == len(shape) and all(want is None or want == got for want, got in zip(shape, x.shape)):
            return x
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array, got {type(x).__name__} "
                        f"(convert with np.asarray(x, dtype=...))")
    if type(x) is not np.ndarray:  # np.matrix multiplies as matrices; masked arrays drop their mask in BLAS
        raise TypeError(f"{where}: expected a plain numpy array, got {type(x).__module__}.{type(x).__name__} "
                        f"(convert with np.asarray(x); a masked array's masked entries would count)")
    if ndim is not None and x.ndim != ndim:
        hint = "; for a single sample use x.reshape(1, -1)" if ndim == 2 and x.ndim == 1 else ""
        raise ValueError(f"{where}: expected a {ndim}-D array"
                         f"{_shape_text(shape)}, got shape {x.shape}{hint}")
    if shape is not None and (x.ndim != len(shape) or any(
            want is not None and want != got for want, got in zip(shape, x.shape))):
        raise ValueError(f"{where}: expected shape {_shape_text(shape, bare=True)}, "
                         f"got {x.shape}")
    if dtype is not None and x.dtype != dtype:
        raise TypeError(f"{where}: expected dtype {np.dtype(dtype)}, got {x.dtype} "
                        f"(convert with .astype(np.{np.dtype(dtype)}))")
    return x


def _shape_text(shape, bare=False):
    if shape is None:
        return ""
    text = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    return text if bare else f" of shape {text}"


def label_column(t, n_classes):
    """Integer labels kept as a column, shape (N, 1), for an output of `n_classes` > 1 units: Keras
    reads them as labels (its sparse losses squeeze the column; "accuracy" becomes
    sparse_categorical_accuracy when the targets' last axis is 1 and the output's is not)."""
    return t.ndim == 2 and t.shape[1] == 1 and n_classes != 1


def labels_to_indices(t, n_rows, n_classes, where):
    """Validate targets for a classification loss; return (one_hot_or_None, int_labels_or_None).

    Targets are either integer labels in [0, K), shaped (N,) or as a column (N, 1), or a float
    array of shape (N, K).
    """
    if not isinstance(t, np.ndarray):
        raise TypeError(f"{where}: expected targets as a numpy array, got {type(t).__name__}")
    if label_column(t, n_classes):
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(f"{where}: targets shaped ({t.shape[0]}, 1) are read as a column of class labels, which "
                            f"must be integers; got dtype {t.dtype}")
        t = t[:, 0]
    if t.ndim == 1:
        if not np.issubdtype(t.dtype, np.integer):
            raise TypeError(f"{where}: 1-D targets must be integer class labels, got dtype {t.dtype}")
        if t.shape[0] != n_rows:
            raise ValueError(f"{where}: expected {n_rows} labels to match the batch, got shape {t.shape}")
        if t.size and (t.min() < 0 or t.max() >= n_classes):
            raise ValueError(f"{where}: labels out of range: expected integers in [0, {n_classes}), "
                             f"got min {t.min()} and max {t.max()}")
        return None, t
    if t.shape != (n_rows, n_classes):
        raise ValueError(f"{where}: expected targets of shape ({n_rows},) as labels or "
                         f"({n_rows}, {n_classes}) one-hot, got {t.shape}")
    return t, None
