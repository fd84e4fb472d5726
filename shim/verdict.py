"""Per-project verdicts, checked by the sh launcher alone: `uv run CMD`, `uv sync` and `uv lock`
(no option but `--directory` / `--project`) exec the real uv without starting Python.

Python writes one after deciding a project afresh, when the decision can be replayed:

- `none`: no provider covers any index in play; uv runs as it is.
- `store`: every credential handed over came from the token cache (fresh until a known
  time) or from files the verdict watches (`STATIC` providers), and reached uv through
  uv's credential store alone. The store is copied into a private directory of its own
  (`$XDG_CACHE_HOME/uv-shim/stores/s-*`, 0700, files 0600) that the launcher hands to uv
  as `UV_CREDENTIALS_DIR` (and `NETRC`, when the user's netrc had to be filtered).

Every verdict has a deadline: an hour (MAX_LIFE), or sooner when the token cache would
refresh a credential it hands over. It is the mtime of `deadline` in the verdict's directory
under `stores/` (for `none` the directory holds nothing else).

    $XDG_CACHE_HOME/uv-shim/verdicts/<project dir as given>/@verdict      (0600, dirs 0700)

    uv-shim-verdict/2 VERSION none|store    the format, the launcher's own version, the kind
    /physical/project/dir                   `[ "$dir" -ef LINE ]`: a symlink moved elsewhere misses
    /physical/path/of/the/real/uv           `[ "$real_uv" -ef LINE ]` (UV_SHIM_REAL_UV, links re-pointed)
    +/a/file   exists, and is not newer than the verdict (`-nt`)
    -/a/file   does not exist
    ~/a/link<tab>/where/it/leads   `-ef`: a link on the way to a watched file, not re-pointed
    =NAME      the variable is empty (UV_INDEX_<NAME>_PASSWORD / _USERNAME of named user indexes)
    ?NAME=VAL  the variable is set, to exactly VAL (every variable the decision read, and SIGNATURE)
    !NAME      the variable is unset
    @/dir      a new `/dir/uv-$$` (the launcher's PID, which uv keeps: the store is in use; made
               with noclobber, so a reused PID's old marker goes to Python) must be older than
               /dir/deadline
    >NETRC=/dir/netrc   (store) also hand uv this netrc

The files are every file the decision opened, listed or looked for (an audit hook, so
whatever the index discovery reads is watched without it having to say so; project.is_file
announces a file looked for), the pyproject.toml / uv.toml of every directory from the
project up to `/`, the user and system uv.toml, uv-shim's config files and the real uv, the
directory of each watched file that exists (a file moved in with an old mtime changes its
directory) and the project directory's parent (the project replaced by a symlink to another
tree changes it). The variables are every one the decision read (os.environ is swapped for
a recorder while it runs); a decision that read a secret from the environment, or listed it,
gets no verdict.
The verdict's mtime is set two seconds before the decision started (by this clock or the
filesystem's, whichever is behind), so a file changed during or after it (timestamps at
whole seconds included) is always newer; the store's files get that time too, so a `uv auth
login` that writes into the store also misses. A file copied in with its old mtime (`cp -p`,
`tar x`, `rsync -a`) is not seen: the deadline bounds how long that lasts. The launcher also
requires a fixed list of variables to be empty (UV_INDEX, UV_CONFIG_FILE, UV_PROJECT, ...);
anything it cannot vouch for sends the command to Python, which decides afresh.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys
import time

from . import paths, real_uv

NAME = "@verdict"
VARIABLE = "UV_SHIM_VERDICT"  # set by the launcher: where the verdict for this command lives
KEYS = ("uv__run", "uv__sync", "uv__lock")
ALLOWED_OPTIONS = {"--directory", "--project"}
SIGNATURE = ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "UV_SHIM_CONFIG", "UV_SHIM_TEAM_CONFIG")  # always recorded
MARGIN = 2  # seconds the verdict's mtime is set before the decision started
FORMAT = "uv-shim-verdict/2"  # first word of a verdict: a launcher reads only its own format
# A verdict is replayed this long at most: what the launcher cannot see (a file copied in with
# its old mtime by `cp -p`, `tar x` or `rsync -a`, a filesystem clock behind this one) lasts no longer.
MAX_LIFE = 3600
MIN_LIFE = 60  # a verdict good for less than this is not worth writing
GRACE = 3600  # a store past its deadline is removed this long after it, once no uv that got it runs
# what a store verdict may give uv: the hand-off, and the user's own values beside it (inherited.py)
HANDED_VARIABLES = {"UV_CREDENTIALS_DIR", "NETRC", "UV_SHIM_USER_UV_CREDENTIALS_DIR", "UV_SHIM_USER_NETRC"}
# variables whose value is a secret by their name (a verdict never holds one)
_SECRET_NAME = r"(?i)(passw|secret|token|endpoints|(^|_)key$)"

_reads = []
_recording = False


def root() -> str:
    return str(paths.cache_dir() / "verdicts")


def stores_root() -> Path:
    return paths.cache_dir() / "stores"


def clear() -> None:
    """Forget every verdict and every store (`uv-shim credentials --clear`)."""
    import shutil

    shutil.rmtree(root(), ignore_errors=True)
    shutil.rmtree(stores_root(), ignore_errors=True)


def wanted(environ, parsed):
    """The verdict path the launcher asked for (popped from `environ`), when this command may have one."""
    path = environ.pop(VARIABLE, "")
    if not path or parsed.key not in KEYS or set(parsed.options) - ALLOWED_OPTIONS or "\n" in path:
        return None
    base = root() + "/"
    parts = path[len(base):].split("/")
    if not path.startswith(base) or parts[-1] != NAME or "." in parts or ".." in parts:
        return None
    return os.path.normpath(path)


_EVENTS = ("open", "os.listdir", "os.scandir", "uv_shim.looked_for")  # (the last: project.LOOKED_FOR)


def _hook(event, args):
    if _recording and event in _EVENTS and args and isinstance(args[0], (str, bytes)):
        _reads.append(os.fsdecode(args[0]))


def record() -> float:
    """Start noting every file opened or listed; returns the time the decision starts."""
    global _recording
    if not _recording:
        _recording = True
        if not getattr(sys, "_uv_shim_verdict_hook", False):
            sys.addaudithook(_hook)
            sys._uv_shim_verdict_hook = True
    return time.time()


# ---- what the decision read from the environment -----------------------------------------------

class _Reads:
    def __init__(self):
        self.on = True
        self.values = {}  # name: value when first read (None: unset)
        self.written = set()
        self.listed = False


try:
    from collections.abc import MutableMapping
except ImportError:  # pragma: no cover
    MutableMapping = object


class _Recorder(MutableMapping):
    """os.environ (or a copy of it) noting each variable read while `reads.on`."""

    def __init__(self, backing, reads: _Reads):
        self._backing = backing
        self._reads = reads

    def _note(self, key):
        reads = self._reads
        if reads.on and key not in reads.written and key not in reads.values:
            reads.values[key] = self._backing.get(key)

    def __getitem__(self, key):
        self._note(key)
        return self._backing[key]

    def get(self, key, default=None):
        self._note(key)
        return self._backing.get(key, default)

    def __contains__(self, key):
        self._note(key)
        return key in self._backing

    def __setitem__(self, key, value):
        if self._reads.on:
            self._reads.written.add(key)
        self._backing[key] = value

    def __delitem__(self, key):
        self._note(key)
        if self._reads.on:
            self._reads.written.add(key)
        del self._backing[key]

    def __iter__(self):
        if self._reads.on:
            self._reads.listed = True
        return iter(self._backing)

    def __len__(self):
        return len(self._backing)

    def copy(self):
        return _Recorder(dict(self._backing), self._reads)


class Outcome:
    """What a decision allows the launcher to replay: kind "none" or "store", or nothing (kind None)."""

    def __init__(self, kind, reads=None, handed=None, real=None):
        self.kind, self.reads, self.handed, self.real = kind, reads, handed, real


def watch(prepare, parsed, args: list, real: str):
    """Run `prepare(parsed, args, real)` noting what it read from the environment; returns
    (args, environ, Outcome)."""
    from .errors import WARNINGS

    warned = len(WARNINGS)
    handoff = sys.modules.get(__package__ + ".handoff")
    handed_before = len(handoff.HANDED) if handoff else 0
    before = dict(os.environ)
    reads = _Reads()
    saved = os.environ
    os.environ = _Recorder(saved, reads)
    try:
        new_args, environ = prepare(parsed, args, real)
    finally:
        os.environ = saved
        reads.on = False
    after = dict(environ._backing) if isinstance(environ, _Recorder) else dict(environ)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    handoff = sys.modules.get(__package__ + ".handoff")
    handed = handoff.HANDED[handed_before:] if handoff else []
    if len(WARNINGS) != warned or list(new_args) != list(args) or reads.listed:
        return new_args, after, Outcome(None)
    if not changed and not handed:
        return new_args, after, Outcome("none", reads.values, real=real)
    if len(handed) == 1 and _replayable(handed[0], changed, after) and not real_uv.is_dispatcher(real):
        # (a wrapper script may run another uv, one that ignores the store, in another directory)
        return new_args, after, Outcome("store", reads.values, handed[0], real)
    return new_args, after, Outcome(None)


def _replayable(handed, changed: set, after: dict) -> bool:
    """Did uv get its credentials through a store alone, each of them fresh until a known time?"""
    from .handoff import STORE_FILE

    if handed.variables or handed.entries or STORE_FILE not in handed.files or changed - HANDED_VARIABLES:
        return False
    if after.get("UV_CREDENTIALS_DIR") != str(handed.directory):
        return False
    return all(getattr(s.credential, "fresh_until", None) or getattr(s.provider, "STATIC", False)
               for s in handed.supplies)


def _deadline(handed, now: float) -> float:
    """MAX_LIFE from now, or sooner when the token cache would refresh a credential handed over."""
    supplies = handed.supplies if handed is not None else []
    return min([now + MAX_LIFE] + [s.credential.fresh_until for s in supplies
                                   if getattr(s.credential, "fresh_until", None)])


def _environment_lines(values: dict):
    """`?NAME=VALUE` / `!NAME` for each variable read, or None when one cannot be written safely
    (a name sh cannot check, a value on more than one line, a secret)."""
    import re

    from .redact import redact_text

    lines = []
    for name in sorted(values):
        value = values[name]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return None
        if value is None:
            lines.append(f"!{name}")
            continue
        if "\n" in value or "\r" in value or "\0" in value or redact_text(value) != value \
                or (value and re.search(_SECRET_NAME, name)):
            return None  # (the one redaction path says: a secret, or userinfo in a URL)
        lines.append(f"?{name}={value}")
    return lines


# ---- the files that decide -----------------------------------------------------------------------

def _own_files() -> tuple:
    here = os.path.dirname(os.path.abspath(__file__))
    return tuple({here, sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/dev", "/sys"})


def _watched(parsed, environ, outcome) -> list:
    from .project import ancestors, start_dir

    start = start_dir(parsed, environ)
    files = [os.path.join(d, n) for d in ancestors(start) for n in ("pyproject.toml", "uv.toml")]
    files.append(os.path.dirname(os.path.realpath(start)))  # the project replaced by a link elsewhere changes it
    files += [str(paths.user_uv_config()), "/etc/uv/uv.toml", str(paths.user_shim_config()),
              str(paths.team_shim_config())]
    for directory in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":"):
        if not directory:
            break
        files.append(os.path.join(directory, "uv", "uv.toml"))
    if outcome.real:
        files.append(os.path.realpath(outcome.real))
    own = _own_files()
    if outcome.handed is not None:  # the hand-off of this one run: written by it, not read
        from .handoff import base_dir

        own += (str(base_dir()), str(outcome.handed.directory))
    files += [p for p in _reads if p and not p.startswith(own)]
    return files


def _links(path: str, limit: int = 40) -> set:
    """Each symlink met on the way to `path` (links to links included). The verdict holds
    `~LINK<tab>WHERE IT LEADS`: a link re-pointed (`ln -sfn profiles/work ~/.config/uv`) then
    misses (`-ef`), even when everything it now leads to is older than the verdict."""
    found, todo = set(), [os.path.abspath(path)]
    while todo and limit:
        limit -= 1
        parts = todo.pop().split(os.sep)
        for i in range(2, len(parts) + 1):
            prefix = os.sep.join(parts[:i])
            if os.path.islink(prefix):
                found.add(prefix)
                try:
                    target = os.path.join(os.path.dirname(prefix), os.readlink(prefix))
                except OSError:
                    break
                todo.append(os.path.normpath(os.path.join(target, *parts[i:])))
                break
    return found


def _variables(parsed, environ) -> list:
    from .indexes import every_user_index
    from .providers.uv_config import index_env_prefix

    names = {i.name for i in every_user_index(parsed, environ) if i.name}
    return sorted(f"{index_env_prefix(n)}_{part}" for n in names for part in ("USERNAME", "PASSWORD"))


def write(path: str, parsed, environ, started: float, outcome: Outcome) -> None:
    """Write the verdict `outcome` allows; silently nothing when it cannot vouch for it."""
    global _recording
    from .errors import ShimError
    from .project import start_dir

    try:
        if outcome.kind is None:
            return
        variables = _variables(parsed, environ)
        _recording = False
        # the stamp by the filesystem's clock when it is behind this one (a network filesystem's)
        stamp = int(started - max(0.0, time.time() - _filesystem_now())) - MARGIN
        lines = [f"{FORMAT} {_version()} {outcome.kind}",
                 os.path.realpath(start_dir(parsed, environ)), os.path.realpath(outcome.real or "/")]
        lines += [f"={name}" for name in variables]
        read = dict(outcome.reads or {})
        for name in SIGNATURE:  # (the decision may not have got that far: these always count)
            read.setdefault(name, environ.get(name))
        read = _environment_lines(read)
        if read is None:
            return
        lines += read
        seen = {str(paths.cache_dir())}  # token files are written in place, never moved in with an old time
        watched = _watched(parsed, environ, outcome)
        for link in sorted({link for name in watched for link in _links(name)}):
            lines.append(f"~{link}\t{os.path.realpath(link)}")
            if "\t" in lines[-1][1:].replace("\t", "", 1):
                return  # (a tab in the path itself: the line could not be split)
        for name in watched:
            name = os.path.abspath(name)
            if name in seen:
                continue
            seen.add(name)
            entries = [name]
            if os.path.isfile(name) and os.path.dirname(name) not in seen:
                entries.append(os.path.dirname(name))  # a file moved in with an old mtime changes it
                seen.add(entries[-1])
            for entry in entries:
                try:
                    mtime = os.stat(entry).st_mtime
                except (FileNotFoundError, NotADirectoryError):
                    lines.append(f"-{entry}")
                    continue
                if mtime >= stamp:
                    return  # changed too recently to vouch for: the next run writes it
                lines.append(f"+{entry}")
        now = time.time()
        deadline = _deadline(outcome.handed, now)
        if deadline - now < MIN_LIFE:
            return
        lines += _store_lines(_new_store(outcome.handed, stamp, deadline), outcome.handed)
        if any("\n" in line or "\r" in line for line in lines):
            return
        _store(path, ("\n".join(lines) + "\n").encode(), stamp)
    except (OSError, ValueError, UnicodeError, ShimError):
        return  # a verdict is only ever an optimisation
    finally:
        _recording = False


def _version() -> str:
    from . import __version__

    return __version__


def _store(path: str, data: bytes, stamp: int) -> None:
    from .errors import ShimError
    from .private_files import private_dir

    base = root()
    try:
        private_dir(base, "uv-shim's verdict cache")
    except ShimError:
        return
    from .atomic import replace_file

    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    # its time is set before it appears: the launcher compares the watched files with it
    replace_file(Path(path), data, mode=0o600, times=(stamp, stamp))


# ---- the stores a verdict hands to uv ---------------------------------------------------------------

def _filesystem_now(directory=None) -> float:
    """The time by the clock of the filesystem the verdicts (or `directory`) are on: a new file's mtime."""
    import tempfile

    from .private_files import private_dir

    directory = directory or private_dir(root(), "uv-shim's verdict cache")
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".clock.") as probe:
        return os.fstat(probe.fileno()).st_mtime


