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
