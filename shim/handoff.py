"""How credentials reach uv: the one module that decides it, per uv version.

uv 0.8.15 and later read the `uv auth` credential store from `UV_CREDENTIALS_DIR`, and
look a credential up there by scheme, host, port and the longest path prefix. So the
fresh credentials go into a store of uv-shim's own: a private directory made for this
one uv process (0700, `credentials.toml` 0600), holding the user's own `uv auth`
entries plus the fresh ones keyed by the URL prefix each was issued for; uv gets only
the directory's path. Nothing is keyed by index name or by host alone, no descriptor is
passed, and no secret is put in the environment. uv 0.8.15 accepts only https services
there, 0.8.16 and later also http on `localhost` and `127.0.0.1`.

uv consults netrc before the store: when the user's netrc has an entry for a host the
store serves (or a `default` entry), uv is given a copy of the user's netrc without it
(in the same private directory; it holds nothing but the user's own entries).

Older uv, and hosts the store cannot hold (plain http elsewhere, `[::1]`), fall back to
what uv reads there, only when that cannot send the credential anywhere else:
`UV_INDEX_<NAME>_USERNAME/PASSWORD` when every index in play whose name maps to that
variable has exactly the covered URL, else a netrc entry when every index and
find-links URL in play on that host has the covered scheme and port and gets the same
credential. Otherwise uv is not run (exit 2) and the conflicting indexes are named.

The private directories are removed by a later run once their uv process has ended.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import netrc, paths, urls
from .atomic import pid_alive
from .project import looked_for
from .errors import ShimError, debug, warn
from .private_files import private_dir, write_private
from .providers.uv_config import index_env_prefix
from .redact import redact_url

STORE_SINCE = (0, 8, 15)  # first uv that reads UV_CREDENTIALS_DIR for every command
STORE_HTTP_LOCAL_SINCE = (0, 8, 16)  # ... and accepts http://localhost and http://127.0.0.1 there
STORE_FILE = "credentials.toml"


def _dir_prefix() -> str:
    """`uv-HOST-`: a cache directory shared by machines or containers (one HOME, other PID
    namespaces) must not have one of them remove another's directory for a PID it cannot see."""
    node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return "uv-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in node)[:64] + "-"


def storable(url, uv_version: tuple) -> bool:
    """Can uv's credential store of this version hold a credential for `url` (a urls.Url)?"""
    if uv_version < STORE_SINCE:
        return False
    if url.scheme == "https":
        return True
    return uv_version >= STORE_HTTP_LOCAL_SINCE and url.host in ("localhost", "127.0.0.1")


def service(url) -> str:
    """The store's `service` for a scope (a urls.Url), default port left out as uv writes it.
    uv matches it as a whole-segment path prefix (0.8.15: as a plain string prefix, which is
    why directory scopes end in "/")."""
    return f"{url.scheme}://{url.authority}{url.path}"


# ---- what may be handed over how -------------------------------------------------------------

def _name_conflict(supply, in_play):
    """Why UV_INDEX_<NAME>_* would reach another index than the covered one, or None."""
    variable = index_env_prefix(supply.need.name)
    for index in in_play:
        if index.name and index_env_prefix(index.name) == variable \
                and not urls.same_index(urls.strip_userinfo(index.url), supply.need.url):
            return (f"{variable}_* would also reach index {index.name!r} at {redact_url(index.url)} "
                    f"({index.source})")
    return None


def _netrc_conflict(supply, in_play, supplies):
    """Why a netrc entry for this host would reach something the credential is not for, or None."""
    target = urls.parse(supply.need.url)
    for index in in_play:
        other = urls.parse(index.url)
        if other is None or other.host != target.host or other.has_credential:
            continue
        where = f"{redact_url(index.url)} ({index.source})"
        if (other.scheme, other.port) != (target.scheme, target.port):
            return f"a netrc entry for {target.host} would also reach {where}, on another scheme or port"
        if not any(s.credential == supply.credential
                   and (urls.same_index(s.need.url, index.url) or urls.under(index.url, s.scope))
                   for s in supplies):
            return f"a netrc entry for {target.host} would also reach {where}, which is not covered by it"
    return None