def _new_store(handed, stamp: int, deadline: float) -> Path:
    """A new private directory with `deadline` (its mtime) and, for a store verdict, the
    hand-off's files (mtime `stamp`)."""
    import tempfile

    from .errors import ShimError
    from .private_files import private_dir, write_private

    try:
        base = private_dir(stores_root(), "uv-shim's credential stores")
    except ShimError as exc:
        raise OSError(exc.message) from None
    remove_spent(base)
    directory = Path(tempfile.mkdtemp(prefix="s-", dir=base))
    for name, data in (handed.files.items() if handed is not None else ()):
        write_private(directory / name, data)
        os.utime(directory / name, (stamp, stamp))
    write_private(directory / "deadline", b"")
    os.utime(directory / "deadline", (deadline, deadline))
    return directory


def _store_lines(directory: Path, handed) -> list:
    files = handed.files if handed is not None else {}
    lines = [f"+{directory / name}" for name in sorted(files)]
    lines.append(f"@{directory}")
    if "netrc" in files:
        lines.append(f">NETRC={directory / 'netrc'}")
    return lines


def _in_use(marker: Path, skew: float = 0.0) -> bool:
    """Does the uv that wrote this `uv-PID` marker still run? Not this process (the launcher
    marked the store, then found it spent, and exec'd Python), nor a later process that was
    given the same PID (it started after the marker was written)."""
    from .atomic import pid_alive

    pid = marker.name[3:]
    if not pid.isdigit() or int(pid) == os.getpid() or not pid_alive(int(pid)):
        return False
    try:
        import psutil

        # (`skew`: how far the filesystem's clock, which stamped the marker, is behind this one)
        return psutil.Process(int(pid)).create_time() <= os.stat(marker).st_mtime + skew + 1
    except Exception:  # (psutil.Error, OSError; psutil missing): cannot tell, so in use
        return True


def remove_spent(base: Path) -> None:
    """Forget the markers of uv processes that have ended, and remove the stores past their
    deadline (by GRACE) that no running uv was given. Run whenever a verdict is written."""
    import shutil

    from .errors import ShimError

    now = time.time()
    try:
        names = os.listdir(base)
        skew = max(0.0, now - _filesystem_now(base))
    except (OSError, ShimError):
        return
    for name in names:
        directory = base / name
        if not name.startswith("s-"):
            continue
        try:
            try:
                deadline = os.stat(directory / "deadline").st_mtime
            except FileNotFoundError:  # being written, or left half-written by a killed run
                deadline = os.stat(directory).st_mtime
            markers = [directory / n for n in os.listdir(directory) if n.startswith("uv-")]
        except OSError:
            continue
        in_use = False
        for marker in markers:
            if _in_use(marker, skew):
                in_use = True
            else:
                try:
                    os.unlink(marker)
                except OSError:
                    pass
        if not in_use and deadline + GRACE <= now:
            shutil.rmtree(directory, ignore_errors=True)
