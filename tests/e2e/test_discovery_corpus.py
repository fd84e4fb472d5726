"""Every index the real uv requests is one the shim lists as in play (issue 12, item 5).

Each case of tests/corpus/projects/ is a realistic project layout (workspaces, sources,
explicit and default indexes, `[tool.uv.pip]`, uv.toml beside pyproject.toml, PEP 723
scripts, requirement files, `--config-file` / `--no-config`). Every `@X@` in its files is
the URL of its own recording loopback index (tests/support/index.py), each serving every
package the corpus names. `commands.txt` lists the commands (optional `VAR=value` words
first); `_user_uv.toml` becomes the user's `~/.config/uv/uv.toml`; before each `lock` every lock file
is removed (an up-to-date lock makes uv request nothing). A command written `!uv ...` may
fail (`--no-config` leaves only pypi.org, out of reach here): what it requested still counts. Each command runs with
the real uv (no shim: this is the baseline), then the shim's `indexes.in_play` is asked
about the same argv, environment and directory. A URL uv requested that the shim does not
list is a miss (a credential uv needs would be withheld); one the shim lists that uv did
not request is an extra (reported, not a failure: uv asks an index only when it needs it).
"""

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from shim import argv, indexes, project_commands
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "projects"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "commands.txt").is_file())
PACKAGES = ["corp-lib", "corp-utils", "httpx-lite", "numpy-lite", "requests-lite", "rich-lite", "torch"]
PLACEHOLDER = re.compile(r"@([A-Z])@")
# pypi.org (uv's default index when a command drops every configured one) is out of reach: a
# dead loopback proxy for https; the corpus indexes are plain http on loopback.
UNREACHABLE = "http://127.0.0.1:9"
RESULTS = {}  # case -> (commands, misses, extras): printed by the last test


def _commands(case: str) -> list:
    lines = (CORPUS / case / "commands.txt").read_text().splitlines()
    commands = []
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        may_fail = line.startswith("!")
        words = shlex.split(line.lstrip("!"))
        env = dict(w.split("=", 1) for w in words[:words.index("uv")])
        commands.append((line, may_fail, env, words[words.index("uv") + 1:]))
    return commands


def _copy(case: str, target: Path, home: Path, urls: dict) -> None:
    for source in (CORPUS / case).rglob("*"):
        if source.is_dir() or source.name == "commands.txt":
            continue
        text = PLACEHOLDER.sub(lambda m: urls[m.group(1)], source.read_text())
        relative = source.relative_to(CORPUS / case)
        path = home / ".config/uv/uv.toml" if str(relative) == "_user_uv.toml" else target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        shutil.copymode(source, path)


def _shim_in_play(monkeypatch, env: dict, cwd: Path, args: list) -> list:
    """The URLs the shim lists, asked in this process with the command's environment and directory."""
    with monkeypatch.context() as patch:
        for key in list(os.environ):
            patch.delenv(key)
        for key, value in env.items():
            patch.setenv(key, value)
        patch.chdir(cwd)
        parsed = argv.parse(args)
        assert parsed.intercepted, args
        found = indexes.in_play(parsed, dict(os.environ), project=True, pip=parsed.key in project_commands.PIP_KEYS)
    return [i.url for i in found]


@pytest.mark.parametrize("case", CASES)
def test_every_index_uv_requests_is_in_play(case, tmp_path, monkeypatch):
    letters = sorted({m for p in (CORPUS / case).rglob("*") if p.is_file() for m in PLACEHOLDER.findall(p.read_text())})
    servers = {letter: PackageIndex(password=None) for letter in letters}
    try:
        for server in servers.values():
            for package in PACKAGES:
                server.publish(package, "1.0")
        box = Sandbox(tmp_path, NEWEST)
        proj = tmp_path / "proj"
        _copy(case, proj, box.home, {letter: server.url for letter, server in servers.items()})
        by_port = {server.server.server_port: letter for letter, server in servers.items()}
        misses, extras, report, failed = 0, 0, [], []
        for line, may_fail, extra_env, args in _commands(case):
            for server in servers.values():
                server.requests.clear()
            # `uv pip` acts on UV_PYTHON's environment: the case's own .venv, never the interpreter
            # these tests run on (an install or a sync there would change it for everyone)
            pip = args[args.index("pip") + 1] if "pip" in args else None
            python = BASE_PYTHON if pip in (None, "compile") else str(proj / ".venv" / "bin" / "python")
            assert os.path.exists(python), f"{line}: no .venv to act on"
            env = {**box.env, "UV_PYTHON": python, "HTTPS_PROXY": UNREACHABLE, "UV_HTTP_RETRIES": "0",
                   **extra_env}
            if "lock" in args:  # lock afresh: an up-to-date uv.lock makes uv request nothing
                for lock in [*proj.rglob("uv.lock"), *proj.rglob("*.py.lock")]:
                    lock.unlink()
            result = box.run([box.real_uv, *args], env=env, cwd=proj)
            assert may_fail or result.returncode == 0, f"{line}\n{result.stderr}"
            requested = {letter for letter, server in servers.items() if server.requests}
            listed = set()
            for url in _shim_in_play(monkeypatch, env, proj, args):
                port = re.search(r":(\d+)/", url)
                if port and int(port.group(1)) in by_port:
                    listed.add(by_port[int(port.group(1))])
            missed = requested - listed
            if missed:
                failed.append(f"{line}: uv requested {sorted(missed)}, the shim lists {sorted(listed)}")
            misses += len(missed)
            extras += len(listed - requested)
            report.append(f"  {line}: requested {sorted(requested)}, listed {sorted(listed)}")
        RESULTS[case] = (len(report), misses, extras)
        print(f"\n{case}:\n" + "\n".join(report))
        assert not failed, "\n".join(failed)  # every miss of the case, not only the first
    finally:
        for server in servers.values():
            server.close()


def test_corpus_summary():
    """Runs after the cases (same module, collected last): prints the totals for the report."""
    if not RESULTS:
        pytest.skip("no corpus case ran in this session")
    runs = sum(r[0] for r in RESULTS.values())
    files = sum(1 for case in RESULTS for p in (CORPUS / case).rglob("*") if p.is_file() and p.name != "commands.txt")
    print(f"\ndiscovery corpus: {len(RESULTS)} cases, {files} files, {runs} runs of the real uv "
          f"{NEWEST}, misses {sum(r[1] for r in RESULTS.values())}, extras {sum(r[2] for r in RESULTS.values())}")
    assert sum(r[1] for r in RESULTS.values()) == 0
