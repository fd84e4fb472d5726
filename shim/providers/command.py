"""`command`: run a configured argv (no shell) that prints a token or a JSON credential."""

from __future__ import annotations

import time

from ..redact import command_line
from .base import Credential, ProviderError

NAME = "command"
KEYS = {
    "command": (list, "argv to run, e.g. [\"vault\", \"read\", \"-field=token\", \"secret/pypi\"]"),
    "username": (str, "user name when the command prints only the token (default __token__)"),
    "timeout": (int, "seconds before the command is stopped (default 30)"),
    "lifetime": (int, "seconds a credential printed without expires_at stays valid (unset: not cached)"),
}
REQUIRED = ("command",)


DEFAULT_TIMEOUT = 30  # a helper that refreshes a login (SSO, device code) can take seconds


def describe(settings) -> str:
    return f"command `{command_line(settings['command'][:1])}`"


def validate(settings):
    for key in ("timeout", "lifetime"):
        if key in settings and settings[key] <= 0:
            return key, f"`{key}` must be a positive number of seconds"
    return None


def deadline(settings) -> float:
    return settings.get("timeout", DEFAULT_TIMEOUT)


def cache_key(url, settings) -> dict:
    """Opt in to the token cache: one entry per argv and username, whatever index it serves.
    Only credentials with an expiry are stored: JSON `expires_at`, or `lifetime` from config."""
    return {"provider": NAME, "command": "\x00".join(settings["command"]),
            "username": settings.get("username", "__token__"), "lifetime": settings.get("lifetime")}


def _expiry(value):
    if value is None:
        return None
    from .process import parse_time

    parsed = parse_time(value, naive_is_utc=False)
    if parsed is None:
        raise ValueError("expires_at must be ISO-8601 or epoch seconds")
    return parsed


def parse_output(stdout: bytes, default_username: str) -> Credential:
    """One line (the token) or JSON {"username", "password", "expires_at"}."""
    try:
        text = stdout.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("its output is not UTF-8") from None
    if not text:
        raise ValueError("it printed nothing")
    if text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"its JSON output is invalid (line {exc.lineno}, column {exc.colno})") from None
        password = data.get("password")
        if not isinstance(password, str) or not password:
            raise ValueError('its JSON output has no "password" string')
        username = data.get("username") or default_username
        if not isinstance(username, str):
            raise ValueError('"username" in its JSON output is not a string')
        return Credential(username, password, _expiry(data.get("expires_at")))
    lines = text.splitlines()
    if len(lines) != 1:
        raise ValueError(f"it printed {len(lines)} lines; expected one line (the token) or JSON")
    return Credential(default_username, lines[0].strip())


def fetch(url, settings) -> Credential:
    argv = settings["command"]
    timeout = deadline(settings)
    name = describe(settings)
    from .process import OutputError, home_dir, run

    try:
        result = run(argv, timeout, cwd=home_dir())  # never the project's directory
    except OSError as exc:
        raise ProviderError(
            f"{name} could not be started: {exc.strerror or exc}",
            fix=f"install {command_line(argv[:1])} or fix `command` in your uv-shim config",
        ) from None
    except OutputError as exc:
        raise ProviderError(f"{name} {exc}", fix="run it by hand to see what it does (a login prompt?)") from None
    if result.status != 0:
        raise ProviderError(
            f"{name} exited with status {result.status}",
            fix=f"run `{command_line(argv)}` by hand to see why (expired login?)",
        )
    issued = time.time()
    try:
        credential = parse_output(result.stdout, settings.get("username", "__token__"))
    except ValueError as exc:
        raise ProviderError(f"{name} gave no usable credential: {exc}",
                            fix="make it print the token alone on one line, or JSON with \"password\"") from None
    if credential.expires_at is None and settings.get("lifetime"):
        credential.expires_at = issued + settings["lifetime"]
    return credential


def refresh(url, settings) -> Credential:
    """The index refused the credential: forget any cached one and run the command again."""
    import sys

    from .base import refresh as refresh_cached

    return refresh_cached(sys.modules[__name__], url, settings)


def rejected_fix(settings) -> str:
    return f"check what `{command_line(settings['command'])}` prints: the index refused it"
