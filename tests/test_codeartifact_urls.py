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
        ("https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/"
         "corp-111122223333/tools/simple/", ("corp", "111122223333", "eu-west-1")),
        ("https://vpce-1a2b3c4d-5e6f7g8h.d.codeartifact.cn-northwest-1.vpce.amazonaws.com.cn/pypi/d/a-b-111122223333/r/",
         ("a-b", "111122223333", "cn-northwest-1")),
        ("https://corp-111122223333.codeartifact.eu-west-1.on.aws/pypi/tools/simple/",  # dual-stack
         ("corp", "111122223333", "eu-west-1")),
        ("https://My-Team-111122223333.CodeArtifact.us-east-2.on.aws:443/pypi/r/simple/",
         ("my-team", "111122223333", "us-east-2")),
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
        "https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/tools/simple/",
        # VPC endpoint names of another shape (only vpce-<id>-<id>.d.codeartifact.REGION.vpce… is documented)
        "https://vpce-0abc123-xyz.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/r/",
        "https://vpce-evil.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/r/",
        "https://vpce-0dc4daf7fca331ed6-et36qa1d.x.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/r/",
        "https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com.evil.com/pypi/d/"
        "corp-111122223333/r/",
        # dual-stack look-alikes
        "https://corp-111122223333.codeartifact.eu-west-1.on.aws.evil.com/pypi/tools/simple/",
        "https://corp-111122223333.codeartifact.eu-west-1.on.aws.evil/pypi/tools/simple/",
        "https://corp-111122223333.codeartifact.eu-west-1.onaws.com/pypi/tools/simple/",
        "https://evil.corp-111122223333.codeartifact.eu-west-1.on.aws/pypi/tools/simple/",
        "https://corp-111122223333.codeartifact.eu-west-1.on.aws@evil.com/pypi/tools/simple/",
        "ftp://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/tools/simple/",
        "https://pypi.org/simple/",
        "not a url",
    ],
)
def test_look_alikes_are_not_codeartifact(url):
    assert parse_url(url) is None


def test_no_token_is_minted_for_plain_http(monkeypatch):
    """Refused before boto3 is even imported: the token would travel in clear text."""
    import sys

    from shim.providers import codeartifact
    from shim.providers.base import ProviderError

    monkeypatch.setitem(sys.modules, "boto3", None)  # importing it now would fail loudly
    url = "http://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/tools/simple/"
    with pytest.raises(ProviderError, match="plain http") as caught:
        codeartifact.fetch(url, codeartifact.discover(url, None))
    assert "https://" in caught.value.fix


@pytest.mark.parametrize("url, scope", [
    ("https://corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/tools/simple/",
     "https://corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/"),
    ("https://corp-111122223333.codeartifact.eu-west-1.on.aws:443/pypi/tools/simple/",
     "https://corp-111122223333.codeartifact.eu-west-1.on.aws/"),
    ("https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/r/simple/",
     "https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/d/corp-111122223333/"),
])
def test_the_token_scope_is_the_domain(url, scope):
    from shim.providers import codeartifact

    assert codeartifact.scope(url, codeartifact.discover(url, None)) == scope


@pytest.mark.parametrize("line, message", [("duration-seconds = 600", "0 or between 900 and 43200"),
                                           ('domain-owner = "1234"', "12-digit")])
def test_codeartifact_config_is_checked(tmp_path, line, message):
    path = tmp_path / "config.toml"
    path.write_text(f'[[credential]]\nurl = "https://x.example.com/"\nprovider = "codeartifact"\n{line}\n')
    with pytest.raises(ConfigError, match=message) as caught:
        load_file(path)
    assert ":4:" in caught.value.message
