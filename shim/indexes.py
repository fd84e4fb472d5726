"""Which indexes uv will use for a command: the one owner of that question.

Sources, highest precedence first, as uv combines them: the command line (an option
given there hides its `UV_*` variable), a tool's receipt (`uv tool` commands), the
project's settings (project and pip commands), then the user's and the system's
`uv.toml` (only `--config-file` / UV_CONFIG_FILE when given, none with `--no-config`).
Lists concatenate; `index-url` is a scalar (the first one set wins); an index name is
kept by its first definition only, so a project, command-line or `UV_INDEX` entry that
reuses the name of a user-config index replaces it; only the first default index is
used. What comes out is what uv may send requests to ("in play"), so credentials go
only where uv will really go.
"""

from __future__ import annotations

import os

from . import paths
from . import project as project_mod
from .errors import warn
from .project import read_toml, requirement_paths, settings_file, start_dir

MAX_REQUIREMENT_DEPTH = 8
FLAT = "find-links"  # place of a flat index (`find-links`, `format = "flat"`), probed as is


class UvIndex:
    def __init__(self, url: str, name=None, source="", place="index-url", default=False):
        self.url = url  # as written: may carry credentials
        self.name = name
        self.source = source
        self.place = place
        self.default = default
        self.pins = ()  # packages a local project's sources send here (local_indexes)

    def __repr__(self) -> str:  # tests; never the URL's credential
        from .redact import redact_url

        return f"UvIndex({redact_url(self.url)!r}, name={self.name!r}, place={self.place!r})"


class Layer:
    """The index settings of one source (command line, receipt, a settings file)."""

    def __init__(self, source: str):
        self.source = source
        self.index = []  # [[index]] entries and --index / --default-index, in order
        self.extra = []  # extra-index-url
        self.index_url = None  # index-url (default)
        self.flat = []  # find-links
        self.no_index = False
        self.projects = []  # local projects a requirements file names (their sources apply)


def _split_index(value: str, source: str, default=False) -> UvIndex:
    """`name=url` or `url`, as `--index` and `UV_INDEX` take them."""
    name, eq, url = value.partition("=")
    if eq and name and "://" not in name:
        return UvIndex(url, name, source, default=default)
    return UvIndex(value, None, source, default=default)


def command_line(parsed, environ) -> Layer:
    """The command line, each option falling back to its variable as clap does."""
    layer = Layer("command line")

    def values(option, variable, separator=None):
        given = parsed.values(option)
        if given:
            return [(option, v) for value in given for v in value.split(separator) if v]
        return [(variable, v) for v in environ.get(variable, "").split(separator) if v]

    for source, value in values("--default-index", "UV_DEFAULT_INDEX"):
        layer.index.append(_split_index(value, source, default=True))
    for source, value in values("--index", "UV_INDEX"):
        layer.index.append(_split_index(value, source))
    for source, value in values("--extra-index-url", "UV_EXTRA_INDEX_URL"):
        layer.extra.append(UvIndex(value, None, source))
    for source, value in values("--index-url", "UV_INDEX_URL")[-1:]:
        layer.index_url = UvIndex(value, None, source, default=True)
    for source, value in values("--find-links", "UV_FIND_LINKS", ","):
        layer.flat.append(UvIndex(value, None, source, FLAT))
    layer.no_index = parsed.flag("--no-index") or environ.get("UV_NO_INDEX") in ("1", "true")
    return layer


def settings_layer(data: dict, source: str, pip: bool = False) -> Layer:
    """A uv settings table (uv.toml, `[tool.uv]`, or a receipt's options); with `pip`, its
    `[pip]` section first, as `uv pip` reads it."""
    layer = Layer(source)
    tables = [data["pip"]] if pip and isinstance(data.get("pip"), dict) else []
    for table in tables + [data]:
        for entry in table.get("index") or []:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                name = entry.get("name") if isinstance(entry.get("name"), str) else None
                place = FLAT if entry.get("format") == "flat" else "index-url"
                layer.index.append(UvIndex(entry["url"], name, source, place, entry.get("default") is True))
        if layer.index_url is None and isinstance(table.get("index-url"), str):
            layer.index_url = UvIndex(table["index-url"], None, source, default=True)
        for key, target, place in (("extra-index-url", layer.extra, "index-url"), ("find-links", layer.flat, FLAT)):
            values = table.get(key) or []
            if isinstance(values, list):
                target.extend(UvIndex(v, None, source, place) for v in values if isinstance(v, str))
        layer.no_index = layer.no_index or table.get("no-index") is True
    return layer


