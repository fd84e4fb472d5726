"""`uv-shim`: the management command (doctor, receipts, which, setup)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import __version__, paths, real_uv, receipts
from .errors import ConfigError, ShimError, report


def _shim_dirs(home: Path) -> list:
    return [str(home / "bin")]


def cmd_which(args) -> int:
    print(real_uv.find(paths.shim_home(), _shim_dirs(paths.shim_home())))
    return 0


def cmd_setup(args) -> int:
    _installer_umask()
    home = Path(args.prefix) if args.prefix else paths.shim_home()
    real = args.real_uv or real_uv.search_path(_shim_dirs(home))
    if not real:
        raise ShimError("no real uv found on PATH", fix="pass --real-uv /path/to/uv")
    real = os.path.abspath(real)
    from . import launcher_script

    for line in launcher_script.write(home, real):
        print(line)
    return 0


def _installer_umask() -> None:
    """What setup and shell install create is writable by its owner only, whatever the umask."""
    if hasattr(os, "umask"):
        os.umask(0o022)


def _shells(choice):
    from . import shell

    if choice == "all":
        return list(shell.SHELLS)
    return [choice or shell.detect_shell()]


def cmd_shell(args) -> int:
    from . import shell

    _installer_umask()
    home = Path(args.prefix) if args.prefix else paths.shim_home()
    if args.action == "install":
        real = real_uv.find(home, _shim_dirs(home))
        if args.system:
            shell.install_system(home, Path(args.root or "/"), args.link_dir)
        else:
            shell.install(_shells(args.shell), home, real)
        return 0
    if args.action == "uninstall":
        if not shell.uninstall(home):
            print("nothing to remove")
        return 0
    try:
        real = real_uv.find(home, _shim_dirs(home))
    except ShimError:
        real = ""
    rows = shell.status(home, real)
    for path, state in rows:
        print(f"{state:>9}  {path}")
    return 0 if any(state == "current" for _, state in rows) else 1


def _coverage(url: str, name, config, context) -> str:
    from .credentials import provider_for
    from .redact import has_credential

    if has_credential(url):
        return "its own (a credential in the URL)"
    found = provider_for(url, config, context)
    if found is None:
        return "none"
    module, settings, scope = found
    rule = config.rule_for(url) if config else None
    return f"{module.NAME} ({rule.source})" if rule else module.describe(settings)


def _receipt_rows(fix: bool, config, context) -> list:
    from .redact import redact_url

    from . import real_uv
    from .tool_commands import receipt_decider

    tool_dir = paths.tool_dir()
    try:
        version = real_uv.version(real_uv.find(paths.shim_home(), _shim_dirs(paths.shim_home())))
    except ShimError:
        version = (0,)
    if fix:
        found = receipts.repair(tool_dir, None, dedupe=True, strip=receipt_decider(config, context, version, True))
    else:
        decide = receipt_decider(config, context, version, False)
        found = [receipts.inspect(p, strip=lambda value, tool=p.parent.name: decide(tool, value))
                 for p in receipts.tool_receipts(tool_dir)]
    rows = []
    for receipt in found:
        rows.append({
            "tool": receipt.name,
            "path": str(receipt.path),
            "error": receipt.error,
            "findings": receipt.findings,
            "kept": receipt.left,
            "fixed": receipt.changed,
            "indexes": [
                {"url": redact_url(ref.url), "name": ref.name, "place": ref.place,
                 "provider": _coverage(ref.url, ref.name, config, context)}
                for ref in receipt.indexes
            ],
        })
    return rows


def _context():
    from .argv import parse
    from .indexes import every_user_index
    from .providers.base import Context

    return Context(environ=dict(os.environ), uv_indexes=every_user_index(parse([]), os.environ), tool=True)


def cmd_receipts(args) -> int:
    from . import config as config_mod

    try:
        config = config_mod.load()
    except ConfigError:
        config = None
    rows = _receipt_rows(args.fix, config, _context())
    problems = sum(1 for row in rows if row["error"] or (row["findings"] and not row["fixed"]))
    if args.json:
        print(json.dumps({"tool_dir": str(paths.tool_dir()), "receipts": rows}, indent=2))
        return 1 if problems else 0
    if not rows:
        print(f"no receipts in {paths.tool_dir()}")
    for row in rows:
        state = "error" if row["error"] else ("fixed" if row["fixed"] else ("needs --fix" if row["findings"] else "ok"))
        print(f"{row['tool']}: {state}")
        if row["error"]:
            print(f"  {row['path']} {row['error']}")
        for finding in row["findings"]:
            print(f"  {'removed ' if row['fixed'] else ''}{finding}")
        for kept in row["kept"]:
            print(f"  stored credential kept, since nothing else would supply it: {kept}")
        for index in row["indexes"]:
            print(f"  index {index['url']} -> provider: {index['provider']}")
    return 1 if problems else 0


def _first_uv_on_path():
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(entry or ".", real_uv.EXE)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _doctor_project(config) -> None:
    """Which indexes the next `uv sync` here would use, and which provider covers each."""
    from .argv import parse
    from .indexes import every_user_index, in_play
    from .project import settings_file, start_dir
    from . import project
    from .providers.base import Context
    from .redact import redact_url

    try:
        project.real_uv_version = real_uv.version_of(real_uv.find(paths.shim_home(), _shim_dirs(paths.shim_home())))
    except ShimError:
        pass  # no real uv: the directory variables count as the newest uv reads them
    parsed = parse(["sync"])
    environ = dict(os.environ)
    where = start_dir(parsed, environ)
    source, _ = settings_file(where)
    found = in_play(parsed, environ, project=True)
    context = Context(environ=environ, uv_indexes=every_user_index(parsed, environ))
    print(f"     `uv sync` in {where}: settings from {source or 'no project file'}")
    if not found:
        print("       no index configured (PyPI)")
    for index in found:
        name = f" ({index.name})" if index.name else ""
        print(f"       index {redact_url(index.url)}{name} from {index.source} -> provider: "
              f"{_coverage(index.url, index.name, config, context)}")


def _doctor_launcher(launcher: Path, home: Path, real: str, line) -> None:
    """Is the launcher current, and does the real uv written into it still exist?"""
    from . import launcher_script

    written = launcher_script.written_real_uv(launcher)
    if not written or not real_uv.usable(written):
        what = "is not an executable uv" if written and os.path.exists(written) else "no longer exists (uv moved?)"
        line(False, f"launcher {launcher} runs {written or '(unreadable)'}, which {what}: every uv command now "
                    f"starts Python to look for uv. fix: run `uv-shim setup` (it will use {real})")
        return
    stale = launcher_script.is_stale(launcher, real_uv.recorded_path(home) or real)
    line(not stale, f"launcher {launcher}" + (" is stale: run `uv-shim setup`" if stale else " is current"))
    on_path = real_uv.search_path(_shim_dirs(home))
    if on_path and os.path.realpath(on_path) != os.path.realpath(written):
        print(f"     note: the first uv on PATH after the shim is {on_path}; the launcher runs {written}. "
              f"`uv-shim setup --real-uv {on_path}` switches to it")


def cmd_doctor(args) -> int:
    from . import config as config_mod

    home = paths.shim_home()
    bad = 0

    def line(ok, text):
        nonlocal bad
        bad += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {text}")

    first = _first_uv_on_path()
    shim_first = bool(first) and real_uv.is_shim(first)
    line(shim_first, f"first uv on PATH: {first or 'none'}" + ("" if shim_first else
                                                              f" (expected the shim, {home / 'bin' / 'uv'})"))
    if first and not shim_first:
        from . import shell

        culprits = shell.shadowing_lines(os.path.dirname(first))
        for path, number, text in culprits:
            print(f"     {path}:{number}: {text}")
        if culprits:
            print(f"     fix: the lines above put {os.path.dirname(first)} ahead of {home / 'bin'}; move them "
                  "before the uv-shim block, or run `uv-shim shell install` (it moves the block after them) "
                  "and open a new shell")
        else:
            print(f"     fix: run `uv-shim shell install` and open a new shell, or put {home / 'bin'} first on PATH")
    try:
        real = real_uv.find(home, _shim_dirs(home))
        version = subprocess.run([real, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        line(True, f"real uv: {real} ({version})")
        launcher = home / "bin" / "uv"
        if launcher.exists():
            _doctor_launcher(launcher, home, real, line)
    except ShimError as exc:
        line(False, f"real uv: {exc.message}")
    config = None
    try:
        config = config_mod.load()
        files = ", ".join(str(p) for p in config.files) or "none (uv.toml credentials and env are still used)"
        line(True, f"config: {files}; {len(config.rules)} [[credential]] entries")
    except ConfigError as exc:
        line(False, f"config: {exc.message}")
    _doctor_project(config)
    print(f"     tool dir: {paths.tool_dir()}")
    for row in _receipt_rows(False, config, _context()):
        if row["error"]:
            line(False, f"receipt {row['path']} {row['error']}")
            continue
        line(not row["findings"], f"tool {row['tool']}" + (
            f": {len(row['findings'])} problems, run `uv-shim receipts --fix`" if row["findings"] else ""))
        for index in row["indexes"]:
            print(f"       index {index['url']} -> provider: {index['provider']}")
    return 1 if bad else 0


def cmd_credentials(args) -> int:
    """Which provider covers URL, and the state of its cached token; never the token."""
    import time

    from . import config as config_mod
    from . import token_cache
    from .credentials import Need, plan
    from .redact import redact_url

    from . import kept_credentials

    if args.clear:
        removed = token_cache.clear()
        print(f"removed {removed} cached {'token' if removed == 1 else 'tokens'} from {token_cache.cache_dir()}")
        from . import verdict

        verdict.clear()  # the next project commands decide afresh
        forgot = kept_credentials.forget()
        if forgot:
            print(f"forgot {forgot} kept {'credential' if forgot == 1 else 'credentials'} "
                  f"({kept_credentials.store_path()})")
        return 0
    if not args.url:
        for entry in kept_credentials.entries():
            print(f"kept: {redact_url(entry['url'])}: the credential {entry['source']}")
        rows = token_cache.entries()
        if not rows:
            print(f"no cached tokens in {token_cache.cache_dir()}")
        for name, entry in rows:
            left = entry.get("expires_at", 0) - time.time()
            state = "fresh" if token_cache.is_fresh(entry) else ("expired" if left <= 0 else "due for refresh")
            what = ", ".join(f"{k}={entry[k]}" for k in ("provider", "domain", "domain-owner", "region", "profile",
                                                          "role-arn") if entry.get(k))
            print(f"{name}: {what}; {state}, expires {_when(entry.get('expires_at'))}")
        return 0
    config = config_mod.load()
    supplies = plan([Need(args.url)], config, _context())
    print(f"index: {redact_url(args.url)}")
    if not supplies:
        print("provider: none (uv gets no credential from uv-shim for this index)")
        return 1
    supply = supplies[0]
    rule = config.rule_for(args.url)
    origin = f"configured in {rule.source}" if rule else "zero configuration: recognised from the URL"
    print(f"provider: {supply.provider.NAME} ({origin})")
    print(f"source: {supply.describe()}")
    scope_of = getattr(supply.provider, "scope", None)
    if scope_of:
        print(f"credential scope: {redact_url(scope_of(args.url, supply.settings))}")
    key_of = getattr(supply.provider, "cache_key", None)
    if key_of is None:
        print("cache: not cached (obtained on each run)")
        return 0
    name = token_cache.key_name(supply.provider.NAME, key_of(args.url, supply.settings))
    entry = token_cache.read(name)
    if not entry:
        print("cache: empty (the next uv tool command fetches a token)")
    else:
        state = "fresh" if token_cache.is_fresh(entry) else "stale (refreshed on next use)"
        print(f"cache: {state}; issued {_when(entry.get('issued_at'))}, expires {_when(entry.get('expires_at'))}")
    print(f"cache file: {token_cache.cache_dir() / (name + '.json')}")
    return 0


def _when(epoch) -> str:
    import time

    if not isinstance(epoch, (int, float)):
        return "unknown"
    left = epoch - time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))
    span = f"in {_span(left)}" if left > 0 else f"{_span(-left)} ago"
    return f"{stamp} ({span})"


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uv-shim", description="Keep uv tools from private indexes upgradable.")
    parser.add_argument("--version", action="version", version=f"uv-shim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("doctor", help="check the installation, config and receipts").set_defaults(func=cmd_doctor)
    receipts_parser = sub.add_parser("receipts", help="list receipt problems (stored credentials, masks, duplicates)")
    receipts_parser.add_argument("--fix", action="store_true", help="repair them in place")
    receipts_parser.add_argument("--json", action="store_true", help="machine-readable output")
    receipts_parser.set_defaults(func=cmd_receipts)
    sub.add_parser("which", help="print the real uv the shim runs").set_defaults(func=cmd_which)
    creds = sub.add_parser("credentials", help="show which provider covers an index and its cached token's state")
    creds.add_argument("url", nargs="?", help="an index URL (without it: list the cache)")
    creds.add_argument("--clear", action="store_true", help="empty the token cache")
    creds.set_defaults(func=cmd_credentials)
    setup = sub.add_parser("setup", help="(re)write the launchers in $UV_SHIM_HOME/bin")
    setup.add_argument("--real-uv", help="path of the real uv")
    setup.add_argument("--prefix", help="shim home (default $UV_SHIM_HOME or ~/.local/share/uv-shim)")
    setup.set_defaults(func=cmd_setup)
    shell_parser = sub.add_parser("shell", help="add, remove or show the PATH block in shell profiles")
    shell_parser.add_argument("action", choices=["install", "uninstall", "status"])
    shell_parser.add_argument("--shell", choices=["bash", "zsh", "fish", "all"],
                              help="which shells (default: yours, detected)")
    shell_parser.add_argument("--prefix", help="shim home (default $UV_SHIM_HOME or ~/.local/share/uv-shim)")
    shell_parser.add_argument("--system", action="store_true", help="profile.d, fish conf.d and links for images")
    shell_parser.add_argument("--root", help=argparse.SUPPRESS)  # a temporary root for tests
    shell_parser.add_argument("--link-dir", help="with --system: where to link uv, uvx and uv-shim")
    shell_parser.set_defaults(func=cmd_shell)
    return parser


def run(argv) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        sys.exit(2)
    try:
        code = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:  # `uv-shim receipts | head -1`: the reader is gone; stop quietly
        from .errors import quiet_stdout

        quiet_stdout()
        code = 141 if os.name != "nt" else 1  # what a shell shows for a program stopped by SIGPIPE
    sys.exit(code)


def main() -> None:
    report(run, sys.argv[1:])
