"""The learner's side of the sandbox in which `python -m comparisons check FILE.py` runs a
learner's code (sandbox.py is the checker's side; read its docstring first).

Run as a script (`python -P -B -u _child.py READ_FD WRITE_FD CONFIG`), this module imports the
standard library and NumPy and nothing else before it imports the learner's file, then serves
the checker's requests over a pair of pipes until told to quit. The checker imports it too, for
what both sides share: the wire format (`Peer`: messages, and values encoded as plain data that
a restricted unpickler reads, see `Peer.encode`), `driven_uniforms` and the rules for which
modules are the learner's own (`learners_module`).

A value crosses the pipe as:
- plain data (None, bool, int, float, str, bytes, complex, NumPy scalars and dtypes, slices,
  tuples, sets) by value;
- NumPy arrays of numbers or text, dicts, OrderedDicts and lists as *mirrors*: each side keeps
  its own object for the other's, and at every crossing each side sends the mirrors that changed
  since the last crossing (a write into an array, an entry rebound in a dict), so both sides see
  each other's writes and identities (`a is b`) as one process would, at every call boundary;
- any other object of the learner's as a proxy (oid and a description of its class), and a
  callable of the checker's as a callback (the learner's code calling it calls back).
"""
import collections
import contextlib
import copy
import inspect
import io
import os
import pickle
import runpy
import struct
import sys
import sysconfig
import threading
import traceback
import types
import weakref
from pathlib import Path

import numpy as np

# What this module uses of NumPy and the standard library, taken before the learner's file runs:
# a file that replaces np.frombuffer (or any NumPy function), os.write or copy.deepcopy changes
# what its own code calls, not how its process answers the checker.
_np = types.SimpleNamespace(**{name: getattr(np, name) for name in (
    "frombuffer", "dtype", "errstate", "asarray", "ndarray", "generic", "integer", "uint32")})
_read, _write, _dumps, _deepcopy, _copy = os.read, os.write, pickle.dumps, copy.deepcopy, copy.copy

RUN_NAME = "__learner_file__"
OUR_PACKAGES = ("scratchnet", "reference_keras", "comparisons")
INSTALLED = tuple(Path(p).resolve() for p in {sysconfig.get_paths()[key] for key in
                                                 ("stdlib", "platstdlib", "purelib", "platlib")})
MAX_MESSAGE = 1 << 30  # bytes: a message larger than this is refused (a learner's file cannot exhaust the checker)
MESSAGE_TEXT = 4000  # characters of an exception's message or traceback that cross
HEADER = struct.Struct("<Q")
MIRRORED_KINDS = "biufcSU"  # array dtypes that cross as mirrors (bytes); others as proxies
SPECIALS = ("__call__", "__len__", "__iter__", "__next__", "__getitem__", "__setitem__", "__delitem__",
            "__contains__", "__bool__", "__float__", "__int__", "__index__", "__array__", "__enter__", "__exit__",
            "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
            "__matmul__", "__rmatmul__", "__pow__", "__rpow__", "__neg__", "__pos__", "__abs__")
NO_DEFAULT = ("-",)
RECURSION_FLOOR = 1000


def learners_module(module):
    """True for a module of the learner's own: not ours, not installed, not built in."""
    if module is None or module.__name__.split(".")[0] in OUR_PACKAGES:
        return False
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file:
        return False
    file = Path(file).resolve()
    return not any(file.is_relative_to(root) for root in INSTALLED)


# -- driven uniforms (used on both sides) ----------------------------------------------------------
_DRIVEN = []  # the uniforms of the driven_uniforms blocks now open, innermost last


def _shape(size):
    return None if size is None else (size,) if isinstance(size, (int, _np.integer)) else tuple(size)


