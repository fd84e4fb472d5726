"""Attack: a credential scoped to one origin (scheme, host, port, path prefix) reaches another.

netrc matches by host only, and `UV_INDEX_<NAME>_*` by name; the attacker's server shares the
host (another port), reuses the name on the command line, or is where the covered index
redirects (another port, or from https to plain http). Every server logs each request and its
Authorization header; the token must reach only the covered origin. Each case also runs with
plain uv and the credential in the index URL, as the baseline.
"""

import pytest

from tests.support.attack import Harvester, TlsAuthority, assert_never_sent, credentials_sent
from tests.support.handoff import VIA, command_credential, make_box, run
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON
from tests.support.uvbins import FIRST_STORE, NEWEST

pytestmark = pytest.mark.slow

TOKEN = "corp-token-51d0e2"
ALL = ["0.4.26", "0.8.0", FIRST_STORE, NEWEST]


@pytest.fixture
def corp():
    server = PackageIndex(password=TOKEN)
    server.publish("demo-tool", "1.0")
    yield server
    server.close()


@pytest.fixture
def evil():
    server = Harvester()  # 127.0.0.1 too, another port
    server.publish("demo-tool", "6.6.6")
    yield server
    server.close()


def install(box, via, *index_args):
    return run(box, via, "tool", "install", "--python", BASE_PYTHON, *index_args, "demo-tool")


@pytest.mark.parametrize("command", ["uvx", "uv tool run"])
@pytest.mark.parametrize("version", ALL)
def test_pasted_uvx_index_reusing_a_covered_name(tmp_path, corp, evil, version, command):
    """`uvx --index corp=http://other/simple/ demo-tool` pasted from a web page, while the user's
    uv.toml names `corp` (covered by a [[credential]]).

    Expected: the command-line `corp` replaces the user's; the covered index is not in play and
    the pasted server never receives the token (uv runs, and fails there for want of
    credentials). On eb45844 UV_INDEX_CORP_* follow the name to the pasted server.
    Baseline (plain uv, token in the user's URL): see the test below.
    """
    box = make_box(tmp_path, version)
    box.uv_toml(f'[[index]]\nname = "corp"\nurl = "{corp.url}"\n')
    box.shim_config(command_credential(box, corp.origin, TOKEN))
    argv = [box.shim_home / "bin" / "uvx"] if command == "uvx" else [box.shim, "tool", "run"]

    result = box.run([*argv, "--index", f"corp={evil.url}", "demo-tool"])

    assert evil.requests, f"uv never asked the pasted index: {result.stderr}"
    assert_never_sent(evil, TOKEN)
    assert "uv-shim: error" not in result.stderr
    assert corp.requests == []


