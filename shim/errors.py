"""The one error type meant for people, and how it reaches them.

Everything printed here goes through redact.redact_text (imported only when there is
something to print): URLs lose their userinfo and every secret obtained during the run
is replaced by `***`, whatever the message or exception says.
"""

from __future__ import annotations

import sys


def _safe(text) -> str:
    from .redact import redact_text

    return redact_text(text)


class ShimError(Exception):
    """An expected failure: a sentence a person can act on, and an exit code.

    Messages must already be redacted; `fix` is the command or step that helps.
    """

    def __init__(self, message: str, fix: str = "", exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code

    def render(self) -> str:
        text = f"uv-shim: error: {self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return _safe(text)


class ConfigError(ShimError):
    def __init__(self, message: str, fix: str = ""):
        super().__init__(message, fix, exit_code=2)


def _say(text: str, end: str = "\n") -> None:
    """Write to stderr; a stderr nobody reads any more (a closed pipe) must not stop uv from
    running, as it would not stop plain uv."""
    try:
        print(text, file=sys.stderr, end=end)
        sys.stderr.flush()
    except (OSError, ValueError):
        try:
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # the flush at exit cannot fail again
        except OSError:
            pass


WARNINGS = []  # one entry per warning printed: a verdict is never written after one (verdict.py)


def warn(message: str) -> None:
    WARNINGS.append(1)
    _say(_safe(f"uv-shim: warning: {message}"))


def info(message: str) -> None:
    _say(_safe(f"uv-shim: {message}"))


def report(func, *args) -> None:
    """Run `func`; turn ShimError into its message and exit code, and any other
    exception into one redacted line (the traceback only with UV_SHIM_LOG=debug)."""
    import os

    try:
        func(*args)
    except ShimError as exc:
        _say(exc.render())
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: say so without leaking anything
        if os.environ.get("UV_SHIM_LOG") == "debug":
            import traceback

            _say(_safe(traceback.format_exc()), end="")
        _say(_safe(f"uv-shim: internal error: {type(exc).__name__}: {exc}\n"
                   "  fix: run with UV_SHIM_LOG=debug for details, or UV_SHIM_DISABLE=1 to bypass the shim"))
        sys.exit(70)


def debug(message: str) -> None:
    import os

    if os.environ.get("UV_SHIM_LOG") == "debug":
        _say(_safe(f"uv-shim: debug: {message}"))


def quiet_stdout() -> None:
    """Point stdout at the null device, so that the flush at exit cannot fail again."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass
