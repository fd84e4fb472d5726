"""URLs as uv reads them, and the user's own credential stores next to the hand-off (issue 10).

- a percent-encoded password in uv.toml (`p%40ss` is `p@ss` on the wire, decoded once);
- a token as the only userinfo part (`http://TOKEN@host/`);
- an explicit default port and an upper-case host (zero-config CodeArtifact);
- a stale entry for a covered host in the user's ~/.netrc must not shadow the fresh credential
  (uv reads netrc before its `uv auth` store), and the user's own netrc and `uv auth` entries
  for other indexes keep working.
"""

import pytest

from tests.support.attack import TlsAuthority
from tests.support.codeartifact import FakeCodeArtifact
from tests.support.handoff import command_credential, make_box, uv_auth_login
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import FIRST_STORE, NEWEST

pytestmark = pytest.mark.slow

STALE, ENCODED_PASSWORD = "stale-0001", "p@ss/w:rd-2"


def legacy_install(tmp_path, url):
    legacy = Sandbox(tmp_path, "0.4.26")
    result = legacy.real("tool", "install", "--python", BASE_PYTHON, "--index-url", url, "demo-tool")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("via", ["shim", "plain-uv"])
@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_percent_encoded_password_in_uv_toml(tmp_path, index, version, via):
    """uv.toml: `index-url = "http://aws:p%40ss%2Fw%3Ard-2@host/simple/"`; the index's password is
    `p@ss/w:rd-2`. A receipt from uv 0.4.26 holds a stale token for the same index.

    Expected through the shim: `uv tool upgrade` installs 2.0 (the uv-config credential is
    decoded once, as uv does). On eb45844 the shim sends `p%40ss…` still encoded, the index
    refuses it and uv is not run (exit 1). Plain uv reads the same uv.toml for a fresh
    `uv tool install` and is let in.
    """
    index.rotate(STALE)
    index.publish("demo-tool", "1.0")
    encoded = "p%40ss%2Fw%3Ard-2"
    if via == "shim":
        legacy_install(tmp_path, index.url_with(STALE))
    index.rotate(ENCODED_PASSWORD)
    index.publish("demo-tool", "2.0")
    box = make_box(tmp_path, version)
    box.uv_toml(f'index-url = "{index.url_with(encoded)}"\n')

    if via == "shim":
        result = box.uv("tool", "upgrade", "demo-tool")
    else:
        result = box.real("tool", "install", "--python", BASE_PYTHON, "demo-tool")

    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0"
    assert STALE not in box.receipt("demo-tool") and ENCODED_PASSWORD not in box.receipt("demo-tool")


@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_token_as_the_only_userinfo_part(tmp_path, version):
    """uv.toml: `index-url = "http://NEWTOKEN@host/simple/"` (a token as user name, no password),
    a receipt from uv 0.4.26 holding `http://OLDTOKEN@host/simple/`.

    Expected: `uv tool upgrade` through the shim installs 2.0, no false "contains a space,
    quote or backslash" error, and the receipt is clean. Had it failed, the receipt would
    have to be as before. On eb45844: that false error, exit 2, after the receipt was
    stripped. Plain uv: a fresh install with that uv.toml works (checked first).
    """
    index = PackageIndex(username="tok-OLD-41", password="")
    try:
        index.publish("demo-tool", "1.0")
        legacy_install(tmp_path / "first", f"http://tok-OLD-41@{index.netloc}/simple/")
        index.username = "tok-NEW-42"
        index.publish("demo-tool", "2.0")

        plain = make_box(tmp_path / "plain", version)
        plain.uv_toml(f'index-url = "http://tok-NEW-42@{index.netloc}/simple/"\n')
        assert plain.real("tool", "install", "--python", BASE_PYTHON, "demo-tool").returncode == 0
        assert plain.tool_output("demo-tool") == "demo-tool 2.0"

        box = make_box(tmp_path / "first", version)
        box.uv_toml(f'index-url = "http://tok-NEW-42@{index.netloc}/simple/"\n')
        before = box.receipt("demo-tool")
        result = box.uv("tool", "upgrade", "demo-tool")

        assert "space, quote or backslash" not in result.stderr
        if result.returncode != 0:
            assert box.receipt("demo-tool") == before, "the receipt was changed before a failure"
        assert result.returncode == 0, result.stderr
        assert box.tool_output("demo-tool") == "demo-tool 2.0"
        assert "tok-OLD-41" not in box.receipt("demo-tool") and "tok-NEW-42" not in box.receipt("demo-tool")
    finally:
        index.close()