@contextlib.contextmanager
def driven_uniforms(u):
    """Within the block, NumPy's global `rand`, `random`, `random_sample` and `uniform` (on [0, 1))
    return a copy of `u` when asked for its shape (and draw as usual otherwise): a book-style
    Dropout's mask then comes from the uniforms Keras's Dropout draws; `binomial(1, keep, shape)`
    (nnfs's mask) returns 1 where u >= 1 - keep, the units Keras's Dropout(1 - keep) keeps. In the checker, the
    sandbox hands `u` on to each call into a learner's process made inside the block
    (`current_uniforms`), which drives that process's NumPy the same way."""
    saved = {name: getattr(np.random, name) for name in ("rand", "random", "random_sample", "uniform", "binomial")}

    def rand(*shape):
        return u.copy() if shape == u.shape else saved["rand"](*shape)

    def uniform_of(name):
        def draw(size=None):
            return u.copy() if _shape(size) == u.shape else saved[name](size)
        return draw

    def uniform(low=0.0, high=1.0, size=None):
        return u.copy() if (low, high) == (0.0, 1.0) and _shape(size) == u.shape else saved["uniform"](low, high, size)

    def binomial(n, p, size=None):  # a keep mask binomial(1, keep, shape): kept where u >= 1 - keep (Keras's units)
        if n == 1 and np.ndim(p) == 0 and _shape(size) == u.shape:
            return (u >= 1.0 - p).astype(np.int64)
        return saved["binomial"](n, p, size)

    np.random.rand, np.random.uniform, np.random.binomial = rand, uniform, binomial
    np.random.random, np.random.random_sample = uniform_of("random"), uniform_of("random_sample")
    _DRIVEN.append(u)
    try:
        yield
    finally:
        _DRIVEN.pop()
        for name, function in saved.items():
            setattr(np.random, name, function)


def current_uniforms():
    return _DRIVEN[-1] if _DRIVEN else None


# -- the wire ----------------------------------------------------------------------------------------
class WireError(Exception):
    """The other side sent something that is not a message of this protocol."""


class _PlainUnpickler(pickle.Unpickler):
    """Reads only builtin containers and scalars: no class, no function, nothing that runs code."""

    def find_class(self, module, name):
        raise WireError(f"refused a pickled reference to {module}.{name}")


def loads(data):
    return _PlainUnpickler(io.BytesIO(data)).load()


def dumps(message):
    data = _dumps(message, protocol=5)
    return HEADER.pack(len(data)) + data


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = _write(fd, view)
        view = view[written:]


class Mirror:
    """One mirrored array or container on one side. On the learner's side (and for the checker's
    own dicts and lists, mirrored for one request) the object is held strongly. On the checker's
    side it is held weakly, so that it may die: a mirrored array is then a view of `base`, which
    the mirror keeps, and a mirrored container leaves its last entries behind (Peer.stash), so
    that a write made just before it died still reaches the other side. `snapshot` is the state
    last synchronised (for a container its entries, the values compared by identity)."""
    __slots__ = ("ref", "strong", "base", "key", "kind", "snapshot", "scoped")

    def __init__(self, obj, weak, base=None, on_death=None, scoped=False):
        self.strong = None if weak else obj
        self.ref = weakref.ref(obj, on_death) if weak else None
        self.base, self.key, self.snapshot, self.scoped = base, id(obj), None, scoped
        self.kind = "array" if isinstance(obj, _np.ndarray) else "list" if isinstance(obj, list) else \
            "o" if isinstance(obj, collections.OrderedDict) else "d"

    def get(self):
        return self.strong if self.ref is None else self.ref()


def _array_state(a):
    order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    return a.dtype.str, a.shape, order, a.tobytes(order=order)


def _same_array(a, snapshot):
    return a.dtype.str == snapshot[0] and a.shape == snapshot[1] and a.tobytes(order=snapshot[2]) == snapshot[3]


def _new_array(state):
    dtype, shape, order, data = state
    return _np.frombuffer(data, dtype=_np.dtype(dtype)).reshape(shape, order=order).copy(order="K")


def _container_state(obj):
    return list(obj) if isinstance(obj, list) else list(obj.items())



def state_of(obj):
    """What a mirror's object holds now."""
    return _array_state(obj) if isinstance(obj, _np.ndarray) else _container_state(obj)


def changed(obj, snapshot):
    if isinstance(obj, _np.ndarray):
        return not _same_array(obj, snapshot)
    now = _container_state(obj)
    if len(now) != len(snapshot):
        return True
    if isinstance(obj, list):
        return any(a is not b for a, b in zip(now, snapshot))
    return any(v1 is not v2 or (k1 is not k2 and k1 != k2) for (k1, v1), (k2, v2) in zip(now, snapshot))


CONTAINERS = (dict, list, collections.OrderedDict)


