"""Attack: a program uv starts reads the token meant for uv (issue 10).

The hostile program (tests/support/scanner.py) looks in its environment, every readable
/proc/self/fd entry, and every file whose path is the value of an environment variable. It
is started by `uv run`, by `uvx` / `uv tool run`, and as the in-tree PEP 517 backend of a
path dependency built during `uv lock` / `uv sync`; also with stdin, stdout or stderr closed
(on eb45844 the netrc memfd then lands on fd 0, 1 or 2 of uv and of its children).

These run on uv 0.8.15+ only: on older uv the hand-off is necessarily in uv's environment
(`UV_INDEX_<NAME>_*`, or NETRC naming a file), which uv passes on to every program it starts,
so no version of uv-shim can keep it from them there (SECURITY.md says so). uv 0.8.15 takes only
https services in its store, so it runs against a TLS index with a private CA.
The baseline is plain uv with the credential stored by `uv auth login`.
"""

import pytest

from tests.support import scanner
from tests.support.attack import TlsAuthority
from tests.support.handoff import VIA, command_credential, make_box, project, pyproject, run, uv_auth_login
from tests.support.index import PackageIndex
from tests.support.uvbins import FIRST_STORE, NEWEST

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="scans /proc (Linux)")]

TOKEN = "corp-token-c41d7e"
STREAMS = {"stdin": "<&-", "stdout": ">&-", "stderr": "2>&-"}


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return TlsAuthority(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def corp(request, authority):
    """The covered index: http on 127.0.0.1 for uv 0.8.16+, https for uv 0.8.15."""
    tls = authority.server_context() if getattr(request, "param", NEWEST) == FIRST_STORE else None
    server = PackageIndex(password=TOKEN, tls=tls)
    server.publish("corp-lib", "1.0")
    yield server
    server.close()


def setup(tmp_path, version, via, corp, authority):
    box = make_box(tmp_path, version)
    if corp.scheme == "https":
        box.env["SSL_CERT_FILE"] = str(authority.ca_cert)
    if via == "shim":
        box.shim_config(command_credential(box, corp.origin, TOKEN))
    else:
        uv_auth_login(box, corp.origin, "aws", TOKEN)
    return box


def closed(box, stream, argv):
    """Run argv with one standard stream closed, as `cmd <&-` in a shell does."""
    if stream is None:
        return box.run(argv)
    return box.run(["sh", "-c", f'exec "$@" {STREAMS[stream]}', "sh", *argv])


def check(result, out, corp):
    verdict = scanner.verdict(out)
    assert scanner.leaks(verdict) == {}, f"the program uv started read the token: {verdict['hits']}"
    assert any(status == 200 and auth for _, status, auth in corp.requests), (result.stderr, corp.requests)
    return verdict


def index_settings(corp, form):
    if form == "named":
        return [("corp", corp.url, False)], {"corp-lib": 'index = "corp"'}, ""
    return [], None, f'index-url = "{corp.url}"\n'


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("form", ["named", "index-url"])
@pytest.mark.parametrize("corp, version", [(FIRST_STORE, FIRST_STORE), (NEWEST, NEWEST)], indirect=["corp"])
def test_program_started_by_uv_run(tmp_path, authority, corp, version, form, via):
    """`uv run python scan.py` in a project whose covered index is named, or unnamed.

    Expected: the token reaches the index (the sync works) and the program finds it nowhere.
    On eb45844: named: UV_INDEX_CORP_PASSWORD in its environment; unnamed: NETRC names an
    inherited memfd holding it. Plain uv (`uv auth login`): nothing found.
    """
    box = setup(tmp_path, version, via, corp, authority)
    indexes, sources, extra = index_settings(corp, form)
    proj = project(box, pyproject(["corp-lib"], indexes, sources, extra))
    out = tmp_path / "verdict.json"
    (proj / "scan.py").write_text(scanner.script([TOKEN], out))

    result = run(box, via, "--directory", proj, "run", "python", "scan.py")

    assert result.returncode == 0, result.stderr
    check(result, out, corp)


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("stream", list(STREAMS))
def test_program_started_by_uv_run_with_a_standard_stream_closed(tmp_path, authority, corp, stream, via):
    """`uv run python scan.py <&-` (and `>&-`, `2>&-`), unnamed covered index, newest uv.

    Expected: nothing found. On eb45844 the memfd takes the lowest free descriptor: with stdin
    closed the program reads the netrc, token included, as its stdin.
    """
    box = setup(tmp_path, NEWEST, via, corp, authority)
    proj = project(box, pyproject(["corp-lib"], extra=f'index-url = "{corp.url}"\n'))
    out = tmp_path / "verdict.json"
    (proj / "scan.py").write_text(scanner.script([TOKEN], out))
    uv = box.shim if via == "shim" else box.real_uv

    result = closed(box, stream, [uv, "--directory", proj, "run", "python", "scan.py"])

    assert result.returncode == 0, result.stderr
    check(result, out, corp)


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("stream", [None, "stdin"])
def test_tool_started_by_uvx(tmp_path, authority, corp, stream, via):
    """`uvx --index-url COVERED scan-tool` (plain uv: `uv tool run`): the tool scans.

    Expected: the tool installs from the covered index and finds the token nowhere, also with
    stdin closed. On eb45844 NETRC names the inherited memfd (fd 0 when stdin is closed).
    """
    box = setup(tmp_path, NEWEST, via, corp, authority)
    out = tmp_path / "verdict.json"
    corp.publish_wheel("scan-tool", *scanner.wheel("scan-tool", "1.0", [TOKEN], out))
    argv = ([box.shim_home / "bin" / "uvx"] if via == "shim" else [box.real_uv, "tool", "run"])

    result = closed(box, stream, [*argv, "--index-url", corp.url, "scan-tool"])

    assert result.returncode == 0, result.stderr
    assert "scan-tool 1.0" in result.stdout
    check(result, out, corp)


@pytest.mark.parametrize("via", VIA)
@pytest.mark.parametrize("command", ["lock", "sync"])
def test_pep517_backend_of_a_path_dependency(tmp_path, authority, corp, command, via):
    """A path dependency with an in-tree build backend (`backend-path = ["."]`) that scans when
    uv imports it, during `uv lock` or `uv sync` of a project with a covered index.

    Expected: the backend runs and finds the token nowhere. On eb45844 NETRC names the memfd
    the backend inherits.
    """
    box = setup(tmp_path, NEWEST, via, corp, authority)
    out = tmp_path / "verdict.json"
    proj = project(box, pyproject(["corp-lib", "localdep"], sources={"localdep": 'path = "localdep"'},
                                  extra=f'index-url = "{corp.url}"\n'))
    scanner.write_backend_project(proj / "localdep", [TOKEN], out)

    result = run(box, via, "--directory", proj, command)

    assert result.returncode == 0, result.stderr
    check(result, out, corp)
