"""Where a project command's settings come from, found the way uv finds them.

Project discovery starts at `--project` / UV_PROJECT, else `--directory` / UV_WORKING_DIR,
else the working directory. Settings come from the nearest `uv.toml`, or `pyproject.toml`
with a `[tool.uv]` table, at or above the workspace root (a `pyproject.toml` with
`[tool.uv.workspace]` above the project), as uv does. Which indexes those settings
bring is indexes.py's question.
"""

from __future__ import annotations

import os

from . import toml_text
from .errors import warn


def read_toml(path: str):
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
        data = read_toml(path) or {}
        if isinstance(data.get("tool", {}).get("uv", {}).get("workspace"), dict):
            root = directory
    return root or nearest or start


def settings_file(start: str):
    """(path, settings table) of the project's uv settings, as uv's FilesystemOptions::find."""
    for directory in ancestors(workspace_root(start)):
        uv_toml = os.path.join(directory, "uv.toml")
        data = read_toml(uv_toml)
        if data is not None:
            return uv_toml, data
        pyproject = os.path.join(directory, "pyproject.toml")
        data = read_toml(pyproject)
        if data is not None:
            uv = data.get("tool", {}).get("uv") if isinstance(data.get("tool"), dict) else None
            if isinstance(uv, dict):
                return pyproject, uv
    return None, None
