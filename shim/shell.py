"""Shell integration: put the shim's directory first on PATH in bash, zsh and fish.

One marked block per file (fish: a conf.d file of its own). Only the shim's own directory
goes ahead of the system's. The real uv's directory, when missing from PATH, is added at
the end (it may be a virtual environment holding `python3` and `pip`, which must not
shadow the system's): uv's installer line (`. "$HOME/.local/bin/env"`) prepends
`~/.local/bin` only when it is absent, so whether it runs before or after the block,
the shim stays first.

Files this creates from nothing are listed in a manifest beside the shim, so that
`uninstall` deletes them; in other files it removes exactly the block it added.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from . import paths
from .atomic import replace_file

BEGIN = "# >>> uv-shim >>>"
END = "# <<< uv-shim <<<"
SHELLS = ("bash", "zsh", "fish")
MANIFEST = "created-files"
_BLOCK = re.compile(r"\n?" + re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)


def detect_shell() -> str:
    """The user's shell: shellingham, then $SHELL, then the passwd entry; bash when all fail."""
    try:
        import shellingham

        name = shellingham.detect_shell()[0]
    except Exception:  # shellingham raises its own errors, or may be missing: never fail on this
        name = ""
    if name not in SHELLS:
        name = os.path.basename(os.environ.get("SHELL", ""))
    if name not in SHELLS:
        try:
            import pwd

            name = os.path.basename(pwd.getpwuid(os.getuid()).pw_shell)
        except (ImportError, KeyError, OSError):
            name = ""
    return name if name in SHELLS else "bash"


def _zdotdir() -> Path:
    return Path(os.environ.get("ZDOTDIR") or paths.home())


def fish_conf_dir() -> Path:
    return paths._xdg("XDG_CONFIG_HOME", ".config") / "fish"


def files_for(shell: str) -> list:
    """(path, dialect) of the files `install` edits for `shell`."""
    home = paths.home()
    if shell == "bash":
        login = next((home / n for n in (".bash_profile", ".bash_login") if (home / n).exists()), home / ".profile")
        return [(home / ".bashrc", "bash"), (login, "bash")]
    if shell == "zsh":
        return [(_zdotdir() / ".zshrc", "zsh")]
    if shell == "fish":
        return [(fish_conf_dir() / "conf.d" / "uv-shim.fish", "fish")]
    raise ValueError(shell)


def _q(path) -> str:
    return shlex.quote(str(path))


def render_block(dialect: str, shim_bin: Path, keep_dirs: list, completions: Path) -> str:
    """The text `install` writes for one file (fish: the whole file)."""
    if dialect == "fish":
        lines = ["# managed by uv-shim: `uv-shim shell uninstall` removes this file"]
        for directory in keep_dirs:
            lines += [f"if not contains -- {_q(directory)} $PATH", f"    set -gx PATH $PATH {_q(directory)}", "end"]
        lines += [f'if test "$PATH[1]" != {_q(shim_bin)}', f"    set -gx PATH {_q(shim_bin)} $PATH", "end"]
        return "\n".join(lines) + "\n"
    lines = [f"{BEGIN} managed by uv-shim: `uv-shim shell uninstall` removes this block"]
    for directory in keep_dirs:
        lines.append(f'case ":${{PATH}}:" in *:{_q(directory)}:*) ;; *) PATH="${{PATH}}:"{_q(directory)} ;; esac')
    lines.append(f'case ":${{PATH}}:" in :{_q(shim_bin)}:*) ;; *) PATH={_q(shim_bin)}":${{PATH}}" ;; esac')
    lines.append("export PATH")
    if dialect == "bash":
        script = completions / "uv-shim.bash"
        lines.append(f'if [ -n "${{BASH_VERSION:-}}" ] && [ -r {_q(script)} ]; then . {_q(script)}; fi')
    if dialect == "zsh":
        lines.append(f"fpath=({_q(completions)} $fpath)")
        lines.append("if (( $+functions[compdef] )); then autoload -Uz _uv-shim && compdef _uv-shim uv-shim; fi")
    lines.append(END)
    return "\n" + "\n".join(lines) + "\n"


def _manifest(home: Path) -> Path:
    return home / MANIFEST


