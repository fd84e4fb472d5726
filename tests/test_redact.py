from shim.redact import redact_text, redact_url, split_userinfo


def test_redact_url():
    assert redact_url("https://aws:tok@h.example.com/simple/") == "https://aws:***@h.example.com/simple/"
    assert redact_url("https://tok@h.example.com/") == "https://***@h.example.com/"
    assert redact_url("https://h.example.com/") == "https://h.example.com/"
    assert redact_url("https://u:p@ss@h.example.com/") == "https://u:***@h.example.com/"


def test_redact_text_and_split():
    assert redact_text("GET http://a:b@c/d and https://tok@e/f") == "GET http://a:***@c/d and https://***@e/f"
    assert split_userinfo("git+https://u:p@h:8/x?y") == ("git+https://h:8/x?y", "u", "p")
    assert redact_text("see 'https://u:p@ss@h/x' now") == "see 'https://u:***@h/x' now"
    assert redact_text("https://u:a'b\"c@h/") == "https://u:***@h/"


def test_an_unparseable_url_hides_everything_between_scheme_and_last_at():
    # `[` in a password: urlsplit raises "Invalid IPv6 URL"
    url = "https://aws:p[ss@w0rd@pkgs.example.com/simple/"
    assert redact_url(url) == "https://***@pkgs.example.com/simple/"
    assert split_userinfo(url) == ("https://pkgs.example.com/simple/", "aws", "p[ss@w0rd")
    assert "p[ss" not in redact_text(f"cannot reach {url}: refused")
    # U+FF03 (fullwidth #) turns into `#` under NFKC: urlsplit raises, with the netloc in its message
    url = "https://aws:se\uff03cret@pkgs.example.com/simple/"
    assert redact_url(url) == "https://***@pkgs.example.com/simple/"
    try:
        from urllib.parse import urlsplit

        urlsplit(url)
        message = None
    except ValueError as exc:
        message = str(exc)
    if message:  # the text of that error, as an internal error would print it
        assert "se\uff03cret" not in redact_text(message)


def test_every_registered_secret_is_scrubbed_from_any_text():
    from shim.providers.base import Credential

    Credential("aws", "tok/en+with%odd chars")  # what a provider hands out is registered
    text = redact_text("boom: tok/en+with%odd chars and tok%2Fen%2Bwith%25odd%20chars")
    assert "tok" not in text and text.count("***") == 2


def test_provider_commands_are_quoted_with_secret_looking_arguments_hidden():
    from shim.redact import command_line

    assert command_line(["vault", "read", "-field=token", "secret/pypi"]) == "vault read -field=token secret/pypi"
    assert command_line(["get-token", "--password", "hunter2", "--profile=dev"]) == \
        "get-token --password *** --profile=dev"
    assert command_line(["curl", "-H", "Authorization: Bearer x", "--token=abc"]) == "curl -H *** --token=***"
    assert command_line(["sh", "-c", "echo ghp_0123456789abcdefABCDEF"]) == "sh -c ***"
    assert command_line(["print-token", "ghp_0123456789abcdefABCDEF"]) == "print-token ***"
    assert command_line(["/opt/my tools/token"]) == "'/opt/my tools/token'"


def test_provider_commands_never_show_userinfo_or_the_value_of_a_user_flag():
    from shim.redact import command_line

    shown = command_line(["curl", "-sf", "-u", "admin:s3cret", "https://admin:hunter2@art.example/tok",
                          "--user=me:pw", "-p", "Summer24", "https://art.example/token"])
    for secret in ("s3cret", "hunter2", "pw", "Summer24", "admin"):
        assert secret not in shown, shown
    assert shown.endswith("https://art.example/token")
