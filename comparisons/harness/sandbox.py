"""A learner's file runs in a process of its own: `check` cannot be fooled by the file it checks.

`LearnerProcess(path)` starts a fresh Python (`python -P -B -u _child.py`) that imports the
standard library and NumPy, then the learner's file, and nothing of ours; the checker's process
never imports the learner's file. The checks run here, in the checker's process, on *proxies*:
a learner's class is a class here (`isinstance(cls, type)`, its name, its methods with their
signatures, `inspect.signature(cls)`), calling it builds an instance there, and every attribute
read or write, method call, `copy.deepcopy` and special method of an instance is a request to
the learner's process. Values cross as described in _child.py: plain data by value, arrays and
dicts and lists as mirrors that both sides keep in step at every call boundary (so writing into
a caller's array, rebinding `params[key]` and `a is b` read as in one process), other objects as
proxies, and a callable of the checker's handed to the learner's code as a callback. What the
learner's code would have run under in the checker's process travels with each request: NumPy's
error settings and driven uniforms (`_child.driven_uniforms`); and the two processes share one
global RNG (a message carries its state when it moved on the sender's side), so that the book's
constructors draw from the seed the checks set, and a learner's draws move it as in one process
(check_files puts the caller's back afterwards).

The verdict is the checker's. The learner's process can only answer requests; whatever it does
to itself (replacing `np.max`, print options, environment variables, the recursion limit, the
RNG, the working directory, an atexit hook, a thread that never ends) stays there; each request
has a time limit, and the process an address-space limit (an allocation beyond it is the
learner's MemoryError). A request that does not end in time, a process that ends (os._exit, a
signal, a crash), a learner's code that raises SystemExit or KeyboardInterrupt, or a process
that sends something that is not a message raise `LearnerIncident` here, a BaseException that
ends the check of the class in hand, with its cause in words ("the file called os._exit(0) in
forward of Affine", "timed out in forward of Affine after 20 s"). What the learner's code
prints is kept (the last OUTPUT_KEPT bytes) to show with a failure.

Rules for the checks (what a proxy supports, and what not):
- Use the learner's objects through attributes, calls, `copy.deepcopy`, `inspect.signature`,
  `isinstance(obj, type)`, `type(obj).__name__` and `vars(obj)` (a mirror of its __dict__).
- Identity (`is`) holds for arrays, dicts and lists the two sides share; writes into them reach
  the other side at the next call boundary, not before (also for an array or container of the
  learner's that the checker drops before then; not for an array of the checker's own).
- A callable of the checker's (a function, a bound method) may be handed to the learner's code;
  any other object of the checker's may not (TypeError), and neither may an object's method be
  swapped for a closure that changes NumPy's global state in the checker's process: such state
  must be handed on like `driven_uniforms`.
- `issubclass(proxy_class, X)` and `isinstance(proxy, X)` are false for every class of ours.
"""
import builtins
import collections
import contextlib
import inspect
import itertools
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import numpy as np

from . import _child
from ._child import HEADER, MAX_MESSAGE, NO_DEFAULT, Peer, WireError, describe_exception, loads

TIME_LIMIT = 20.0  # seconds a learner's process may take to import the file or to answer one request
OUTPUT_KEPT = 64 * 1024  # bytes of the learner's printed output kept
CHILD = Path(_child.__file__).resolve()


def default_memory_limit():
    """Bytes of address space the learner's process may map: 4 GiB, and 256 MiB more per CPU
    (BLAS reserves buffers per thread)."""
    return (4 << 30) + (256 << 20) * (os.cpu_count() or 1)


class LearnerIncident(BaseException):
    """The learner's process ended, hung, exited or stopped speaking the protocol while the
    checker was using it: the check of the class in hand fails with `cause`. A BaseException,
    so that no `except Exception` in a check turns it into an ordinary finding."""

    def __init__(self, cause):
        super().__init__(cause)
        self.cause = cause


class FileDoesNotImport(Exception):
    """The file raised (a syntax error, a missing module, anything) while being imported."""


