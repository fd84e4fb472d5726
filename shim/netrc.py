"""The only code that reads the user's netrc and writes the netrc handed to uv.

uv matches netrc entries by host alone (no scheme, no port; an IPv6 host as `[::1]`),
takes the last entry for a host, and falls back to a `default` entry for any host. It
reads netrc before its credential store, so a stale entry there would shadow a fresh
credential: the netrc handed to uv is the user's own without the entries for the hosts
uv-shim serves (and, for old uv versions, with uv-shim's entries for the hosts where
handoff.py found that safe). Where to put it and when is handoff.py's decision.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import paths

_TOKEN = r'"((?:[^"\\]|\\.)*)"|(\S+)'
MAX_SIZE = 1 << 20


def user_netrc_path(environ) -> Path:
    explicit = environ.get("NETRC")
    return Path(explicit) if explicit else paths.home() / ".netrc"


def parse_entries(text: str) -> list:
    """Split netrc text into entries [(host or None for default, [tokens])]; macdef bodies kept."""
    entries = []
    lines = text.splitlines()
    i = 0
    current = None
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.lstrip().startswith("#"):
            continue
        tokens = [m.group(0) for m in re.finditer(_TOKEN, line)]
        j = 0
        while j < len(tokens):
            token = tokens[j]
            if token == "machine" and j + 1 < len(tokens):
                current = (tokens[j + 1], [])
                entries.append(current)
                j += 2
                continue
            if token == "default":
                current = (None, [])
                entries.append(current)
                j += 1
                continue
            if token == "macdef":
                body = [" ".join(tokens[j:])]
                while i < len(lines) and lines[i].strip():
                    body.append(lines[i])
                    i += 1
                if current is not None:
                    current[1].append("\n".join(body) + "\n")
                j = len(tokens)
                continue
            if current is not None:
                current[1].append(token)
            j += 1
    return entries


def read_user(environ) -> str:
    """The user's netrc (NETRC, else ~/.netrc) as text; empty when there is none."""
    try:
        with open(user_netrc_path(environ), "rb") as handle:
            return handle.read(MAX_SIZE).decode("utf-8", errors="replace")
    except OSError:
        return ""


def can_carry(credential) -> bool:
    """netrc tokens end at white space and quotes are not understood by every reader."""
    bad = re.compile(r'[\s"\\]')
    return bool(credential.password or credential.username) and not bad.search(credential.password) \
        and not bad.search(credential.username)


def shadows(user_text: str, hosts) -> bool:
    """Would an entry of the user's netrc (or its `default`) answer for one of `hosts`?"""
    if not hosts:
        return False
    return any(host is None or host.lower() in hosts for host, _ in parse_entries(user_text))


def lookup(user_text: str, host: str):
    """(login, password) uv would take from this netrc for `host` (its last entry, else
    `default`), or None."""
    found = default = None
    for entry_host, tokens in parse_entries(user_text):
        values = {}
        for key, value in zip(tokens, tokens[1:]):
            if key in ("login", "password") and key not in values:
                values[key] = value[1:-1] if value.startswith('"') and value.endswith('"') else value
        pair = (values.get("login", ""), values.get("password", ""))
        if entry_host is None:
            default = pair
        elif entry_host.lower() == host.lower():
            found = pair
    return found or default


def render(user_text: str, fresh: dict, drop=(), keep_default_for=()) -> str:
    """The user's netrc without entries for the `fresh` hosts and the `drop` hosts, plus the
    fresh entries ({host: Credential}). Macros are left out (uv runs none). When `drop` is
    not empty a `default` entry would answer for those hosts too, so it is replaced by
    explicit entries for the hosts in `keep_default_for`."""
    out, default = [], None
    removed = {h.lower() for h in fresh} | {h.lower() for h in drop}
    for host, tokens in parse_entries(user_text):
        tokens = [t for t in tokens if "\n" not in t]  # macdef bodies
        if host is None:
            default = tokens
        elif host.lower() not in removed:
            out.append(f"machine {host} " + " ".join(tokens))
    for host, credential in fresh.items():
        login = f" login {credential.username}" if credential.username else ""
        password = f" password {credential.password}" if credential.password else ""  # a token as the user name
        out.append(f"machine {host}{login}{password}")
    if default is not None:
        if drop:
            out += [f"machine {host} " + " ".join(default) for host in sorted(keep_default_for)]
        else:
            out.append("default " + " ".join(default))
    return "\n".join(out) + "\n"
