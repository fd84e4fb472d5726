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
    server = PackageIndex(password=None)
    yield server
    server.close()


@pytest.fixture
def sandbox(tmp_path):
    """A sandbox with the newest uv behind the shim."""
    return Sandbox(tmp_path, NEWEST)