@pytest.mark.parametrize("via", ["shim", "plain-uv"])
@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_codeartifact_url_with_explicit_default_port_and_upper_case_host(tmp_path, version, via):
    """`--index-url https://CORP-TOOLS-111122223333.D.CODEARTIFACT.EU-WEST-1.AMAZONAWS.COM:443/pypi/tools/simple/`.

    Expected: zero-config CodeArtifact recognises the host and port as uv does (case-insensitive
    host, :443 is the default port), mints a token and the install works. Plain uv with
    `aws:TOKEN@` in that URL installs. (The stand-in is reached over real TLS through an
    intercepting proxy, so port 443 needs no privilege.)
    """
    ca = FakeCodeArtifact()
    try:
        ca.publish("demo-tool", "1.0")
        box = make_box(tmp_path, version)
        box.env.update(ca.env())
        host = ca.index_url.split("/")[2]
        url = ca.index_url.replace(host, host.upper() + ":443")
        if via == "plain-uv":
            ca.tokens["user-token"] = 4102444800.0
            url = url.replace("https://", "https://aws:user-token@")
        result = (box.uv if via == "shim" else box.real)("tool", "install", "--python", BASE_PYTHON,
                                                          "--index-url", url, "demo-tool")
        assert result.returncode == 0, result.stderr
        assert box.tool_output("demo-tool") == "demo-tool 1.0"
        if via == "shim":
            assert len(ca.calls) == 1
            for token in ca.tokens:
                assert token not in box.receipt("demo-tool")
    finally:
        ca.close()


@pytest.fixture
def authority(tmp_path):
    return TlsAuthority(tmp_path / "ca", hosts=("127.0.0.2",))


@pytest.fixture
def other(authority):
    """Another index of the user's, https (the `uv auth` store takes http only on 127.0.0.1/localhost)."""
    server = PackageIndex(password="other-secret", host="127.0.0.2", tls=authority.server_context())
    server.publish("other-tool", "1.0")
    yield server
    server.close()


@pytest.mark.parametrize("version", ["0.4.26", FIRST_STORE, NEWEST])
def test_stale_user_netrc_entry_for_a_covered_host(tmp_path, index, authority, other, version):
    """~/.netrc holds a stale password for the covered host (127.0.0.1) and a good one for another
    index (https://127.0.0.2); on uv 0.8.15+ the user also stored that other credential with
    `uv auth login`. A [[credential]] gives the fresh token
    for 127.0.0.1. `uv tool upgrade --all` through the shim.

    Expected: both tools upgrade: the stale netrc entry does not shadow the fresh credential
    (uv reads netrc before the store: the shim hands uv a netrc without the covered host), and
    the user's own entries for the other index still work. Passes on eb45844 (its merged netrc
    replaces the host's entry); kept so the new hand-off does not regress it.
    Baseline: see test_stale_user_netrc_entry_with_plain_uv.
    """
    index.rotate(STALE)
    index.publish("demo-tool", "1.0")
    legacy_install(tmp_path, index.url_with(STALE))
    box = make_box(tmp_path, version)
    box.env["SSL_CERT_FILE"] = str(authority.ca_cert)
    box.write("home/.netrc", f"machine 127.0.0.1 login aws password {STALE}\n"
                             "machine 127.0.0.2 login aws password other-secret\n")
    (box.home / ".netrc").chmod(0o600)
    if version != "0.4.26":
        uv_auth_login(box, other.origin, "aws", "other-secret")
    assert box.real("tool", "install", "--python", BASE_PYTHON, "--index-url", other.url, "other-tool").returncode == 0
    index.rotate("fresh-0002")
    index.publish("demo-tool", "2.0")
    other.publish("other-tool", "2.0")
    box.shim_config(command_credential(box, index.origin, "fresh-0002"))

    result = box.uv("tool", "upgrade", "--all")

    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 2.0", result.stderr
    assert box.tool_output("other-tool") == "other-tool 2.0", result.stderr
    assert (box.home / ".netrc").read_text().count("password") == 2  # the user's file is untouched


def test_stale_user_netrc_entry_with_plain_uv(tmp_path, index):
    """Baseline: plain uv 0.13.9 with the fresh credential stored by `uv auth login` and a stale
    ~/.netrc entry for the same host uses the stale one: "Nothing to upgrade", exit 0."""
    index.rotate(STALE)
    index.publish("demo-tool", "1.0")
    box = make_box(tmp_path, NEWEST)
    box.write("home/.netrc", f"machine 127.0.0.1 login aws password {STALE}\n")
    assert box.real("tool", "install", "--python", BASE_PYTHON, "--index-url", index.url, "demo-tool").returncode == 0
    index.rotate("fresh-0002")
    index.publish("demo-tool", "2.0")
    uv_auth_login(box, index.origin, "aws", "fresh-0002")

    result = box.real("tool", "upgrade", "demo-tool")

    assert result.returncode == 0 and "Nothing to upgrade" in result.stderr, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
