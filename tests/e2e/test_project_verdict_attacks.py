"""A review of the store verdicts (d6ee49e), as tests: changes that must send the next `uv sync`
/ `uv lock` to Python (which hands the credential over), and attacks that held up.

Each test states what a user sees: the command succeeds with the credential, as it does
when Python decides afresh. Real uv, the loopback indexes and the harness of
test_project_verdict.py (Box, Covered). On d6ee49e the tests without "(Held up.)" failed;
the `removed` / `cd` parameters are controls (Python alone). A file copied in with its old
mtime (`cp -p`, `tar x`) cannot be seen by the launcher: those tests check that the
verdict's deadline (an hour at most) bounds how long it lasts.
"""

import os
import shutil
import subprocess
import time

import pytest

from tests.e2e.test_project_verdict import Box, Covered, indexes  # noqa: F401 (a fixture)
from tests.support.uvbins import uv_binary

pytestmark = pytest.mark.slow


@pytest.fixture
def box(tmp_path, indexes):  # noqa: F811
    return Box(tmp_path, *indexes)


def _private_project(box, directory):
    text = ('[project]\nname = "b"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
            'dependencies = ["corp-lib"]\n\n[tool.uv]\npackage = false\n\n'
            f'[[tool.uv.index]]\nname = "main"\nurl = "{box.private.url}"\n\n'
            '[tool.uv.sources]\ncorp-lib = { index = "main" }\n')
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(text)


def test_uv_working_directory_moves_uv_but_not_the_verdict(box, tmp_path):
    """uv >= 0.9.1 honours UV_WORKING_DIRECTORY (a hidden alias of --directory, uv's lib.rs).
    Neither the launcher (fixed variable list) nor Python (project.working_dir) reads it:
    the verdict of the current directory is replayed while uv syncs another project."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    other = tmp_path / "other"
    _private_project(box, other)
    box.settled()  # a "none" verdict for proj
    seen = len(box.private.requests)
    done = box.sandbox.uv("sync", env={"UV_WORKING_DIRECTORY": str(other)}, cwd=box.project)
    assert done.returncode == 0, done.stderr[-600:]
    assert any(status == 200 and auth for _, status, auth in box.private.requests[seen:])


def test_uv_working_directory_without_a_verdict(box, tmp_path):
    """The same command with no verdict at all: is the gap only the launcher's?"""
    box.sandbox.shim_config(box.covering)
    other = tmp_path / "other"
    _private_project(box, other)
    box.project.mkdir()
    done = box.sandbox.uv("sync", env={"UV_WORKING_DIRECTORY": str(other)}, cwd=box.project)
    assert done.returncode == 0, done.stderr[-600:]


@pytest.mark.parametrize("verdict", ["kept", "removed"])
def test_a_pyproject_toml_appearing_in_an_existing_workspace_member_directory(box, verdict):
    """`members = ["packages/*"]`, `packages/new` exists but is empty (uv skips it). Its
    pyproject.toml is then written: a new member with a private index. Python only stat()s
    member pyproject.toml files (no audit event) and watches `packages`, whose mtime does
    not change when a file is created one level down."""
    box.sandbox.shim_config(box.covering)
    box.sandbox.write("proj/pyproject.toml",
                      '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                      'dependencies = []\n\n[tool.uv]\npackage = false\n\n'
                      '[tool.uv.workspace]\nmembers = ["packages/*"]\n\n'
                      f'[[tool.uv.index]]\nname = "pub"\nurl = "{box.public.url}"\n')
    (box.project / "packages" / "new").mkdir(parents=True)
    box.settled()
    text = next((box.sandbox.home / ".cache/uv-shim/verdicts").rglob("@verdict")).read_text()
    assert "-" + str(box.project / "packages/new/pyproject.toml") in text.splitlines()  # looked for: watched
    _private_project(box, box.project / "packages" / "new")
    if verdict == "removed":  # the control: Python decides afresh and the lock works
        shutil.rmtree(box.sandbox.home / ".cache/uv-shim/verdicts")
    before, seen = box.python_starts(), len(box.private.requests)
    done = box.uv("lock")
    assert done.returncode == 0, done.stderr[-600:]
    assert box.python_starts() > before, "the launcher replayed a stale verdict"
    assert any(status == 200 and auth for _, status, auth in box.private.requests[seen:])


def _deadline_passes(box):
    """An hour later (time travel: every verdict's deadline moved into the past)."""
    for deadline in (box.sandbox.home / ".cache/uv-shim/stores").glob("s-*/deadline"):
        os.utime(deadline, (1, 1))


