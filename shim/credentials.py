"""Decide which provider serves each index, obtain the credentials, and hand them to uv.

Credentials reach uv only through the environment of the exec'd process:
`UV_INDEX_<NAME>_USERNAME/PASSWORD` for named indexes, the merged netrc for the rest.
Index URLs themselves are never injected.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import netrc
from .errors import ShimError, debug, warn
from .providers import DISCOVERY, PROVIDERS
from .providers.base import Context
from .providers.uv_config import index_env_prefix
from .redact import has_credential, redact_url


class Need:
    """One index a command will use, and the packages it may be asked for."""

    def __init__(self, url: str, name=None, packages=(), place="index-url", had_credentials=False):
        self.url = url  # without credentials
        self.name = name
        self.packages = list(packages)
        self.place = place
        self.had_credentials = had_credentials  # a receipt stored a credential for it


class Supply:
    def __init__(self, need: Need, provider, settings: dict):
        self.need = need
        self.provider = provider  # provider module
        self.settings = settings
        self.credential = None

    def describe(self) -> str:
        return self.provider.describe(self.settings)


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


def plan(needs: list, config, context: Context) -> list:
    """One Supply per index some provider covers; uncovered indexes are left exactly as they are."""
    supplies = []
    for need in needs:
        if has_credential(need.url):
            debug(f"{redact_url(need.url)} carries its own credential; left to uv")
            continue
        if need.name and context.environ.get(index_env_prefix(need.name) + "_PASSWORD"):
            debug(f"{index_env_prefix(need.name)}_PASSWORD is already set; left to uv")
            continue
        rule = config.rule_for(need.url)
        if rule:
            supplies.append(Supply(need, PROVIDERS[rule.provider], rule.settings))
            debug(f"{redact_url(need.url)}: {supplies[-1].describe()} from {rule.source}")
            continue
        for module in DISCOVERY:
            settings = module.discover(need.url, context)
            if settings:
                supplies.append(Supply(need, module, settings))
                debug(f"{redact_url(need.url)}: {supplies[-1].describe()}")
                break
        else:
            debug(f"{redact_url(need.url)}: no provider; left as it is")
            if need.had_credentials:
                warn(f"the credential stored for {redact_url(need.url)} was removed and no provider covers it; "
                     "uv will reach it with whatever netrc or keyring gives.\n"
                     "  fix: add a [[credential]] for it to ~/.config/uv-shim/config.toml, "
                     "or put a fresh credential in ~/.config/uv/uv.toml")
    return supplies


def supply_key(supply: Supply):
    """Supplies with the same key share one provider call (and one refresh)."""
    return supply.provider.NAME, repr(sorted((k, repr(v)) for k, v in supply.settings.items()))


def obtain(supplies: list, failures=None) -> list:
    """Fill each supply's credential: one provider call per distinct configuration, in parallel.

    Returns the supplies that got a credential. A provider error is raised, unless
    `failures` (a list) is given: then each failed supply is appended to it as
    (supply, ShimError) and left out of the result.
    """
    from .providers.base import obtain as provider_obtain

    distinct = {}
    for supply in supplies:
        distinct.setdefault(supply_key(supply), supply)
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
        result = results[supply_key(supply)]
        if isinstance(result, ShimError):
            failures.append((supply, result))
        else:
            supply.credential = result
            got.append(supply)
    return got


def inject(supplies: list, env: dict) -> None:
    """Put every credential into `env`: named indexes by name, the others into the netrc."""
    fresh = {}
    for supply in supplies:
        credential = supply.credential
        if supply.need.name:
            prefix = index_env_prefix(supply.need.name)
            env[f"{prefix}_USERNAME"] = credential.username
            env[f"{prefix}_PASSWORD"] = credential.password
            continue
        host = (urlsplit(supply.need.url).hostname or "").lower()
        if host in fresh and fresh[host] != (credential.username, credential.password):
            warn(f"two different credentials for host {host}; netrc can hold one per host, the last is used")
        fresh[host] = (credential.username, credential.password)
    netrc.hand_to_uv(fresh, env)


def supply(needs: list, config, context: Context, environ: dict, strict: bool = True) -> dict:
    """Plan, obtain, check and inject; returns `environ`.

    strict (`uv tool install|upgrade|run`, `uvx`, where uv is silent about a refused
    credential): one request per index before uv runs, and a provider that fails stops
    the command. Not strict (project, pip and publish commands, where uv reports
    authentication failures itself): no request of uv-shim's own, and a provider that
    fails is one warning line; uv then runs without that credential.
    When no provider covers any index this returns at once, having imported nothing more.
    """
    supplies = plan(needs, config, context)
    if not supplies:
        return environ
    if strict:
        obtain(supplies)
        from . import preflight

        preflight.check(supplies)
    else:
        failures = []
        supplies = obtain(supplies, failures)
        warn_failures(failures)
    inject(supplies, environ)
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
