"""Network parts on loopback for the preflight tests: a private CA, a capture proxy (plain or
TLS), a SOCKS5 proxy, a server that never answers and one that trickles a byte a second.
Every server stops by itself (bounded loops) and on close()."""

from __future__ import annotations

import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
from pathlib import Path


def make_ca(directory: Path):
    """A CA and a server certificate for 127.0.0.1/localhost signed by it: (ca.pem, cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        import pytest

        pytest.skip("openssl is not installed (.ci/run installs it)")
    run = lambda *a: subprocess.run(["openssl", *map(str, a)], check=True, capture_output=True)  # noqa: E731
    d = Path(directory)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=uv-shim test CA",
        "-keyout", d / "ca.key", "-out", d / "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", d / "key.pem", "-out", d / "csr.pem")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", d / "csr.pem", "-CA", d / "ca.pem", "-CAkey", d / "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", d / "ext.cnf", "-out", d / "cert.pem")
    return d / "ca.pem", d / "cert.pem", d / "key.pem"


def server_context(cert, key) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class _Listener:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closing = threading.Event()
        self.contacts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.contacts += 1
            threading.Thread(target=self._serve_safely, args=(conn,), daemon=True).start()

    def _serve_safely(self, conn):
        try:
            conn.settimeout(30)
            self.serve(conn)
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        self.closing.set()
        self.sock.close()


def _relay(a, b, seconds=30.0):
    """Copy both ways until one side closes (bounded)."""
    for _ in range(int(seconds * 10)):
        pending = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
        ready = pending or select.select([a, b], [], [], 0.1)[0]
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def _read_head(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data


class CaptureProxy(_Listener):
    """An HTTP forward proxy (optionally spoken to over TLS) that records every request head:
    `seen` holds (method, target, {header: value}). With `answer`, it answers that status
    itself instead of forwarding."""

    def __init__(self, tls: ssl.SSLContext = None, answer: int = None):
        self.tls, self.answer = tls, answer
        self.seen = []
        self.tls_failures = 0  # connections that did not speak TLS to a TLS proxy
        super().__init__()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        return f"{'https' if self.tls else 'http'}://{user}:{password}@127.0.0.1:{self.port}"

    def serve(self, conn):
        if self.tls:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                self.tls_failures += 1
                return
        head = _read_head(conn).decode("latin-1")
        lines = head.split("\r\n")
        method, target = (lines[0].split() + ["", ""])[:2]
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        self.seen.append((method, target, headers))
        if self.answer:
            conn.sendall(f"HTTP/1.1 {self.answer} Proxy Says No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(conn, upstream)
            upstream.close()
            return
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        keep = "".join(f"{k}: {v}\r\n" for k, v in headers.items()
                       if k.lower() not in ("proxy-authorization", "proxy-connection", "connection"))
        upstream.sendall(f"{method} {path} HTTP/1.1\r\n{keep}Connection: close\r\n\r\n".encode())
        _relay(conn, upstream)
        upstream.close()


class SocksProxy(_Listener):
    """A SOCKS5 proxy (RFC 1928/1929) that relays and records what each client asked:
    `seen` holds {"methods", "username", "password", "atyp", "host", "port"}."""

    def __init__(self, username: str = None, password: str = None):
        self.username, self.password = username, password
        self.seen = []
        super().__init__()

    def url(self, scheme="socks5", credentials="") -> str:
        return f"{scheme}://{credentials}127.0.0.1:{self.port}"

    def serve(self, conn):
        def read(n):
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    raise OSError("closed")
                data += chunk
            return data

        record = {}
        self.seen.append(record)
        version, count = read(2)
        if version != 5:
            record["version"] = version
            return
        record["methods"] = list(read(count))
        wanted = 2 if self.username is not None else 0
        if wanted not in record["methods"]:
            conn.sendall(b"\x05\xff")
            return
        conn.sendall(bytes([5, wanted]))
        if wanted == 2:
            read(1)
            record["username"] = read(read(1)[0]).decode()
            record["password"] = read(read(1)[0]).decode()
            ok = (record["username"], record["password"]) == (self.username, self.password)
            conn.sendall(b"\x01" + (b"\x00" if ok else b"\x01"))
            if not ok:
                return
        _, command, _, atyp = read(4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, read(4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, read(16))
        else:
            host = read(read(1)[0]).decode()
        (port,) = struct.unpack(">H", read(2))
        record.update(atyp=atyp, host=host, port=port)
        try:
            upstream = socket.create_connection((host, port), timeout=10)
        except OSError:
            conn.sendall(b"\x05\x05\x00\x01" + bytes(6))
            return
        conn.sendall(b"\x05\x00\x00\x01" + bytes(6))
        _relay(conn, upstream)
        upstream.close()


class SilentServer(_Listener):
    """Accepts connections and never says a word (until closed, at most 60 s)."""

    url_path = "/simple/"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.url_path}"

    def serve(self, conn):
        self.closing.wait(60)


class TrickleServer(SilentServer):
    """Answers one byte a second (at most 60 bytes), never finishing its status line in time."""

    def serve(self, conn):
        for byte in (b"HTTP/1.1 401 Unauthorized-and-slow-" + b"-" * 40)[:60]:
            if self.closing.wait(1.0):
                return
            conn.sendall(bytes([byte]))


class HangUpFirst(SilentServer):
    """Closes its first `drops` connections without a word (as a load balancer dropping a
    backend, or a reset), then relays every later one to `target` (host, port)."""

    def __init__(self, target: tuple, drops: int = 1, listen: bool = False):
        self.target, self.drops, self.listen = target, drops, listen  # listen: read what the client sent first
        self.lock, self.served = threading.Lock(), 0
        super().__init__()

    def serve(self, conn):
        with self.lock:  # (not `contacts`: a later accept may come before this thread runs)
            self.served += 1
            dropped = self.served <= self.drops
        if dropped:
            if self.listen:  # nothing unread (a CONNECT, a ClientHello): a clean close (EOF), not a reset
                conn.recv(65536)
            return  # closed unanswered (_serve_safely closes it)
        with socket.create_connection(self.target, timeout=10) as upstream:
            _relay(conn, upstream)
