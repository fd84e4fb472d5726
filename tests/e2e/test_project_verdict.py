"""The launcher's per-project verdict (issue 12, item 4): `uv run CMD`, `uv sync` and `uv lock`
in a project whose indexes need no credential exec the real uv without starting Python,
and any change that could make the project need one sends the next command to Python,
which hands the right credential over.

Real uv (newest), real loopback indexes: `public` (no credential) and `private` (a
password); both serve `corp-lib`. The launcher's Python is a stand-in script that notes
each start in a file and then runs the real interpreter (no strace needed).
"""

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from shim import launcher_script
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow

TOKEN = "verdict-token-5a1"


@pytest.fixture
def indexes():
    public, private = PackageIndex(password=None), PackageIndex(password=TOKEN)
    for index in (public, private):
        index.publish("corp-lib", "1.0")
    yield public, private
    public.close()
    private.close()


class Box:
    def __init__(self, tmp_path, public, private):
        self.sandbox = box = Sandbox(tmp_path, NEWEST)
        self.public, self.private = public, private
        self.starts = tmp_path / "python-starts"
        self.starts.touch()  # now: appending to it later leaves its directory (the project's parent) as it is
        stand_in = box.write("stand-in-python", f'#!/bin/sh\necho started >> "{self.starts}"\n'
                                                f'exec "{sys.executable}" "$@"\n')
        stand_in.chmod(0o755)
        box.shim.write_text(launcher_script.render(str(box.real_uv), str(stand_in),
                                                   launcher_script.entry_script("uv-shim-uv")))
        box.env["UV_PYTHON"] = BASE_PYTHON
        self.project = tmp_path / "proj"
        token = box.write("secrets/token", TOKEN + "\n")
        self.covering = f'[[credential]]\nurl = "{private.origin}"\nprovider = "command"\nusername = "aws"\ncommand = ["cat", "{token}"]\n'
        self.elsewhere = self.covering.replace(f"{private.origin}", "https://elsewhere.example/simple/")

    def pyproject(self, index_url=None, named=None):
        text = ('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                'dependencies = ["corp-lib"]\n\n[tool.uv]\npackage = false\n')
        if index_url:
            text += f'\n[[tool.uv.index]]\nname = "{named or "main"}"\nurl = "{index_url}"\n'
            text += f'\n[tool.uv.sources]\ncorp-lib = {{ index = "{named}" }}\n' if named else ""
        return self.sandbox.write("proj/pyproject.toml", text)

    def uv(self, *args, env=None):
        return self.sandbox.uv("--directory", self.project, *args, env=env)

    def python_starts(self) -> int:
        return len(self.starts.read_text().splitlines()) if self.starts.exists() else 0

    def age(self):
        """Everything written so far is older than the verdict will be (it ignores files
        changed in the two seconds before a decision)."""
        past = time.time() - 30
        for top in (self.sandbox.root,):
            for directory, dirs, files in os.walk(top):
                for name in dirs + files:
                    path = Path(directory, name)
                    if not path.is_symlink():
                        os.utime(path, (past, past))
            os.utime(top, (past, past))

    def settled(self):
        """Sync, then check the verdict is written and the next command starts no Python."""
        done = self.uv("sync")
        assert done.returncode == 0, done.stderr
        self.age()
        first = self.uv("lock")
        assert first.returncode == 0, first.stderr
        before = self.python_starts()
        second = self.uv("lock")
        assert second.returncode == 0, second.stderr
        assert self.python_starts() == before, "the verdict did not let the launcher exec uv"

    def uninstall(self):
        """Remove corp-lib from the environment (not a watched file): the next sync downloads it."""
        for site in self.project.glob(".venv/lib/*/site-packages"):
            for path in site.glob("corp_lib*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def synced_with_credential(self, env=None, args=()):
        before, seen = self.python_starts(), len(self.private.requests)
        done = self.uv("sync", *args, env=env)
        assert self.python_starts() > before, "the launcher used a stale verdict"
        assert done.returncode == 0, done.stderr
        assert any(status == 200 and auth for _, status, auth in self.private.requests[seen:])


@pytest.fixture
def box(tmp_path, indexes):
    return Box(tmp_path, *indexes)


def test_fast_path_starts_no_python_for_run_sync_and_lock(box):
    box.sandbox.shim_config(box.covering)  # a config for another index: the full check runs first
    box.pyproject(box.public.url)
    box.settled()
    before = box.python_starts()
    for args in (("run", "python", "-c", "print('hi')"), ("sync",), ("lock",)):
        done = box.uv(*args)
        assert done.returncode == 0, done.stderr
    assert box.python_starts() == before
    assert box.private.requests == []
    assert box.uv("run", "--frozen", "python", "-c", "1").returncode == 0  # any other option: Python
    assert box.python_starts() == before + 1


def test_editing_pyproject_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    box.settled()
    box.pyproject(box.private.url)
    box.synced_with_credential()


def test_editing_the_projects_uv_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject()
    box.sandbox.write("proj/uv.toml", f'index-url = "{box.public.url}"\n')
    box.settled()
    box.sandbox.write("proj/uv.toml", f'index-url = "{box.private.url}"\n')
    box.synced_with_credential()


def test_editing_the_user_uv_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject()
    box.sandbox.uv_toml(f'index-url = "{box.public.url}"\n')
    box.settled()
    box.sandbox.uv_toml(f'index-url = "{box.private.url}"\n')
    box.synced_with_credential()


@pytest.mark.parametrize("how", ["edited", "created"])
def test_the_shim_config(box, how):
    box.pyproject(box.private.url)
    if how == "edited":
        box.sandbox.shim_config(box.elsewhere)
    direct = box.sandbox.real("--directory", box.project, "sync",
                              env={"UV_INDEX_MAIN_USERNAME": "aws", "UV_INDEX_MAIN_PASSWORD": TOKEN})
    assert direct.returncode == 0, direct.stderr
    box.age()
    box.uv("lock")
    before = box.python_starts()
    assert box.uv("lock").returncode == 0 and box.python_starts() == before  # uncovered: the fast path
    box.sandbox.shim_config(box.covering)
    box.uninstall()
    box.synced_with_credential()


@pytest.mark.parametrize("via", ["UV_INDEX", "--index"])
def test_an_index_from_the_environment_or_the_command_line(box, via):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url, named="corp")
    box.settled()
    value = f"corp={box.private.url}"
    if via == "UV_INDEX":
        box.synced_with_credential(env={"UV_INDEX": value})
    else:
        box.synced_with_credential(args=("--index", value))


def test_a_covered_project_never_gets_a_verdict(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.private.url)
    box.age()
    for _ in range(3):
        before = box.python_starts()
        assert box.uv("sync").returncode == 0
        assert box.python_starts() == before + 1


def test_a_project_path_that_becomes_a_link_to_another_project(box, tmp_path):
    """`current -> release-2`: an older tree with older files, now at the verdict's path."""
    box.sandbox.shim_config(box.covering)
    other = tmp_path / "release-2"
    other.mkdir()
    box.pyproject(box.private.url)
    (box.project / "pyproject.toml").rename(other / "pyproject.toml")
    box.pyproject(box.public.url)
    box.settled()
    box.project.rename(tmp_path / "release-1")
    box.project.symlink_to(other)
    box.synced_with_credential()
