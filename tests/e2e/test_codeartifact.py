"""CodeArtifact with zero configuration: real boto3 and real uv against the loopback
CodeArtifact (tests/support/codeartifact.py: no real AWS is reachable here)."""

import concurrent.futures
import json

import pytest

from tests.support.codeartifact import DUALSTACK_HOST, HOST, FakeCodeArtifact
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow


@pytest.fixture
def ca():
    server = FakeCodeArtifact()
    server.publish("demo-tool", "1.0")
    yield server
    server.close()


def make_box(tmp_path, ca, version=NEWEST):
    box = Sandbox(tmp_path, version)
    box.env.update(ca.env())
    return box


def manager(box, *args, **kwargs):
    return box.run([box.shim_home / "bin" / "uv-shim", *args], **kwargs)


@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_install_expire_upgrade_with_one_aws_call_per_token_life(tmp_path, ca, version):
    box = make_box(tmp_path, ca, version)
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert len(ca.calls) == 1
    assert ca.calls[0]["domain"] == "corp-tools" and ca.calls[0]["domain-owner"] == "111122223333"

    ca.expire_all()  # the cached token now gets 404, as CodeArtifact answers an expired token
    ca.publish("demo-tool", "2.0")
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    assert len(ca.calls) == 2  # refreshed once

    ca.publish("demo-tool", "3.0")
    result = box.uv("tool", "upgrade", "--all")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 3.0"
    assert len(ca.calls) == 2  # within the token's life: no AWS call

    receipt = box.receipt("demo-tool")
    for token in ca.tokens:
        assert token not in receipt and token not in result.stderr + result.stdout
    cache = list((box.home / ".cache" / "uv-shim").glob("*.json"))
    assert len(cache) == 1 and oct(cache[0].stat().st_mode & 0o777) == oct(0o600)
    assert oct(cache[0].parent.stat().st_mode & 0o777) == oct(0o700)


def test_legacy_receipt_with_expired_token_on_uv_0_4_26(tmp_path, ca):
    box = make_box(tmp_path, ca, "0.4.26")
    token = "legacy-token-0001"
    ca.tokens[token] = 4102444800.0
    url = ca.index_url.replace("https://", f"https://aws:{token}@")
    assert box.real("tool", "install", "--python", BASE_PYTHON, "--index-url", url, "demo-tool").returncode == 0
    assert token in box.receipt("demo-tool")
    ca.expire_all()
    ca.publish("demo-tool", "2.0")
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    assert token not in box.receipt("demo-tool")
    assert len(ca.calls) == 1


def test_eight_shims_with_an_empty_cache_make_one_aws_call(tmp_path, ca):
    box = make_box(tmp_path, ca)
    assert box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool").returncode == 0
    assert manager(box, "credentials", "--clear").returncode == 0
    calls_before = len(ca.calls)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: box.uv("tool", "upgrade", "--all"), range(8)))
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    assert len(ca.calls) - calls_before == 1


def test_credentials_command_shows_state_never_the_token(tmp_path, ca):
    box = make_box(tmp_path, ca)
    shown = manager(box, "credentials", ca.index_url)
    assert "provider: codeartifact (zero configuration: recognised from the URL)" in shown.stdout
    assert "source: codeartifact corp-tools-111122223333 in eu-west-1" in shown.stdout
    assert f"credential scope: https://{HOST}/\n" in shown.stdout
    assert "cache: empty" in shown.stdout
    assert box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool").returncode == 0
    shown = manager(box, "credentials", ca.index_url)
    assert "cache: fresh" in shown.stdout
    listed = manager(box, "credentials")
    assert "provider=codeartifact, domain=corp-tools" in listed.stdout
    for token in ca.tokens:
        assert token not in shown.stdout + listed.stdout
    cleared = manager(box, "credentials", "--clear")
    assert "removed 1 cached token" in cleared.stdout
    assert "cache: empty" in manager(box, "credentials", ca.index_url).stdout


def install_fails(box, ca, url=None):
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", url or ca.index_url, "demo-tool")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not box.receipt_path("demo-tool").exists()
    return result.stderr


def test_access_denied_names_the_two_iam_actions(tmp_path, ca):
    box = make_box(tmp_path, ca)
    ca.errors = [(403, "AccessDeniedException")]
    err = install_fails(box, ca)
    assert "codeartifact:GetAuthorizationToken" in err and "sts:GetServiceBearerToken" in err


def test_unknown_domain(tmp_path, ca):
    box = make_box(tmp_path, ca)
    err = install_fails(box, ca, ca.index_url.replace("corp-tools-", "nope-"))
    assert "CodeArtifact domain nope (owner 111122223333, eu-west-1) does not exist" in err


