"""Running a credential program: no shell, stdin closed, bounded time and output.

Shared by the `command` provider and the CLI-backed ones (gcloud, az, keyring). Only
imported when a provider actually has to run something (a cache miss).
"""

from __future__ import annotations

import os

MAX_OUTPUT = 1 << 20  # bytes of stdout; a credential is one line or small JSON
MAX_ERROR = 16 << 10  # bytes of stderr kept for the message (the rest is read and dropped)


class OutputError(Exception):
    """The program ran too long or printed too much; the message says which."""


class Result:
    __slots__ = ("status", "stdout", "stderr")

    def __init__(self, status: int, stdout: bytes, stderr: bytes):
        self.status = status
        self.stdout = stdout
        self.stderr = stderr

    def error_text(self, limit: int = 600) -> str:
        """The program's stderr, decoded, redacted and shortened, for a message."""
        from ..redact import redact_text

        text = self.stderr.decode("utf-8", "replace").strip()
        text = redact_text(text)
        return text if len(text) <= limit else text[:limit] + " …"


def which(name: str):
    """The program `name` on PATH (PATHEXT on Windows), or None. Relative and empty PATH
    entries (`.`, a project's `bin`) are never searched: a cloned repository must not be
    able to stand in for a cloud CLI."""
    import shutil

    absolute = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(entry)]
    return shutil.which(name, path=os.pathsep.join(absolute))


def run(argv, timeout: float, cwd=None, capture_stderr: bool = False, env=None) -> Result:
    """Run argv; return its Result, reading at most MAX_OUTPUT bytes of stdout within `timeout`
    seconds (raises OutputError otherwise, OSError when it cannot start).

    stderr goes to the user's terminal unless `capture_stderr` (then at most MAX_ERROR bytes are kept).
    """
    import subprocess
    import time

    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if capture_stderr else None, cwd=cwd, env=env)
    deadline = time.monotonic() + timeout
    try:
        if os.name == "nt":  # pragma: no cover - no select() on pipes there
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise OutputError(f"did not finish within {timeout}s") from None
            if len(stdout) > MAX_OUTPUT:
                raise OutputError(f"printed more than {MAX_OUTPUT // 1024} KiB")
            return Result(proc.returncode, stdout, (stderr or b"")[:MAX_ERROR])
        import selectors

        chunks, size, errors, error_size = [], 0, [], 0
        streams = [proc.stdout] + ([proc.stderr] if capture_stderr else [])
        with selectors.DefaultSelector() as selector:
            for stream in streams:
                selector.register(stream, selectors.EVENT_READ)
            open_streams = len(streams)
            while open_streams:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OutputError(f"did not finish within {timeout}s")
                for key, _ in selector.select(left):
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        open_streams -= 1
                    elif key.fileobj is proc.stdout:
                        size += len(chunk)
                        if size > MAX_OUTPUT:
                            raise OutputError(f"printed more than {MAX_OUTPUT // 1024} KiB; "
                                              "a credential is one line or small JSON")
                        chunks.append(chunk)
                    elif error_size < MAX_ERROR:
                        errors.append(chunk)
                        error_size += len(chunk)
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise OutputError(f"did not finish within {timeout}s") from None
        return Result(proc.returncode, b"".join(chunks), b"".join(errors)[:MAX_ERROR])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def home_dir() -> str:
    """The working directory for cloud CLIs: never the project (a `keyring.py` or config
    file there must not be picked up)."""
    from ..paths import home

    path = str(home())
    return path if os.path.isdir(path) else os.path.abspath(os.sep)


def run_cli(argv, timeout: float, what: str, install_fix: str) -> Result:
    """Run a cloud CLI found on PATH from the home directory, capturing its stderr.

    Raises ProviderError (with `install_fix`) when it is missing, hangs or floods.
    """
    from ..redact import command_line
    from .base import ProviderError

    path = which(argv[0])
    if path is None:
        raise ProviderError(f"{what} is not installed (no `{argv[0]}` on PATH)", fix=install_fix)
    try:
        return run([path, *argv[1:]], timeout, cwd=home_dir(), capture_stderr=True)
    except OSError as exc:
        raise ProviderError(f"{what} (`{path}`) could not be started: {exc.strerror or exc}",
                            fix=install_fix) from None
    except OutputError as exc:
        raise ProviderError(f"`{command_line(argv)}` {exc}",
                            fix=f"run `{command_line(argv)}` by hand to see what it does (a login prompt?)") from None


def _epoch(seconds: float):
    import math

    if not math.isfinite(seconds):
        return None
    return seconds / 1000 if seconds > 1e11 else seconds


def parse_time(value, naive_is_utc: bool = True):
    """Epoch seconds from an ISO-8601 string, an epoch number, or None when neither.

    A time without a zone is UTC (Google's tools) unless `naive_is_utc` is false (local time).
    An epoch past the year 5138 is taken as milliseconds (JavaScript's `Date.now()`)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(float(value))
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _epoch(float(text))
        from datetime import datetime, timezone

        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None and naive_is_utc:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    return None
