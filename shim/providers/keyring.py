"""`keyring`: a credential from the keyring the user already has, with their plugins
(artifacts-keyring, keyrings.google-artifactregistry-auth, keyrings.codeartifact, …).

Asked as uv and pip ask it: `keyring get SERVICE USERNAME`, or `keyring get SERVICE --mode
creds` when no username is configured (keyring 25.2.1+), SERVICE being the index URL and then
its host. The `keyring` command on PATH is preferred (that is where plugins are installed);
else the keyring library in uv-shim's own environment. Keyring cannot tell a token's expiry:
the answer is cached for `lifetime` seconds (default one hour, used for half of it) and
asked again at once when the index refuses it.
"""

from __future__ import annotations

import sys

from urllib.parse import urlsplit

from .base import Credential, ProviderError, url_prefix
from .base import refresh as refresh_cached

NAME = "keyring"
KEYS = {
    "username": (str, "user name to ask keyring for (default: keyring's own, with --mode creds)"),
    "service": (str, "service name to ask for (default: the index URL, then its host)"),
    "lifetime": (int, "seconds a credential is taken to last (default 3600; 0: ask every time)"),
    "timeout": (int, "seconds keyring may take (default 60)"),
}
REQUIRED = ()
DEFAULT_LIFETIME = 3600
MISSING_FIX = ("install keyring with your plugin where uv-shim finds it: `uv tool install keyring --with "
               "PLUGIN` (e.g. artifacts-keyring) puts `keyring` on PATH; or `pip install keyring PLUGIN` "
               "into uv-shim's environment (`~/.local/share/uv-shim/venv/bin/python -m pip install keyring`)")


def validate(settings):
    if settings.get("lifetime", 0) < 0:
        return "lifetime", "`lifetime` must be 0 or a number of seconds"
    return None


def describe(settings) -> str:
    user = f" as {settings['username']}" if settings.get("username") else ""
    service = f" service {settings['service']}" if settings.get("service") else ""
    return f"keyring{service}{user}"


def scope(url, settings):
    """The index URL's directory, without a final `simple/` (its files live beside it)."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    if path.endswith("/simple/"):
        path = path[: -len("simple/")]
    return url_prefix(parts.scheme, parts.hostname or "", parts.port, path)


def services(url, settings) -> list:
    if settings.get("service"):
        return [settings["service"]]
    parts = urlsplit(url)
    host = parts.hostname or ""
    return [url, f"{host}:{parts.port}" if parts.port else host]


def cache_key(url, settings) -> dict:
    return {"provider": NAME, "service": services(url, settings)[0], "username": settings.get("username", ""),
            "lifetime": settings.get("lifetime", DEFAULT_LIFETIME)}


def fetch(url, settings) -> Credential:
    """Ask keyring (base.obtain caches the answer for `lifetime`: this module opts in with cache_key)."""
    return _ask(url, settings)


def refresh(url, settings) -> Credential:
    return refresh_cached(sys.modules[__name__], url, settings)


def rejected_fix(settings) -> str:
    return "the credential keyring gave was refused: check it with `keyring get SERVICE USERNAME`, log in again " \
           "with your registry's tool, then `uv-shim credentials --clear`"


def _ask(url, settings) -> Credential:
    import time

    from .process import which

    username = settings.get("username")
    ask = _ask_cli if which("keyring") else _ask_library
    started = time.time()
    for service in services(url, settings):
        found = ask(service, username, settings.get("timeout", 60))
        if found:
            lifetime = settings.get("lifetime", DEFAULT_LIFETIME)
            return Credential(found[0], found[1], started + lifetime if lifetime else None)
    shown = services(url, settings)[0]
    raise ProviderError(f"keyring has no credential for {shown}" + (f" and user {username}" if username else ""),
                        fix=f"`keyring set {shown} {username or 'USERNAME'}`, or install the keyring plugin of "
                            "this registry next to your `keyring`")


def _ask_cli(service, username, timeout):
    from .process import run_cli

    argv = ["keyring", "get", service] + ([username] if username else ["--mode", "creds"])
    result = run_cli(argv, timeout, "keyring", MISSING_FIX)
    if result.status != 0:
        if "unrecognized arguments: --mode" in result.error_text():
            raise ProviderError("your `keyring` is too old to give a user name (--mode creds)",
                                fix="upgrade keyring to 25.2.1 or later, or set `username` in the [[credential]]")
        return None
    try:
        lines = [line.strip() for line in result.stdout.decode("utf-8").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise ProviderError("keyring's output is not UTF-8", fix="check `keyring get` by hand") from None
    if username:
        return (username, lines[0]) if len(lines) == 1 else None
    return (lines[0], lines[1]) if len(lines) == 2 else None


def _ask_library(service, username, timeout):
    try:
        import keyring
    except ImportError:
        raise ProviderError("keyring is not installed: no `keyring` on PATH and no keyring library in uv-shim's "
                            "environment", fix=MISSING_FIX) from None
    try:
        if username:
            password = keyring.get_password(service, username)
            return (username, password) if password else None
        credential = keyring.get_credential(service, None)
    except Exception as exc:  # a backend or plugin failed; its text may hold secrets: only the type
        raise ProviderError(f"the keyring library failed ({type(exc).__name__})",
                            fix="run `python -m keyring get SERVICE USERNAME` by hand to see why") from None
    if credential is None or not credential.password:
        return None
    return credential.username or "", credential.password
