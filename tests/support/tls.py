"""Real TLS under the real registry host names, on loopback.

No cloud registry can be reached from the test machines, so uv reaches
`https://us-python.pkg.dev/...`, `https://pkgs.dev.azure.com/...` and the others through
HTTPS_PROXY pointing at `InterceptingProxy`: it accepts the CONNECT, answers the TLS
handshake with a certificate for that host name signed by a test CA (trusted through
SSL_CERT_FILE, which uv, Python's ssl and OpenSSL all honour), and relays the decrypted
requests to the plain loopback index (tests/support/index.py). uv checks the certificate
and the host name exactly as it would for the real registry.
"""

from __future__ import annotations

import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HOSTS = [
    "us-python.pkg.dev",
    "europe-west1-python.pkg.dev",
    "pkgs.dev.azure.com",
    "corp.pkgs.visualstudio.com",
    "gitlab.example.com",
    "corp-tools-111122223333.d.codeartifact.eu-west-1.amazonaws.com",
    "corp-tools-111122223333.codeartifact.eu-west-1.on.aws",
    "vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com",
    "pkgs.example.com",
]

_made = {}
_lock = threading.Lock()


def certificates() -> dict:
    """{"ca": path, "cert": path, "key": path}: a test CA and one leaf for every name in HOSTS
    (made once per test process with openssl; the test is skipped without openssl)."""
    with _lock:
        if _made:
            return _made
        if shutil.which("openssl") is None:
            pytest.skip("openssl is not installed (.ci/run installs it)")
        directory = Path(tempfile.mkdtemp(prefix="uv-shim-tls-"))

        def openssl(*args):
            subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, cwd=directory)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=uv-shim test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", "ca.key", "-out", "ca.pem")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=registry", "-keyout", "leaf.key",
                "-out", "leaf.csr")
        sans = ",".join(f"DNS:{host}" for host in HOSTS)
        (directory / "ext.cnf").write_text(f"subjectAltName={sans}\nbasicConstraints=critical,CA:FALSE\n"
                                           "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                           "extendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-sha256", "-extfile", "ext.cnf", "-out", "leaf.pem")
        _made.update(ca=directory / "ca.pem", cert=directory / "leaf.pem", key=directory / "leaf.key")
        return _made


class InterceptingProxy:
    """An HTTP proxy: CONNECT to any host is answered with TLS (the test certificate) and relayed
    to 127.0.0.1:`upstream_port` in clear; absolute-form plain http requests go there too."""

    def __init__(self, upstream_port: int):
        made = certificates()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(made["cert"], made["key"])
        self.ca = made["ca"]
        self.upstream_port = upstream_port
        self.seen = []  # ("CONNECT", "host:port") or ("GET", url)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                proxy.seen.append(("CONNECT", self.path))
                self.send_response(200, "Connection established")
                self.end_headers()
                try:
                    client = proxy.context.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                proxy._relay(client)
                self.close_connection = True

            def _plain(self):
                proxy.seen.append((self.command, self.path))
                upstream = socket.create_connection(("127.0.0.1", proxy.upstream_port), timeout=30)
                head = f"{self.command} {self.path} HTTP/1.1\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()
                                if k.lower() not in ("proxy-connection", "connection"))
                upstream.sendall((head + "Connection: close\r\n\r\n").encode())
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    upstream.sendall(self.rfile.read(length))
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    self.wfile.write(data)
                upstream.close()
                self.close_connection = True

            do_GET = do_HEAD = do_POST = _plain

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _relay(self, client) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        try:
            while True:
                ready = [client] if client.pending() else select.select([client, upstream], [], [], 30)[0]
                if not ready:
                    return
                for sock in ready:
                    try:
                        data = sock.recv(65536)
                    except ssl.SSLWantReadError:
                        continue
                    except (ssl.SSLError, OSError):
                        return
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        finally:
            upstream.close()
            try:
                client.close()
            except OSError:
                pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def env(self) -> dict:
        """Variables that send uv (and the shim's preflight) through this proxy, trusting the test CA."""
        return {"HTTPS_PROXY": self.url, "https_proxy": self.url, "HTTP_PROXY": self.url, "http_proxy": self.url,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
                "SSL_CERT_FILE": str(self.ca)}

    def hosts(self) -> list:
        return sorted({target.rsplit(":", 1)[0] for kind, target in self.seen if kind == "CONNECT"})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
