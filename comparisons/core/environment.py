"""What a report was computed with: the versions of Python, NumPy (and the BLAS it calls), Keras
and TensorFlow (and which distribution provides it), and, once the twin is loaded, the equations
it follows where Keras versions differ (reference_keras.twin_equations: the L2 factor).

`environment()` gathers them without importing Keras or TensorFlow: a module already imported
gives its own `__version__` (what actually ran), one not imported yet its installed
distribution's version (None when absent). Every Report records it when it is made
(core.result), so its JSON and the header of its Markdown and terminal output say it, and
`comparisons diff` shows what changed between two runs. `environment_line(env)` is the one-line
form the renderers print.
"""
import functools
import platform
import re
import sys
from importlib import metadata

TWIN = "reference_keras._environment"  # the module that knows the twin's equations (loaded with Keras)


def _version(module, distribution):
    loaded = sys.modules.get(module)
    version = getattr(loaded, "__version__", None)
    if version is not None:
        return version
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def _tensorflow_distributions():
    """The installed distributions that provide the `tensorflow` package (tensorflow,
    tensorflow-cpu, ...; more than one means they overwrite each other)."""
    # as pip names them (PEP 503: tensorflow_cpu's metadata is the distribution tensorflow-cpu)
    return sorted({re.sub(r"[-_.]+", "-", name).lower()
                   for name in metadata.packages_distributions().get("tensorflow", [])})


@functools.cache
def _blas():
    """The BLAS libraries NumPy has loaded (threadpoolctl): [{library, version, threads, threading}]."""
    import numpy  # noqa: F401  (loads its BLAS, which threadpoolctl then finds)
    from threadpoolctl import threadpool_info
    return [{"library": info.get("internal_api"), "version": info.get("version"),
             "threads": info.get("num_threads"), "threading": info.get("threading_layer")}
            for info in threadpool_info() if info.get("user_api") == "blas"]


def environment():
    """{python, numpy, blas, keras, tensorflow, tensorflow_distributions[, twin]} as this process
    has them now (twin: the twin's equations, where reference_keras is loaded)."""
    import numpy
    env = {"python": platform.python_version(), "numpy": numpy.__version__, "blas": _blas(),
           "keras": _version("keras", "keras"), "tensorflow": None,
           "tensorflow_distributions": _tensorflow_distributions()}
    for distribution in env["tensorflow_distributions"] or ["tensorflow"]:
        env["tensorflow"] = env["tensorflow"] or _version("tensorflow", distribution)
    twin = sys.modules.get(TWIN)
    if twin is not None and hasattr(twin, "twin_equations"):
        env["twin"] = twin.twin_equations()
    return env


def blas_text(blas):
    """"openblas 0.3.31 on 2 threads" (each BLAS found, joined), or "no BLAS found"."""
    return " and ".join(f"{b['library']} {b['version']} on {b['threads']} threads" for b in blas) or "no BLAS found"


def twin_l2_text(twin):
    return twin["l2"] + (", emulated" if twin.get("l2_emulated") else "")


def environment_line(env):
    """The environment in one line: "Python 3.11.9, NumPy 2.4.6 with openblas 0.3.31 on 2 threads,
    Keras 3.15.1, TensorFlow 2.21.0 (tensorflow-cpu); the twin's L2: float32(l2) * sum(W**2) (Keras
    >= 3.14)"."""
    if not env:
        return ""
    distributions = " and ".join(env.get("tensorflow_distributions") or []) or "not installed"
    line = (f"Python {env.get('python')}, NumPy {env.get('numpy')} with {blas_text(env.get('blas') or [])}, "
            f"Keras {env.get('keras')}, TensorFlow {env.get('tensorflow')} ({distributions})")
    if env.get("twin"):
        line += f"; the twin's L2: {twin_l2_text(env['twin'])}"
    return line
