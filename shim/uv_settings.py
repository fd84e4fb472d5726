"""The indexes the user's uv configuration brings to a command.

Sources, as uv reads them: the command line, `UV_*` variables, and the user and system
`uv.toml` (or only `--config-file` / `UV_CONFIG_FILE`; none with `--no-config` /
`UV_NO_CONFIG`). Project settings are added by `project.py` for project and pip
commands; `uv tool` commands ignore them, as uv does.
"""

from __future__ import annotations

import os

from . import paths, toml_text
from .errors import warn


class UvIndex:
    def __init__(self, url: str, name=None, source="", place="index-url"):
        self.url = url  # as written: may carry credentials
        self.name = name
        self.source = source
        self.place = place  # or "find-links": a flat page, probed as is


def _split_index(value: str, source: str) -> UvIndex:
    """`name=url` or `url`, as `--index` and `UV_INDEX` take them."""
    name, eq, url = value.partition("=")
    if eq and "://" not in name and name:
        return UvIndex(url, name, source)
    return UvIndex(value, None, source)


def from_command_line(parsed, environ) -> list:
    found = []
    for option in ("--index", "--default-index"):
        for value in parsed.values(option):
            found.extend(_split_index(v, option) for v in value.split())
    for option in ("--index-url", "--extra-index-url"):
        found.extend(UvIndex(v, None, option) for v in parsed.values(option))
    found.extend(UvIndex(v, None, "--find-links", "find-links") for v in parsed.values("--find-links"))
    for var in ("UV_INDEX", "UV_DEFAULT_INDEX"):
        found.extend(_split_index(v, var) for v in environ.get(var, "").split())
    for var in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL"):
        found.extend(UvIndex(v, None, var) for v in environ.get(var, "").split())
    found.extend(UvIndex(v, None, "UV_FIND_LINKS", "find-links") for v in environ.get("UV_FIND_LINKS", "").split(",") if v)
    return found


def explicit_config(parsed, environ):
    """`--config-file` / UV_CONFIG_FILE: the only settings file uv reads then."""
    return (parsed.values("--config-file") or [environ.get("UV_CONFIG_FILE", "")])[-1] or None


def config_disabled(parsed, environ) -> bool:
    return parsed.flag("--no-config") or parsed.flag("--isolated") or environ.get("UV_NO_CONFIG") in ("1", "true")


def config_files(parsed, environ) -> list:
    explicit = explicit_config(parsed, environ)
    if explicit:
        return [explicit]
    if config_disabled(parsed, environ):
        return []
    files = [paths.user_uv_config(), paths.system_uv_config()]
    return [str(f) for f in files if f is not None and f.is_file()]


def indexes_in(data: dict, source: str) -> list:
    """Indexes of a uv settings table (uv.toml, `[tool.uv]`, or their `[pip]` section)."""
    found = []
    for entry in data.get("index") or []:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            name = entry.get("name") if isinstance(entry.get("name"), str) else None
            found.append(UvIndex(entry["url"], name, source))
    if isinstance(data.get("index-url"), str):
        found.append(UvIndex(data["index-url"], None, source))
    for key in ("extra-index-url", "find-links"):
        values = data.get(key) or []
        if isinstance(values, list):
            found.extend(UvIndex(v, None, source, key if key == "find-links" else "index-url")
                         for v in values if isinstance(v, str))
    return found


def from_file(path: str, pip: bool = False) -> list:
    """Indexes of a uv.toml; with pip, also those of its `[pip]` section."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = toml_text.parse(handle.read())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        warn(f"ignoring {path}: cannot be parsed ({type(exc).__name__})")
        return []
    found = indexes_in(data, str(path))
    if pip and isinstance(data.get("pip"), dict):
        found += indexes_in(data["pip"], str(path))
    return found


def user_indexes(parsed, environ=None, project=False, pip=False) -> list:
    """Indexes from the command line, the environment, the project (when asked) and the
    user/system uv.toml files, in uv's order."""
    environ = os.environ if environ is None else environ
    found = from_command_line(parsed, environ)
    if project and not explicit_config(parsed, environ) and not config_disabled(parsed, environ):
        from .project import project_indexes

        found.extend(project_indexes(parsed, environ, pip))
    elif pip:
        from .project import requirement_indexes_of

        found.extend(requirement_indexes_of(parsed, environ))
    for path in config_files(parsed, environ):
        found.extend(from_file(path, pip))
    return found
