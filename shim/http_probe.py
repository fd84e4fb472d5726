"""One GET, with uv's network rules: its proxies, its NO_PROXY, its trust roots, one deadline.

Only the status line is read. This is a small client instead of urllib.request because
importing urllib.request (http.client, email) costs about 12 ms, which every
`uv tool upgrade` would pay; `ssl` is imported only when a TLS connection is made.
Redirects are never followed (the credential must not reach another host).

The rules are uv's (reqwest 0.13 over hyper-util's proxy matcher, read at uv 0.12.5):
- Proxies: `HTTP_PROXY` else `http_proxy` for http URLs, `HTTPS_PROXY` else
  `https_proxy` for https, `ALL_PROXY` else `all_proxy` for either when the specific one
  is unset or unusable; the upper-case name wins whenever it is set, even empty. A
  value without a scheme is `http://`; `http`, `https`, `socks4(a)`, `socks5(h)` are
  proxy schemes, anything else means no proxy. With `REQUEST_METHOD` set (CGI) no proxy
  is used at all. `http-proxy`/`https-proxy` in uv.toml replace every variable (with
  uv.toml's `no-proxy`), as reqwest drops the environment once a proxy is configured.
- `NO_PROXY` else `no_proxy`: comma-separated; IP addresses and CIDR networks (IPv4 and
  IPv6) match IP hosts, `*` matches everything, any other entry is a domain matching
  itself and its subdomains, with or without a leading dot, case-insensitively. An entry
  with a port (`host:8080`) or in brackets (`[::1]`) never matches, as in uv.
- Trust roots (`tls_context`): non-empty `SSL_CERT_FILE`/`SSL_CERT_DIR` are the only
  roots; else the OS store with `--system-certs`/`--native-tls` (and their variables and
  uv.toml keys); else uv's bundled Mozilla roots (webpki-roots), which Python cannot load:
  the closest is the same Mozilla list as shipped by certifi, or botocore's copy of it.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import threading
import time
from urllib.parse import unquote, urlsplit

PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")
DEFAULT_PORTS = {"http": 80, "https": 443, "socks4": 1080, "socks4a": 1080, "socks5": 1080, "socks5h": 1080}
MAX_HEAD = 65536
_LOCK = threading.Lock()


class Closed(ConnectionError):
    """The server closed the connection before it answered (uv retries this, as an unexpected EOF)."""


class Skip(Exception):
    """The check cannot follow uv's rules for this URL: it is not made (the reason says why)."""