def test_throttling_is_retried_then_reported(tmp_path, ca):
    box = make_box(tmp_path, ca)
    ca.errors = [(429, "ThrottlingException")] * 2
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert len(ca.calls) == 3
    ca.errors = [(429, "ThrottlingException")] * 20
    assert manager(box, "credentials", "--clear").returncode == 0
    result = box.uv("tool", "upgrade", "demo-tool")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "kept throttling" in result.stderr and "wait a minute" in result.stderr
    assert len(ca.calls) == 3 + 3  # bounded: three attempts, then a message
    assert box.tool_output("demo-tool") == "demo-tool 1.0"


def test_no_aws_credentials(tmp_path, ca):
    box = make_box(tmp_path, ca)
    del box.env["AWS_ACCESS_KEY_ID"], box.env["AWS_SECRET_ACCESS_KEY"]
    err = install_fails(box, ca)
    assert "no AWS credentials found" in err and "aws sso login" in err
    assert ca.calls == []


def test_expired_sso_session_says_aws_sso_login(tmp_path, ca):
    box = make_box(tmp_path, ca)
    del box.env["AWS_ACCESS_KEY_ID"], box.env["AWS_SECRET_ACCESS_KEY"]
    box.write("home/.aws/config", "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
              "sso_role_name = Reader\nregion = eu-west-1\n\n[sso-session corp]\n"
              "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool",
                    env={"AWS_PROFILE": "dev"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "SSO session" in result.stderr and "aws sso login --profile dev" in result.stderr


def test_explicit_config_with_profile_and_duration(tmp_path, ca):
    box = make_box(tmp_path, ca)
    del box.env["AWS_ACCESS_KEY_ID"], box.env["AWS_SECRET_ACCESS_KEY"]
    box.write("home/.aws/credentials", "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\n")
    box.shim_config(f'[[credential]]\nurl = "https://{ca.index_url.split("/")[2]}/"\nprovider = "codeartifact"\n'
                    'profile = "dev"\nduration-seconds = 900\n')
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert ca.calls[0]["duration"] == "900"
    cache = json.loads(next((box.home / ".cache" / "uv-shim").glob("*.json")).read_text())
    assert cache["profile"] == "dev"


def test_absent_package_is_not_taken_for_a_refused_token(tmp_path, ca):
    """CodeArtifact answers 404 for both; the readable index root tells them apart."""
    box = make_box(tmp_path, ca)
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "no-such-tool")
    assert "uv-shim: error" not in result.stderr
    assert result.returncode != 0 and "no-such-tool" in result.stderr  # uv's own "not found"
    assert len(ca.calls) == 1  # the token was accepted: no refresh


def test_role_from_config_is_assumed_with_sts_before_the_token_request(tmp_path, ca):
    box = make_box(tmp_path, ca)
    role = "arn:aws:iam::111122223333:role/pkg-reader"
    box.shim_config(f'[[credential]]\nurl = "https://{ca.index_url.split("/")[2]}/"\nprovider = "codeartifact"\n'
                    f'role-arn = "{role}"\n')
    result = box.uv("tool", "install", "--python", BASE_PYTHON, "--index-url", ca.index_url, "demo-tool")
    assert result.returncode == 0, result.stderr
    assert [(a["Action"], a["RoleArn"], a["RoleSessionName"]) for a in ca.assumed] == [("AssumeRole", role, "uv-shim")]
    assert ca.calls[0]["signed-by"] == "ASIAASSUMEDROLE0001"  # the token request used the role's keys
    cache = next((box.home / ".cache" / "uv-shim").glob("*.json"))
    assert "pkg-reader" in cache.name


def test_dual_stack_host_with_zero_configuration_shares_the_domain_token(tmp_path):
    """`DOMAIN-OWNER.codeartifact.REGION.on.aws`: recognised, and the token of the domain is the
    one cached for the classic host (one AWS call for both)."""
    classic, dual = FakeCodeArtifact(), FakeCodeArtifact(host=DUALSTACK_HOST)
    try:
        dual.tokens = classic.tokens  # one AWS account: a token is good on both hosts
        classic.publish("demo-tool", "1.0")
        dual.publish("other-tool", "1.0")
        box = make_box(tmp_path, classic)
        assert box.uv(*box.install_args("demo-tool", classic.index_url)).returncode == 0
        box.env.update(dual.env())
        box.env["AWS_ENDPOINT_URL_CODEARTIFACT"] = classic.endpoint
        result = box.uv(*box.install_args("other-tool", dual.index_url))
        assert result.returncode == 0, result.stderr
        assert box.tool_output("other-tool") == "other-tool 1.0"
        assert len(classic.calls) == 1 and dual.calls == []
        assert dual.proxy.hosts() == [DUALSTACK_HOST]
        shown = manager(box, "credentials", dual.index_url).stdout
        assert "provider: codeartifact (zero configuration" in shown and "cache: fresh" in shown
    finally:
        classic.close()
        dual.close()


def test_no_token_for_plain_http(tmp_path, ca):
    box = make_box(tmp_path, ca)
    err = install_fails(box, ca, ca.index_url.replace("https://", "http://"))
    assert "refusing to send a CodeArtifact token over plain http" in err and "use the https://" in err
    assert ca.calls == []