class Peer:
    """One side of the conversation: the mirrors it shares with the other side, the encoding of
    values, and messages. `weak` (the checker's side) holds mirrored objects weakly, except the
    checker's own dicts and lists (which cannot be referred to weakly): those are mirrored for
    the length of the request that sent them (`scopes`). Ids this side assigns have the sign
    `sign` (+1 the learner's, -1 the checker's)."""

    def __init__(self, rfd, wfd, sign, weak):
        self.rfd, self.wfd, self.sign, self.weak = rfd, wfd, sign, weak
        self.counter = 0
        self.mirrors = {}  # id -> Mirror
        self.mirror_ids = {}  # id(obj) -> id
        self.dead = []  # ids whose object died on this side (weak only), to release
        self.stash = {}  # id -> the entries a mirrored container held when it died
        self.pending = []  # updates of mirrors that died changed, for the next message
        self.releases = []  # ids the other side may forget
        self.scopes = [[]]  # ids of the checker's dicts and lists mirrored by each request now open
        self.send_lock = threading.Lock()
        self.global_rng = np.random.mtrand._rand  # NumPy's global RandomState, as NumPy itself holds it
        self.rng_synced = None  # its state as both sides last saw it

    def rng_state(self):
        state = self.global_rng.get_state()
        return state[1].tobytes(), int(state[2]), int(state[3]), float(state[4])

    def new_id(self):
        self.counter += 1
        return self.sign * self.counter

    # -- messages ------------------------------------------------------------------------------------
    def send(self, message):
        """Send a message with the mirrors this side changed and what it released, and NumPy's
        global RNG state when it moved here: the two processes share one global RNG, as the
        learner's code and the checks would in one process."""
        self.collect()
        message["u"] = self.flush()
        rng = self.rng_state()
        if rng != self.rng_synced:
            message["rng"] = self.rng_synced = rng
        message["rel"], self.releases = self.releases, []
        data = dumps(message)
        with self.send_lock:
            write_all(self.wfd, data)

    def apply(self, message):
        """The other side's changes to mirrors and RNG: before the message's values are read."""
        for ref_id, state in message.get("u", ()):
            self.update(ref_id, state)
        if "rng" in message:
            keys, pos, has_gauss, cached = message["rng"]
            self.global_rng.set_state(("MT19937", _np.frombuffer(keys, dtype=_np.uint32).copy(), pos, has_gauss,
                                       cached))
            self.rng_synced = message["rng"]

    def release(self, message):
        """What the other side forgot: after the message's values are read (they may name it)."""
        for ref_id in message.get("rel", ()):
            self.forget(ref_id)

    # -- mirrors -------------------------------------------------------------------------------------
    def known(self, obj):
        ref_id = self.mirror_ids.get(id(obj))
        if ref_id is not None:
            entry = self.mirrors.get(ref_id)
            if entry is not None and entry.get() is obj:
                return ref_id
        return None

    def register(self, ref_id, obj, scoped=False, base=None):
        weak = self.weak and not scoped
        on_death = (lambda _, ref_id=ref_id: self.dead.append(ref_id)) if weak and base is not None or \
            weak and isinstance(obj, _np.ndarray) else None
        entry = Mirror(obj, weak, base, on_death, scoped)
        self.mirrors[ref_id] = entry
        self.mirror_ids[entry.key] = ref_id
        if scoped:
            self.scopes[-1].append(ref_id)
        self.registered(ref_id, obj)
        return entry

    def registered(self, ref_id, obj):
        """Hook: a mirror's object was registered (the checker's side tells its containers their id)."""

    def release_scope(self, ids):
        """The checker's dicts and lists a finished request mirrored: both sides forget them."""
        for ref_id in ids:
            self.forget(ref_id)
            self.releases.append(ref_id)

    def forget(self, ref_id):
        entry = self.mirrors.pop(ref_id, None)
        if entry is not None and self.mirror_ids.get(entry.key) == ref_id:
            del self.mirror_ids[entry.key]
        self.stash.pop(ref_id, None)
        self.forget_object(ref_id)

    def forget_object(self, ref_id):
        """Drop an object (not a mirror) this side holds for the other (the sides override)."""

    def last_state(self, ref_id, entry):
        """What a mirror holds: its live object, else (it died here) its array's base or the
        entries its container left behind; None for an array of the checker's own that died."""
        obj = entry.get()
        if obj is not None:
            return obj
        return entry.base if entry.base is not None else self.stash.get(ref_id)

    def collect(self):
        """Release the mirrors whose objects died here, sending first what was written into
        them since the last crossing."""
        while self.dead:
            ref_id = self.dead.pop()
            entry = self.mirrors.get(ref_id)
            if entry is None or entry.get() is not None:
                continue
            final = self.last_state(ref_id, entry)
            if final is not None and changed(final, entry.snapshot):
                self.pending.append((ref_id, self.encode_state(final)))
            self.forget(ref_id)
            self.releases.append(ref_id)

    def mirrored(self, ref_id):
        """The object of a mirror this side holds (a new one, with its last state, if it died)."""
        entry = self.mirrors.get(ref_id)
        if entry is None:
            raise WireError(f"a reference to mirror {ref_id}, which this side does not hold")
        obj = entry.get()
        if obj is None:
            obj = self.revive(ref_id, entry)
        return obj

    def revive(self, ref_id, entry, base=None):
        """A new object for a mirror whose object died here before the other side heard of it
        (or, with `base`, an array whose dtype or shape the other side changed)."""
        if entry.kind == "array":
            base = entry.base if base is None else base
            if base is None:  # an array of the checker's own: the other side keeps its last state
                base = _new_array(entry.snapshot)
            obj = base.view() if self.weak else base
        else:
            items = self.stash.pop(ref_id, None)
            items = entry.snapshot if items is None else _container_state(items)
            obj = self.new_list() if entry.kind == "list" else self.new_dict(entry.kind)
            obj.extend(items) if entry.kind == "list" else obj.update(items)
        self.mirrors.pop(ref_id)
        fresh = self.register(ref_id, obj, entry.scoped, base if self.weak and entry.kind == "array" else None)
        fresh.snapshot = entry.snapshot
        return obj

    def flush(self):
        """[(id, encoded state)] of the mirrors this side changed since the last crossing."""
        updates, self.pending = self.pending, []
        for ref_id, entry in list(self.mirrors.items()):
            obj = self.last_state(ref_id, entry)
            if obj is None or not changed(obj, entry.snapshot):
                continue
            entry.snapshot = state_of(obj)
            updates.append((ref_id, self.encode_state(obj)))
        return updates

    def encode_state(self, obj):
        if isinstance(obj, _np.ndarray):
            return ("A", *_array_state(obj))
        if isinstance(obj, list):
            return ("L", [self.encode(v) for v in obj])
        tag = "o" if isinstance(obj, collections.OrderedDict) else "d"
        return ("D", tag, [(self.encode(k), self.encode(v)) for k, v in obj.items()])

    def update(self, ref_id, state):
        """Apply the other side's change to a mirror (in place where the object allows)."""
        entry = self.mirrors.get(ref_id)
        if entry is None:
            raise WireError(f"an update of mirror {ref_id}, which this side does not hold")
        if state[0] == "A":
            target = entry.base if entry.base is not None else entry.get()
            if target is not None and target.dtype.str == state[1] and target.shape == state[2] and \
                    target.flags.writeable:
                target[...] = _new_array(state[1:])
            else:
                self.revive(ref_id, entry, base=_new_array(state[1:]))
        else:
            obj = self.mirrored(ref_id)
            if state[0] == "L":
                obj[:] = [self.decode(v) for v in state[1]]
            else:
                items = [(self.decode(k), self.decode(v)) for k, v in state[2]]
                obj.clear()
                obj.update(items)
        entry = self.mirrors[ref_id]
        entry.snapshot = state_of(self.last_state(ref_id, entry))

    # -- values ------------------------------------------------------------------------------------
    def encode(self, value):
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if kind is tuple:
            return ("t", [self.encode(v) for v in value])
        if isinstance(value, _np.ndarray) and value.dtype.kind in MIRRORED_KINDS and not value.dtype.fields:
            ref_id = self.known(value)
            if ref_id is not None:
                return ("r", ref_id)
            ref_id = self.new_id()
            entry = self.register(ref_id, value)
            entry.snapshot = _array_state(value)
            return ("a", ref_id, *entry.snapshot)
        if kind in CONTAINERS or self.is_mirror_container(value):
            ref_id = self.known(value)
            if ref_id is not None:
                return ("r", ref_id)
            ref_id = self.new_id()
            entry = self.register(ref_id, value, scoped=self.weak and kind in CONTAINERS)
            entry.snapshot = _container_state(value)
            if isinstance(value, list):
                return ("l", ref_id, [self.encode(v) for v in value])
            return ("d", ref_id, entry.kind, [(self.encode(k), self.encode(v)) for k, v in value.items()])
        if isinstance(value, _np.generic) and value.dtype.kind in MIRRORED_KINDS:
            return ("s", value.dtype.str, value.tobytes())
        if isinstance(value, _np.dtype) and not value.fields:
            return ("dt", value.str)
        if kind is bytes:
            return ("b", value)
        if kind is complex:
            return ("x", value.real, value.imag)
        if kind is slice:
            return ("sl", self.encode(value.start), self.encode(value.stop), self.encode(value.step))
        if value is Ellipsis:
            return ("E",)
        if kind in (set, frozenset):
            return ("set" if kind is set else "fset", [self.encode(v) for v in value])
        if kind is range:
            return ("rg", value.start, value.stop, value.step)
        return self.encode_object(value)

    def is_mirror_container(self, value):
        return False

    def encode_object(self, value):
        raise NotImplementedError

    def decode(self, data):
        if not isinstance(data, tuple):
            if data is None or type(data) in (bool, int, float, str):
                return data
            raise WireError(f"unexpected {type(data).__name__} in a message")
        tag = data[0]
        if tag == "t":
            return tuple(self.decode(v) for v in data[1])
        if tag == "r":
            return self.mirrored(data[1])
        if tag == "a":
            base = _new_array(data[2:])
            obj = base.view() if self.weak else base
            self.register(data[1], obj, base=base if self.weak else None).snapshot = data[2:]
            return obj
        if tag == "l":
            obj = self.new_list()
            entry = self.register(data[1], obj)
            obj.extend(self.decode(v) for v in data[2])
            entry.snapshot = _container_state(obj)
            return obj
        if tag == "d":
            obj = self.new_dict(data[2])
            entry = self.register(data[1], obj)
            obj.update((self.decode(k), self.decode(v)) for k, v in data[3])
            entry.snapshot = _container_state(obj)
            return obj
        if tag == "s":
            return _np.frombuffer(data[2], dtype=_np.dtype(data[1]))[0]
        if tag == "dt":
            return _np.dtype(data[1])
        if tag == "b":
            return bytes(data[1])
        if tag == "x":
            return complex(data[1], data[2])
        if tag == "sl":
            return slice(self.decode(data[1]), self.decode(data[2]), self.decode(data[3]))
        if tag == "E":
            return Ellipsis
        if tag in ("set", "fset"):
            return (set if tag == "set" else frozenset)(self.decode(v) for v in data[1])
        if tag == "rg":
            return range(data[1], data[2], data[3])
        return self.decode_object(data)

    def new_list(self):
        return []

    def new_dict(self, tag):
        return collections.OrderedDict() if tag == "o" else {}

    def decode_object(self, data):
        raise WireError(f"unknown value tag {data[0]!r}")


