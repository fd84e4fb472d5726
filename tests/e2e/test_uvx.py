"""The shim's `uvx` against the real `uvx` of the same uv release: same output, same exit code."""

import pytest

from shim import launcher_script
from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST, uvx_binary

pytestmark = pytest.mark.slow

CASES = [["--version"], ["-V"], ["--help"], ["-h"], [], ["--no-such-flag", "x"], ["--from"], ["--python"],
         ["--help", "--from", "x", "--with", "y", "-p", "3.12", "--isolated", "cmd"], ["help"]]


@pytest.fixture(scope="module", params=["0.4.26", NEWEST])
def boxes(request, tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp(f"uvx-{request.param}"), request.param)
    return box, uvx_binary(request.param)


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a) or "no-args")
def test_shim_uvx_behaves_like_uvx(boxes, args):
    box, real_uvx = boxes
    shim = box.run([box.shim_home / "bin" / "uvx", *args])
    real = box.run([real_uvx, *args])
    assert (shim.returncode, shim.stdout, shim.stderr) == (real.returncode, real.stdout, real.stderr)


def test_uvx_version_is_uvx(boxes):
    box, _ = boxes
    result = box.run([box.shim_home / "bin" / "uvx", "--version"])
    assert result.returncode == 0 and box.version in result.stdout
    assert "uv tool run" not in box.run([box.shim_home / "bin" / "uvx", "--help"]).stdout


def test_uv_without_the_uvx_entry_gets_tool_run(tmp_path):
    """uv before 0.2.22 has no `tool uvx`: the closest equivalent is `tool run`."""
    old = tmp_path / "uv"
    old.write_text("#!/bin/sh\necho 'uv 0.2.21'\n")
    old.chmod(0o755)
    assert launcher_script.uvx_command(str(old)) == "tool run"
    old.write_text("#!/bin/sh\necho 'uv 0.2.22 (abc 2024-07-01)'\n")
    assert launcher_script.uvx_command(str(old)) == "tool uvx"
    launcher_script.write(tmp_path / "home", str(old))
    assert 'tool uvx "$@"' in (tmp_path / "home" / "bin" / "uvx").read_text()
