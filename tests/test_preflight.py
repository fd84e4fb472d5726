"""The check before uv runs, against real servers on loopback: the credential only after the
server asks, one deadline for silent and trickling servers, proxies and NO_PROXY as uv, the
settings uv would use. End-to-end cases run plain uv first as the baseline."""

import time

import pytest

from shim import credentials, http_probe, preflight
from shim.errors import ShimError
from shim.providers import command as command_provider
from shim.providers.base import Credential
from tests.support.index import PackageIndex
from tests.support.netservers import (CaptureProxy, HangUpFirst, SilentServer, SocksProxy, TrickleServer, make_ca,
                                     server_context)
from tests.test_http_probe import PROXY_VARS

BOUND = 10.0  # a hang guard, not a timing test: the check itself has a 3 s deadline
SLACK = 30.0  # the deadline of in-process checks that are not about the deadline: a loaded CI
#               machine once spent 3 s between two loopback requests and a refusal became "late"


Supply = credentials.Supply


class Refreshing:
    """A provider module stand-in with a cache to drop (only `refresh` and messages are used)."""
    NAME = "refreshing"
    REJECTED_STATUSES = (401, 403, 404)

    def __init__(self, fresh):
        self.fresh, self.calls = fresh, 0

    def refresh(self, url, settings):
        self.calls += 1
        return Credential("aws", self.fresh)

    describe = staticmethod(lambda settings: "refreshing test provider")
    rejected_fix = staticmethod(lambda settings: "refresh it")


def supply(url, password="pw", provider=command_provider, package="demo-tool"):
    # The command prints the same password again when the check asks for a refresh.
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".token", delete=False) as handle:
        handle.write(password + "\n")
    s = Supply(credentials.Need(url, packages=[package] if package else []), provider,
               {"command": ["cat", handle.name], "username": "aws"})
    s.credential = Credential("aws", password)
    return s


def check(*supplies, environ=None, **network):
    preflight.check(list(supplies), http_probe.Network(environ or {}, **network))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, request):
    for name in PROXY_VARS + ("UV_OFFLINE", "UV_SYSTEM_CERTS", "UV_NATIVE_TLS"):
        monkeypatch.delenv(name, raising=False)
    if not request.node.get_closest_marker("deadline"):
        monkeypatch.setattr(preflight, "TIMEOUT", SLACK)


@pytest.fixture
def private(index):
    index.rotate("pw")
    index.publish("demo-tool", "1.0")
    return index


# ----- the credential only after the server asks ----------------------------------------------

def test_a_server_that_never_asks_never_gets_the_credential(public_index):
    public_index.publish("demo-tool", "1.0")
    check(supply(public_index.url))
    assert [(path, auth) for path, _, auth in public_index.requests] == [("/simple/demo-tool/", None)]


def test_unauthenticated_first_then_the_credential_on_401(private):
    check(supply(private.url))
    assert [(status, auth is not None) for _, status, auth in private.requests] == [(401, False), (200, True)]


def test_a_refused_credential_is_an_error(private, capsys, monkeypatch):
    monkeypatch.setenv("UV_SHIM_LOG", "debug")  # what went wrong, if it does not raise
    try:
        check(supply(private.url, "wrong"))
    except ShimError as exc:
        error = exc
    else:  # once seen in CI: say what the index answered and what was printed
        pytest.fail(f"no error; the index saw {[(p, s, a is not None) for p, s, a in private.requests]}, "
                    f"stderr {capsys.readouterr().err!r}")
    assert "refused the credential from command `cat` (HTTP 401)" in error.message
    seen = [(s, a is not None) for _, s, a in private.requests]
    assert seen[:2] == [(401, False), (401, True)] and seen[-1] == (401, True)  # refreshed once
    assert seen.count((401, True)) == 2  # (a request retried after a hang-up asks without it first)
    assert "wrong" not in error.message + error.fix


def test_403_without_a_credential_does_not_make_it_send_one(private):
    private.auth_failure = lambda header: None if header else 403  # forbids anonymous, never asks
    check(supply(private.url, "wrong"))  # not a refusal: the credential was never sent
    assert private.authorizations() == []


def test_provider_statuses_ask_for_the_credential_and_refresh_once(private):
    provider = Refreshing("pw")
    private.auth_failure = lambda header: None if private._authorized(header) else 404  # CodeArtifact-like
    stale = supply(private.url, "stale", provider)
    check(stale)
    assert provider.calls == 1 and stale.credential.password == "pw"
    assert [s for _, s, _ in private.requests][-1] == 200


