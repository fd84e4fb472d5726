"""`uv-config`: the credentials the user already gives uv, reused for receipt indexes.

With no shim config at all: a credential embedded in an index URL of the user or
system `uv.toml` (or of the command line), or `UV_INDEX_<NAME>_USERNAME/PASSWORD`
for one of its named indexes, covers every index on the same scheme://host[:port].
This is the "a job refreshes ~/.config/uv/uv.toml" workflow.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..redact import split_userinfo
from .base import Credential

NAME = "uv-config"
KEYS = {}
EXPLICIT = False  # only discovered, never named in [[credential]]
REQUIRED = ()


def origin(url: str):
    """scheme://host:port with the default port made explicit; None when not http(s)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.lower()}:{port or (443 if scheme == 'https' else 80)}"


def index_env_prefix(name: str) -> str:
    return "UV_INDEX_" + "".join(c if c.isascii() and c.isalnum() else "_" for c in name).upper()


def _credential_of(index, environ):
    _, user, password = split_userinfo(index.url)
    if password or user:
        return Credential(user or "", password or "")
    if index.name:
        prefix = index_env_prefix(index.name)
        env_password = environ.get(f"{prefix}_PASSWORD")
        if env_password:
            return Credential(environ.get(f"{prefix}_USERNAME", ""), env_password)
    return None


def discover(url, context):
    wanted = origin(url)
    if wanted is None:
        return None
    found = None
    for index in context.uv_indexes:  # the last one for an origin wins, as later entries refresh
        if origin(index.url) == wanted:
            credential = _credential_of(index, context.environ)
            if credential:
                found = {"provider": NAME, "url": wanted, "source": index.source, "_credential": credential}
    return found


def describe(settings) -> str:
    return f"uv-config ({settings['source']})"


def fetch(url, settings) -> Credential:
    return settings["_credential"]


def rejected_fix(settings) -> str:
    return f"refresh the credential for this index in {settings['source']}"
