"""The only code that reads or writes the credentials uv-shim keeps for uv.

Two kinds of credential have no provider that could supply them again: one a receipt
stored (uv up to 0.8.2 wrote the token into `uv-receipt.toml`) and one typed on the
command line at install (`--index-url https://user:token@host/...`). Removing them from
the receipt, or from what uv sees, must not make them stop working, so they are kept
here, in one private file (0600 in a 0700 directory, replaced atomically), keyed by the
URL prefix they were given for, and handed to uv like any provider's credential
(providers/kept.py). `uv-shim credentials --clear` forgets them.
"""

from __future__ import annotations

import json
import time

from . import paths, urls
from .private_files import private_dir, read_private, write_private

_loaded = None


def store_path():
    return paths.data_dir() / "private" / "kept-credentials.json"


def entries() -> list:
    """[{"url", "username", "password", "source", "saved_at"}], read once per process."""
    global _loaded
    if _loaded is None:
        raw = read_private(store_path(), 1 << 20)
        try:
            data = json.loads(raw) if raw else []
        except ValueError:
            data = []
        _loaded = [e for e in data if isinstance(e, dict) and isinstance(e.get("url"), str)
                   and isinstance(e.get("username"), str) and isinstance(e.get("password"), str)] \
            if isinstance(data, list) else []
    return _loaded


def find(url: str):
    """The kept entry with the longest prefix covering `url`, or None."""
    best = None
    for entry in entries():
        if urls.under(url, entry["url"]) and (best is None or len(entry["url"]) > len(best["url"])):
            best = entry
    return best


def remember(url: str, username: str, password: str, source: str) -> None:
    """Keep a credential for the scope of `url` (replacing one kept for the same scope)."""
    global _loaded
    prefix = urls.parse(url).scope()
    kept = [e for e in entries() if e["url"] != prefix]
    kept.append({"url": prefix, "username": username, "password": password, "source": source,
                 "saved_at": int(time.time())})
    private_dir(store_path().parent, "uv-shim's private directory")
    write_private(store_path(), json.dumps(kept, indent=1, sort_keys=True).encode())
    _loaded = kept


def forget(url: str = None) -> int:
    """Forget the credential kept for `url` (every one when None); returns how many."""
    global _loaded
    before = entries()
    after = [] if url is None else [e for e in before if not urls.under(e["url"], url)]
    if len(after) != len(before):
        write_private(store_path(), json.dumps(after, indent=1, sort_keys=True).encode())
    _loaded = after
    return len(before) - len(after)