class LearnerException(Exception):
    """Base of the exceptions raised here for those the learner's code raised there: the class
    is named like the learner's (and derives from the same builtin exception), `str()` reads as
    the learner's, and `learner_traceback` is the traceback in the learner's process."""
    learner_str = ""
    learner_traceback = ""

    def __str__(self):
        return self.learner_str



_EXCEPTION_CLASSES = {}


def _exception_class(name, base):
    base_class = getattr(builtins, base, None)
    if not (isinstance(base_class, type) and issubclass(base_class, Exception)):
        base_class = Exception
    key = (name, base_class)
    if key not in _EXCEPTION_CLASSES:
        try:
            cls = type(name, (LearnerException, base_class), {"__module__": "learner"})
        except TypeError:  # a builtin whose layout does not mix
            cls = type(name, (LearnerException,), {"__module__": "learner"})
        _EXCEPTION_CLASSES[key] = cls
    return _EXCEPTION_CLASSES[key]


def learner_exception(description, args):
    """The exception to raise here for one the learner's code raised: (name, builtin base,
    str(), traceback) as _child.describe_exception gives them, and its plain args."""
    name, base, text, trace = description
    cls = _exception_class(name, base)
    err = None
    for attempt in ((*args,) if args is not None else None, (text,)):
        if attempt is None:
            continue
        try:
            err = cls(*attempt)
            break
        except Exception:  # noqa: BLE001  (a builtin whose constructor wants other arguments)
            continue
    if err is None:
        err = _exception_class(name, "Exception")(text)
    err.learner_str, err.learner_traceback = text, trace
    return err


# -- signatures --------------------------------------------------------------------------------------
class _Default:
    """A default value that did not cross by value: shown as the learner's repr."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def signature_from(description):
    """An inspect.Signature from _child.describe_signature's data (None: there is none)."""
    if description is None:
        return None
    params = []
    for name, kind, default in description:
        value = inspect.Parameter.empty if tuple(default) == NO_DEFAULT else \
            default[1] if default[0] == "=" else _Default(default[1])
        params.append(inspect.Parameter(name, inspect.Parameter(name, kind).kind, default=value))
    try:
        return inspect.Signature(params)
    except (TypeError, ValueError):
        return None


class _NoSignature:
    """inspect.signature of a callable whose signature the learner's process could not read
    raises ValueError, as it does there."""

    def __get__(self, obj, owner=None):
        raise ValueError("no signature found (in the learner's process)")


