"""Where things live: uv's tool dir and config files, the shim's home, config and runtime dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def home() -> Path:
    return Path(os.path.expanduser("~"))


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var, "")
    # The XDG spec says relative paths are invalid and must be ignored; uv does so too.
    return Path(value) if value and os.path.isabs(value) else home() / default


def xdg_data_home() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def tool_dir() -> Path:
    """uv's tool directory, as `uv tool dir` prints it."""
    explicit = os.environ.get("UV_TOOL_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "darwin" and not os.environ.get("XDG_DATA_HOME"):
        legacy = home() / "Library" / "Application Support" / "uv" / "tools"
        if legacy.is_dir():
            return legacy
    return xdg_data_home() / "uv" / "tools"


def user_uv_config() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "uv" / "uv.toml"


def system_uv_config():
    """The first `uv/uv.toml` in XDG_CONFIG_DIRS (default /etc/xdg), then /etc/uv/uv.toml."""
    dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    for directory in dirs.split(":"):
        if not directory:
            break
        candidate = Path(directory) / "uv" / "uv.toml"
        if candidate.is_file():
            return candidate
    fallback = Path("/etc/uv/uv.toml")
    return fallback if fallback.is_file() else None


def shim_home() -> Path:
    """UV_SHIM_HOME, else the installation this interpreter belongs to (`<home>/venv`, as
    install.sh makes it, also for --system and --prefix), else ~/.local/share/uv-shim."""
    explicit = os.environ.get("UV_SHIM_HOME")
    if explicit:
        return Path(explicit)
    own = Path(sys.prefix).parent
    if Path(sys.prefix).name == "venv" and (own / "real-uv").is_file():
        return own
    return xdg_data_home() / "uv-shim"


def data_dir() -> Path:
    """uv-shim's per-user data: $XDG_DATA_HOME/uv-shim (kept credentials live below it)."""
    return xdg_data_home() / "uv-shim"


def cache_dir() -> Path:
    """uv-shim's cache: $XDG_CACHE_HOME/uv-shim (the token cache, verdicts, their stores)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "uv-shim"


def handoff_base() -> Path:
    """Where the hand-off directories of single uv processes go: $XDG_RUNTIME_DIR/uv-shim, else
    the state directory's `handoff`."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "uv-shim"
    return state_dir() / "handoff"


def state_dir() -> Path:
    """uv-shim's per-user state: $XDG_STATE_HOME/uv-shim (hand-off directories when there is no
    runtime directory, the real uv's version). Kept apart from the token cache, so that each
    can be checked, and if need be made again, on its own."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "uv-shim"


def user_shim_config() -> Path:
    explicit = os.environ.get("UV_SHIM_CONFIG")
    if explicit:
        return Path(explicit)
    return _xdg("XDG_CONFIG_HOME", ".config") / "uv-shim" / "config.toml"


def team_shim_config() -> Path:
    return Path(os.environ.get("UV_SHIM_TEAM_CONFIG", "/etc/uv-shim/config.toml"))
