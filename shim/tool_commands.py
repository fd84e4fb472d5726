"""Prepare `uv tool install | upgrade | run`: repair receipts, get credentials, check them.

Returns the argv and environment the real uv is exec'd with. Nothing here writes a
secret anywhere but uv-shim's private files (kept_credentials.py, handoff.py).
"""

from __future__ import annotations

import os
import re

from . import config as config_mod
from . import credentials, indexes, paths, receipts, urls
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
            if ref.url in receipt.left_urls:
                continue  # its own credential stays in the receipt, where uv reads it
            needs.append(credentials.Need(ref.url, ref.name, list(receipt.packages), ref.place,
                                          had_credentials=ref.url in receipt.stripped))
    return needs


def _receipt_layer(receipt):
    layer = indexes.Layer(f"the receipt of {receipt.name}")
    for ref in receipt.indexes:
        index = indexes.UvIndex(ref.url, ref.name, layer.source, ref.place, ref.default or ref.place == "index-url")
        if ref.place == "index-url":
            layer.index_url = index
        elif ref.place in ("find-links", "direct"):
            layer.flat.append(index)
        elif ref.place == "index":
            layer.index.append(index)
        else:
            layer.extra.append(index)
    return layer


def _in_play(parsed, environ, found, local) -> list:
    """Every index uv may use for the tools this command touches (each tool is resolved alone),
    then the indexes that the local projects they come from pin (`local`, see _local_indexes)."""
    cli = indexes.command_line(parsed, environ)
    user = indexes.user_layers(parsed, environ)
    if not found:
        in_play = indexes.resolve([cli, *user])
    else:
        in_play = [i for receipt in found for i in indexes.resolve([cli, _receipt_layer(receipt), *user])]
    return in_play + [i for pinned in local.values() for i in pinned]


def _local_indexes(parsed, environ, found) -> dict:
    """{tool name, or None for the command line: the indexes its local projects pin}. uv builds a
    tool that is a local project (`uv tool install ./dir`, `--from ./dir`, `--with-editable`, an
    `-e DIR` line of `--with-requirements`; a receipt's `directory`/`editable`, on every upgrade)
    with that project's own sources."""
    from .project import local_project

    local = {}
    named = indexes.named_projects(parsed, environ)
    if named:
        local[None] = indexes.local_indexes(named)
    for receipt in found:
        projects = [d for d in map(local_project, receipt.projects) if d]
        if projects:
            local[receipt.name] = indexes.local_indexes(projects)
    return local


def receipt_decider(config, context, uv_version, remember: bool):
    """strip(tool, value) for receipts.repair: which stored credentials go.

    A `****` mask always goes; so does a credential some provider supplies fresh. One that
    nothing else would supply is kept by uv-shim (kept_credentials.py) and taken out of the
    receipt where uv can read it from its credential store (uv 0.8.15+); otherwise it stays
    in the receipt too, where that uv reads it (and where uv 0.7.9+ will mask or drop it on
    its next write: the kept copy then takes over)."""
    from . import handoff, kept_credentials

    def strip(tool, value) -> bool:
        match = re.search(r"[Hh][Tt][Tt][Pp][Ss]?://\S+", value)
        parsed = urls.parse(match.group(0)) if match else None
        if parsed is None:
            return False
        if receipts.MASK in (parsed.username, parsed.password):
            return True
        clean = urls.strip_userinfo(match.group(0))
        if credentials.provider_for(clean, config, context, kept=False):
            return True
        if value[max(0, match.start() - 4):match.start()].lower() == "git+":
            return False  # uv's credential store and netrc are not used for git: it stays
        if remember:
            kept_credentials.remember(clean, parsed.username or "", parsed.password or "",
                                      f"stored in the receipt of {tool}")
        return handoff.storable(parsed, uv_version() if callable(uv_version) else uv_version)

    return strip


def _report(found) -> None:
    for receipt in found:
        if receipt.changed:
            count = len(receipt.stripped)
            info(f"receipt of {receipt.name}: took out {count} stored {'credential' if count == 1 else 'credentials'}"
                 f" ({'; '.join(f for f in receipt.findings if 'credential' in f)})")


def _typed_supplies(typed, needs, parsed, config, context) -> list:
    """Supplies for credentials typed on the command line; kept for later upgrades (install/upgrade)."""
    from . import kept_credentials
    from .providers import kept
    from .providers.base import Credential

    supplies = []
    for item in typed:
        need = next((n for n in needs if urls.same_index(n.url, item.url)), None)
        if need is None:
            need = credentials.Need(item.url, None, [], "direct")
            needs.append(need)
        credential = Credential(item.username, item.password)
        supply = credentials.Supply(need, kept, kept.typed(urls.parse(item.url).scope(), credential,
                                                           f"typed {item.where}"))
        supply.credential = credential
        supplies.append(supply)
        if parsed.key != "uv__tool__run" and not credentials.provider_for(item.url, config, context, kept=False):
            kept_credentials.remember(item.url, item.username, item.password, f"typed {item.where}")
    return supplies


def prepare(parsed, args: list, real: str):
    """(argv, environment) to exec the real uv with."""
    from . import argv as argv_mod
    from . import typed_credentials

    environ = dict(os.environ)
    config = config_mod.load()
    args, typed = typed_credentials.take(args, parsed, environ)
    if typed:
        parsed = argv_mod.parse(args)
    from .project import uv_version_of

    uv_version = uv_version_of(real)  # asked once, only when needed

    context = Context(environ=environ, uv_indexes=indexes.every_user_index(parsed, environ), tool=True)
    names, packages = targets(parsed)
    strip = receipt_decider(config, context, uv_version, remember=True)
    found = receipts.repair(paths.tool_dir(), names, strip=strip) if names is None or names else []
    _report(found)

    found_for = found if parsed.key != "uv__tool__install" else []
    local = _local_indexes(parsed, environ, found_for)
    in_play = _in_play(parsed, environ, found_for, local)
    needs = []
    if parsed.key != "uv__tool__install":
        needs += _needs_from_receipts(found)
    needs += [credentials.Need(i.url, i.name, list(i.pins) or packages, i.place) for i in in_play]
    needs = credentials.merge_needs(needs)
    if not packages:
        for need in needs:
            if not need.packages:
                need.packages = [r.name for r in found][:1]
    extra = _typed_supplies(typed, needs, parsed, config, context)
    typed_needs = {id(s.need) for s in extra}
    needs = [n for n in needs if id(n) not in typed_needs]
    in_play += [indexes.UvIndex(s.need.url, None, "the command line", "direct") for s in extra
                if s.need.place == "direct"]

    from .network_use import offline

    if offline(parsed, environ):
        return args, environ  # uv makes no request: no provider is called
    if names is None and parsed.key == "uv__tool__upgrade":  # --all: upgrade every tool that can be
        from . import upgrade_all

        shared = indexes.resolve([indexes.command_line(parsed, environ), *indexes.user_layers(parsed, environ)])
        user_keys = {(index.url.rstrip("/"), index.name) for index in shared}
        return args, upgrade_all.prepare(found, needs, user_keys, config, context, environ, in_play, uv_version,
                                         extra, local)
    return args, credentials.supply(needs, config, context, environ, in_play, uv_version, extra, strict=True)
