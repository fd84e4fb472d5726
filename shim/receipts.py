"""The only code that reads or writes uv's `uv-receipt.toml`.

Repair drops credentials (and uv's `****` masks) from http(s) URLs anywhere in the
receipt's `[tool]` table, changes no other byte (tomlkit keeps the rest as it was),
never adds a key, and replaces the file atomically under uv's own tools lock.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import toml_text
from .atomic import remove_leftovers, replace_file
from .errors import ShimError, warn
from .locking import file_lock
from .redact import redact_url, split_userinfo

RECEIPT = "uv-receipt.toml"
# userinfo in an http(s) URL (also git+https); ssh's `git@host` is a user name, not a secret.
# The authority ends at / ? # or a space; greedy matching strips up to its last "@".
# (`git+https://` is covered: the match starts at its `https://`.)
# (Patterns are strings: `re` compiles them on first use, and most runs never need them.)
_HTTP_USERINFO = r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?://)[^/?#\s]*@"
# The same inside TOML text, where a `"` also ends it (the end of a basic string).
_TEXT_USERINFO = r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?://)[^/?#\"\s]*@"
MASK = "****"
MAX_RECEIPT = 1 << 20  # uv writes a few hundred bytes; anything past 1 MiB is not a receipt
DEDUPED_LISTS = ("index", "extra-index-url", "find-links")


class IndexRef:
    def __init__(self, url: str, name=None, place="index-url", default=False):
        self.url = url  # without userinfo
        self.name = name  # the index name for named `[[index]]` entries
        self.place = place  # index, index-url, extra-index-url, find-links, requirements.index, direct
        self.default = default


class Receipt:
    def __init__(self, name: str, path: Path):
        self.name = name
        self.path = path
        self.packages = []
        self.indexes = []
        self.projects = []  # local projects it was installed from (`directory`/`editable`): their sources apply
        self.findings = []  # redacted, for people
        self.stripped = []  # URLs (now clean) whose credential is removed
        self.found_urls = []  # the same, as they were (never printed)
        self.left = []  # "place: redacted URL" of credentials that stay: nothing would supply them again
        self.left_urls = []  # the same URLs without the credential (never printed with it)
        self.error = None  # why the receipt could not be read
        self.changed = False


def normalize_name(name: str) -> str:
    """PEP 503 normalization, which uv uses for tool directory names."""
    out = []
    for char in name.lower():
        char = "-" if char in "-_." else char
        if not (char == "-" and out and out[-1] == "-"):
            out.append(char)
    return "".join(out)


def tool_receipts(tool_dir: Path, names=None) -> list:
    """Receipt paths for `names` (normalized), or for every installed tool when None."""
    if names is None:
        try:
            entries = sorted(p for p in tool_dir.iterdir() if not p.name.startswith("."))
        except FileNotFoundError:
            return []
        return [p / RECEIPT for p in entries if (p / RECEIPT).is_file()]
    paths = []
    for name in names:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", normalize_name(name)):
            continue  # not a package name (`/some/dir`, `../x`): uv refuses it; no file outside tool_dir
        path = tool_dir / normalize_name(name) / RECEIPT
        if path.is_file():
            paths.append(path)
    return paths


def has_userinfo(url) -> bool:
    return isinstance(url, str) and "@" in url and bool(re.search(_HTTP_USERINFO, url))


def _strip(text: str) -> str:
    """Remove the userinfo of every http(s) URL in `text`, and change nothing else."""
    return re.sub(_HTTP_USERINFO, lambda m: m.group("scheme"), text) if "@" in text else text


def _strip_all(node):
    if isinstance(node, str):
        return _strip(node)
    if isinstance(node, dict):
        return {k: _strip_all(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_all(v) for v in node]
    return node


def _describe(place: str, url: str) -> str:
    _, user, password = split_userinfo(url)
    what = "masked credential (****)" if password == MASK or user == MASK else "stored credential"
    return f"{what} in {place}: {redact_url(url)}"


def _walk_strings(node, place, visit):
    """Call visit(container, key, value, place) for every string under node (tomlkit or dict)."""
    if isinstance(node, dict):
        for key in list(node.keys()):
            value = node[key]
            if isinstance(value, str):
                visit(node, key, value, f"{place}.{key}")
            else:
                _walk_strings(value, f"{place}.{key}", visit)
    elif isinstance(node, list):
        for index in range(len(node)):
            value = node[index]
            if isinstance(value, str):
                visit(node, index, value, f"{place}[{index}]")
            else:
                _walk_strings(value, f"{place}[{index}]", visit)


def _check_shape(data: dict) -> None:
    """Raise ValueError unless the receipt has the shape uv writes (types of the keys we read)."""
    tool = data.get("tool")
    if not isinstance(tool, dict):
        raise ValueError("no [tool] table")
    for key in ("requirements", "constraints", "overrides", "entrypoints"):
        value = tool.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(f"tool.{key} is not a list of tables")
    options = tool.get("options", {})
    if not isinstance(options, dict):
        raise ValueError("tool.options is not a table")
    if not isinstance(options.get("index-url", ""), str):
        raise ValueError("tool.options.index-url is not a string")
    for key in ("extra-index-url", "find-links"):
        value = options.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"tool.options.{key} is not a list of strings")
    index = options.get("index", [])
    if not isinstance(index, list) or not all(isinstance(v, dict) and isinstance(v.get("url"), str) for v in index):
        raise ValueError("tool.options.index is not a list of tables with a url")


def _describe_receipt(receipt: Receipt, data: dict) -> None:
    _check_shape(data)
    tool = data["tool"]
    for req in tool.get("requirements", []):
        if isinstance(req.get("name"), str):
            receipt.packages.append(req["name"])
        if isinstance(req.get("index"), str):
            receipt.indexes.append(IndexRef(_strip(req["index"]), None, "requirements.index"))
        if isinstance(req.get("url"), str) and req["url"][:4].lower() == "http":
            receipt.indexes.append(IndexRef(_strip(req["url"]), None, "direct"))
        for key in ("directory", "editable"):  # absolute, as uv writes them
            if isinstance(req.get(key), str) and req[key] not in receipt.projects:
                receipt.projects.append(req[key])
    options = tool.get("options", {})
    for entry in options.get("index", []):
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        place = "find-links" if entry.get("format") == "flat" else "index"
        receipt.indexes.append(IndexRef(_strip(entry["url"]), name, place, entry.get("default") is True))
    if options.get("index-url"):
        receipt.indexes.append(IndexRef(_strip(options["index-url"]), None, "index-url"))
    for key in ("extra-index-url", "find-links"):
        for url in options.get(key, []):
            receipt.indexes.append(IndexRef(_strip(url), None, key))


def _duplicates(options) -> list:
    """(list key, index) of entries equal to an earlier entry of the same list."""
    found = []
    for key in DEDUPED_LISTS:
        seen = []
        for i, entry in enumerate(options.get(key) or []):
            plain = entry.unwrap() if hasattr(entry, "unwrap") else entry
            if plain in seen:
                found.append((key, i))
            else:
                seen.append(plain)
    return found


_ESCAPED_AT = re.compile(rb"\\(u0040|U00000040)")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}")


def _parsed(name: str, text: str, remember: bool = False) -> dict:
    """toml_text.parse(text), remembered per tool for a receipt with no `@` in it (so no
    credential): the next command that finds the same text reads the result back as JSON,
    without importing a TOML parser (6-8 ms of every warm `uv tool upgrade`). Kept in
    `$XDG_STATE_HOME/uv-shim/receipts/<tool>.json` (0600); the text is compared whole, so a
    receipt changed in any way is parsed again. Written only when `remember` (a command
    about a few named tools, not a scan of them all) and the parse holds no `@` either
    (`\u0040` in the text is one)."""
    import json

    from . import paths
    from .private_files import read_private

    cache = paths.state_dir() / "receipts" / f"{name}.json" if _SAFE_NAME.fullmatch(name) else None
    if cache is not None and "@" not in text:
        try:
            known = json.loads(read_private(cache, 2 * MAX_RECEIPT) or b"null")
        except ValueError:
            known = None
        if isinstance(known, dict) and known.get("text") == text and isinstance(known.get("data"), dict):
            return known["data"]
    data = toml_text.parse(text)
    if cache is not None and remember and "@" not in text:
        try:
            from .private_files import private_dir, write_private

            entry = json.dumps({"text": text, "data": data}).encode()  # TypeError: a date: not kept
            if b"@" in entry:
                return data  # an escaped `@` in a value: a credential may be in it
            write_private(private_dir(cache.parent, "uv-shim's receipt cache") / cache.name, entry, durable=False)
        except (TypeError, ValueError, OSError, ShimError):
            pass  # only ever a shortcut
    return data


def inspect(path: Path, fix: bool = False, dedupe: bool = False, write=None, strip=None,
            remember: bool = False) -> Receipt:
    """Read a receipt; with fix, also remove credentials (and duplicates with dedupe) in place.
    `remember`: keep its parse for the next command (_parsed).

    `strip(value)` says whether the credential in a string value goes (default: every one);
    one that stays is listed in `left`. `write(path, data)` replaces the file (default:
    replace_file, at once)."""
    receipt = Receipt(name=path.parent.name, path=path)
    if path.is_symlink() or path.parent.is_symlink():
        receipt.error = "is a symlink; left alone"
        return receipt
    try:
        info = path.stat()
        if info.st_size > MAX_RECEIPT:
            receipt.error = f"is larger than {MAX_RECEIPT // 1024} KiB, not a uv receipt; left alone"
            return receipt
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = _parsed(receipt.name, text, remember)
        _describe_receipt(receipt, data)
    except UnicodeDecodeError:
        receipt.error = "is not UTF-8; left alone"
        return receipt
    except ValueError as exc:  # invalid TOML (with line and column) or not the shape uv writes
        receipt.error = f"cannot be read as a uv receipt ({exc}); left alone"
        return receipt
    except OSError as exc:
        receipt.error = f"cannot be read ({exc.strerror}); left alone"
        return receipt
    # A fast look first: most receipts hold no credential.
    # (the walk below decides; an escaped `\"` can hide one from any text pattern, and TOML
    # can write the `@` itself as \u0040 or \U00000040)
    credentials = b"@" in raw or _ESCAPED_AT.search(raw) is not None
    duplicates = _duplicates(data["tool"].get("options") or {})
    receipt.findings += [f"duplicated entry in tool.options.{key}[{i}]" for key, i in duplicates]
    if not credentials and not duplicates:
        return receipt

    decided = {}

    def goes(value) -> bool:
        if value not in decided:
            decided[value] = strip is None or bool(strip(value))
        return decided[value]

    def visit(container, key, value, place):
        if not has_userinfo(value):
            return
        if goes(value):
            receipt.findings.append(_describe(place, value))
            receipt.stripped.append(_strip(value))
            receipt.found_urls.append(value)
        else:
            receipt.left.append(f"{place}: {redact_url(value)}")
            receipt.left_urls.append(_strip(value))

    _walk_strings(data["tool"], "tool", visit)
    if info.st_nlink > 1 and receipt.stripped:
        # Replacing this name would leave the credential in the file's other name(s).
        receipt.error = (f"has {info.st_nlink} hard links: another name for this file would keep any credential "
                         f"in it; left alone (find them with `find / -xdev -samefile {path}`, remove them, then run "
                         "`uv-shim receipts --fix`)")
        return receipt
    if not fix or not (receipt.stripped or (dedupe and duplicates)):
        return receipt
    new = None
    if not (dedupe and duplicates) and not receipt.left:
        new = _edit_text(text, sum(len(re.findall(_HTTP_USERINFO, u)) for u in receipt.found_urls))
    if new is None:
        try:
            new = _edit_with_tomlkit(text, dedupe, duplicates, goes)
        except Exception as exc:  # tomlkit disagreeing with the parser above: leave the file alone
            receipt.error = f"cannot be edited safely ({type(exc).__name__}); left alone"
            return receipt
    new_bytes = new.encode("utf-8")
    if new_bytes != raw:
        (write or replace_file)(path, new_bytes)
        receipt.changed = True
    return receipt


def _edit_text(text: str, expected_cuts: int):
    """Cut the userinfo out of the text itself, so that no other byte can change.

    A match cannot cross a `"`, and `https://` cannot appear in a bare key or any other
    TOML token, so a match outside a comment lies inside a string, and cutting it there
    is the same as cutting the string's value unless the cut holds an escape sequence.
    The result is used only when that holds for every cut and the cuts are exactly the
    `expected_cuts` found in the parsed values; otherwise None, and the tomlkit path
    edits the parsed document instead.
    """
    cuts = []

    def repl(match):
        line_start = text.rfind("\n", 0, match.start()) + 1
        end = match.end()  # the rest of the authority, which an escape may have cut short
        while end < len(text) and text[end] not in '/?#" \t\r\n':
            end += 1
        # A `"` there must close the string (`", ]}` or an end of line follows), not sit inside it.
        inside = text[end:end + 1] == '"' and text[end + 1:end + 2] not in ("", ",", "]", "}", " ", "\t", "\r", "\n")
        cuts.append((text[match.start():end], inside or "#" in text[line_start:match.start()]))
        return match.group("scheme")

    new = re.sub(_TEXT_USERINFO, repl, text)
    if len(cuts) != expected_cuts or any("\\" in cut or in_comment for cut, in_comment in cuts):
        return None
    return new


def _edit_with_tomlkit(text: str, dedupe: bool, duplicates: list, goes) -> str:
    import tomlkit

    doc = tomlkit.parse(text)
    edits = []
    _walk_strings(doc["tool"], "tool", lambda container, key, value, place:
                  has_userinfo(value) and goes(str(value)) and edits.append((container, key)))
    for container, key in edits:
        container[key] = _strip(container[key])
    if dedupe:
        options = doc["tool"]["options"]
        for key, i in reversed(duplicates):
            del options[key][i]
    return tomlkit.dumps(doc)


def repair(tool_dir: Path, names=None, dedupe: bool = False, strip=None) -> list:
    """Repair the receipts of `names` (every tool when None) under uv's tools lock.

    `strip(tool name, value)` decides which stored credentials go (see inspect)."""
    paths = tool_receipts(tool_dir, names)
    if names is None:
        _forget_parses({path.parent.name for path in paths})
    if not paths:
        return []
    results, writes = [], []
    with file_lock(tool_dir / ".lock", "uv's tools lock (another uv is running)"):
        for path in paths:
            remove_leftovers(path.parent)  # from a uv-shim killed mid-write
            tool = path.parent.name
            receipt = inspect(path, fix=True, dedupe=dedupe, write=lambda p, data: writes.append((p, data)),
                              strip=None if strip is None else (lambda value, tool=tool: strip(tool, value)),
                              remember=names is not None and len(paths) <= 8)
            if receipt.error:
                warn(f"{path} {receipt.error}")
            results.append(receipt)
        _write_all(writes)
    return results


def _forget_parses(tools: set) -> None:
    """After a scan of every tool: drop the remembered parses (_parsed) of tools that are no
    longer installed (`uv tool uninstall` goes straight to uv) and temp files a killed write left."""
    from . import paths
    from .private_files import is_private_dir

    directory = paths.state_dir() / "receipts"
    if not is_private_dir(directory):
        return  # none remembered, or not a directory the parses are written to: nothing of ours
    try:
        names = os.listdir(directory)
    except OSError:
        return
    remove_leftovers(directory)
    for name in names:
        if name.endswith(".json") and name[:-5] not in tools:
            try:
                os.unlink(directory / name)
            except OSError:
                pass


def _write_all(writes: list) -> None:
    """Replace the files, each atomically; many at once overlap their fsyncs (which release the GIL)."""
    if len(writes) <= 8:
        for path, data in writes:
            replace_file(path, data)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda item: replace_file(*item), writes))