# -- signatures and classes, described as plain data ------------------------------------------------
def describe_signature(function):
    """[(name, kind, default)] of inspect.signature(function), or None where there is none.
    A default crosses by value when it is plain, else as ("~", its repr)."""
    try:
        signature = inspect.signature(function)
    except Exception:  # noqa: BLE001  (no signature: the checker's side raises ValueError, as inspect does)
        return None
    params = []
    for p in signature.parameters.values():
        if p.default is p.empty:
            default = NO_DEFAULT
        elif _plain(p.default):
            default = ("=", p.default)
        else:
            default = ("~", _safe_repr(p.default))
        params.append((p.name, int(p.kind), default))
    return params


def _plain(value):
    if value is None or type(value) in (bool, int, float, str):
        return True
    return type(value) is tuple and all(_plain(v) for v in value)


def _safe_repr(value, limit=200):
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def _safe_str(value, limit=MESSAGE_TEXT):
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__} whose str() raised>"
    return text if len(text) <= limit else text[:limit] + "..."


def describe_class(cls):
    """What the checker needs to stand in for a class: names, its callables with their
    signatures (found on the class, self included) and how an instance binds them (a plain
    function, a staticmethod, a classmethod, or None for other callables), which special
    methods its instances have, and the constructor's signature."""
    methods = []
    try:
        names = sorted(set(dir(cls)))
    except Exception:  # noqa: BLE001
        names = []
    for name in names:
        if name.startswith("__") and name.endswith("__") and name != "__init__":
            continue
        try:
            static = inspect.getattr_static(cls, name)
            if name == "__init__" and static is object.__init__:
                continue
            found = getattr(cls, name) if isinstance(static, (staticmethod, classmethod)) else static
        except Exception:  # noqa: BLE001
            continue
        if callable(found) and not isinstance(found, type):
            binding = "function" if isinstance(static, types.FunctionType) else \
                "static" if isinstance(static, staticmethod) else "class" if isinstance(static, classmethod) else None
            methods.append((name, describe_signature(found), binding))
    specials = [name for name in SPECIALS if _has_special(cls, name)]
    return {"name": _safe_str(getattr(cls, "__name__", "?"), 200),
            "qualname": _safe_str(getattr(cls, "__qualname__", "?"), 200),
            "module": _safe_str(getattr(cls, "__module__", "?"), 200),
            "doc": _doc(cls), "methods": methods, "specials": specials, "signature": describe_signature(cls),
            "abstract": inspect.isabstract(cls)}


