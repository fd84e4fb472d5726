"""A cheap first look for project and pip commands: could any provider cover an index here?

It reads the raw text of the files uv would read (no TOML parsing, no regular expressions)
and says "maybe" when it sees anything a provider could act on: a uv-shim config file, a
URL carrying a credential, a host a provider recognises (each provider's HINTS), a
`UV_INDEX_<NAME>_PASSWORD` variable.
Besides the settings files, it reads the PEP 723 script the command runs, every requirements
file uv reads index lines from (and `--with-requirements`, `uv add -r`), the pyproject.toml
of each local project the command line names (`-e DIR`), and sends any workspace (whose
members' `pyproject.toml` uv reads too), any path dependency (of a pyproject.toml or of the
script) and any requirements file naming a local project (uv applies their own
`[tool.uv.sources]`) to the full check.
"No" lets the launcher exec uv at once; "maybe" runs the full check. It may say "maybe"
too often, never "no" wrongly.
"""

from __future__ import annotations

import os

from . import paths
from .project import (PROJECT_FILES, ancestors, in_working_dir, local_project, local_requirement,
                      requested_projects, requirement_paths, requirement_project_files, script_path, start_dir)

_SETTINGS_NAMES = ("pyproject.toml", "uv.toml")


def _hints() -> tuple:
    from .providers import DISCOVERY

    return tuple(hint for module in DISCOVERY for hint in getattr(module, "HINTS", ()))


def _suspicious(text: str, hints: tuple) -> bool:
    lowered = text.lower()
    if any(hint in lowered for hint in hints):
        return True
    start = text.find("://")
    while start != -1:
        end = start + 3
        while end < len(text) and text[end] not in '/?#"\' \t\r\n,]':
            end += 1
        if "@" in text[start + 3:end]:
            return True
        start = text.find("://", end)
    return False


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(1 << 20)
    except OSError:
        return ""


def _project_files(parsed, environ) -> list:
    """Every pyproject.toml / uv.toml from the project's directory up (uv reads a subset)."""
    return [os.path.join(d, name) for d in ancestors(start_dir(parsed, environ)) for name in _SETTINGS_NAMES]


def _names_other_files(text: str) -> bool:
    """A requirements file that names another (`-r`, `-c`, nested) or a local project (`-e DIR`,
    a path line: uv reads that project's sources): the full check reads it."""
    for line in text.splitlines():
        word = line.lstrip()
        if word.startswith(("-r", "-c", "--requirement", "--constraint", "-e", "--editable")):
            return True
        if not word.startswith(("#", "-")) and local_requirement(word.split("#", 1)[0]):
            return True
    return False


def _has_path_key(text: str) -> bool:
    """A `path` key anywhere (`{ path = ...}`, `pricing.path = ...`, `"path"=`, and `path     =` as
    a formatter aligns it): on each line without spaces and quotes, `path=` not ending a longer key."""
    for line in text.splitlines():
        if "path" not in line:
            continue
        compact = "".join(line.split()).replace('"', "").replace("'", "")
        at = compact.find("path=")
        while at != -1:
            if at == 0 or not (compact[at - 1].isalnum() or compact[at - 1] in "_-"):
                return True
            at = compact.find("path=", at + 1)
    return False


def _sends_to_full_check(path: str, text: str, script=None) -> bool:
    """A pyproject.toml whose other files count too: a workspace's members (their globs need
    the TOML) and path dependencies (`{ path = ... }`: uv applies their own sources); a PEP 723
    script's path sources, likewise."""
    if path == script:
        return _has_path_key(text)
    return path.endswith("pyproject.toml") and ("workspace" in text or _has_path_key(text))


def may_need_credentials(parsed, environ) -> bool:
    if parsed.key == "uv__publish":
        return True  # rare, and its URL rules are subtler: always the full check
    if os.path.exists(paths.user_shim_config()) or os.path.exists(paths.team_shim_config()):
        return True
    if any(k.startswith("UV_INDEX_") and k.endswith("_PASSWORD") for k in environ):
        return True
    texts = [" ".join(v for values in parsed.options.values() for v in values if isinstance(v, str))]
    texts += [environ.get(k, "") for k in ("UV_INDEX", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
                                              "UV_FIND_LINKS")]
    explicit = parsed.values("--config-file") + [environ.get("UV_CONFIG_FILE", "")]
    files = [in_working_dir(parsed, environ, f) for f in explicit if f]  # relative to --directory, as uv
    files += [str(paths.user_uv_config()), str(paths.system_uv_config() or "")] + _project_files(parsed, environ)
    script = script_path(parsed, environ)
    files += [script] if script else []  # a PEP 723 script's inline [tool.uv] settings
    hints = _hints()
    if any(_suspicious(t, hints) for t in texts):
        return True
    for path in files:
        text = _read(path) if path else ""
        if _suspicious(text, hints):
            return True
        if _sends_to_full_check(path, text, script):
            return True
    projects = requested_projects(parsed, environ)  # `-e DIR`, `uv pip install ./dir`, `--with-editable`
    # -r, -c, --overrides, `pip compile FILE`; `--with-requirements`, `uv add -r` (their -e lines)
    for path in requirement_paths(parsed, environ) + requirement_project_files(parsed, environ):
        if os.path.basename(path) in PROJECT_FILES:  # `-r DIR/setup.cfg`: that project's sources
            projects += [d for d in [local_project(path)] if d]
            continue
        text = _read(path)
        if _suspicious(text, hints) or _names_other_files(text) or "${" in text:  # uv expands `${VAR}`
            return True
    for directory in projects:
        path = os.path.join(directory, "pyproject.toml")
        text = _read(path)
        if _suspicious(text, hints) or _sends_to_full_check(path, text):
            return True
    return False
