"""Everything that is not `uv tool install|upgrade|run` reaches the real uv unchanged."""

import os
import shutil
import signal
import json
import subprocess

import pytest

from shim import launcher_script

from tests.support.sandbox import BASE_PYTHON

pytestmark = pytest.mark.slow

ECHO_ARGV = "import sys, json; print(json.dumps(sys.argv[1:]))"


def run_python(sandbox, *args, **kwargs):
    return sandbox.uv("run", "--no-project", "--python", BASE_PYTHON, "python", *args, **kwargs)


def test_version_and_tool_list_are_the_real_uvs(sandbox):
    for argv in (["--version"], ["tool", "list"], ["tool", "dir"], ["python", "find", BASE_PYTHON]):
        through, direct = sandbox.uv(*argv), sandbox.real(*argv)
        assert (through.returncode, through.stdout, through.stderr) == (direct.returncode, direct.stdout, direct.stderr)


@pytest.mark.parametrize("code", [0, 1, 2, 130])
def test_exit_codes_come_back_unchanged(sandbox, code):
    assert run_python(sandbox, "-c", f"raise SystemExit({code})").returncode == code


def test_usage_error_exit_code_of_uv_itself(sandbox):
    assert sandbox.uv("--no-such-option").returncode == sandbox.real("--no-such-option").returncode == 2
    assert sandbox.uv("tool", "--no-such-option").returncode == 2


def test_stdin_and_argv_with_spaces_and_unicode(sandbox):
    args = ["a b", "ünï cødé", "", "--index-url", "tool", "$HOME", "*"]
    result = run_python(sandbox, "-c", "import sys, json; print(sys.stdin.read().upper() + '|' + json.dumps(sys.argv[1:]))",
                        *args, input="piped in")
    assert result.returncode == 0, result.stderr
    out, _, argv = result.stdout.partition("|")
    assert out == "PIPED IN" and json.loads(argv) == args


def test_sigint_reaches_the_child(sandbox):
    proc = subprocess.Popen(
        [str(sandbox.shim), "run", "--no-project", "--python", BASE_PYTHON, "python", "-c",
         "import time; print('ready', flush=True); time.sleep(60)"],
        env=sandbox.env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) in (130, -signal.SIGINT)


def test_never_execs_itself_with_its_directory_on_path_twice(sandbox):
    shim_bin = str(sandbox.shim.parent)
    launcher_script.write(sandbox.shim_home, "/nonexistent/uv")  # the recorded uv is gone:
    (sandbox.shim_home / "real-uv").unlink()  # PATH search decides
    copy_dir = sandbox.root / "copy"
    copy_dir.mkdir()
    shutil.copy(sandbox.shim, copy_dir / "uv")  # another copy of the shim on PATH is skipped too
    env = {"PATH": os.pathsep.join([shim_bin, shim_bin, str(copy_dir), str(sandbox.real_uv.parent), "/usr/bin", "/bin"])}
    for argv in (["--version"], ["tool", "list"]):
        result = sandbox.uv(*argv, env=env, timeout=30)
        assert result.returncode == 0, result.stderr
    assert sandbox.uv("--version", env=env).stdout.startswith("uv ")

    env["PATH"] = os.pathsep.join([shim_bin, shim_bin, str(copy_dir), "/usr/bin", "/bin"])
    result = sandbox.uv("--version", env=env, timeout=30)
    assert result.returncode == 127
    assert "cannot find the real uv" in result.stderr


def test_real_uv_variable_pointing_at_the_shim_is_refused(sandbox):
    result = sandbox.uv("--version", env={"UV_SHIM_REAL_UV": str(sandbox.shim)}, timeout=30)
    assert result.returncode == 1
    assert "is the shim itself" in result.stderr


def test_disable_makes_it_a_pure_pass_through(sandbox, index):
    index.publish("demo-tool", "1.0")
    assert sandbox.real(*sandbox.install_args("demo-tool", index.url_with("token-A-0001"))).returncode == 0
    before = sandbox.receipt("demo-tool")
    sandbox.uv("tool", "upgrade", "demo-tool", env={"UV_SHIM_DISABLE": "1"})
    if sandbox.version != "0.13.9":
        assert sandbox.receipt("demo-tool") == before
    result = sandbox.uv("tool", "list", env={"UV_SHIM_DISABLE": "1"})
    assert result.returncode == 0 and "demo-tool" in result.stdout
