"""The only code that reads or writes the token cache: `$XDG_CACHE_HOME/uv-shim/`.

One JSON file per key (0600, written atomically) in a 0700 directory, opened without
following symlinks. A token is fresh while more than half of its life and more than
five minutes are left. Concurrent processes that all miss serialize on a per-key lock
so that one of them calls the provider and the others read what it wrote.

The lock (locking.py) is an flock on POSIX, released by the kernel when its holder dies;
where flock does not exist, a PID lock file taken over when psutil says its owner is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from . import faults, paths
from .atomic import remove_leftovers
from .errors import ShimError, warn
from .private_files import private_dir, read_private, write_private

MIN_LEFT = 300.0  # seconds: never hand out a token this close to its expiry
MAX_LIFE = 12 * 3600.0  # a longer expiry (a personal token, a typo) is cached this long at most
LOCK_TIMEOUT = 120.0  # for providers that do not say how long a fetch may take
LOCK_MARGIN = 5.0


cache_dir = paths.cache_dir


def _ensure_dir() -> Path:
    """The cache directory, made private (private_files.private_dir raises when it is unsafe)."""
    return private_dir(cache_dir(), "the token cache")


_told = set()


def _cannot_cache(problem: str) -> None:
    """Say once per run that the cache is not used; the credential still goes to uv."""
    if problem not in _told:
        _told.add(problem)
        warn(f"{problem}; the credential is used for this run without being cached")


def _reason(exc) -> str:
    if isinstance(exc, ShimError):
        return exc.message
    return f"the token cache {cache_dir()} cannot be written ({exc.strerror or exc})"


def key_name(provider: str, key: dict) -> str:
    """A readable file name made of the key's values: `codeartifact--corp--111122223333--…`."""
    parts = [provider] + [str(key[k]) for k in sorted(key) if k != "provider" and key[k] not in (None, "")]
    joined = "--".join(parts)
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in joined)
    if safe == joined and len(safe) <= 200:
        return safe
    # Characters were replaced or the name cut: two different keys (two command argvs) could
    # meet on one name and share a token; a digest of the whole key keeps them apart.
    import hashlib

    return safe[:150] + "--" + hashlib.sha256(joined.encode()).hexdigest()[:32]


def fresh_until(entry: dict) -> float:
    """When an entry stops being fresh: half its life, or MIN_LEFT before expiry if sooner
    (0 when it has no times)."""
    expires, issued = entry.get("expires_at"), entry.get("issued_at")
    if not isinstance(expires, (int, float)) or not isinstance(issued, (int, float)):
        return 0.0
    return min(expires - MIN_LEFT, expires - (expires - issued) / 2)


def is_fresh(entry: dict, now: float = None) -> bool:
    return fresh_until(entry) > (time.time() if now is None else now)


def read(name: str):
    """The cached entry for `name`, or None (missing, unreadable, or not ours)."""
    data = read_private(cache_dir() / f"{name}.json", 1 << 16)
    if data is None:
        return None
    try:
        entry = json.loads(data)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def write(name: str, entry: dict) -> None:
    directory = _ensure_dir()
    remove_leftovers(directory)
    write_private(directory / f"{name}.json", json.dumps(entry, sort_keys=True).encode())


def drop(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(cache_dir() / f"{name}.json")


def clear() -> int:
    """Remove every cached token; returns how many."""
    directory = cache_dir()
    removed = 0
    if not directory.is_dir() or directory.is_symlink():
        return 0
    for path in directory.iterdir():
        if path.suffix in (".json", ".lock") or ".uv-shim-tmp." in path.name:
            path.unlink()
            removed += path.suffix == ".json"
    return removed


def entries() -> list:
    directory = cache_dir()
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.json")):
        entry = read(path.stem)
        if entry:
            found.append((path.stem, entry))
    return found


def locked(name: str, timeout: float = None):
    """The per-key lock: one process refreshes, the others wait and then read its result."""
    from .locking import file_lock

    path = _ensure_dir() / f"{name}.lock"
    return file_lock(path, "another uv-shim that is fetching the same token",
                     timeout=LOCK_TIMEOUT if timeout is None else timeout, mode=0o600)


def get_or_fetch(name: str, fetch, describe: dict, wait: float = None):
    """A fresh cached credential for `name`, or the one `fetch()` returns (then cached).

    `describe` is stored beside the token for `uv-shim credentials` (no secrets in it).
    `wait`: the longest a fetch can take (the provider's own bound); the lock is awaited
    that long plus a margin, since its holder is a process doing that fetch.
    A credential without `expires_at` is returned and never stored.
    Returns (Credential, "hit" | "miss").
    """
    from .providers.base import Credential

    def cached():
        entry = read(name)
        if entry and is_fresh(entry) and isinstance(entry.get("password"), str):
            found = Credential(entry.get("username", ""), entry["password"], entry["expires_at"])
            found.fresh_until = fresh_until(entry)
            return found
        return None

    try:
        _ensure_dir()  # nothing is read from, or written to, a directory others could change
    except ShimError as exc:
        _cannot_cache(exc.message)
        return fetch(), "miss"
    credential = cached()
    if credential:
        return credential, "hit"
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(name, None if wait is None else wait + LOCK_MARGIN))
        except OSError as exc:  # a read-only disk, a directory that is not writable
            _cannot_cache(_reason(exc))
            return fetch(), "miss"
        credential = cached()  # another process may have refreshed it while we waited
        if credential:
            return credential, "hit"
        faults.reached("token_cache.locked")
        issued = time.time()
        credential = fetch()
        faults.reached("token_cache.fetched")
        if credential.expires_at:
            try:
                write(name, {**describe, "username": credential.username, "password": credential.password,
                             "issued_at": issued, "expires_at": min(credential.expires_at, issued + MAX_LIFE)})
            except (OSError, ShimError) as exc:  # a full or read-only disk: uv must still run
                _cannot_cache(_reason(exc))
        return credential, "miss"
