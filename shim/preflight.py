"""Before uv runs, ask each index whether it takes the credential, so a refused one is an error.

uv 0.8.3+ answers a refused credential with "Nothing to upgrade" and exit 0; this
turns that into a message naming the index and provider, and exit 1.

The check behaves like uv's own requests: the network settings uv would use
(`network_settings`: proxies, NO_PROXY, trust roots, offline; see http_probe), first a
request without the credential, and the credential only when the server asks for it
(401, or a status the provider lists in REJECTED_STATUSES, as CodeArtifact answers 404),
never over plain http except between loopback addresses, redirects never followed, and a
request the connection failed under (reset, refused, closed unanswered) or answered with a
status uv retries (5xx, 408, 429) retried as uv retries it (UV_HTTP_RETRIES, else 3). All
indexes are asked in parallel under one deadline of TIMEOUT seconds, retries included;
whatever has not answered by then is left to uv, with one line saying so.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

from . import http_probe
from .errors import ShimError, debug, info, warn
from .receipts import normalize_name
from .redact import redact_url

TIMEOUT = 3.0
DEFAULT_RETRIES = 3  # uv's own default (UV_HTTP_RETRIES); the deadline still bounds them all
RETRY_PAUSE = 0.25  # seconds before the first retry, doubled for each next one (uv backs off exponentially)
ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.5"
_TRUE = ("1", "true", "yes", "y", "on", "t")


def probe_url(supply) -> str:
    url = supply.need.url
    if supply.need.place == "find-links" or not supply.need.packages:
        return url
    package = normalize_name(supply.need.packages[0])
    return url.rstrip("/") + f"/{package}/"


def _env_flag(environ, name):
    value = environ.get(name)
    return None if value is None or value == "" else value.strip().lower() in _TRUE


def network_settings(args=None, environ=None) -> http_probe.Network:
    """uv's network settings for this command line: `--system-certs`/`--native-tls`,
    `--offline` and their variables, and the same keys plus `http-proxy`, `https-proxy`,
    `no-proxy` in the user/system uv.toml (or `--config-file`), as uv resolves them."""
    from . import argv, indexes
    from .project import read_toml

    args = sys.argv[1:] if args is None else args
    environ = os.environ if environ is None else environ
    parsed = argv.parse(list(args))
    config = {}
    for path in indexes.config_files(parsed, environ):  # the user's file before the system's
        data = read_toml(path) or {}
        for key in ("system-certs", "native-tls", "offline", "http-proxy", "https-proxy", "no-proxy"):
            if key in data and key not in config:
                config[key] = data[key]

    def resolve(spellings, env_names, keys):
        for yes, no in spellings:  # the command line first, in uv's order
            if parsed.flag(yes) or parsed.flag(no):
                return not parsed.flag(no)
        if any(_env_flag(environ, name) for name in env_names):
            return True
        return any(config.get(key) is True for key in keys)

    system_certs = resolve([("--system-certs", "--no-system-certs"), ("--native-tls", "--no-native-tls")],
                           ("UV_SYSTEM_CERTS", "UV_NATIVE_TLS"), ("system-certs", "native-tls"))
    offline = resolve([("--offline", "--no-offline")], ("UV_OFFLINE",), ("offline",))
    proxies = {k: config[k] for k in ("http-proxy", "https-proxy", "no-proxy") if k in config}
    return http_probe.Network(environ, system_certs=system_certs, offline=offline, config_proxies=proxies or None)


def _asks(supply) -> tuple:
    """Statuses of an unauthenticated request that mean "this index wants a credential"."""
    return (401,) + tuple(getattr(supply.provider, "REJECTED_STATUSES", ()))


def _refused(supply, status) -> bool:
    return status in getattr(supply.provider, "REJECTED_STATUSES", (401, 403))


def status_of(supply, network, deadline):
    """(HTTP status, whether the credential was sent) for this supply's index.

    Raises http_probe.Skip when the check cannot follow uv's rules or must not send the
    credential, OSError when the index cannot be reached in time."""
    url = probe_url(supply)
    parts = http_probe.urlsplit(url)
    proxy = network.proxy_for((parts.scheme or "").lower(), parts.hostname or "")
    if not http_probe.credential_allowed(url, proxy):
        raise http_probe.Skip("plain http to a host that is not loopback; the credential is not sent")
    status = http_probe.get_status(url, network, deadline, None, ACCEPT)
    if status not in _asks(supply):
        debug(f"{redact_url(url)} answered {status} without a credential; none sent")
        return status, False
    authorization = http_probe.basic(supply.credential.username, supply.credential.password)
    status = http_probe.get_status(url, network, deadline, authorization, ACCEPT)
    if status == 404 and url != supply.need.url and _refused(supply, 404):
        # An index that also answers 404 to a bad token (CodeArtifact): the index root tells
        # "package absent" (root readable) from "token refused" (root 404 too).
        root = http_probe.get_status(supply.need.url, network, deadline, authorization, ACCEPT)
        if 200 <= root < 400:
            debug(f"{redact_url(supply.need.url)}: {supply.need.packages[0]} is absent, the credential is accepted")
            return root, True
    return status, True


def _retries(environ) -> int:
    """How many times uv would retry a request that failed on the way (UV_HTTP_RETRIES as a u32,
    `+` allowed, else 3: uv refuses any other value and fails to start itself), at most 3."""
    value = environ.get("UV_HTTP_RETRIES") or ""
    digits = value[1:] if value.startswith("+") else value
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or int(digits) >= 1 << 32:
        return DEFAULT_RETRIES
    return min(int(digits), DEFAULT_RETRIES)


def _transient(status: int) -> bool:
    """An answer uv retries (reqwest-retry's default_on_request_success): 5xx, 408, 429."""
    return 500 <= status < 600 or status in (408, 429)


def _probe_all(items: list, network, deadline) -> list:
    """One thread per index, all bounded by `deadline` (name lookups included: a thread still
    running then is abandoned). Each result: ("status", code, sent) | ("skip", reason) |
    ("unreachable", error) | None when the deadline passed first. What uv retries (a reset,
    refused or unanswered connection; a 5xx, 408 or 429) is retried, while time is left."""
    results = [None] * len(items)

    retries = _retries(network.environ)

    def work(i):
        for attempt in range(retries + 1):
            try:
                status, sent = status_of(items[i], network, deadline)
                results[i] = ("status", status, sent)
                if not _transient(status):
                    return
            except http_probe.Skip as exc:
                results[i] = ("skip", str(exc))
                return
            except socket.timeout:
                return  # left as it is: None (timed out), or what the last attempt met
            except ConnectionError as exc:  # reset, refused, closed early: uv retries these
                results[i] = ("unreachable", type(exc).__name__)
            except (OSError, ValueError) as exc:  # ValueError: a malformed URL or port
                results[i] = ("unreachable", type(exc).__name__)
                return
            pause = RETRY_PAUSE * 2 ** attempt
            if attempt == retries or deadline.at - time.monotonic() <= pause:
                return
            time.sleep(pause)

    threads = [threading.Thread(target=work, args=(i,), daemon=True, name="uv-shim-preflight")
               for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline.at - time.monotonic()))
    return list(results)  # a copy: a late thread can no longer change the verdict