@pytest.mark.parametrize("version", ALL)
def test_pasted_uvx_index_with_plain_uv(tmp_path, corp, evil, version):
    """Baseline for the test above: plain `uv tool run --index corp=OTHER` with the token in the
    URL of the user's `corp`: the pasted index replaces it, nothing is sent there, the run fails."""
    box = make_box(tmp_path, version)
    box.uv_toml(f'[[index]]\nname = "corp"\nurl = "{corp.url_with(TOKEN)}"\n')

    result = box.real("tool", "run", "--index", f"corp={evil.url}", "demo-tool")

    assert evil.requests and result.returncode != 0
    assert_never_sent(evil, TOKEN)


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("version", ALL)
def test_second_index_on_the_same_host_another_port(tmp_path, corp, version, via):
    """`uv tool install --index-url C1 --extra-index-url C2`: both on 127.0.0.1, only C1 covered.

    Expected: C2 (a public index that logs every header) never receives the token.
    uv 0.8.16+ (the `uv auth` store holds http on 127.0.0.1): the token goes by URL, the
    install works. Older uv (0.8.15 takes only https there): netrc would cover the whole host,
    so uv is not run: exit 2, stderr names both indexes. On eb45844 the netrc entry for
    127.0.0.1 is sent to C2. Plain uv (token in C1's URL): installs, C2 gets nothing.
    """
    other = PackageIndex(password=None)
    try:
        box = make_box(tmp_path, version)
        if via == "shim":
            box.shim_config(command_credential(box, corp.origin, TOKEN))

        result = install(box, via, "--index-url", corp.url if via == "shim" else corp.url_with(TOKEN),
                         "--extra-index-url", other.url)

        assert_never_sent(other, TOKEN)
        if via == "plain-uv" or version == NEWEST:
            assert result.returncode == 0, result.stderr
            assert box.tool_output("demo-tool") == "demo-tool 1.0"
            assert other.requests  # uv asked it first, without credentials
        else:
            assert result.returncode == 2, result.stderr
            assert corp.origin.rstrip("/") in result.stderr and other.origin.rstrip("/") in result.stderr
            assert other.requests == [] and corp.requests == []
            assert not box.receipt_path("demo-tool").exists()
    finally:
        other.close()


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("form", ["index-url", "named"])
@pytest.mark.parametrize("version", ALL)
def test_redirect_to_another_port(request, tmp_path, corp, evil, version, form, via):
    """The covered index C1 answers every page with a 302 to C2 (same host, another port);
    the tool is installed with `--index-url C1` or `--index corp=C1`.

    Expected: uv follows the redirect and C2 never receives the token, on every version:
    the store (0.8.16+) and the URL (plain uv) are keyed by origin; where the shim hands the
    credential over host-wide (netrc) on older uv, uv must not send it across the redirect
    either. On eb45844 (netrc for 127.0.0.1) uv 0.8.0 and later send it to C2; uv 0.4.26 does
    not re-apply netrc after a redirect.
    """
    if via == "shim" and form == "index-url" and version in ("0.8.0", FIRST_STORE):
        # A documented limit (SECURITY.md): these uv versions can take an unnamed index's
        # credential only from netrc (0.8.15's store holds no http), which knows no port, and
        # they read it again after a redirect. Only the covered index itself can send uv there.
        request.applymarker(pytest.mark.xfail(strict=True, reason="netrc is host-wide on uv 0.8.0-0.8.15 for an "
                                                                  "unnamed http index"))
    corp.redirect_to = evil.origin
    box = make_box(tmp_path, version)
    if via == "shim":
        box.shim_config(command_credential(box, corp.origin, TOKEN))
    url = corp.url if via == "shim" else corp.url_with(TOKEN)

    result = install(box, via, *(["--index-url", url] if form == "index-url" else ["--index", f"corp={url}"]))

    assert any(status == 302 for _, status, _ in corp.requests), (result.stderr, corp.requests)
    assert evil.requests, f"uv did not follow the redirect: {result.stderr}"
    assert_never_sent(evil, TOKEN)


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return TlsAuthority(tmp_path_factory.mktemp("ca"))


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("version", ["0.4.26", FIRST_STORE, NEWEST])
def test_redirect_from_https_to_plain_http(tmp_path, authority, evil, version, via):
    """The covered index is https (a private CA, trusted through SSL_CERT_FILE) and redirects
    to plain http on the same host, another port.

    Expected: the token never crosses to plain http (uv 0.8.15+: the store holds the https
    service only; older uv: netrc must not follow the redirect either). The redirect is
    followed (the http server is asked). On eb45844 the host-wide netrc entry goes to http.
    """
    secure = PackageIndex(password=TOKEN, tls=authority.server_context())
    try:
        secure.publish("demo-tool", "1.0")
        box = make_box(tmp_path, version)
        box.env["SSL_CERT_FILE"] = str(authority.ca_cert)
        if via == "shim":
            box.shim_config(command_credential(box, secure.origin, TOKEN))
        secure.redirect_to = evil.origin  # (the shim's own check does not follow redirects)

        result = install(box, via, "--index-url", secure.url if via == "shim" else secure.url_with(TOKEN))

        assert secure.requests, f"the https index was never asked: {result.stderr}"
        assert evil.requests, f"uv did not follow the redirect: {result.stderr}"
        assert_never_sent(evil, TOKEN)
        assert all(TOKEN not in c for c in credentials_sent(evil))
    finally:
        secure.close()
