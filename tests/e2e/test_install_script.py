"""install.sh into a temporary prefix, with the real uv given or installed from the registry."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.uvbins import NEWEST, uv_binary

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def install(tmp_path, *args, path="/usr/bin:/bin"):
    env = {"HOME": str(tmp_path / "home"), "PATH": f"{os.path.dirname(os.path.realpath(os.sys.executable))}:{path}"}
    return subprocess.run(["sh", str(ROOT / "install.sh"), "--prefix", str(tmp_path / "prefix"), *args],
                          env=env, capture_output=True, text=True, timeout=600)


def test_install_twice_with_a_given_real_uv(tmp_path):
    real = uv_binary(NEWEST)
    first = install(tmp_path, "--real-uv", str(real))
    assert first.returncode == 0, first.stderr
    launcher = tmp_path / "prefix" / "bin" / "uv"
    content = launcher.read_bytes()
    assert subprocess.run([launcher, "--version"], capture_output=True, text=True).stdout.startswith(f"uv {NEWEST}")
    which = subprocess.run([tmp_path / "prefix" / "bin" / "uv-shim", "which"], capture_output=True, text=True,
                           env={"UV_SHIM_HOME": str(tmp_path / "prefix"), "PATH": "/usr/bin:/bin"})
    assert which.stdout.strip() == str(real)
    again = install(tmp_path, "--real-uv", str(real))
    assert again.returncode == 0, again.stderr
    assert launcher.read_bytes() == content


def test_install_refuses_the_shim_as_real_uv_and_unknown_options(tmp_path):
    real = uv_binary(NEWEST)
    assert install(tmp_path, "--real-uv", str(real)).returncode == 0
    result = install(tmp_path, "--real-uv", str(tmp_path / "prefix" / "bin" / "uv"))
    assert result.returncode == 1 and "is the shim itself" in result.stderr
    result = install(tmp_path, "--frobnicate")
    assert result.returncode == 1 and "unknown option --frobnicate" in result.stderr


def test_without_any_uv_the_registry_uv_becomes_the_real_uv(tmp_path):
    result = install(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "installing uv from the package registry" in result.stdout
    version = subprocess.run([tmp_path / "prefix" / "bin" / "uv", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("uv ")
