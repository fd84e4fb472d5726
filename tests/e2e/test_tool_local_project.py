"""`uv tool install|run|upgrade` of a tool that is a local project (`./dir`, `-e`, `--from`,
`--with-editable`): uv builds it with its own `[tool.uv.sources]`, so a dependency pinned to a
private index is fetched from there, on install and again on every upgrade (the receipt keeps
the directory). The shim must hand that index its credential, as it does for `--index-url`.

Real uv (newest), a real loopback index that needs a password (`corp`, serving corp-utils) and a
public one (the default, serving rich-lite); the tool is built by an in-tree backend
(tests/support/local_project.py). Each case runs plain uv first: it cannot get corp-utils.
"""

import pytest

from tests.support.index import PackageIndex
from tests.support.local_project import pinned, sandbox_with_default, write_project

pytestmark = pytest.mark.slow

TOKEN, NEXT = "local-tool-token-1", "local-tool-token-2"


@pytest.fixture
def corp():
    server = PackageIndex(password=TOKEN)
    server.publish("corp-utils", "1.0")
    yield server
    server.close()


@pytest.fixture
def box(tmp_path, corp, public_index):
    box = sandbox_with_default(tmp_path, public_index)
    box.shim_config(f'[[credential]]\nurl = "{corp.origin}"\nprovider = "command"\nusername = "aws"\n'
                    f'{box.token_command(TOKEN)}\n')
    write_project(tmp_path / "pricing", "pricing", "0.2.0", ["corp-utils", "rich-lite"], pinned(corp.url))
    return box


def fetched_with(corp, token, since=0) -> bool:
    """corp-utils was served to `token` (its wheel or its page)."""
    return corp.served_to(token, "corp", since)


@pytest.mark.parametrize("args", [
    ["tool", "install", "./pricing"],
    ["tool", "install", "--editable", "./pricing"],
    ["tool", "install", "rich-lite", "--with-editable", "./pricing"],
])
def test_installing_a_local_tool_fetches_its_pinned_private_dependency(box, corp, args):
    plain = box.real(*args)
    assert plain.returncode != 0, "plain uv got corp-utils without a credential"
    assert not fetched_with(corp, TOKEN)
    done = box.uv(*args)
    assert done.returncode == 0, done.stderr
    assert fetched_with(corp, TOKEN)
    assert TOKEN not in box.receipt(args[2] if args[2] == "rich-lite" else "pricing")


def test_running_a_local_tool_fetches_its_pinned_private_dependency(box, corp):
    args = ["tool", "run", "--from", "./pricing", "pricing"]
    assert box.real(*args).returncode != 0
    done = box.uv(*args)
    assert done.returncode == 0, done.stderr
    assert "pricing 0.2.0 (local)" in done.stdout
    assert fetched_with(corp, TOKEN)


def test_upgrading_a_local_tool_after_the_token_rotated(box, corp):
    """The receipt keeps the directory; the upgrade reads its sources again and must get the
    new token (the old one is refused) for the corp-utils 2.0 that 0.3.0 needs, where plain
    uv cannot (it keeps 0.2.0)."""
    assert box.uv("tool", "install", "./pricing").returncode == 0
    corp.rotate(NEXT)
    box.token_command(NEXT)
    corp.publish("corp-utils", "2.0")
    write_project(box.root / "pricing", "pricing", "0.3.0", ["corp-utils>=2", "rich-lite"],
                  (box.root / "pricing" / "pyproject.toml").read_text().split("[build-system]")[1].split("\n\n", 1)[1])
    import os
    import time

    later = time.time() + 5  # newer than what uv recorded at install, even within one second
    for path in (box.root / "pricing").iterdir():
        os.utime(path, (later, later))
    seen = len(corp.requests)
    plain = box.real("tool", "upgrade", "pricing")
    assert box.tool_output("pricing") == "pricing 0.2.0 (local)", (plain.stderr, corp.requests[seen:])
    done = box.uv("tool", "upgrade", "pricing")
    assert done.returncode == 0, done.stderr
    assert fetched_with(corp, NEXT, seen), (done.stderr, corp.requests[seen:])
    assert box.tool_output("pricing") == "pricing 0.3.0 (local)"


def test_upgrade_all_names_the_local_tool_whose_pinned_index_refuses(box, corp, public_index):
    """`--all` upgrades every tool that can be: the tool whose local project pins an index that
    refuses the credential is named, with that index, and the command exits non-zero."""
    assert box.uv("tool", "install", "./pricing").returncode == 0
    assert box.uv("tool", "install", "rich-lite").returncode == 0
    corp.rotate("a-token-nobody-has")
    public_index.publish("rich-lite", "2.0")
    done = box.uv("tool", "upgrade", "--all")
    assert done.returncode != 0
    assert "pricing: " in done.stderr and corp.netloc in done.stderr, done.stderr
    assert "rich-lite: " not in done.stderr
    assert box.tool_output("rich-lite") == "rich-lite 2.0"
    assert box.tool_output("pricing") == "pricing 0.2.0 (local)"
