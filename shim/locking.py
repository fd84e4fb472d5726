"""uv's own tools lock: `<tool dir>/.lock`, an exclusive flock held while uv edits tools."""

from __future__ import annotations

import contextlib
import os
import time

from .errors import info


@contextlib.contextmanager
def file_lock(path, what: str, timeout: float = 300.0):
    """Hold an exclusive advisory lock on `path`, waiting (with a message) while another holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no flock; uv uses LockFileEx there
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    info(f"waiting for {what} (another uv is running)")
                    told = True
                if time.monotonic() > deadline:
                    from .errors import ShimError

                    raise ShimError(f"gave up waiting {timeout:.0f}s for {what} ({path})")
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
