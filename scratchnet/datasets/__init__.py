"""MNIST and Fashion-MNIST for scratchnet, with NumPy and the standard library only.

    >>> from scratchnet import datasets
    >>> (x_train, t_train), (x_test, t_test) = datasets.load("mnist")

``load(name, normalize=False, flatten=False)`` returns exactly what
``keras.datasets.<name>.load_data()`` returns.  Data is searched in
``data_dir=`` / ``$SCRATCHNET_DATA``, the Keras cache, Debian's
``/usr/share/datasets`` and the project cache (see sources.py); fill the
project cache with ``python -m scratchnet.datasets fetch all`` (``make data``).
"""
from .catalog import NAMES
from .errors import (
    ChecksumError,
    CorruptFileError,
    DatasetError,
    DatasetNotFoundError,
    FetchError,
    InconsistentDataError,
    UnknownDatasetError,
)
from .idx import read_idx, read_pair, write_idx
from .loader import check_expected, load
from .provision import fetch, mnist_arrays_from_wheel
from .sources import Source, cache_dir, find_source, keras_dir

__all__ = [
    "NAMES", "load", "fetch", "find_source", "Source", "cache_dir", "keras_dir",
    "read_idx", "read_pair", "write_idx", "check_expected", "mnist_arrays_from_wheel",
    "DatasetError", "UnknownDatasetError", "DatasetNotFoundError", "ChecksumError",
    "CorruptFileError", "InconsistentDataError", "FetchError",
]