def _unbound(signature):
    """The signature of a function as a method of an instance: without its first parameter."""
    if signature is None:
        return None
    params = list(signature.parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        return signature
    return signature.replace(parameters=params[1:])


def _owner_words(qualname, name):
    owner = qualname.rpartition(".")[0]
    return f"in {name} of {owner}" if owner and "<" not in owner else f"in {qualname}"


# -- proxies --------------------------------------------------------------------------------------------
_LOCAL = frozenset({"_sandbox_process", "_sandbox_oid", "_sandbox_meta", "_sandbox_shadowed"})
_META = frozenset({"__name__", "__qualname__", "__module__", "__doc__", "__signature__"})


class Proxy:
    """An object in the learner's process. Attribute reads, writes and deletions, calls and
    special methods are requests to that process (see the module docstring)."""
    __slots__ = ("_sandbox_process", "_sandbox_oid", "_sandbox_meta", "_sandbox_shadowed", "__weakref__")
    _sandbox_methods = {}

    def __getattribute__(self, name):
        if name in _LOCAL:
            return object.__getattribute__(self, name)
        method = type(self)._sandbox_methods.get(name)
        if method is not None and name not in object.__getattribute__(self, "_sandbox_shadowed"):
            return _BoundMethod(self, name, method[0])  # no request: what `getattr` would bring back
        if name.startswith("__") and name.endswith("__") and name != "__dict__":
            meta = object.__getattribute__(self, "_sandbox_meta")
            if meta is not None and name in _META:
                if name == "__signature__":
                    signature = signature_from(meta.get("signature"))
                    if signature is None:
                        raise ValueError("no signature found (in the learner's process)")
                    return signature
                return meta.get(name.strip("_"))
            return object.__getattribute__(self, name)
        process = object.__getattribute__(self, "_sandbox_process")
        return process.request(f"reading {type(self).__name__}.{name}", "getattr", t=self, n=name)

    def __setattr__(self, name, value):
        if name in _LOCAL:
            object.__setattr__(self, name, value)
            return
        self._sandbox_process.request(f"setting {type(self).__name__}.{name}", "setattr", t=self, n=name, v=value)
        if name in type(self)._sandbox_methods:  # an instance attribute hides the method now: ask for it
            self._sandbox_shadowed.add(name)

    def __delattr__(self, name):
        self._sandbox_process.request(f"deleting {type(self).__name__}.{name}", "delattr", t=self, n=name)
        self._sandbox_shadowed.discard(name)

    def __repr__(self):
        return self._sandbox_process.request(f"in repr of {type(self).__name__}", "op", t=self, n="repr", a=())

    def __dir__(self):
        return self._sandbox_process.request(f"in dir of {type(self).__name__}", "op", t=self, n="dir", a=())

    def __deepcopy__(self, memo):
        process = self._sandbox_process
        key = (_MemoHandle, id(process))
        if key not in memo:  # one memo there for one deepcopy here: what the objects share stays shared
            memo[key] = _MemoHandle(process)
        return process.request(f"copying a {type(self).__name__}", "op", t=self, n="deepcopy", a=(memo[key].oid,))

    def __copy__(self):
        return self._sandbox_process.request(f"copying a {type(self).__name__}", "op", t=self, n="copy", a=())

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {type(self).__name__} lives in the learner's process and cannot be pickled here")


class _Signed:
    """A callable of the learner's seen here: `inspect.signature` reads the signature the
    learner's process found, and raises ValueError where it found none (as inspect does there)."""
    _signature = None

    @property
    def __signature__(self):
        if self._signature is None:
            raise ValueError(f"no signature found for {self.__qualname__} (in the learner's process)")
        return self._signature


class _BoundMethod(_Signed):
    """`instance.method` for a plain function, staticmethod or classmethod of the learner's
    class, made here without a request: calling it calls that method there (in one request).
    A method the checker took before it put a callback in its place (an instance attribute of
    the same name) still calls the class's method, as a bound method would."""

    def __init__(self, proxy, name, signature):
        self.__self__, self.__name__, self._signature = proxy, name, signature
        self.__qualname__ = f"{type(proxy).__qualname__}.{name}"
        self.__module__, self.__doc__ = type(proxy).__module__, None

    def __call__(self, *args, **kwargs):
        proxy = self.__self__
        return object.__getattribute__(proxy, "_sandbox_process").request(
            _owner_words(self.__qualname__, self.__name__), "callmethod", t=proxy, n=self.__name__, a=args, kw=kwargs)

    def __repr__(self):
        return f"<bound method {self.__qualname__} of a learner's object>"


class _MemoHandle:
    """A deepcopy memo in the learner's process, for as long as the deepcopy here lasts."""

    def __init__(self, process):
        self.oid = process.new_id()
        weakref.finalize(self, process.releases.append, self.oid)


def _special(name):
    op = {"__len__": "len", "__iter__": "iter", "__next__": "next", "__getitem__": "getitem",
          "__setitem__": "setitem", "__delitem__": "delitem", "__contains__": "contains", "__bool__": "bool",
          "__float__": "float", "__int__": "int", "__index__": "index", "__array__": "array",
          "__enter__": "enter", "__exit__": "exit"}.get(name)

    if name == "__call__":
        def forward(self, *args, **kwargs):
            meta = object.__getattribute__(self, "_sandbox_meta") or {}
            what = _owner_words(meta.get("qualname", type(self).__qualname__), meta.get("name", "__call__")) \
                if meta.get("qualname") else f"calling a {type(self).__name__}"
            return self._sandbox_process.request(what, "call", t=self, a=args, kw=kwargs)
    elif op == "array":
        def forward(self, dtype=None, copy=None):
            value = self._sandbox_process.request(f"in __array__ of {type(self).__name__}", "op", t=self, n="array",
                                                  a=() if dtype is None else (dtype,))
            return np.asarray(value)
    elif op is not None:
        def forward(self, *args):
            return self._sandbox_process.request(f"in {name} of {type(self).__name__}", "op", t=self, n=op, a=args)
    else:
        def forward(self, *args):
            return self._sandbox_process.request(f"in {name} of {type(self).__name__}", "op", t=self, n="special",
                                                 a=(name, *args))
    forward.__name__ = name
    return forward


class ProxyClass(type):
    """The metaclass of the classes standing for the learner's: calling one builds an instance
    in the learner's process; class attributes other than methods are read there."""

    def __call__(cls, *args, **kwargs):
        return cls._sandbox_owner.request(f"while building {cls.__name__}", "call", t=cls, a=args, kw=kwargs)

    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return cls._sandbox_owner.request(f"reading {cls.__name__}.{name}", "getattr", t=cls, n=name)

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__qualname__}' (in the learner's process)>"


