"""Reader for a Keras-style ``mnist.npz`` (the four arrays under Keras's keys)."""
import zipfile

import numpy as np

from . import catalog
from .errors import CorruptFileError


def read_mnist_npz(path):
    """The four arrays of a Keras-style mnist.npz, never unpickling anything."""
    try:
        with open(path, "rb") as fh:  # we own fh: np.load leaks it on some errors
            npz = np.load(fh, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise CorruptFileError(f"{path}: not an npz archive")
            with npz:
                missing = [k for k in catalog.MNIST_KEYS if k not in npz.files]
                if missing:
                    raise CorruptFileError(f"{path}: npz file lacks keys {missing}")
                return tuple(npz[k] for k in catalog.MNIST_KEYS)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CorruptFileError(f"{path}: unreadable npz file ({exc})") from exc
