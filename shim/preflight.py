"""One authenticated request per index before uv runs, so a refused credential is an error.

uv 0.8.3+ answers a refused credential with "Nothing to upgrade" and exit 0; this
turns that into a message naming the index and provider, and exit 1.
"""

from __future__ import annotations

from . import http_probe
from .receipts import normalize_name
from .errors import ShimError, debug, warn
from .redact import redact_url

TIMEOUT = 10.0
ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.5"


def probe_url(supply) -> str:
    url = supply.need.url
    if supply.need.place == "find-links" or not supply.need.packages:
        return url
    package = normalize_name(supply.need.packages[0])
    return url.rstrip("/") + f"/{package}/"


def _status(url: str, credential) -> int:
    """HTTP status of an authenticated GET of `url` (redirects not followed); 0 when unreachable."""
    try:
        return http_probe.get_status(url, credential.username, credential.password, TIMEOUT, ACCEPT)
    except (OSError, ValueError) as exc:  # ValueError: a malformed URL or port
        debug(f"preflight {redact_url(url)}: {type(exc).__name__}")
        return 0


def status_of(supply) -> int:
    """Status of the probe for this supply's index (one package page, or the page itself)."""
    url = probe_url(supply)
    status = _status(url, supply.credential)
    if status == 404 and url != supply.need.url and _refused(supply, 404):
        # An index that also answers 404 to a bad token (CodeArtifact): the index root tells
        # "package absent" (root readable) from "token refused" (root 404 too).
        root = _status(supply.need.url, supply.credential)
        if 200 <= root < 400:
            debug(f"{redact_url(supply.need.url)}: {supply.need.packages[0]} is absent, the credential is accepted")
            return root
    return status


def _probe_all(items: list) -> list:
    if len(items) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
            return list(pool.map(status_of, items))
    return [status_of(s) for s in items]


def _refused(supply, status) -> bool:
    return status in getattr(supply.provider, "REJECTED_STATUSES", (401, 403))


def check(supplies: list) -> None:
    """Raise ShimError when an index refuses the credential it was given.

    A provider with `refresh` (a cached token) gets one chance: its cache is dropped,
    a new credential is fetched and the index asked again.
    """
    by_url = {}
    for supply in supplies:
        by_url.setdefault(supply.need.url, supply)
    items = list(by_url.values())
    statuses = _probe_all(items)
    retry = [i for i, (s, status) in enumerate(zip(items, statuses))
             if _refused(s, status) and hasattr(s.provider, "refresh")]
    refreshed = set()
    for i in retry:
        supply = items[i]
        key = supply.key()
        if key not in refreshed:
            debug(f"{redact_url(supply.need.url)} answered {statuses[i]}: refreshing the credential once")
            fresh = supply.provider.refresh(supply.need.url, supply.settings)
            refreshed.add(key)
            for other in supplies:
                if other.key() == key:
                    other.credential = fresh
    if retry:
        for i, status in zip(retry, _probe_all([items[i] for i in retry])):
            statuses[i] = status
    refused = []
    for supply, status in zip(items, statuses):
        debug(f"preflight {redact_url(supply.need.url)}: HTTP {status}")
        if status == 0:
            warn(f"could not reach {redact_url(supply.need.url)} to check its credential; uv will try")
        elif _refused(supply, status):
            refused.append((supply, status))
    if refused:
        lines = [
            f"{redact_url(s.need.url)} refused the credential from {s.describe()} (HTTP {status})"
            for s, status in refused
        ]
        fixes = sorted({s.provider.rejected_fix(s.settings) for s, _ in refused})
        raise ShimError("\n  ".join(lines) + "\n  uv was not run.", fix="; ".join(fixes))