class _Method(_Signed):
    """A callable found on one of the learner's classes, as `getattr(cls, name)` shows it here:
    its signature (self included, as on the class) and a call that runs it there."""

    def __init__(self, owner, name, signature):
        self._owner, self.__name__ = owner, name
        self.__qualname__ = f"{owner.__qualname__}.{name}"
        self._signature = signature

    def __call__(self, *args, **kwargs):
        owner = self._owner
        return owner._sandbox_owner.request(_owner_words(self.__qualname__, self.__name__), "callattr", t=owner,
                                              n=self.__name__, a=args, kw=kwargs)

    def __repr__(self):
        return f"<function {self.__qualname__} (in the learner's process)>"


class _Mirrored:
    """A dict or list of the learner's process, mirrored here: when it dies, the entries it holds
    are left with the process, so that what was written into it still reaches the other side."""

    def __del__(self):
        try:
            peer, ref_id = self._mirror
        except (AttributeError, TypeError):
            return
        try:
            peer.stash[ref_id] = list(self) if isinstance(self, list) else dict(self.items())
            peer.dead.append(ref_id)
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass


class MirrorDict(_Mirrored, dict):
    """A dict of the learner's process, mirrored here."""
    __slots__ = ("__weakref__", "_mirror")


class MirrorOrderedDict(_Mirrored, collections.OrderedDict):
    """An OrderedDict of the learner's process, mirrored here."""


class MirrorList(_Mirrored, list):
    """A list of the learner's process, mirrored here."""
    __slots__ = ("__weakref__", "_mirror")


MIRROR_TYPES = (MirrorDict, MirrorOrderedDict, MirrorList)