@pytest.mark.parametrize("retries, refused", [(None, True), ("0", False)])
def test_a_connection_closed_unanswered_is_retried_as_uv_retries_it(private, capsys, retries, refused):
    """uv retries a request the server hung up on (UV_HTTP_RETRIES, default 3): so does the
    check, within its deadline; with UV_HTTP_RETRIES=0 neither does, and the check says so."""
    relay = HangUpFirst(("127.0.0.1", private.server.server_port), drops=1)
    relay.url_path = "/simple/"
    environ = {} if retries is None else {"UV_HTTP_RETRIES": retries}
    try:
        if refused:
            with pytest.raises(ShimError, match="refused the credential"):
                check(supply(relay.url, "wrong"), environ=environ)
        else:
            check(supply(relay.url, "wrong"), environ=environ)
            assert f"could not reach {relay.url} to check its credential; uv will try" in capsys.readouterr().err
    finally:
        relay.close()
    if refused:  # dropped, then 2 requests + 2 after the refresh (more if a loaded machine drops another)
        assert relay.contacts >= 5
    else:
        assert relay.contacts == 1  # no retry


def flaky(index, *statuses):
    """The index answers `statuses` to its next requests (a restart, a rate limit), then as before."""
    answers, usual = list(statuses), index.auth_failure
    index.auth_failure = lambda header: answers.pop(0) if answers else usual(header)


@pytest.mark.parametrize("status", [503, 502, 429, 408])
def test_a_status_uv_retries_is_retried_before_the_verdict(private, status, capsys, monkeypatch):
    """uv retries a 5xx, 408 or 429 answer (reqwest-retry's default_on_request_success): a
    refusal behind a moment of 503 is still a refusal, not a silent pass to uv's "Nothing to upgrade"."""
    flaky(private, status)
    monkeypatch.setenv("UV_SHIM_LOG", "debug")  # what went wrong, if it does not raise
    try:
        check(supply(private.url, "wrong"))
    except ShimError as exc:
        assert "refused the credential" in exc.message
    else:  # once seen in a clean-clone CI run: say what the index saw and what was printed
        pytest.fail(f"no error; the index saw {[(p, s, a is not None) for p, s, a in private.requests]}, "
                    f"stderr {capsys.readouterr().err!r}")
    assert [s for _, s, _ in private.requests][:3] == [status, 401, 401]


def test_an_index_that_keeps_answering_503_is_named(private, capsys):
    flaky(private, *[503] * 20)
    check(supply(private.url, "wrong"), environ={"UV_HTTP_RETRIES": "2"})
    assert len(private.requests) == 3  # 1 + UV_HTTP_RETRIES
    assert f"could not check {private.url}: it answered HTTP 503; uv will try" in capsys.readouterr().err


@pytest.mark.parametrize("value, expected", [("", 3), ("0", 0), ("1", 1), ("+1", 1), ("12", 3), ("\u00b2", 3),
                                             ("-1", 3), (" 2", 3), ("x", 3), ("4294967296", 3), ("1" * 5000, 3)])
def test_uv_http_retries_is_read_as_uv_reads_it(value, expected):
    """A u32 as Rust parses it (`+1` is 1); anything uv refuses (it then fails to start itself)
    leaves the default, and never stops the shim (`\u00b2` is a digit to Python, not to int())."""
    assert preflight._retries({"UV_HTTP_RETRIES": value}) == expected


# ----- one deadline ---------------------------------------------------------------------------

@pytest.mark.deadline
@pytest.mark.parametrize("server_type", [SilentServer, TrickleServer])
def test_silent_and_trickling_servers_are_bounded(server_type, private, capsys):
    server = server_type()
    try:
        started = time.monotonic()
        check(supply(server.url), supply(private.url))  # in parallel with a healthy index
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < BOUND
    err = capsys.readouterr().err
    assert err.count(f"could not check {server.url} within 3 s; uv will try") == 1
    assert private.authorizations()  # the healthy index was checked all the same


@pytest.mark.deadline
def test_one_line_for_every_late_index(capsys):
    servers = [TrickleServer(), SilentServer()]
    try:
        check(*(supply(s.url) for s in servers))
    finally:
        for s in servers:
            s.close()
    late = [line for line in capsys.readouterr().err.splitlines() if "within 3 s" in line]
    assert len(late) == 1 and all(s.url in late[0] for s in servers)


# ----- proxies and NO_PROXY ---------------------------------------------------------------------

@pytest.mark.parametrize("no_proxy, via_proxy", [("127.0.0.0/8", False), ("*,127.0.0.1", False),
                                                 ("localhost", False), ("127.0.0.1:1", True), ("", True)])