def resolve(layers: list) -> list:
    """The indexes in play, from layers given highest precedence first."""
    configured = [i for layer in layers for i in layer.index]
    configured += [i for layer in layers for i in layer.extra]
    index_url = next((layer.index_url for layer in layers if layer.index_url is not None), None)
    if index_url is not None:
        configured.append(index_url)
    flat = [i for layer in layers for i in layer.flat]
    if any(layer.no_index for layer in layers):
        return flat
    names, in_play, default_seen = set(), [], False
    for index in configured:
        if index.name is not None:
            if index.name in names:
                continue
            names.add(index.name)
        if index.default:
            if default_seen:
                continue
            default_seen = True
        in_play.append(index)
    return in_play + flat


def explicit_config(parsed, environ):
    """`--config-file` / UV_CONFIG_FILE: the only settings file uv reads then (relative to
    `--directory`: uv changes into it before reading anything)."""
    from .project import in_working_dir

    given = (parsed.values("--config-file") or [environ.get("UV_CONFIG_FILE", "")])[-1]
    return in_working_dir(parsed, environ, given) if given else None


def config_disabled(parsed, environ) -> bool:
    # `--isolated` is the old spelling of `--no-config`, except for `uv run` and `uv tool run`,
    # where it asks for a throw-away environment and every setting still applies.
    isolated = parsed.flag("--isolated") and parsed.key not in ("uv__run", "uv__tool__run", "uv__tool__uvx")
    return parsed.flag("--no-config") or isolated or environ.get("UV_NO_CONFIG") in ("1", "true")


def config_files(parsed, environ) -> list:
    explicit = explicit_config(parsed, environ)
    if explicit:
        return [explicit]
    if config_disabled(parsed, environ):
        return []
    files = [paths.user_uv_config(), paths.system_uv_config()]
    return [str(f) for f in files if f is not None and f.is_file()]


def user_layers(parsed, environ, pip: bool = False) -> list:
    """One layer per user or system settings file uv reads."""
    layers = []
    for path in config_files(parsed, environ):
        data = read_toml(path)
        if data is not None:
            layers.append(settings_layer(data, str(path), pip))
    return layers


def _tool_uv(data) -> dict:
    tool = data.get("tool") if isinstance(data, dict) else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    return uv if isinstance(uv, dict) else {}


def _merge(layer: Layer, other: Layer) -> None:
    layer.index += other.index
    layer.extra += other.extra
    layer.index_url = layer.index_url or other.index_url
    layer.flat += other.flat
    layer.no_index = layer.no_index or other.no_index
    layer.projects += other.projects


def _expand(line: str, environ, working_dir: str) -> str:
    """`${NAME}` (upper-case letters, digits, `_`) as uv expands it in a requirements file: the
    variable's value, else for PROJECT_ROOT the directory uv runs in, else left as written."""
    if "${" not in line:
        return line
    import re

    def value(match):
        name = match.group(1)
        if name in environ:
            return environ[name]
        return working_dir if name == "PROJECT_ROOT" else match.group(0)

    return re.sub(r"\$\{([A-Z0-9_]+)\}", value, line)


def _requirement(text: str) -> str:
    """The requirement of a line as uv reads it: to the end, or to whitespace followed by `--`
    (its `--hash` options), so `-e ./my project` is the directory `my project`."""
    import re

    return re.split(r"\s--", text, 1)[0].strip()


