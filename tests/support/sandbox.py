"""An isolated HOME with a real uv, the shim in front of it, and helpers to run both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shim import launcher_script

from .uvbins import uv_binary

BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))


class Sandbox:
    def __init__(self, root: Path, uv_version: str):
        self.root = root
        self.home = root / "home"
        self.version = uv_version
        self.real_uv = uv_binary(uv_version)
        self.shim_home = root / "shim"
        self.tool_dir = root / "tools"
        self.bin_dir = root / "bin"
        for d in (self.home, self.tool_dir, self.bin_dir):
            d.mkdir(parents=True, exist_ok=True)
        launcher_script.write(self.shim_home, str(self.real_uv))
        keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TERM", "TMPDIR", "SSL_CERT_FILE")}
        self.env = {
            **keep,
            "HOME": str(self.home),
            "PATH": os.pathsep.join([str(self.shim_home / "bin"), str(self.real_uv.parent), "/usr/local/bin",
                                     "/usr/bin", "/bin"]),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local/share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "UV_SHIM_HOME": str(self.shim_home),
            "UV_SHIM_TEAM_CONFIG": str(root / "etc" / "uv-shim" / "config.toml"),
            "XDG_CONFIG_DIRS": str(root / "etc" / "xdg"),
            "UV_TOOL_DIR": str(self.tool_dir),
            "UV_TOOL_BIN_DIR": str(self.bin_dir),
            "UV_CACHE_DIR": str(root / "uv-cache"),
            "UV_NO_CACHE": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
            "NO_COLOR": "1",
        }

    @property
    def shim(self) -> Path:
        return self.shim_home / "bin" / "uv"

    def run(self, argv, env=None, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 180)
        kwargs.setdefault("cwd", self.root)
        return subprocess.run([str(a) for a in argv], env={**self.env, **(env or {})}, **kwargs)

    def uv(self, *args, env=None, **kwargs):
        """Run `uv` through the shim."""
        return self.run([self.shim, *args], env=env, **kwargs)

    def real(self, *args, env=None, **kwargs):
        """Run the real uv directly, as a user without the shim would."""
        return self.run([self.real_uv, *args], env=env, **kwargs)

    def install_args(self, package: str, index_url: str) -> list:
        return ["tool", "install", "--python", BASE_PYTHON, "--index-url", index_url, package]

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def shim_config(self, text: str) -> Path:
        return self.write("home/.config/uv-shim/config.toml", text)

    def uv_toml(self, text: str) -> Path:
        return self.write("home/.config/uv/uv.toml", text)

    def receipt_path(self, tool: str) -> Path:
        return self.tool_dir / tool / "uv-receipt.toml"

    def receipt(self, tool: str) -> str:
        return self.receipt_path(tool).read_text()

    def tool_output(self, tool: str) -> str:
        return self.run([self.bin_dir / tool]).stdout.strip()

    def token_command(self, token: str) -> str:
        """A config snippet for a `command` provider that prints `token` (kept in a file, rotatable)."""
        token_file = self.write("secrets/token", token + "\n")
        return f'command = ["cat", "{token_file}"]'
