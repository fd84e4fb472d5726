"""The single place where what uv-shim prints is made safe: URLs, free text, command lines.

It fails closed: a URL Python cannot parse has everything between `://` and its last `@`
hidden, and every secret obtained during the run (providers' credentials, the passwords
of index URLs) is kept in one registry and scrubbed from any text that is printed,
exception messages included (errors.py passes everything through `redact_text`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Greedy up to the authority's last "@", so a password holding "@" (or quotes) is hidden
# whole; when unsure it hides too much rather than too little.
_USERINFO_IN_TEXT = r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s<>]*)@"
# `user:password@host` with no scheme in front (Python quotes a bare netloc in some errors).
_BARE_USERINFO = r"(?<![\w.+:/-])(?P<user>[\w.~%+-]+):(?P<password>[^\s/'\"<>]*)@(?=[\w\[])"
MIN_SECRET = 3  # shorter "secrets" would blank out ordinary words
_SECRETS = set()
HIDDEN = "***"


def add_secret(value) -> None:
    """Remember a secret obtained during this run: it is scrubbed from everything printed."""
    if isinstance(value, str) and len(value) >= MIN_SECRET:
        from urllib.parse import quote

        _SECRETS.add(value)
        _SECRETS.add(quote(value, safe=""))  # as it appears inside a URL
        _SECRETS.add(quote(value))


def scrub(text: str) -> str:
    """Replace every registered secret in `text` (longest first, so none is left half-shown)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def _split_by_hand(url: str):
    """What urlsplit refuses (`[` in a password, characters that NFKC turns into `#`): cut
    the authority by hand, as urls.py does for uv's reading of a URL."""
    from .urls import split_authority

    found = split_authority(url)
    if found is None or found[1] is None:
        return url, None, None
    _, userinfo, clean = found
    user, colon, password = userinfo.partition(":")
    return clean, (user or None), (password if colon else None)


def split_userinfo(url: str):
    """Return (url without userinfo, username or None, password or None).

    Splits on the last "@" of the authority, as URL parsers do, so a password
    holding "@" is removed whole.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _split_by_hand(url)
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
    A URL that cannot be parsed keeps nothing between `://` and its last `@`.
    """
    try:
        urlsplit(url)
    except ValueError:
        scheme, sep, rest = url.partition("://")
        if sep and "@" in rest:
            return scrub(f"{scheme}://{HIDDEN}@{rest.rpartition('@')[2]}")
        return redact_text(url)
    clean, user, password = split_userinfo(url)
    if user is None and password is None:
        return scrub(url)
    parts = urlsplit(clean)
    shown = f"{user or ''}:{HIDDEN}" if password is not None else HIDDEN
    return scrub(urlunsplit((parts.scheme, f"{shown}@{parts.netloc}", parts.path, parts.query, parts.fragment)))


def redact_text(text: str) -> str:
    """Hide registered secrets and every `scheme://userinfo@` (or bare `user:password@host`)
    in free text: messages, exception text, other programs' error output."""
    if not isinstance(text, str):
        text = str(text)
    text = scrub(text)
    if "@" not in text:
        return text

    def repl(match):
        user, colon, _ = match.group("userinfo").partition(":")
        return f"{match.group('scheme')}{user}:{HIDDEN}@" if colon else f"{match.group('scheme')}{HIDDEN}@"

    text = re.sub(_USERINFO_IN_TEXT, repl, text)
    return re.sub(_BARE_USERINFO, lambda m: f"{m.group('user')}:{HIDDEN}@", text)


# Arguments shown as they are: options, and short plain words (`read`, `secret/pypi`,
# `--profile=dev`). Anything else (long, mixed letters and digits, odd characters, the
# value after `--token`) is shown as `***`.
_PLAIN = re.compile(r"[A-Za-z0-9._/:@+-]{1,40}")
_SECRET_NAME = re.compile(r"(?i)(token|secret|passw|pwd|key|auth|cred|bearer|session|signature)")
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9_+/-]*[0-9])(?=[A-Za-z0-9_+/-]*[A-Za-z])[A-Za-z0-9_+/-]{16,}")


_SECRET_FLAGS = {"-u", "--user", "-p", "-P", "--pass", "-t"}  # curl -u user:pass, vault -p, ...


def _plain(arg: str) -> bool:
    # `user:password`, `user@host`, a URL with userinfo: never shown; a URL without userinfo is.
    if "@" in arg or (":" in arg and "://" not in arg):
        return False
    return bool(_PLAIN.fullmatch(arg)) and not _TOKEN_LIKE.search(arg) and scrub(arg) == arg


def command_line(argv) -> str:
    """A provider's argv for messages: shell-quoted (it can be pasted), with every argument
    that is not plainly harmless shown as `***`."""
    import shlex

    shown, hide_next = [], False
    for i, arg in enumerate(argv):
        if i == 0:
            shown.append(shlex.quote(scrub(arg)))
            continue
        if hide_next:
            shown.append(HIDDEN)
            hide_next = False
            continue
        if arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if not _PLAIN.fullmatch(name):
                shown.append(HIDDEN)
            elif eq:
                secret = _SECRET_NAME.search(name) or not _plain(value)
                shown.append(shlex.quote(name + "=") + (HIDDEN if secret else shlex.quote(value)))
            else:
                shown.append(shlex.quote(arg))
                hide_next = bool(_SECRET_NAME.search(name)) or name in _SECRET_FLAGS
            continue
        shown.append(shlex.quote(arg) if _plain(arg) else HIDDEN)
    return " ".join(shown)
