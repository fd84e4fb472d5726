"""The Python side of `uv`: decide whether a command needs the shim, then exec the real uv.

Started by the sh launcher only for commands that may reach a package index (or when
the launcher cannot exec the real uv itself). Imports nothing heavy until it knows the
command is one the shim must prepare.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import argv as argv_mod
from . import real_uv
from .paths import shim_home

PID_GUARD = "UV_SHIM_PID"


def exec_uv(real: str, args: list, env: dict):
    """Replace this process by the real uv (spawn and wait on Windows, where exec does not replace)."""
    env = dict(env)
    env[PID_GUARD] = str(os.getpid())
    if os.name == "nt":  # pragma: no cover - Windows is kept possible, not shipped
        import subprocess

        sys.exit(subprocess.call([real, *args], env=env))
    restore_signals()
    os.execve(real, [real, *args], env)


def restore_signals() -> None:
    """Give uv the signal dispositions plain uv would have had.

    Python ignores SIGPIPE and SIGXFSZ at start-up, and an ignored signal stays ignored
    across exec: uv (and every program it starts) would not die of a closed pipe or an
    oversized file. SIGINT carries Python's handler, which exec would reset anyway; it is
    set back to the default here too, unless it was already ignored when the shim started
    (a job started in the background), which plain uv would have inherited as well.
    """
    import signal

    for name in ("SIGPIPE", "SIGXFSZ"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def _locate():
    launcher = os.environ.pop("UV_SHIM_LAUNCHER", None)
    if launcher:
        bin_dir = Path(launcher).resolve().parent
        return bin_dir.parent, [str(bin_dir), os.path.dirname(os.path.abspath(launcher))]
    return shim_home(), [str(shim_home() / "bin")]


def run(args: list) -> None:
    home, shim_dirs = _locate()
    real = real_uv.find(home, shim_dirs)
    env = os.environ
    if env.get("UV_SHIM_DISABLE") != "1":
        from . import inherited, project

        inherited.restore_users_own(os.environ)  # a uv started by `uv run`: the user's own values
        project.real_uv_version = real_uv.version_of(real)  # asked once, only when it matters
        parsed = argv_mod.parse(args)
        if parsed.intercepted and parsed.key in argv_mod.TOOL_KEYS:
            from .tool_commands import prepare

            args, env = prepare(parsed, args, real)
            if not isinstance(env, dict):  # `tool upgrade --all` with tools set aside: uv runs as a child
                sys.exit(env.run(real, args))
        elif parsed.intercepted:
            from . import verdict
            from .network_use import needs_no_index
            from .quick_check import may_need_credentials

            verdict_path = verdict.wanted(os.environ, parsed)  # the launcher asks for one: run/sync/lock
            started = verdict.record() if verdict_path else 0
            outcome = verdict.Outcome("none", real=real)
            if needs_no_index(parsed, env):
                verdict_path = None  # offline, --no-sync...: says nothing about the project
            elif may_need_credentials(parsed, env):
                from .project_commands import prepare

                if verdict_path:  # what prepare reads and hands over decides what the launcher may replay
                    args, env, outcome = verdict.watch(prepare, parsed, args, real)
                else:
                    args, env = prepare(parsed, args, real)
            if verdict_path:
                verdict.write(verdict_path, parsed, os.environ, started, outcome)
    exec_uv(real, args, env)


def main() -> None:
    from .errors import report

    report(run, sys.argv[1:])
