"""A synced project whose private index is covered by a provider: with the index stopped and the
provider failing, plain uv still runs `uv run`, `uv run --offline` and `uv sync --offline`; so
must the shim (one warning line when it tried a provider, none when uv is offline). Offline
commands and `uv run --no-sync` / `--frozen` with nothing to fetch call no provider at all.
A hanging or trickling AWS endpoint costs a bounded wait. Real uv (0.4.26 and the newest),
a real index on loopback, real boto3 against loopback sockets."""

import socket
import threading
import time

import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow

RUN = ("run", "python", "-c", "import corp_lib; print('ran')")


@pytest.fixture(params=["0.4.26", NEWEST])
def synced(request, tmp_path):
    """A project synced through the shim, then the index stopped and the provider broken."""
    index = PackageIndex(password="corp-A")
    index.publish("corp-lib", "1.0")
    box = Sandbox(tmp_path, request.param)
    box.env["UV_PYTHON"] = BASE_PYTHON
    box.write("proj/pyproject.toml", f"""\
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["corp-lib"]

[tool.uv]
package = false

[[tool.uv.index]]
name = "corp"
url = "{index.url}"
""")
    calls = tmp_path / "provider-calls"
    script = box.write("provider.sh", f'echo called >> "{calls}"\n'
                                      f'if [ -e "{tmp_path}/broken" ]; then echo "vault is sealed" >&2; exit 2; fi\n'
                                      'echo corp-A\n')
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f'command = ["sh", "{script}"]\n')
    box.proj = tmp_path / "proj"
    result = box.uv("--directory", box.proj, "sync")
    assert result.returncode == 0, result.stderr
    index.close()
    (tmp_path / "broken").touch()
    calls.unlink()
    box.calls = lambda: len(calls.read_text().splitlines()) if calls.exists() else 0
    return box


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("uv-shim:")]


@pytest.mark.parametrize("args", [RUN, ("run", "--offline", *RUN[1:]), ("sync", "--offline")])
def test_plain_uv_runs_them(synced, args):
    result = synced.real("--directory", synced.proj, *args)
    assert result.returncode == 0, result.stderr