def check(supplies: list, network=None) -> None:
    """Raise ShimError when an index refuses the credential it was given.

    A provider with `refresh` (a cached token) gets one chance: its cache is dropped,
    a new credential is fetched and the index asked again (within what is left of TIMEOUT).
    """
    network = network_settings() if network is None else network
    if network.offline:
        debug("uv runs offline: no index is checked")
        return
    by_url = {}
    for supply in supplies:
        by_url.setdefault(supply.need.url, supply)
    items = list(by_url.values())
    started = time.monotonic()
    results = _probe_all(items, network, http_probe.Deadline(TIMEOUT))
    retry = [i for i, (s, r) in enumerate(zip(items, results))
             if r and r[0] == "status" and r[2] and _refused(s, r[1]) and hasattr(s.provider, "refresh")]
    if retry:
        spent = time.monotonic() - started
        refreshed = set()
        for i in retry:
            supply = items[i]
            key = supply.key()
            if key not in refreshed:
                debug(f"{redact_url(supply.need.url)} answered {results[i][1]}: refreshing the credential once")
                fresh = supply.provider.refresh(supply.need.url, supply.settings)
                refreshed.add(key)
                for other in supplies:
                    if other.key() == key:
                        other.credential = fresh
        again = _probe_all([items[i] for i in retry], network, http_probe.Deadline(TIMEOUT - spent))
        for i, result in zip(retry, again):
            results[i] = result
    _report(items, results)


def _report(items, results) -> None:
    refused, late, skipped = [], [], {}
    for supply, result in zip(items, results):
        url = redact_url(supply.need.url)
        if result is None:
            late.append(url)
        elif result[0] == "skip":
            skipped.setdefault(result[1], []).append(url)
        elif result[0] == "unreachable":
            debug(f"preflight {url}: {result[1]}")
            warn(f"could not reach {url} to check its credential; uv will try")
        else:
            _, status, sent = result
            debug(f"preflight {url}: HTTP {status}{'' if sent else ' (no credential asked for)'}")
            if _transient(status):
                warn(f"could not check {url}: it answered HTTP {status}; uv will try")
            if sent and _refused(supply, status):
                refused.append((supply, status))
    for reason, urls in skipped.items():
        info(f"credential not checked for {', '.join(urls)}: {reason}; uv will try")
    if late:
        warn(f"could not check {', '.join(late)} within {TIMEOUT:g} s; uv will try")
    if refused:
        lines = [
            f"{redact_url(s.need.url)} refused the credential from {s.describe()} (HTTP {status})"
            for s, status in refused
        ]
        fixes = sorted({s.provider.rejected_fix(s.settings) for s, _ in refused})
        raise ShimError("\n  ".join(lines) + "\n  uv was not run.", fix="; ".join(fixes))