def plan(supplies: list, in_play: list, uv_version: tuple):
    """Sort supplies into (store {service: credential}, variables {name: value}, netrc {host: credential})."""
    store, variables, entries, problems = {}, {}, {}, []
    for supply in supplies:
        scope = urls.parse(supply.scope) or urls.parse(supply.need.url)
        if storable(scope, uv_version):
            store[service(scope)] = supply.credential
            continue
        credential = supply.credential
        reasons = []
        if supply.need.name:
            why = _name_conflict(supply, in_play)
            if why is None:
                prefix = index_env_prefix(supply.need.name)
                variables[f"{prefix}_USERNAME"] = credential.username
                variables[f"{prefix}_PASSWORD"] = credential.password
                continue
            reasons.append(why)
        why = _netrc_conflict(supply, in_play, supplies)
        if why is None and not netrc.can_carry(credential):
            why = "netrc cannot carry a credential with a space, quote or backslash (give the index a name in uv)"
        if why is None:
            entries[urls.parse(supply.need.url).host] = credential
            continue
        reasons.append(why)
        why = "; ".join(reasons)
        named = f"index {supply.need.name!r} at " if supply.need.name else ""
        problems.append(f"{named}{redact_url(supply.need.url)}: {why}")
    if problems:
        raise ShimError(
            "uv-shim will not hand this credential to uv: with uv "
            f"{'.'.join(map(str, uv_version))} it could reach another index.\n  " + "\n  ".join(problems)
            + "\n  uv was not run.",
            fix="give each index its own name and host, or upgrade uv to 0.8.16 or later "
                "(credentials then go by URL, through uv's credential store)",
            exit_code=2)
    return store, variables, entries


# ---- the user's own credentials ----------------------------------------------------------------

def user_store_dir(environ) -> Path:
    """Where uv itself would read the `uv auth` store from (UV_CREDENTIALS_DIR, else its state dir)."""
    explicit = environ.get("UV_CREDENTIALS_DIR")
    if explicit:
        return Path(explicit)
    legacy = paths.home() / "Library" / "Application Support" / "uv"
    import sys

    if sys.platform == "darwin" and looked_for(legacy, os.path.isdir):
        return legacy / "credentials"
    return paths.xdg_data_home() / "uv" / "credentials"


def _user_store_entries(environ) -> list:
    from . import toml_text

    path = user_store_dir(environ) / STORE_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            data = toml_text.parse(handle.read(1 << 20))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        debug(f"your uv credential store {path} cannot be read ({type(exc).__name__}); uv would not use it either")
        return []
    found = data.get("credential") if isinstance(data, dict) else None
    return [e for e in found if isinstance(e, dict) and isinstance(e.get("service"), str)] \
        if isinstance(found, list) else []


def _toml_string(value: str) -> str:
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render_store(user_entries: list, store: dict) -> str:
    """credentials.toml: the user's entries no fresh one shadows, then the fresh ones."""
    fresh = [urls.parse(s) for s in store]
    lines = ["# uv-shim: credentials for one uv process (your own `uv auth` entries and fresh ones)"]

    def shadowed(entry):
        own = urls.parse(entry["service"])
        return own is not None and any(own.origin == f.origin and own.prefix().startswith(f.prefix()) for f in fresh)

    for entry in user_entries:
        if shadowed(entry):
            continue
        lines.append("\n[[credential]]")
        lines += [f"{key} = {_toml_string(value)}" for key, value in entry.items() if isinstance(value, str)]
    for key, credential in store.items():
        lines.append("\n[[credential]]")
        lines.append(f"service = {_toml_string(key)}")
        lines.append(f"username = {_toml_string(credential.username)}")
        if credential.password:
            lines.append(f"password = {_toml_string(credential.password)}")
    return "\n".join(lines) + "\n"


# ---- the private directory -----------------------------------------------------------------------

base_dir = paths.handoff_base


