"""Read TOML into plain dicts: tomllib where Python has it (fast), tomlkit otherwise."""

from __future__ import annotations


def parse(text: str) -> dict:
    """Parse TOML text; raises ValueError (with line and column) on bad input."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.9/3.10
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            return tomlkit.parse(text).unwrap()
        except TOMLKitError as exc:  # ParseError, KeyAlreadyPresent, ...
            raise ValueError(str(exc)) from None
    return tomllib.loads(text)