class Deadline:
    """One point in time shared by every step of the check, connects and reads alike."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise socket.timeout("deadline passed")
        return left


# ----- proxies, as uv chooses them -----------------------------------------------------

class Proxy:
    def __init__(self, scheme, host, port, username=None, password=None):
        self.scheme, self.host, self.port = scheme, host, port
        self.username, self.password = username, password

    def __repr__(self) -> str:  # never the credential
        return f"Proxy({self.scheme}://{self.host}:{self.port})"


def parse_proxy(value: str):
    """A proxy URL as hyper-util's matcher reads it; None when it is not usable as a proxy."""
    if not value or any(c.isspace() for c in value):
        return None
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "http", value
    scheme = scheme.lower()
    if scheme not in PROXY_SCHEMES:
        return None
    authority = rest
    for stop in "/?#":
        authority = authority.split(stop, 1)[0]
    username = password = None
    if "@" in authority:
        userinfo, authority = authority.split("@", 1)
        user, colon, secret = userinfo.partition(":")
        username, password = unquote(user), unquote(secret) if colon else None
    try:
        parts = urlsplit(f"//{authority}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return Proxy(scheme, host, port or DEFAULT_PORTS[scheme], username, password)


class NoProxy:
    """reqwest's (hyper-util's) NO_PROXY matcher."""

    def __init__(self, value: str):
        import ipaddress

        self.networks, self.domains = [], []
        for part in (p.strip() for p in (value or "").split(",")):
            if not part:
                continue
            network = None
            address, slash, prefix = part.partition("/")
            if "%" not in part and (not slash or prefix.isdigit()):
                try:
                    network = ipaddress.ip_network(part, strict=False)
                except ValueError:
                    network = None
            if network is not None:
                self.networks.append(network)
            else:
                self.domains.append(part)

    def matches(self, host: str) -> bool:
        if not self.networks and not self.domains:
            return False
        import ipaddress

        host = host.strip("[]")
        try:
            address = ipaddress.ip_address(host) if "%" not in host else None
        except ValueError:
            address = None
        if address is not None:
            return any(address.version == n.version and address in n for n in self.networks)
        host = host.lower()
        for entry in self.domains:
            entry_l = entry.lower()
            if entry_l == host or entry_l[1:] == host and entry_l.startswith("."):
                return True
            if host.endswith(entry_l) and (entry_l.startswith(".") or host[-len(entry_l) - 1:-len(entry_l)] == "."):
                return True
            if entry == "*":
                return True
        return False


def _first(environ, *names) -> str:
    for name in names:
        if name in environ:  # set, even empty, stops the search
            return environ[name]
    return ""


class Network:
    """What uv's network settings say for this run: proxies, no-proxy, trust roots, offline."""

    def __init__(self, environ=None, system_certs=False, offline=False, config_proxies=None):
        self.environ = os.environ if environ is None else environ
        self.system_certs = system_certs
        self.offline = offline
        # uv.toml {"http-proxy": str, "https-proxy": str, "no-proxy": [str]}, when it sets a proxy
        self.config_proxies = config_proxies
        self._context = None

    def proxy_for(self, scheme: str, host: str):
        """The proxy uv would use for `scheme://host`, or None for a direct connection."""
        environ = self.environ
        config = self.config_proxies
        if config and (config.get("http-proxy") or config.get("https-proxy")):
            value = config.get(f"{scheme}-proxy")
            proxy = parse_proxy(value if "://" in (value or "") else "http://" + value) if value else None
            no_proxy = NoProxy(",".join(config.get("no-proxy") or []))
        else:
            if "REQUEST_METHOD" in environ:  # CGI: hyper-util ignores every proxy variable
                return None
            specific = _first(environ, f"{scheme.upper()}_PROXY", f"{scheme}_proxy")
            if not specific and _system_proxy_configured():
                raise Skip("uv would use the system's proxy settings, which this check does not read")
            proxy = parse_proxy(specific) or parse_proxy(_first(environ, "ALL_PROXY", "all_proxy"))
            no_proxy = NoProxy(_first(environ, "NO_PROXY", "no_proxy"))
        if proxy is None or no_proxy.matches(host):
            return None
        return proxy

    def tls_context(self):
        """The SSL context with uv's trust roots (built once; raises Skip when they cannot be had)."""
        with _LOCK:
            if self._context is None:
                try:
                    self._context = _tls_context(self.environ, self.system_certs)
                except Skip as exc:
                    self._context = exc
        if isinstance(self._context, Skip):
            raise self._context
        return self._context


_SYSTEM_PROXY = []


def _system_proxy_configured() -> bool:
    """macOS and Windows: uv (reqwest's system-proxy) reads the OS proxy settings."""
    if not _SYSTEM_PROXY:
        _SYSTEM_PROXY.append(_read_system_proxy())
    return _SYSTEM_PROXY[0]


def _read_system_proxy() -> bool:
    try:
        if sys.platform == "darwin":
            import _scproxy

            proxies = _scproxy._get_proxies()
            return bool(proxies.get("http") or proxies.get("https"))
        if sys.platform == "win32":
            import winreg

            with winreg.OpenKey(winreg.HKEY_CURRENT_USER,
                                r"Software\Microsoft\Windows\CurrentVersion\Internet Settings") as key:
                return bool(winreg.QueryValueEx(key, "ProxyEnable")[0])
    except Exception:  # no settings readable: assume none, as reqwest does
        return False
    return False


# ----- trust roots ---------------------------------------------------------------------

BUNDLES = ("certifi/cacert.pem", "botocore/cacert.pem", "pip/_vendor/certifi/cacert.pem")


def mozilla_bundle():
    """The Mozilla root list (what uv's webpki-roots is built from) from an installed package."""
    for relative in BUNDLES:
        for entry in sys.path:
            candidate = os.path.join(entry or ".", relative)
            if os.path.isfile(candidate):
                return candidate
    return None


def _tls_context(environ, system_certs: bool):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # rustls speaks nothing older
    context.set_alpn_protocols(["http/1.1"])
    cert_file = environ.get("SSL_CERT_FILE", "")
    cert_dirs = [d for d in environ.get("SSL_CERT_DIR", "").split(os.pathsep) if d]
    if cert_file or cert_dirs:
        # uv 0.11+: these are the only roots, even when nothing valid can be read from them
        for path in [cert_file] * bool(cert_file) + [
                os.path.join(d, name) for d in cert_dirs if os.path.isdir(d) for name in sorted(os.listdir(d))]:
            try:
                context.load_verify_locations(cafile=path)
            except (OSError, ssl.SSLError, ValueError):
                pass
    elif system_certs:
        context.load_default_certs()
    else:
        bundle = mozilla_bundle()
        if bundle is None:
            raise Skip("uv's bundled root certificates cannot be reproduced (no certifi or botocore CA bundle)")
        context.load_verify_locations(cafile=bundle)
    client = environ.get("SSL_CLIENT_CERT")
    if client:
        try:
            context.load_cert_chain(client)
        except (OSError, ssl.SSLError, ValueError):
            pass  # uv warns and goes on without a client certificate
    return context


# ----- may a credential go there -------------------------------------------------------

def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credential_allowed(url: str, proxy) -> bool:
    """A credential never travels over plain http, except when every hop is on loopback."""
    parts = urlsplit(url)
    if (parts.scheme or "").lower() == "https":
        return True
    if not is_loopback(parts.hostname or ""):
        return False
    return proxy is None or is_loopback(proxy.host)


# ----- the wire ------------------------------------------------------------------------

class _Plain:
    def __init__(self, sock, deadline):
        self.sock, self.deadline = sock, deadline

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self.deadline.left())
        self.sock.sendall(data)

    def recv(self, size: int) -> bytes:
        self.sock.settimeout(self.deadline.left())
        return self.sock.recv(size)

    def close(self) -> None:
        self.sock.close()


