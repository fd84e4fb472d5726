"""`uv tool install` and `uv tool run` through the shim: credentials from a provider, never typed."""

import pytest

from tests.support.sandbox import BASE_PYTHON

pytestmark = pytest.mark.slow

TOKEN = "token-A-0001"


def configure(sandbox, index, token=TOKEN):
    sandbox.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                        f"{sandbox.token_command(token)}\n")


def test_install_from_a_clean_url_gets_its_credential_from_the_provider(sandbox, index):
    index.publish("demo-tool", "1.0")
    configure(sandbox, index)
    result = sandbox.uv(*sandbox.install_args("demo-tool", index.url))
    assert result.returncode == 0, result.stderr
    assert sandbox.tool_output("demo-tool") == "demo-tool 1.0"
    assert TOKEN not in sandbox.receipt("demo-tool")
    assert TOKEN not in result.stdout + result.stderr


def test_named_index_gets_uv_index_variables(sandbox, index):
    index.publish("demo-tool", "1.0")
    configure(sandbox, index)
    result = sandbox.uv("tool", "install", "--python", BASE_PYTHON, "--default-index", f"corp={index.url}",
                        "demo-tool")
    assert result.returncode == 0, result.stderr
    receipt = sandbox.receipt("demo-tool")
    assert 'name = "corp"' in receipt and TOKEN not in receipt
    index.rotate("token-B-0002")
    index.publish("demo-tool", "2.0")
    configure(sandbox, index, "token-B-0002")
    result = sandbox.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert sandbox.tool_output("demo-tool") == "demo-tool 2.0"


def test_tool_run(sandbox, index):
    index.publish("demo-tool", "1.0")
    configure(sandbox, index)
    result = sandbox.uv("tool", "run", "--python", BASE_PYTHON, "--index-url", index.url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demo-tool 1.0"


def test_provider_failure_stops_before_uv(sandbox, index):
    index.publish("demo-tool", "1.0")
    sandbox.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "env"\npassword-env = "CORP_TOKEN"\n')
    result = sandbox.uv(*sandbox.install_args("demo-tool", index.url))
    assert result.returncode == 1
    assert "$CORP_TOKEN is not set" in result.stderr and "fix: export CORP_TOKEN=" in result.stderr
    assert not sandbox.receipt_path("demo-tool").exists()
    assert index.requests == []


def test_bad_config_exits_2_without_running_uv(sandbox, index):
    sandbox.shim_config('[[credential]]\nurl = "https://x/"\nprovider = "command"\ncommand = "not a list"\n')
    result = sandbox.uv(*sandbox.install_args("demo-tool", index.url))
    assert result.returncode == 2
    assert "config.toml:4: `command` must be a list of strings" in result.stderr
    assert "Traceback" not in result.stderr
    assert index.requests == []
