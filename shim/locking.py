"""Inter-process locks: uv's own tools lock (`<tool dir>/.lock`) and the token cache's.

POSIX: an exclusive flock, which the kernel releases when its holder dies, so a dead
holder never blocks anyone. Where flock does not exist (Windows, kept possible): a lock
file holding the owner's PID, taken over when psutil says that process is gone.
"""

from __future__ import annotations

import contextlib
import os
import time

from .errors import ShimError, info


@contextlib.contextmanager
def file_lock(path, what: str, timeout: float = 300.0, mode: int = 0o644):
    """Hold an exclusive lock on `path`, saying once that we wait while another holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock here
        with _pid_lock(path, what, timeout):
            yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        _wait(lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB), BlockingIOError, path, what, timeout)
        yield
    finally:
        os.close(fd)


def _wait(attempt, busy, path, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            attempt()
            return
        except busy:
            pass
        if not told:
            info(f"waiting for {what}")
            told = True
        if time.monotonic() > deadline:
            raise ShimError(f"gave up waiting {timeout:.0f}s for {what} ({path})",
                            fix="look for a hung `uv` or `uv-shim` process")
        time.sleep(0.02)


@contextlib.contextmanager
def _pid_lock(path, what: str, timeout: float):  # pragma: no cover - used where fcntl is missing
    import psutil

    def attempt():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                with open(path) as handle:
                    owner = int(handle.read() or "0")
            except (OSError, ValueError):
                owner = 0
            if owner and psutil.pid_exists(owner):
                raise
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # its holder is gone: take it over
            raise
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    _wait(attempt, FileExistsError, path, what, timeout)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