def _shadowing(value):
    """The names in an object's own __dict__ that hide a callable of its class (so that the
    checker asks for them instead of calling the class's method)."""
    try:
        own = vars(value)
        return [name for name in own if isinstance(name, str) and callable(getattr(type(value), name, None))]
    except Exception:  # noqa: BLE001  (no __dict__, or one that misbehaves)
        return []


def _callable_meta(value):
    """The names, docstring and signature of a callable (a function, a bound method)."""
    def text(name, default):
        try:
            found = getattr(value, name, default)
        except Exception:  # noqa: BLE001
            found = default
        return _safe_str(found, 200) if found is not None else None

    return {"name": text("__name__", type(value).__name__), "qualname": text("__qualname__", type(value).__qualname__),
            "module": text("__module__", None), "doc": _doc(value), "signature": describe_signature(value)}


def _has_special(cls, name):
    """Whether instances of `cls` have the special method `name` (looked up on the class, as
    Python does, not on its metaclass)."""
    try:
        return any(vars(base).get(name) is not None for base in cls.__mro__)
    except Exception:  # noqa: BLE001
        return False


def _doc(obj):
    try:
        doc = obj.__doc__
    except Exception:  # noqa: BLE001
        return None
    return doc[:MESSAGE_TEXT] if isinstance(doc, str) else None


