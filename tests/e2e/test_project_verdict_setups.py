"""Verdicts against the setups people really have (a second review, 67369f3, as tests): uv
versions that do not read a directory variable, a config directory that is a link switched
between profiles, version managers' dispatchers as the real uv, a uv nested in `uv run`,
markers of ended uv processes, stdin and descriptors. Each states what a user sees, against
plain uv as the baseline (`plain-uv`) or Python deciding afresh (`removed`, the control);
the tests marked "(Held up.)" passed on 67369f3, the others failed there.

Real uv binaries, the loopback indexes, the harness of test_project_verdict.py.
"""

import os
import subprocess
import time

import pytest

from tests.e2e.test_project_verdict import TOKEN, Box, Covered, indexes  # noqa: F401 (a fixture)
from tests.support.sandbox import BASE_PYTHON, Sandbox

pytestmark = pytest.mark.slow


@pytest.fixture
def box(tmp_path, indexes):  # noqa: F811
    return Box(tmp_path, *indexes)


@pytest.fixture
def covered(box):
    return Covered(box)


# ---- (5) the working directory variables of uv versions that do not know them ------------------

def _two_projects(sandbox, public, private):
    """`proj` needs the covered private index (named main); `other` only the public one."""
    for name, url in (("proj", private.url), ("other", public.url)):
        sandbox.write(f"{name}/pyproject.toml",
                      '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                      'dependencies = ["corp-lib"]\n\n[tool.uv]\npackage = false\n\n'
                      f'[[tool.uv.index]]\nname = "main"\nurl = "{url}"\n')
    return sandbox.root / "proj", sandbox.root / "other"


@pytest.mark.parametrize("version, variable", [("0.8.0", "UV_WORKING_DIRECTORY"), ("0.8.0", "UV_WORKING_DIR"),
                                               ("0.4.26", "UV_PROJECT")])
@pytest.mark.parametrize("via", ["shim", "plain-uv"])
def test_a_directory_variable_the_real_uv_does_not_read(tmp_path, indexes, via, version, variable):  # noqa: F811
    """uv 0.8.0 reads neither UV_WORKING_DIRECTORY (0.9.1) nor UV_WORKING_DIR (0.9.14), uv 0.4.26
    not UV_PROJECT: it syncs the current directory. project.working_dir / start_dir read them
    whatever the uv, so the shim decides for `other` (no credential needed) while uv syncs
    `proj`, which needs one: 401. (uv 0.9.1-0.9.13 the same with UV_WORKING_DIR alone.)
    Baseline: plain uv with the credential given the way a user without the shim gives it
    (UV_INDEX_MAIN_*)."""
    public, private = indexes
    sandbox = Sandbox(tmp_path, version)
    sandbox.env["UV_PYTHON"] = BASE_PYTHON
    proj, other = _two_projects(sandbox, public, private)
    token = sandbox.write("secrets/token", TOKEN + "\n")
    sandbox.shim_config(f'[[credential]]\nurl = "{private.origin}"\nprovider = "command"\nusername = "aws"\n'
                        f'command = ["cat", "{token}"]\n')
    env = {variable: str(other)}
    if via == "shim":
        done = sandbox.uv("sync", env=env, cwd=proj)
    else:
        done = sandbox.real("sync", env={**env, "UV_INDEX_MAIN_USERNAME": "aws", "UV_INDEX_MAIN_PASSWORD": TOKEN},
                            cwd=proj)
    assert done.returncode == 0, done.stderr[-800:]
    assert (proj / "uv.lock").exists() and not (other / "uv.lock").exists()  # uv worked in proj


# ---- (1) a settings file reached through a directory link that is switched -----------------------

@pytest.mark.parametrize("verdict", ["kept", "removed"])
def test_the_user_config_directory_is_a_link_switched_to_another_profile(box, tmp_path, verdict):
    """`~/.config/uv -> profiles/home`, switched to `profiles/work` (`ln -sfn`, a dotfiles
    manager, a Nix/home-manager generation: files with old mtimes). The verdict watches
    `~/.config/uv/uv.toml` and `~/.config/uv` by that path: `[ -nt ]` follows the link to the
    new profile's old files, and `~/.config` (whose entry changed) is not watched. The stale
    "none" verdict is replayed and the private index gets no credential (401) until the
    deadline (an hour). Python decides afresh and hands it over (the `removed` control)."""
    box.sandbox.shim_config(box.covering)
    box.pyproject()
    profiles = tmp_path / "profiles"
    for name, url in (("home", box.public.url), ("work", box.private.url)):
        (profiles / name).mkdir(parents=True)
        (profiles / name / "uv.toml").write_text(f'index-url = "{url}"\n')
    config = box.sandbox.home / ".config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "uv").symlink_to(profiles / "home")
    box.settled()
    (config / "uv-new").symlink_to(profiles / "work")
    os.replace(config / "uv-new", config / "uv")  # ln -sfn: the work profile, as old as it was
    if verdict == "removed":
        import shutil

        shutil.rmtree(box.sandbox.home / ".cache/uv-shim/verdicts")
    box.uninstall()
    box.synced_with_credential()


