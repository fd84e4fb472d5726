"""Prepare `uv tool install | upgrade | run`: repair receipts, get credentials, check them.

Returns the environment the real uv is exec'd with. Nothing here writes a secret
anywhere but that environment (and the netrc handed to uv, see netrc.py).
"""

from __future__ import annotations

import os
import re

from . import config as config_mod
from . import credentials, paths, receipts, uv_settings
from .errors import info
from .providers.base import Context

_NAME = r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"


def requirement_name(spec: str):
    """`demo-tool[cli]>=1`, `demo-tool@latest` -> `demo-tool`; URLs and paths -> None."""
    if "://" in spec or spec.startswith((".", "/", "~")):
        return None
    match = re.match(_NAME, spec)
    return match.group(1) if match else None


def targets(parsed):
    """(tool names whose receipts the command touches, None for every tool; packages it asks for)."""
    if parsed.key == "uv__tool__upgrade":
        if parsed.flag("--all"):
            return None, []
        return parsed.positionals, parsed.positionals
    spec = (parsed.values("--from") or parsed.positionals or [""])[-1]
    name = requirement_name(spec)
    return ([name], [name]) if name else ([], [])


def _needs_from_receipts(found) -> list:
    needs = []
    for receipt in found:
        for ref in receipt.indexes:
            needs.append(credentials.Need(ref.url, ref.name, list(receipt.packages), ref.place,
                                          had_credentials=ref.url in receipt.stripped))
    return needs


def _report(found) -> None:
    for receipt in found:
        if receipt.changed:
            count = len(receipt.stripped)
            info(f"receipt of {receipt.name}: removed {count} stale {'credential' if count == 1 else 'credentials'}"
                 f" ({'; '.join(f for f in receipt.findings if 'credential' in f)})")


def prepare(parsed) -> dict:
    environ = dict(os.environ)
    config = config_mod.load()
    names, packages = targets(parsed)
    found = receipts.repair(paths.tool_dir(), names) if names is None or names else []
    _report(found)

    user = uv_settings.user_indexes(parsed, environ)
    needs = []
    if parsed.key != "uv__tool__install":
        needs += _needs_from_receipts(found)
    # (An index whose URL carries its own credential is left to uv by credentials.plan.)
    needs += [credentials.Need(index.url, index.name, packages, index.place) for index in user]
    needs = credentials.merge_needs(needs)
    if not packages:
        for need in needs:
            if not need.packages:
                need.packages = [r.name for r in found][:1]

    from .network_use import offline

    if offline(parsed, environ):
        return environ  # uv makes no request: no provider is called
    if names is None and parsed.key == "uv__tool__upgrade":  # --all: upgrade every tool that can be
        from . import upgrade_all

        user_keys = {(index.url.rstrip("/"), index.name) for index in user}
        return upgrade_all.prepare(found, needs, user_keys, config, Context(environ=environ, uv_indexes=user),
                                   environ)
    return credentials.supply(needs, config, Context(environ=environ, uv_indexes=user), environ, strict=True)

