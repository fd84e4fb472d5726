"""The preflight's HTTP client: uv's proxy and NO_PROXY rules (decision functions, since only
loopback can be reached here) and the wire against real servers on loopback: plain, TLS with
a private CA, through an http, an https and a SOCKS5 proxy."""

import base64

import pytest

from shim import http_probe
from shim.http_probe import Deadline, Network, NoProxy, Skip
from tests.support.index import PackageIndex
from tests.support.netservers import CaptureProxy, SocksProxy, make_ca, server_context

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
              "NO_PROXY", "REQUEST_METHOD", "SSL_CERT_FILE", "SSL_CERT_DIR", "SSL_CLIENT_CERT")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


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


def status(url, environ, password="pw", **network):
    auth = None if password is None else http_probe.basic("aws", password)
    return http_probe.get_status(url + "demo-tool/", Network(environ, **network), Deadline(5), auth)


# ----- NO_PROXY as reqwest (hyper-util's matcher) reads it ----------------------------------

@pytest.mark.parametrize("no_proxy, host, bypass", [
    ("*", "pkgs.example.com", True),
    ("*", "10.1.2.3", False),  # `*` is a domain entry: IP hosts only match IP entries (as in reqwest)
    ("127.0.0.0/8", "127.0.0.1", True),  # CIDR
    ("127.0.0.0/8", "127.200.0.9", True),
    ("127.0.0.0/8", "128.0.0.1", False),
    ("10.0.0.0/8, 192.168.0.0/16", "192.168.4.4", True),  # spaces around entries
    ("127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1", "localhost", False),  # no name resolution
    ("::1", "::1", True),  # IPv6
    ("::1", "[::1]", True),
    ("fd00::/8", "fd12::5", True),
    ("fd00::/8", "fe80::1", False),
    ("[::1]", "::1", False),  # brackets make it a domain entry: never matches (as in uv)
    ("127.0.0.1:8080", "127.0.0.1", False),  # an entry with a port never matches (as in uv)
    ("example.com:443", "example.com", False),
    (".example.com", "pkgs.example.com", True),  # leading dot: subdomains
    (".example.com", "example.com", True),  # ... and the domain itself
    ("example.com", "pkgs.example.com", True),
    ("example.com", "badexample.com", False),
    ("EXAMPLE.com", "pkgs.example.COM", True),  # case-insensitive
    ("", "example.com", False),
    (",,", "example.com", False),
])
def test_no_proxy_matches_like_uv(no_proxy, host, bypass):
    assert NoProxy(no_proxy).matches(host) == bypass


# ----- which proxy, as uv chooses it ----------------------------------------------------------

@pytest.mark.parametrize("environ, scheme, expected", [
    ({"HTTPS_PROXY": "http://a:1", "https_proxy": "http://b:2"}, "https", "http://a:1"),  # upper case first
    ({"https_proxy": "http://b:2"}, "https", "http://b:2"),
    ({"HTTPS_PROXY": "", "https_proxy": "http://b:2", "ALL_PROXY": "http://c:3"}, "https", "http://c:3"),
    ({"ALL_PROXY": "http://c:3", "HTTP_PROXY": "http://a:1"}, "https", "http://c:3"),  # ALL for what is unset
    ({"ALL_PROXY": "http://c:3", "HTTP_PROXY": "http://a:1"}, "http", "http://a:1"),  # the specific one wins
    ({"HTTP_PROXY": "a:1"}, "http", "http://a:1"),  # no scheme: http
    ({"HTTP_PROXY": "socks5h://a"}, "http", "socks5h://a:1080"),
    ({"HTTP_PROXY": "https://a"}, "http", "https://a:443"),
    ({"HTTP_PROXY": "ftp://a:1"}, "http", None),  # not a proxy scheme: no proxy
    ({"HTTP_PROXY": "http://a:1", "REQUEST_METHOD": "GET"}, "http", None),  # CGI: no proxy at all
    ({"HTTPS_PROXY": "http://a:1", "NO_PROXY": "*"}, "https", None),
    ({"HTTPS_PROXY": "http://a:1", "NO_PROXY": "", "no_proxy": "*"}, "https", "http://a:1"),  # NO_PROXY set wins
])
def test_proxy_choice_like_uv(environ, scheme, expected):
    proxy = Network(environ).proxy_for(scheme, "pkgs.example.com")
    assert (None if proxy is None else f"{proxy.scheme}://{proxy.host}:{proxy.port}") == expected


def test_uv_toml_proxies_replace_the_environment():
    environ = {"HTTPS_PROXY": "http://env:1", "HTTP_PROXY": "http://env:1"}
    network = Network(environ, config_proxies={"https-proxy": "http://conf:2", "no-proxy": ["internal.example"]})
    assert network.proxy_for("https", "pkgs.example.com").host == "conf"
    assert network.proxy_for("https", "a.internal.example") is None
    assert network.proxy_for("http", "pkgs.example.com") is None  # only https-proxy set: http goes direct


def test_proxy_credentials_are_decoded():
    proxy = http_probe.parse_proxy("http://us%40er:p%3Ass@proxy:8080/ignored")
    assert (proxy.username, proxy.password, proxy.host, proxy.port) == ("us@er", "p:ss", "proxy", 8080)
    assert "p:ss" not in repr(proxy)


# ----- where a credential may travel ----------------------------------------------------------

