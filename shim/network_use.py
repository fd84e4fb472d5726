"""Will uv reach a package index at all? When it cannot, no provider is called.

- `--offline` / `UV_OFFLINE` (clap's boolish values), unless `--no-offline`: uv makes no
  request, so a credential is useless (any command).
- `uv run --no-sync` / `UV_NO_SYNC`: uv neither locks nor syncs the project. It still
  resolves `--with`, `--with-editable` and `--with-requirements`, and a PEP 723 script
  (`--script`, `--gui-script`, a `.py` file with a `# /// script` block, stdin, a URL:
  `--no-sync` is a no-op for them), so those still get credentials.
- `uv run --frozen` / `UV_FROZEN`: uv does not resolve, but it still installs what the
  lock lists and the environment lacks, downloading it from the index. So the provider
  is skipped only when every registry package of `uv.lock` is already installed in the
  project environment (same name and version); anything else (a package missing, another
  version, a package for another platform or group that is never installed) calls the
  providers as usual. It errs towards calling them, never towards withholding.

`offline = true` in a settings file is not read here (it needs the settings files uv
reads, which the index discovery owns); the providers are then called and uv makes no
request with what they give.
"""

from __future__ import annotations

import os

TRUE = ("y", "yes", "t", "true", "on", "1")
WITH_OPTIONS = ("--with", "--with-editable", "--with-requirements")


def _boolish(environ, name: str) -> bool:
    return environ.get(name, "").lower() in TRUE


def offline(parsed, environ) -> bool:
    if parsed.flag("--no-offline"):
        # clap: the last of --offline / --no-offline wins; the parser keeps no order across
        # names, so both given counts as online (the providers are called: the old behaviour).
        return False
    return parsed.flag("--offline") or _boolish(environ, "UV_OFFLINE")


def _runs_a_script(parsed, environ) -> bool:
    if parsed.flag("--script") or parsed.flag("-s") or parsed.flag("--gui-script"):
        return True
    target = parsed.positionals[0] if parsed.positionals else ""
    if target == "-" or "://" in target:
        return True
    if target.endswith((".py", ".pyw")):
        from .project import working_dir

        try:
            with open(os.path.join(working_dir(parsed, environ), target), "rb") as handle:
                head = handle.read(1 << 16)
        except OSError:
            return False  # not a file: uv runs it as a command
        return b"# /// script" in head
    return False


def _all_locked_installed(parsed, environ) -> bool:
    """True when every registry package in uv.lock is installed in the project environment."""
    import re

    from .project import start_dir, workspace_root

    root = workspace_root(start_dir(parsed, environ))
    try:
        with open(os.path.join(root, "uv.lock"), encoding="utf-8") as handle:
            lock = handle.read()
    except OSError:
        return False
    env_dir = environ.get("UV_PROJECT_ENVIRONMENT") or ".venv"
    env_dir = os.path.join(root, env_dir)
    installed = set()
    for lib in ("lib", "lib64", "Lib"):
        base = os.path.join(env_dir, lib)
        try:
            candidates = [os.path.join(base, d, "site-packages") for d in os.listdir(base)] + [
                os.path.join(base, "site-packages")]
        except OSError:
            continue
        for site in candidates:
            try:
                names = os.listdir(site)
            except OSError:
                continue
            installed.update(n[:-len(".dist-info")].lower() for n in names if n.endswith(".dist-info"))

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "_", name).lower()

    installed = {norm(n.rpartition("-")[0]) + "-" + n.rpartition("-")[2] for n in installed}
    for block in lock.split("\n[[package]]\n")[1:]:
        if "source = { registry = " not in block.split("\n\n", 1)[0]:
            continue
        name = re.search(r'^name = "([^"]+)"', block, re.M)
        version = re.search(r'^version = "([^"]+)"', block, re.M)
        if not name or not version or f"{norm(name.group(1))}-{version.group(1).lower()}" not in installed:
            return False
    return True


# `uv run` options known to leave what uv installs as it is; any other option (`--isolated`,
# `--active`, `--reinstall`, `--refresh`, `--upgrade`, `--python`, `--extra`, `--group`, ...)
# may make uv install something, so the providers are called. An allow-list: it errs
# towards calling them, never towards withholding a credential uv needs.
QUIET_RUN_OPTIONS = {"--frozen", "--no-sync", "--offline", "-q", "--quiet", "-v", "--verbose", "--color",
                     "--no-progress", "--directory", "--project", "--env-file", "--no-env-file", "-m", "--module",
                     "--cache-dir", "--native-tls", "--system-certs", "--config-file", "--no-config",
                     "--no-python-downloads", "--managed-python", "--no-managed-python", "--python-preference"}
NOISY_VARIABLES = ("UV_ACTIVE", "UV_ISOLATED", "UV_REINSTALL", "UV_REFRESH", "UV_UPGRADE")


def needs_no_index(parsed, environ) -> str:
    """Why uv will not reach an index with this command line ("" when it may)."""
    if offline(parsed, environ):
        return "offline"
    if parsed.key != "uv__run" or any(parsed.values(o) for o in WITH_OPTIONS):
        return ""
    if any(o not in QUIET_RUN_OPTIONS for o in parsed.options) or any(environ.get(v) for v in NOISY_VARIABLES):
        return ""
    if parsed.flag("--no-sync") or _boolish(environ, "UV_NO_SYNC"):
        return "" if _runs_a_script(parsed, environ) else "uv run --no-sync"
    if (parsed.flag("--frozen") or _boolish(environ, "UV_FROZEN")) and not _runs_a_script(parsed, environ):
        return "uv run --frozen, every locked package installed" if _all_locked_installed(parsed, environ) else ""
    return ""