def test_a_settings_file_replaced_in_place_with_an_older_mtime(box, tmp_path):
    """`cp -p` (also `rsync --inplace -t`, `touch -r`) onto the existing pyproject.toml: the
    content changes, its mtime goes back before the verdict, its directory is unchanged
    (no rename). The launcher cannot see it; the verdict's deadline (an hour) bounds it."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    (tmp_path / "staging").mkdir()  # (not the project's parent, which the verdict watches)
    box.settled()
    staged = tmp_path / "staging" / "pyproject.toml"
    staged.write_text((box.project / "pyproject.toml").read_text().replace(box.public.url, box.private.url))
    past = time.time() - 3600
    os.utime(staged, (past, past))
    subprocess.run(["cp", "-p", str(staged), str(box.project / "pyproject.toml")], check=True)
    _deadline_passes(box)
    box.synced_with_credential()


@pytest.mark.parametrize("verdict", ["kept", "removed"])
def test_the_real_uv_switched_behind_a_second_symlink(box, tmp_path, verdict):
    """update-alternatives, nix profiles: `bin/uv -> alternatives/uv -> <a uv>`. Switching
    the second link changes neither the watched path's directory nor (old binaries, nix's
    mtime 1) the file's mtime. A store verdict then hands UV_CREDENTIALS_DIR to a uv older
    than 0.8.15, which ignores it; Python would have handed UV_INDEX_MAIN_* instead."""
    covered = Covered(box)
    alternatives = tmp_path / "alternatives"
    alternatives.mkdir()
    (alternatives / "uv").symlink_to(box.sandbox.real_uv)
    chain = tmp_path / "bin-alt"
    chain.mkdir()
    (chain / "uv").symlink_to(alternatives / "uv")
    box.sandbox.env["UV_SHIM_REAL_UV"] = str(chain / "uv")
    covered.settle()
    assert " store" in covered.verdict().splitlines()[0]
    old = alternatives / "uv-0.8.0"
    shutil.copy2(uv_binary("0.8.0"), old)
    past = time.time() - 3600
    os.utime(old, (past, past))  # as shipped: older than the verdict
    (alternatives / "uv-new").symlink_to(old)
    os.replace(alternatives / "uv-new", alternatives / "uv")  # update-alternatives --set
    if verdict == "removed":  # the control: Python decides for uv 0.8.0 and the sync works
        shutil.rmtree(box.sandbox.home / ".cache/uv-shim/verdicts")
    box.uninstall()
    before, seen = box.python_starts(), len(box.private.requests)
    done = box.uv("sync")
    assert done.returncode == 0, done.stderr[-600:]
    assert box.python_starts() > before, "the launcher replayed a verdict made for another uv"


def test_a_filesystem_clock_behind_the_machines(box):
    """The verdict's stamp comes from Python's clock (time.time()), the watched files' mtimes
    from the filesystem's (an NFS/SMB server, a VM's shared folder). With the filesystem 30 s
    behind, an edit made in the 28 s after the decision keeps an mtime older than the stamp:
    never noticed. Simulated by running the shim's Python with its clock 30 s ahead."""
    sys_exe = __import__("sys").executable
    box.sandbox.write("stand-in-python", f"""#!/bin/sh
echo started >> "{box.starts}"
shift
entry=$1; shift
exec "{sys_exe}" -I -c 'import sys, time; real = time.time; time.time = lambda: real() + 30
sys.argv = sys.argv[1:]
from shim.launcher import main
main()' "$entry" "$@"
""").chmod(0o755)
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    box.settled()  # (aged first: by the filesystem's clock, which now bounds the stamp)
    before = box.python_starts()
    assert box.uv("lock").returncode == 0 and box.python_starts() == before  # the verdict holds
    box.pyproject(box.private.url)  # an ordinary edit, seconds after the verdict
    box.synced_with_credential()


SHELLS = {"dash": ["dash"], "bash": ["bash", "--posix"], "zsh": ["zsh", "--emulate", "sh"]}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_odd_characters_in_paths_and_recorded_values(tmp_path, indexes, shell):  # noqa: F811
    """(Held up.) A project path and a recorded variable with spaces, glob characters, a
    backslash, `=` and `$(...)`: the fast path still works, and a value that differs by one
    trailing space still misses."""
    argv = SHELLS[shell]
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    box = Box(tmp_path, *indexes)
    odd = tmp_path / "we ird*[x]\\b=$(id)" / "pr oj"
    odd.mkdir(parents=True)
    team = str(tmp_path / "te am*?\\=" / "config.toml")
    box.sandbox.env["UV_SHIM_TEAM_CONFIG"] = team
    covered = Covered(box)
    os.replace(box.project / "pyproject.toml", odd / "pyproject.toml")
    box.project = odd
    covered.settle()
    assert f"?UV_SHIM_TEAM_CONFIG={team}\n" in covered.verdict()

    path = next((box.sandbox.home / ".cache/uv-shim/verdicts").rglob("@verdict"))
    saved = tmp_path / "saved-verdict"
    shutil.copy2(path, saved)

    def fast(env=None):
        shutil.copy2(saved, path)  # the same verdict each time (a miss makes Python write another)
        before = box.python_starts()
        done = box.sandbox.run([*argv, box.sandbox.shim, "--directory", box.project, "lock"], env=env)
        assert done.returncode == 0, done.stderr
        return box.python_starts() == before

    assert fast()
    assert not fast({"UV_SHIM_TEAM_CONFIG": team + " "})
    assert not fast({"UV_SHIM_TEAM_CONFIG": str(tmp_path / "te am??\\=" / "config.toml")})
    data = box.sandbox.env["XDG_DATA_HOME"]
    assert f"?XDG_DATA_HOME={data}\n" in covered.verdict()  # not in the signature line: `?` alone
    assert not fast({"XDG_DATA_HOME": data + "/"})
    assert fast()


