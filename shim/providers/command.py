"""`command`: run a configured argv (no shell) that prints a token or a JSON credential."""

from __future__ import annotations

import os

from ..redact import command_line
from .base import Credential, ProviderError

NAME = "command"
KEYS = {
    "command": (list, "argv to run, e.g. [\"vault\", \"read\", \"-field=token\", \"secret/pypi\"]"),
    "username": (str, "user name when the command prints only the token (default __token__)"),
    "timeout": (int, "seconds before the command is stopped (default 30)"),
}
REQUIRED = ("command",)
MAX_OUTPUT = 1 << 20


def describe(settings) -> str:
    return f"command `{command_line(settings['command'][:1])}`"


def _expiry(value):
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise ValueError("expires_at must be ISO-8601 or epoch seconds")


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


def _workdir() -> str:
    from .. import paths

    home = str(paths.home())
    return home if os.path.isdir(home) else os.path.abspath(os.sep)


class _Output(Exception):
    pass


def _run(argv, timeout: float) -> tuple:
    """Run argv with no shell; return (exit status, stdout), reading at most MAX_OUTPUT bytes
    and at most `timeout` seconds (raises _Output with the reason otherwise)."""
    import subprocess
    import time

    # Run from the home directory: never from the project, whose files (a `json.py` beside
    # a Python script the command runs) would be picked up by what it starts.
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd=_workdir())
    deadline = time.monotonic() + timeout
    try:
        if os.name == "nt":  # pragma: no cover - no select() on pipes there
            try:
                stdout, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise _Output(f"did not finish within {timeout}s") from None
            if len(stdout) > MAX_OUTPUT:
                raise _Output(f"printed more than {MAX_OUTPUT // 1024} KiB")
            return proc.returncode, stdout
        import selectors

        chunks, size = [], 0
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Output(f"did not finish within {timeout}s")
                if not selector.select(left):
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise _Output(f"printed more than {MAX_OUTPUT // 1024} KiB; a credential is one line or small JSON")
                chunks.append(chunk)
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise _Output(f"did not finish within {timeout}s") from None
        return proc.returncode, b"".join(chunks)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def fetch(url, settings) -> Credential:
    argv = settings["command"]
    timeout = settings.get("timeout", 30)
    name = describe(settings)
    try:
        status, stdout = _run(argv, timeout)
    except OSError as exc:
        raise ProviderError(
            f"{name} could not be started: {exc.strerror or exc}",
            fix=f"install {command_line(argv[:1])} or fix `command` in your uv-shim config",
        ) from None
    except _Output as exc:
        raise ProviderError(f"{name} {exc}", fix="run it by hand to see what it does (a login prompt?)") from None
    if status != 0:
        raise ProviderError(
            f"{name} exited with status {status}",
            fix=f"run `{command_line(argv)}` by hand to see why (expired login?)",
        )
    try:
        return parse_output(stdout, settings.get("username", "__token__"))
    except ValueError as exc:
        raise ProviderError(f"{name} gave no usable credential: {exc}",
                            fix="make it print the token alone on one line, or JSON with \"password\"") from None


def rejected_fix(settings) -> str:
    return f"check what `{command_line(settings['command'])}` prints: the index refused it"
