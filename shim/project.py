"""Where a project command's settings come from, found the way uv finds them.

Project discovery starts at `--project` / UV_PROJECT, else `--directory` / UV_WORKING_DIR
/ UV_WORKING_DIRECTORY, else the working directory; each variable only when the real uv
reads it (VARIABLE_SINCE). uv changes into that directory first and then works from its
physical path (getcwd), so a directory reached through a symlink is looked at from where it
really is. Settings come from the nearest `uv.toml`, or `pyproject.toml` with a `[tool.uv]` table, at or above the workspace root (a `pyproject.toml` with
`[tool.uv.workspace]` above the project), as uv does. Which indexes those settings
bring is indexes.py's question.
"""

from __future__ import annotations

import os
import sys

from . import toml_text
from .errors import warn

LOOKED_FOR = "uv_shim.looked_for"  # audit event: a file whose absence or presence decided something


def looked_for(path, check=os.path.isfile) -> bool:
    """`check(path)` (os.path.isfile), announced to audit hooks: verdict.py watches every file a
    decision looked for (one that appears later, a new workspace member, changes the answer)."""
    sys.audit(LOOKED_FOR, os.fspath(path))
    return check(path)


is_file = looked_for


def read_toml(path: str):
    try:
        with open(path, encoding="utf-8") as handle:
            return toml_text.parse(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        warn(f"ignoring {path}: cannot be parsed ({type(exc).__name__})")
        return None


# The first uv that reads each variable (uv's source: the `env =` of --project / --directory,
# and uv's main for UV_WORKING_DIRECTORY); an older uv ignores it, and so must the shim.
VARIABLE_SINCE = {"UV_PROJECT": (0, 6, 11), "UV_WORKING_DIRECTORY": (0, 9, 1), "UV_WORKING_DIR": (0, 9, 14)}
real_uv_version = None  # a function that tells the real uv's version (launcher.run sets it)


def uv_version_of(real: str):
    """The function telling the real uv's version: the one launcher.run set for this command
    (so the version is asked once), else one that asks `real` when called."""
    if real_uv_version is not None:
        return real_uv_version
    from .real_uv import version_of

    return version_of(real)


def _read_by_uv(environ, name: str) -> str:
    """The variable's value when it is set and the real uv reads it, else "" (the version is
    asked only when the variable is set)."""
    value = environ.get(name, "")
    if value and real_uv_version is not None:
        version = real_uv_version()
        if version != (0,) and version < VARIABLE_SINCE[name]:  # (unknown: as the current uv)
            return ""
    return value


def working_dir(parsed, environ) -> str:
    """Where uv runs: `--directory` / UV_WORKING_DIR / UV_WORKING_DIRECTORY, else the current
    directory; physical, as uv sees it once it has changed into it."""
    given = (parsed.values("--directory") or [_read_by_uv(environ, "UV_WORKING_DIR")])[-1] \
        or _read_by_uv(environ, "UV_WORKING_DIRECTORY")
    return os.path.realpath(given) if given else os.getcwd()


def start_dir(parsed, environ) -> str:
    base = working_dir(parsed, environ)
    project = (parsed.values("--project") or [_read_by_uv(environ, "UV_PROJECT")])[-1]
    return os.path.abspath(os.path.join(base, project) if project else base)


def in_working_dir(parsed, environ, path: str) -> str:
    """`path` as uv opens it: uv changes into `--directory` before it reads any file."""
    return os.path.join(working_dir(parsed, environ), os.path.expanduser(path))


# Requirement sources whose `--index-url` / `--extra-index-url` / `--find-links` lines uv
# reads (uv-requirements' RequirementsSpecification: requirements, constraints, overrides;
# build constraints and excludes carry none).
REQUIREMENT_OPTIONS = ("-r", "--requirements", "--requirement", "-c", "--constraints", "--constraint",
                       "--overrides", "--override")
REQUIREMENT_VARIABLES = ("UV_CONSTRAINT", "UV_OVERRIDE")
POSITIONAL_SOURCES = {"uv__pip__compile", "uv__pip__sync"}  # `uv pip compile FILE...`


def requirement_paths(parsed, environ) -> list:
    """The requirements files uv reads index lines from, relative to the working directory:
    `-r`, `-c`, `--overrides` (or UV_CONSTRAINT / UV_OVERRIDE, space-separated, when the
    option is not given), and the positional files of `uv pip compile` / `uv pip sync`."""
    values = [v for o in ("-r", "--requirements", "--requirement") for v in parsed.values(o)]
    for options, variable in ((("-c", "--constraints", "--constraint"), "UV_CONSTRAINT"),
                              (("--overrides", "--override"), "UV_OVERRIDE")):
        given = [v for o in options for v in parsed.values(o)]
        values += given or environ.get(variable, "").split()
    if parsed.key in POSITIONAL_SOURCES:
        values += [v for v in parsed.positionals if v != "-"]
    return [in_working_dir(parsed, environ, v) for v in values if v]


def script_path(parsed, environ):
    """The PEP 723 script a project command works on, or None: `--script PATH` (lock, add,
    remove, sync, export, tree, ...), and for `uv run` the target with `--script`/`-s`/
    `--gui-script`, or a `.py`/`.pyw` target (uv reads its `# /// script` block when present)."""
    if parsed.key != "uv__run":
        given = parsed.values("--script")
        return in_working_dir(parsed, environ, given[-1]) if given else None
    target = parsed.positionals[0] if parsed.positionals else ""
    if not target or target == "-" or "://" in target:
        return None
    forced = parsed.flag("--script") or parsed.flag("-s") or parsed.flag("--gui-script")
    if forced or target.endswith((".py", ".pyw")):
        return in_working_dir(parsed, environ, target)
    return None


SCRIPT_START = "# /// script"
SCRIPT_END = "# ///"


def script_metadata(path: str):
    """The TOML table of a script's `# /// script` block (PEP 723), or None."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read(1 << 20).splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # uv reports an unreadable script itself
    try:
        start = lines.index(SCRIPT_START)
    except ValueError:
        return None
    body = []
    for line in lines[start + 1:]:
        if line == SCRIPT_END:
            try:
                return toml_text.parse("\n".join(body))
            except ValueError as exc:
                warn(f"ignoring the script metadata of {path}: cannot be parsed ({type(exc).__name__})")
                return None
        if line == "#":
            body.append("")
        elif line.startswith("# "):
            body.append(line[2:])
        else:
            return None  # not a closed block: uv ignores it too
    return None


def ancestors(directory: str):
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def workspace_root(start: str) -> str:
    """The directory of the outermost pyproject.toml with [tool.uv.workspace] above `start`,
    else the nearest directory with a pyproject.toml, else `start`."""
    nearest, root = None, None
    for directory in ancestors(start):
        path = os.path.join(directory, "pyproject.toml")
        if not is_file(path):
            continue
        nearest = nearest or directory
        data = read_toml(path) or {}
        tool = data.get("tool")
        uv = tool.get("uv") if isinstance(tool, dict) else None
        if isinstance(uv, dict) and isinstance(uv.get("workspace"), dict):
            root = directory
    return root or nearest or start


def _globbed(root: str, patterns) -> set:
    import glob  # only once a workspace is being read: not on the launcher's cheap path

    found = set()
    for pattern in patterns if isinstance(patterns, list) else []:
        if isinstance(pattern, str):
            found.update(os.path.normpath(p) for p in glob.glob(os.path.join(glob.escape(root), pattern),
                                                                  recursive=True))
    return found


def workspace_pyprojects(start: str) -> list:
    """Every pyproject.toml of the workspace around `start`: the root's, each member's
    (`[tool.uv.workspace] members` globs without `exclude`), and the project's own. uv reads
    their `[[tool.uv.index]]` to lock and sync whatever settings file applies."""
    root = workspace_root(start)
    root_file = os.path.join(root, "pyproject.toml")
    files = [root_file] if is_file(root_file) else []
    data = read_toml(root_file) if files else None
    tool = data.get("tool") if isinstance(data, dict) else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    workspace = uv.get("workspace") if isinstance(uv, dict) else None
    if isinstance(workspace, dict):
        members = _globbed(root, workspace.get("members")) - _globbed(root, workspace.get("exclude"))
        for member in sorted(members):
            path = os.path.join(member, "pyproject.toml")
            if is_file(path) and path not in files:
                files.append(path)
    for directory in ancestors(os.path.abspath(start)):
        path = os.path.join(directory, "pyproject.toml")
        if is_file(path):
            if path not in files:
                files.append(path)
            break
    return files


# Files that make a directory a project whose `[tool.uv.sources]` uv reads when it is named
# as a requirement (`uv pip compile DIR/pyproject.toml`, `-r DIR/setup.py`).
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
EDITABLE_OPTIONS = ("-e", "--editable", "--with-editable")


def local_project(path: str):
    """The directory of the local project `path` names (the directory itself, or one of its
    PROJECT_FILES), when it holds a pyproject.toml; else None."""
    directory = os.path.dirname(path) if os.path.basename(path) in PROJECT_FILES else path
    return directory if is_file(os.path.join(directory, "pyproject.toml")) else None


def _after_name(text: str) -> str:
    """What follows `name @` / `name[extras]@` (PEP 508: spaces around `@` are optional), else `text`."""
    head, at, rest = text.partition("@")
    name = head.split("[", 1)[0].strip()
    if not at or not name or not name[0].isalnum() or not all(c.isalnum() or c in "._-" for c in name):
        return text
    return rest.strip() if head.strip() == name or head.rstrip().endswith("]") else text


def _without_extras(path: str) -> str:
    """`./dir[dev,cli]` -> `./dir`: uv reads extras after a path (`uv pip install -e .[dev]`)."""
    return path[:path.rindex("[")].rstrip() if path.endswith("]") and "[" in path else path


def local_requirement(text: str):
    """The path a requirement names when it is a local one (`./dir`, `/abs/dir`, `~/dir`,
    `dir/sub`, `.[dev]`, `file:` URLs, `name @ file:...`, `name@./dir`), else None."""
    text = _after_name(text.strip())
    text = text.split(";", 1)[0].strip()  # a marker
    if text.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return _without_extras(unquote(urlsplit(text).path)) or None
    if "://" in text or not text:
        return None
    if text.startswith((".", "/", "~")) or os.sep in text or (os.altsep and os.altsep in text):
        return os.path.expanduser(_without_extras(text))
    return None


def requested_projects(parsed, environ) -> list:
    """The local projects a command line names: `-e`/`--editable`/`--with-editable` values,
    `--with` entries, `--from` (`uv tool run|install`), the positional requirements of
    `uv pip install`, `uv add` and `uv tool install` that are paths, and the pyproject.toml of
    `uv pip --group [PATH:]NAME` (relative to the working directory). uv reads their
    `[tool.uv.sources]`."""
    paths = [local_requirement(v) or v for o in EDITABLE_OPTIONS for v in parsed.values(o)]  # `-e dir`: a path
    others = [v for given in parsed.values("--with") for v in given.split(",")] + parsed.values("--from")
    if parsed.key in ("uv__pip__install", "uv__add", "uv__tool__install"):
        others += parsed.positionals
    paths += [local_requirement(v) for v in others]
    if parsed.key.startswith("uv__pip__"):  # `--group [PATH:]NAME`: that pyproject.toml's group, with its sources
        paths += [g.rpartition(":")[0] or "pyproject.toml" for g in parsed.values("--group")]
    found = []
    for path in paths:
        directory = local_project(in_working_dir(parsed, environ, path)) if path else None
        if directory and directory not in found:
            found.append(directory)
    return found


def requirement_project_files(parsed, environ) -> list:
    """Requirements files whose local projects (`-e DIR`, path lines) uv builds with their own
    sources, though it takes no index line from them: `--with-requirements` (`uv run`, `uv tool
    run|install`) and `uv add -r`. Relative to the working directory."""
    values = parsed.values("--with-requirements")
    if parsed.key == "uv__add":
        values += [v for o in ("-r", "--requirements", "--requirement") for v in parsed.values(o)]
    return [in_working_dir(parsed, environ, v) for v in values if v]


def script_projects(parsed, environ) -> list:
    """The local projects the `path` sources of the PEP 723 script the command works on name
    (relative to the script's directory): uv builds them with their own sources too."""
    path = script_path(parsed, environ)
    return path_sources(path, script_metadata(path)) if path else []


def path_sources(pyproject: str, data) -> list:
    """The local projects that `path = "..."` entries of `[tool.uv.sources]` in `pyproject` (or
    a script's metadata) name, relative to its directory: uv locks and installs them with their
    own sources."""
    tool = data.get("tool") if isinstance(data, dict) else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    sources = uv.get("sources") if isinstance(uv, dict) else None
    found = []
    for value in (sources or {}).values() if isinstance(sources, dict) else ():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                path = os.path.join(os.path.dirname(pyproject), os.path.expanduser(entry["path"]))
                directory = local_project(os.path.normpath(path))
                if directory and directory not in found:
                    found.append(directory)
    return found


def settings_file(start: str):
    """(path, settings table) of the project's uv settings, as uv's FilesystemOptions::find."""
    for directory in ancestors(workspace_root(start)):
        uv_toml = os.path.join(directory, "uv.toml")
        data = read_toml(uv_toml)
        if data is not None:
            return uv_toml, data
        pyproject = os.path.join(directory, "pyproject.toml")
        data = read_toml(pyproject)
        if data is not None:
            uv = data.get("tool", {}).get("uv") if isinstance(data.get("tool"), dict) else None
            if isinstance(uv, dict):
                return pyproject, uv
    return None, None