def describe_exception(err):
    """(type name, its builtin base's name, message, traceback text) of an exception."""
    base = next((c.__name__ for c in type(err).__mro__ if c.__module__ == "builtins"), "Exception")
    try:
        text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    except Exception:  # noqa: BLE001
        text = ""
    if len(text) > MESSAGE_TEXT:
        text = "...\n" + text[-MESSAGE_TEXT:]
    return (_safe_str(type(err).__name__, 200), base, _safe_str(err), text)


# -- the learner's process --------------------------------------------------------------------------
class CallbackStub:
    """A callable of the checker's, as the learner's code sees it: calling it calls back."""

    def __init__(self, server, pid, meta):
        self._server, self._pid = server, pid
        self.__name__ = meta.get("name", "callback")
        self.__qualname__ = meta.get("qualname", self.__name__)
        self.__doc__ = meta.get("doc")

    def __call__(self, *args, **kwargs):
        return self._server.callback(self._pid, args, kwargs)

    def __del__(self):
        try:
            self._server.callbacks.pop(self._pid, None)
            self._server.releases.append(self._pid)
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass

    def __repr__(self):
        return f"<the checker's {self.__qualname__}>"


class _Exit(BaseException):
    """The checker said quit."""


class Server(Peer):
    """The learner's side: holds the learner's objects the checker refers to, answers requests."""

    def __init__(self, rfd, wfd):
        super().__init__(rfd, wfd, sign=+1, weak=False)
        self.objects = {}  # oid -> object
        self.object_ids = {}  # id(obj) -> oid
        self.described = set()  # class oids described to the checker
        self.memos = {}  # deepcopy memos the checker opened
        self.callbacks = {}  # pid -> weak reference to its CallbackStub (the learner's code holds it)
        self.rng_synced = self.rng_state()  # the checker's state comes with its first request

    # -- wire ----------------------------------------------------------------------------------------
    def receive(self):
        header = self._read(HEADER.size)
        (size,) = HEADER.unpack(header)
        if size > MAX_MESSAGE:
            raise WireError(f"a message of {size} bytes")
        return loads(self._read(size))

    def _read(self, n):
        chunks, left = [], n
        while left:
            chunk = _read(self.rfd, min(left, 1 << 20))
            if not chunk:
                raise _Exit
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def forget_object(self, ref_id):
        obj = self.objects.pop(ref_id, None)
        if obj is not None and self.object_ids.get(id(obj)) == ref_id:
            del self.object_ids[id(obj)]
        self.memos.pop(ref_id, None)

    # -- values ----------------------------------------------------------------------------------------
    def encode_object(self, value):
        if isinstance(value, CallbackStub):
            return ("p", value._pid)
        oid = self.object_ids.get(id(value))
        if oid is None or self.objects.get(oid) is not value:
            oid = self.new_id()
            self.objects[oid] = value
            self.object_ids[id(value)] = oid
        if isinstance(value, type):
            return self.encode_class(value, oid)
        return ("o", oid, self.encode_object(type(value)), _callable_meta(value) if callable(value) else None,
                _shadowing(value))

    def encode_class(self, cls, oid):
        if oid in self.described:
            return ("c", oid)
        self.described.add(oid)
        return ("C", oid, describe_class(cls))

    def decode_object(self, data):
        tag = data[0]
        if tag in ("o", "c"):
            try:
                return self.objects[data[1]]
            except KeyError:
                raise WireError(f"a reference to object {data[1]}, which this side does not hold") from None
        if tag == "p":
            ref = self.callbacks.get(data[1])
            stub = None if ref is None else ref()
            if stub is None:
                stub = CallbackStub(self, data[1], data[2])
                self.callbacks[data[1]] = weakref.ref(stub)
            return stub
        raise WireError(f"unknown value tag {tag!r}")

    # -- serving -----------------------------------------------------------------------------------------
    def serve(self):
        while True:
            message = self.receive()
            if message["k"] == "quit":
                raise _Exit
            self.send(self.handle(message))

    def callback(self, pid, args, kwargs):
        self.send({"k": "callback", "p": pid, "a": self.encode(args),
                   "kw": [(key, self.encode(value)) for key, value in kwargs.items()]})
        while True:
            message = self.receive()
            kind = message["k"]
            if kind == "ok":
                self.apply(message)
                value = self.decode(message["v"])
                self.release(message)
                return value
            if kind == "err":
                self.apply(message)
                self.release(message)
                raise RemoteError(message["e"], message.get("tok"))
            if kind == "quit":
                raise _Exit
            self.send(self.handle(message))

    def handle(self, message):
        """One request: its values read, then what the checker released forgotten, then done."""
        _recursion_floor()
        try:
            self.apply(message)
            request = self.read_request(message)
            self.release(message)
            with self.ambient(request.pop("amb")):
                value = self.perform(**request)
            _recursion_floor()
            return {"k": "ok", "v": self.encode(value)}
        except _Exit:
            raise
        except WireError:
            raise
        except BaseException as err:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too: the learner's code raised them)
            fatal = isinstance(err, (SystemExit, KeyboardInterrupt, GeneratorExit))
            code = _safe_repr(err.code) if isinstance(err, SystemExit) else None
            _recursion_floor()
            return {"k": "err", "e": describe_exception(err), "args": self.plain_args(err), "fatal": fatal,
                    "code": code, "tok": err.token if isinstance(err, RemoteError) else None}

    def read_request(self, message):
        request = {"kind": message["k"], "amb": message.get("amb"), "name": message.get("n"),
                   "path": message.get("path")}
        ambient = request["amb"]
        if ambient and ambient.get("u") is not None:
            ambient["u"] = self.decode(ambient["u"])
        for key, field in (("t", "target"), ("a", "args"), ("v", "value")):
            request[field] = self.decode(message[key]) if key in message else None
        request["kwargs"] = {k: self.decode(v) for k, v in message.get("kw", ())}
        return request

    @staticmethod
    def plain_args(err):
        """The exception's args where they are plain data (so that str() of it reads the same)."""
        try:
            args = err.args
            return list(args) if type(args) is tuple and all(_plain(a) for a in args) else None
        except Exception:  # noqa: BLE001
            return None

    @contextlib.contextmanager
    def ambient(self, ambient):
        """The checker's NumPy error settings and driven uniforms, for the length of one request:
        what the learner's code would have run under in the checker's process."""
        if not ambient:
            yield
            return
        u = ambient.get("u")
        with _np.errstate(**ambient["err"]), driven_uniforms(u) if u is not None else contextlib.nullcontext():
            yield

    def perform(self, kind, target, args, kwargs, name, value, path):
        if kind == "import":
            return import_learner_file(path)
        if kind == "functions":  # the plain functions of the file imported (CS231n's function files)
            return list(_IMPORTED_FUNCTIONS)
        if kind == "call":
            return target(*args, **kwargs)
        if kind == "callattr":
            return getattr(target, name)(*args, **kwargs)
        if kind == "callmethod":  # a method the checker took from an instance before it put a callback there
            method = getattr(target, name)
            if isinstance(method, CallbackStub):
                method = getattr(type(target), name).__get__(target, type(target))
            return method(*args, **kwargs)
        if kind == "getattr":
            return getattr(target, name)
        if kind == "setattr":
            setattr(target, name, value)
            return None
        if kind == "delattr":
            delattr(target, name)
            return None
        if kind == "op":
            return self.operation(name, target, args)
        raise WireError(f"unknown request {kind!r}")

    def operation(self, name, target, args):
        if name == "deepcopy":
            memo = self.memos.setdefault(args[0], {})
            return _deepcopy(target, memo)
        if name == "copy":
            return _copy(target)
        if name == "repr":
            return _safe_repr(target, MESSAGE_TEXT)
        if name == "dir":
            return list(dir(target))
        if name == "array":
            return _np.asarray(target, *args)
        if name == "next":
            return next(target)
        function = OPERATIONS[name]
        return function(target, *args)


