"""How a credential reaches uv, per uv version: the store where it can, else only where it cannot stray."""

import os
import stat

import pytest

from shim import handoff
from shim.credentials import Need, Supply
from shim.errors import ShimError
from shim.indexes import UvIndex
from shim.providers import env as env_provider
from shim.providers.base import Credential

NEWEST, FIRST_STORE, OLD = (0, 13, 9), (0, 8, 15), (0, 8, 0)


def supply(url, name=None, password="tok", scope=None):
    s = Supply(Need(url, name), env_provider, {"password-env": "X"}, scope)
    s.credential = Credential("aws", password)
    return s


def play(*pairs):
    return [UvIndex(url, name, "test") for url, name in pairs]


@pytest.mark.parametrize("url, version, storable", [
    ("https://h/simple/", NEWEST, True),
    ("https://h/simple/", FIRST_STORE, True),
    ("https://h/simple/", OLD, False),
    ("http://127.0.0.1:8000/simple/", NEWEST, True),
    ("http://localhost:8000/simple/", NEWEST, True),
    ("http://127.0.0.1:8000/simple/", FIRST_STORE, False),  # 0.8.15 took https only
    ("http://[::1]:8000/simple/", NEWEST, False),  # uv's store takes http on localhost and 127.0.0.1 only
    ("http://pkgs.example.com/simple/", NEWEST, False),
])
def test_what_the_store_can_hold(url, version, storable):
    from shim import urls

    assert handoff.storable(urls.parse(url), version) is storable


def test_newest_uv_gets_the_store_keyed_by_scope_and_nothing_by_name():
    s = supply("https://corp.example.com/simple/", "corp", scope="https://corp.example.com:443/")
    store, variables, entries = handoff.plan([s], play(("https://corp.example.com/simple/", "corp")), NEWEST)
    assert list(store) == ["https://corp.example.com/"]
    assert not variables and not entries


def test_old_uv_gets_the_name_variable_only_when_no_other_index_maps_to_it():
    s = supply("https://corp.example.com/simple/", "corp-pkgs")
    _, variables, _ = handoff.plan([s], play(("https://corp.example.com/simple/", "corp-pkgs")), OLD)
    assert variables == {"UV_INDEX_CORP_PKGS_USERNAME": "aws", "UV_INDEX_CORP_PKGS_PASSWORD": "tok"}
    # A project index `corp_pkgs` elsewhere maps to the same variable: not by name, and the netrc
    # would be safe only if nothing else on that host... here it is: the netrc entry is used instead.
    in_play = play(("https://corp.example.com/simple/", "corp-pkgs"), ("http://127.0.0.1:9/simple/", "corp_pkgs"))
    _, variables, entries = handoff.plan([s], in_play, OLD)
    assert not variables and set(entries) == {"corp.example.com"}


def test_old_uv_refuses_when_neither_name_nor_host_is_safe():
    s = supply("https://corp.example.com/simple/", "corp")
    in_play = play(("https://corp.example.com/simple/", "corp"), ("https://corp.example.com:8443/other/", "corp"),
                   ("https://user:pw@elsewhere.example.com/x/", None))
    with pytest.raises(ShimError) as err:
        handoff.plan([s], in_play, OLD)
    assert err.value.exit_code == 2
    assert "corp.example.com:8443" in err.value.message and "tok" not in err.value.message


def test_netrc_needs_every_index_on_the_host_covered_by_the_same_credential():
    a = supply("https://h.example.com/a/", password="one")
    in_play = play(("https://h.example.com/a/", None), ("https://h.example.com/b/", None))
    with pytest.raises(ShimError, match="not covered"):
        handoff.plan([a], in_play, OLD)
    b = supply("https://h.example.com/b/", password="two")
    with pytest.raises(ShimError):
        handoff.plan([a, b], in_play, OLD)
    b.credential = Credential("aws", "one")
    _, _, entries = handoff.plan([a, b], in_play, OLD)
    assert entries == {"h.example.com": Credential("aws", "one")}


def test_ipv6_hosts_are_written_as_uv_looks_them_up():
    s = supply("http://[::1]:8000/simple/")
    _, _, entries = handoff.plan([s], play(("http://[::1]:8000/simple/", None)), NEWEST)
    assert list(entries) == ["[::1]"]


