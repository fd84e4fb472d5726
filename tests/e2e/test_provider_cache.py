"""Every provider's credential is cached until it expires (the command provider's JSON
`expires_at`, or `lifetime` for a plain token), across processes and across tool and project
commands; the `env` provider is read fresh each time. Real uv, a real index on loopback, a
real provider command that counts its runs."""

import json
import time

import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow


@pytest.fixture
def index():
    server = PackageIndex(password="tok-1")
    server.publish("demo-tool", "1.0")
    server.publish("corp-lib", "1.0")
    yield server
    server.close()


@pytest.fixture
def box(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    box.env["UV_PYTHON"] = BASE_PYTHON
    assert box.real(*box.install_args("demo-tool", index.url_with("tok-1"))).returncode == 0
    box.write("proj/pyproject.toml", f"""\
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["corp-lib"]

[tool.uv]
package = false
index-url = "{index.url}"
""")
    box.proj = tmp_path / "proj"
    box.calls_file = tmp_path / "calls"
    box.calls = lambda: len(box.calls_file.read_text().splitlines()) if box.calls_file.exists() else 0
    return box


def counting_command(box, output: str, extra: str = "") -> None:
    out = box.write("secrets/out", output)
    script = box.write("provider.sh", f'echo run >> "{box.calls_file}"\ncat "{out}"\n')
    box.shim_config(f'[[credential]]\nurl = "http://127.0.0.1:{box.index_port}/"\nprovider = "command"\n'
                    f'username = "aws"\ncommand = ["sh", "{script}"]\n{extra}')


def five_upgrades_and_five_locks(box):
    for _ in range(5):
        result = box.uv("tool", "upgrade", "demo-tool")
        assert result.returncode == 0, result.stderr
        result = box.uv("--directory", box.proj, "lock")
        assert result.returncode == 0, result.stderr


def test_json_expires_at_runs_the_command_once_for_five_upgrades_and_five_locks(box, index):
    box.index_port = index.server.server_port
    counting_command(box, json.dumps({"username": "aws", "password": "tok-1", "expires_at": time.time() + 3600}))
    five_upgrades_and_five_locks(box)
    assert box.calls() == 1
    assert not box.proj.joinpath("uv.lock").read_text().count("tok-1")
    (cached,) = (box.home / ".cache" / "uv-shim").glob("command--*.json")
    assert cached.stat().st_mode & 0o777 == 0o600


def test_an_iso_expiry_close_to_its_end_is_not_reused(box, index):
    """Less than 5 minutes left: fetched again every time (never handed out that close)."""
    box.index_port = index.server.server_port
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 200))
    counting_command(box, json.dumps({"password": "tok-1", "expires_at": soon}))
    for _ in range(3):
        assert box.uv("--directory", box.proj, "lock").returncode == 0
    assert box.calls() == 3


def test_a_plain_token_is_not_cached_unless_a_lifetime_is_configured(box, index):
    box.index_port = index.server.server_port
    counting_command(box, "tok-1\n")
    for _ in range(2):
        assert box.uv("--directory", box.proj, "lock").returncode == 0
    assert box.calls() == 2
    counting_command(box, "tok-1\n", extra="lifetime = 3600\n")
    five_upgrades_and_five_locks(box)
    assert box.calls() == 3


def test_a_cached_token_the_index_refuses_is_fetched_again_on_a_tool_command(box, index):
    box.index_port = index.server.server_port
    counting_command(box, json.dumps({"password": "tok-1", "expires_at": time.time() + 3600}))
    assert box.uv("tool", "upgrade", "demo-tool").returncode == 0
    index.rotate("tok-2")
    box.write("secrets/out", json.dumps({"password": "tok-2", "expires_at": time.time() + 3600}))
    index.publish("demo-tool", "2.0")
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0" and box.calls() == 2


def test_the_env_provider_is_read_fresh_each_time(box, index):
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "env"\nusername = "aws"\n'
                    'password-env = "CORP_TOKEN"\n')
    assert box.uv("--directory", box.proj, "lock", env={"CORP_TOKEN": "tok-1"}).returncode == 0
    index.rotate("tok-2")
    index.publish("corp-lib", "2.0")
    result = box.uv("--directory", box.proj, "lock", "--upgrade", env={"CORP_TOKEN": "tok-2"})
    assert result.returncode == 0, result.stderr
    assert 'version = "2.0"' in box.proj.joinpath("uv.lock").read_text()
    assert list((box.home / ".cache" / "uv-shim").glob("*.json")) == []
