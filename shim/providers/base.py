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

from dataclasses import dataclass, field

from ..errors import ShimError


@dataclass(frozen=True)
class Credential:
    username: str
    password: str = field(repr=False)
    expires_at: float = None  # epoch seconds, when the provider knows it


class ProviderError(ShimError):
    """A provider could not produce a credential; the message says why and `fix` what to do."""


@dataclass
class Context:
    """What discovery may look at: the user's uv indexes and the environment."""

    environ: dict
    uv_indexes: list = field(default_factory=list)  # shim.uv_settings.UvIndex