# ---- (4) how long a store lives: the `uv-PID` markers --------------------------------------------

def test_markers_of_ended_uv_processes_pile_up_and_a_reused_pid_keeps_a_spent_store(covered):
    """Each fast-path command leaves `uv-PID` in the store; nothing removes it once that uv has
    ended, and remove_spent keeps a store while any marker's PID is alive. PIDs are reused
    (32768 by default on many systems, 99999 on macOS): after a day of `uv run` in a loop some
    marker names a live, unrelated process and the store (a copy of the credential) is kept
    for good, against SECURITY.md ("removed an hour after that once no uv given it still runs").
    The reuse is simulated: one marker renamed to the PID of a live `sleep` started after it."""
    box = covered.box
    covered.settle()
    store = covered.store()
    for _ in range(3):
        assert box.uv("lock").returncode == 0
    markers = sorted(p.name for p in store.glob("uv-*"))
    assert len(markers) == 3  # three uv processes, all ended
    unrelated = subprocess.Popen(["sleep", "60"])
    try:
        os.rename(store / markers[0], store / f"uv-{unrelated.pid}")  # its PID, now someone else's
        past = time.time() - 3 * 3600
        os.utime(store / f"uv-{unrelated.pid}", (past, past))  # made hours before `sleep` started
        os.utime(store / "deadline", (past, past))  # deadline and GRACE long gone
        box.uninstall()
        covered.sync_fetches_with_credential(fast=False)  # Python writes a new store, removes spent ones
        assert covered.store() != store
        assert not store.exists(), "a spent store was kept for a PID no uv has"
    finally:
        unrelated.kill()
        unrelated.wait()


# ---- (1) a real uv that is a binary dispatcher (mise or proto shims) -----------------------------

DISPATCHER = r"""
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Like mise's or proto's shims: one binary that runs the uv pinned by the nearest .uv-version
   (looked for from the current directory up), from the directory given at build time. */
int main(int argc, char **argv) {
    char dir[4096], path[4096], version[64] = "";
    if (!getcwd(dir, sizeof dir)) return 127;
    for (;;) {
        snprintf(path, sizeof path, "%s/.uv-version", dir);
        FILE *f = fopen(path, "r");
        if (f) { if (fscanf(f, "%63s", version) != 1) version[0] = 0; fclose(f); break; }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) break;
        *slash = 0;
    }
    if (!version[0]) strcpy(version, "default");
    snprintf(path, sizeof path, "%s/%s/uv", VERSIONS, version);
    argv[0] = path;
    execv(path, argv);
    perror(path);
    return 127;
}
"""


