"""The indexes a project or pip command brings, found the way uv finds them.

Project discovery starts at `--project` / UV_PROJECT, else `--directory` / UV_WORKING_DIR,
else the working directory. Settings come from the nearest `uv.toml`, or `pyproject.toml`
with a `[tool.uv]` table, at or above the workspace root (a `pyproject.toml` with
`[tool.uv.workspace]` above the project), as uv does. `uv pip` also reads the `[pip]`
section and `--index-url` lines of requirements files given with `-r`.
"""

from __future__ import annotations

import os

from . import toml_text
from .errors import warn
from .uv_settings import UvIndex, indexes_in

MAX_REQUIREMENT_DEPTH = 8


def _read_toml(path: str):
    try:
        with open(path, encoding="utf-8") as handle:
            return toml_text.parse(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        warn(f"ignoring {path}: cannot be parsed ({type(exc).__name__})")
        return None


def working_dir(parsed, environ) -> str:
    """Where uv runs: `--directory` / UV_WORKING_DIR, else the current directory."""
    return (parsed.values("--directory") or [environ.get("UV_WORKING_DIR", "")])[-1] or os.getcwd()


def start_dir(parsed, environ) -> str:
    base = working_dir(parsed, environ)
    project = (parsed.values("--project") or [environ.get("UV_PROJECT", "")])[-1]
    return os.path.abspath(os.path.join(base, project) if project else base)


def requirement_paths(parsed, environ) -> list:
    """The requirements files given with `-r`, relative to the working directory."""
    base = working_dir(parsed, environ)
    return [os.path.join(base, v) for o in ("-r", "--requirements", "--requirement") for v in parsed.values(o)]


def ancestors(directory: str):
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def workspace_root(start: str) -> str:
    """The directory of the outermost pyproject.toml with [tool.uv.workspace] above `start`,
    else the nearest directory with a pyproject.toml, else `start`."""
    nearest, root = None, None
    for directory in ancestors(start):
        path = os.path.join(directory, "pyproject.toml")
        if not os.path.isfile(path):
            continue
        nearest = nearest or directory
        data = _read_toml(path) or {}
        if isinstance(data.get("tool", {}).get("uv", {}).get("workspace"), dict):
            root = directory
    return root or nearest or start


def settings_file(start: str):
    """(path, settings table) of the project's uv settings, as uv's FilesystemOptions::find."""
    for directory in ancestors(workspace_root(start)):
        uv_toml = os.path.join(directory, "uv.toml")
        data = _read_toml(uv_toml)
        if data is not None:
            return uv_toml, data
        pyproject = os.path.join(directory, "pyproject.toml")
        data = _read_toml(pyproject)
        if data is not None:
            uv = data.get("tool", {}).get("uv") if isinstance(data.get("tool"), dict) else None
            if isinstance(uv, dict):
                return pyproject, uv
    return None, None


def requirement_indexes(path: str, depth: int = 0) -> list:
    """`--index-url`, `--extra-index-url` and `--find-links` lines of a requirements file."""
    found = []
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return found  # uv reports a missing or unreadable file itself
    for line in lines:
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        option, _, value = words[0].partition("=")
        value = value or (words[1] if len(words) > 1 else "")
        if not value:
            continue
        if option in ("-i", "--index-url", "--extra-index-url"):
            found.append(UvIndex(value, None, path))
        elif option in ("-f", "--find-links"):
            found.append(UvIndex(value, None, path, "find-links"))
        elif option in ("-r", "--requirement", "--requirements") and depth < MAX_REQUIREMENT_DEPTH:
            found += requirement_indexes(os.path.join(os.path.dirname(path), value), depth + 1)
    return found


def requirement_indexes_of(parsed, environ) -> list:
    """Indexes named inside the requirements files given with `-r`."""
    found = []
    for path in requirement_paths(parsed, environ):
        found += requirement_indexes(path)
    return found


def project_indexes(parsed, environ, pip: bool) -> list:
    """Indexes from the project's settings (and, for `uv pip`, its requirements files)."""
    found = []
    path, data = settings_file(start_dir(parsed, environ))
    if data is not None:
        found += indexes_in(data, path)
        if pip and isinstance(data.get("pip"), dict):
            found += indexes_in(data["pip"], path)
    if pip:
        found += requirement_indexes_of(parsed, environ)
    return found


def named_publish_url(parsed, environ) -> str:
    """`publish-url` of the index named by `uv publish --index NAME` (or UV_PUBLISH_INDEX)."""
    name = (parsed.values("--index") or [environ.get("UV_PUBLISH_INDEX", "")])[-1]
    if not name:
        return ""
    _, data = settings_file(start_dir(parsed, environ))
    for entry in (data or {}).get("index", []):
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get("publish-url"), str):
            return entry["publish-url"]
    return ""
