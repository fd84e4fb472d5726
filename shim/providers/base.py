"""What every credential provider shares.

A provider is a module in `shim/providers/` with:

    NAME        the `provider = "..."` value in config
    KEYS        {config key: (type, help)} it accepts besides `url` and `provider`
    REQUIRED    keys that must be present
    describe(settings) -> str                 short, secret-free, for messages
    fetch(url, settings) -> Credential        or raise ProviderError
    rejected_fix(settings) -> str             what to do when the index refuses the credential
    discover(url, context) -> settings|None   optional: cover an index with no shim config
                                              (cheap: plain string checks before any regex)
    scope(url, settings) -> str|None          optional: the URL prefix the credential is issued
                                              for, `scheme://host[:port]/path/` ending in "/"
                                              (e.g. `https://us-python.pkg.dev/PROJECT/REPO/`);
                                              credentials go to uv only for URLs under it
                                              (default: the `[[credential]]` url that
                                              matched, else the index URL)
    refresh(url, settings) -> Credential      optional: drop a cached token and fetch a new one
                                              (the preflight calls it once when refused)
    REJECTED_STATUSES                         optional: statuses meaning "credential refused"
                                              (default 401, 403; CodeArtifact adds 404)
    HINTS                                     optional: strings whose presence in a settings
                                              file means discover() may cover an index there
                                              (quick_check: a "maybe" before any parsing)
    EXPLICIT = False                          optional: only discovered, never named in config
    cache_key(url, settings) -> dict|None     optional: opt in to the token cache. Credentials
                                              with an `expires_at` are then kept across processes
                                              (token_cache.py) until half their life or 5 minutes
                                              before expiry, fetched once under a per-key lock.
    deadline(settings) -> seconds             optional: the longest a fetch may take (the cache lock
                                              waits that long for another process's fetch)
    STATIC = False                            optional: True when the credential comes only from
                                              files and variables (no expiry): a project's verdict
                                              may then hand it to uv for up to an hour (verdict.py)

and is listed once in `shim/providers/__init__.py`. Callers never call `fetch` directly:
`obtain(provider, url, settings)` below goes through the cache when the provider opts in.
"""

from __future__ import annotations

from ..errors import ShimError, debug


class Credential:
    __slots__ = ("username", "password", "expires_at", "fresh_until")

    def __init__(self, username: str, password: str, expires_at=None):
        self.username = username
        self.password = password
        self.expires_at = expires_at  # epoch seconds, when the provider knows it
        self.fresh_until = None  # epoch seconds: when the token cache would fetch it again
        # Whatever a provider hands out is scrubbed from everything printed from now on
        # (a lone user name, `https://TOKEN@host`, is the token itself).
        from ..redact import add_secret

        add_secret(password)
        if not password:
            add_secret(username)

    def __repr__(self) -> str:  # never the password
        return f"Credential(username={self.username!r}, expires_at={self.expires_at!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Credential) and (self.username, self.password, self.expires_at) == (
            other.username, other.password, other.expires_at)


class ProviderError(ShimError):
    """A provider could not produce a credential; the message says why and `fix` what to do."""


class Context:
    """What discovery may look at: the user's uv indexes and the environment."""

    def __init__(self, environ: dict, uv_indexes=(), tool: bool = False):
        self.environ = environ
        self.tool = tool  # a `uv tool` command (receipts in play)
        self.uv_indexes = list(uv_indexes)  # shim.indexes.UvIndex: the user's own (command line, uv.toml)



def url_prefix(scheme: str, host: str, port, path: str) -> str:
    """`scheme://host[:port]/path/`, lower-case scheme and host, the default port left out."""
    scheme, host = scheme.lower(), host.lower()
    default = 443 if scheme == "https" else 80
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = path.strip("/")
    return f"{scheme}://{netloc}/" + (f"{path}/" if path else "")



def https_only(url: str, token: str, fix: str) -> None:
    """Refuse (before any cache or fetch) to give a cloud token for a plain http:// URL."""
    from urllib.parse import urlsplit

    if urlsplit(url).scheme.lower() != "https":
        raise ProviderError(f"refusing to send {token} over plain http (it would travel in clear text)", fix=fix)


def obtain(provider, url: str, settings: dict) -> Credential:
    """The provider's credential: from the token cache when the provider has `cache_key`
    (fetched once under the cache's cross-process lock on a miss), else a fresh fetch."""
    key_of = getattr(provider, "cache_key", None)
    key = key_of(url, settings) if key_of else None
    if key is None:
        return provider.fetch(url, settings)
    from .. import token_cache

    name = token_cache.key_name(provider.NAME, key)
    credential, state = token_cache.get_or_fetch(name, lambda: provider.fetch(url, settings), key,
                                                 wait=provider.deadline(settings) if hasattr(provider, "deadline") else None)
    debug(f"{provider.describe(settings)}: token cache {state}")
    return credential


def refresh(provider, url: str, settings: dict) -> Credential:
    """Forget the cached credential (the index refused it) and obtain a new one."""
    key_of = getattr(provider, "cache_key", None)
    key = key_of(url, settings) if key_of else None
    if key is not None:
        from .. import token_cache

        token_cache.drop(token_cache.key_name(provider.NAME, key))
    return obtain(provider, url, settings)
