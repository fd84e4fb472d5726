"""Ctrl-C and SIGTERM during a long `uv tool upgrade` through the shim reach uv itself."""

import contextlib
import os
import signal
import subprocess

import pytest

from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow


def default_sigint():
    """A terminal's Ctrl-C reaches programs whose SIGINT is not ignored; a test runner started
    in the background (as CI may be) ignores it, and children inherit that: undo it here."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def slow_upgrade(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    index.publish("demo-tool", "1.0")
    assert box.real(*box.install_args("demo-tool", index.url_with("token-A-0001"))).returncode == 0
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command('token-A-0001')}\n")
    index.publish("demo-tool", "2.0")
    index.file_delay = 60.0  # the download of 2.0 stalls: uv is busy when the signal comes

    def start():
        proc = subprocess.Popen([str(box.shim), "tool", "upgrade", "demo-tool"], env=box.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=default_sigint)
        assert index.stalled.wait(60), "uv never asked for the wheel"
        return proc

    return box, start


def test_ctrl_c_stops_uv_and_returns_130(slow_upgrade):
    box, start = slow_upgrade
    proc = start()
    with open(f"/proc/{proc.pid}/cmdline", "rb") as handle:  # the shim exec'd: this process is uv now
        assert handle.read().split(b"\0")[0] == str(box.real_uv).encode()
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    proc.communicate(timeout=30)
    # uv dies of the SIGINT itself, which a shell reports as $? = 130
    assert proc.returncode == -signal.SIGINT
    assert box.tool_output("demo-tool") == "demo-tool 1.0"


def test_sigterm_reaches_uv(slow_upgrade):
    box, start = slow_upgrade
    proc = start()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM  # uv got it (the shim is long gone: it exec'd)
    assert box.tool_output("demo-tool") == "demo-tool 1.0"


def test_ctrl_c_while_the_provider_runs_returns_130(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\n'
                    'command = ["sh", "-c", "echo started >&2; sleep 60"]\n')
    proc = subprocess.Popen([str(box.shim), *box.install_args("demo-tool", index.url)], env=box.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=default_sigint)
    assert proc.stderr.readline().strip() == "started"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        # Wait for the shim itself, not for EOF: a grandchild of the provider may hold the pipes.
        code = proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read()
    assert code == 130, err
    assert "Traceback" not in err
