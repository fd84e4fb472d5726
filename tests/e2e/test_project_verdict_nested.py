"""A uv started under `uv run` (make, nox, tox) that runs uv again, and the real uv's version
asked once per command (a third review of the verdicts, 1e81009, as tests: both failed there).

Real uv (newest), loopback indexes, the harness of test_project_verdict.py.
"""

import os

import pytest

from tests.e2e.test_project_verdict import TOKEN, Box, Covered, indexes  # noqa: F401 (a fixture)
from tests.support.index import PackageIndex

pytestmark = pytest.mark.slow

TOKEN2 = "own-store-token-77"


@pytest.fixture
def box(tmp_path, indexes):  # noqa: F811
    return Box(tmp_path, *indexes)


@pytest.mark.parametrize("via", ["shim", "plain-uv"])
def test_a_nested_uv_keeps_the_users_own_credentials_dir(box, via):
    """The user keeps `uv auth login` credentials in their own UV_CREDENTIALS_DIR (~/my-creds) for
    a second index. `uv run` in a covered project: uv-shim hands the outer uv a store that holds
    the fresh credential *and a copy of the user's entries*. The program it runs (make, nox) runs
    `uv --directory other sync` for a project on that second index. The launcher's new loop sees
    UV_CREDENTIALS_DIR under uv-shim's hand-off dir and unsets it: the user's own value is gone
    (it was replaced, not kept), the inner uv reads the default store, and gets 401.
    Baseline: plain uv, outer credential as UV_INDEX_MAIN_*, inner uv inherits ~/my-creds."""
    second = PackageIndex(password=TOKEN2)
    try:
        second.publish("other-lib", "1.0")
        if via == "shim":
            Covered(box)  # proj on the covered private index (named main)
        else:
            box.pyproject(box.private.url, named="main")
        sandbox = box.sandbox
        other = sandbox.write("other/pyproject.toml",
                              '[project]\nname = "other"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                              'dependencies = ["other-lib"]\n\n[tool.uv]\npackage = false\n\n'
                              f'[[tool.uv.index]]\nname = "second"\nurl = "{second.url}"\n').parent
        own = sandbox.home / "my-creds"
        env = {"UV_CREDENTIALS_DIR": str(own)}
        login = sandbox.real("auth", "login", second.url, "--username", "aws", "--password", "-",
                             input=TOKEN2 + "\n", env=env)
        assert login.returncode == 0, login.stderr
        inner = ["run", "uv", "--directory", str(other), "sync"]
        if via == "shim":
            done = box.uv(*inner, env=env)
        else:
            path = os.pathsep.join([str(sandbox.real_uv.parent), "/usr/bin", "/bin"])
            done = sandbox.real("--directory", box.project, *inner,
                                env={**env, "PATH": path, "UV_INDEX_MAIN_USERNAME": "aws",
                                     "UV_INDEX_MAIN_PASSWORD": TOKEN})
        assert done.returncode == 0, done.stderr[-800:]
    finally:
        second.close()


def test_a_dispatcher_real_uv_is_asked_its_version_once_per_command(box):
    """A real uv that is a `#!` wrapper (asdf, pyenv-style; mise links and proto shims alike) is
    never given a cached version, so each real_uv.version() runs `uv --version` through the
    dispatcher (tens of ms for asdf's bash shims). With UV_PROJECT set, project._read_by_uv asks
    on every start_dir() call and launcher.run's lambda does not remember the answer: 3 runs of
    `uv --version` for one `uv lock` (1 without UV_PROJECT). The count is the figure; no timing."""
    sandbox = box.sandbox
    Covered(box)
    log = sandbox.root / "version-calls"
    wrapper = sandbox.write("wrap/uv", f'#!/bin/sh\ncase "$1" in --version) echo v >> "{log}";; esac\n'
                                       f'exec "{sandbox.real_uv}" "$@"\n')
    wrapper.chmod(0o755)
    done = sandbox.uv("lock", env={"UV_SHIM_REAL_UV": str(wrapper), "UV_PROJECT": str(box.project)})
    assert done.returncode == 0, done.stderr[-800:]
    assert len(log.read_text().splitlines()) == 1, "`uv --version` run more than once for one command"
