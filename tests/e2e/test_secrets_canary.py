"""One canary secret flows through every way uv-shim handles credentials; afterwards it is
nowhere: not in receipts, not in any output at any verbosity, not in any file the test did
not put it in (except the 0600 token cache), and never in a process's command line."""

import os
import secrets
import threading
from pathlib import Path

import pytest

from tests.support.codeartifact import FakeCodeArtifact
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow
CANARY = "canary-" + secrets.token_hex(12)
VERBOSE = [{}, {"UV_SHIM_LOG": "debug"}]


class Watch:
    """Runs commands while sweeping /proc/*/cmdline for the canary; records every check."""

    def __init__(self, box, canary):
        self.box = box
        self.canary = canary.encode()
        self.outputs = []
        self.sweeps = 0
        self.found = []

    def _sweep(self, stop):
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as handle:
                            if self.canary in handle.read():
                                self.found.append(pid)
                    except OSError:
                        pass
            self.sweeps += 1

    def run(self, argv, env=None, **kwargs):
        stop = threading.Event()
        sweeper = threading.Thread(target=self._sweep, args=(stop,))
        sweeper.start()
        try:
            result = self.box.run(argv, env=env, **kwargs)
        finally:
            stop.set()
            sweeper.join()
        self.outputs.append(result.stdout + result.stderr)
        return result

    def uv(self, *args, env=None, verbose=True):
        for extra in VERBOSE if verbose else [{}]:
            result = self.run([self.box.shim, *(["-v"] if extra else []), *args], env={**(env or {}), **extra})
        return result


def files_holding(root: Path, canary: str, allowed=()) -> list:
    allowed = {Path(p) for p in allowed}
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path not in allowed:
            try:
                if canary.encode() in path.read_bytes():
                    hits.append(path)
            except OSError:
                pass
    return hits


# uv-shim's private places: the token cache, the hand-off directories given to uv, kept credentials.
PRIVATE = ("home/.cache/uv-shim", "home/.local/share/uv-shim/private", "home/.local/state/uv-shim")


def check_nowhere(watch, root, allowed=()):
    assert watch.found == [], "canary seen in a command line"
    for output in watch.outputs:
        assert CANARY not in output
    private = [p for d in PRIVATE for p in (root / d).rglob("*")]
    assert files_holding(root, CANARY, [*allowed, *private]) == []
    for path in private:  # every private file and directory: 0600/0700, the user's
        assert os.stat(path).st_mode & 0o077 == 0, path
    assert watch.sweeps > 0
    print(f"canary checks: {len(watch.outputs)} outputs, {watch.sweeps} sweeps of /proc/*/cmdline, "
          f"{sum(1 for p in root.rglob('*') if p.is_file())} files")


def test_canary_as_a_command_providers_token_from_a_legacy_receipt(tmp_path, index):
    legacy = Sandbox(tmp_path, "0.4.26")
    index.rotate(CANARY + "-old")
    index.publish("demo-tool", "1.0")
    assert legacy.real(*legacy.install_args("demo-tool", index.url_with(CANARY + "-old"))).returncode == 0
    assert CANARY in legacy.receipt("demo-tool")  # what uv 0.4.26 leaves behind
    index.rotate(CANARY)
    index.publish("demo-tool", "2.0")
    legacy.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                       f"{legacy.token_command(CANARY)}\n")
    watch = Watch(legacy, CANARY)
    assert watch.uv("tool", "upgrade", "demo-tool").returncode == 0
    assert legacy.tool_output("demo-tool") == "demo-tool 2.0"
    assert watch.uv("tool", "upgrade", "--all").returncode == 0
    for argv in (["doctor"], ["receipts", "--json"], ["credentials", index.url]):
        watch.run([legacy.shim_home / "bin" / "uv-shim", *argv], env={"UV_SHIM_LOG": "debug"})
    check_nowhere(watch, tmp_path, allowed=[tmp_path / "secrets" / "token"])


def test_canary_from_env_uv_toml_and_a_refused_token(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    index.rotate(CANARY)
    index.publish("demo-tool", "1.0")
    watch = Watch(box, CANARY)
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "env"\nusername = "aws"\n'
                    'password-env = "CORP_TOKEN"\n')
    assert watch.uv(*box.install_args("demo-tool", index.url), env={"CORP_TOKEN": CANARY}).returncode == 0
    # The same canary, refused: the error names the index and provider, never the token.
    index.rotate("something-else")
    assert watch.uv("tool", "upgrade", "demo-tool", env={"CORP_TOKEN": CANARY}).returncode == 1
    # From the user's refreshed uv.toml, with no shim config.
    index.rotate(CANARY)
    index.publish("demo-tool", "2.0")
    box.shim_config("")
    uv_toml = box.uv_toml(f'index-url = "{index.url_with(CANARY)}"\n')
    assert watch.uv("tool", "upgrade", "demo-tool").returncode == 0
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    check_nowhere(watch, tmp_path, allowed=[uv_toml])


def test_canary_as_a_codeartifact_token(tmp_path):
    ca = FakeCodeArtifact()
    ca.post = lambda handler, path: _issue(ca, handler, path)  # tokens that carry the canary
    try:
        ca.publish("demo-tool", "1.0")
        box = Sandbox(tmp_path, NEWEST)
        box.env.update(ca.env())
        watch = Watch(box, CANARY)
        assert watch.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url,
                        "demo-tool").returncode == 0
        ca.publish("demo-tool", "2.0")
        assert watch.uv("tool", "upgrade", "demo-tool").returncode == 0
        watch.run([box.shim_home / "bin" / "uv-shim", "credentials"])
        cache = list((tmp_path / "home" / ".cache" / "uv-shim").glob("*.json"))
        assert cache and CANARY in cache[0].read_text()  # the one place it may be
        check_nowhere(watch, tmp_path, allowed=cache)
    finally:
        ca.close()


def _issue(ca, handler, path):
    """GetAuthorizationToken answering with canary tokens (SigV4 presence is checked elsewhere)."""
    import json
    import time

    handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    token = f"{CANARY}-{secrets.token_hex(4)}"
    ca.tokens[token] = time.time() + 3600
    ca.calls.append({"path": path})
    return handler._send(200, json.dumps({"authorizationToken": token, "expiration": int(time.time() + 3600)})
                         .encode(), "application/json")