def test_no_proxy_on_the_wire(private, no_proxy, via_proxy, monkeypatch):
    proxy = CaptureProxy(answer=403)  # a proxy that would refuse: the false "index refused"
    url = private.url.replace("127.0.0.1", "localhost") if no_proxy == "localhost" else private.url
    try:
        check(supply(url), environ={"HTTP_PROXY": proxy.url, "NO_PROXY": no_proxy})
    finally:
        proxy.close()
    assert bool(proxy.seen) == via_proxy
    assert all("Authorization" not in headers for _, _, headers in proxy.seen)  # 403 is not "asking"
    assert bool(private.authorizations()) != via_proxy


def test_socks4_is_skipped_and_said_once(private, capsys):
    check(supply(private.url), supply(private.url.replace("/simple/", "/other/")),
          environ={"ALL_PROXY": "socks4://127.0.0.1:9"})
    err = capsys.readouterr().err
    assert err.count("credential not checked for") == 1 and "socks4" in err
    assert private.requests == []


def test_plain_http_to_a_remote_host_is_not_checked(capsys):
    check(supply("http://pkgs.example.com/simple/"))  # no connection attempted (no network here anyway)
    assert "credential not checked for http://pkgs.example.com/simple/" in capsys.readouterr().err


def test_offline_makes_no_request(private):
    check(supply(private.url), offline=True)
    assert private.requests == []


# ----- the settings uv would use ----------------------------------------------------------------

@pytest.mark.parametrize("args, environ, uv_toml, system, offline", [
    (["tool", "upgrade", "x"], {}, "", False, False),
    (["--system-certs", "tool", "upgrade", "x"], {}, "", True, False),
    (["tool", "upgrade", "--native-tls", "x"], {}, "", True, False),
    (["tool", "upgrade", "x"], {"UV_SYSTEM_CERTS": "1"}, "", True, False),
    (["tool", "upgrade", "x"], {"UV_NATIVE_TLS": "true"}, "", True, False),
    (["tool", "upgrade", "x"], {}, "native-tls = true\n", True, False),
    (["tool", "upgrade", "--no-system-certs", "x"], {"UV_SYSTEM_CERTS": "1"}, "system-certs = true\n", False, False),
    (["--offline", "tool", "upgrade", "x"], {}, "", False, True),
    (["tool", "upgrade", "x"], {"UV_OFFLINE": "1"}, "", False, True),
    (["tool", "upgrade", "x"], {}, "offline = true\n", False, True),
    (["tool", "upgrade", "--no-offline", "x"], {"UV_OFFLINE": "1"}, "", False, False),
])
def test_network_settings(tmp_path, args, environ, uv_toml, system, offline):
    (tmp_path / "uv.toml").write_text(uv_toml)
    network = preflight.network_settings(args, {**environ, "UV_CONFIG_FILE": str(tmp_path / "uv.toml")})
    assert (network.system_certs, network.offline) == (system, offline)


def test_uv_toml_proxy_settings_are_read(tmp_path):
    (tmp_path / "uv.toml").write_text('https-proxy = "http://conf:3128"\nno-proxy = ["corp.example"]\n')
    network = preflight.network_settings(["tool", "upgrade"], {"UV_CONFIG_FILE": str(tmp_path / "uv.toml"),
                                                               "HTTPS_PROXY": "http://env:1"})
    assert network.proxy_for("https", "pkgs.example.com").host == "conf"
    assert network.proxy_for("https", "x.corp.example") is None


# ----- end to end, plain uv first as the baseline ----------------------------------------------

def _covered(box, index):
    box.shim_config(f'[[credential]]\nurl = "{index.url}"\nprovider = "command"\nusername = "aws"\n'
                    f"{box.token_command('pw')}\n")


def _netrc_for(box, index):
    """Plain uv's credential, in a netrc (the shim's hand-off is the same kind of file)."""
    netrc = box.write("plain-netrc", "machine 127.0.0.1 login aws password pw\nmachine localhost login aws password pw\n")
    return {"NETRC": str(netrc)}


@pytest.mark.slow
def test_e2e_no_proxy_cidr_keeps_the_proxy_out(sandbox, private):
    box = sandbox
    proxy = CaptureProxy(answer=403)
    env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.0/8"}
    try:
        plain = box.real(*box.install_args("demo-tool", private.url), env={**env, **_netrc_for(box, private)})
        assert plain.returncode == 0, plain.stderr  # baseline: uv goes direct
        assert box.real("tool", "uninstall", "demo-tool").returncode == 0
        _covered(box, private)
        result = box.uv(*box.install_args("demo-tool", private.url), env=env)
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr
    assert proxy.seen == []  # neither uv nor the shim went through the proxy
    assert "refused" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("server_type", [SilentServer, TrickleServer])
