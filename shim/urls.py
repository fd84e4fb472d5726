"""Index URLs as uv reads them: scheme, host, port, path, and the credential they carry.

uv parses URLs with the WHATWG rules of the `url` crate: scheme and host lower-cased, an
IPv6 literal kept in brackets (`[::1]`, which is also the host a netrc entry must name),
the default port dropped (`https://h:443/` is `https://h/`), `.` and `..` path segments
resolved, and userinfo percent-decoded once when it is used as a credential. Everything
here follows those rules so that "the origin and path prefix a credential was issued
for" means the same to uv-shim as to uv.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
DISTRIBUTION_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".egg")


class Url:
    """One http(s) URL, normalised; `username`/`password` are decoded (None when absent)."""

    __slots__ = ("scheme", "host", "port", "path", "query", "username", "password")

    def __init__(self, scheme, host, port, path, query, username, password):
        self.scheme = scheme
        self.host = host  # lower-case; IPv6 in brackets
        self.port = port  # always explicit
        self.path = path  # starts with "/", dot segments resolved
        self.query = query
        self.username = username
        self.password = password

    @property
    def origin(self) -> str:
        """scheme://host:port, the default port made explicit (uv's "realm")."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def authority(self) -> str:
        """host[:port] as uv writes it: the default port left out."""
        return self.host if DEFAULT_PORTS[self.scheme] == self.port else f"{self.host}:{self.port}"

    def prefix(self) -> str:
        """origin and path ending in "/": what a path-prefix match compares."""
        path = self.path if self.path.endswith("/") else self.path + "/"
        return self.origin + path

    def scope(self) -> str:
        """The prefix a credential for this URL is given for: the file itself for a
        distribution file (a direct URL), else the URL as a directory."""
        if self.path.lower().endswith(DISTRIBUTION_SUFFIXES):
            return self.origin + self.path
        return self.prefix()

    def text(self) -> str:
        """The URL without credentials, as uv would print it (default port left out)."""
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.authority}{self.path}{query}"

    @property
    def has_credential(self) -> bool:
        return self.username is not None or self.password is not None

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")


def _resolve_dots(path: str) -> str:
    out = []
    for segment in path.split("/")[1:]:
        if segment in (".", "%2e", "%2E"):
            continue
        if segment in ("..", ".%2e", "%2e.", "%2e%2e", ".%2E", "%2E.", "%2E%2E"):
            if out:
                out.pop()
            continue
        out.append(segment)
    resolved = "/" + "/".join(out)
    if path.endswith(("/.", "/..")) and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def split_authority(url: str):
    """(scheme, userinfo or None, the rest as `scheme://host[:port]/path?query#fragment`).

    The authority is cut at its last "@" by hand, as uv's parser does, so that a password
    holding `[`, `#`-like characters or anything Python's urlsplit rejects is still found."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    end = len(rest)
    for char in "/?#":
        at = rest.find(char)
        if at != -1:
            end = min(end, at)
    userinfo, at, hostport = rest[:end].rpartition("@")
    return scheme, (userinfo if at else None), f"{scheme}://{hostport}{rest[end:]}"


def parse(url) -> "Url | None":
    """Parse an http(s) URL; None for anything else or anything malformed (bad port, no host)."""
    if not isinstance(url, str) or "://" not in url:
        return None
    scheme, userinfo, plain = split_authority(url.strip())
    try:
        parts = urlsplit(plain)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    host = "[" + host.lower() + "]" if parts.netloc.startswith("[") else host.lower()
    username = password = None
    if userinfo is not None:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user)
        password = unquote(secret) if colon else None
    path = _resolve_dots(parts.path or "/") if parts.path.startswith("/") or not parts.path else "/" + parts.path
    return Url(scheme, host, port or DEFAULT_PORTS[scheme], path, parts.query, username, password)


def strip_userinfo(url: str) -> str:
    """The URL with its userinfo removed and every other character as written."""
    found = split_authority(url) if "@" in url else None
    return found[2] if found and found[1] is not None else url


def under(url: str, prefix: str) -> bool:
    """True when `url` is at or below `prefix`: same origin and a whole-segment path prefix."""
    a, b = parse(url), parse(prefix)
    if a is None or b is None or a.origin != b.origin:
        return False
    return a.prefix().startswith(b.prefix())


def same_index(a: str, b: str) -> bool:
    """Two index URLs uv treats as one index (trailing slash aside)."""
    x, y = parse(a), parse(b)
    return x is not None and y is not None and x.prefix() == y.prefix() and x.query == y.query
