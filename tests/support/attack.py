"""Servers an attacker would run, for the hand-off attack suite (tests/e2e/test_handoff_*.py).

`Harvester` is a package index that asks every request for credentials (401 without an
Authorization header) and accepts whatever it is sent: the strongest bait for a client that
holds a credential it should not send there. Every request line and Authorization header is
logged (`requests`, as in PackageIndex). `TlsAuthority` makes a private CA and a server
certificate for 127.0.0.1 with openssl, so uv trusts the server only through SSL_CERT_FILE.
"""

from __future__ import annotations

import base64
import shutil
import ssl
import subprocess
from pathlib import Path

from .index import PackageIndex


class Harvester(PackageIndex):
    """An index that demands credentials and takes any it is given."""

    def __init__(self, host="127.0.0.1", tls=None):
        super().__init__(username="any", password="any", host=host, tls=tls)

    def auth_failure(self, header):
        return None if header else 401


def credentials_sent(index: PackageIndex) -> list:
    """Every `user:password` the server was sent, decoded (other schemes as they came)."""
    sent = []
    for _, _, header in index.requests:
        if not header:
            continue
        kind, _, value = header.partition(" ")
        if kind.lower() == "basic":
            try:
                sent.append(base64.b64decode(value).decode("utf-8", "replace"))
                continue
            except ValueError:
                pass
        sent.append(header)
    return sent


def assert_never_sent(index: PackageIndex, *secrets: str) -> None:
    """`index` was never sent any of `secrets`, in any Authorization header."""
    leaked = [c for c in credentials_sent(index) if any(s in c for s in secrets)]
    assert not leaked, f"{index.origin} received the credential: {len(leaked)} request(s) {index.requests}"


class TlsAuthority:
    """A private CA (its certificate is the only trust root uv is given) and a server certificate."""

    def __init__(self, directory: Path, hosts=("127.0.0.1",)):
        if shutil.which("openssl") is None:
            import pytest

            pytest.skip("openssl is not installed (.ci/run installs it)")
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_cert = directory / "ca.pem"
        ca_key = directory / "ca-key.pem"
        self.cert, self.key = directory / "server.pem", directory / "server-key.pem"
        run = lambda *argv: subprocess.run(["openssl", *map(str, argv)], check=True, capture_output=True)  # noqa: E731
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=uv-shim test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", ca_key, "-out", self.ca_cert)
        csr = directory / "server.csr"
        run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}", "-keyout", self.key,
            "-out", csr)
        san = ",".join(f"IP:{h}" if h[0].isdigit() or ":" in h else f"DNS:{h}" for h in hosts)
        ext = directory / "server.ext"
        ext.write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        run("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
            "-extfile", ext, "-out", self.cert)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context
