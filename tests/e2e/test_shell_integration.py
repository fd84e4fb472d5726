"""install.sh and real bash, zsh and fish: `uv` is the shim in every shell, whatever order
uv's own `~/.local/bin/env` line runs in; a second install changes nothing; --uninstall
restores every file byte for byte. (.ci/run installs zsh and fish when they are missing.)"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.uvbins import NEWEST, uv_binary

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    any(shutil.which(s) is None for s in ("bash", "zsh", "fish")), reason="needs bash, zsh and fish (.ci/run installs them)")]
ROOT = Path(__file__).resolve().parents[2]
SHELLS = ["bash", "zsh", "fish"]

# What uv's installer writes (uv 0.13): ~/.local/bin/env, sourced from the shell profiles.
UV_ENV_SH = """#!/bin/sh
# add binaries to PATH if they aren't added yet
# affix colons on either side of $PATH to simplify matching
case ":${PATH}:" in
    *:"$HOME/.local/bin":*)
        ;;
    *)
        # Prepending path in case a system-installed binary needs to be overridden
        export PATH="$HOME/.local/bin:$PATH"
        ;;
esac
"""
UV_ENV_FISH = """if not contains "$HOME/.local/bin" $PATH
    # Prepending path in case a system-installed binary needs to be overridden
    set -x PATH "$HOME/.local/bin" $PATH
end
"""
UV_LINE = '. "$HOME/.local/bin/env"\n'


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """One install of the Python environment for the module; each test gets its own HOME."""
    prefix = tmp_path_factory.mktemp("shim") / "prefix"
    home = tmp_path_factory.mktemp("home0")
    result = subprocess.run(["sh", ROOT / "install.sh", "--prefix", prefix, "--real-uv", uv_binary(NEWEST),
                             "--no-modify-path"], env=base_env(home), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return prefix


def base_env(home, path="/usr/local/bin:/usr/bin:/bin"):
    python_dir = os.path.dirname(os.path.realpath(os.sys.executable))
    return {"HOME": str(home), "PATH": f"{path}:{python_dir}", "TERM": "dumb", "LANG": "C.UTF-8"}


@pytest.fixture
def home(tmp_path, prefix):
    """A fresh HOME where uv's installer put the real uv in ~/.local/bin."""
    (prefix / "created-files").unlink(missing_ok=True)
    home = tmp_path / "home"
    (home / ".local/bin").mkdir(parents=True)
    shutil.copy(uv_binary(NEWEST), home / ".local/bin/uv")
    (home / ".local/bin/env").write_text(UV_ENV_SH)
    return home


def install(home, prefix, *args):
    result = subprocess.run(["sh", ROOT / "install.sh", "--prefix", prefix, "--real-uv", home / ".local/bin/uv", *args],
                            env=base_env(home), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def add_uv_line(home, shell):
    if shell == "fish":
        conf = home / ".config/fish/conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "uv.env.fish").write_text(UV_ENV_FISH)
        return
    for name in {"bash": [".bashrc", ".profile"], "zsh": [".zshrc", ".zshenv"]}[shell]:
        path = home / name
        path.write_text((path.read_text() if path.exists() else "") + UV_LINE)


def which_uv(home, shell, login):
    if shell == "fish":
        argv = ["fish", "--login" if login else "--interactive", "-c", "command -s uv"]
    elif shell == "zsh":
        argv = ["zsh", "-i", "-l", "-c", "command -v uv"] if login else ["zsh", "-i", "-c", "command -v uv"]
    else:
        argv = ["bash", "-l" if login else "-i", "-c", "command -v uv"]
    result = subprocess.run(argv, env=base_env(home), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr


def snapshot(home) -> dict:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()
            and ".local/bin/uv" not in str(p)}


@pytest.mark.parametrize("order", ["uv line before", "uv line after", "no uv line"])
@pytest.mark.parametrize("shell", SHELLS)
def test_uv_is_the_shim_in_interactive_and_login_shells(home, prefix, shell, order):
    if order == "uv line before":
        add_uv_line(home, shell)
    install(home, prefix, "--shell", shell)
    if order == "uv line after":  # uv's installer ran again later and appended its line
        add_uv_line(home, shell)
    for login in (False, True):
        assert which_uv(home, shell, login) == str(prefix / "bin" / "uv"), (shell, order, login)


def test_second_install_changes_nothing_and_uninstall_restores_every_byte(home, prefix):
    (home / ".bashrc").write_text("# my bashrc\nalias ll='ls -l'\n")
    (home / ".zshrc").write_text("setopt autocd")  # no newline at the end
    add_uv_line(home, "fish")
    before = snapshot(home)
    install(home, prefix, "--shell", "all")
    once = snapshot(home)
    assert once != before
    assert "nothing changed" in install(home, prefix, "--shell", "all")
    assert snapshot(home) == once
    subprocess.run(["sh", ROOT / "install.sh", "--prefix", prefix, "--uninstall"], env=base_env(home),
                   capture_output=True, text=True, check=True)
    assert snapshot(home) == before
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_dir()) == [
        ".config", ".config/fish", ".config/fish/conf.d", ".local", ".local/bin"]


