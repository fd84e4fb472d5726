"""Issue 11: a hostile neighbour (a real second user made by the test), a full or read-only
disk (tmpfs mounts), and what uv-shim prints. Real uv, real boto3 against the loopback
CodeArtifact (no real AWS is reachable here), a real loopback index.

Every case checks that the credential never reaches the wrong party and that uv still runs
where plain uv would."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.codeartifact import FakeCodeArtifact
from tests.support.neighbour import neighbour, open_tmp, tmpfs  # noqa: F401 (fixtures)
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ca():
    server = FakeCodeArtifact()
    server.publish("demo-tool", "1.0")
    yield server
    server.close()


def ca_box(root, ca):
    box = Sandbox(root, NEWEST)
    box.env.update(ca.env())
    return box


def install(box, ca):
    return box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")


def holds_a_token(ca, *texts):
    return any(token in text for token in ca.tokens for text in texts)


# --- 1. files -------------------------------------------------------------------------------------

def test_planted_files_in_an_open_cache_directory_never_get_the_token(open_tmp, neighbour, ca):
    """The cache directory was 0777 before the run; the neighbour planted files under every
    temp name the old code could pick (`<key>.json.uv-shim-tmp.<pid>` for the next pids) and
    kept hard links to them. The directory is made again, private; uv installs."""
    box = ca_box(open_tmp / "box", ca)
    os.chmod(open_tmp / "box", 0o755)
    cache = box.home / ".cache" / "uv-shim"
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    keep = open_tmp / "kept"
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text()) if Path("/proc/sys/kernel/ns_last_pid").exists() else 0
    names = " ".join(f"codeartifact--corp-tools--111122223333--eu-west-1.json.uv-shim-tmp.{pid}"
                     for pid in range(last + 1, last + 64))
    neighbour.sh('mkdir -m 700 "$1" && cd "$2" && for n in $3; do : > "$n"; chmod 666 "$n"; ln "$n" "$1/$n"; done',
                 keep, cache, names)

    result = install(box, ca)
    assert result.returncode == 0, result.stderr
    assert "emptied it and made it again" in result.stderr
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)
    assert all(path.stat().st_size == 0 for path in keep.iterdir())
    assert not holds_a_token(ca, *(path.read_text() for path in keep.iterdir()))
    (cached,) = cache.glob("*.json")
    assert cached.stat().st_uid == os.getuid() and cached.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("trouble", ["full", "read-only", "another user's"])
def test_a_cache_that_cannot_be_written_warns_and_uv_still_installs(tmp_path, ca, trouble, request):
    box = ca_box(tmp_path, ca)
    cache_root = box.home / ".cache"
    if trouble == "another user's":
        stranger = request.getfixturevalue("neighbour")
        (cache_root / "uv-shim").mkdir(parents=True, mode=0o700)
        os.chown(cache_root / "uv-shim", stranger.uid, stranger.gid)
        expected = "belongs to another user"
        mount = None
    else:
        mount = tmpfs(cache_root, size="64k", read_only=trouble == "read-only")
        mount.__enter__()
        expected = "No space left on device" if trouble == "full" else "Read-only file system"
        if trouble == "full":
            (cache_root / "uv-shim").mkdir(mode=0o700)
            with open(cache_root / "filler", "wb") as handle:
                try:
                    handle.write(b"x" * (1 << 20))
                except OSError:
                    pass
    try:
        result = install(box, ca)
        assert result.returncode == 0, result.stderr
        assert expected in result.stderr and "used for this run without being cached" in result.stderr
        assert result.stderr.count("without being cached") == 1  # said once
        assert "internal error" not in result.stderr
        assert box.tool_output("demo-tool") == "demo-tool 1.0"
        assert not list(cache_root.rglob("*.json"))
    finally:
        if mount is not None:
            mount.__exit__(None, None, None)


# --- 2. config trust ------------------------------------------------------------------------------

def test_a_config_directory_the_neighbour_can_write_runs_none_of_its_commands(open_tmp, neighbour, ca):
    box = ca_box(open_tmp / "box", ca)
    os.chmod(open_tmp / "box", 0o755)
    os.chmod(box.home, 0o755)
    config_dir = box.home / ".config" / "uv-shim"
    config_dir.mkdir(parents=True)
    config_dir.chmod(0o777)
    marker = open_tmp / "ran-as-victim"
    evil = open_tmp / "evil.toml"
    neighbour.sh('printf "%s" "$1" > "$2" && chmod 644 "$2" && ln -s "$2" "$3/config.toml"',
                 f'[[credential]]\nurl = "{ca.index_url}"\nprovider = "command"\ncommand = ["touch", "{marker}"]\n',
                 evil, config_dir)
    result = install(box, ca)
    assert result.returncode == 2 and "refusing it, since it can name commands to run" in result.stderr
    assert not marker.exists()
    plain = box.real("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")
    assert not marker.exists() and plain.returncode != 0  # plain uv: no credential, nothing run either


# --- 4. output ------------------------------------------------------------------------------------

LEGACY = """\
[tool]
requirements = [{{ name = "demo-tool" }}]
entrypoints = []

