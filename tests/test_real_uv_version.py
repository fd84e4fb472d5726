"""The real uv's version decides how credentials reach it: asked once per binary, never cached for a wrapper."""

import os

from shim import real_uv
from tests.support.uvbins import uv_binary


def test_a_binary_is_asked_once_and_a_new_binary_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    binary = tmp_path / "uv"
    binary.write_bytes(uv_binary("0.4.26").read_bytes())
    binary.chmod(0o755)
    assert real_uv.version(str(binary)) == (0, 4, 26)
    cache = tmp_path / "state" / "uv-shim" / "real-uv-version.json"
    assert cache.is_file() and os.stat(cache).st_mode & 0o077 == 0
    assert os.stat(tmp_path / "state" / "uv-shim").st_mode & 0o077 == 0
    binary.unlink()
    binary.write_bytes(uv_binary("0.13.9").read_bytes())  # `uv self update`: a new file
    binary.chmod(0o755)
    assert real_uv.version(str(binary)) == (0, 13, 9)


def test_a_wrapper_script_is_asked_every_time(tmp_path, monkeypatch):
    """asdf/mise-style wrappers run another uv per directory: a cached answer would be wrong."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    wrapper = tmp_path / "uv"
    (tmp_path / "version").write_text("0.8.0")
    wrapper.write_text(f'#!/bin/sh\necho "uv $(cat {tmp_path / "version"})"\n')
    wrapper.chmod(0o755)
    assert real_uv.version(str(wrapper)) == (0, 8, 0)
    (tmp_path / "version").write_text("0.13.9")
    assert real_uv.version(str(wrapper)) == (0, 13, 9)
    assert real_uv.version(str(tmp_path / "missing")) == (0,)


def test_dispatchers_of_version_managers_are_told_apart(tmp_path):
    from shim.real_uv import is_dispatcher

    binary = tmp_path / "uv-bin" / "uv"
    binary.parent.mkdir()
    binary.write_bytes(b"\x7fELF")
    assert not is_dispatcher(str(binary))
    (tmp_path / "mise").write_bytes(b"\x7fELF")
    (tmp_path / "shims").mkdir()
    (tmp_path / "shims" / "uv").symlink_to(tmp_path / "mise")       # mise: a link to `mise`
    assert is_dispatcher(str(tmp_path / "shims" / "uv"))
    (tmp_path / "proto" / "shims").mkdir(parents=True)
    (tmp_path / "proto" / "shims" / "uv").write_bytes(b"\x7fELF")   # proto: a copy in `shims`
    assert is_dispatcher(str(tmp_path / "proto" / "shims" / "uv"))
    script = tmp_path / "wrapper" / "uv"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexec uv \"$@\"\n")                 # asdf, pyenv-style wrappers
    assert is_dispatcher(str(script))
