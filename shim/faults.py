"""Crash points for the crash-safety tests: `UV_SHIM_TEST_CRASH_AT=NAME:N` kills the process
with SIGKILL the N-th time it reaches point NAME.

The variable alone does nothing: the points are armed only when this package runs from a
source checkout that holds the crash-safety tests (tests/e2e/test_crash_safety.py beside
it), never in an installed shim, where nobody's environment can make uv-shim die mid-way.
A malformed value is ignored. Unset (always, outside tests) it costs one environment lookup
at import and a comparison per point.
"""

from __future__ import annotations

import os

_SPEC = os.environ.get("UV_SHIM_TEST_CRASH_AT")
_name, _count = None, 0


def _armed(spec) -> bool:
    """The second condition: a source checkout with the crash tests, not an installed package."""
    if not spec:
        return False
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.isfile(os.path.join(here, "tests", "e2e", "test_crash_safety.py"))


if _armed(_SPEC):
    name, _, count = _SPEC.partition(":")
    if name and (count == "" or (count.isdigit() and count.isascii() and int(count) > 0)):
        _name, _count = name, int(count or 1)


def reached(name: str) -> None:
    global _count
    if _name is None or name != _name:
        return
    _count -= 1
    if _count <= 0:
        import signal

        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