def test_render_store_keeps_the_users_entries_unless_a_fresh_one_covers_them():
    user = [{"service": "https://other.example.com/", "username": "me", "password": "mine"},
            {"service": "https://corp.example.com/simple/deep/", "username": "old", "password": "stale"},
            {"service": "https://corp.example.com:8443/", "username": "x", "password": "y"}]
    s = supply("https://corp.example.com/simple/", password='q"uo\\te\x7f')
    text = handoff.render_store(user, {"https://corp.example.com/simple/": s.credential})
    from shim.toml_text import parse

    data = parse(text)["credential"]
    services = [e["service"] for e in data]
    assert services == ["https://other.example.com/", "https://corp.example.com:8443/",
                        "https://corp.example.com/simple/"]
    assert data[-1]["password"] == 'q"uo\\te\x7f'


def test_hand_over_writes_a_private_directory_for_this_process(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".netrc").write_text("machine corp.example.com login aws password stale\n"
                                              "machine github.com login me password mine\n")
    (tmp_path / "run" / "uv-shim").mkdir(mode=0o700)
    stale = tmp_path / "run" / "uv-shim" / f"{handoff._dir_prefix()}999999999"
    elsewhere = tmp_path / "run" / "uv-shim" / "uv-other-host-999999999"  # another machine's: not ours to judge
    elsewhere.mkdir(mode=0o700)
    stale.mkdir(mode=0o700)
    environ = {"HOME": str(tmp_path / "home")}
    s = supply("https://corp.example.com/simple/", "corp", password="fresh")
    handoff.hand_over([s], play(("https://corp.example.com/simple/", "corp")), environ, NEWEST)
    directory = tmp_path / "run" / "uv-shim" / f"{handoff._dir_prefix()}{os.getpid()}"
    assert environ["UV_CREDENTIALS_DIR"] == str(directory)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(directory / "credentials.toml").st_mode) == 0o600
    assert "fresh" in (directory / "credentials.toml").read_text()
    # the stale user netrc entry would shadow the store: uv reads a copy without it
    assert environ["NETRC"] == str(directory / "netrc")
    netrc_text = (directory / "netrc").read_text()
    assert "stale" not in netrc_text and "fresh" not in netrc_text and "github.com" in netrc_text
    assert not any(k.startswith("UV_INDEX_") for k in environ)
    assert not stale.exists() and elsewhere.exists()  # its process is gone; the other host's is left


def test_other_indexes_on_a_served_host_keep_the_users_netrc_credential(tmp_path, monkeypatch):
    """The user's netrc entry for a host the store serves is left out of the netrc uv reads (it
    would shadow the fresh credential); another index on that host keeps it, through the store."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    (tmp_path / ".netrc").write_text("machine h.example.com login me password mine\n")
    environ = {"NETRC": str(tmp_path / ".netrc"), "HOME": str(tmp_path)}
    s = supply("https://h.example.com/corp/simple/", password="fresh", scope="https://h.example.com/corp/")
    in_play = play(("https://h.example.com/corp/simple/", None), ("https://h.example.com/other/simple/", None))
    handoff.hand_over([s], in_play, environ, NEWEST)
    store = (tmp_path / "run" / "uv-shim" / f"{handoff._dir_prefix()}{os.getpid()}" / "credentials.toml").read_text()
    from shim.toml_text import parse

    entries = {e["service"]: e.get("password") for e in parse(store)["credential"]}
    assert entries == {"https://h.example.com/corp/": "fresh", "https://h.example.com/other/simple/": "mine"}
    assert "h.example.com" not in open(environ["NETRC"]).read()


def test_a_nested_uv_gets_the_users_own_values_back(tmp_path, monkeypatch):
    from shim import inherited, paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    store = str(paths.cache_dir() / "stores" / "s-abc")
    environ = {"UV_CREDENTIALS_DIR": "/home/me/my-creds", "NETRC": "/home/me/.netrc"}
    inherited.save(environ, "UV_CREDENTIALS_DIR")
    environ["UV_CREDENTIALS_DIR"] = store
    inherited.save(environ, "NETRC")
    environ["NETRC"] = str(paths.handoff_base() / "uv-host-42" / "netrc")
    inherited.save(environ, "UV_CREDENTIALS_DIR")  # a second hand-off keeps the user's value, not ours
    inherited.restore_users_own(environ)
    assert environ == {"UV_CREDENTIALS_DIR": "/home/me/my-creds", "NETRC": "/home/me/.netrc"}
    unset = {"UV_CREDENTIALS_DIR": store, "UV_SHIM_USER_UV_CREDENTIALS_DIR": ""}
    inherited.restore_users_own(unset)
    assert unset == {}
    own = {"UV_CREDENTIALS_DIR": str(paths.cache_dir() / "stores-of-mine"), "NETRC": "relative/netrc"}
    inherited.restore_users_own(own)  # not ours: left alone
    assert own == {"UV_CREDENTIALS_DIR": str(paths.cache_dir() / "stores-of-mine"), "NETRC": "relative/netrc"}