def remove_stale(base: Path, prefix: str = "") -> None:
    """Remove the directories (ours) of uv processes that have ended."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    prefix += _dir_prefix()
    for name in names:
        pid = name[len(prefix):].split("-", 1)[0]
        if not (name.startswith(prefix) and pid.isdigit()) or (int(pid) != os.getpid() and pid_alive(int(pid))):
            continue
        try:
            if os.lstat(base / name).st_uid == os.getuid():
                _remove_dir(base / name)
        except OSError:
            pass


def _remove_dir(directory: Path) -> None:
    """Remove a hand-off directory: a few plain files, so no shutil import (milliseconds) unless
    something else is in it."""
    try:
        for name in os.listdir(directory):
            os.unlink(directory / name)
        os.rmdir(directory)
    except OSError:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def _write_handoff(files: dict) -> Path:
    """Write `files` into a fresh private directory for the uv process this one becomes (exec
    keeps the PID), and return it.

    When the usual place cannot be used (a directory others can write, a full or read-only
    disk), a new directory with a random name in the temporary directory (made with O_EXCL,
    0700) serves instead: uv still gets its credentials, and a later run removes it."""
    try:
        base = private_dir(base_dir(), "uv-shim's hand-off directory")
        remove_stale(base)
        directory = private_dir(base / f"{_dir_prefix()}{os.getpid()}", "uv-shim's hand-off directory")
        for name, data in files.items():
            write_private(directory / name, data, durable=False)  # for one process
        return directory
    except (OSError, ShimError) as exc:
        why = exc.message if isinstance(exc, ShimError) else f"{base_dir()}: {exc.strerror or exc}"
        import tempfile  # (only for this fallback: it costs milliseconds to import)

        warn(f"{why}; uv gets its credentials from a new private directory in {tempfile.gettempdir()} instead")
    remove_stale(Path(tempfile.gettempdir()), "uv-shim-")
    try:
        directory = Path(tempfile.mkdtemp(prefix=f"uv-shim-{_dir_prefix()}{os.getpid()}-"))
        for name, data in files.items():
            write_private(directory / name, data, durable=False)  # for one process
    except OSError as exc:
        raise ShimError(f"cannot hand the credentials to uv: no private directory can be written "
                        f"({exc.strerror or exc})", fix="free some disk space, or set XDG_STATE_HOME to a "
                        "directory of yours that can be written") from None
    return directory


# ---- hand over ---------------------------------------------------------------------------------

def _keep_users_netrc_for_the_rest(user_text: str, drop: set, store: dict, in_play: list, uv_version) -> None:
    """The netrc uv gets leaves out the user's entries for the hosts the store serves (they
    would shadow it). Other indexes on those hosts that no fresh credential covers keep the
    user's netrc credential: it goes into the store for their URL instead."""
    from .providers.base import Credential

    for index in in_play:
        url = urls.parse(index.url)
        if url is None or url.host not in drop or url.has_credential:
            continue
        if any(urls.under(index.url, key) for key in store):
            continue
        found = netrc.lookup(user_text, url.host)
        if found is None:
            continue
        if storable(url, uv_version):
            store[service(urls.parse(url.scope()))] = Credential(*found)
            debug(f"your netrc entry for {url.host} now reaches uv through its store for {redact_url(index.url)}")
        else:
            warn(f"your netrc credential for {url.host} is not given to uv for {redact_url(index.url)}: a fresh "
                 "credential for another index on that host would be shadowed by it (uv reads netrc first)\n"
                 "  fix: add a [[credential]] for that index too (README, Configuration)")



class HandOff:
    """What one hand_over gave uv (verdict.py replays a store for the project's next commands)."""

    def __init__(self, directory, files: dict, supplies: list, variables: dict, entries: dict):
        self.directory, self.files, self.supplies = directory, files, supplies
        self.variables, self.entries = variables, entries


HANDED = []  # one HandOff per hand_over that gave uv anything, in this process


def hand_over(supplies: list, in_play: list, environ: dict, uv_version: tuple) -> None:
    """Give uv the supplies' credentials through `environ`; raise ShimError (exit 2) when a
    credential could only be handed over in a way that might reach another index."""
    store, variables, entries = plan(supplies, in_play, uv_version)
    environ.update(variables)
    netrc_text = None
    if entries or store:
        user_text = netrc.read_user(environ)
        drop = {urls.parse(s).host for s in store}
        if entries or netrc.shadows(user_text, drop):
            _keep_users_netrc_for_the_rest(user_text, drop, store, in_play, uv_version)
            in_play_hosts = {u.host for u in (urls.parse(i.url) for i in in_play) if u is not None}
            netrc_text = netrc.render(user_text, entries, drop=drop, keep_default_for=in_play_hosts - drop)
    if not store and netrc_text is None:
        if variables:
            HANDED.append(HandOff(None, {}, supplies, variables, entries))
        return
    files = {}
    if store:
        files[STORE_FILE] = render_store(_user_store_entries(environ), store).encode("utf-8")
    if netrc_text is not None:
        files["netrc"] = netrc_text.encode("utf-8")
    directory = _write_handoff(files)
    HANDED.append(HandOff(directory, files, supplies, variables, entries))
    from . import inherited

    if store:
        inherited.save(environ, "UV_CREDENTIALS_DIR")
        environ["UV_CREDENTIALS_DIR"] = str(directory)
        debug("credentials handed to uv through its credential store (UV_CREDENTIALS_DIR) for "
              + ", ".join(redact_url(s) for s in store))
    if netrc_text is not None:
        inherited.save(environ, "NETRC")
        environ["NETRC"] = str(directory / "netrc")
        debug(f"uv reads a netrc from the hand-off directory ({len(entries)} fresh entries)")
    if variables:
        debug("credentials handed to uv as " + ", ".join(sorted(k for k in variables if k.endswith("_PASSWORD"))))