def test_shell_status_and_reinstall_move_the_block_after_a_shadowing_line(home, prefix):
    install(home, prefix, "--shell", "bash")
    with (home / ".bashrc").open("a") as handle:
        handle.write('export PATH="$HOME/.local/bin:$PATH"\n')
    env = {**base_env(home), "UV_SHIM_HOME": str(prefix)}
    doctor = subprocess.run(["bash", "-i", "-c", f"{prefix}/bin/uv-shim doctor"], env=env, capture_output=True,
                            text=True, stdin=subprocess.DEVNULL)
    assert doctor.returncode == 1
    lines = (home / ".bashrc").read_text().splitlines()
    assert f"{home}/.bashrc:{len(lines)}: export PATH=\"$HOME/.local/bin:$PATH\"" in doctor.stdout
    subprocess.run([prefix / "bin/uv-shim", "shell", "install", "--shell", "bash", "--prefix", prefix], env=env,
                   check=True, capture_output=True)
    assert which_uv(home, "bash", login=False) == str(prefix / "bin" / "uv")
    status = subprocess.run([prefix / "bin/uv-shim", "shell", "status", "--prefix", prefix], env=env,
                            capture_output=True, text=True)
    assert f"  current  {home}/.bashrc" in status.stdout


def test_system_install_into_a_temporary_root(tmp_path, prefix):
    """--system: links ahead of the real uv on PATH and /etc/profile.d; `sh -l` finds the shim."""
    root = tmp_path / "root"
    sbin, bin_ = root / "usr-local-sbin", root / "usr-local-bin"  # links stay under --root
    sbin.mkdir(parents=True)
    bin_.mkdir()
    shutil.copy(uv_binary(NEWEST), bin_ / "uv")  # images often copy uv to /usr/local/bin
    (root / "etc/profile.d").mkdir(parents=True)
    home = tmp_path / "home"
    home.mkdir()
    env = base_env(home, path=f"{sbin}:{bin_}:/usr/bin:/bin")
    result = subprocess.run(["sh", ROOT / "install.sh", "--system", "--root", root, "--prefix", prefix,
                             "--real-uv", bin_ / "uv"], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert os.readlink(sbin / "uv") == str(prefix / "bin" / "uv")
    assert (root / "etc/fish/conf.d/uv-shim.fish").exists()
    # A non-login shell finds the shim through the link; a login shell through profile.d too.
    assert subprocess.run(["sh", "-c", "command -v uv"], env=env, capture_output=True, text=True).stdout.strip() == \
        str(sbin / "uv")
    (home / ".profile").write_text(f'for i in {root}/etc/profile.d/*.sh; do . "$i"; done\n')  # as /etc/profile does
    login = subprocess.run(["sh", "-l", "-c", "command -v uv"], env=base_env(home, path=f"{bin_}:/usr/bin:/bin"),
                           capture_output=True, text=True)
    assert login.stdout.strip() == str(prefix / "bin" / "uv")
    removed = subprocess.run(["sh", ROOT / "install.sh", "--system", "--root", root, "--prefix", prefix,
                              "--uninstall"], env=env, capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    assert not (sbin / "uv").is_symlink() and not (root / "etc/profile.d/uv-shim.sh").exists()
    assert (bin_ / "uv").exists()


def test_completions(home, prefix):
    install(home, prefix, "--shell", "all")
    bash = subprocess.run(["bash", "-i", "-c", 'complete -p uv-shim; COMP_WORDS=(uv-shim ""); COMP_CWORD=1; '
                           '_uv_shim; echo "${COMPREPLY[*]}"'], env=base_env(home), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert "complete -F _uv_shim uv-shim" in bash.stdout
    assert "doctor receipts which credentials shell setup" in bash.stdout
    fish = subprocess.run(["fish", "-c", "complete -C 'uv-shim '"], env=base_env(home), capture_output=True, text=True)
    assert {"doctor", "receipts", "which", "credentials", "shell", "setup"} <= {
        line.split("\t")[0] for line in fish.stdout.splitlines()}
    zsh = subprocess.run(["zsh", "-i", "-c", "autoload -Uz compinit && compinit -u && source ~/.zshrc && "
                          "print ${_comps[uv-shim]}"], env=base_env(home), capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    assert zsh.stdout.strip().endswith("_uv-shim")


def test_uvs_own_completion_passes_through(home, prefix):
    install(home, prefix, "--shell", "bash")
    through = subprocess.run([prefix / "bin/uv", "generate-shell-completion", "bash"], capture_output=True, text=True)
    direct = subprocess.run([home / ".local/bin/uv", "generate-shell-completion", "bash"], capture_output=True,
                            text=True)
    assert through.returncode == 0 and through.stdout == direct.stdout
