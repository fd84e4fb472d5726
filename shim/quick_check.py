"""A cheap first look for project and pip commands: could any provider cover an index here?

It reads the raw text of the files uv would read (no TOML parsing, no regular expressions)
and says "maybe" when it sees anything a provider could act on: a uv-shim config file, a
URL carrying a credential, a CodeArtifact host, a `UV_INDEX_<NAME>_PASSWORD` variable.
"No" lets the launcher exec uv at once; "maybe" runs the full check. It may say "maybe"
too often, never "no" wrongly.
"""

from __future__ import annotations

import os

from . import paths

_SETTINGS_NAMES = ("pyproject.toml", "uv.toml")


def _suspicious(text: str) -> bool:
    if "codeartifact" in text:
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
    base = (parsed.values("--directory") or [environ.get("UV_WORKING_DIR", "")])[-1] or os.getcwd()
    project = (parsed.values("--project") or [environ.get("UV_PROJECT", "")])[-1]
    directory = os.path.abspath(os.path.join(base, project) if project else base)
    found = []
    while True:
        found += [os.path.join(directory, name) for name in _SETTINGS_NAMES]
        parent = os.path.dirname(directory)
        if parent == directory:
            return found
        directory = parent


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
    files = [environ.get("UV_CONFIG_FILE", ""), str(paths.user_uv_config()), str(paths.system_uv_config() or "")]
    files += parsed.values("--config-file") + _project_files(parsed, environ)
    base = (parsed.values("--directory") or [environ.get("UV_WORKING_DIR", "")])[-1] or os.getcwd()
    requirements = [os.path.join(base, v) for o in ("-r", "--requirements", "--requirement") for v in parsed.values(o)]
    if any(_suspicious(t) for t in texts):
        return True
    for path in files + requirements:
        if path and _suspicious(_read(path)):
            return True
    return bool(requirements) and any("-r" in _read(p) or "--requirement" in _read(p) for p in requirements)
