"""The one place where uv-shim makes, writes and reads private files and directories.

A private directory is the user's own, not a symlink, mode 0700, and every directory above
it is root's or the user's and not writable by group or others (sticky ones like /tmp
excepted: there nobody can rename or remove what is not theirs). One that others could
read or write is never chmodded and used: when it is the user's own and holds no
subdirectory, it is emptied, removed and made again; otherwise it is refused (ShimError).

Files are written through a temp file with a random name (O_CREAT|O_EXCL|O_NOFOLLOW, 0600)
renamed over the target, and read without following symlinks from a descriptor whose
owner and mode are checked (fstat of that same descriptor).
POSIX permission checks are skipped on Windows (kept possible, not shipped).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ShimError, warn

_POSIX = os.name != "nt"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _uid():
    return os.getuid() if hasattr(os, "getuid") else None


def private_group(gid: int) -> bool:
    """True for the user's own group that nobody else belongs to (user-private groups, umask 002)."""
    try:
        import grp
        import pwd

        me = pwd.getpwuid(os.getuid())
        group = grp.getgrgid(gid)
    except (ImportError, KeyError):
        return False
    return gid == me.pw_gid and group.gr_name == me.pw_name and set(group.gr_mem) <= {me.pw_name}


def unsafe_directory(directory) -> "str | None":
    """Why `directory` or a directory above it could be changed by another user, or None.

    Symlinks are resolved first and the real path checked, component by component (what
    OpenSSH's StrictModes does): each must be owned by root or the user and not writable by
    group or others, unless it is sticky (/tmp) or its group is the user's private group.
    """
    if not _POSIX:  # pragma: no cover - Windows
        return None
    current = Path(os.path.realpath(directory))
    for part in [current, *current.parents]:
        try:
            info = os.stat(part)
        except OSError as exc:
            return f"{part} cannot be checked ({exc.strerror})"
        if info.st_uid not in (0, _uid()):
            return f"{part} belongs to another user (uid {info.st_uid})"
        if info.st_mode & 0o002 and not info.st_mode & stat.S_ISVTX:
            return f"{part} is writable by everyone"
        if info.st_mode & 0o020 and not info.st_mode & stat.S_ISVTX and not private_group(info.st_gid):
            return f"{part} is writable by its group"
    return None


def _problem(info) -> "str | None":
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != _uid():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o077:
        return f"can be {'written' if info.st_mode & 0o022 else 'read'} by others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def is_private_dir(path) -> bool:
    """True when `path` is a private directory as private_dir leaves one (the user's own, not a
    symlink, 0700, under directories others cannot change); nothing is made or changed."""
    if not _POSIX:  # pragma: no cover - Windows
        return os.path.isdir(path) and not os.path.islink(path)
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return _problem(info) is None and unsafe_directory(Path(path).parent) is None


def _make_parents(directory: Path) -> None:
    missing = []
    parent = directory
    while not os.path.lexists(parent):
        missing.append(parent)
        parent = parent.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass


def _recreate(path: Path) -> bool:
    """Empty and remove the user's own too-open directory, then make it again (0700).

    False when it holds a directory (not ours to delete) or something changed under us."""
    try:
        names = os.listdir(path)
        for name in names:
            if stat.S_ISDIR(os.lstat(path / name).st_mode):
                return False
        for name in names:
            os.unlink(path / name)  # never follows a symlink
        os.rmdir(path)
        os.mkdir(path, 0o700)
    except OSError:
        return False
    return _problem(os.lstat(path)) is None


def private_dir(path, what: str) -> Path:
    """Make `path` (and missing parents, 0700) and return it, once it is known to be private.

    Raises ShimError naming `what` ("the token cache") when it is a symlink, not a
    directory, another user's, or under a directory others can change; the user's own
    directory that others can read or write is emptied and made again (with a warning)."""
    path = Path(os.path.abspath(path))
    if not _POSIX:  # pragma: no cover - Windows
        path.mkdir(parents=True, exist_ok=True)
        return path
    try:
        _make_parents(path.parent)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(path)
    except OSError as exc:
        raise ShimError(f"{what} directory {path} cannot be made ({exc.strerror})",
                        fix=f"check the permissions of {path.parent}") from None
    unsafe = unsafe_directory(path.parent)
    if unsafe:
        raise ShimError(f"{what} directory {path} is not private: {unsafe}",
                        fix=f"make that directory yours and `chmod go-w` it, or point the {what} elsewhere")
    problem = _problem(info)
    if problem is None:
        return path
    if problem.startswith("can be") and _recreate(path):
        warn(f"{what} directory {path} {problem}: emptied it and made it again, private (0700)")
        return path
    import shlex

    raise ShimError(f"{what} directory {path} {problem}; refusing to use it",
                    fix=f"remove it (rm -r {shlex.quote(str(path))}); uv-shim makes it again, private")


def write_private(path, data: bytes, durable: bool = True) -> None:
    """Replace `path` with `data`, mode 0600: random temp name in the same directory
    (O_CREAT|O_EXCL|O_NOFOLLOW), fsync (unless not `durable`), rename; nothing left behind on failure."""
    from .atomic import replace_file

    replace_file(Path(path), data, mode=0o600, durable=durable)


def read_private(path, limit: int) -> "bytes | None":
    """At most `limit` bytes of `path`, or None when it is missing, a symlink, not a regular
    file, or (with one warning) not the user's own or readable/writable by others."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if _POSIX and (info.st_mode & 0o077 or info.st_uid != _uid()):
            warn(f"ignoring {path}: others can write it or read it, or it is not yours")
            return None
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(65536, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
