"""The only code that writes the netrc handed to uv: the user's own netrc plus fresh entries.

uv matches netrc entries by host (no port) and the last entry for a host wins, so the
fresh entries replace the user's entries for the same hosts; everything else of the
user's netrc is kept. On Linux the result lives in an anonymous memory file that
survives exec (`NETRC=/proc/self/fd/N`): nothing reaches the disk. Elsewhere it is a
0600 file in a 0700 per-user runtime directory, rewritten on each run.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from . import paths
from .atomic import replace_file
from .errors import ShimError, warn

_TOKEN = r'"((?:[^"\\]|\\.)*)"|(\S+)'


def user_netrc_path(environ) -> Path:
    explicit = environ.get("NETRC")
    return Path(explicit) if explicit else paths.home() / ".netrc"


def parse_entries(text: str) -> list:
    """Split netrc text into entries [(host or None for default, [tokens])]; macdef bodies kept."""
    entries = []
    lines = text.splitlines()
    i = 0
    current = None
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.lstrip().startswith("#"):
            continue
        tokens = [m.group(0) for m in re.finditer(_TOKEN, line)]
        j = 0
        while j < len(tokens):
            token = tokens[j]
            if token == "machine" and j + 1 < len(tokens):
                current = (tokens[j + 1], [])
                entries.append(current)
                j += 2
                continue
            if token == "default":
                current = (None, [])
                entries.append(current)
                j += 1
                continue
            if token == "macdef":
                body = [" ".join(tokens[j:])]
                while i < len(lines) and lines[i].strip():
                    body.append(lines[i])
                    i += 1
                if current is not None:
                    current[1].append("\n".join(body) + "\n")
                j = len(tokens)
                continue
            if current is not None:
                current[1].append(token)
            j += 1
    return entries


def _quote(value: str) -> str:
    if value and not re.search(r'[\s"\\]', value):
        return value
    raise ShimError("a credential contains a space, quote or backslash, which netrc cannot carry",
                    fix="give this index a name in uv and the credential goes through UV_INDEX_<NAME>_* instead")


def render(user_text: str, fresh: dict) -> str:
    """fresh: {host: (username, password)}. Returns the merged netrc text."""
    out = []
    default = None
    for host, tokens in parse_entries(user_text):
        if host is None:
            default = tokens
        elif host.lower() not in fresh:
            out.append(f"machine {host} " + " ".join(tokens))
    for host, (username, password) in fresh.items():
        login = f" login {_quote(username)}" if username else ""
        out.append(f"machine {host}{login} password {_quote(password)}")
    if default is not None:
        out.append("default " + " ".join(default))
    return "\n".join(out) + "\n"


def hand_to_uv(fresh: dict, env: dict) -> None:
    """Put the merged netrc where uv will read it and point NETRC at it in `env`."""
    if not fresh:
        return
    source = user_netrc_path(env)
    try:
        user_text = source.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        user_text = ""
    except OSError as exc:
        warn(f"cannot read {source} ({exc.strerror}); uv gets only uv-shim's entries")
        user_text = ""
    data = render(user_text, fresh).encode("utf-8")
    if sys.platform.startswith("linux") and hasattr(os, "memfd_create"):
        fd = os.memfd_create("uv-shim-netrc", 0)
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        os.set_inheritable(fd, True)
        env["NETRC"] = f"/proc/self/fd/{fd}"
        return
    directory = paths.runtime_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    target = directory / "netrc"
    replace_file(target, data, mode=0o600)
    env["NETRC"] = str(target)
