"""Attack: a credential follows an index *name* to a host it was never issued for (issue 10).

The user's uv.toml names an index covered by a credential; a cloned project (or a pasted
command line) declares an index with the same name, or a name uv maps to the same
`UV_INDEX_<NAME>_*` variable, at a server the attacker runs. That server demands credentials
from every request and logs every Authorization header (tests/support/attack.py). The token
must never reach it, through the shim or with plain uv.
"""

import pytest

from tests.support.attack import Harvester, assert_never_sent, credentials_sent
from tests.support.codeartifact import FakeCodeArtifact
from tests.support.handoff import VIA, command_credential, make_box, project, pyproject, run
from tests.support.index import PackageIndex
from tests.support.uvbins import FIRST_STORE, NEWEST

pytestmark = pytest.mark.slow

TOKEN = "corp-token-7f3a9c"
ALL = ["0.4.26", "0.8.0", FIRST_STORE, NEWEST]


@pytest.fixture
def corp():
    server = PackageIndex(password=TOKEN)
    server.publish("corp-lib", "1.0")
    yield server
    server.close()


@pytest.fixture
def evil():
    server = Harvester()  # same host as corp, another port
    server.publish("corp-lib", "6.6.6")
    server.publish("evil-lib", "1.0")
    yield server
    server.close()


def user_index(box, via, corp, name):
    """The user's uv.toml index `name` at corp, and its credential (a provider, or in the URL)."""
    url = corp.url if via == "shim" else corp.url_with(TOKEN)
    box.uv_toml(f'[[index]]\nname = "{name}"\nurl = "{url}"\n')
    if via == "shim":
        box.shim_config(command_credential(box, corp.origin, TOKEN))


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("version", ALL)
def test_project_reusing_a_covered_index_name(tmp_path, corp, evil, version, via):
    """A cloned project declares `[[tool.uv.index]] name = "corp"` at another server; `uv lock`.

    Expected: the project's `corp` replaces the user's (uv's precedence by name), so the
    credential for the user's `corp` is not in play: uv runs, asks the other server, and never
    sends it the token (the lock fails there for want of credentials, as with plain uv).
    On eb45844 the shim exports UV_INDEX_CORP_* and uv sends the token to the project's server.
    """
    box = make_box(tmp_path, version)
    user_index(box, via, corp, "corp")
    proj = project(box, pyproject(["corp-lib"], [("corp", evil.url, False)], {"corp-lib": 'index = "corp"'}))

    result = run(box, via, "--directory", proj, "lock")

    assert evil.requests, f"uv never asked the project's index: {result.stderr}"
    assert_never_sent(evil, TOKEN)
    assert "uv-shim: error" not in result.stderr  # nothing to refuse: the covered index is not in play
    assert result.returncode != 0  # the project's index demands credentials nobody has for it


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("version", ALL)
def test_project_index_name_that_only_normalises_the_same(tmp_path, corp, evil, version, via):
    """The user's `corp-pkgs` (covered) and a project's `corp_pkgs` on the same host, another port.

    Both are in play (uv sees two names) and both map to UV_INDEX_CORP_PKGS_* and to netrc
    host 127.0.0.1. Expected: with the `uv auth` store for http on 127.0.0.1 (uv 0.8.16+) the
    credential goes by URL: the lock reaches both, corp gets the token, the project's server
    never does. Older uv (incl. 0.8.15, https only in the store): neither variable nor netrc
    can be scoped, so uv is not run: exit 2, stderr names both indexes (URLs redacted).
    Plain uv (token in the user's URL) never sends it to the project's server.
    """
    box = make_box(tmp_path, version)
    user_index(box, via, corp, "corp-pkgs")
    proj = project(box, pyproject(["corp-lib", "evil-lib"], [("corp_pkgs", evil.url, True)],
                                  {"evil-lib": 'index = "corp_pkgs"'}))

    result = run(box, via, "--directory", proj, "lock")

    assert_never_sent(evil, TOKEN)
    if via == "plain-uv" or version == NEWEST:
        assert evil.requests, result.stderr
        assert any(TOKEN in c for c in credentials_sent(corp)), (result.stderr, corp.requests)
    else:
        assert result.returncode == 2, result.stderr
        assert "corp-pkgs" in result.stderr and "corp_pkgs" in result.stderr, result.stderr
        assert evil.origin.rstrip("/") in result.stderr and corp.origin.rstrip("/") in result.stderr
        assert TOKEN not in result.stderr
        assert evil.requests == [] and corp.requests == []  # uv was not run


@pytest.fixture
def ca():
    server = FakeCodeArtifact()
    server.publish("corp-lib", "1.0")
    yield server
    server.close()


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("version", ["0.4.26", NEWEST])
def test_zero_config_codeartifact_and_a_project_index_named_alike(tmp_path, ca, evil, version, via):
    """The user's uv.toml index `corp-pkgs` is CodeArtifact (zero-config: the shim mints a token
    with boto3); a cloned project declares `CORP_PKGS` at another server.

    Expected: the minted token reaches only the CodeArtifact host: it cannot go through
    UV_INDEX_CORP_PKGS_* (two indexes map to it), but the CodeArtifact host has one index in
    play, so the host-scoped hand-off (netrc) is safe on old uv, and the store keys it by URL on
    new uv; uv runs and the other server never sees an AWS token. (The loopback CodeArtifact is
    reached over real TLS through an intercepting proxy.) On eb45844 the token goes to the
    other server.
    """
    box = make_box(tmp_path, version)
    box.env.update(ca.env())
    url = ca.index_url
    if via == "plain-uv":
        ca.tokens["user-minted-token"] = 4102444800.0
        url = url.replace("https://", "https://aws:user-minted-token@")
    box.uv_toml(f'[[index]]\nname = "corp-pkgs"\nurl = "{url}"\n')
    proj = project(box, pyproject(["corp-lib", "evil-lib"], [("CORP_PKGS", evil.url, True)],
                                  {"evil-lib": 'index = "CORP_PKGS"'}))

    result = run(box, via, "--directory", proj, "lock")

    assert evil.requests, f"uv never asked the project's index: {result.stderr}"
    assert_never_sent(evil, *ca.tokens)
    assert not any(c.startswith("aws:") for c in credentials_sent(evil))
    assert any(c.startswith("aws:") for c in credentials_sent(ca)), (result.stderr, ca.requests)
