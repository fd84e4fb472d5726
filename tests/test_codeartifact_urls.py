import pytest

from shim.config import load_file
from shim.errors import ConfigError
from shim.providers.codeartifact import parse_url


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/tools/simple/",
         ("corp", "111122223333", "eu-west-1")),
        ("https://my-team-tools-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/r/simple/",
         ("my-team-tools", "111122223333", "us-east-1")),
        ("http://corp-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn/pypi/tools/simple/",
         ("corp", "111122223333", "cn-north-1")),
        ("https://aws:tok@corp-111122223333.d.codeartifact.us-gov-west-1.amazonaws.com:443/pypi/tools/simple/",
         ("corp", "111122223333", "us-gov-west-1")),
        ("https://vpce-0abc123-xyz.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/tools/simple/",
         ("corp", "111122223333", "eu-west-1")),
        ("https://vpce-0abc123-xyz.d.codeartifact.cn-northwest-1.vpce.amazonaws.com.cn/pypi/d/a-b-111122223333/r/",
         ("a-b", "111122223333", "cn-northwest-1")),
    ],
)
def test_codeartifact_hosts_are_recognised(url, expected):
    found = parse_url(url)
    assert (found["domain"], found["domain-owner"], found["region"]) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com/corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/tools/simple/",
        "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com.evil.com/pypi/tools/simple/",
        "https://d.codeartifact.us-east-1.amazonaws.com.evil.com/pypi/tools/simple/",
        "https://corp-11112222333.d.codeartifact.us-east-1.amazonaws.com/pypi/tools/simple/",  # 11 digits
        "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.co/pypi/tools/simple/",
        "https://corp-111122223333.codeartifact.us-east-1.amazonaws.com/pypi/tools/simple/",
        "https://vpce-0abc.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/tools/simple/",  # no /pypi/d/ path
        "https://pypi.org/simple/",
        "not a url",
    ],
)
def test_look_alikes_are_not_codeartifact(url):
    assert parse_url(url) is None


@pytest.mark.parametrize("line, message", [("duration-seconds = 600", "0 or between 900 and 43200"),
                                           ('domain-owner = "1234"', "12-digit")])
def test_codeartifact_config_is_checked(tmp_path, line, message):
    path = tmp_path / "config.toml"
    path.write_text(f'[[credential]]\nurl = "https://x.example.com/"\nprovider = "codeartifact"\n{line}\n')
    with pytest.raises(ConfigError, match=message) as caught:
        load_file(path)
    assert ":4:" in caught.value.message
