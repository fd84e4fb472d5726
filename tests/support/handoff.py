"""Shared set-up for the hand-off attack suite (tests/e2e/test_handoff_*.py).

Each attack runs twice: through the shim (`via="shim"`) with the credential coming from a
uv-shim provider, and with plain uv (`via="plain-uv"`) with the same credential given the way a
user without the shim gives it (in the index URL of uv.toml, or `uv auth login`), as the baseline.
"""

from __future__ import annotations

from .sandbox import BASE_PYTHON, Sandbox

VIA = ["shim", "plain-uv"]


def make_box(tmp_path, version) -> Sandbox:
    box = Sandbox(tmp_path, version)
    box.env["UV_PYTHON"] = BASE_PYTHON
    return box


def command_credential(box, url: str, token: str, username: str = "aws") -> str:
    """A `[[credential]]` entry: a command provider printing `token` for the prefix `url`."""
    return f'[[credential]]\nurl = "{url}"\nprovider = "command"\nusername = "{username}"\n{box.token_command(token)}\n'


def run(box, via: str, *args, **kwargs):
    """`uv ARGS` through the shim or straight to the real uv."""
    return box.uv(*args, **kwargs) if via == "shim" else box.real(*args, **kwargs)


def project(box, pyproject: str, name: str = "proj"):
    """Write a project (as cloned from someone else) and return its directory."""
    box.write(f"{name}/pyproject.toml", pyproject)
    return box.root / name


def pyproject(dependencies, indexes=(), sources=None, extra="") -> str:
    """A pyproject.toml: `indexes` are (name, url, explicit) for [[tool.uv.index]]."""
    deps = ", ".join(f'"{d}"' for d in dependencies)
    text = (f'[project]\nname = "victim-app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
            f"dependencies = [{deps}]\n\n[tool.uv]\npackage = false\n{extra}")
    for name, url, explicit in indexes:
        text += f'\n[[tool.uv.index]]\nname = "{name}"\nurl = "{url}"\n' + ("explicit = true\n" if explicit else "")
    if sources:
        text += "\n[tool.uv.sources]\n" + "".join(f'{k} = {{ {v} }}\n' for k, v in sources.items())
    return text


def uv_auth_login(box, url: str, username: str, password: str):
    """Store a credential with plain uv's own `uv auth login` (uv 0.8.15 and later)."""
    result = box.real("auth", "login", url, "--username", username, "--password", "-", input=password + "\n")
    assert result.returncode == 0, result.stderr
    return result
