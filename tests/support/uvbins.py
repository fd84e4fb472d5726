"""Real uv binaries from the package registry, downloaded once into a cache directory."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

NEWEST = "0.13.9"
# The first uv whose `uv auth` store (credentials.toml) honours UV_CREDENTIALS_DIR; it takes only
# https services there (0.8.16 and later also http on localhost and 127.0.0.1).
FIRST_STORE = "0.8.15"
# 0.4.26 and 0.7.8 store the token in plain text; 0.8.0 stores `user:****`; 0.8.15 and 0.13.9 store nothing.
VERSIONS = ["0.4.26", "0.7.8", "0.8.0", FIRST_STORE, NEWEST]

CACHE = Path(os.environ.get("UV_SHIM_TEST_CACHE", Path(__file__).resolve().parents[2] / ".cache"))


def uvx_binary(version: str) -> Path:
    """Path of the real uvx `version` (next to its uv, where uvx looks for it)."""
    return uv_binary(version, "uvx")


def uv_binary(version: str, name: str = "uv") -> Path:
    """Path of the real uv `version` (or its `uvx`), downloaded from the registry on first use."""
    target = CACHE / "uv-bins" / version / name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                 "--disable-pip-version-check", "-d", tmp, f"uv=={version}"],
                check=True,
            )
            (wheel,) = Path(tmp).glob("uv-*.whl")
            with zipfile.ZipFile(wheel) as archive:
                member = next(n for n in archive.namelist() if n.endswith(f".data/scripts/{name}"))
                partial = target.with_suffix(".part")
                partial.write_bytes(archive.read(member))
                partial.chmod(0o755)
                partial.rename(target)
    return target
