"""uv-shim's own configuration: `[[credential]]` entries mapping index URL prefixes to providers.

Read from UV_SHIM_CONFIG, else $XDG_CONFIG_HOME/uv-shim/config.toml, merged over the
team file /etc/uv-shim/config.toml (the user's entries win on an equal prefix).
A bad file is one ConfigError naming the file, line and key (exit 2).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

from . import paths, toml_text, urls
from .errors import ConfigError
from .providers import PROVIDERS
from .redact import redact_url

TOP_LEVEL_KEYS = {"credential"}
COMMON_KEYS = {"url", "provider", "insecure-http"}


class CredentialRule:
    def __init__(self, url: str, provider: str, settings: dict, source: str = ""):
        self.url = url  # prefix, normalized to end with "/"
        self.provider = provider
        self.settings = settings
        self.source = source

    def matches(self, url: str) -> bool:
        """`url` is at or below this prefix as uv reads both: same scheme, host and port (default
        ports made explicit), whole path segments, `.`/`..` (also percent-encoded) resolved."""
        return urls.under(url, self.url)


class Config:
    def __init__(self):
        self.rules = []
        self.files = []

    def rule_for(self, url: str):
        """The rule with the longest matching prefix (first listed wins a tie)."""
        best = None
        for rule in self.rules:
            if rule.matches(url) and (best is None or len(rule.url) > len(best.url)):
                best = rule
        return best


def _line_of(text: str, entry_index: int, key: str = None) -> int:
    """Line (1-based) of the entry_index-th [[credential]] header, or of `key` inside it."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*credential\s*\]\]", line)]
    if entry_index >= len(headers):
        return 1
    start = headers[entry_index]
    if key is None:
        return start + 1
    end = headers[entry_index + 1] if entry_index + 1 < len(headers) else len(lines)
    pattern = re.compile(r'\s*"?' + re.escape(key) + r'"?\s*=')
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1


_TYPE_NAMES = {str: "a string", list: "a list of strings", int: "an integer", bool: "true or false"}


def _check_entry(entry, index: int, text: str, source: str) -> CredentialRule:
    def fail(message, key=None):
        raise ConfigError(f"{source}:{_line_of(text, index, key)}: {message}",
                          fix="see the Configuration section of the uv-shim README")

    if not isinstance(entry, dict):
        fail("each [[credential]] must be a table")
    for key in ("url", "provider"):
        if not isinstance(entry.get(key), str) or not entry.get(key):
            fail(f"[[credential]] needs `{key}` (a string)", key if key in entry else None)
    url = entry["url"]
    parsed = urls.parse(url)
    if "@" in urlsplit(url).netloc:
        fail("url must not contain credentials: the provider supplies them", "url")
    if parsed is None:
        fail(f"url {redact_url(url)!r} must start with http:// or https:// and name a host (and a valid port)",
             "url")
    if parsed.scheme == "http" and not parsed.is_loopback and entry.get("insecure-http") is not True:
        fail(f"url {redact_url(url)!r} is plain http: the credential would travel in clear text; "
             "use https://, or add `insecure-http = true` to accept that", "url")
    module = PROVIDERS.get(entry["provider"])
    if module is None or not getattr(module, "EXPLICIT", True):
        known = ", ".join(sorted(n for n, m in PROVIDERS.items() if getattr(m, "EXPLICIT", True)))
        fail(f"unknown provider {entry['provider']!r} (known: {known})", "provider")
    settings = {}
    for key, value in entry.items():
        if key in COMMON_KEYS:
            continue
        if key not in module.KEYS:
            fail(f"unknown key `{key}` for provider {module.NAME} (known: {', '.join(module.KEYS)})", key)
        expected = module.KEYS[key][0]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if ok and expected is list:
            ok = bool(value) and all(isinstance(v, str) and v for v in value)
        if ok and expected is str:
            ok = bool(value)
        if not ok:
            empty = " and not empty" if expected in (list, str) else ""
            fail(f"`{key}` must be {_TYPE_NAMES[expected]}{empty}", key)
        settings[key] = value
    for key in module.REQUIRED:
        if key not in settings:
            fail(f"provider {module.NAME} needs `{key}`")
    validate = getattr(module, "validate", None)
    if validate:
        problem = validate(settings)
        if problem:
            fail(problem[1], problem[0])
    return CredentialRule(parsed.prefix(), module.NAME, settings, f"{source}:{_line_of(text, index)}")


MAX_CONFIG = 1 << 20
_REFUSE = "refusing it, since it can name commands to run"


def _open_trusted(path: Path, team: bool) -> int:
    """A descriptor for `path`, or raise ConfigError when others could have written it.

    Like OpenSSH's StrictModes: the file is opened without following a symlink (a
    symlinked config is followed once, to its real path, when the link itself lives in a
    trusted directory), the checks are made on that descriptor (fstat), and every
    directory above it must be root's or yours and not writable by group or others.
    The team file must be root's.
    """
    from .private_files import unsafe_directory

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    real = Path(os.path.realpath(path))
    if os.name != "nt":  # pragma: no branch - POSIX permission bits only
        for directory in dict.fromkeys((Path(os.path.abspath(path)).parent, real.parent)):
            unsafe = unsafe_directory(directory)
            if unsafe:
                raise ConfigError(f"{path}: {unsafe}; {_REFUSE}",
                                  fix="make every directory above it yours or root's, and `chmod go-w` them")
    fd = os.open(real, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file; {_REFUSE}", fix=f"make {path} a plain file")
        if os.name == "nt":  # pragma: no cover
            return fd
        from .private_files import private_group

        # group-writable is fine when the group is the user's own private group (umask 002
        # systems), as for the directories above: the same rule for both.
        if info.st_mode & 0o002 or (info.st_mode & 0o020 and (team or not private_group(info.st_gid))):
            who = "everyone" if info.st_mode & 0o002 else "its group"
            raise ConfigError(f"{path} is writable by {who}; {_REFUSE}", fix=f"chmod go-w {path}")
        owners = (0,) if team else (os.getuid(), 0)
        if info.st_uid not in owners:
            whose = "is not root's" if team else "belongs to another user"
            raise ConfigError(f"{path} {whose} (uid {info.st_uid}); {_REFUSE}",
                              fix=f"sudo chown root {path}" if team else "take ownership of it (chown) or remove it")
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_safe(path: Path, team: bool = False) -> None:
    """Refuse a config that others could have written: it names commands uv-shim runs."""
    os.close(_open_trusted(path, team))


def read_trusted(path: Path, team: bool = False) -> str:
    """The text of a config file, read from the very descriptor whose owner and mode were checked."""
    fd = _open_trusted(path, team)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(MAX_CONFIG + 1)
    if len(data) > MAX_CONFIG:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG // 1024} KiB; not a uv-shim config")
    return data.decode("utf-8")


def load_file(path: Path, team: bool = False) -> list:
    try:
        text = read_trusted(path, team)
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        data = toml_text.parse(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}",
                          fix="fix the syntax (see the Configuration section of the README)") from None
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{path}: unknown top-level key `{key}` (expected [[credential]] tables)")
    entries = data.get("credential", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: `credential` must be an array of tables: write [[credential]]")
    return [_check_entry(entry, i, text, str(path)) for i, entry in enumerate(entries)]


def load() -> Config:
    config = Config()
    for path, team in ((paths.user_shim_config(), False), (paths.team_shim_config(), True)):
        rules = load_file(path, team)
        if path.exists():
            config.files.append(path)
        config.rules.extend(rules)
    return config
