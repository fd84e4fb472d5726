"""Every uv command that talks to an index, through the shim, after the tokens rotated:
a project with a named `[[tool.uv.index]]` on 127.0.0.1 and an unnamed `index-url` on
127.0.0.2, each with its own rotating password; `uv publish` to a loopback upload endpoint
that checks the credential; and `uvx`."""

import re
import shutil
import subprocess

import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST
from tests.support.wheels import make_wheel

pytestmark = pytest.mark.slow


@pytest.fixture
def corp():
    server = PackageIndex(password="corp-A", host="127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def other():
    server = PackageIndex(password="other-A", host="127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def project(tmp_path, corp, other):
    box = Sandbox(tmp_path, NEWEST)
    for index, name in ((corp, "corp-lib"), (corp, "demo-tool"), (other, "other-lib"), (other, "other-extra")):
        index.publish(name, "1.0")
    box.write("proj/pyproject.toml", f"""\
[project]
name = "demo-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["corp-lib", "other-lib"]

[tool.uv]
package = false
index-url = "{other.url}"

[[tool.uv.index]]
name = "corp"
url = "{corp.url}"
publish-url = "{corp.upload_url}"

[tool.uv.sources]
corp-lib = {{ index = "corp" }}
""")
    box.shim_config(f"""\
[[credential]]
url = "http://127.0.0.1:{corp.server.server_port}/"
provider = "command"
username = "aws"
{box.token_command("corp-A")}

[[credential]]
url = "http://127.0.0.2:{other.server.server_port}/"
provider = "env"
username = "aws"
password-env = "OTHER_TOKEN"
""")
    box.env["OTHER_TOKEN"] = "other-A"
    box.env["UV_PYTHON"] = BASE_PYTHON
    box.proj = tmp_path / "proj"
    return box


def rotate(box, corp, other, suffix):
    corp.rotate(f"corp-{suffix}")
    other.rotate(f"other-{suffix}")
    box.token_command(f"corp-{suffix}")
    box.env["OTHER_TOKEN"] = f"other-{suffix}"


def in_project(box, *args, shim=True):
    argv = [box.shim if shim else box.real_uv, "--directory", box.proj, *args]
    return box.run(argv)


def assert_no_secrets(text):
    assert not re.search(r"(corp|other)-[A-D]\b", text), text


def test_lock_sync_add_run_after_rotations(project, corp, other):
    box = project
    result = in_project(box, "lock")
    assert result.returncode == 0, result.stderr
    pyproject = (box.proj / "pyproject.toml").read_text()

    rotate(box, corp, other, "B")
    assert in_project(box, "sync", shim=False).returncode != 0  # the real uv alone has no credential
    result = in_project(box, "sync")
    assert result.returncode == 0, result.stderr

    rotate(box, corp, other, "C")
    result = in_project(box, "add", "other-extra")
    assert result.returncode == 0, result.stderr
    assert (box.proj / "pyproject.toml").read_text() != pyproject  # the dependency, and nothing else:
    assert "other-extra" in (box.proj / "pyproject.toml").read_text()

    rotate(box, corp, other, "D")
    result = in_project(box, "run", "python", "-c", "import corp_lib, other_lib, other_extra; print('ok')")
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr

    lock = (box.proj / "uv.lock").read_text()
    assert_no_secrets(lock + (box.proj / "pyproject.toml").read_text())
    assert "@127.0.0" not in lock


def test_pip_install_from_a_requirements_file(project, corp, other):
    box = project
    box.write("proj/requirements.txt", f"--index-url {other.url}\nother-lib\n")
    rotate(box, corp, other, "B")
    assert in_project(box, "venv").returncode == 0
    box.env["UV_PYTHON"] = str(box.proj / ".venv" / "bin" / "python")  # never the interpreter the tests run on
    result = in_project(box, "pip", "install", "-r", "requirements.txt")
    assert result.returncode == 0, result.stderr
    assert "other-lib" in in_project(box, "pip", "list").stdout


def test_publish_to_a_named_indexs_publish_url(project, corp, other):
    box = project
    rotate(box, corp, other, "B")
    filename, data = make_wheel("demo-app", "0.1.0")
    (box.proj / "dist").mkdir()
    (box.proj / "dist" / filename).write_bytes(data)
    result = in_project(box, "publish", "--index", "corp", f"dist/{filename}")
    assert result.returncode == 0, result.stderr
    assert [name for name, _ in corp.uploads] == [filename]
    assert_no_secrets(result.stdout + result.stderr)


def test_publish_keeps_credentials_the_user_gave(project, corp, other):
    box = project
    filename, data = make_wheel("demo-app", "0.1.0")
    (box.proj / "dist").mkdir()
    (box.proj / "dist" / filename).write_bytes(data)
    result = in_project(box, "publish", "--publish-url", corp.upload_url, "--username", "aws", "--password", "wrong",
                        f"dist/{filename}")
    assert result.returncode != 0 and corp.uploads == []


def test_uvx_goes_through_the_shim(project, corp, other):
    box = project
    rotate(box, corp, other, "B")
    result = box.run([box.shim_home / "bin" / "uvx", "--index-url", corp.url, "demo-tool"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demo-tool 1.0"


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_commands_that_never_reach_an_index_start_no_python(project):
    """`uv --version`, `uv cache dir` and the like are exec'd by the sh launcher itself."""
    box = project
    for argv in (["--version"], ["cache", "dir"], ["python", "list", "--only-installed"], ["tool", "list"],
                 ["self", "version"], ["help", "tool"]):
        traced = subprocess.run(["strace", "-f", "-e", "trace=execve", "-o", "/dev/stdout", box.shim, *argv],
                                env=box.env, capture_output=True, text=True)
        execs = [line for line in traced.stdout.splitlines() if "execve(" in line and "= 0" in line]
        assert execs and all("uv-shim-uv" not in line for line in execs), (argv, execs)
        assert str(box.real_uv) in execs[1]  # the launcher's next exec is the real uv


def test_doctor_shows_the_indexes_of_the_next_sync(project, corp, other):
    box = project
    result = box.run([box.shim_home / "bin" / "uv-shim", "doctor"], cwd=box.proj)
    assert f"`uv sync` in {box.proj}: settings from {box.proj / 'pyproject.toml'}" in result.stdout
    assert f"index {corp.url} (corp) from {box.proj / 'pyproject.toml'} -> provider: command (" in result.stdout
    assert f"index {other.url} from {box.proj / 'pyproject.toml'} -> provider: env (" in result.stdout
