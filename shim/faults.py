"""Crash points for the crash-safety tests: `UV_SHIM_TEST_CRASH_AT=NAME:N` kills the process
with SIGKILL the N-th time it reaches point NAME. Unset (always, outside tests) it costs one
environment lookup at import and a comparison per point.
"""

from __future__ import annotations

import os

_SPEC = os.environ.get("UV_SHIM_TEST_CRASH_AT")
_name, _, _count = (_SPEC or "").partition(":")
_left = int(_count or 1) if _SPEC else 0


def reached(name: str) -> None:
    global _left
    if _SPEC is None or name != _name:
        return
    _left -= 1
    if _left <= 0:
        import signal

        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
