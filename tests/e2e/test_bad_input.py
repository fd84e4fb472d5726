"""The bad-input corpus (tests/corpus/) through the real shim and the real uv: every case gives
one clear message on stderr, no traceback, the right exit code, and changes nothing it should not."""

import os
import sys
from pathlib import Path

import pytest

from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TOKEN = "token-A-0001"


@pytest.fixture
def box(tmp_path, index):
    box = Sandbox(tmp_path, NEWEST)
    index.publish("demo-tool", "1.0")
    assert box.real(*box.install_args("demo-tool", index.url_with(TOKEN))).returncode == 0
    box.index = index
    return box


def assert_clean_failure(result, code):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("uv-shim: error:") == 1, result.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "receipts").iterdir()))
def test_malformed_receipt_is_left_untouched_with_one_warning(box, name):
    content = (CORPUS / "receipts" / name).read_bytes()
    box.receipt_path("demo-tool").write_bytes(content)
    direct = box.real("tool", "upgrade", "demo-tool")
    box.receipt_path("demo-tool").write_bytes(content)

    # First with uv replaced by `true`, to see exactly what the shim did before exec.
    result = box.uv("tool", "upgrade", "demo-tool", env={"UV_SHIM_REAL_UV": "/bin/true"})
    assert result.returncode == 0 and "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("uv-shim:")]
    assert len(warnings) == 1 and str(box.receipt_path("demo-tool")) in warnings[0], result.stderr
    assert warnings[0].startswith("uv-shim: warning:")
    assert box.receipt_path("demo-tool").read_bytes() == content
    assert "stale-token" not in result.stderr
    # Then with the real uv: its own verdict on the receipt comes back unchanged.
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == direct.returncode


def test_huge_receipt_and_symlinked_receipt_are_not_read(box, tmp_path):
    huge = box.receipt_path("demo-tool")
    huge.write_bytes(b"# " + b"x" * (10 << 20) + b"\n")
    result = box.uv("tool", "upgrade", "demo-tool", env={"UV_SHIM_REAL_UV": "/bin/true"})
    assert result.returncode == 0 and "larger than 1024 KiB" in result.stderr
    assert huge.stat().st_size > 10 << 20

    outside = tmp_path / "outside.toml"
    outside.write_text('[tool]\nrequirements = [{ name = "x" }]\n\n[tool.options]\n'
                       'index-url = "http://aws:stale-token@127.0.0.1:1/simple/"\n')
    huge.unlink()
    huge.symlink_to(outside)
    result = box.uv("tool", "upgrade", "demo-tool", env={"UV_SHIM_REAL_UV": "/bin/true"})
    assert "is a symlink; left alone" in result.stderr
    assert "stale-token" in outside.read_text()


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "configs").iterdir()))
def test_malformed_config_exits_2_before_uv_runs(box, name):
    config = box.shim_config("")
    config.write_bytes((CORPUS / "configs" / name).read_bytes())
    receipt = box.receipt("demo-tool")
    requests = len(box.index.requests)
    result = box.uv("tool", "upgrade", "demo-tool")
    assert_clean_failure(result, 2)
    assert str(config) in result.stderr
    assert box.receipt("demo-tool") == receipt and len(box.index.requests) == requests


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "configs").iterdir())[:3])
def test_malformed_config_on_a_project_command_warns_and_uv_runs(box, name):
    """uv itself would run: the mistake is said once, and uv runs without uv-shim's credentials."""
    config = box.shim_config("")
    config.write_bytes((CORPUS / "configs" / name).read_bytes())
    result = box.uv("run", "--no-project", "python", "-c", "print('ran')")
    assert result.returncode == 0 and result.stdout.strip() == "ran", result.stderr
    assert "uv-shim: warning:" in result.stderr and "uv runs without uv-shim's credentials" in result.stderr


@pytest.mark.parametrize("mode, message", [(0o664, "writable by its group"), (0o646, "writable by everyone")])
def test_config_that_others_can_write_is_refused(box, mode, message):
    config = box.shim_config(f'[[credential]]\nurl = "{box.index.url}"\nprovider = "command"\ncommand = ["true"]\n')
    config.chmod(mode)
    os.chown(config, -1, 100 if os.getgid() != 100 else 65534)  # a group shared with others (not the user's own)
    result = box.uv("tool", "upgrade", "demo-tool")
    assert_clean_failure(result, 2)
    assert message in result.stderr and f"chmod go-w {config}" in result.stderr


@pytest.mark.parametrize(
    "script, message",
    [
        ("megabytes.py", "printed more than 1024 KiB"),
        ("endless.py", "printed more than 1024 KiB"),
        ("invalid-json.py", "JSON output is invalid"),
        ("non-utf8.py", "not UTF-8"),
        ("hangs.py", "did not finish within 2s"),
        ("fails.py", "exited with status 2"),
        ("json-without-password.py", 'no "password"'),
        (None, "could not be started"),
    ],
)
def test_hostile_provider_output(box, script, message):
    argv = [sys.executable, str(CORPUS / "providers" / script)] if script else ["/nonexistent/vault", "read"]
    box.shim_config(f'[[credential]]\nurl = "{box.index.url}"\nprovider = "command"\ntimeout = 2\n'
                    f"command = {argv!r}\n".replace("'", '"'))
    receipt = box.receipt("demo-tool")
    requests = len(box.index.requests)
    result = box.uv("tool", "upgrade", "demo-tool", timeout=60)
    assert_clean_failure(result, 1)
    assert message in result.stderr and "fix:" in result.stderr
    assert len(result.stderr) < 2000
    assert len(box.index.requests) == requests  # uv did not run
    assert box.receipt("demo-tool").replace(f"aws:{TOKEN}@", "") == receipt.replace(f"aws:{TOKEN}@", "")


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "netrc").iterdir()))
def test_odd_user_netrc_is_merged_and_left_unchanged(box, name):
    netrc = box.home / ".netrc"
    netrc.write_bytes((CORPUS / "netrc" / name).read_bytes())
    netrc.chmod(0o600)
    box.index.rotate("token-B-0002")
    box.index.publish("demo-tool", "2.0")
    box.shim_config(f'[[credential]]\nurl = "{box.index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command('token-B-0002')}\n")
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    assert netrc.read_bytes() == (CORPUS / "netrc" / name).read_bytes()
    assert os.stat(netrc).st_mode & 0o777 == 0o600
