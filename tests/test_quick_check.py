"""The first look for project commands may say "maybe" too often, but never "no" wrongly."""

import pytest

from shim import config as config_mod
from shim import credentials, indexes
from shim.argv import parse
from shim.providers.base import Context
from shim.quick_check import may_need_credentials

PLAIN = '[project]\nname = "a"\nversion = "0.1"\n\n[tool.uv]\nindex-url = "https://pypi.example.com/simple/"\n'


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("UV_SHIM_TEAM_CONFIG", str(tmp_path / "team.toml"))
    monkeypatch.delenv("UV_SHIM_CONFIG", raising=False)
    (tmp_path / "proj").mkdir()
    monkeypatch.chdir(tmp_path / "proj")
    return tmp_path


def full_check_covers(argv, environ) -> bool:
    parsed = parse(argv)
    found = indexes.in_play(parsed, environ, project=True, pip=parsed.key.startswith("uv__pip"))
    needs = [credentials.Need(i.url, i.name, (), i.place) for i in found]
    context = Context(dict(environ), indexes.every_user_index(parsed, environ))
    return bool(credentials.plan(needs, config_mod.load(), context))


@pytest.mark.parametrize(
    "pyproject, argv, extra_env, uv_toml, covered",
    [
        (PLAIN, ["sync"], {}, "", False),
        # A URL with its own credential is left to uv: nothing to supply, but "maybe" is fine.
        (PLAIN.replace("https://", "https://aws:tok@"), ["sync"], {}, "", False),
        (PLAIN.replace("pypi.example.com", "corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com"), ["lock"], {},
         "", True),
        # A credential in the user's uv.toml covers its own URL prefix, not the whole host.
        (PLAIN, ["sync"], {}, 'extra-index-url = ["https://aws:fresh@pypi.example.com/other/"]\n', False),
        (PLAIN, ["sync"], {}, 'extra-index-url = ["https://aws:fresh@pypi.example.com/simple/"]\n', True),
        (PLAIN + '\n[[tool.uv.index]]\nname = "corp"\nurl = "https://corp.example.com/simple/"\n', ["sync"],
         {"UV_INDEX_CORP_PASSWORD": "x"}, "", False),
        (PLAIN, ["pip", "install", "-r", "req.txt"], {}, "", False),
        (PLAIN, ["run", "--index-url", "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/r/"
                 "simple/", "x"], {}, "", True),
    ],
)
def test_no_means_nothing_is_covered(env, monkeypatch, pyproject, argv, extra_env, uv_toml, covered):
    import os

    (env / "proj" / "pyproject.toml").write_text(pyproject)
    (env / "proj" / "req.txt").write_text("--index-url https://aws:t@pkgs.example.com/simple/\nx\n")
    if uv_toml:
        (env / "home" / ".config" / "uv").mkdir(parents=True)
        (env / "home" / ".config" / "uv" / "uv.toml").write_text(uv_toml)
    for key, value in extra_env.items():
        monkeypatch.setenv(key, value)
    quick = may_need_credentials(parse(argv), dict(os.environ))
    assert full_check_covers(argv, dict(os.environ)) == covered
    assert quick or not covered  # "no" only when the full check finds nothing
    if pyproject == PLAIN and argv == ["sync"] and not uv_toml and not extra_env:
        assert not quick  # and the plain case really is cheap


def test_a_shim_config_always_means_maybe(env, monkeypatch):
    (env / "proj" / "pyproject.toml").write_text(PLAIN)
    config = env / "home" / ".config" / "uv-shim" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("")
    assert may_need_credentials(parse(["sync"]), {"HOME": str(env / "home")})