class _TLS:
    """TLS over any transport (a socket, or a tunnel through a TLS proxy), with the deadline."""

    def __init__(self, lower, context, server_hostname: str):
        import ssl

        self.ssl = ssl
        self.lower = lower
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=server_hostname)
        try:
            self._run(self.tls.do_handshake)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
            raise Closed("closed during the TLS handshake") from None  # uv retries it (a connect error)

    def _run(self, operation, *args):
        while True:
            try:
                result = operation(*args)
            except self.ssl.SSLWantReadError:
                self._flush()
                data = self.lower.recv(65536)
                if data:
                    self.incoming.write(data)
                else:
                    self.incoming.write_eof()
                continue
            self._flush()
            return result

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.lower.send(data)

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self._run(self.tls.write, view):]

    def recv(self, size: int) -> bytes:
        try:
            return self._run(self.tls.read, size)
        except (self.ssl.SSLZeroReturnError, self.ssl.SSLEOFError):
            return b""

    def close(self) -> None:
        self.lower.close()


def _read_head(conn, whole: bool) -> int:
    """Read the status line (or, for CONNECT, exactly the head); return the status code."""
    data = b""
    end = b"\r\n\r\n" if whole else b"\r\n"
    while end not in data:
        if len(data) > MAX_HEAD:
            raise OSError("response head too long")
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    if not data:
        raise Closed("closed before answering")
    if whole and not data.endswith(end):
        raise OSError("proxy sent data past its CONNECT answer")  # never read into the tunnel
    parts = data.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise OSError("not an HTTP response")
    return int(parts[1])


def _basic(user: str, password) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()


