"""The original report, end to end: a tool installed with token A, the token rotated to B,
`uv tool upgrade` through the shim installs the new version. Real uv binaries of each
receipt era, a real index on loopback, a real provider command."""

import pytest

from tests.support.sandbox import Sandbox
from tests.support.uvbins import VERSIONS

pytestmark = pytest.mark.slow

OLD, NEW = "token-A-0001", "token-B-0002"


@pytest.fixture(params=VERSIONS)
def box(request, tmp_path):
    return Sandbox(tmp_path, request.param)


def _install(box, index, public_index):
    index.publish("demo-tool", "1.0")
    public_index.publish("public-tool", "1.0")
    first = box.real(*box.install_args("demo-tool", index.url_with(OLD)))
    assert first.returncode == 0, first.stderr
    second = box.real(*box.install_args("public-tool", public_index.url))
    assert second.returncode == 0, second.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
    index.rotate(NEW)
    index.publish("demo-tool", "2.0")


def _assert_clean(box, before, tool="demo-tool"):
    """No credential left, and every other byte as uv wrote it at install time."""
    receipt = box.receipt(tool)
    for secret in (OLD, NEW, "****"):
        assert secret not in receipt
    assert receipt == before.replace(f"aws:{OLD}@", "").replace("aws:****@", "")


def test_without_the_shim_the_upgrade_does_not_happen(box, index, public_index):
    """The bug as users meet it, so the tests below prove the shim fixes something."""
    _install(box, index, public_index)
    result = box.real("tool", "upgrade", "demo-tool")
    if box.version == "0.4.26":
        assert result.returncode == 1 and "authentication" in result.stderr
    else:  # stale token, `****` or nothing: uv says "Nothing to upgrade" and exits 0
        assert result.returncode == 0 and "Nothing to upgrade" in result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"


def test_upgrade_named_tool_with_command_provider(box, index, public_index):
    _install(box, index, public_index)
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command(NEW)}\n")
    public_before = box.receipt("public-tool")
    before = box.receipt("demo-tool")

    result = box.uv("tool", "upgrade", "demo-tool")

    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    _assert_clean(box, before)
    assert NEW not in result.stdout + result.stderr
    assert box.receipt("public-tool") == public_before

    index.publish("demo-tool", "3.0")
    result = box.uv("tool", "upgrade", "--all")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 3.0"
    assert box.tool_output("public-tool") == "public-tool 1.0"
    _assert_clean(box, before)
    assert NEW not in result.stdout + result.stderr
    assert public_index.authorizations() == []


def test_upgrade_with_credentials_only_in_refreshed_uv_toml(box, index, public_index):
    _install(box, index, public_index)
    box.uv_toml(f'index-url = "{index.url_with(NEW)}"\n')
    before = box.receipt("demo-tool")

    result = box.uv("tool", "upgrade", "demo-tool")

    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    _assert_clean(box, before)


def test_wrong_token_is_an_error_and_uv_does_not_run(box, index, public_index):
    _install(box, index, public_index)
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command('token-C-wrong')}\n")

    result = box.uv("tool", "upgrade", "demo-tool")

    assert result.returncode == 1
    assert "refused the credential" in result.stderr
    assert "command `cat`" in result.stderr
    assert "token-C-wrong" not in result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
    assert "Updated" not in result.stderr  # uv was not run


def test_a_refusal_behind_a_moment_of_503_is_still_an_error(tmp_path, index, public_index):
    """The index answers 503 once (a restart, a rate limit), then refuses the token. uv retries
    the 503 (plain uv, the baseline: its next request is refused and it says "Nothing to
    upgrade", exit 0); the check retries it too, and says the token is refused."""
    from tests.support.uvbins import NEWEST

    box = Sandbox(tmp_path, NEWEST)
    _install(box, index, public_index)
    usual = index.auth_failure

    def once_503():
        answers = [503]
        index.auth_failure = lambda header: answers.pop(0) if answers else usual(header)

    once_503()
    seen = len(index.requests)
    plain = box.real("tool", "upgrade", "demo-tool")
    assert plain.returncode == 0 and "Nothing to upgrade" in plain.stderr
    assert [s for _, s, _ in index.requests[seen:]][:2] == [503, 401]  # uv retried the 503

    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command('token-C-wrong')}\n")
    once_503()
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 1, result.stderr
    assert "refused the credential" in result.stderr
    assert "token-C-wrong" not in result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
