"""kill -9 at many points while receipts and the token cache are written: every file is
always the old or the new content, and the next run finishes the job and cleans up."""

import json
import signal

import pytest

from tests.support.codeartifact import FakeCodeArtifact
from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow
TOOLS = 20
LEGACY = """\
[tool]
requirements = [{{ name = "tool-{i}" }}]
python = "/usr/bin/python3"
entrypoints = [
    {{ name = "tool-{i}", install-path = "/home/u/.local/bin/tool-{i}" }},
]

[tool.options]
index-url = "http://aws:stale-{i}@127.0.0.1:9/simple/"
"""
RECEIPT_POINTS = [f"{point}:{n}" for point in ("atomic.half-written", "atomic.before-rename", "atomic.after-rename")
                  for n in (1, 2, 7, 13, 20)]


def leftovers(root):
    return sorted(p.name for p in root.rglob("*") if ".uv-shim-tmp." in p.name)


@pytest.mark.parametrize("crash_at", RECEIPT_POINTS)
def test_kill_during_receipt_repair(tmp_path, crash_at):
    box = Sandbox(tmp_path, NEWEST)
    old = {i: LEGACY.format(i=i) for i in range(TOOLS)}
    new = {i: text.replace(f"aws:stale-{i}@", "") for i, text in old.items()}
    for i, text in old.items():
        box.write(f"tools/tool-{i}/uv-receipt.toml", text)
    # A provider covers the index, so the stored credentials go (none is kept instead).
    box.shim_config('[[credential]]\nurl = "http://127.0.0.1:9/"\nprovider = "env"\npassword-env = "CORP_TOKEN"\n')
    env = {"UV_SHIM_REAL_UV": "/bin/true", "CORP_TOKEN": "fresh"}  # only the shim's own work matters here

    killed = box.uv("tool", "upgrade", "--all", env={**env, "UV_SHIM_TEST_CRASH_AT": crash_at})
    assert killed.returncode == -signal.SIGKILL
    for i in range(TOOLS):
        assert box.receipt(f"tool-{i}") in (old[i], new[i])

    again = box.uv("tool", "upgrade", "--all", env=env)
    assert again.returncode == 0, again.stderr
    assert [box.receipt(f"tool-{i}") for i in range(TOOLS)] == [new[i] for i in range(TOOLS)]
    assert leftovers(box.tool_dir) == []


@pytest.mark.parametrize("crash_at", ["token_cache.locked:1", "token_cache.fetched:1", "atomic.half-written:1",
                                      "atomic.before-rename:1", "atomic.after-rename:1"])
def test_kill_during_token_cache_write(tmp_path, crash_at):
    ca = FakeCodeArtifact()
    try:
        box = Sandbox(tmp_path, NEWEST)
        box.env.update(ca.env())
        env = {"UV_SHIM_REAL_UV": "/bin/true"}
        args = ["tool", "run", "--index-url", ca.index_url, "demo-tool"]
        first = box.uv(*args, env=env)
        assert first.returncode == 0, first.stderr
        cache_dir = box.home / ".cache" / "uv-shim"
        (cached,) = cache_dir.glob("*.json")
        before = cached.read_text()
        for token in list(ca.tokens):
            ca.tokens[token] = 0.0
        # make the cached token stale so that the next run fetches and writes a new one
        entry = json.loads(before)
        entry["expires_at"] = entry["issued_at"] + 1
        cached.write_text(json.dumps(entry))
        stale = cached.read_text()

        killed = box.uv(*args, env={**env, "UV_SHIM_TEST_CRASH_AT": crash_at}, timeout=60)
        assert killed.returncode == -signal.SIGKILL
        content = cached.read_text()
        assert content == stale or json.loads(content)["expires_at"] > entry["expires_at"]

        again = box.uv(*args, env=env, timeout=60)  # a dead holder's lock does not block this run
        assert again.returncode == 0, again.stderr
        assert json.loads(cached.read_text())["expires_at"] > entry["expires_at"]
        assert leftovers(cache_dir) == []
        assert sorted(p.suffix for p in cache_dir.iterdir() if p.is_file()) == [".json", ".lock"]
    finally:
        ca.close()