def _socks5(conn, proxy, host: str, port: int, deadline) -> None:
    """RFC 1928 CONNECT (RFC 1929 username/password when the proxy URL has one), as reqwest."""
    import ipaddress
    import struct

    def read(n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("socks proxy closed the connection")
            data += chunk
        return data

    method = 2 if proxy.username is not None else 0
    conn.send(bytes([5, 1, method]))
    if read(2) != bytes([5, method]):
        raise OSError("socks proxy refused the authentication method")
    if method == 2:
        user, password = proxy.username.encode(), (proxy.password or "").encode()
        conn.send(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
        if read(2)[1] != 0:
            raise OSError("socks proxy refused the proxy credentials")
    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if address is None and proxy.scheme == "socks5":  # socks5: the name is resolved here
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
        address = ipaddress.ip_address(infos[0][4][0])
        deadline.left()
    if address is None:
        name = bare.encode("idna")
        target = bytes([3, len(name)]) + name
    else:
        target = (bytes([1]) if address.version == 4 else bytes([4])) + address.packed
    conn.send(bytes([5, 1, 0]) + target + struct.pack(">H", port))
    reply = read(4)
    if reply[1] != 0:
        raise OSError(f"socks proxy could not connect (code {reply[1]})")
    read({1: 4, 4: 16}.get(reply[3], 0) or read(1)[0])
    read(2)


def _open(scheme, host, port, authority, proxy, network, deadline):
    """A connection on which a GET for the target can be written, and whether it is absolute-form."""
    if proxy is not None and proxy.scheme in ("socks4", "socks4a"):
        raise Skip(f"uv would go through a {proxy.scheme} proxy, which this check does not speak")
    if scheme == "https" or (proxy is not None and proxy.scheme == "https"):
        context = network.tls_context()  # before any connection: a Skip costs nothing
    address = (host.strip("[]"), port) if proxy is None else (proxy.host, proxy.port)
    sock = socket.create_connection(address, timeout=deadline.left())
    conn = _Plain(sock, deadline)
    try:
        absolute = False
        if proxy is not None and proxy.scheme.startswith("socks"):
            _socks5(conn, proxy, host, port, deadline)
        elif proxy is not None:
            if proxy.scheme == "https":
                conn = _TLS(conn, context, proxy.host)
            if scheme == "https":
                auth = f"Proxy-Authorization: {_basic(proxy.username, proxy.password)}\r\n" if proxy.username else ""
                conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{auth}\r\n".encode())
                status = _read_head(conn, whole=True)
                if status != 200:
                    raise OSError(f"proxy refused CONNECT ({status})")
            else:
                absolute = True
        if scheme == "https":
            conn = _TLS(conn, context, host.strip("[]"))
        return conn, absolute
    except BaseException:
        conn.close()
        raise


def get_status(url: str, network: Network, deadline: Deadline, authorization=None, accept: str = "*/*") -> int:
    """Status of `GET url` (with `authorization` when given); raises OSError when the server
    cannot be reached or the deadline passes, Skip when uv's rules cannot be followed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Skip(f"{scheme}: URLs are not checked")
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[scheme]
    host_header = f"[{host}]" if ":" in host else host
    authority = f"{host_header}:{port}"
    if parts.port:
        host_header = authority
    proxy = network.proxy_for(scheme, host)
    if authorization is not None and not credential_allowed(url, proxy):
        raise Skip("a credential is never sent over plain http, except between loopback addresses")
    conn, absolute = _open(scheme, host, port, authority, proxy, network, deadline)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        extra = ""
        if absolute:
            target = f"{scheme}://{host_header}{target}"
            if proxy.username:
                extra = f"Proxy-Authorization: {_basic(proxy.username, proxy.password)}\r\n"
        if authorization is not None:
            extra += f"Authorization: {authorization}\r\n"
        conn.send((f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\n{extra}Accept: {accept}\r\n"
                   "User-Agent: uv-shim preflight\r\nConnection: close\r\n\r\n").encode())
        return _read_head(conn, whole=False)
    finally:
        conn.close()


def basic(username: str, password: str) -> str:
    return _basic(username, password)