def _created(home: Path) -> set:
    try:
        return set(_manifest(home).read_text(encoding="utf-8").splitlines())
    except FileNotFoundError:
        return set()


def _remember(home: Path, created: set) -> None:
    if created:
        replace_file(_manifest(home), ("\n".join(sorted(created)) + "\n").encode(), mode=0o644)
    elif _manifest(home).exists():
        _manifest(home).unlink()


def _keep_dirs(shim_home: Path, real_uv: str) -> list:
    """The real uv's directory, to be put on PATH behind the shim (so uv's own env line no-ops).

    Not when it is a system directory, nor the shim's own environment (a uv installed there
    from the registry): that would put the shim's private Python on PATH."""
    keep = [os.path.dirname(os.path.abspath(real_uv))] if real_uv else []
    own = str(shim_home.resolve()) + os.sep
    return [d for d in keep if not (os.path.realpath(d) + os.sep).startswith(own)
            and d not in ("/usr/bin", "/bin", "/usr/local/bin")]


def install(shells, shim_home: Path, real_uv: str, out=print) -> int:
    """Add (or refresh) the block in each shell's files; print one line per file. Returns changes made."""
    shim_bin = shim_home / "bin"
    keep = _keep_dirs(shim_home, real_uv)
    created = _created(shim_home)
    changes = 0
    for shell in shells:
        for path, dialect in files_for(shell):
            block = render_block(dialect, shim_bin, keep, shim_home / "completions")
            changes += _write_block(path, dialect, block, created, out)
    _install_fish_completion(shells, shim_home, created, out)
    _remember(shim_home, created)
    return changes


