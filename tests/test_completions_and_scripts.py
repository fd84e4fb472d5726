import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shim.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def subcommands() -> set:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


@pytest.mark.parametrize("name", ["uv-shim.bash", "_uv-shim", "uv-shim.fish"])
def test_completion_files_offer_every_subcommand(name):
    text = (ROOT / "completions" / name).read_text()
    for command in subcommands():
        assert re.search(rf"\b{command}\b", text), (name, command)


@pytest.mark.parametrize("script", ["install.sh", "tests/run.sh"])
def test_shell_scripts_are_posix_and_shellcheck_clean(script):
    subprocess.run(["sh", "-n", str(ROOT / script)], check=True)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (.ci/run installs it)")
    result = subprocess.run(["shellcheck", "--shell=sh", str(ROOT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_generated_launcher_is_shellcheck_clean(tmp_path):
    from shim import launcher_script

    launcher = tmp_path / "uv"
    launcher.write_text(launcher_script.render("/usr/bin/uv", "/venv/bin/python", "/venv/bin/uv-shim-uv"))
    subprocess.run(["sh", "-n", str(launcher)], check=True)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (.ci/run installs it)")
    result = subprocess.run(["shellcheck", str(launcher)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_a_uv_inside_the_shims_own_environment_is_not_put_on_path(tmp_path, monkeypatch):
    """With no uv anywhere, install.sh installs uv into the shim's venv: the shell block must
    not put that venv (and its private python) on PATH."""
    from shim import shell

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    home = tmp_path / "shim"
    home.mkdir()
    shell.install(["bash"], home, str(home / "venv" / "bin" / "uv"), out=lambda line: None)
    text = (tmp_path / "home" / ".bashrc").read_text()
    assert "venv" not in text and f"{home}/bin" in text
    shell.install(["bash"], home, str(tmp_path / "home" / ".local" / "bin" / "uv"), out=lambda line: None)
    assert f"{tmp_path}/home/.local/bin" in (tmp_path / "home" / ".bashrc").read_text()
