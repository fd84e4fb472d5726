"""The netrc handed to uv: the user's own entries, without those for hosts uv-shim serves."""

from shim import netrc
from shim.providers.base import Credential

USER_NETRC = """\
# my netrc
machine corp.example.com login old password stale
machine github.com
  login me
  password "quoted token"
macdef init
cd /pub
bin

default login anonymous password me@example.com
"""


def test_fresh_entries_replace_the_users_for_the_same_host_and_keep_the_rest():
    text = netrc.render(USER_NETRC, {"corp.example.com": Credential("aws", "fresh")})
    assert "stale" not in text
    assert "machine corp.example.com login aws password fresh" in text
    assert 'machine github.com login me password "quoted token"' in text
    assert "macdef" not in text and "cd /pub" not in text  # uv runs no macros
    assert text.rstrip().splitlines()[-1] == "default login anonymous password me@example.com"


def test_dropped_hosts_lose_the_users_entry_and_the_default_answers_only_for_named_hosts():
    text = netrc.render(USER_NETRC, {}, drop={"corp.example.com"}, keep_default_for={"other.example.com"})
    assert "corp.example.com" not in text and "stale" not in text
    assert "default" not in text  # it would answer for corp.example.com too
    assert "machine other.example.com login anonymous password me@example.com" in text
    assert 'machine github.com login me password "quoted token"' in text


def test_shadows_sees_a_host_entry_or_a_default():
    assert netrc.shadows("machine corp.example.com login a password b\n", {"corp.example.com"})
    assert not netrc.shadows("machine other login a password b\n", {"corp.example.com"})
    assert netrc.shadows("default login a password b\n", {"corp.example.com"})
    assert not netrc.shadows(USER_NETRC, set())


def test_netrc_cannot_carry_white_space_or_quotes():
    assert netrc.can_carry(Credential("aws", "tok-en_1.2"))
    assert netrc.can_carry(Credential("", "tok"))
    assert netrc.can_carry(Credential("TOKEN", ""))  # a token as the only userinfo part: `login TOKEN`
    assert "machine h login TOKEN\n" in netrc.render("", {"h": Credential("TOKEN", "")})
    for bad in (Credential("aws", "a b"), Credential("aws", 'a"b'), Credential("a b", "x"), Credential("", "")):
        assert not netrc.can_carry(bad)
