"""Parse a uv command line the way uv (clap) does, far enough to know what it touches.

The parser never changes argv: it only reads it. It knows which words are
subcommands and which options take a value from `uv_cli_table`, generated from the
real uv's own completion script, so global options may stand anywhere
(`uv --no-cache -v tool update --all`, `uv tool --color never upgrade x`).
"""

from __future__ import annotations

from .uv_cli_table import SUBCOMMANDS, VALUE_OPTIONS

# Commands whose first positional starts a command line of its own: everything after
# it belongs to that command, not to uv.
TRAILING = {"uv__run", "uv__tool__run", "uv__tool__uvx"}

# Short spellings of the options the shim reads.
SHORT_ALIASES = {"-i": "--index-url", "-f": "--find-links", "-h": "--help"}

TOOL_KEYS = {"uv__tool__install", "uv__tool__upgrade", "uv__tool__run", "uv__tool__uvx"}
# Commands that may reach a package index (the shim supplies credentials for them).
INDEX_KEYS = {"uv__sync", "uv__lock", "uv__add", "uv__remove", "uv__run", "uv__export", "uv__tree",
              "uv__upgrade", "uv__venv", "uv__build", "uv__version", "uv__publish",
              "uv__pip__install", "uv__pip__sync", "uv__pip__compile"}
INTERCEPTED = TOOL_KEYS | INDEX_KEYS


class ParsedArgs:
    # Plain classes, not dataclasses, here and in the other modules on the `uv tool` path:
    # importing dataclasses costs about 6 ms of start-up.
    def __init__(self):
        self.key = "uv"  # table key of the subcommand, e.g. "uv__tool__upgrade"
        self.options = {}  # "--name" -> list of values (True for flags)
        self.positionals = []
        self.trailing = []  # argv of the command after `run CMD`
        self.malformed = False  # an option that needs a value had none: let uv complain

    def values(self, name: str) -> list:
        return [v for v in self.options.get(name, []) if isinstance(v, str)]

    def flag(self, name: str) -> bool:
        return name in self.options

    @property
    def wants_help(self) -> bool:
        return "--help" in self.options or "-V" in self.options or "--version" in self.options

    @property
    def intercepted(self) -> bool:
        return self.key in INTERCEPTED and not self.wants_help and not self.malformed


def parse(args: list) -> ParsedArgs:
    """Parse uv's arguments (argv without argv[0])."""
    parsed = ParsedArgs()
    i = 0
    n = len(args)

    def record(name: str, value) -> None:
        name = SHORT_ALIASES.get(name, name)
        parsed.options.setdefault(name, []).append(value)

    while i < n:
        arg = args[i]
        i += 1
        value_opts = VALUE_OPTIONS.get(parsed.key, "").split()
        if arg == "--":
            rest = args[i:]
            if parsed.key in TRAILING:
                parsed.trailing = rest
            else:
                parsed.positionals.extend(rest)
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if eq:
                record(name, value)
            elif name in value_opts:
                if i >= n:
                    parsed.malformed = True
                    break
                record(name, args[i])
                i += 1
            else:
                record(name, True)
            continue
        if arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                short = "-" + arg[j]
                if short in value_opts:
                    value = arg[j + 1 :]
                    if value.startswith("="):
                        value = value[1:]
                    if not value:
                        if i >= n:
                            parsed.malformed = True
                            break
                        value = args[i]
                        i += 1
                    record(short, value)
                    break
                record(short, True)
                j += 1
            continue
        child = SUBCOMMANDS.get(parsed.key, {}).get(arg)
        if child and not parsed.positionals:
            parsed.key = child
            continue
        parsed.positionals.append(arg)
        if parsed.key in TRAILING:
            parsed.trailing = args[i:]
            break
    return parsed
