"""`env`: username and password from named environment variables."""

from __future__ import annotations

import os

from .base import Credential, ProviderError

NAME = "env"
KEYS = {
    "password-env": (str, "variable holding the password or token"),
    "username-env": (str, "variable holding the user name"),
    "username": (str, "fixed user name, when no username-env"),
}
REQUIRED = ("password-env",)


def describe(settings) -> str:
    return f"env ${settings['password-env']}"


def fetch(url, settings) -> Credential:
    names = [settings["password-env"]]
    if "username-env" in settings:
        names.append(settings["username-env"])
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        listed = ", ".join(f"${name}" for name in missing)
        raise ProviderError(
            f"environment variable {listed} is not set (provider env for this index)",
            fix=f"export {missing[0]}=... with a fresh credential, or run inside the job that sets it",
        )
    username = os.environ.get(settings.get("username-env", ""), "") or settings.get("username", "__token__")
    return Credential(username, os.environ[settings["password-env"]])


def rejected_fix(settings) -> str:
    return f"put a fresh credential in ${settings['password-env']}"