OPERATIONS = {"len": len, "iter": iter, "getitem": lambda t, k: t[k], "contains": lambda t, k: k in t,
              "bool": bool, "float": float, "int": int, "index": lambda t: t.__index__(),
              "setitem": lambda t, k, v: t.__setitem__(k, v), "delitem": lambda t, k: t.__delitem__(k),
              "enter": lambda t: t.__enter__(), "exit": lambda t, *a: t.__exit__(*a),
              "special": lambda t, name, *a: getattr(t, name)(*a)}


def _recursion_floor():
    """A learner's low recursion limit is its own code's, not this loop's."""
    if sys.getrecursionlimit() < RECURSION_FLOOR:
        sys.setrecursionlimit(RECURSION_FLOOR)


class RemoteError(Exception):
    """An exception of the checker's, raised in the learner's code that called back (the checker
    raises its own exception again if this one comes back to it: `token`)."""

    def __init__(self, description, token):
        super().__init__(f"{description[0]}: {description[2]}")
        self.description, self.token = description, token


ANCESTOR_LEVELS = 4  # folders above the file's searched for a package it imports from its project root


class ProjectRootFinder:
    """Last on sys.meta_path: a top-level module that nothing else finds is looked for in the
    folders above the learner's file (`from src.layers import Dense` run from src/models/, the
    book's `common` two folders up); the nearest folder holding it is appended to sys.path, as
    the learner's PYTHONPATH would, so that its submodules import too. Installed packages and
    the file's own folder keep precedence."""

    def __init__(self, folder):
        self.ancestors = list(Path(folder).parents)[:ANCESTOR_LEVELS]

    def find_spec(self, name, path=None, target=None):
        if path is not None or "." in name:
            return None
        import importlib.machinery
        for folder in self.ancestors:
            if (folder / name).is_dir() or (folder / f"{name}.py").is_file():
                spec = importlib.machinery.PathFinder.find_spec(name, [str(folder)])
                if spec is not None:
                    if str(folder) not in sys.path:
                        sys.path.append(str(folder))
                    return spec
        return None


