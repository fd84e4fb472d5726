"""The status code of one authenticated GET, with proxies from the environment.

Only the status line is read. This is a few dozen lines instead of urllib.request
because importing urllib.request (http.client, email) costs about 12 ms, which every
`uv tool upgrade` would pay. Redirects are never followed (the credential must not
reach another host); TLS uses the default context (SSL_CERT_FILE/SSL_CERT_DIR apply).
"""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import unquote, urlsplit


def _env(name: str) -> str:
    return os.environ.get(name.lower()) or os.environ.get(name.upper()) or ""


def bypass_proxy(host: str, port: int) -> bool:
    """NO_PROXY: comma-separated hosts or domain suffixes (`.example.com`, `example.com`), `*` for all."""
    for entry in (e.strip().lower() for e in _env("no_proxy").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry_host, _, entry_port = entry.partition(":")
        if entry_port and entry_port != str(port):
            continue
        entry_host = entry_host.lstrip(".")
        if host == entry_host or host.endswith("." + entry_host):
            return True
    return False


def proxy_for(scheme: str, host: str, port: int):
    proxy = _env(f"{scheme}_proxy") or _env("all_proxy")
    if not proxy or bypass_proxy(host, port):
        return None
    return urlsplit(proxy if "://" in proxy else "http://" + proxy)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _status_line(sock, until: bytes = b"\r\n") -> int:
    """Read up to `until` (the status line, or the whole head for CONNECT); return the status."""
    data = b""
    while until not in data and len(data) < 65536:
        chunk = sock.recv(1 if until == b"\r\n\r\n" else 1024)  # CONNECT: never read past the head
        if not chunk:
            break
        data += chunk
    parts = data.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise OSError("not an HTTP response")
    return int(parts[1])


def get_status(url: str, username: str, password: str, timeout: float, accept: str = "*/*") -> int:
    """Status of `GET url` with basic auth; raises OSError when the server cannot be reached."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = host if ":" not in host else f"[{host}]"
    if parts.port:
        host_header += f":{parts.port}"
    proxy = proxy_for(scheme, host.lower(), port)
    proxy_headers = ""
    if proxy is not None and proxy.username:
        proxy_headers = f"Proxy-Authorization: {_basic(unquote(proxy.username), unquote(proxy.password or ''))}\r\n"
    address = (proxy.hostname, proxy.port or 80) if proxy is not None else (host, port)
    sock = socket.create_connection(address, timeout=timeout)
    try:
        if scheme == "https":
            if proxy is not None:
                sock.sendall(f"CONNECT {host_header if parts.port else f'{host_header}:{port}'} HTTP/1.1\r\n"
                             f"Host: {host_header}\r\n{proxy_headers}\r\n".encode())
                status = _status_line(sock, until=b"\r\n\r\n")
                if status != 200:
                    raise OSError(f"proxy refused CONNECT ({status})")
            import ssl

            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        elif proxy is not None:
            target = f"{scheme}://{host_header}{target}"  # absolute form through an HTTP proxy
        else:
            proxy_headers = ""
        request = (f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\n"
                   f"Authorization: {_basic(username, password)}\r\n{proxy_headers if scheme == 'http' else ''}"
                   f"Accept: {accept}\r\nUser-Agent: uv-shim preflight\r\nConnection: close\r\n\r\n")
        sock.sendall(request.encode())
        return _status_line(sock)
    finally:
        sock.close()