def test_e2e_silent_or_trickling_index_then_uv_runs(sandbox, server_type):
    box = sandbox
    server = server_type()
    env = {"UV_HTTP_TIMEOUT": "2", "UV_HTTP_RETRIES": "0"}
    try:
        plain = box.real(*box.install_args("demo-tool", server.url), env=env, timeout=120)
        box.shim_config(f'[[credential]]\nurl = "{server.url}"\nprovider = "command"\nusername = "aws"\n'
                        f"{box.token_command('pw')}\n")
        result = box.uv(*box.install_args("demo-tool", server.url), env=env, timeout=120)
    finally:
        server.close()
    assert plain.returncode != 0  # baseline: plain uv gives up on it by itself
    assert result.stderr.count("within 3 s; uv will try") == 1
    assert result.returncode == plain.returncode  # uv ran and answered as plain uv does
    assert "demo-tool" in result.stderr.split("uv will try", 1)[1]  # uv's own message follows


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls_index(ca):
    _, cert, key = ca
    server = PackageIndex(password="pw", tls=server_context(cert, key))
    server.publish("demo-tool", "1.0")
    yield server
    server.close()


@pytest.mark.parametrize("hang_up_at", ["proxy", "index"])
def test_a_proxy_or_tls_index_hanging_up_is_retried_as_uv_retries_it(ca, tls_index, hang_up_at):
    """A proxy that closes a CONNECT unanswered, or an index that closes during the TLS
    handshake, is a connection error to uv (reqwest's is_connect), which it retries: so does the
    check (it said "could not reach" at once, the proxy case with a false "data past its answer")."""
    proxy = CaptureProxy()
    if hang_up_at == "proxy":
        relay = HangUpFirst(("127.0.0.1", proxy.port), listen=True)  # reads the CONNECT, closes
        environ = {"HTTPS_PROXY": f"http://127.0.0.1:{relay.port}", "SSL_CERT_FILE": str(ca[0])}
        url = tls_index.url
    else:
        relay = HangUpFirst(("127.0.0.1", tls_index.server.server_port), listen=True)  # reads the ClientHello
        environ = {"SSL_CERT_FILE": str(ca[0])}
        url = tls_index.url.replace(f":{tls_index.server.server_port}/", f":{relay.port}/")
    try:
        with pytest.raises(ShimError, match="refused the credential"):
            check(supply(url, "wrong"), environ=environ)
    finally:
        relay.close()
        proxy.close()
    assert relay.contacts >= 2
    assert [s for _, s, _ in tls_index.requests][:2] == [401, 401]


@pytest.mark.slow
@pytest.mark.parametrize("proxy_kind", ["https", "socks5", "socks5h"])
def test_e2e_tls_index_through_a_tls_or_socks_proxy(sandbox, tls_index, ca, proxy_kind):
    box = sandbox
    if proxy_kind == "https":
        proxy = CaptureProxy(tls=server_context(ca[1], ca[2]))
        env = {"HTTPS_PROXY": proxy.url_with("pu", "proxy-secret")}
    else:
        proxy = SocksProxy()
        env = {"ALL_PROXY": proxy.url(proxy_kind)}
    env["SSL_CERT_FILE"] = str(ca[0])
    try:
        plain = box.real(*box.install_args("demo-tool", tls_index.url), env={**env, **_netrc_for(box, tls_index)})
        assert plain.returncode == 0, plain.stderr  # baseline: uv goes through that proxy
        assert box.real("tool", "uninstall", "demo-tool").returncode == 0
        plain_contacts = len(proxy.seen)
        _covered(box, tls_index)
        tls_index.requests.clear()
        result = box.uv(*box.install_args("demo-tool", tls_index.url), env=env)
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr
    assert plain_contacts > 0 and len(proxy.seen) > plain_contacts  # the check went the same way
    assert tls_index.requests[0][2] is None and tls_index.requests[1][2] is not None  # unauthenticated first
    if proxy_kind == "https":
        assert proxy.tls_failures == 0 and all(m == "CONNECT" for m, _, _ in proxy.seen)


@pytest.mark.slow
def test_e2e_private_ca_without_ssl_cert_file(sandbox, tls_index):
    """uv trusts its bundled roots only: the check does the same, so it sends nothing and uv fails itself."""
    box = sandbox
    env = {"SSL_CERT_FILE": ""}
    plain = box.real(*box.install_args("demo-tool", tls_index.url), env=env)
    assert plain.returncode != 0
    _covered(box, tls_index)
    result = box.uv(*box.install_args("demo-tool", tls_index.url), env=env)
    assert result.returncode == plain.returncode
    assert f"could not reach {tls_index.url} to check its credential; uv will try" in result.stderr
    assert tls_index.authorizations() == []