def import_learner_file(path):
    """Run the learner's file as a script would from its own folder (its folder first on sys.path
    and as the working directory, so the book's `sys.path.append(os.pardir)` finds `common/`;
    the parent folder last, so that common/layers.py finds `common.functions`; a package found
    nowhere else is looked for further up, ProjectRootFinder), under a module
    name of its own so that an `if __name__ == "__main__":` block does not run. Returns
    [(class, file that defines it)] for the classes in its namespace defined by it or by the
    learner's other modules (the book's `from common.layers import *`)."""
    path = Path(path).resolve()
    sys.path.insert(0, str(path.parent))
    sys.path.append(str(path.parent.parent))
    sys.meta_path.append(ProjectRootFinder(path.parent.parent))
    os.chdir(path.parent)
    before = set(sys.modules)
    namespace = runpy.run_path(str(path), run_name=RUN_NAME)
    learner_modules = {RUN_NAME: str(path)}
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        if learners_module(module):
            learner_modules[name] = str(Path(module.__file__).resolve())
    _IMPORTED_FUNCTIONS[:] = [(value, learner_modules[value.__module__]) for value in list(namespace.values())
                              if isinstance(value, types.FunctionType)
                              and getattr(value, "__module__", None) in learner_modules]
    return [(value, learner_modules[value.__module__]) for value in list(namespace.values())
            if isinstance(value, type) and getattr(value, "__module__", None) in learner_modules]


_IMPORTED_FUNCTIONS = []  # [(function, file that defines it)] of the file imported last (the "functions" request)


def _limit_memory(limit):
    import resource
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_the_checker():
    """Linux: the kernel kills this process when the checker's process ends."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001  (not Linux: the pipe's end stops this process instead)
        pass


def main(argv):
    rfd, wfd, memory_limit = int(argv[0]), int(argv[1]), int(argv[2])
    real_exit = os._exit
    _die_with_the_checker()
    _limit_memory(memory_limit)
    server = Server(rfd, wfd)

    def reported_exit(code=0):  # the learner's os._exit: the checker learns why the process ends
        with contextlib.suppress(Exception):
            data = dumps({"k": "exit", "how": f"os._exit({code!r})", "u": [], "rel": []})
            with server.send_lock:
                write_all(wfd, data)
        real_exit(code)

    os._exit = reported_exit
    try:
        server.send({"k": "ready", "pid": os.getpid(), "numpy": np.__version__,
                     "python": sys.version.split()[0]})
        server.serve()
    except _Exit:
        pass
    finally:
        real_exit(0)  # no atexit hook, no join of a learner's thread: the checker decides when this ends


if __name__ == "__main__":
    main(sys.argv[1:])
