"""`uv tool upgrade --all` with one index that cannot be served (it refuses the credential, or
the provider cannot produce one): every other tool is upgraded, then each tool set aside is
named with its index, and the exit status is non-zero. Plain uv is the baseline: it upgrades
the other tools too. Real uv (0.4.26 and the newest), real indexes on loopback."""

import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow


@pytest.fixture
def good():
    server = PackageIndex(password="good-A", host="127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def bad():
    server = PackageIndex(password="bad-A", host="127.0.0.3")  # its own host: public_index is on 127.0.0.2
    yield server
    server.close()


@pytest.fixture(params=["0.4.26", NEWEST])
def box(request, tmp_path, good, bad, public_index):
    box = Sandbox(tmp_path, request.param)
    good.publish("good-tool", "1.0")
    bad.publish("bad-tool", "1.0")
    public_index.publish("public-tool", "1.0")
    for name, url in (("good-tool", good.url_with("good-A")), ("bad-tool", bad.url_with("bad-A")),
                      ("public-tool", public_index.url)):
        result = box.real(*box.install_args(name, url))
        assert result.returncode == 0, result.stderr
    for index, name in ((good, "good-tool"), (bad, "bad-tool"), (public_index, "public-tool")):
        index.publish(name, "2.0")
    good.rotate("good-B")
    bad.rotate("bad-B")
    return box


def versions(box):
    return {tool: box.tool_output(tool) for tool in ("good-tool", "bad-tool", "public-tool")}


def test_plain_uv_upgrades_the_other_tools(box, good, bad):
    """The baseline: fresh credential for the good index, a refused one for the bad (netrc)."""
    netrc = box.write("netrc", "machine 127.0.0.1 login aws password good-B\n"
                               "machine 127.0.0.3 login aws password wrong\n")
    # uv 0.4.26 stored the old tokens in the receipts (they win over netrc): clean them as the shim would
    for tool in ("good-tool", "bad-tool"):
        path = box.receipt_path(tool)
        path.write_text(path.read_text().replace("aws:good-A@", "").replace("aws:bad-A@", ""))
    result = box.real("tool", "upgrade", "--all", env={"NETRC": str(netrc)})
    print(box.version, result.returncode, result.stderr)
    assert versions(box) == {"good-tool": "good-tool 2.0", "bad-tool": "bad-tool 1.0",
                             "public-tool": "public-tool 2.0"}


def _config(box, good, bad, bad_command):
    box.shim_config(f"""\
[[credential]]
url = "{good.url}"
provider = "command"
username = "aws"
{box.token_command("good-B")}

[[credential]]
url = "{bad.url}"
provider = "command"
username = "aws"
command = {bad_command}
""")


@pytest.mark.parametrize("failure", ["refused", "provider fails"])
def test_all_upgrades_every_tool_it_can_and_names_the_others(box, good, bad, failure):
    wrong = box.write("secrets/other", "nope-token\n")
    command = f'["cat", "{wrong}"]' if failure == "refused" else '["sh", "-c", "echo vault sealed >&2; exit 3"]'
    _config(box, good, bad, command)

    result = box.uv("tool", "upgrade", "--all", env={"UV_SHIM_LOG": "debug"})
    print(result.stderr)

    assert result.returncode != 0, result.stderr
    assert versions(box) == {"good-tool": "good-tool 2.0", "bad-tool": "bad-tool 1.0",
                             "public-tool": "public-tool 2.0"}
    report = result.stderr[result.stderr.index("uv-shim: error: not upgraded"):]
    assert "bad-tool: " in report and bad.url in report and "good-tool" not in report
    assert ("refused the credential" in report) == (failure == "refused")
    assert ("exited with status 3" in report) == (failure == "provider fails")
    assert "fix: " in report
    for secret in ("good-B", "nope-token"):
        assert secret not in result.stdout + result.stderr


def test_all_with_every_index_refused_does_not_run_uv(box, good, bad):
    wrong = box.write("secrets/other", "nope-token\n")
    box.shim_config(f"""\
[[credential]]
url = "http://127.0.0.1:{good.server.server_port}/"
provider = "command"
command = ["cat", "{wrong}"]

[[credential]]
url = "http://127.0.0.3:{bad.server.server_port}/"
provider = "command"
command = ["cat", "{wrong}"]
""")
    assert box.real("tool", "uninstall", "public-tool").returncode == 0
    result = box.uv("tool", "upgrade", "--all")
    assert result.returncode == 1
    assert "good-tool: " in result.stderr and "bad-tool: " in result.stderr and "uv was not run" in result.stderr
    assert box.tool_output("good-tool") == "good-tool 1.0"
