"""A hostile neighbour for the tests: a second, unprivileged user made for the test (CI runs
as root), and small tmpfs mounts for a full or read-only disk.

Files "the neighbour planted" are made by that user's own process (`as_neighbour`), so
they are owned by it exactly as in an attack; the test itself (root) only checks them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid

import pytest


class Neighbour:
    def __init__(self, name: str):
        import pwd

        entry = pwd.getpwnam(name)
        self.name, self.uid, self.gid = name, entry.pw_uid, entry.pw_gid

    def run(self, argv, **kwargs) -> subprocess.CompletedProcess:
        """Run argv as the neighbour (its own uid and gid, no supplementary groups)."""
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("cwd", "/")
        return subprocess.run([str(a) for a in argv], user=self.uid, group=self.gid, extra_groups=[],
                              env={"PATH": "/usr/bin:/bin", "HOME": "/"}, **kwargs)

    def sh(self, script: str, *args) -> subprocess.CompletedProcess:
        result = self.run(["sh", "-c", script, "sh", *args])
        assert result.returncode == 0, result.stderr
        return result


@pytest.fixture
def neighbour():
    """A new unprivileged user, removed after the test; skipped where users cannot be made."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root and useradd to make a second user (CI runs as root)")
    name = f"uvsn{uuid.uuid4().hex[:10]}"
    made = subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell", "/bin/sh", name],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"useradd failed: {made.stderr.strip()}")
    try:
        yield Neighbour(name)
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def open_to_all(path) -> None:
    """Let the neighbour reach `path`: every directory from it up to / gets o+x (as a home
    under /home usually has)."""
    path = os.path.abspath(path)
    while path != "/":
        if os.path.isdir(path):
            os.chmod(path, os.stat(path).st_mode | 0o011)
        path = os.path.dirname(path)


@contextlib.contextmanager
def tmpfs(path, size: str = "64k", read_only: bool = False):
    """A small tmpfs mounted on `path` (made if missing), unmounted afterwards; skips the test
    where this machine cannot mount."""
    os.makedirs(path, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root and mount(8) for a tmpfs")
    options = f"size={size},mode=0700" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def open_tmp():
    """A temporary directory like /tmp (sticky, open to all; pytest's own is 0700), removed after."""
    import tempfile

    path = tempfile.mkdtemp(prefix="uv-shim-neighbour-", dir="/tmp")
    os.chmod(path, 0o1777)  # like /tmp: the neighbour can add entries, not touch others
    from pathlib import Path

    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)
