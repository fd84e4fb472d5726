"""Prepare project, pip and publish commands (`uv sync`, `uv pip install`, `uv publish`, …).

The indexes in play are found as uv finds them (indexes.py); those a
provider covers get fresh credentials exactly as for tools. When none is covered, this
returns at once: nothing heavy is imported on that path.
"""

from __future__ import annotations

import os

from . import config as config_mod
from . import credentials, indexes
from .providers.base import Context
from .errors import ConfigError, warn
from .redact import has_credential

PIP_KEYS = {"uv__pip__install", "uv__pip__sync", "uv__pip__compile"}
PUBLISH_KEY = "uv__publish"
DEFAULT_PUBLISH_URL = "https://upload.pypi.org/legacy/"


def prepare(parsed, args: list, real: str):
    """(argv, environment) to exec the real uv with."""
    environ = os.environ.copy()  # (verdict.watch notes what is read from it)
    try:
        config = config_mod.load()
    except ConfigError as exc:  # uv itself would run: say what is wrong, and let it
        fix = f" (fix: {exc.fix})" if exc.fix else ""
        warn(f"{exc.message}{fix}; uv runs without uv-shim's credentials")
        return args, environ
    if parsed.key == PUBLISH_KEY:
        return args, _prepare_publish(parsed, environ, config)
    found = indexes.in_play(parsed, environ, project=True, pip=parsed.key in PIP_KEYS)
    # (An index whose URL carries its own credential is left to uv by credentials.plan.)
    needs = credentials.merge_needs([credentials.Need(i.url, i.name, (), i.place) for i in found])
    context = Context(environ=environ, uv_indexes=indexes.every_user_index(parsed, environ))
    # Not strict: no request of uv-shim's own (uv reports a refused credential itself), and a
    # provider that fails is a warning: uv runs without that credential, as plain uv would.
    from .project import uv_version_of

    return args, credentials.supply(needs, config, context, environ, found, uv_version_of(real), strict=False)


def _user_gave_publish_credentials(parsed, environ) -> bool:
    options = ("--username", "--password", "-p", "--token", "-t")
    variables = ("UV_PUBLISH_USERNAME", "UV_PUBLISH_PASSWORD", "UV_PUBLISH_TOKEN")
    return any(parsed.values(o) for o in options) or any(environ.get(v) for v in variables)


def _prepare_publish(parsed, environ, config) -> dict:
    """Supply UV_PUBLISH_USERNAME/PASSWORD for a publish URL a provider covers."""
    if _user_gave_publish_credentials(parsed, environ):
        return environ
    url = ((parsed.values("--publish-url") or [environ.get("UV_PUBLISH_URL", "")])[-1]
           or indexes.named_publish_url(parsed, environ) or DEFAULT_PUBLISH_URL)
    if has_credential(url):
        return environ
    context = Context(environ=environ, uv_indexes=indexes.every_user_index(parsed, environ))
    supplies = credentials.plan([credentials.Need(url, place="publish")], config, context)
    if not supplies:
        return environ
    failures = []
    if not credentials.obtain(supplies, failures):
        credentials.warn_failures(failures)
        return environ
    credential = supplies[0].credential
    environ["UV_PUBLISH_USERNAME"] = credential.username
    environ["UV_PUBLISH_PASSWORD"] = credential.password
    return environ
