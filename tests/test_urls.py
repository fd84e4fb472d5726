"""URLs as uv reads them: the origin and path prefix a credential is issued for."""

import pytest

from shim import urls


@pytest.mark.parametrize("url, origin, prefix", [
    ("https://HOST.example.com/Simple/", "https://host.example.com:443", "https://host.example.com:443/Simple/"),
    ("https://host:443/simple", "https://host:443", "https://host:443/simple/"),
    ("http://[::1]:8080/simple/", "http://[::1]:8080", "http://[::1]:8080/simple/"),
    ("http://[::1]/", "http://[::1]:80", "http://[::1]:80/"),
    ("https://h/a/./b/../c/", "https://h:443", "https://h:443/a/c/"),
    ("https://h", "https://h:443", "https://h:443/"),
])
def test_origin_and_prefix(url, origin, prefix):
    parsed = urls.parse(url)
    assert parsed.origin == origin
    assert parsed.prefix() == prefix


@pytest.mark.parametrize("url, username, password", [
    ("https://aws:p%40ss%3Aw@h/simple/", "aws", "p@ss:w"),
    ("https://TOKEN@h/simple/", "TOKEN", None),
    ("https://:secret@h/", "", "secret"),
    ("https://u:p@ss@h/", "u", "p@ss"),
    ("https://h/", None, None),
])
def test_userinfo_is_decoded_once(url, username, password):
    parsed = urls.parse(url)
    assert (parsed.username, parsed.password) == (username, password)
    assert "@" not in urls.strip_userinfo(url).split("/")[2]


@pytest.mark.parametrize("url", ["ftp://h/", "file:///x", "https://h:99999/", "https://:8/", "not a url", None, ""])
def test_not_an_http_url(url):
    assert urls.parse(url) is None


@pytest.mark.parametrize("url, prefix, expected", [
    ("https://h/simple/x/", "https://h/simple/", True),
    ("https://h/simple", "https://h/simple/", True),
    ("https://h/simple-evil/", "https://h/simple", False),
    ("https://h/simple/../admin/", "https://h/simple/", False),
    ("https://h:8443/simple/", "https://h/simple/", False),
    ("http://h/simple/", "https://h/simple/", False),
    ("https://h.evil.com/simple/", "https://h/simple/", False),
    ("https://H:443/simple/", "https://h/", True),
])
def test_under_compares_whole_path_segments_on_the_same_origin(url, prefix, expected):
    assert urls.under(url, prefix) is expected


def test_strip_userinfo_keeps_every_other_character():
    assert urls.strip_userinfo("https://a:b@Host:8443/S/?q=1#f") == "https://Host:8443/S/?q=1#f"
    assert urls.strip_userinfo("https://Host/S/") == "https://Host/S/"
