import subprocess
import sys
from pathlib import Path

import pytest

from shim import receipts

LEGACY = """\
[tool]
requirements = [{ name = "demo-tool", extras = ["cli"], specifier = ">=1.0" }, { name = "other", url = "https://aws:TOKEN1@files.example.com/other-1.0-py3-none-any.whl" }]
python = "/usr/bin/python3"
entrypoints = [
    { name = "demo-tool", install-path = "/home/u/.local/bin/demo-tool" },
]

[tool.options]
index = [{ name = "corp", url = "https://aws:TOKEN2@corp.example.com/simple", explicit = false, default = false, format = "simple", authenticate = "always" }]
index-url = "https://aws:TOKEN3@corp.example.com/pypi/tools/simple/"   # a comment uv would not write
extra-index-url = ["https://__token__:****@other.example.com/simple", "https://pypi.org/simple"]
find-links = ["file:///wheels"]
keyring-provider = "disabled"
"""

CREDENTIALS = ["aws:TOKEN1@", "aws:TOKEN2@", "aws:TOKEN3@", "__token__:****@"]


def write_receipt(tool_dir, name, text, mode=0o640):
    path = tool_dir / name / "uv-receipt.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("editor", ["text", "tomlkit"])
def test_repair_removes_credentials_and_masks_and_keeps_every_other_byte(tmp_path, monkeypatch, editor):
    if editor == "tomlkit":  # the fallback used when the direct text edit cannot be verified
        monkeypatch.setattr(receipts, "_edit_text", lambda text, cuts: None)
    path = write_receipt(tmp_path, "demo-tool", LEGACY)
    (found,) = receipts.repair(tmp_path, ["demo-tool"])
    expected = LEGACY
    for credential in CREDENTIALS:
        expected = expected.replace(credential, "")
    assert path.read_text() == expected
    assert found.changed
    assert len(found.stripped) == 4
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in path.parent.iterdir()) == ["uv-receipt.toml"]  # no temp file left


def test_findings_are_redacted_and_name_the_place(tmp_path):
    write_receipt(tmp_path, "demo-tool", LEGACY)
    found = receipts.inspect(tmp_path / "demo-tool" / "uv-receipt.toml")
    text = "\n".join(found.findings)
    assert "TOKEN" not in text
    assert "stored credential in tool.options.index-url: https://aws:***@corp.example.com/pypi/tools/simple/" in text
    assert "masked credential (****) in tool.options.extra-index-url[0]" in text
    assert "tool.requirements[1].url" in text


def test_repair_is_idempotent_and_leaves_clean_receipts_alone(tmp_path):
    path = write_receipt(tmp_path, "demo-tool", LEGACY)
    receipts.repair(tmp_path, None)
    once = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    (again,) = receipts.repair(tmp_path, None)
    assert not again.changed and path.read_bytes() == once and path.stat().st_mtime_ns == mtime


def test_indexes_are_reported_without_credentials(tmp_path):
    write_receipt(tmp_path, "demo-tool", LEGACY)
    found = receipts.inspect(tmp_path / "demo-tool" / "uv-receipt.toml")
    urls = [(ref.url, ref.name) for ref in found.indexes]
    assert ("https://corp.example.com/simple", "corp") in urls
    assert ("https://corp.example.com/pypi/tools/simple/", None) in urls
    assert ("https://other.example.com/simple", None) in urls
    assert found.packages == ["demo-tool", "other"]


def test_ssh_user_of_a_git_url_is_not_a_credential(tmp_path):
    text = '[tool]\nrequirements = [{ name = "x", git = "ssh://git@github.com/o/x" }]\nentrypoints = []\n'
    path = write_receipt(tmp_path, "x", text)
    receipts.repair(tmp_path, ["x"])
    assert path.read_text() == text


@pytest.mark.parametrize("content", [b"[tool\nrequirements = [", b"\xff\xfe not utf-8", b'[tool]\noptions = "x"\n',
                                     b"requirements = []\n"])
def test_unparseable_receipt_is_left_untouched_with_a_warning(tmp_path, capsys, content):
    path = tmp_path / "bad" / "uv-receipt.toml"
    path.parent.mkdir()
    path.write_bytes(content)
    (found,) = receipts.repair(tmp_path, ["bad"])
    assert path.read_bytes() == content
    assert found.error
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err