def requirement_indexes(path: str, working_dir: str, environ, depth: int = 0) -> Layer:
    """`--index-url`, `--extra-index-url` and `--find-links` lines of a requirements file (of
    the `-r`/`-c` files it names, too), or the `[tool.uv]` index settings of a PEP 723 script
    given as one (`-r script.py`); in `projects`, the local projects it names: a
    `pyproject.toml` given as the file, `-e DIR` and path lines (relative to `working_dir`,
    as uv reads them; `${VAR}` expanded as uv does)."""
    from .project import PROJECT_FILES, local_project, local_requirement, script_metadata

    layer = Layer(path)
    if os.path.basename(path) in PROJECT_FILES:
        layer.projects += [d for d in [local_project(path)] if d]
        return layer
    if path.endswith((".py", ".pyw")):
        uv = _tool_uv(script_metadata(path))
        return settings_layer({k: uv[k] for k in ("index-url", "extra-index-url", "find-links", "no-index")
                               if k in uv}, path)
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return layer  # uv reports a missing or unreadable file itself
    for line in lines:
        content = _expand(line.split("#", 1)[0], environ, working_dir)
        words = content.split()
        if not words:
            continue
        option, _, value = words[0].partition("=")
        value = value or (words[1] if len(words) > 1 else "")
        if option == "--no-index":
            layer.no_index = True
        if option in ("-e", "--editable"):
            requirement = _requirement(content.lstrip()[len(option):].lstrip("="))
            local = local_requirement(requirement) or requirement
        else:
            local = None if option.startswith("-") else local_requirement(_requirement(content))
        directory = local and local_project(os.path.join(working_dir, local))
        if directory and directory not in layer.projects:
            layer.projects.append(directory)
        if not value:
            continue
        if option in ("-i", "--index-url"):
            layer.index_url = layer.index_url or UvIndex(value, None, path, default=True)
        elif option == "--extra-index-url":
            layer.extra.append(UvIndex(value, None, path))
        elif option in ("-f", "--find-links"):
            layer.flat.append(UvIndex(value, None, path, FLAT))
        elif option in ("-r", "--requirement", "--requirements", "-c", "--constraint") \
                and depth < MAX_REQUIREMENT_DEPTH:
            _merge(layer, requirement_indexes(os.path.join(os.path.dirname(path), value), working_dir, environ,
                                                depth + 1))
    return layer


def script_layer(parsed, environ):
    """The `[tool.uv]` settings of the PEP 723 script the command works on (they take
    precedence over every settings file, the command line over them), or None."""
    from .project import script_metadata, script_path

    path = script_path(parsed, environ)
    uv = _tool_uv(script_metadata(path)) if path else {}
    return settings_layer(uv, path) if uv else None


def project_layers(parsed, environ, pip: bool) -> list:
    """The project's settings file as a layer (none with `--config-file` or `--no-config`)."""
    if explicit_config(parsed, environ) or config_disabled(parsed, environ):
        return []
    path, data = settings_file(start_dir(parsed, environ))
    return [settings_layer(data, path, pip)] if data is not None else []


MAX_LOCAL_PROJECTS = 64  # path dependencies followed, transitively: a bound for a cycle or a monorepo


def workspace_indexes(parsed, environ) -> list:
    """`[[tool.uv.index]]` of every pyproject.toml in the workspace (root, members, the
    project): uv reads them for lock and sync whichever settings file applies (a `uv.toml`
    beside them, `--config-file`, `--no-config`), and a `[tool.uv.sources]` entry that names
    one sends its package there. Then the indexes that path dependencies pin (local_indexes)."""
    from .project import workspace_pyprojects

    found, follow = [], []
    for path in workspace_pyprojects(start_dir(parsed, environ)):
        data = read_toml(path)
        found += settings_layer({"index": _tool_uv(data).get("index")}, path).index
        follow.append((path, data))
    return found + local_indexes([], follow)


