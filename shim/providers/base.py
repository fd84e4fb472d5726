"""What every credential provider shares.

A provider is a module in `shim/providers/` with:

    NAME        the `provider = "..."` value in config
    KEYS        {config key: (type, help)} it accepts besides `url` and `provider`
    REQUIRED    keys that must be present
    describe(settings) -> str                 short, secret-free, for messages
    fetch(url, settings) -> Credential        or raise ProviderError
    rejected_fix(settings) -> str             what to do when the index refuses the credential
    discover(url, context) -> settings|None   optional: cover an index with no shim config

and is listed once in `shim/providers/__init__.py`.
"""

from __future__ import annotations

from ..errors import ShimError


class Credential:
    __slots__ = ("username", "password", "expires_at")

    def __init__(self, username: str, password: str, expires_at=None):
        self.username = username
        self.password = password
        self.expires_at = expires_at  # epoch seconds, when the provider knows it
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

    def __init__(self, environ: dict, uv_indexes=()):
        self.environ = environ
        self.uv_indexes = list(uv_indexes)  # shim.uv_settings.UvIndex
