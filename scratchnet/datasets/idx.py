"""Reader and writer for the IDX format used by the (Fashion-)MNIST files.

An IDX file is: two zero bytes, a type code, the number of dimensions, then
one big-endian uint32 per dimension, then the data in C order.  The files are
usually gzip-compressed; we detect that from the gzip magic, not the suffix.
The parser checks everything it can, so a corrupt file fails here with a
message naming it rather than later as a strange shape.
"""
import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import CorruptFileError, InconsistentDataError

# IDX type code -> big-endian numpy dtype.
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path):
    """Return the file's content, gunzipped if it is a gzip stream."""
    data = Path(path).read_bytes()
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise CorruptFileError(f"{path}: truncated or corrupt gzip file ({exc})") from exc


def read_idx(path):
    """Parse an IDX (or IDX.gz) file into a read-only array in native byte order."""
    data = read_bytes(path)
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _DTYPES or data[3] == 0:
        magic = data[:4].hex() if len(data) >= 4 else data.hex() or "empty"
        raise CorruptFileError(f"{path}: bad IDX magic number 0x{magic} (expected 0x000008NN)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise CorruptFileError(f"{path}: IDX header truncated ({len(data)} bytes for {ndim} dims)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise CorruptFileError(
            f"{path}: IDX header dimensions {dims} need {expected} data bytes, "
            f"file has {len(data) - header}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as IDX, gzip-compressed when ``path`` ends in ``.gz``.

    Used to build small test fixtures; the inverse of :func:`read_idx`.
    """
    arr = np.asarray(array)
    code = _CODES[arr.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data, compresslevel=1, mtime=0)
    Path(path).write_bytes(data)


def check_pair(images, labels, images_name="images", labels_name="labels"):
    """Check that images (N, H, W) uint8 and labels (N,) in 0..9 belong together."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise InconsistentDataError(
            f"{images_name}: expected uint8 images of shape (N, H, W), got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise InconsistentDataError(
            f"{labels_name}: expected 1-D integer labels, got {labels.dtype} {labels.shape}"
        )
    if len(labels) != len(images):
        raise InconsistentDataError(
            f"label count {len(labels)} ({labels_name}) differs from "
            f"image count {len(images)} ({images_name})"
        )
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise InconsistentDataError(f"{labels_name}: labels must be in 0..9, found {labels.min()}..{labels.max()}")


def read_pair(images_path, labels_path):
    """Read an images IDX and a labels IDX and check that they match."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    check_pair(images, labels, str(images_path), str(labels_path))
    return images, labels
