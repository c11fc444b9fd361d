"""Where a dataset can come from, searched in a fixed order; first hit wins.

1. ``data_dir=`` argument, else ``$SCRATCHNET_DATA`` (kinds "data_dir"/"env").
   Layout: ``<dir>/mnist.npz``; Fashion-MNIST as ``<dir>/fashion-mnist/*.gz``
   or the four ``.gz`` files directly in ``<dir>``.  Because the user named
   this folder explicitly, a missing dataset there is an error, not a reason
   to fall through to the other places.
2. Keras cache ``$KERAS_HOME`` or ``~/.keras``: ``datasets/mnist.npz`` and
   ``datasets/fashion-mnist/*.gz`` (kind "keras_cache").
3. Debian's ``/usr/share/datasets/fashion-mnist`` (Fashion only, "system").
4. The project cache, filled by ``python -m scratchnet.datasets fetch``:
   ``$SCRATCHNET_CACHE``, else ``$XDG_CACHE_HOME/scratchnet``, else
   ``~/.cache/scratchnet``; same layout as the Keras cache ("project_cache").

A place "has" a dataset only when all its files exist (a half-filled folder is
skipped).  Finding a source opens no file; loader.py does the checking.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from . import catalog
from .errors import DatasetNotFoundError, fetch_hint

SYSTEM_DIR = Path("/usr/share/datasets")  # module attribute so tests can redirect it
KIND_LABELS = {
    "data_dir": "data_dir argument",
    "env": "$SCRATCHNET_DATA",
    "keras_cache": "keras cache",
    "system": "system folder",
    "project_cache": "project cache",
}


@dataclass(frozen=True)
class Source:
    """A place holding one dataset: ``path`` is mnist.npz or the Fashion folder."""

    name: str
    kind: str
    path: Path

    @property
    def files(self):
        if self.name == catalog.MNIST:
            return (self.path,)
        return tuple(self.path / f for f in catalog.FASHION_FILES)

    def describe(self):
        return f"{KIND_LABELS[self.kind]} {self.path}"


def cache_dir():
    """The project cache folder (it may not exist yet)."""
    if os.environ.get("SCRATCHNET_CACHE"):
        return Path(os.environ["SCRATCHNET_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "scratchnet"
    return Path.home() / ".cache" / "scratchnet"


def keras_dir():
    """Keras' dataset folder, as keras.utils.get_file computes it."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home).expanduser() / "datasets"


def _candidate(name, root):
    """Where ``name`` would live under a cache-style ``root``."""
    return root / (catalog.MNIST_NPZ if name == catalog.MNIST else catalog.FASHION_DIR)


def _complete(name, path):
    return all(f.is_file() for f in Source(name, "data_dir", path).files)


def _explicit(name, folder, kind):
    folder = Path(folder).expanduser()
    tried = [_candidate(name, folder)] + ([folder] if name == catalog.FASHION else [])
    for path in tried:
        if _complete(name, path):
            return Source(name, kind, path)
    wanted = catalog.MNIST_NPZ if name == catalog.MNIST else ", ".join(catalog.FASHION_FILES)
    raise DatasetNotFoundError(
        f"{name}: {KIND_LABELS[kind]} {folder} does not contain the dataset "
        f"(looked for {wanted} in {' and '.join(map(str, tried))}); put it there, or point "
        f"{'data_dir' if kind == 'data_dir' else '$SCRATCHNET_DATA'} elsewhere and {fetch_hint(name)}"
    )


def search_places(name):
    """The implicit places searched for ``name``, in order, as (kind, path)."""
    places = [("keras_cache", _candidate(name, keras_dir()))]
    if name == catalog.FASHION:
        places.append(("system", SYSTEM_DIR / catalog.FASHION_DIR))
    places.append(("project_cache", _candidate(name, cache_dir())))
    return places


def find_source(name, data_dir=None):
    """Return the :class:`Source` that :func:`load` would use for ``name``."""
    name = catalog.canonical_name(name)
    if data_dir is not None:
        return _explicit(name, data_dir, "data_dir")
    if os.environ.get("SCRATCHNET_DATA"):
        return _explicit(name, os.environ["SCRATCHNET_DATA"], "env")
    places = search_places(name)
    for kind, path in places:
        if _complete(name, path):
            return Source(name, kind, path)
    searched = "\n".join(f"  - {KIND_LABELS[k]}: {p}" for k, p in places)
    raise DatasetNotFoundError(
        f"{name}: dataset not found. Searched ($SCRATCHNET_DATA is not set):\n{searched}\n"
        f"{fetch_hint(name)}"
    )
