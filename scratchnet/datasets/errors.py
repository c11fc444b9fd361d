"""Exceptions raised by :mod:`scratchnet.datasets`.

Every failure is a :class:`DatasetError`, so callers can catch one type; the
subclasses exist so tests (and careful callers) can tell *why* loading failed
without parsing messages.  Every message names the file or place involved.
"""


class DatasetError(Exception):
    """Base class for every error raised by scratchnet.datasets."""


class UnknownDatasetError(DatasetError, ValueError):
    """The dataset name is not one of the known names."""


class DatasetNotFoundError(DatasetError):
    """No source holds the dataset; the message says how to provision it."""


class ChecksumError(DatasetError):
    """A file's (or array's) sha256 differs from the value recorded in code."""


class CorruptFileError(DatasetError):
    """A file cannot be decoded: bad gzip stream, bad IDX header, bad npz."""


class InconsistentDataError(DatasetError):
    """Files decode but disagree: label/image counts, label range, shapes."""


class FetchError(DatasetError):
    """Provisioning failed (download tool missing or failing)."""


def fetch_hint(name):
    """The one way to provision data, as every error that finds none says it."""
    return (f"provision it with: python -m scratchnet.datasets fetch {name}  "
            f"(or, from the repository root, `make data`, which fetches all data sets)")
