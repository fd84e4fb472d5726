"""The preflight's HTTP client against real servers on loopback: plain, TLS, and through a
real forward proxy (absolute-form GET for http, CONNECT for https)."""

import shutil
import ssl
import subprocess

import pytest

from shim import http_probe
from tests.support.index import PackageIndex
from tests.support.proxy import ForwardProxy


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (.ci/run installs it)")
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", directory / "key.pem",
                    "-out", directory / "cert.pem"], check=True, capture_output=True)
    return directory / "cert.pem", directory / "key.pem"


@pytest.fixture
def tls_index(certificate, monkeypatch):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server = PackageIndex(password="pw", tls=context)
    server.publish("demo-tool", "1.0")
    yield server
    server.close()


@pytest.fixture
def proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = ForwardProxy()
    yield server
    server.close()


def status(url, password="pw"):
    return http_probe.get_status(url + "demo-tool/", "aws", password, 5)


def test_plain_http(index, proxy):
    index.rotate("pw")
    index.publish("demo-tool", "1.0")
    assert status(index.url) == 200
    assert status(index.url, "wrong") == 401
    assert status(index.url + "nope/") == 404


def test_https_with_the_certificate_from_ssl_cert_file(tls_index, proxy):
    assert status(tls_index.url) == 200
    assert status(tls_index.url, "wrong") == 401


def test_through_a_proxy_and_no_proxy(index, tls_index, proxy, monkeypatch):
    index.rotate("pw")
    index.publish("demo-tool", "1.0")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("https_proxy", proxy.url)
    assert status(index.url) == 200
    assert status(tls_index.url) == 200
    assert [kind for kind, _ in proxy.seen] == ["GET", "CONNECT"]
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert status(index.url) == 200
    assert len(proxy.seen) == 2


def test_unreachable_raises_oserror(proxy):
    with pytest.raises(OSError):
        http_probe.get_status("http://127.0.0.1:9/simple/", "u", "p", 2)


@pytest.mark.parametrize("no_proxy, host, bypass", [("*", "a.com", True), (".example.com", "pkgs.example.com", True),
                                                     ("example.com", "example.com", True),
                                                     ("example.com", "badexample.com", False),
                                                     ("127.0.0.1:8080", "127.0.0.1", False)])
def test_no_proxy_rules(monkeypatch, no_proxy, host, bypass):
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert http_probe.bypass_proxy(host, 443) == bypass
