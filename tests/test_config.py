import pytest

from shim import config
from shim.errors import ConfigError


@pytest.fixture
def files(tmp_path, monkeypatch):
    user = tmp_path / "user.toml"
    team = tmp_path / "team.toml"
    monkeypatch.setenv("UV_SHIM_CONFIG", str(user))
    monkeypatch.setenv("UV_SHIM_TEAM_CONFIG", str(team))
    return user, team


def test_longest_prefix_wins_and_user_beats_team_on_equal_prefix(files):
    user, team = files
    team.write_text('[[credential]]\nurl = "https://pkgs.example.com/"\nprovider = "env"\npassword-env = "TEAM"\n'
                    '[[credential]]\nurl = "https://pkgs.example.com/simple/"\nprovider = "env"\npassword-env = "DEEP"\n')
    user.write_text('[[credential]]\nurl = "https://PKGS.example.com"\nprovider = "env"\npassword-env = "MINE"\n')
    loaded = config.load()
    assert loaded.rule_for("https://pkgs.example.com/other/").settings == {"password-env": "MINE"}
    assert loaded.rule_for("https://pkgs.example.com/simple/x/").settings == {"password-env": "DEEP"}
    assert loaded.rule_for("https://pkgs.example.com.evil.com/simple/") is None
    assert loaded.rule_for("http://pkgs.example.com/simple/") is None


@pytest.mark.parametrize(
    "text, where",
    [
        ('[[credential]]\nurl = "https://x/"\nprovider = "command"\ncommand = []\n', ":4: `command` must be a list"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "command"\ncommand = "vault read"\n', ":4: `command` must be"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "magic"\n', ":3: unknown provider 'magic'"),
        ('[[credential]]\nurl = "pkgs.example.com/simple"\nprovider = "env"\npassword-env = "X"\n', ":2: url"),
        ('[[credential]]\nurl = "https://u:secret@x/"\nprovider = "env"\npassword-env = "X"\n', ":2: url must not"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "env"\npasword-env = "X"\n', ":4: unknown key `pasword-env`"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "env"\n', ":1: provider env needs `password-env`"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "command"\ncommand = ["x"]\ntimeout = "5"\n', ":5: `timeout`"),
        ('[[credential]]\nurl = "https://x/"\nprovider = "uv-config"\n', ":3: unknown provider"),
        ('[[credential]\nurl = "https://x/"\n', "invalid TOML"),
        ('credential = "x"\n', "array of tables"),
        ('[other]\n', "unknown top-level key `other`"),
    ],
)
def test_bad_config_is_one_error_with_file_line_and_key(files, text, where):
    user, _ = files
    user.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load()
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(str(user))
    assert where in caught.value.message
    assert "secret" not in caught.value.message


def test_no_config_files_is_an_empty_config(files):
    assert config.load().rules == []


def test_prefixes_are_matched_as_uv_reads_the_url(files):
    """`..` (also percent-encoded) is resolved and ports are compared with defaults made explicit,
    so a project URL cannot climb out of a `[[credential]]` prefix."""
    user, _ = files
    user.write_text('[[credential]]\nurl = "https://pkgs.example.com/corp/"\nprovider = "env"\npassword-env = "T"\n')
    loaded = config.load()
    assert loaded.rule_for("https://pkgs.example.com:443/corp/simple/")
    assert loaded.rule_for("https://pkgs.example.com/other/../corp/simple/")
    for outside in ("https://pkgs.example.com/corp/../other/simple/", "https://pkgs.example.com/corp/%2e%2e/other/",
                    "https://pkgs.example.com/corporate/", "https://pkgs.example.com:8443/corp/"):
        assert loaded.rule_for(outside) is None, outside


def test_plain_http_to_another_host_must_be_accepted_explicitly(files):
    user, _ = files
    rule = '[[credential]]\nurl = "http://pkgs.example.com/simple/"\nprovider = "env"\npassword-env = "T"\n'
    user.write_text(rule)
    with pytest.raises(ConfigError, match="clear text.*insecure-http = true"):
        config.load()
    user.write_text(rule + "insecure-http = true\n")
    assert config.load().rule_for("http://pkgs.example.com/simple/x/")
    user.write_text(rule.replace("pkgs.example.com", "127.0.0.1:8080"))  # loopback needs no opt-in
    assert config.load().rule_for("http://127.0.0.1:8080/simple/")
