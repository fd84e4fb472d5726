"""The single place where URLs are made safe to print."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Greedy up to the authority's last "@", so a password holding "@" (or quotes) is hidden
# whole; when unsure it hides too much rather than too little.
_USERINFO_IN_TEXT = r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s<>]*)@"


def split_userinfo(url: str):
    """Return (url without userinfo, username or None, password or None).

    Splits on the last "@" of the authority, as URL parsers do, so a password
    holding "@" is removed whole.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None, None
    netloc = parts.netloc
    if "@" not in netloc:
        return url, None, None
    userinfo, _, hostport = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, (user or None), (password if colon else None)


def has_credential(url: str) -> bool:
    """True when the URL carries a user name or password of its own."""
    _, user, password = split_userinfo(url)
    return user is not None or password is not None


def redact_url(url: str) -> str:
    """`https://user:secret@host/x` -> `https://user:***@host/x`; no userinfo: unchanged.

    A lone username (`https://TOKEN@host`) is often the token itself: it becomes `***`.
    """
    clean, user, password = split_userinfo(url)
    if user is None and password is None:
        return url
    parts = urlsplit(clean)
    shown = f"{user or ''}:***" if password is not None else "***"
    return urlunsplit((parts.scheme, f"{shown}@{parts.netloc}", parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every `scheme://userinfo@` found in free text (error output of other programs)."""

    def repl(match):
        user, colon, _ = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user}:***@" if colon else f"{match.group('scheme')}***@"

    return re.sub(_USERINFO_IN_TEXT, repl, text)
