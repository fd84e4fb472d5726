"""`kept`: a credential a receipt held, or one typed at install, that nothing else supplies.

Discovered only (never named in `[[credential]]`), and tried last: a configured or
zero-config provider's fresh credential always wins. See kept_credentials.py.
"""

from __future__ import annotations

from .base import Credential

NAME = "kept"
KEYS = {}
EXPLICIT = False
REQUIRED = ()


def discover(url, context):
    if not context.tool:  # kept for the tools they were installed with; project commands go by their own
        return None
    from .. import kept_credentials

    entry = kept_credentials.find(url)
    if entry is None:
        return None
    return {"provider": NAME, "url": entry["url"], "source": entry["source"],
            "_credential": Credential(entry["username"], entry["password"])}


def typed(url: str, credential: Credential, source: str) -> dict:
    """Settings for a credential typed on this command line (not read from the store)."""
    return {"provider": NAME, "url": url, "source": source, "_credential": credential}


def scope(url, settings) -> str:
    return settings["url"]


def describe(settings) -> str:
    return f"the credential {settings['source']}"


def fetch(url, settings) -> Credential:
    return settings["_credential"]


def rejected_fix(settings) -> str:
    return ("give a fresh one: reinstall with it in the index URL, or add a [[credential]] for this index "
            "(README, Configuration); `uv-shim credentials --clear` forgets the refused one")