def test_symlinked_receipt_is_not_followed(tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text(LEGACY)
    (tmp_path / "tools" / "demo").mkdir(parents=True)
    (tmp_path / "tools" / "demo" / "uv-receipt.toml").symlink_to(outside)
    receipts.repair(tmp_path / "tools", ["demo"])
    assert outside.read_text() == LEGACY


def test_duplicates_from_uv_issue_11929_are_removed_only_when_asked(tmp_path):
    text = ('[tool]\nrequirements = [{ name = "x" }]\nentrypoints = []\n\n[tool.options]\n'
            'extra-index-url = ["https://a/simple", "https://a/simple", "https://b/simple"]\n')
    path = write_receipt(tmp_path, "x", text)
    receipts.repair(tmp_path, ["x"])
    assert path.read_text() == text
    receipts.repair(tmp_path, ["x"], dedupe=True)
    assert 'extra-index-url = ["https://a/simple", "https://b/simple"]' in path.read_text()


def test_repair_waits_for_uv_tools_lock(tmp_path):
    write_receipt(tmp_path, "demo-tool", LEGACY)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys,time; f=open(sys.argv[1],'w'); fcntl.flock(f, fcntl.LOCK_EX);"
         " print('locked', flush=True); time.sleep(0.5); open(sys.argv[2], 'w').close()",
         str(tmp_path / ".lock"), str(tmp_path / "released")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    receipts.repair(tmp_path, None)
    # the holder writes "released" just before it lets go of the lock
    assert (tmp_path / "released").exists()
    holder.wait()
    assert "TOKEN" not in (tmp_path / "demo-tool" / "uv-receipt.toml").read_text()


@pytest.mark.parametrize("value", ['https://aws:@\\"@h.example.com/simple/', "https://x:@y\"@h.example.com/",
                                   "https://a:b@h.example.com/ # https://c:d@e/"])
def test_odd_userinfo_falls_back_to_the_parsed_edit(tmp_path, value):
    quote = "'" if '"' in value and "\\" not in value else '"'
    text = f'[tool]\nrequirements = [{{ name = "x" }}]\n\n[tool.options]\nindex-url = {quote}{value}{quote}\n'
    path = write_receipt(tmp_path, "x", text)
    receipts.repair(tmp_path, ["x"])
    from shim import toml_text

    assert toml_text.parse(path.read_text())["tool"]["options"]["index-url"].startswith("https://h.example.com/")


CLEAN = """\
[tool]
requirements = [{ name = "demo-tool" }]
python = "/usr/bin/python3"
entrypoints = [{ name = "demo-tool", install-path = "/home/u/.local/bin/demo-tool" }]

[tool.options]
index-url = "https://corp.example.com/pypi/tools/simple/"
"""

_READ_TWICE = """
import sys
from pathlib import Path
from shim import receipts
first = receipts.inspect(Path(sys.argv[1]), remember=True)  # (as `uv tool upgrade NAME` reads it)
print(first.error, "tomllib" in sys.modules or "tomlkit" in sys.modules)
"""


def test_a_clean_receipt_is_read_again_without_a_toml_parser(tmp_path):
    """The warm `uv tool upgrade` reads the receipt it read last time: the parse is remembered
    (private, 0600) and the TOML parser (6-8 ms to import) is not loaded again; any change to
    the text parses it afresh, and a receipt that could hold a credential is never remembered."""
    import os

    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    tool_dir = tmp_path / "tools"
    path = write_receipt(tool_dir, "demo-tool", CLEAN)

    def read():
        done = subprocess.run([sys.executable, "-c", _READ_TWICE, str(path)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert read() == ["None", "True"]  # parsed, and remembered
    assert read() == ["None", "False"]  # the same text: no parser
    cache = tmp_path / "state" / "uv-shim" / "receipts" / "demo-tool.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    path.write_text(CLEAN.replace("corp.example.com", "other.example.com"))
    assert read() == ["None", "True"]  # changed: parsed again
    assert "other.example.com" in cache.read_text()
    path.write_text(LEGACY)
    cache.unlink()
    assert read() == ["None", "True"]
    assert not cache.exists()  # an `@`: never remembered


def test_an_escaped_at_credential_is_never_remembered(tmp_path):
    """Review of fd7ab6a: TOML's `\\u0040` is an `@` in the value but not in the text, so the
    `"@" not in text` test lets a credential into the parse cache (SECURITY.md says a receipt
    with one is never remembered). The cache file must never hold the secret."""
    import os

    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    path = write_receipt(tmp_path / "tools", "demo-tool",
                         CLEAN.replace("https://corp.example.com", "https://aws:SECRET-7\\u0040corp.example.com"))
    assert "@" not in path.read_text()
    done = subprocess.run([sys.executable, "-c", _READ_TWICE, str(path)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    receipts_dir = tmp_path / "state" / "uv-shim" / "receipts"
    leaked = [p.name for p in receipts_dir.glob("*")] if receipts_dir.is_dir() else []
    assert not any("SECRET-7" in (receipts_dir / name).read_text() for name in leaked), leaked


def test_an_escaped_at_credential_is_found_and_removed(tmp_path):
    """TOML may write the `@` of `user:token@host` as \\u0040: the receipt still holds a
    credential, and the repair must see it as plain uv would read it."""
    path = write_receipt(tmp_path / "tools", "demo-tool",
                         CLEAN.replace("https://corp.example.com", "https://aws:SECRET-8\\u0040corp.example.com"))
    found = receipts.inspect(path, fix=True)
    assert found.findings and "SECRET-8" not in path.read_text()
    assert "corp.example.com/pypi/tools/simple/" in path.read_text()


def test_a_scan_of_every_tool_forgets_the_parses_of_uninstalled_tools(tmp_path):
    """`uv tool uninstall` goes straight to uv, so the remembered parse of a tool outlives it;
    the next scan of every tool (`uv tool upgrade --all`, `uv-shim receipts --fix`) drops it,
    and what a killed write left, and keeps the parses of tools still installed."""
    import os

    tool_dir = tmp_path / "tools"
    for name in ("demo-tool", "other-tool"):
        receipts.inspect(write_receipt(tool_dir, name, CLEAN), remember=True)
    cache = Path(os.environ["XDG_STATE_HOME"]) / "uv-shim" / "receipts"
    (cache / "other-tool.json.uv-shim-tmp.999999.00ff").write_bytes(b"{")
    assert sorted(p.name for p in cache.iterdir()) == [
        "demo-tool.json", "other-tool.json", "other-tool.json.uv-shim-tmp.999999.00ff"]
    (tool_dir / "other-tool" / "uv-receipt.toml").unlink()
    (tool_dir / "other-tool").rmdir()  # as `uv tool uninstall other-tool` leaves it
    receipts.repair(tool_dir, ["demo-tool"])
    assert (cache / "other-tool.json").exists()  # a command about named tools scans nothing
    receipts.repair(tool_dir, None)
    assert [p.name for p in cache.iterdir()] == ["demo-tool.json"]


@pytest.mark.parametrize("layout", ["symlink", "shared"])
def test_the_scan_removes_nothing_from_a_parse_directory_that_is_not_private(tmp_path, layout):
    """The parses are written only into a private directory (a real one, the user's, 0700);
    the scan forgets nothing anywhere else: a `receipts` symlink (planted where others can
    write, or left by a dotfile manager) must not make it delete the `*.json` it leads to."""
    import os

    tool_dir = tmp_path / "tools"
    receipts.inspect(write_receipt(tool_dir, "demo-tool", CLEAN), remember=True)
    cache = Path(os.environ["XDG_STATE_HOME"]) / "uv-shim" / "receipts"
    elsewhere = tmp_path / "project"
    elsewhere.mkdir()
    (elsewhere / "package.json").write_text("{}")
    (elsewhere / "data.json.uv-shim-tmp.999999.00ff").write_text("{}")
    if layout == "symlink":
        for entry in cache.iterdir():
            entry.unlink()
        cache.rmdir()
        cache.symlink_to(elsewhere)
    else:  # a directory others can write into is not the shim's to clean
        (cache / "package.json").write_text("{}")
        cache.chmod(0o777)
        elsewhere = cache
    receipts.repair(tool_dir, None)
    assert (elsewhere / "package.json").exists()
    if layout == "symlink":
        assert (elsewhere / "data.json.uv-shim-tmp.999999.00ff").exists()
