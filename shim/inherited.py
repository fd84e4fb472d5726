"""What a uv started by `uv run` (nox, tox, make) inherits from uv-shim: the hand-off it gave
the outer uv.

uv-shim replaces UV_CREDENTIALS_DIR (and NETRC) with private copies made for one uv, and
keeps the user's own values beside them (UV_SHIM_USER_UV_CREDENTIALS_DIR, UV_SHIM_USER_NETRC:
paths, empty for unset). A uv command run under that uv gets the user's own values back
before anything is decided, here in Python as in the launcher: it then decides, and hands
over, as the outer command did.
"""

from __future__ import annotations

import os

from . import paths

SAVED = "UV_SHIM_USER_"
NAMES = ("UV_CREDENTIALS_DIR", "NETRC")


def ours(path: str) -> bool:
    """Is `path` one of uv-shim's hand-offs (a project's store, one uv's directory, the
    temporary fallback) or a file in one?"""
    if not path or not os.path.isabs(path):
        return False
    from .verdict import stores_root

    bases = [(stores_root(), "s-"), (paths.handoff_base(), "uv-")]
    if "uv-shim-" in path:  # (tempfile costs milliseconds to import: only when it can matter)
        import tempfile

        bases.append((tempfile.gettempdir(), "uv-shim-"))
    for base, prefix in bases:
        try:
            inside = os.path.relpath(path, base)
        except ValueError:  # (another drive)
            continue
        if not inside.startswith("..") and inside.split(os.sep)[0].startswith(prefix):
            return True
    return False


def save(environ, name: str) -> None:
    """Before `name` is replaced by a hand-off: keep the user's own value beside it."""
    if not ours(environ.get(name, "")):
        environ[SAVED + name] = environ.get(name, "")


def restore_users_own(environ) -> None:
    for name in NAMES:
        if ours(environ.get(name, "")):
            original = environ.pop(SAVED + name, "")
            if original:
                environ[name] = original
            else:
                environ.pop(name, None)
