"""The token cache: freshness rule, permissions, and refusing what others could have written."""

import json
import os
import time

import pytest

from shim import token_cache
from shim.errors import ShimError
from shim.providers.base import Credential


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "uv-shim"


def test_fresh_while_more_than_half_the_life_and_five_minutes_are_left():
    now = 1_000_000.0
    assert token_cache.is_fresh({"issued_at": now - 100, "expires_at": now + 3600}, now)
    assert not token_cache.is_fresh({"issued_at": now - 4000, "expires_at": now + 3600}, now)  # past half its life
    assert not token_cache.is_fresh({"issued_at": now - 10, "expires_at": now + 200}, now)  # under 5 minutes left
    assert not token_cache.is_fresh({"expires_at": now + 3600}, now)


def test_written_0600_in_a_0700_directory_and_read_back(cache):
    calls = []

    def fetch():
        calls.append(1)
        return Credential("aws", "tok", time.time() + 3600)

    first, state = token_cache.get_or_fetch("codeartifact--x", fetch, {"provider": "codeartifact"})
    again, state2 = token_cache.get_or_fetch("codeartifact--x", fetch, {"provider": "codeartifact"})
    assert (state, state2, len(calls)) == ("miss", "hit", 1)
    assert again.password == "tok"
    assert os.stat(cache).st_mode & 0o777 == 0o700
    assert os.stat(cache / "codeartifact--x.json").st_mode & 0o777 == 0o600


def test_a_cache_file_others_can_write_is_ignored_with_a_warning(cache, capsys):
    cache.mkdir(mode=0o700)
    path = cache / "codeartifact--x.json"
    path.write_text(json.dumps({"password": "planted", "issued_at": time.time(), "expires_at": time.time() + 3600}))
    path.chmod(0o666)
    assert token_cache.read("codeartifact--x") is None
    assert "others can write it" in capsys.readouterr().err


def test_a_symlinked_cache_file_is_not_followed(cache, tmp_path):
    cache.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"password": "x", "issued_at": time.time(), "expires_at": time.time() + 3600}))
    target.chmod(0o600)
    (cache / "codeartifact--x.json").symlink_to(target)
    assert token_cache.read("codeartifact--x") is None


def test_a_cache_directory_that_is_a_symlink_is_refused(cache, tmp_path):
    (tmp_path / "other").mkdir(mode=0o700)
    cache.symlink_to(tmp_path / "other")
    with pytest.raises(ShimError, match="is a symlink; refusing"):
        token_cache.write("codeartifact--x", {"password": "x"})


def test_a_credential_that_claims_years_of_life_is_cached_twelve_hours_at_most(cache):
    token_cache.get_or_fetch("command--x", lambda: Credential("u", "p", time.time() + 365 * 86400), {})
    entry = json.loads((cache / "command--x.json").read_text())
    assert entry["expires_at"] - entry["issued_at"] <= token_cache.MAX_LIFE
