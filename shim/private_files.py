"""Private directories and files: the only way uv-shim writes anything that holds a secret.

A private directory is 0700, owned by the user, and not a symlink; one that is not is
refused, never chmodded and used. A private file is written under a random temporary
name with O_EXCL|O_NOFOLLOW (0600), synced, and renamed over the target.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ShimError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _owner_ok(info) -> bool:
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def private_dir(path, what: str) -> Path:
    """Make (0700) or check the directory `path`; raise ShimError when it is not private."""
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ShimError(f"cannot create {what} {path} ({exc.strerror})") from None
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ShimError(f"{what} {path} is not a plain directory (a symlink?); refusing it",
                        fix=f"remove {path}")
    if not _owner_ok(info):
        raise ShimError(f"{what} {path} belongs to another user (uid {info.st_uid}); refusing it",
                        fix=f"remove {path}, or point the variable that chose it elsewhere")
    if os.name != "nt" and info.st_mode & 0o077:
        raise ShimError(f"{what} {path} can be read or written by others (mode {stat.S_IMODE(info.st_mode):o}); "
                        "refusing it", fix=f"remove {path} (uv-shim makes it again, private)")
    return path


def write_private(path, data: bytes) -> None:
    """Write `data` to `path` (0600) atomically through a random temporary name."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    while True:
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, flags, 0o600)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_private(path, limit: int = 1 << 20):
    """The bytes of a private file of ours, or None (missing, a symlink, not ours, or open to others)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owner_ok(info) or (os.name != "nt" and info.st_mode & 0o077):
            return None
        return handle.read(limit)