[tool.options]
index-url = "{url}"
"""


@pytest.mark.parametrize("password", ["p[ss-0001", "se\uff03cret-0001"])
def test_a_password_python_cannot_parse_is_never_printed(sandbox, password):
    url = f"https://aws:{password}@pkgs.example.invalid/simple/"
    sandbox.write("tools/demo-tool/uv-receipt.toml", LEGACY.format(url=url))
    sandbox.uv_toml(f'index-url = "{url}"\n')
    for args in (["tool", "upgrade", "demo-tool"], ["tool", "install", "demo-tool"]):
        result = sandbox.uv(*args, env={"UV_SHIM_REAL_UV": "/bin/true", "UV_SHIM_LOG": "debug"})
        assert password not in result.stdout + result.stderr
        assert password.split("-")[0] not in result.stdout + result.stderr
    assert password not in sandbox.receipt("demo-tool")
    listing = sandbox.run([sandbox.shim_home / "bin" / "uv-shim", "receipts"])
    assert password.split("-")[0] not in listing.stdout + listing.stderr


def test_a_provider_command_is_shown_quoted_without_its_secret_arguments(sandbox, index):
    secret = "ghp_0123456789abcdefABCDEF"
    sandbox.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\n'
                        f'command = ["sh", "-c", "exit 3", "{secret}"]\n')
    result = sandbox.uv("tool", "install", "--index-url", index.url, "demo-tool")
    assert result.returncode == 1
    assert "run `sh -c *** ***` by hand" in result.stderr and secret not in result.stderr


def test_a_closed_pipe_ends_uv_shim_quietly(sandbox):
    for i in range(50):
        sandbox.write(f"tools/tool-{i}/uv-receipt.toml", LEGACY.format(url="https://pkgs.example.invalid/simple/"))
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` that has already exited
    try:
        result = subprocess.run([sandbox.shim_home / "bin" / "uv-shim", "receipts"], stdout=write_end,
                                stderr=subprocess.PIPE, env=sandbox.env, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.stderr == "" and result.returncode == 141


def test_uv_gets_the_signal_dispositions_plain_uv_would_have(sandbox, tmp_path):
    """Python ignores SIGPIPE and SIGXFSZ; the real uv (and what it starts) must not inherit that."""
    probe = tmp_path / "uv-probe"
    probe.write_text("#!/bin/sh\ngrep -E '^Sig(Ign|Cgt):' /proc/self/status\n")
    probe.chmod(0o755)
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")
    plain = subprocess.run([probe], capture_output=True, text=True, env=sandbox.env)
    through = sandbox.uv("tool", "run", "demo-tool", env={"UV_SHIM_REAL_UV": str(probe)})
    assert through.returncode == 0, through.stderr
    ignored = int(through.stdout.split("SigIgn:")[1].split()[0], 16)
    for number in (signal.SIGPIPE, signal.SIGXFSZ):
        assert not ignored & (1 << (number - 1))
    assert through.stdout == plain.stdout


# --- 5. installer ---------------------------------------------------------------------------------

def test_a_dot_on_path_is_never_searched_for_the_real_uv(sandbox, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "dot-uv-ran"
    (project / "uv").write_text(f"#!/bin/sh\nenv > {marker}\n")
    (project / "uv").chmod(0o755)
    (sandbox.shim_home / "real-uv").write_text("/nonexistent/uv\n")  # the recorded uv is gone
    for path in (".:/usr/bin:/bin", ":/usr/bin:/bin", "bin/..:/usr/bin:/bin"):
        result = sandbox.uv("tool", "install", "demo-tool", cwd=project,
                            env={"PATH": f"{sandbox.shim_home / 'bin'}:{path}"})
        assert result.returncode == 127 and "cannot find the real uv" in result.stderr
        assert not marker.exists()
    relative = sandbox.uv("--version", cwd=project, env={"UV_SHIM_REAL_UV": "uv"})
    assert relative.returncode == 1 and "not an absolute path" in relative.stderr and not marker.exists()


# --- 6. providers, crash points, receipts ---------------------------------------------------------

def test_provider_commands_run_in_the_home_directory_not_the_project(sandbox, index, tmp_path):
    """A project holding `json.py`: a provider written in Python (`import json`) must not run it."""
    index.publish("demo-tool", "1.0")
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "project-code-ran"
    (project / "json.py").write_text(f"open({str(marker)!r}, 'w').close()\ndumps = None\n")
    sandbox.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                        f'command = ["{BASE_PYTHON}", "-c", "import json, os; print(\\"token-A-0001\\")"]\n')
    result = sandbox.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", index.url, "demo-tool",
                        cwd=project)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert sandbox.tool_output("demo-tool") == "demo-tool 1.0"


def test_crash_points_are_dead_in_an_installed_package_and_ignore_malformed_values(tmp_path):
    """An installed shim has no tests beside its package: UV_SHIM_TEST_CRASH_AT does nothing."""
    import shutil

    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "shim", site / "shim")
    probe = "from shim import faults; faults.reached('atomic.half-written'); print('alive')"
    for spec, where in [("atomic.half-written:1", site), ("atomic.half-written:x", ROOT),
                        (":", ROOT), ("atomic.half-written:-1", ROOT)]:
        result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(where)!r}); "
                                 + probe], capture_output=True, text=True,
                                env={"UV_SHIM_TEST_CRASH_AT": spec, "PATH": "/usr/bin:/bin"})
        assert (result.returncode, result.stdout.strip()) == (0, "alive"), (spec, result.stderr)
    armed = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); " + probe],
                           capture_output=True, text=True, env={"UV_SHIM_TEST_CRASH_AT": "atomic.half-written:1"})
    assert armed.returncode == -signal.SIGKILL  # the test suite's own checkout: armed


def test_a_hard_linked_receipt_is_left_alone_with_the_fix(sandbox, tmp_path):
    text = LEGACY.format(url="https://aws:stale-token-0001@pkgs.example.invalid/simple/")
    receipt = sandbox.write("tools/demo-tool/uv-receipt.toml", text)
    other = tmp_path / "backup-of-receipt.toml"
    os.link(receipt, other)
    # A provider covers the index, so the stored credential would go (were the receipt not linked).
    sandbox.shim_config('[[credential]]\nurl = "https://pkgs.example.invalid/"\nprovider = "env"\n'
                        'password-env = "CORP_TOKEN"\n')
    result = sandbox.uv("tool", "upgrade", "demo-tool", env={"UV_SHIM_REAL_UV": "/bin/true", "CORP_TOKEN": "fresh"})
    assert result.returncode == 0
    assert "has 2 hard links" in result.stderr and "-samefile" in result.stderr
    assert "stale-token-0001" not in result.stderr
    assert receipt.read_text() == text and other.read_text() == text  # not half-fixed
    assert os.stat(receipt).st_ino == os.stat(other).st_ino


def test_a_tool_name_that_is_a_path_edits_no_receipt(sandbox):
    """`uv tool upgrade /some/dir`: the name was joined to the tool dir, and an absolute one
    replaced it. (A name PEP 503 normalization keeps as it is: lowercase, no `_` or `.`.)"""
    import shutil
    import uuid

    text = LEGACY.format(url="https://aws:stale-token-0001@pkgs.example.invalid/simple/")
    outside = Path(f"/tmp/uvshim-outside-{uuid.uuid4().hex}")
    outside.mkdir()
    try:
        (outside / "uv-receipt.toml").write_text(text)
        through = sandbox.uv("tool", "upgrade", str(outside))
        plain = sandbox.real("tool", "upgrade", str(outside))
        assert (outside / "uv-receipt.toml").read_text() == text
        assert "stale-token-0001" not in through.stderr
        assert through.returncode == plain.returncode != 0  # uv itself refuses the name, as without the shim
    finally:
        shutil.rmtree(outside)
