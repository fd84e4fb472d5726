"""Credentials typed on a `uv tool` command line or in its `UV_*` index variables.

`uv tool install --index-url https://aws:TOKEN@host/simple/ pkg`: uv up to 0.7.8 writes
that token into the receipt in plain text, 0.7.9-0.8.2 a `****` mask that can never work,
and every version keeps one typed in a direct URL (`pkg @ https://u:p@host/f.whl`). So
the userinfo is taken out of what uv sees (argv and the variables below) and the
credential is handed to uv like a provider's, for the URL prefix it was typed with.
Arguments that belong to the tool `uv tool run` starts are never touched.
"""

from __future__ import annotations

import re

from . import urls

VARIABLES = ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS")
# An http(s) URL with userinfo, up to the end of the URL (white space or a comma, as
# UV_FIND_LINKS separates them); greedy to the authority's last "@".
_URL = r"[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s,]*@[^\s,]*"


class Typed:
    def __init__(self, url: str, username: str, password: str, where: str):
        self.url = url  # without the credential
        self.username = username
        self.password = password
        self.where = where  # "on the command line" or "in UV_INDEX_URL"


def _take(text: str, where: str, found: list) -> str:
    if "@" not in text:
        return text

    def cut(match):
        parsed = urls.parse(match.group(0))
        if parsed is None or not parsed.has_credential:
            return match.group(0)
        clean = urls.strip_userinfo(match.group(0))
        found.append(Typed(clean, parsed.username or "", parsed.password or "", where))
        return clean

    return re.sub(_URL, cut, text)


def take(args: list, parsed, environ: dict):
    """(argv, found): argv and `environ` (changed in place) without typed credentials."""
    found = []
    own = len(args) - len(parsed.trailing)  # what follows belongs to the tool being run
    cleaned = [_take(arg, "on the command line", found) for arg in args[:own]] + list(args[own:])
    for variable in VARIABLES:
        if variable in environ:
            environ[variable] = _take(environ[variable], f"in {variable}", found)
    return cleaned, found