def local_indexes(projects: list, pyprojects=()) -> list:
    """The indexes that local projects pin: uv locks and installs a local project (a path
    dependency, `uv pip install -e DIR`, a `-e DIR` line) with its own `[tool.uv.sources]`,
    and `index = NAME` there sends a package to the index NAME of that project's workspace.
    `projects`: directories; `pyprojects`: (path, table) whose path dependencies to follow.
    Transitive, each project once, at most MAX_LOCAL_PROJECTS."""
    from .project import path_sources, workspace_pyprojects

    queue = list(projects) + [d for path, data in pyprojects for d in path_sources(path, data)]
    seen = {os.path.dirname(path) for path, _ in pyprojects}  # (the workspace's own: not counted)
    found, followed = [], 0
    while queue:
        directory = queue.pop(0)
        if directory in seen:
            continue
        if followed == MAX_LOCAL_PROJECTS:
            warn(f"uv-shim reads the sources of {MAX_LOCAL_PROJECTS} local projects at most: the indexes that "
                 f"{directory} and the local projects after it pin get no credential from uv-shim")
            break
        seen.add(directory)
        followed += 1
        tables = [(path, read_toml(path)) for path in workspace_pyprojects(directory)]
        pinned = {}
        for _, data in tables:
            for name, packages in _pins(data).items():
                pinned.setdefault(name, []).extend(p for p in packages if p not in pinned.get(name, ()))
        for path, data in tables:
            for index in settings_layer({"index": _tool_uv(data).get("index")}, path).index:
                if index.name in pinned:
                    index.pins = tuple(pinned[index.name])
                    found.append(index)
            queue += path_sources(path, data)
    return found


def named_projects(parsed, environ) -> list:
    """The local projects a command names (project.requested_projects), those of the
    requirements files it takes no index line from (`--with-requirements`, `uv add -r`), and
    the path sources of the PEP 723 script it works on."""
    named = project_mod.requested_projects(parsed, environ)
    working_dir = project_mod.working_dir(parsed, environ)
    for path in project_mod.requirement_project_files(parsed, environ):
        named += requirement_indexes(path, working_dir, environ).projects
    return named + project_mod.script_projects(parsed, environ)


def _pins(data) -> dict:
    """{index name: packages} of the `[tool.uv.sources]` entries that pin one (`{ index = "NAME" }`)."""
    sources = _tool_uv(data).get("sources")
    pins = {}
    for package, value in sources.items() if isinstance(sources, dict) else ():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and isinstance(entry.get("index"), str):
                pins.setdefault(entry["index"], []).append(package)
    return pins


def in_play(parsed, environ, project: bool = False, pip: bool = False, extra_layers=()) -> list:
    """The indexes uv will use: command line, `extra_layers` (a tool's receipt), a PEP 723
    script's settings, the project (when asked), the user and system settings; for `uv pip`
    then its requirements files (uv adds their index lines after every setting, so a
    configured `index-url` stays the default); for project commands, every index of the
    workspace's pyproject.toml files as well (not deduplicated by name: a member's `corp`
    and the root's `corp` are both used)."""
    layers = [command_line(parsed, environ), *extra_layers]
    if project:
        script = script_layer(parsed, environ)
        layers += [script] if script is not None else []
        layers += project_layers(parsed, environ, pip)
    layers += user_layers(parsed, environ, pip)
    if project and pip:
        working_dir = project_mod.working_dir(parsed, environ)
        layers += [requirement_indexes(path, working_dir, environ) for path in requirement_paths(parsed, environ)]
    found = resolve(layers)
    if project:
        named = named_projects(parsed, environ) + [d for layer in layers for d in layer.projects]
        more = ([] if pip else workspace_indexes(parsed, environ)) + local_indexes(named)
        seen = {(i.url, i.name) for i in found}
        for index in more:
            if (index.url, index.name) not in seen:
                seen.add((index.url, index.name))
                found.append(index)
    return found


def every_user_index(parsed, environ) -> list:
    """Every index of the command line and the user/system settings, in play or not: where
    the `uv-config` provider looks for credentials the user already gives uv."""
    layers = [command_line(parsed, environ), *user_layers(parsed, environ)]
    return [i for layer in layers for i in layer.index + layer.extra + ([layer.index_url] if layer.index_url else [])
            + layer.flat]


def named_publish_url(parsed, environ) -> str:
    """`publish-url` of the index named by `uv publish --index NAME` (or UV_PUBLISH_INDEX)."""
    name = (parsed.values("--index") or [environ.get("UV_PUBLISH_INDEX", "")])[-1]
    if not name:
        return ""
    _, data = settings_file(start_dir(parsed, environ))
    for entry in (data or {}).get("index", []):
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get("publish-url"), str):
            return entry["publish-url"]
    return ""
