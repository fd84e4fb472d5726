"""Attacks on the credentials a receipt holds, and on those typed at install time (issue 10).

- A credential stored by uv 0.4.26 that no provider covers and that the index still accepts
  must keep working (moved into uv-shim's private store on uv 0.8.15+, left in the receipt on
  older uv), upgrade after upgrade.
- An IPv6 loopback index (`http://[::1]:PORT/`) through `uv tool upgrade`.
- Credentials typed at install time (userinfo in any index option, variable or direct URL)
  never reach a receipt, on uv 0.4.26 or the newest, and the install works.
"""

import socket

import pytest

from tests.support.handoff import command_credential, make_box
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import FIRST_STORE, NEWEST

pytestmark = pytest.mark.slow

LONG_LIVED = "long-lived-9e21b7"
OLD, NEW = "token-A-ipv6-0001", "token-B-ipv6-0002"
ALL = ["0.4.26", "0.8.0", FIRST_STORE, NEWEST]


def legacy_install(tmp_path, index, url, spec="demo-tool", args=()):
    """Install with plain uv 0.4.26, which keeps the credential in the receipt."""
    legacy = Sandbox(tmp_path, "0.4.26")
    result = legacy.real("tool", "install", "--python", BASE_PYTHON, *args, spec, *(["--index-url", url] if url else []))
    assert result.returncode == 0, result.stderr
    return legacy


@pytest.mark.parametrize("via", ["shim", "plain-uv"])
@pytest.mark.parametrize("version", ALL)
def test_still_valid_stored_credential_with_no_provider(tmp_path, index, version, via):
    """Receipt from uv 0.4.26 holding a password the index still accepts; no provider covers it;
    the user now runs uv VERSION. `uv tool upgrade` twice, a new version published before each.

    Expected through the shim: both upgrades install the new version; with uv 0.8.15+ the
    receipt is clean afterwards (the credential lives in uv-shim's private store), with uv
    0.4.26 it is still in the receipt; never a `****` mask. On eb45844 the shim strips it: uv 0.4.26 then fails (401,
    exit 1), newer uv says "Nothing to upgrade", exit 0. Plain uv 0.4.26 upgrades twice; plain
    uv 0.8.0+ upgrades once, rewrites the receipt without the credential, and the second
    upgrade is "Nothing to upgrade", exit 0: the shim must do better than plain uv here.
    """
    index.rotate(LONG_LIVED)
    index.publish("demo-tool", "1.0")
    legacy_install(tmp_path, index, index.url_with(LONG_LIVED))
    box = make_box(tmp_path, version)
    outputs = []
    for release in ("2.0", "3.0"):
        index.publish("demo-tool", release)
        result = box.uv("tool", "upgrade", "demo-tool") if via == "shim" else box.real("tool", "upgrade", "demo-tool")
        outputs.append((result.returncode, box.tool_output("demo-tool"), result.stderr))
    receipt = box.receipt("demo-tool")

    if via == "shim":
        assert [o[:2] for o in outputs] == [(0, "demo-tool 2.0"), (0, "demo-tool 3.0")], outputs
        assert "****" not in receipt
        if version in (FIRST_STORE, NEWEST):
            assert LONG_LIVED not in receipt
        elif version == "0.4.26":
            assert LONG_LIVED in receipt
        # uv 0.8.0 rewrites a credential it sees in the receipt as `aws:****`: left there, it
        # would come back masked, so there the shim has to hand it over from its own store.
        assert all(LONG_LIVED not in o[2] for o in outputs)
    elif version == "0.4.26":  # plain uv keeps using the stored password
        assert [o[:2] for o in outputs] == [(0, "demo-tool 2.0"), (0, "demo-tool 3.0")], outputs
    else:  # plain uv uses it once and drops it from the receipt it rewrites
        assert [o[:2] for o in outputs] == [(0, "demo-tool 2.0"), (0, "demo-tool 2.0")], outputs
        assert "Nothing to upgrade" in outputs[1][2] and LONG_LIVED not in receipt


