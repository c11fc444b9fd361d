"""Holding SIGINT and SIGTERM while a step is applied, so that a step is all or nothing.

`held_signals()` is a context manager: inside it, SIGINT (Ctrl-C) and SIGTERM are recorded
instead of acting; on leaving, the handlers in place before are restored and each signal that
arrived is delivered to them, once, in the order of arrival (a Python handler is called, the
default SIGINT raises KeyboardInterrupt, the default SIGTERM ends the process as it would have).
Blocks nest: only the outermost one installs and delivers. A loop of steps (the Trainer) holds
one block around all of them and calls `deliver_pending()` between steps, which costs nothing
when no signal came (installing handlers costs microseconds, too much for every small step).
Outside the main thread Python cannot handle signals, so nothing is held there.
"""
import contextlib
import os
import signal
import threading

HELD = (signal.SIGINT, signal.SIGTERM)
_arrived = []  # the signals recorded by the outermost block under way
_previous = {}  # the handlers that block replaced, by signal
_depth = 0


def _record(signum, frame):
    del frame
    _arrived.append(signum)


def pending():
    """Whether a held signal is waiting for the outermost block to end."""
    return bool(_arrived)


@contextlib.contextmanager
def held_signals():
    global _depth
    if _depth or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in HELD}
    installed = [signum for signum, handler in previous.items() if handler is not None]  # None: set outside Python
    _depth, _arrived[:] = 1, []
    _previous.clear()
    _previous.update(previous)
    for signum in installed:
        signal.signal(signum, _record)
    try:
        yield
    finally:
        for signum in installed:
            if signal.getsignal(signum) is _record:
                signal.signal(signum, previous[signum])
        _depth = 0
        arrived = list(dict.fromkeys(_arrived))
        _arrived[:] = []
        for signum in arrived:
            _deliver(signum, previous[signum])


def deliver_pending():
    """Inside a held block, between two whole steps: deliver the signals that arrived so far to
    the handlers the block replaced (which may raise, ending the block)."""
    if not _arrived:
        return
    arrived = list(dict.fromkeys(_arrived))
    _arrived[:] = []
    for signum in arrived:
        _deliver(signum, _previous.get(signum, signal.SIG_DFL))


def _deliver(signum, handler):
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)  # the default action, with the default handler back in place