# -- the learner's process --------------------------------------------------------------------------------
class _Output:
    """The learner's process's stdout and stderr, read as it writes them (so that it never blocks
    on a full pipe); the last OUTPUT_KEPT bytes are kept."""

    def __init__(self, stream):
        self.kept, self.total, self.lock = bytearray(), 0, threading.Lock()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True,
                                       name="learner output")
        self.thread.start()

    def _drain(self, stream):
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(65536):
                with self.lock:
                    self.kept += chunk
                    self.total += len(chunk)
                    del self.kept[:-OUTPUT_KEPT]

    def since(self, mark):
        """The text written since `total` was `mark` (what is still kept of it)."""
        with self.lock:
            new = min(self.total - mark, len(self.kept))
            return bytes(self.kept[len(self.kept) - new:]).decode("utf-8", "replace") if new else ""


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _terminate(process, fds):
    """Kill the learner's process and everything it started (its own session), close the pipes."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


class LearnerProcess(Peer):
    """A learner's file, imported in a process of its own (see the module docstring).
    `classes`: [(class proxy, the file that defines it)] as _child.import_learner_file finds them.
    Raises FileDoesNotImport where the file raises while being imported, LearnerIncident where
    it hangs or ends the process. A context manager; `close()` ends the process."""

    def __init__(self, path, time_limit=TIME_LIMIT, memory_limit=None):
        self.path, self.time_limit = Path(path), float(time_limit)
        self.incident = None
        self.classes_by_oid, self.proxies, self.dead_objects = {}, {}, []
        self.callbacks, self.callback_ids, self.raised = {}, {}, collections.OrderedDict()
        self.exit_how = None
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        memory_limit = default_memory_limit() if memory_limit is None else int(memory_limit)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-B", "-u", str(CHILD), str(to_child), str(to_parent), str(memory_limit)],
                pass_fds=(to_child, to_parent), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            os.close(to_child)
            os.close(to_parent)
        super().__init__(from_child, from_parent, sign=-1, weak=True)
        self._finalizer = weakref.finalize(self, _terminate, self.process, (from_child, from_parent))
        self.output = _Output(self.process.stdout)
        self.started = time.monotonic()
        self.imported, self.import_asked = None, False

    # -- life ------------------------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.incident is None and self.process.poll() is None:
            with contextlib.suppress(OSError):  # BlockingIOError included: a process that reads nothing is killed
                os.set_blocking(self.wfd, False)
                _child.write_all(self.wfd, _child.dumps({"k": "quit", "u": [], "rel": []}))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=2)
        if self.incident is None:
            self.incident = "the checker closed the learner's process"
        self._finalizer()

    @property
    def alive(self):
        return self.incident is None

    def _end(self, cause):
        """Mark the process ended with `cause`, kill what is left of it, and raise."""
        if self.incident is None:
            self.incident = cause
        self._finalizer()
        raise LearnerIncident(cause)

    def begin_import(self):
        """Ask for the import now and return: the file imports while this side does other work
        (import_file collects the answer)."""
        if self.imported is None and not self.import_asked and self.incident is None:
            self.send({"k": "import", "amb": self._ambient(), "path": str(self.path.resolve())})
            self.import_asked = True

    def import_file(self):
        """Import the file (once: later calls give the same answer); returns [(class proxy, the
        file that defines it)]. Python's start and the import together have the time limit."""
        if self.imported is None:
            try:
                self.begin_import()
                ok, found = self._answer("while being imported", self.started + self.time_limit)
                if not ok and isinstance(found, LearnerException):
                    raise FileDoesNotImport(f"{type(found).__name__}: {found}")
                if not ok:
                    raise found
                self.imported = [(cls, str(file)) for cls, file in found]
            except (FileDoesNotImport, LearnerIncident) as err:
                self.imported = err
        if isinstance(self.imported, BaseException):
            raise self.imported
        return list(self.imported)

    def functions(self):
        """[(function proxy, the file that defines it)]: the plain functions in the imported file's
        namespace defined by it or by the learner's other modules (a CS231n function file's
        affine_forward, ...), after import_file."""
        self.import_file()
        return [(function, str(file)) for function, file in self.request("listing the file's functions", "functions")]

    # -- the wire ----------------------------------------------------------------------------------------------
    def _receive(self, deadline, what):
        header = self._read(HEADER.size, deadline, what)
        (size,) = HEADER.unpack(header)
        if size > MAX_MESSAGE:
            self._end(f"the learner's process sent a message of {size} bytes {what}: its code wrote into the "
                      f"checker's channel")
        data = self._read(size, deadline, what)
        try:
            message = loads(data)
            kind = message["k"]
        except Exception:  # noqa: BLE001  (anything that is not a message of ours)
            self._end(f"the learner's process sent something that is not a message {what}: its code wrote into "
                      f"the checker's channel")
        if kind == "exit":  # the learner's os._exit is about to end the process
            self.exit_how = message.get("how", "os._exit")
            return self._receive(deadline, what)
        if kind == "ready":  # the process has started (its first message)
            return self._receive(deadline, what)
        return message

    def _read(self, n, deadline, what):
        chunks, left = [], n
        poller = select.poll()
        poller.register(self.rfd, select.POLLIN)
        while left:
            ready = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not ready:
                if time.monotonic() >= deadline:
                    self._end(f"timed out {what} after {self.time_limit:g} s")
                continue
            chunk = os.read(self.rfd, min(left, 1 << 20))
            if not chunk:
                self._died(what)
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _died(self, what):
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        code = self.process.poll()
        how = getattr(self, "exit_how", None)
        if how is not None:
            self._end(f"the file called {how} {what}")
        if code is None:
            self._end(f"the learner's process closed the checker's channel {what}")
        if code < 0:
            self._end(f"the learner's process was killed by {_signal_name(-code)} {what}")
        self._end(f"the learner's process ended (exit status {code}) {what}")

    # -- requests ----------------------------------------------------------------------------------------------
    def request(self, what, kind, deadline=None, **fields):
        """Send one request and wait for its answer (until `deadline`, by default the time limit
        from now), serving the callbacks the learner's code makes meanwhile (the time spent here
        does not count)."""
        if self.incident is not None:
            raise LearnerIncident(f"{self.incident} (the learner's process ended before this request: {what})")
        self.scopes.append([])
        try:
            message = {"k": kind, "amb": self._ambient()}
            for key, value in fields.items():
                message[key] = [(k, self.encode(v)) for k, v in value.items()] if key == "kw" else \
                    value if key in ("n", "path") else self.encode(value)
            if kind in ("call", "callattr", "callmethod") and "kw" not in message:
                message["kw"] = []
            self.send(message)
            ok, value = self._answer(what, deadline)
        finally:
            scope = self.scopes.pop()
            if self.incident is None:
                self.release_scope(scope)
        if not ok:
            raise value
        return value

    def _answer(self, what, deadline=None):
        """Wait for the answer to the request sent last: (True, value) or (False, the exception
        to raise). Ends the process where it breaks the protocol, and where this side stops
        waiting before the answer came (Ctrl-C): the process is then in the middle of a request."""
        deadline = time.monotonic() + self.time_limit if deadline is None else deadline
        answered = False
        try:
            while True:
                reply = self._receive(deadline, what)
                self.apply(reply)
                if reply["k"] == "ok":
                    value = self.decode(reply["v"])
                    self.release(reply)
                    answered = True
                    return True, value
                if reply["k"] == "err":
                    self.release(reply)
                    answered = True
                    return False, self._exception(reply, what)
                if reply["k"] != "callback":
                    self._end(f"the learner's process sent an unexpected {reply['k']!r} message {what}")
                deadline += self._serve_callback(reply)
        except WireError as err:
            self._end(f"the learner's process broke the protocol {what}: {err}")
        finally:
            if not answered and self.incident is None:
                self.incident = f"the checker was interrupted {what}"
                self._finalizer()

    def _ambient(self):
        ambient = {"err": np.geterr()}
        u = _child.current_uniforms()
        if u is not None:
            ambient["u"] = self.encode(u)
        return ambient

    def _serve_callback(self, message):
        start = time.monotonic()
        function = self.callbacks.get(message["p"])
        args = self.decode(message["a"])
        kwargs = {key: self.decode(value) for key, value in message["kw"]}
        self.release(message)
        try:
            if function is None:
                raise WireError(f"a callback {message['p']} this side does not hold")
            answer = {"k": "ok", "v": self.encode(function(*args, **kwargs))}
        except WireError:
            raise
        except Exception as err:  # noqa: BLE001  (raised again in the learner's code, and here if it comes back)
            token = next(_TOKENS)
            self.raised[token] = err
            while len(self.raised) > 64:
                self.raised.popitem(last=False)
            answer = {"k": "err", "e": describe_exception(err), "tok": token}
        except BaseException:
            # a LearnerIncident of a nested request, or Ctrl-C: the learner's process waits for an
            # answer it will not get
            if self.incident is None:
                self.incident = "the checker stopped while the learner's code was calling back"
                self._finalizer()
            raise
        self.send(answer)
        return time.monotonic() - start

    def _exception(self, reply, what):
        if reply.get("tok") in self.raised:
            return self.raised.pop(reply["tok"])
        name, _, text, _ = reply["e"]
        if reply.get("fatal"):
            cause = f"the file called sys.exit({reply['code']}) {what}" if name == "SystemExit" else \
                f"the file raised {name} {what}"
            return LearnerIncident(cause)
        return learner_exception(reply["e"], reply.get("args"))

    # -- values -----------------------------------------------------------------------------------------------
    def is_mirror_container(self, value):
        return isinstance(value, MIRROR_TYPES)

    def registered(self, ref_id, obj):
        if isinstance(obj, MIRROR_TYPES):
            obj._mirror = (self, ref_id)

    def new_list(self):
        return MirrorList()

    def new_dict(self, tag):
        return MirrorOrderedDict() if tag == "o" else MirrorDict()

    def encode_object(self, value):
        if isinstance(value, Proxy):
            if object.__getattribute__(value, "_sandbox_process") is not self:
                raise TypeError("an object of another learner's process cannot be handed to this one")
            return ("o", object.__getattribute__(value, "_sandbox_oid"))
        if isinstance(value, ProxyClass):
            if value._sandbox_owner is not self:
                raise TypeError("a class of another learner's process cannot be handed to this one")
            return ("c", value._sandbox_class_oid)
        if callable(value):
            pid = self.callback_ids.get(id(value))
            if pid is None or self.callbacks.get(pid) is not value:
                pid = self.new_id()
                self.callbacks[pid] = value
                self.callback_ids[id(value)] = pid
            meta = {"name": str(getattr(value, "__name__", type(value).__name__)),
                    "qualname": str(getattr(value, "__qualname__", type(value).__qualname__)),
                    "doc": getattr(value, "__doc__", None) if isinstance(getattr(value, "__doc__", None), str)
                    else None}
            return ("p", pid, meta)
        raise TypeError(f"cannot hand a {type(value).__name__} to the learner's code: it runs in a process of its "
                        f"own, which receives plain data, arrays, dicts, lists and callables")

    def decode_object(self, data):
        tag = data[0]
        if tag == "o":
            oid, cls, meta, shadowed = data[1], self.decode(data[2]), data[3], data[4]
            ref = self.proxies.get(oid)
            proxy = None if ref is None else ref()
            if proxy is None:
                proxy = object.__new__(cls)
                object.__setattr__(proxy, "_sandbox_process", self)
                object.__setattr__(proxy, "_sandbox_oid", oid)
                object.__setattr__(proxy, "_sandbox_meta", meta)
                object.__setattr__(proxy, "_sandbox_shadowed", set(shadowed))
                self.proxies[oid] = weakref.ref(proxy, lambda _, oid=oid: self.dead_objects.append(oid))
            else:
                object.__getattribute__(proxy, "_sandbox_shadowed").update(shadowed)
            return proxy
        if tag == "c":
            return self.classes_by_oid[data[1]]
        if tag == "C":
            return self._class_proxy(data[1], data[2])
        if tag == "p":
            return self.callbacks[data[1]]
        raise WireError(f"unknown value tag {tag!r}")

    def _class_proxy(self, oid, description):
        namespace = {"__module__": description["module"], "__qualname__": description["qualname"],
                     "__doc__": description["doc"], "__slots__": (), "_sandbox_owner": self, "_sandbox_class_oid": oid,
                     "_sandbox_abstract": bool(description.get("abstract"))}
        signature = signature_from(description["signature"])
        namespace["__signature__"] = signature if signature is not None else _NoSignature()
        for name in description["specials"]:
            namespace[name] = _special(name)
        cls = ProxyClass(description["name"], (Proxy,), namespace)
        methods = {}
        for name, method_signature, binding in description["methods"]:
            if name == "__call__":
                continue
            signature = signature_from(method_signature)
            type.__setattr__(cls, name, _Method(cls, name, signature))
            if binding == "function" and name != "__init__":
                methods[name] = (_unbound(signature),)
            elif binding in ("static", "class"):
                methods[name] = (signature,)
        type.__setattr__(cls, "_sandbox_methods", methods)
        self.classes_by_oid[oid] = cls
        return cls

    def forget_object(self, ref_id):
        self.callbacks.pop(ref_id, None)

    def collect(self):
        super().collect()
        while self.dead_objects:
            oid = self.dead_objects.pop()
            ref = self.proxies.get(oid)
            if ref is not None and ref() is None:
                del self.proxies[oid]
                self.releases.append(oid)


_TOKENS = itertools.count(1)