@pytest.mark.parametrize("url, proxy, allowed", [
    ("https://pkgs.example.com/simple/", None, True),
    ("https://pkgs.example.com/simple/", "http://proxy.example.com:3128", True),  # CONNECT: TLS end to end
    ("http://pkgs.example.com/simple/", None, False),  # plain http, not loopback
    ("http://pkgs.example.com/simple/", "http://127.0.0.1:3128", False),  # leaves the machine after the proxy
    ("http://10.0.0.5/simple/", None, False),
    ("http://127.0.0.1:8080/simple/", None, True),
    ("http://127.3.4.5/simple/", None, True),
    ("http://[::1]:8080/simple/", None, True),
    ("http://localhost:8080/simple/", None, True),
    ("http://127.0.0.1:8080/simple/", "http://proxy.example.com:3128", False),
])
def test_credential_allowed(url, proxy, allowed):
    assert http_probe.credential_allowed(url, proxy and http_probe.parse_proxy(proxy)) == allowed


def test_refuses_to_send_a_credential_over_plain_http_to_a_remote_host():
    with pytest.raises(Skip):  # decided before any connection is made
        status("http://pkgs.example.com/simple/", {})


# ----- on the wire ----------------------------------------------------------------------------

def test_plain_http(index):
    index.rotate("pw")
    index.publish("demo-tool", "1.0")
    assert status(index.url, {}) == 200
    assert status(index.url, {}, "wrong") == 401
    assert status(index.url, {}, None) == 401
    assert [auth is None for _, _, auth in index.requests] == [False, False, True]


def test_https_with_the_private_ca_from_ssl_cert_file(tls_index, ca):
    environ = {"SSL_CERT_FILE": str(ca[0])}
    assert status(tls_index.url, environ) == 200
    assert status(tls_index.url, environ, "wrong") == 401


def test_https_with_ssl_cert_dir(tls_index, ca, tmp_path):
    (tmp_path / "any-name.pem").write_bytes(ca[0].read_bytes())  # uv reads every file, no hash names
    assert status(tls_index.url, {"SSL_CERT_DIR": str(tmp_path)}) == 200


@pytest.mark.parametrize("network", [{}, {"system_certs": True}])
def test_unknown_ca_is_refused_and_no_credential_is_sent(tls_index, network):
    with pytest.raises(OSError):  # certificate verify failed
        status(tls_index.url, {}, **network)
    assert tls_index.requests == []


def test_ssl_cert_file_that_cannot_be_read_trusts_nothing(tls_index, tmp_path):
    with pytest.raises(OSError):  # uv 0.11+: "No default certificates will be trusted"
        status(tls_index.url, {"SSL_CERT_FILE": str(tmp_path / "missing.pem")})


def test_default_roots_are_the_mozilla_list():
    bundle = http_probe.mozilla_bundle()
    assert bundle and bundle.endswith("cacert.pem")
    context = http_probe._tls_context({}, system_certs=False)
    assert context.cert_store_stats()["x509_ca"] > 100


def test_http_proxy_gets_absolute_form_and_its_credentials(index):
    index.rotate("pw")
    index.publish("demo-tool", "1.0")
    proxy = CaptureProxy()
    try:
        assert status(index.url, {"HTTP_PROXY": proxy.url_with("pu", "pp")}) == 200
        (method, target, headers), = proxy.seen
        assert method == "GET" and target == index.url + "demo-tool/"
        assert headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"pu:pp").decode()
    finally:
        proxy.close()


def test_https_proxy_is_spoken_to_over_tls(tls_index, ca):
    _, cert, key = ca
    proxy = CaptureProxy(tls=server_context(cert, key))
    try:
        environ = {"SSL_CERT_FILE": str(ca[0]), "HTTPS_PROXY": proxy.url_with("pu", "secret-proxy-pw")}
        assert status(tls_index.url, environ) == 200  # TLS to the proxy, CONNECT, TLS to the index inside
        (method, target, headers), = proxy.seen
        assert method == "CONNECT" and target == f"127.0.0.1:{tls_index.server.server_port}"
        assert headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"pu:secret-proxy-pw").decode()
        assert proxy.tls_failures == 0
    finally:
        proxy.close()


def test_https_proxy_with_an_unknown_certificate_gets_nothing(tls_index, ca):
    _, cert, key = ca
    proxy = CaptureProxy(tls=server_context(cert, key))
    try:
        with pytest.raises(OSError):  # the proxy's certificate is not trusted: no CONNECT, no credential
            status(tls_index.url, {"HTTPS_PROXY": proxy.url_with("pu", "secret-proxy-pw")})
        assert proxy.seen == []
    finally:
        proxy.close()


@pytest.mark.parametrize("scheme, atyp", [("socks5", 1), ("socks5h", 3)])
def test_socks5_proxy(tls_index, ca, scheme, atyp):
    socks = SocksProxy("su", "sp")
    try:
        environ = {"SSL_CERT_FILE": str(ca[0]), "ALL_PROXY": socks.url(scheme, "su:sp@")}
        url = tls_index.url.replace("127.0.0.1", "localhost")
        assert status(url, environ) == 200
        (record,) = socks.seen
        assert record["methods"] == [2] and (record["username"], record["password"]) == ("su", "sp")
        assert record["atyp"] == atyp  # socks5: resolved here; socks5h: the name goes to the proxy
        assert record["host"] == ("localhost" if scheme == "socks5h" else "127.0.0.1")
    finally:
        socks.close()


def test_socks4_is_not_spoken(index):
    with pytest.raises(Skip):
        status(index.url, {"HTTP_PROXY": "socks4://127.0.0.1:9"})


def test_unreachable_raises_oserror():
    with pytest.raises(OSError):
        http_probe.get_status("http://127.0.0.1:9/simple/", Network({}), Deadline(2))
