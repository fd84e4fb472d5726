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


def test_system_install_under_umask_000_with_an_open_directory_first_on_path(tmp_path):
    """umask 000 makes nothing writable by others; --system never links into a PATH directory
    others can write, nor outside --root; the link goes to the first safe one."""
    real = uv_binary(NEWEST)
    root = tmp_path / "root"
    open_bin, safe_bin = root / "open-bin", root / "safe-bin"
    for directory in (open_bin, safe_bin, root / "etc/profile.d"):
        directory.mkdir(parents=True)
    open_bin.chmod(0o777)
    env = {"HOME": str(tmp_path / "home"),
           "PATH": f"{tmp_path}/outside-root:{open_bin}:{safe_bin}:{os.path.dirname(os.path.realpath(os.sys.executable))}"
                   ":/usr/bin:/bin"}
    (tmp_path / "outside-root").mkdir()
    prefix = tmp_path / "prefix"
    result = subprocess.run(["sh", "-c", 'umask 000; exec sh "$@"', "sh", str(ROOT / "install.sh"), "--system",
                             "--root", str(root), "--prefix", str(prefix), "--real-uv", str(real)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert os.readlink(safe_bin / "uv") == str(prefix / "bin" / "uv")
    assert not os.path.lexists(open_bin / "uv") and not os.path.lexists(tmp_path / "outside-root" / "uv")
    writable = [str(p) for top in (prefix, root / "etc") for p in [top, *top.rglob("*")]
                if not p.is_symlink() and p.stat().st_mode & 0o022]
    assert writable == []
    manager = prefix / "bin" / "uv-shim"
    for link_dir, why in ((open_bin, "is writable by everyone"), (tmp_path / "outside-root", "is outside --root")):
        refused = subprocess.run([manager, "shell", "install", "--system", "--prefix", prefix, "--root", root,
                                  "--link-dir", link_dir], env={**env, "UV_SHIM_HOME": str(prefix)},
                                 capture_output=True, text=True)
        assert refused.returncode == 1 and why in refused.stderr
        assert not os.path.lexists(link_dir / "uv")


def test_the_path_block_puts_only_the_shim_ahead_of_the_system(tmp_path):
    """The real uv's directory may be a venv holding python3 and pip: it goes behind /usr/bin."""
    from shim import shell

    venv_bin = tmp_path / "venv" / "bin"
    block = shell.render_block("bash", tmp_path / "shim" / "bin", [str(venv_bin)], tmp_path / "completions")
    (tmp_path / "block.sh").write_text(block)
    path = subprocess.run(["sh", "-c", f'. {tmp_path / "block.sh"}; printf %s "$PATH"'], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin"}).stdout
    assert path == f"{tmp_path}/shim/bin:/usr/bin:/bin:{venv_bin}"


def test_a_shared_prefix_keeps_everything_that_is_not_uv_shims(tmp_path):
    """`--prefix ~/.local`: the real uv and the user's own programs live in bin/ there."""
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "uv").write_bytes(b"\x7fELF the real uv")
    refused = install(tmp_path, "--real-uv", str(uv_binary(NEWEST)))
    assert refused.returncode == 1 and "is not uv-shim's (the real uv?)" in refused.stderr
    assert (prefix / "bin" / "uv").read_bytes() == b"\x7fELF the real uv"

    (prefix / "bin" / "uv").unlink()
    assert install(tmp_path, "--real-uv", str(uv_binary(NEWEST)), "--no-modify-path").returncode == 0
    (prefix / "bin" / "mytool").write_text("#!/bin/sh\n")
    (prefix / "venv" / "keep").write_text("")  # not ours either, but inside the venv uv-shim made
    (prefix / "share").mkdir()
    removed = install(tmp_path, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert (prefix / "bin" / "mytool").exists() and (prefix / "share").is_dir()
    assert not (prefix / "bin" / "uv").exists() and not (prefix / "venv").exists()
