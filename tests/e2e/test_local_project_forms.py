"""Local projects named the ways people write them: uv builds each with its own
`[tool.uv.sources]`, so a dependency pinned there to a private index is fetched from it, and
the shim must hand that index its credential whichever way the project was named:
`-e .[dev]` (extras after a path), `name@./dir` (PEP 508 needs no spaces around `@`), a
PEP 723 script's `path` source, `--with-requirements` / `uv add -r` files with `-e DIR`, a
`[tool.uv.sources.NAME]` table whose `path` key a formatter aligned (`path     = ...`), and a
path dependency of a workspace with 64 members or more.

Real uv (newest), a real loopback index that needs a password (`corp`, serving corp-utils: a
GitLab package registry whose job token the `gitlab-ci` provider finds in a CI job's
environment, with no uv-shim config, so the launcher's quick check decides too) and a public
one (UV_INDEX_URL, serving rich-lite); local projects are built by an in-tree backend
(tests/support/local_project.py). Each case runs plain uv first: it cannot get corp-utils, so
it fails; through the shim it succeeds with the token.
"""

import pytest

from tests.support.index import PackageIndex
from tests.support.local_project import pinned, sandbox_with_default, write_project

pytestmark = pytest.mark.slow

TOKEN = "local-forms-job-token"
API = "/api/v4"
EXTRAS = '[project.optional-dependencies]\ndev = ["rich-lite"]\n\n'


@pytest.fixture
def corp():
    server = PackageIndex(username="gitlab-ci-token", password=TOKEN)
    server.prefix = API + "/projects/42/packages/pypi"
    server.publish("corp-utils", "1.0")
    yield server
    server.close()


@pytest.fixture
def box(tmp_path, corp, public_index):
    box = sandbox_with_default(tmp_path, public_index)
    box.env.update({"GITLAB_CI": "true", "CI_JOB_TOKEN": TOKEN, "CI_API_V4_URL": corp.origin.rstrip("/") + API})
    url = corp.origin.rstrip("/") + corp.prefix + "/simple/"
    write_project(tmp_path / "pricing", "pricing", "0.2.0", ["corp-utils"], EXTRAS + pinned(url))
    return box


def fetched_with_token(corp) -> bool:
    return corp.served_to(TOKEN, "corp")


def plain_fails_then_shim_fetches(box, corp, *args, cwd):
    plain = box.real(*args, cwd=cwd)
    assert plain.returncode != 0, "plain uv got corp-utils without a credential"
    assert not fetched_with_token(corp)
    done = box.uv(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert fetched_with_token(corp), (done.stderr, corp.requests)


def app(box, sources: str, requires=("pricing",), more: str = "") -> object:
    return write_project(box.root / "app", "app", "1.0", list(requires), EXTRAS + sources + more)


@pytest.mark.parametrize("args", [
    ["pip", "install", "-e", ".[dev]"],
    ["pip", "install", "-e", "../pricing[dev]"],
    ["pip", "install", "../pricing[dev]"],
    ["pip", "install", "pricing@../pricing"],
    ["pip", "install", "pricing[dev]@ file:../pricing"],
])
def test_uv_pip_install_of_a_local_project_named_with_extras_or_without_spaces(box, corp, args):
    """`uv pip install -e .[dev]` (the usual way to install a project for development) builds
    the project and its path dependency `pricing` with their own sources."""
    project = app(box, '[tool.uv.sources]\npricing = { path = "../pricing" }\n\n')
    assert box.real("venv", cwd=project).returncode == 0
    box.env["UV_PYTHON"] = str(project / ".venv" / "bin" / "python")  # never the interpreter the tests run on
    plain_fails_then_shim_fetches(box, corp, *args, cwd=project)


def test_a_path_source_in_a_table_whose_keys_a_formatter_aligned(box, corp):
    """taplo's `align_entries` writes `path     = "..."`: the quick check must not say "no"."""
    project = box.write("app/pyproject.toml", '[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.8"\n'
                        'dependencies = ["pricing"]\n\n[tool.uv.sources.pricing]\npath     = "../pricing"\n'
                        'editable = true\n').parent  # (no build-system: its `backend-path =` would do)
    plain_fails_then_shim_fetches(box, corp, "lock", cwd=project)


def test_a_path_dependency_of_a_workspace_with_many_members(box, corp):
    """The bound on path dependencies followed (64) is not used up by the workspace's members."""
    members = [f"member-{i:02d}" for i in range(70)]
    for name in members:
        box.write(f"app/members/{name}/pyproject.toml",
                  f'[project]\nname = "{name}"\nversion = "1.0"\nrequires-python = ">=3.8"\n')
    app(box, '[tool.uv.sources]\npricing = { path = "../pricing" }\n\n',
        more='[tool.uv.workspace]\nmembers = ["members/*"]\n')
    plain_fails_then_shim_fetches(box, corp, "lock", cwd=box.root / "app")


SCRIPT = ('# /// script\n# requires-python = ">=3.8"\n# dependencies = ["pricing"]\n#\n'
          '# [tool.uv.sources]\n# pricing = { path = "pricing" }\n# ///\nprint("job done")\n')


@pytest.mark.parametrize("args", [["lock", "--script", "job.py"], ["run", "job.py"]])
def test_a_scripts_path_source(box, corp, args):
    """A PEP 723 script's `[tool.uv.sources]` may name a local project (relative to the script)."""
    box.write("job.py", SCRIPT)
    plain_fails_then_shim_fetches(box, corp, *args, cwd=box.root)


@pytest.mark.parametrize("args", [
    ["run", "--no-project", "--with-requirements", "reqs.txt", "python", "-c", "1"],
    ["tool", "install", "rich-lite", "--with-requirements", "reqs.txt"],
])
def test_with_requirements_naming_a_local_project(box, corp, args):
    box.write("reqs.txt", "-e ./pricing\n")  # relative to where uv runs
    plain_fails_then_shim_fetches(box, corp, *args, cwd=box.root)


def test_uv_add_r_naming_a_local_project(box, corp):
    project = app(box, "", requires=())
    box.write("app/reqs.txt", "-e ../pricing\n")
    plain_fails_then_shim_fetches(box, corp, "add", "-r", "reqs.txt", cwd=project)


def test_an_editable_line_naming_a_directory_with_spaces(box, corp):
    """uv reads `-e ./my pricing` to the end of the line (up to ` --hash` or ` # comment`)."""
    url = corp.origin.rstrip("/") + corp.prefix + "/simple/"
    write_project(box.root / "my pricing", "my-pricing", "0.2.0", ["corp-utils"], pinned(url))
    box.write("reqs.txt", "-e ./my pricing  # the team's copy\n")
    plain_fails_then_shim_fetches(box, corp, "run", "--no-project", "--with-requirements", "reqs.txt",
                                  "python", "-c", "1", cwd=box.root)
