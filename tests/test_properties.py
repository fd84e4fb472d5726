"""Property-based tests: receipt repair, and argv reaching the real uv unchanged."""

import json
import os
import subprocess
import sys

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shim import launcher_script, receipts, toml_text

HOSTS = st.sampled_from(["pkgs.example.com", "127.0.0.1:8080", "corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com"])
USERINFO_CHARS = st.text(alphabet="abcXYZ019-_.~%!$&'()*+,;=:@\\\"\u00e9", min_size=1, max_size=12)
USERINFO = st.one_of(st.just(""), st.just("aws:****@"), USERINFO_CHARS.map(lambda s: f"aws:{s}@"),
                     USERINFO_CHARS.filter(lambda s: ":" not in s).map(lambda s: f"{s}@"))


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://"]))
    path = draw(st.sampled_from(["/simple/", "/pypi/tools/simple", "/", "/a b/simple?x=1#frag"]))
    return f"{scheme}{draw(USERINFO)}{draw(HOSTS)}{path}"


@st.composite
def receipt_texts(draw):
    doc = tomlkit.document()
    tool = tomlkit.table()
    tool["requirements"] = [{"name": "demo-tool"}] + (
        [{"name": "other", "url": draw(urls())}] if draw(st.booleans()) else [])
    tool["entrypoints"] = [{"name": "demo-tool", "install-path": "/home/u/.local/bin/demo-tool"}]
    options = tomlkit.table()
    if draw(st.booleans()):
        options["index-url"] = draw(urls())
    if draw(st.booleans()):
        options["extra-index-url"] = draw(st.lists(urls(), max_size=3))
    if draw(st.booleans()):
        options["index"] = [{"name": f"i{i}", "url": u, "explicit": False}
                            for i, u in enumerate(draw(st.lists(urls(), max_size=2)))]
    tool["options"] = options
    doc["tool"] = tool
    return tomlkit.dumps(doc)


def _expected(node):
    if isinstance(node, str):
        return receipts._strip(node)
    if isinstance(node, dict):
        return {k: _expected(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_expected(v) for v in node]
    return node


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=receipt_texts())
def test_repair_is_idempotent_and_removes_only_credentials(tmp_path, text):
    path = tmp_path / "demo-tool" / "uv-receipt.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    receipts.repair(tmp_path, ["demo-tool"])
    once = path.read_text()
    assert toml_text.parse(once) == _expected(toml_text.parse(text))
    assert "****" not in once and "aws:" not in once
    receipts.repair(tmp_path, ["demo-tool"])
    assert path.read_text() == once


ARGV = st.lists(
    st.one_of(
        st.sampled_from(["tool", "upgrade", "update", "install", "run", "list", "--all", "-i", "--index-url",
                         "-qv", "--", "--help", "-p", "3.11", "--color", "never", "x", "=", "-", "pip"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=ARGV)
def test_pass_through_argv_reaches_uv_unchanged(tmp_path_factory, argv):
    """The "real uv" here is a stand-in that prints the argv it received: the only way to see
    exactly what the shim passes on for arbitrary argv, which the real uv would reject."""
    root = tmp_path_factory.mktemp("argv")
    echo = root / "echo-uv"
    echo.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    echo.chmod(0o755)
    launcher_script.write(root / "shim", str(echo))
    env = {"HOME": str(root), "PATH": "/usr/bin:/bin", "UV_TOOL_DIR": str(root / "tools"),
           "UV_SHIM_HOME": str(root / "shim"), "XDG_CONFIG_HOME": str(root / "config"),
           "UV_SHIM_TEAM_CONFIG": str(root / "none.toml"), "XDG_CONFIG_DIRS": str(root / "xdg")}
    result = subprocess.run([str(root / "shim" / "bin" / "uv"), *argv], env=env, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == argv
    assert sorted(os.listdir(root / "shim")) == ["bin", "real-uv"]  # nothing written beside the launchers