def _make_parents(path: Path, created: set) -> None:
    """mkdir -p, remembering each directory it made (as "DIR/") so uninstall can remove it."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir()
        created.add(f"{directory}/")


def _write_block(path: Path, dialect: str, block: str, created: set, out) -> int:
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    if dialect == "fish":
        new = block
    elif current is None:
        new = block.lstrip("\n")
    else:
        # (Re)placed at the end, after any line that puts another uv first on PATH.
        rest = _BLOCK.sub("", current, count=1)
        new = rest + block if rest else block.lstrip("\n")
    if new == current:
        return 0
    _make_parents(path, created)
    if current is None:
        created.add(str(path))
    replace_file(path, new.encode("utf-8"))
    out(f"{'updated' if current is not None else 'created'} {path}")
    return 1


def _install_fish_completion(shells, shim_home: Path, created: set, out) -> None:
    if "fish" not in shells:
        return
    source = shim_home / "completions" / "uv-shim.fish"
    target = fish_conf_dir() / "completions" / "uv-shim.fish"
    if not source.exists():
        return
    data = source.read_bytes()
    if target.exists() and target.read_bytes() == data:
        return
    if target.exists() and str(target) not in created:
        out(f"left alone {target} (not uv-shim's)")
        return
    _make_parents(target, created)
    replace_file(target, data, mode=0o644)
    created.add(str(target))
    out(f"created {target}")


def unsafe_link_dir(link_dir) -> "str | None":
    """Why `link_dir` must not receive system-wide links, or None: it must be root's and
    writable by nobody else (another user could replace the links every user runs)."""
    if os.name == "nt":  # pragma: no cover
        return None
    try:
        info = os.stat(link_dir)
    except OSError as exc:
        return f"cannot be used ({exc.strerror})"
    if info.st_uid != 0:
        return f"belongs to uid {info.st_uid}, not root"
    if info.st_mode & 0o022:
        return f"is writable by {'everyone' if info.st_mode & 0o002 else 'its group'}"
    return None


def install_system(shim_home: Path, root: Path, link_dir, out=print) -> int:
    """For images: /etc/profile.d/uv-shim.sh, fish's system conf.d, and links in `link_dir`.

    `root` prefixes every system path (tests install into a temporary root); a link
    directory must then lie under it too. The link directory must be root's and not
    writable by group or others.
    """
    if link_dir is not None:
        from .errors import ShimError

        link_dir = Path(os.path.abspath(link_dir))
        top = Path(os.path.abspath(root))
        if top != Path(os.sep) and top not in link_dir.parents:
            raise ShimError(f"--link-dir {link_dir} is outside --root {top}",
                            fix="pass a link directory under the root, or no --link-dir")
        problem = unsafe_link_dir(link_dir)
        if problem:
            raise ShimError(f"--link-dir {link_dir} {problem}; every user would run what another can put there",
                            fix="choose a root-owned directory that only root can write (e.g. /usr/local/bin)")
    shim_bin = shim_home / "bin"
    created = _created(shim_home)
    changes = 0
    targets = [(root / "etc/profile.d/uv-shim.sh", "sh"), (root / "etc/fish/conf.d/uv-shim.fish", "fish")]
    for path, dialect in targets:
        block = render_block(dialect, shim_bin, [], shim_home / "completions")
        if dialect == "sh":
            block = block.lstrip("\n")
        changes += _write_block(path, "fish", block, created, out)  # whole files of ours
    if link_dir is not None:
        for name in ("uv", "uvx", "uv-shim"):
            link = Path(link_dir) / name
            target = shim_bin / name
            if link.is_symlink() and os.readlink(link) == str(target):
                continue
            if link.exists() or link.is_symlink():
                out(f"left alone {link} (not uv-shim's)")
                continue
            link.symlink_to(target)
            created.add(str(link))
            out(f"linked {link} -> {target}")
            changes += 1
    _remember(shim_home, created)
    return changes


def uninstall(shim_home: Path, out=print) -> int:
    """Remove every block and every file `install` added, and nothing else."""
    created = _created(shim_home)
    changes = 0
    for shell in SHELLS:
        for path, _ in files_for(shell):
            changes += _remove_block(path, created, out)
    for name in sorted(n for n in created if not n.endswith("/")):  # completions, system files, links
        path = Path(name)
        if path.exists() or path.is_symlink():
            path.unlink()
            out(f"removed {path}")
            changes += 1
    for name in sorted((n for n in created if n.endswith("/")), key=len, reverse=True):
        try:
            Path(name).rmdir()  # only when empty: anything the user put there stays
            out(f"removed {name}")
        except OSError:
            pass
    _remember(shim_home, set())
    return changes


def _remove_block(path: Path, created: set, out) -> int:
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    if str(path) in created and (path.name == "uv-shim.fish" or _BLOCK.sub("", current) == ""):
        path.unlink()
        created.discard(str(path))
        out(f"removed {path}")
        return 1
    if not _BLOCK.search(current):
        return 0
    new = _BLOCK.sub("", current, count=1)  # the block took its newline before and after with it
    replace_file(path, new.encode("utf-8"))
    out(f"removed the uv-shim block from {path}")
    return 1


def status(shim_home: Path, real_uv: str) -> list:
    """[(path, state)] for every shell file: current, outdated, absent."""
    shim_bin = shim_home / "bin"
    keep = _keep_dirs(shim_home, real_uv)
    rows = []
    for shell in SHELLS:
        for path, dialect in files_for(shell):
            try:
                current = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                rows.append((path, "absent"))
                continue
            block = render_block(dialect, shim_bin, keep, shim_home / "completions")
            if dialect == "fish":
                rows.append((path, "current" if current == block else "outdated"))
            elif block.strip("\n") in current:
                rows.append((path, "current"))
            else:
                rows.append((path, "outdated" if BEGIN in current else "no block"))
    return rows


def shadowing_lines(shadow_dir: str) -> list:
    """(file, line number, text) of lines in shell files that put `shadow_dir` on PATH."""
    home = str(paths.home())
    spellings = {shadow_dir}
    if shadow_dir.startswith(home + "/"):
        rest = shadow_dir[len(home):]
        spellings |= {"$HOME" + rest, "${HOME}" + rest, "~" + rest}
    candidates = [p for shell in SHELLS for p, _ in files_for(shell)]
    candidates += [paths.home() / n for n in (".profile", ".bash_profile", ".zshenv", ".zprofile")]
    candidates += sorted((fish_conf_dir() / "conf.d").glob("*.fish")) if (fish_conf_dir() / "conf.d").is_dir() else []
    found = []
    for path in dict.fromkeys(candidates):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        inside = False
        for number, line in enumerate(lines, 1):
            inside = (inside or line.startswith(BEGIN)) and not line.startswith(END)
            if inside or line.lstrip().startswith("#"):
                continue
            if any(s in line for s in spellings) or ".local/bin/env" in line:
                found.append((path, number, line.strip()))
    return found