@pytest.mark.parametrize("layout", ["mise", "proto"])
@pytest.mark.parametrize("via", ["shim", "plain-uv"])
def test_a_binary_dispatcher_runs_another_uv_in_another_project(tmp_path, indexes, via, layout):  # noqa: F811
    """mise's shims are symlinks to the `mise` binary, proto's are copies of `proto-shim` in a
    `shims` directory: binaries, not `#!` scripts, that run the uv each project pins.
    `proj-new` pins the newest uv, `proj-old` uv 0.8.0 (no credential store). A version cached
    per binary (or a store verdict) would hand proj-old UV_CREDENTIALS_DIR, which uv 0.8.0
    ignores: 401. real_uv.is_dispatcher knows these layouts (a binary named `uv` elsewhere
    that dispatches cannot be told apart: README). Baseline: plain uv through the same
    dispatcher with UV_INDEX_MAIN_*."""
    import shutil

    from tests.support.uvbins import NEWEST, uv_binary

    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        pytest.skip("no C compiler to build the dispatcher")
    public, private = indexes
    sandbox = Sandbox(tmp_path, NEWEST)
    sandbox.env["UV_PYTHON"] = BASE_PYTHON
    versions = tmp_path / "versions"
    for version in (NEWEST, "0.8.0"):
        (versions / version).mkdir(parents=True)
        (versions / version / "uv").symlink_to(uv_binary(version))
    source = sandbox.write("dispatcher.c", DISPATCHER)
    binary = tmp_path / ("mise/bin/mise" if layout == "mise" else "proto/shims/uv")
    binary.parent.mkdir(parents=True)
    subprocess.run([compiler, f'-DVERSIONS="{versions}"', "-o", str(binary), str(source)], check=True)
    dispatcher = binary
    if layout == "mise":
        dispatcher = tmp_path / "mise" / "shims" / "uv"
        dispatcher.parent.mkdir()
        dispatcher.symlink_to(binary)
    sandbox.env["UV_SHIM_REAL_UV"] = str(dispatcher)
    token = sandbox.write("secrets/token", TOKEN + "\n")
    sandbox.shim_config(f'[[credential]]\nurl = "{private.origin}"\nprovider = "command"\nusername = "aws"\n'
                        f'command = ["cat", "{token}"]\n')
    for name, version in (("proj-new", NEWEST), ("proj-old", "0.8.0")):
        sandbox.write(f"{name}/pyproject.toml",
                      '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                      'dependencies = ["corp-lib"]\n\n[tool.uv]\npackage = false\n\n'
                      f'[[tool.uv.index]]\nname = "main"\nurl = "{private.url}"\n')
        sandbox.write(f"{name}/.uv-version", version + "\n")
    plain = {"UV_INDEX_MAIN_USERNAME": "aws", "UV_INDEX_MAIN_PASSWORD": TOKEN}
    for name in ("proj-new", "proj-old"):
        if via == "shim":
            done = sandbox.uv("sync", cwd=tmp_path / name)
        else:
            done = sandbox.run([dispatcher, "sync"], env=plain, cwd=tmp_path / name)
        assert done.returncode == 0, f"{name}: {done.stderr[-600:]}"


# ---- (2) a nested `uv` inside `uv run` (nox, tox, pre-commit, make) -------------------------------

def test_a_nested_uv_lock_inside_uv_run_keeps_the_fast_path_for_both(covered):
    """`uv run nox` whose session runs `uv sync`/`uv lock` of the same project: the inner uv
    inherits UV_CREDENTIALS_DIR (the store), misses (`!UV_CREDENTIALS_DIR`), and Python
    overwrites the project's one verdict with one that requires `?UV_CREDENTIALS_DIR=<store>`:
    the next outer command misses too, and so on, each one starting Python. (Performance
    only: every command still succeeds.)"""
    box = covered.box
    covered.settle()
    for _ in range(2):
        nested = box.uv("run", "uv", "--directory", str(box.project), "lock")
        assert nested.returncode == 0, nested.stderr
        box.age()
    before = box.python_starts()
    assert box.uv("lock").returncode == 0
    nested = box.uv("run", "uv", "--directory", str(box.project), "lock")
    assert nested.returncode == 0, nested.stderr
    assert box.python_starts() == before, "the outer and the inner command keep replacing each other's verdict"


SHELLS = {"dash": ["dash"], "bash": ["bash", "--posix"], "zsh": ["zsh", "--emulate", "sh"]}


@pytest.mark.parametrize("shell", sorted(SHELLS))
@pytest.mark.parametrize("verdict", ["hit", "missed at its last line"])
def test_stdin_and_descriptors_reach_the_program_as_with_plain_uv(box, shell, verdict):
    """(Held up.) The launcher reads the verdict in `{ ...; } < file` and may `return` from
    inside it: the program `uv run` starts still reads the caller's stdin, and gets no extra
    descriptor, whether the verdict held or missed at its `@` line (deadline passed)."""
    import shutil

    argv = SHELLS[shell]
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    box.settled()
    if verdict != "hit":
        for deadline in (box.sandbox.home / ".cache/uv-shim/stores").glob("s-*/deadline"):
            os.utime(deadline, (1, 1))
    script = "import os, sys; print(sys.stdin.read().strip(), sorted(os.listdir('/proc/self/fd')))"
    before = box.python_starts()
    done = box.sandbox.run([*argv, box.sandbox.shim, "--directory", box.project, "run", "python", "-c", script],
                           input="from the caller\n")
    plain = box.sandbox.real("--directory", box.project, "run", "python", "-c", script, input="from the caller\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain.stdout and done.stdout.startswith("from the caller ")
    assert (box.python_starts() == before) is (verdict == "hit")
