"""Decide which provider serves each index and obtain the credentials.

How a credential then reaches uv is handoff.py's decision alone; whether the index
accepts it, preflight.py's. A credential is issued for a scope, a URL prefix (origin
and path): the `[[credential]]` url that matched, what the provider says (`scope()`),
else the index URL itself. It is never given for anything outside that scope.
"""

from __future__ import annotations

from . import urls
from .errors import ShimError, debug, warn
from .providers import DISCOVERY, PROVIDERS
from .providers.base import Context
from .providers.uv_config import index_env_prefix
from .redact import redact_url


class Need:
    """One index a command will use, and the packages it may be asked for."""

    def __init__(self, url: str, name=None, packages=(), place="index-url", had_credentials=False):
        self.url = url  # without credentials
        self.name = name
        self.packages = list(packages)
        self.place = place
        self.had_credentials = had_credentials  # a receipt stored a credential for it


class Supply:
    def __init__(self, need: Need, provider, settings: dict, scope: str = None):
        self.need = need
        self.provider = provider  # provider module
        self.settings = settings
        scope_of = getattr(provider, "scope", None)
        own = urls.parse(need.url)
        self.scope = scope or (scope_of(need.url, settings) if scope_of else None) or (own.scope() if own else need.url)
        self.credential = None

    def describe(self) -> str:
        return self.provider.describe(self.settings)

    def key(self):
        """Supplies with the same key share one provider call (and one refresh)."""
        return self.provider.NAME, repr(sorted((k, repr(v)) for k, v in self.settings.items()))


def merge_needs(needs: list) -> list:
    merged = {}
    for need in needs:
        key = (need.url.rstrip("/"), need.name)
        if key in merged:
            known = merged[key]
            known.packages += [p for p in need.packages if p not in known.packages]
            known.had_credentials |= need.had_credentials
        else:
            merged[key] = need
    return list(merged.values())


def provider_for(url: str, config, context: Context, kept: bool = True):
    """(provider module, settings, scope or None) covering `url`, or None."""
    rule = config.rule_for(url) if config else None
    if rule:
        return PROVIDERS[rule.provider], rule.settings, rule.url
    for module in DISCOVERY:
        if not kept and module.NAME == "kept":
            continue
        settings = module.discover(url, context)
        if settings:
            return module, settings, None
    return None


def plan(needs: list, config, context: Context) -> list:
    """One Supply per index some provider covers; uncovered indexes are left exactly as they are."""
    supplies = []
    for need in needs:
        parsed = urls.parse(need.url)
        if parsed is None:
            debug(f"{redact_url(need.url)}: not an http(s) URL; left to uv")
            continue
        if parsed.has_credential:
            debug(f"{redact_url(need.url)} carries its own credential; left to uv")
            continue
        if need.name and context.environ.get(index_env_prefix(need.name) + "_PASSWORD"):
            debug(f"{index_env_prefix(need.name)}_PASSWORD is already set; left to uv")
            continue
        found = provider_for(need.url, config, context)
        if found:
            module, settings, scope = found
            supplies.append(Supply(need, module, settings, scope))
            debug(f"{redact_url(need.url)}: {supplies[-1].describe()} for {redact_url(supplies[-1].scope)}")
        else:
            debug(f"{redact_url(need.url)}: no provider; left as it is")
    return supplies


def obtain(supplies: list, failures=None) -> list:
    """Fill each supply's credential: one provider call per distinct configuration, in parallel.

    Returns the supplies that got a credential. A provider error is raised, unless
    `failures` (a list) is given: then each failed supply is appended to it as
    (supply, ShimError) and left out of the result.
    """
    from .providers.base import obtain as provider_obtain

    distinct = {}
    for supply in supplies:
        distinct.setdefault(supply.key(), supply)
    results = {}

    def run(item):
        key, supply = item
        try:
            results[key] = provider_obtain(supply.provider, supply.need.url, supply.settings)
        except ShimError as exc:
            results[key] = exc

    items = list(distinct.items())
    if len(items) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
            list(pool.map(run, items))
    else:
        for item in items:
            run(item)
    for key, supply in distinct.items():
        result = results[key]
        if isinstance(result, ShimError):
            result.message = f"no credential for {redact_url(supply.need.url)}: {result.message}"
            if failures is None:
                raise result
    got = []
    for supply in supplies:
        result = results[supply.key()]
        if isinstance(result, ShimError):
            failures.append((supply, result))
        else:
            supply.credential = result
            got.append(supply)
    return got


def supply(needs: list, config, context: Context, environ: dict, in_play: list, uv_version: tuple,
           extra=(), strict: bool = True) -> dict:
    """Plan, obtain, check and hand over; returns `environ`.

    strict (`uv tool install|upgrade|run`, `uvx`, where uv is silent about a refused
    credential): one request per index before uv runs, and a provider that fails stops
    the command. Not strict (project, pip and publish commands, where uv reports
    authentication failures itself): no request of uv-shim's own, and a provider that
    fails is one warning line; uv then runs without that credential.

    `extra` are supplies already made (credentials typed on the command line);
    `uv_version` is the real uv's version, or a function that tells it (asked only when
    something is to be handed over). When nothing is to be supplied this returns at once,
    having imported nothing more.
    """
    supplies = list(extra) + plan(needs, config, context)
    if not supplies:
        return environ
    failures = None if strict else []
    supplies = [s for s in supplies if s.credential is not None] + obtain(
        [s for s in supplies if s.credential is None], failures)
    if failures:
        warn_failures(failures)
    if not supplies:
        return environ
    from . import handoff

    version = uv_version() if callable(uv_version) else uv_version
    handoff.plan(supplies, in_play, version)  # refuse before any request when it cannot be handed over safely
    if strict:
        from . import preflight

        preflight.check(supplies)
    handoff.hand_over(supplies, in_play, environ, version)
    return environ


def warn_failures(failures: list) -> None:
    """One warning line per provider that failed (supplies sharing a provider call: one line)."""
    seen = set()
    for _supply, error in failures:
        if id(error) in seen:
            continue
        seen.add(id(error))
        fix = f" (fix: {error.fix})" if error.fix else ""
        warn(" ".join(f"{error.message}{fix}; uv runs without it".split()))