def test_credential_in_a_direct_url_requirement(tmp_path, index):
    """`uv tool install --from 'demo-tool @ http://aws:TOKEN@host/files/demo_tool-1.0-….whl'` with
    plain uv 0.13.9 (which keeps the credential in the receipt's requirement), no provider;
    then `uv tool upgrade --reinstall demo-tool` through the shim twice.

    Expected: both work (the wheel is fetched again with the credential) and the receipt is
    clean afterwards. On eb45844 the shim strips it and the next upgrade gets 401.
    """
    index.rotate(LONG_LIVED)
    index.publish("demo-tool", "1.0")
    box = make_box(tmp_path, NEWEST)
    wheel = f"{index.origin.replace('http://', f'http://aws:{LONG_LIVED}@')}files/demo_tool-1.0-py3-none-any.whl"
    result = box.real("tool", "install", "--python", BASE_PYTHON, "--from", f"demo-tool @ {wheel}", "demo-tool")
    assert result.returncode == 0, result.stderr
    assert LONG_LIVED in box.receipt("demo-tool")  # what plain uv 0.13.9 leaves behind

    for _ in range(2):
        before = len(index.requests)
        result = box.uv("tool", "upgrade", "--reinstall", "demo-tool")
        assert result.returncode == 0, result.stderr
        assert box.tool_output("demo-tool") == "demo-tool 1.0"
        fetched = [r for r in index.requests[before:] if r[0].startswith("/files/")]
        assert fetched and fetched[-1][1] == 200, index.requests[before:]
    assert LONG_LIVED not in box.receipt("demo-tool")


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback (::1) on this machine")
@pytest.mark.parametrize("via", ["shim", "plain-uv"])
@pytest.mark.parametrize("version", ALL)
def test_ipv6_loopback_index_through_tool_upgrade(tmp_path, version, via):
    """A tool installed from `http://aws:OLD@[::1]:PORT/simple/` (uv 0.4.26 receipt), the token
    rotated, a [[credential]] for `http://[::1]:PORT/`; `uv tool upgrade` with uv VERSION.

    Expected through the shim: the new version is installed and the receipt is clean (the
    `uv auth` store cannot hold plain http on ::1, so the hand-off is a netrc entry written
    `[::1]`, or UV_INDEX_* for a named index). On eb45844 the netrc says `machine ::1`, uv looks
    up `[::1]`: "Nothing to upgrade", exit 0 (exit 1 on 0.4.26).
    Plain uv with the fresh token in UV_INDEX_URL upgrades (the baseline: uv handles IPv6).
    """
    index = PackageIndex(password=OLD, host="::1")
    try:
        index.publish("demo-tool", "1.0")
        legacy_install(tmp_path, index, index.url_with(OLD))
        box = make_box(tmp_path, version)
        index.rotate(NEW)
        index.publish("demo-tool", "2.0")
        if via == "shim":
            box.shim_config(command_credential(box, index.origin, NEW))
            result = box.uv("tool", "upgrade", "demo-tool")
        else:
            result = box.real("tool", "upgrade", "demo-tool", env={"UV_INDEX_URL": index.url_with(NEW)})

        assert result.returncode == 0, result.stderr
        assert box.tool_output("demo-tool") == "demo-tool 2.0", result.stderr
        if via == "shim":
            receipt = box.receipt("demo-tool")
            assert OLD not in receipt and NEW not in receipt and "****" not in receipt
    finally:
        index.close()


TYPED = "typed-at-install-3c8f"
FORMS = ["--index-url", "--extra-index-url", "--index", "--find-links", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
         "UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS", "direct-url"]


def typed_install_args(form, index):
    """(argv after `tool install --python X`, extra environment) giving the credential as `form`."""
    url = index.url_with(TYPED)
    links = url + "demo-tool/"
    wheel = url.replace("/simple/", "/files/demo_tool-1.0-py3-none-any.whl")
    return {
        "--index-url": (["--index-url", url, "demo-tool"], {}),
        "--extra-index-url": (["--extra-index-url", url, "demo-tool"], {}),
        "--index": (["--index", f"corp={url}", "demo-tool"], {}),
        "--find-links": (["--no-index", "--find-links", links, "demo-tool"], {}),
        "UV_INDEX_URL": (["demo-tool"], {"UV_INDEX_URL": url}),
        "UV_EXTRA_INDEX_URL": (["demo-tool"], {"UV_EXTRA_INDEX_URL": url}),
        "UV_INDEX": (["demo-tool"], {"UV_INDEX": f"corp={url}"}),
        "UV_DEFAULT_INDEX": (["demo-tool"], {"UV_DEFAULT_INDEX": url}),
        "UV_FIND_LINKS": (["--no-index", "demo-tool"], {"UV_FIND_LINKS": links}),
        "direct-url": (["--from", f"demo-tool @ {wheel}", "demo-tool"], {}),
    }[form]


@pytest.mark.parametrize("via", ["shim", "plain-uv"])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_credentials_typed_at_install_time(tmp_path, index, version, form, via):
    """`uv tool install` with `user:password@` in FORM (an option, a variable or a direct URL).

    Expected through the shim: the install works and the receipt (and its file mode aside, any
    file uv writes in the tool directory) holds no credential, on uv 0.4.26 as on the newest.
    On eb45844 uv 0.4.26 writes the token into the 0644 receipt. Plain uv: asserted as it
    behaves (0.4.26 keeps the token for most forms; the newest strips index options but keeps
    a direct URL's).
    """
    index.rotate(TYPED)
    index.publish("demo-tool", "1.0")
    box = make_box(tmp_path, version)
    del box.env["UV_PYTHON"]
    args, env = typed_install_args(form, index)
    argv = ["tool", "install", "--python", BASE_PYTHON, *args]

    result = box.uv(*argv, env=env) if via == "shim" else box.real(*argv, env=env)

    assert result.returncode == 0, result.stderr
    assert box.tool_output("demo-tool") == "demo-tool 1.0"
    receipt = box.receipt("demo-tool")
    if via == "shim":
        assert TYPED not in receipt and "****" not in receipt, receipt
        assert TYPED not in result.stdout + result.stderr
    else:
        PLAIN_KEEPS[version](form, receipt)


def _plain_0_4_26(form, receipt):
    if form in ("--index", "UV_INDEX", "UV_DEFAULT_INDEX"):
        return  # recorded as `index` entries; whether the userinfo stays is uv's business
    assert TYPED in receipt, f"uv 0.4.26 ({form}) no longer keeps the token in the receipt:\n{receipt}"


def _plain_newest(form, receipt):
    if form == "direct-url":
        assert TYPED in receipt, receipt  # uv keeps a direct URL's credential in plain text
    else:
        assert TYPED not in receipt, receipt


PLAIN_KEEPS = {"0.4.26": _plain_0_4_26, NEWEST: _plain_newest}
