"""The one way the project writes a file: atomically, with the right permissions.

`atomic_write(path, write)` calls `write(file)` on a temporary file in the same folder
(".NAME.PID.HEX.part"), flushes and fsyncs it, then renames it onto `path` (os.replace), so
`path` is always the old file or the whole new one: a full disk, a signal or a crash in the
middle leaves the old one. An existing file keeps its mode (a private 0600 model stays private);
a new file gets 0666 less the umask, as open() gives. A part file whose writer process is gone
(killed by SIGKILL or SIGTERM mid-write) is removed by the next write into that folder; a live
writer's part file is left alone, so concurrent writers each finish (the last rename wins).
"""
import os
import stat
from pathlib import Path


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _writer_pid(part):
    """The pid in ".NAME.PID.HEX.part" (or the older ".NAME.PID.part"), or None."""
    fields = part.name.split(".")
    if len(fields) >= 5 and fields[-3].isdigit():  # the hex token may be all digits: the pid comes before it
        return int(fields[-3])
    return int(fields[-2]) if len(fields) >= 4 and fields[-2].isdigit() else None


def remove_stale_parts(folder, name=None):
    """Delete the part files in `folder` (those of `name` only, if given) left by writers that
    are no longer running. Returns the paths removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for part in folder.glob(f".{name}.*.part" if name else ".*.part"):
        pid = _writer_pid(part)
        if pid is None or (pid != os.getpid() and not process_alive(pid)):
            try:
                part.unlink()
                removed.append(part)
            except OSError:
                pass
    return removed


def part_name(path):
    """A temporary name beside `path` that says which process writes it."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.part")


def atomic_write(path, write, verify=None):
    """Write `path` atomically through `write(binary file)`; `verify(temporary path)` may
    refuse the result (by raising) before it replaces anything. Returns `path`."""
    path = Path(path)
    remove_stale_parts(path.parent, path.name)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    tmp = part_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)  # umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if verify is not None:
            verify(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    return path


def write_text(path, text):
    """`text` (UTF-8) to `path`, atomically."""
    return atomic_write(path, lambda f: f.write(text.encode()))