def test_a_release_tarball_extracted_over_the_project(box, tmp_path):
    """`tar x` (like `rsync -a`) replaces pyproject.toml by a new file with the archive's
    mtime and then sets the project directory's mtime back to the archive's too: every
    watched path is older than the verdict again. The deadline (an hour) bounds it."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    release = tmp_path / "release"
    (release / "proj").mkdir(parents=True)
    (release / "proj" / "pyproject.toml").write_text(
        (box.project / "pyproject.toml").read_text().replace(box.public.url, box.private.url))
    past = time.time() - 3600
    for path in (release / "proj" / "pyproject.toml", release / "proj"):
        os.utime(path, (past, past))
    subprocess.run(["tar", "-C", str(release), "-cf", str(release / "r.tar"), "proj"], check=True)
    box.settled()
    subprocess.run(["tar", "-C", str(tmp_path), "-xf", str(release / "r.tar")], check=True)
    assert "127.0.0.1" in (box.project / "pyproject.toml").read_text() and box.private.url in (
        box.project / "pyproject.toml").read_text()
    _deadline_passes(box)
    box.synced_with_credential()


@pytest.mark.parametrize("how", ["--directory", "cd"])
def test_directory_through_a_symlink_reads_the_physical_parents_settings(box, tmp_path, how):
    """uv changes into --directory and then walks up from getcwd(), the physical path; the
    shim walks up from the path as given. A uv.toml above the physical project (a monorepo's
    shared settings) names the private index: uv needs the credential, the shim never sees
    the file (nor watches it). Affects the Python path too; the verdict inherits it."""
    box.sandbox.shim_config(box.covering)
    mono = tmp_path / "mono"
    (mono / "proj").mkdir(parents=True)
    (mono / "uv.toml").write_text(f'index-url = "{box.private.url}"\n')
    (mono / "proj" / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
        'dependencies = ["corp-lib"]\n')  # (no [tool.uv]: uv walks up for a uv.toml)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "proj").symlink_to(mono / "proj")
    if how == "cd":  # the control: from inside, os.getcwd() is the physical path, as uv's
        done = box.sandbox.uv("lock", cwd=tmp_path / "work" / "proj")
    else:
        done = box.sandbox.uv("--directory", "work/proj", "lock", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-600:]


def test_a_store_verdict_with_xdg_runtime_dir(box, tmp_path):
    """(Held up.) The hand-off then lives in $XDG_RUNTIME_DIR/uv-shim: it is this run's own
    output, not something the decision read, and must not stop the verdict being written."""
    runtime = tmp_path / "run-user"
    runtime.mkdir(mode=0o700)
    box.sandbox.env["XDG_RUNTIME_DIR"] = str(runtime)
    covered = Covered(box)
    covered.settle()
    assert str(runtime) not in "".join(x for x in covered.verdict().splitlines(True) if x[0] in "+-")
    covered.sync_fetches_with_credential(fast=True)


def test_concurrent_decisions_leave_one_working_verdict(box):
    """(Held up.) Four Python decisions at once each write a store and a verdict: the last
    verdict wins and works; the others' stores are orphans until their deadline (+1 h)."""
    covered = Covered(box)
    covered.settle()
    shutil.rmtree(box.sandbox.home / ".cache/uv-shim/verdicts")
    env = {**box.sandbox.env}
    procs = [subprocess.Popen([str(box.sandbox.shim), "--directory", str(box.project), "lock"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    assert all(p.wait(120) == 0 for p in procs)
    stores = list((box.sandbox.home / ".cache/uv-shim/stores").iterdir())
    assert covered.store() in stores
    covered.sync_fetches_with_credential(fast=True)


def test_uv_working_directory_is_ignored_as_uv_before_0_9_1_ignores_it(box, tmp_path):
    """uv 0.8.15 syncs the current directory whatever UV_WORKING_DIRECTORY says: the shim must
    decide for that project too, or uv gets no credential for its index."""
    box.sandbox.env["UV_SHIM_REAL_UV"] = str(uv_binary("0.8.15"))
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.private.url, named="main")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[project]\nname = "e"\nversion = "0"\ndependencies = []\n')
    seen = len(box.private.requests)
    done = box.sandbox.uv("sync", env={"UV_WORKING_DIRECTORY": str(elsewhere)}, cwd=box.project)
    assert done.returncode == 0, done.stderr[-600:]
    assert any(status == 200 and auth for _, status, auth in box.private.requests[seen:])
    assert not (elsewhere / ".venv").exists()  # (uv 0.8.15 did ignore the variable)
