"""A PEP 503 package index on 127.0.0.1 with basic auth whose password can rotate."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .wheels import make_wheel


class PackageIndex:
    """Serve /simple/<project>/ and /files/<wheel>; require `username:password` unless public."""

    prefix = ""  # path before /simple/ and /files/

    def __init__(self, username="aws", password=None, host="127.0.0.1", tls=None):
        self.host = host
        self.scheme = "https" if tls else "http"
        self.uploads = []  # (filename, authorization header) per accepted upload
        self.username = username
        self.password = password  # None: a public index
        self.files = {}  # project -> {filename: bytes}
        self.requests = []  # (path, status, authorization header or None)
        self.lock = threading.Lock()
        self.file_delay = 0.0  # seconds to stall before serving a wheel (a slow upgrade)
        self.stalled = threading.Event()  # set when a wheel request is being stalled
        self.closing = threading.Event()
        self.redirect_to = None  # base URL: every GET is answered 302 to it + the same path
        handler = self._handler()
        self.server = (_ThreadingHTTPServer6 if ":" in host else ThreadingHTTPServer)((host, 0), handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        if tls:  # an ssl.SSLContext for the server side
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def netloc(self) -> str:
        """host:port as in a URL (an IPv6 literal in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.server.server_port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}/"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}/simple/"

    @property
    def upload_url(self) -> str:
        return f"{self.scheme}://{self.netloc}/legacy/"

    def url_with(self, password: str) -> str:
        return f"{self.scheme}://{self.username}:{password}@{self.netloc}/simple/"

    def publish(self, project: str, version: str) -> None:
        filename, data = make_wheel(project, version)
        with self.lock:
            self.files.setdefault(_normalize(project), {})[filename] = data

    def publish_wheel(self, project: str, filename: str, data: bytes) -> None:
        """Serve a wheel built elsewhere (tests/support/scanner.py) under `project`."""
        with self.lock:
            self.files.setdefault(_normalize(project), {})[filename] = data

    def rotate(self, password: str) -> None:
        self.password = password

    def authorizations(self) -> list:
        return [auth for _, _, auth in self.requests if auth]

    def served_to(self, password: str, path_part: str = "", since: int = 0) -> bool:
        """Whether a request (from the `since`-th on) whose path holds `path_part` was answered
        200 to `username:password` in basic auth."""
        header = "Basic " + base64.b64encode(f"{self.username}:{password}".encode()).decode()
        return any(status == 200 and auth == header and path_part in path
                   for path, status, auth in self.requests[since:])

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def _authorized(self, header) -> bool:
        if self.password is None:
            return True
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    def auth_failure(self, header):
        """None when `header` may read the index, else the HTTP status to answer."""
        return None if self._authorized(header) else 401

    def post(self, handler, path):
        """An upload endpoint (`uv publish`): /legacy/ with the same basic auth as the index."""
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if path.split("?", 1)[0] != "/legacy/":
            return handler._send(404, b"not found")
        failure = self.auth_failure(handler.headers.get("Authorization"))
        if failure:
            return handler._send(403 if failure == 401 else failure, b"forbidden")
        match = re.search(rb'filename="([^"]+)"', body)
        self.uploads.append((match.group(1).decode() if match else "?", handler.headers.get("Authorization")))
        return handler._send(200, b"OK")

    def _handler(self):
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", content_type="text/html"):
                index.requests.append((self.path, status, self.headers.get("Authorization")))
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="test index"')
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _path(self):
                # a proxy request carries the absolute URL: keep only its path
                path = re.sub(r"^[a-z]+://[^/]+", "", self.path).split("?", 1)[0]
                return path[len(index.prefix):] if path.startswith(index.prefix) else None

            def do_POST(self):
                return index.post(self, self.path)

            def do_GET(self):
                path = self._path()
                if index.redirect_to and path is not None:
                    index.requests.append((self.path, 302, self.headers.get("Authorization")))
                    self.send_response(302)
                    self.send_header("Location", index.redirect_to.rstrip("/") + path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path is None:
                    return self._send(404, b"not found")
                failure = index.auth_failure(self.headers.get("Authorization"))
                if failure:
                    return self._send(failure, b"unauthorized")
                if path.rstrip("/") == "/simple":
                    links = "".join(f'<a href="/simple/{p}/">{p}</a>\n' for p in sorted(index.files))
                    return self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode())
                match = re.fullmatch(r"/simple/([^/]+)/?", path)
                if match:
                    files = index.files.get(_normalize(match.group(1)))
                    if not files:
                        return self._send(404, b"not found")
                    links = "".join(
                        f'<a href="{index.prefix}/files/{html.escape(f)}#sha256={hashlib.sha256(d).hexdigest()}">{html.escape(f)}</a>\n'
                        for f, d in sorted(files.items())
                    )
                    return self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode())
                match = re.fullmatch(r"/files/([^/]+)", path)
                if match and index.file_delay:
                    index.stalled.set()
                    index.closing.wait(index.file_delay)
                if match:
                    for files in index.files.values():
                        if match.group(1) in files:
                            return self._send(200, files[match.group(1)], "application/octet-stream")
                return self._send(404, b"not found")

            do_HEAD = do_GET

        return Handler


class _ThreadingHTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
