import sys
import time

import pytest

from shim.providers import command, env, uv_config
from shim.providers.base import Context, ProviderError
from shim.indexes import UvIndex

URL = "https://pkgs.example.com/simple/"


def py(code):
    return [sys.executable, "-c", code]


def test_command_printing_a_token_uses_the_configured_username():
    credential = command.fetch(URL, {"command": py("print('tok-123')"), "username": "aws"})
    assert (credential.username, credential.password, credential.expires_at) == ("aws", "tok-123", None)
    assert "tok-123" not in repr(credential)


@pytest.mark.parametrize("expires, epoch", [('"2030-01-01T00:00:00Z"', 1893456000.0), ("1893456000", 1893456000.0)])
def test_command_printing_json(expires, epoch):
    code = f"import json; print(json.dumps({{'username': 'u', 'password': 'p', 'expires_at': {expires}}}))"
    credential = command.fetch(URL, {"command": py(code)})
    assert (credential.username, credential.password, credential.expires_at) == ("u", "p", epoch)


@pytest.mark.parametrize(
    "code, message",
    [
        ("import sys; sys.exit(3)", "exited with status 3"),
        ("print('a'); print('b')", "printed 2 lines"),
        ("print('{\"password\": ')", "JSON output is invalid"),
        ("pass", "printed nothing"),
        ("import sys; sys.stdout.buffer.write(b'\\xff\\xfe')", "not UTF-8"),
    ],
)
def test_command_failures_are_provider_errors_without_the_output(code, message):
    with pytest.raises(ProviderError) as caught:
        command.fetch(URL, {"command": py(code)})
    assert message in caught.value.message
    assert caught.value.fix


def test_command_that_hangs_is_stopped():
    start = time.monotonic()
    with pytest.raises(ProviderError, match="did not finish within 1s"):
        command.fetch(URL, {"command": py("import time; time.sleep(30)"), "timeout": 1})
    assert time.monotonic() - start < 10


def test_missing_command():
    with pytest.raises(ProviderError, match="could not be started"):
        command.fetch(URL, {"command": ["/nonexistent/vault", "read"]})


def test_env_provider(monkeypatch):
    monkeypatch.setenv("CI_JOB_TOKEN", "t0k")
    monkeypatch.setenv("CI_JOB_USER", "gitlab-ci-token")
    credential = env.fetch(URL, {"password-env": "CI_JOB_TOKEN", "username-env": "CI_JOB_USER"})
    assert (credential.username, credential.password) == ("gitlab-ci-token", "t0k")
    monkeypatch.delenv("CI_JOB_TOKEN")
    with pytest.raises(ProviderError, match=r"\$CI_JOB_TOKEN is not set"):
        env.fetch(URL, {"password-env": "CI_JOB_TOKEN"})


def test_uv_config_covers_urls_under_the_index_it_was_given_for_only():
    context = Context(environ={}, uv_indexes=[UvIndex("https://aws:fr%40sh@pkgs.example.com/other/simple/", None,
                                                      "uv.toml")])
    settings = uv_config.discover("https://PKGS.example.com:443/other/simple/demo/", context)
    assert uv_config.fetch(URL, settings).password == "fr@sh"  # percent-decoded once, as uv does
    assert uv_config.scope(URL, settings) == "https://pkgs.example.com:443/other/simple/"
    assert "fr" not in uv_config.describe(settings)
    for other in ("http://pkgs.example.com/other/simple/", "https://pkgs.example.com:8443/other/simple/",
                  "https://pkgs.example.com/pypi/tools/simple/", "https://pkgs.example.com/other/simple-x/",
                  "https://pkgs.example.com/other/simple/../../pypi/", "https://evil.com/pkgs.example.com/simple/"):
        assert uv_config.discover(other, context) is None, other


def test_uv_config_reads_named_index_variables():
    context = Context(environ={"UV_INDEX_CORP_2_PASSWORD": "pw", "UV_INDEX_CORP_2_USERNAME": "me"},
                      uv_indexes=[UvIndex("https://corp.example.com/simple", "corp-2", "uv.toml")])
    settings = uv_config.discover("https://corp.example.com/simple/other/", context)
    credential = uv_config.fetch(URL, settings)
    assert (credential.username, credential.password) == ("me", "pw")
    assert uv_config.discover("https://corp.example.com/other/", context) is None


def test_an_expiry_in_milliseconds_is_read_as_milliseconds():
    import json
    import time

    from shim.providers.command import parse_output

    now = time.time()
    ms = parse_output(json.dumps({"password": "p", "expires_at": int((now + 3600) * 1000)}).encode(), "u")
    assert abs(ms.expires_at - (now + 3600)) < 2
    seconds = parse_output(json.dumps({"password": "p", "expires_at": int(now + 3600)}).encode(), "u")
    assert abs(seconds.expires_at - (now + 3600)) < 2
