"""Per-project verdicts: "this project needs no credential", checked by the sh launcher alone.

When `uv run CMD`, `uv sync` or `uv lock` (no option but `--directory` / `--project`) find
that no provider covers any index in play, Python writes a verdict the launcher can check
with shell built-ins only, so the next such command execs the real uv without Python:

    $XDG_CACHE_HOME/uv-shim/verdicts/<project dir as given>/@verdict      (0600, dirs 0700)

    uv-shim-verdict VERSION none            the launcher's own version, and the answer
    /physical/project/dir                   `[ "$dir" -ef LINE ]`: a symlink moved elsewhere misses
    HOME|XDG_CONFIG_HOME|XDG_CONFIG_DIRS|UV_SHIM_CONFIG|UV_SHIM_TEAM_CONFIG   must be equal
    +/a/file   exists, and is not newer than the verdict (`-nt`)
    -/a/file   does not exist
    =NAME      the variable is empty (UV_INDEX_<NAME>_PASSWORD / _USERNAME of named user indexes)

The files are every file the decision opened or listed (recorded with an audit hook, so
whatever the index discovery reads is watched without it having to say so), the
pyproject.toml / uv.toml of every directory from the project up to `/`, the user and
system uv.toml and uv-shim's config files, the directory of each watched file that
exists (a file moved in with an old mtime changes its directory) and the project
directory's parent (the project replaced by a symlink to another tree changes it). The verdict's mtime
is set two seconds before the decision started, so a file changed during or after it
(timestamps at whole seconds included) is always newer. The launcher also requires a
fixed list of variables to be empty (UV_INDEX, UV_CONFIG_FILE, UV_PROJECT, ...);
anything it cannot vouch for sends the command to Python, which decides afresh.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
import time

from . import paths

NAME = "@verdict"
VARIABLE = "UV_SHIM_VERDICT"  # set by the launcher: where the verdict for this command lives
KEYS = ("uv__run", "uv__sync", "uv__lock")
ALLOWED_OPTIONS = {"--directory", "--project"}
SIGNATURE = ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "UV_SHIM_CONFIG", "UV_SHIM_TEAM_CONFIG")
MARGIN = 2  # seconds the verdict's mtime is set before the decision started

_reads = []
_recording = False


def root() -> str:
    from .token_cache import cache_dir

    return str(cache_dir() / "verdicts")


def clear() -> None:
    import shutil

    shutil.rmtree(root(), ignore_errors=True)


def wanted(environ, parsed):
    """The verdict path the launcher asked for (popped from `environ`), when this command may have one."""
    path = environ.pop(VARIABLE, "")
    if not path or parsed.key not in KEYS or set(parsed.options) - ALLOWED_OPTIONS or "\n" in path:
        return None
    base = root() + "/"
    parts = path[len(base):].split("/")
    if not path.startswith(base) or parts[-1] != NAME or "." in parts or ".." in parts:
        return None
    return os.path.normpath(path)


def _hook(event, args):
    if _recording and event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        _reads.append(os.fsdecode(args[0]))


def record() -> float:
    """Start noting every file opened or listed; returns the time the decision starts."""
    global _recording
    if not _recording:
        _recording = True
        if not getattr(sys, "_uv_shim_verdict_hook", False):
            sys.addaudithook(_hook)
            sys._uv_shim_verdict_hook = True
    return time.time()


def _own_files() -> tuple:
    here = os.path.dirname(os.path.abspath(__file__))
    return tuple({here, sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/dev", "/sys"})


def _watched(parsed, environ) -> list:
    from .project import ancestors, start_dir

    start = start_dir(parsed, environ)
    files = [os.path.join(d, n) for d in ancestors(start) for n in ("pyproject.toml", "uv.toml")]
    files.append(os.path.dirname(os.path.realpath(start)))  # the project replaced by a link elsewhere changes it
    files += [str(paths.user_uv_config()), "/etc/uv/uv.toml", str(paths.user_shim_config()),
              str(paths.team_shim_config())]
    for directory in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":"):
        if not directory:
            break
        files.append(os.path.join(directory, "uv", "uv.toml"))
    own = _own_files()
    files += [p for p in _reads if p and not p.startswith(own)]
    return files


def _variables(parsed, environ) -> list:
    from .indexes import every_user_index
    from .providers.uv_config import index_env_prefix

    names = {i.name for i in every_user_index(parsed, environ) if i.name}
    return sorted(f"{index_env_prefix(n)}_{part}" for n in names for part in ("USERNAME", "PASSWORD"))


def write(path: str, parsed, environ, started: float) -> None:
    """Write the "no credential needed" verdict; silently nothing when it cannot vouch for it."""
    global _recording
    from .project import start_dir

    try:
        variables = _variables(parsed, environ)
        _recording = False
        stamp = int(started) - MARGIN
        lines = ["uv-shim-verdict " + _version() + " none", os.path.realpath(start_dir(parsed, environ)),
                 "|".join(environ.get(k, "") for k in SIGNATURE)]
        lines += [f"={name}" for name in variables]
        seen = set()
        for name in _watched(parsed, environ):
            name = os.path.abspath(name)
            if name in seen:
                continue
            seen.add(name)
            entries = [name]
            if os.path.isfile(name) and os.path.dirname(name) not in seen:
                entries.append(os.path.dirname(name))  # a file moved in with an old mtime changes it
                seen.add(entries[-1])
            for entry in entries:
                try:
                    mtime = os.stat(entry).st_mtime
                except (FileNotFoundError, NotADirectoryError):
                    lines.append(f"-{entry}")
                    continue
                if mtime >= stamp:
                    return  # changed too recently to vouch for: the next run writes it
                lines.append(f"+{entry}")
        if any("\n" in line or "\r" in line for line in lines):
            return
        _store(path, ("\n".join(lines) + "\n").encode(), stamp)
    except (OSError, ValueError, UnicodeError):
        return  # a verdict is only ever an optimisation
    finally:
        _recording = False


def _version() -> str:
    from . import __version__

    return __version__


def _store(path: str, data: bytes, stamp: int) -> None:
    from .errors import ShimError
    from .private_files import private_dir

    base = root()
    try:
        private_dir(base, "uv-shim's verdict cache")
    except ShimError:
        return
    from .atomic import replace_file

    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    # its time is set before it appears: the launcher compares the watched files with it
    replace_file(Path(path), data, mode=0o600, times=(stamp, stamp))