def test_uv_run_warns_once_and_runs(synced):
    result = synced.uv("--directory", synced.proj, *RUN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran"
    (line,) = warnings(result)
    assert line.startswith("uv-shim: warning: no credential for ") and "exited with status 2" in line
    assert line.endswith("uv runs without it")
    assert synced.calls() == 1


@pytest.mark.parametrize("args,env", [
    (("run", "--offline", *RUN[1:]), {}),
    (RUN, {"UV_OFFLINE": "1"}),
    (("sync", "--offline"), {}),
    (("--offline", "lock"), {}),
    (("run", "--no-sync", *RUN[1:]), {}),
    (RUN, {"UV_NO_SYNC": "true"}),
    (("run", "--frozen", *RUN[1:]), {}),
    (RUN, {"UV_FROZEN": "1"}),
], ids=["run--offline", "UV_OFFLINE", "sync--offline", "lock--offline", "run--no-sync", "UV_NO_SYNC",
        "run--frozen", "UV_FROZEN"])
def test_nothing_to_fetch_calls_no_provider(synced, args, env):
    result = synced.uv("--directory", synced.proj, *args, env=env)
    assert result.returncode == 0, result.stderr
    assert warnings(result) == [] and synced.calls() == 0


@pytest.mark.parametrize("args,env", [
    (("run", "--no-sync", "--with", "corp-lib", "python", "-c", "1"), {}),
    (("run", "--frozen", "--with", "corp-lib", "python", "-c", "1"), {}),
    (("run", "--offline", "--no-offline", "python", "-c", "1"), {}),
    (RUN, {"UV_OFFLINE": "0"}),
    # uv installs into another environment, or again: it needs the index although the lock is installed.
    (("run", "--frozen", "--isolated", "python", "-c", "1"), {}),
    (("run", "--frozen", "--reinstall", "python", "-c", "1"), {}),
    (("run", "--frozen", "--active", "python", "-c", "1"), {}),
    (("run", "--frozen", "python", "-c", "1"), {"UV_ACTIVE": "1"}),
], ids=["--no-sync --with", "--frozen --with", "--no-offline after --offline", "UV_OFFLINE=0",
        "--frozen --isolated", "--frozen --reinstall", "--frozen --active", "--frozen UV_ACTIVE"])
def test_a_command_that_may_fetch_still_calls_the_provider(synced, args, env):
    synced.uv("--directory", synced.proj, *args, env=env)
    assert synced.calls() == 1


def test_frozen_with_a_package_missing_from_the_environment_calls_the_provider(synced):
    """`--frozen` installs what the lock lists and the environment lacks: that needs the index."""
    import shutil

    (dist_info,) = synced.proj.glob(".venv/lib/python*/site-packages/corp_lib-1.0.dist-info")
    shutil.rmtree(dist_info)
    synced.uv("--directory", synced.proj, "run", "--frozen", "python", "-c", "1")
    assert synced.calls() == 1


def test_a_pep_723_script_with_no_sync_calls_the_provider(synced):
    synced.write("proj/s.py", "# /// script\n# dependencies = ['corp-lib']\n# ///\nprint(1)\n")
    synced.uv("--directory", synced.proj, "run", "--no-sync", "s.py")
    assert synced.calls() == 1
    synced.write("proj/plain.py", "print(1)\n")
    result = synced.uv("--directory", synced.proj, "run", "--no-sync", "plain.py")
    assert result.returncode == 0 and synced.calls() == 1


class SilentPeer:
    """A loopback TCP server that accepts and then never answers, or trickles a byte a second."""

    def __init__(self, trickle=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.trickle = trickle
        self.closing = threading.Event()
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.trickle:
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while not self.closing.wait(1.0):
                conn.sendall(b"{")
        except OSError:
            pass

    def close(self):
        self.closing.set()
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize("trickle", [False, True], ids=["never answers", "trickles"])
def test_a_hanging_aws_endpoint_costs_a_bounded_wait(tmp_path, trickle):
    peer = SilentPeer(trickle)
    box = Sandbox(tmp_path, NEWEST)
    box.env.update({"UV_PYTHON": BASE_PYTHON, "AWS_ENDPOINT_URL_CODEARTIFACT": peer.url,
                    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
                    "AWS_EC2_METADATA_DISABLED": "true"})
    box.write("proj/pyproject.toml", """\
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []

[[tool.uv.index]]
name = "corp"
url = "https://corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/tools/simple/"
""")
    try:
        started = time.monotonic()
        result = box.uv("--directory", tmp_path / "proj", "run", "python", "-c", "print('ran')", timeout=90)
        elapsed = time.monotonic() - started
    finally:
        peer.close()
    print(f"{'trickling' if trickle else 'silent'} AWS endpoint: uv run took {elapsed:.1f}s")
    assert result.returncode == 0 and result.stdout.strip() == "ran", result.stderr
    (line,) = warnings(result)
    assert "CodeArtifact" in line and "uv runs without it" in line
    assert elapsed < 20  # 12 s deadline; before: 80 s (silent) and no limit at all (trickling)


def test_a_stderr_nobody_reads_does_not_stop_uv(synced, tmp_path):
    """The warning cannot be written (a pipe whose reader is gone): uv runs all the same, as
    plain uv would (it writes nothing to stderr here)."""
    import subprocess

    marker = tmp_path / "ran"
    proc = subprocess.Popen([str(synced.shim), "--directory", str(synced.proj), "run", "python", "-c",
                             f"open({str(marker)!r}, 'w')"], env=synced.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    proc.stderr.close()  # the reader is gone before the shim writes its warning
    assert proc.wait(timeout=120) == 0
    assert marker.exists()
