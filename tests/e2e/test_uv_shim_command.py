"""`uv-shim doctor | receipts | which` in a sandbox with real uv receipts."""

import json

import pytest

from tests.support.sandbox import Sandbox

pytestmark = pytest.mark.slow


def manager(sandbox, *args, **kwargs):
    return sandbox.run([sandbox.shim_home / "bin" / "uv-shim", *args], **kwargs)


@pytest.fixture
def legacy(tmp_path, index, public_index):
    """uv 0.4.26 receipts: one with a stored token, one from a public index."""
    box = Sandbox(tmp_path, "0.4.26")
    index.publish("demo-tool", "1.0")
    public_index.publish("public-tool", "1.0")
    assert box.real(*box.install_args("demo-tool", index.url_with("token-A-0001"))).returncode == 0
    assert box.real(*box.install_args("public-tool", public_index.url)).returncode == 0
    return box


def test_which_prints_the_real_uv(sandbox):
    result = manager(sandbox, "which")
    assert result.returncode == 0 and result.stdout.strip() == str(sandbox.real_uv)


def test_doctor_on_a_healthy_setup(sandbox):
    result = manager(sandbox, "doctor")
    assert result.returncode == 0, result.stdout
    assert f"first uv on PATH: {sandbox.shim}" in result.stdout
    assert f"real uv: {sandbox.real_uv} (uv 0.13.9" in result.stdout
    assert "is current" in result.stdout


def test_doctor_reports_a_shadowing_uv_and_a_stale_launcher(sandbox):
    env = {"PATH": f"{sandbox.real_uv.parent}:{sandbox.shim.parent}:/usr/bin:/bin"}
    result = manager(sandbox, "doctor", env=env)
    assert result.returncode == 1
    assert f"FAIL first uv on PATH: {sandbox.real_uv} (expected the shim" in result.stdout
    sandbox.shim.write_text(sandbox.shim.read_text().replace("version=", "version=old-"))
    result = manager(sandbox, "doctor")
    assert result.returncode == 1 and "is stale: run `uv-shim setup`" in result.stdout


def test_receipts_keeps_a_stored_credential_nothing_else_supplies(legacy, index):
    """uv 0.4.26 reads the receipt's credential and no provider covers the index: it stays."""
    for args in (["receipts"], ["receipts", "--fix"]):
        listed = manager(legacy, *args)
        assert listed.returncode == 0, listed.stdout
        assert "demo-tool: ok" in listed.stdout
        assert "stored credential kept, since nothing else would supply it: tool.options.index-url: " \
               "http://aws:***@127.0.0.1" in listed.stdout and "token-A-0001" not in listed.stdout
    assert "token-A-0001" in legacy.receipt("demo-tool")


def test_receipts_lists_then_fixes_stored_credentials(legacy, index):
    legacy.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                       f"{legacy.token_command('token-B')}\n")
    listed = manager(legacy, "receipts")
    assert listed.returncode == 1
    assert "demo-tool: needs --fix" in listed.stdout and "public-tool: ok" in listed.stdout
    assert "http://aws:***@127.0.0.1" in listed.stdout and "token-A-0001" not in listed.stdout

    fixed = manager(legacy, "receipts", "--fix", "--json")
    assert fixed.returncode == 0, fixed.stdout
    report = json.loads(fixed.stdout)
    demo = next(r for r in report["receipts"] if r["tool"] == "demo-tool")
    assert demo["fixed"] and demo["indexes"][0]["url"] == index.url
    assert demo["indexes"][0]["provider"].startswith("command")
    assert "token-A-0001" not in fixed.stdout + legacy.receipt("demo-tool")
    assert manager(legacy, "receipts").returncode == 0


def test_doctor_shows_which_provider_covers_each_index(legacy, index):
    legacy.uv_toml(f'index-url = "{index.url_with("token-B-0002")}"\n')
    result = manager(legacy, "doctor")
    assert result.returncode == 1  # the receipt still holds a stored credential
    assert "run `uv-shim receipts --fix`" in result.stdout
    assert f"index {index.url} -> provider: uv-config ({legacy.home}/.config/uv/uv.toml)" in result.stdout
    assert "token-B-0002" not in result.stdout and "token-A-0001" not in result.stdout


def test_doctor_reports_a_launcher_whose_real_uv_moved(sandbox, tmp_path):
    """uv reinstalled elsewhere: the launcher still names the old path, so every pass-through
    falls back to Python. doctor says so (it used to say "is current") and `setup` fixes it."""
    import shutil

    from shim import launcher_script

    old = tmp_path / "old-bin" / "uv"
    old.parent.mkdir()
    shutil.copy2(sandbox.real_uv, old)
    launcher_script.write(sandbox.shim_home, str(old))
    new = tmp_path / "new-bin" / "uv"
    new.parent.mkdir()
    old.rename(new)
    env = {"PATH": f"{sandbox.shim.parent}:{new.parent}:/usr/bin:/bin"}
    assert sandbox.uv("--version", env=env).returncode == 0  # still works, through Python

    result = manager(sandbox, "doctor", env=env)
    assert result.returncode == 1, result.stdout
    assert f"FAIL launcher {sandbox.shim} runs {old}, which no longer exists" in result.stdout
    assert f"run `uv-shim setup` (it will use {new})" in result.stdout
    assert "is current" not in result.stdout

    assert manager(sandbox, "setup", env=env).returncode == 0
    result = manager(sandbox, "doctor", env=env)
    assert result.returncode == 0 and "is current" in result.stdout, result.stdout
    assert f"real_uv={new}" in sandbox.shim.read_text()
