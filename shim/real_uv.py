"""Find the real uv: UV_SHIM_REAL_UV, then the path recorded at install, then PATH.

Never the shim itself: a PATH entry holding the shim's own directory is skipped, and
any candidate that is a shim launcher (by real path or by its marker line) too.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ShimError

MARKER = b"uv-shim launcher"
RECORD_NAME = "real-uv"
EXE = "uv.exe" if os.name == "nt" else "uv"


def is_shim(path) -> bool:
    """True when `path` is a uv-shim launcher (checked by its marker, so copies count too)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return MARKER in head


def usable(path) -> bool:
    """An executable file that is not a shim launcher."""
    return os.path.isfile(path) and os.access(path, os.X_OK) and not is_shim(path)


_usable = usable


def recorded_path(shim_home: Path):
    try:
        text = (shim_home / RECORD_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def search_path(shim_dirs=(), path_var=None):
    """First executable uv on PATH outside `shim_dirs` that is not a shim.

    Empty and relative entries (`.`, `bin`) are skipped: they name whatever directory the
    command happens to run in, and a `./uv` there would receive the credentials."""
    skip = {os.path.realpath(d) for d in shim_dirs}
    for entry in (path_var if path_var is not None else os.environ.get("PATH", "")).split(os.pathsep):
        if not entry or not os.path.isabs(entry) or os.path.realpath(entry) in skip:
            continue
        candidate = os.path.join(entry, EXE)
        if _usable(candidate):
            return candidate
    return None


def find(shim_home: Path, shim_dirs=()) -> str:
    """Return the real uv's path or raise ShimError saying what to do."""
    explicit = os.environ.get("UV_SHIM_REAL_UV")
    if explicit:
        if not os.path.isabs(explicit):
            raise ShimError(
                f"UV_SHIM_REAL_UV={explicit} is not an absolute path (it would be looked up where uv runs)",
                fix="point UV_SHIM_REAL_UV at the real uv binary by its full path, or unset it",
            )
        if is_shim(explicit):
            raise ShimError(
                f"UV_SHIM_REAL_UV={explicit} is the shim itself, not the real uv",
                fix="point UV_SHIM_REAL_UV at the real uv binary (see `uv-shim which`), or unset it",
            )
        if not _usable(explicit):
            raise ShimError(
                f"UV_SHIM_REAL_UV={explicit} is not an executable file",
                fix="point UV_SHIM_REAL_UV at the real uv binary, or unset it",
            )
        return explicit
    recorded = recorded_path(shim_home)
    if recorded and _usable(recorded):
        return recorded
    found = search_path(shim_dirs)
    if found:
        return found
    hint = f" (the recorded {recorded} is gone)" if recorded else ""
    raise ShimError(
        f"cannot find the real uv on PATH{hint}; the only uv found is the shim",
        fix="install uv (https://docs.astral.sh/uv/) or run `./install.sh --real-uv /path/to/uv`",
        exit_code=127,
    )


def is_dispatcher(path: str) -> bool:
    """Might `path` run another uv in another directory? A `#!` script (asdf, pyenv-style
    wrappers), a link to another program (mise's shims are links to `mise`), or anything in a
    `shims` directory (proto's are copies of `proto-shim` named `uv`). Its version is then
    never cached, and no verdict hands it a credential store."""
    real = os.path.realpath(path)
    if not os.path.basename(real).startswith("uv") or "shims" in (
            os.path.basename(os.path.dirname(os.path.abspath(path))), os.path.basename(os.path.dirname(real))):
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return False


def version_of(path: str):
    """A function telling the real uv's version, asked at most once (and only when called)."""
    known = []

    def ask() -> tuple:
        if not known:
            known.append(version(path))
        return known[0]

    return ask


def version(path: str) -> tuple:
    """The real uv's version as a tuple, (0,) when it cannot be told.

    `uv --version` costs a few milliseconds, so the answer is cached per binary (real path,
    size, modification time, inode) in the cache directory; `uv self update` replaces the
    binary and so the key. A dispatcher (is_dispatcher: asdf, mise, proto, a pyenv-style
    wrapper) may run another uv in every directory, so its answer is never cached.
    """
    try:
        info = os.stat(path)
    except OSError:
        return (0,)
    script = is_dispatcher(path)
    key = f"{os.path.realpath(path)}|{info.st_size}|{info.st_mtime_ns}|{info.st_ino}"
    from .paths import state_dir

    cache = None if script else state_dir() / "real-uv-version.json"
    known = _read_cached_version(cache, key) if cache else None
    if known is not None:
        return _as_tuple(known)
    import subprocess

    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10,
                             env={**os.environ, "UV_SHIM_PID": "", "NO_COLOR": "1"}).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    words = out.split()
    text = words[1] if len(words) > 1 and words[0] == "uv" else ""
    if cache and text:
        _write_cached_version(cache, key, text)
    return _as_tuple(text)


def _read_cached_version(cache, key: str):
    import json

    try:
        with open(cache, encoding="utf-8") as handle:
            known = json.load(handle)
    except (OSError, ValueError):
        return None
    if isinstance(known, dict) and known.get("key") == key and isinstance(known.get("version"), str):
        return known["version"]
    return None


def _write_cached_version(cache, key: str, text: str) -> None:
    import json

    from .private_files import private_dir, write_private

    try:
        private_dir(cache.parent, "uv-shim's state directory")
        write_private(cache, json.dumps({"key": key, "version": text}).encode())
    except (OSError, ShimError):
        pass  # no cache: ask again next time


def _as_tuple(text: str) -> tuple:
    parts = []
    for part in text.split("."):
        digits = len(part) - len(part.lstrip("0123456789"))
        if not digits:
            break
        parts.append(int(part[:digits]))
        if digits < len(part):  # 0.9.0rc1: stop at the pre-release
            break
    return tuple(parts) or (0,)
