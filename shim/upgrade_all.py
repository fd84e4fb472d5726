"""`uv tool upgrade --all` when some indexes cannot be served: upgrade every tool that can be.

Plain uv upgrades the other tools when one index refuses; the shim must not do worse.
When a provider fails for an index, or the index refuses the credential, the tools that
use it are set aside: the real uv runs once, as a child, with `--all` replaced by the
names of the other tools (same options, same stdin/stdout/stderr), then uv-shim names
each tool it set aside, with the index and the fix, and exits non-zero (uv's own status
when uv failed, else 1). When every tool is affected, uv is not run at all (exit 1).

Signals while uv runs: SIGINT and SIGQUIT from the terminal reach uv too (same process
group), so uv-shim ignores them and lets uv decide; SIGTERM and SIGHUP sent to uv-shim
alone are passed on to uv. If uv dies of a signal, uv-shim dies of the same one,
without its report, as if uv had been exec'd.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from . import argv as argv_mod
from . import credentials
from .errors import ShimError


def without_all(args: list) -> list:
    """argv with the `--all` flag of `uv tool upgrade` removed (a `--all` that is an option's
    value or follows `--` is left alone)."""
    kept = []
    for i, arg in enumerate(args):
        if arg == "--all" and "--" not in args[:i] and not argv_mod.parse(args[:i]).malformed:
            continue
        kept.append(arg)
    return kept


class PartialUpgrade:
    """uv runs for `good` tools; `refused` [(tool, line)] is reported afterwards."""

    def __init__(self, env: dict, good: list, refused: list, fixes: list):
        self.env = env
        self.good = good
        self.refused = refused
        self.fixes = fixes

    def report(self) -> str:
        lines = [f"{tool}: {why}" for tool, why in self.refused]
        return ("uv-shim: error: not upgraded, their index could not be served:\n  " + "\n  ".join(lines)
                + (f"\n  fix: {'; '.join(self.fixes)}" if self.fixes else ""))

    def run(self, real: str, args: list) -> int:
        argv = [real, *without_all(args), *self.good]
        forwarded = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)
        ignored = tuple(getattr(signal, n) for n in ("SIGINT", "SIGQUIT") if hasattr(signal, n))
        # close_fds=False: uv inherits exactly what an exec would hand it (the descriptors marked
        # inheritable), nothing more (the others are close-on-exec). The hand-off directory is
        # named for this process, which stays alive while uv runs, so no other run removes it.
        child = subprocess.Popen(argv, env=self.env, close_fds=False)
        previous = {}
        for sig in forwarded:
            previous[sig] = signal.signal(sig, lambda number, _frame: child.send_signal(number))
        for sig in ignored:
            previous[sig] = signal.signal(sig, signal.SIG_IGN)
        try:
            status = child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if status < 0:  # killed by a signal: die the same way
            sys.stderr.flush()
            signal.signal(-status, signal.SIG_DFL)
            os.kill(os.getpid(), -status)
            return 128 - status
        print(self.report(), file=sys.stderr)
        return status or 1


def _tools_of(found, user_keys, local) -> dict:
    """{need key: tool names}: a receipt's indexes, and those its local projects pin (`local`:
    {tool: [UvIndex]}), serve its tool; the user's serve every tool."""
    every = [r.name for r in found]
    tools = {}
    for receipt in found:
        for ref in receipt.indexes:
            tools.setdefault((ref.url.rstrip("/"), ref.name), set()).add(receipt.name)
    for tool, pinned in local.items():
        for index in pinned:
            tools.setdefault((index.url.rstrip("/"), index.name), set()).update([tool] if tool else every)
    for key in user_keys:
        tools.setdefault(key, set()).update(every)
    return tools


def _check_each(supplies: list) -> list:
    """[(supply, ShimError)] for the indexes that refuse their credential (one check per index)."""
    from . import preflight

    groups = {}
    for supply in supplies:
        groups.setdefault(supply.need.url, []).append(supply)

    def check(group):
        try:
            preflight.check(group)
            return None
        except ShimError as exc:
            return exc

    items = list(groups.values())
    if len(items) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
            errors = list(pool.map(check, items))
    else:
        errors = [check(group) for group in items]
    return [(supply, error) for group, error in zip(items, errors) if error for supply in group]


def prepare(found, needs: list, user_keys: set, config, context, environ: dict, in_play: list, uv_version,
            extra=(), local=None):
    """The environment for uv (every tool can be served), or a PartialUpgrade."""
    from . import handoff

    supplies = list(extra) + credentials.plan(needs, config, context)
    if not supplies:
        return environ
    failures = []
    got = list(extra) + credentials.obtain(supplies[len(extra):], failures)
    uv_version = uv_version() if callable(uv_version) else uv_version
    handoff.plan(got, in_play, uv_version)  # refuse before any request when it cannot be handed over safely
    bad = failures + _check_each(got)
    if not bad:
        handoff.hand_over(got, in_play, environ, uv_version)
        return environ
    tools = _tools_of(found, user_keys, local or {})
    refused, fixes, lost = [], [], set()
    for supply, error in bad:
        first = error.message.split("\n")[0]
        for tool in sorted(tools.get((supply.need.url.rstrip("/"), supply.need.name), ())):
            if (tool, first) not in refused:
                refused.append((tool, first))
            lost.add(tool)
        if error.fix and error.fix not in fixes:
            fixes.append(error.fix)
    good = [r.name for r in found if r.name not in lost]
    if not good:
        raise ShimError("no tool upgraded, their index could not be served:\n  "
                        + "\n  ".join(f"{tool}: {why}" for tool, why in refused) + "\n  uv was not run.",
                        fix="; ".join(fixes))
    unusable = {id(s) for s, _ in bad}
    handoff.hand_over([s for s in got if id(s) not in unusable], in_play, environ, uv_version)
    return PartialUpgrade(environ, good, refused, fixes)

