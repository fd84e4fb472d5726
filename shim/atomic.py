"""Replace a file atomically: temp file in the same directory, fsync, rename, mode kept.

The temp file's name is `<name>.uv-shim-tmp.<pid>.<random>`, created with O_EXCL and
O_NOFOLLOW: nobody can guess it in advance, and a file or symlink planted under it makes
the write fail rather than land in someone else's file. The pid lets the next run remove
what a killed process left behind.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import faults

TEMP_MARK = ".uv-shim-tmp."


def replace_file(path: Path, data: bytes, mode=None, times=None, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old or the new content, never a mix.

    The mode of the existing file is kept (or `mode` for a new file). `times` (atime,
    mtime) are set before the rename, so that no reader sees the new file with another time.
    `durable=False` skips the fsync, for files that do not outlive this boot's processes
    (readers still never see a mix: that is the rename's doing).
    """
    path = Path(path)
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o644
    tmp = path.with_name(f"{path.name}{TEMP_MARK}{os.getpid()}.{os.urandom(8).hex()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            half = len(data) // 2
            handle.write(data[:half])
            handle.flush()
            faults.reached("atomic.half-written")
            handle.write(data[half:])
            handle.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            if durable:
                _sync(handle.fileno())
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        if times is not None:
            os.utime(tmp, times)
        faults.reached("atomic.before-rename")
        os.replace(tmp, path)
        faults.reached("atomic.after-rename")
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    # The directory is not fsynced: the rename is atomic either way (readers, and a crash,
    # see the old or the new content); it only makes the rename itself durable sooner,
    # at a cost of about 0.3 ms per file that `uv tool upgrade --all` would pay per tool.


# fdatasync where there is one: the data and the size reach the disk before the rename,
# without also waiting for timestamps.
_sync = getattr(os, "fdatasync", os.fsync)


def remove_leftovers(directory: Path) -> int:
    """Delete temp files left in `directory` by a process that died mid-write; returns how many."""
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        if TEMP_MARK not in name:
            continue
        pid = name.rpartition(TEMP_MARK)[2].partition(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            try:
                os.unlink(os.path.join(directory, name))
                removed += 1
            except OSError:
                pass
    return removed


def pid_alive(pid: int) -> bool:
    """Is process `pid` still running (ours or not)?"""
    if os.name == "nt":  # pragma: no cover - no signal 0 there
        import psutil

        return psutil.pid_exists(pid)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # (a number no PID can be: not running)
        return False
    except PermissionError:
        return True  # it exists, as another user's
    return True
