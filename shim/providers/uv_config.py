"""`uv-config`: the credentials the user already gives uv, reused for receipt indexes.

With no shim config at all: a credential embedded in an index URL of the user or
system `uv.toml` (or of the command line), or `UV_INDEX_<NAME>_USERNAME/PASSWORD`
for one of its named indexes, covers every index URL at or below that index's URL
(same scheme, host, port and path prefix), the credential being percent-decoded as
uv decodes it. This is the "a job refreshes ~/.config/uv/uv.toml" workflow.
"""

from __future__ import annotations

from .. import urls
from .base import Credential

NAME = "uv-config"
KEYS = {}
EXPLICIT = False  # only discovered, never named in [[credential]]
STATIC = True  # from the user's uv.toml, the command line or UV_INDEX_* (watched by a verdict)
REQUIRED = ()


def index_env_prefix(name: str) -> str:
    return "UV_INDEX_" + "".join(c if c.isascii() and c.isalnum() else "_" for c in name).upper()


def _credential_of(index, environ):
    parsed = urls.parse(index.url)
    if parsed is None:
        return None
    if parsed.has_credential:
        return Credential(parsed.username or "", parsed.password or "")
    if index.name:
        prefix = index_env_prefix(index.name)
        env_password = environ.get(f"{prefix}_PASSWORD")
        if env_password:
            return Credential(environ.get(f"{prefix}_USERNAME", ""), env_password)
    return None


def discover(url, context):
    found, best = None, -1
    for index in context.uv_indexes:  # the longest prefix wins; a later entry wins a tie (it refreshes)
        scope = urls.strip_userinfo(index.url)
        if not urls.under(url, scope):
            continue
        credential = _credential_of(index, context.environ)
        length = len(urls.parse(scope).prefix())
        if credential and length >= best:
            found, best = {"provider": NAME, "url": urls.parse(scope).scope(), "source": index.source,
                           "_credential": credential}, length
    return found


def scope(url, settings) -> str:
    return settings["url"]


def describe(settings) -> str:
    return f"uv-config ({settings['source']})"


def fetch(url, settings) -> Credential:
    return settings["_credential"]


def rejected_fix(settings) -> str:
    return f"refresh the credential for this index in {settings['source']}"
