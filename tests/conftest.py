import pytest

from tests.support.index import PackageIndex
from tests.support.sandbox import Sandbox
from tests.support.uvbins import NEWEST


@pytest.fixture
def index():
    server = PackageIndex(password="token-A-0001")
    yield server
    server.close()


@pytest.fixture
def public_index():
    # Another host (127.0.0.2, still loopback): for uv before 0.8.15 a credential can only go
    # by host (netrc), so a public index on the same host would make uv-shim refuse (exit 2).
    server = PackageIndex(password=None, host="127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def sandbox(tmp_path):
    """A sandbox with the newest uv behind the shim."""
    return Sandbox(tmp_path, NEWEST)


@pytest.fixture(autouse=True)
def _private_state(tmp_path_factory, monkeypatch):
    """uv-shim's state (the real uv's version, remembered receipt parses) goes to a directory
    of the test's own: never the real home's, where another run could answer for this one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(autouse=True)
def _forget_secrets():
    """Each test starts with an empty registry of secrets to scrub (shim.redact): a secret one
    test registered must not change what another test sees printed."""
    from shim import redact

    redact._SECRETS.clear()
    yield
