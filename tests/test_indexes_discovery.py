"""Every index uv uses (issue 12, item 5): the shim lists it, the cheap first look does not
say "no" for it, and the sh launcher reaches Python for the command.

What the real uv requests in each of these layouts is checked against a recording index in
tests/e2e/test_discovery_corpus.py; here each rule is pinned down one at a time, with a
CodeArtifact URL (a provider covers it with no configuration) placed only where the rule says
uv still reads it.
"""

import os
import subprocess

import pytest

from shim import indexes, launcher_script
from shim.argv import parse
from shim.quick_check import may_need_credentials

CA = "https://corp-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/{}/simple/"
PLAIN = "https://pypi.example.com/simple/"


@pytest.fixture
def box(tmp_path, monkeypatch):
    for key in ("UV_CONFIG_FILE", "UV_NO_CONFIG", "UV_PROJECT", "UV_WORKING_DIR", "UV_SHIM_CONFIG", "UV_INDEX",
                "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_CONSTRAINT", "UV_OVERRIDE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("UV_SHIM_TEAM_CONFIG", str(tmp_path / "team.toml"))
    (tmp_path / "proj").mkdir()
    monkeypatch.chdir(tmp_path / "proj")
    return tmp_path


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def urls(argv, environ=None):
    parsed = parse(argv)
    environ = dict(os.environ, **(environ or {}))
    found = indexes.in_play(parsed, environ, project=True, pip=parsed.key.startswith("uv__pip"))
    return [i.url for i in found]


def maybe(argv, environ=None):
    return may_need_credentials(parse(argv), dict(os.environ, **(environ or {})))


def project(name, extra=""):
    return f'[project]\nname = "{name}"\nversion = "0.1"\nrequires-python = ">=3.9"\n{extra}'


def index(name, url, explicit=True):
    return f'\n[[tool.uv.index]]\nname = "{name}"\nurl = "{url}"\nexplicit = {str(explicit).lower()}\n'


WORKSPACE = project("root", '\n[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/old"]\n')


def test_an_index_defined_only_in_a_workspace_member(box):
    write(box, "proj/pyproject.toml", WORKSPACE)
    write(box, "proj/packages/core/pyproject.toml", project("core") + index("corp", CA.format("core")))
    write(box, "proj/packages/old/pyproject.toml", project("old") + index("old", CA.format("old")))
    assert urls(["lock"]) == [CA.format("core")]  # the excluded member's index is not read
    assert urls(["--directory", "packages/core", "sync"]) == [CA.format("core")]
    assert maybe(["lock"])


def test_a_members_index_and_the_roots_with_the_same_name_are_both_used(box):
    write(box, "proj/pyproject.toml", WORKSPACE + index("corp", CA.format("root")))
    write(box, "proj/packages/core/pyproject.toml", project("core") + index("corp", CA.format("core")))
    assert urls(["lock"]) == [CA.format("root"), CA.format("core")]


def test_a_pyproject_index_beside_a_uv_toml_still_counts(box):
    write(box, "proj/pyproject.toml", project("app") + index("corp", CA.format("pinned")))
    write(box, "proj/uv.toml", f'index-url = "{PLAIN}"\n')
    assert urls(["lock"]) == [PLAIN, CA.format("pinned")]
    assert urls(["pip", "install", "x"]) == [PLAIN]  # uv pip does not lock the workspace


@pytest.mark.parametrize("argv, environ", [
    (["--no-config", "lock"], {}),
    (["lock"], {"UV_NO_CONFIG": "1"}),
    (["--config-file", "../ci.toml", "lock"], {}),
    (["lock"], {"UV_CONFIG_FILE": "../ci.toml"}),
])
def test_no_config_and_config_file_keep_the_projects_pinned_indexes(box, argv, environ):
    write(box, "proj/pyproject.toml", project("app", f'\n[tool.uv]\nextra-index-url = ["{PLAIN}"]\n')
          + index("corp", CA.format("pinned")))
    write(box, "ci.toml", 'index-url = "https://ci.example.com/simple/"\n')
    write(box, "home/.config/uv/uv.toml", 'index-url = "https://user.example.com/simple/"\n')
    found = urls(argv, environ)
    assert CA.format("pinned") in found and PLAIN not in found  # uv drops the settings, keeps the index
    assert "https://user.example.com/simple/" not in found
    assert ("https://ci.example.com/simple/" in found) == ("ci" in " ".join(argv) + str(environ))


def test_a_relative_config_file_is_read_from_the_directory(box):
    write(box, "elsewhere/ci/uv.toml", f'index-url = "{CA.format("ci")}"\n')
    write(box, "elsewhere/pyproject.toml", project("app"))
    argv = ["--directory", "../elsewhere", "--config-file", "ci/uv.toml", "lock"]
    assert urls(argv) == [CA.format("ci")]
    assert maybe(argv)
    assert urls(["--directory", "../elsewhere", "lock"], {"UV_CONFIG_FILE": "ci/uv.toml"}) == [CA.format("ci")]


@pytest.mark.parametrize("argv", [
    ["pip", "compile", "req.in"],
    ["pip", "sync", "req.in"],
    ["pip", "compile", "other.in", "-c", "req.in"],
    ["pip", "compile", "other.in", "--constraints", "req.in"],
    ["pip", "compile", "other.in", "--overrides", "req.in"],
    ["pip", "install", "x", "-r", "nested.txt"],
    ["--directory", "sub", "pip", "compile", "../req.in"],
])
def test_requirement_files_uv_reads_index_lines_from(box, argv):
    write(box, "proj/req.in", f"--extra-index-url {CA.format('req')}\ncorp-lib\n")
    write(box, "proj/nested.txt", "-c req.in\n")
    write(box, "proj/other.in", "x\n")
    (box / "proj" / "sub").mkdir()
    assert CA.format("req") in urls(argv)
    assert maybe(argv)


def test_constraint_and_override_variables(box):
    write(box, "proj/req.in", f"--extra-index-url {CA.format('req')}\n")
    for variable in ("UV_CONSTRAINT", "UV_OVERRIDE"):
        assert urls(["pip", "compile", "other.in"], {variable: "req.in"}) == [CA.format("req")]
        assert maybe(["pip", "compile", "other.in"], {variable: "req.in"})


def test_a_requirements_index_url_comes_after_the_settings_one(box):
    # uv appends the requirement files' index lines after every setting: a configured
    # index-url stays the default and a file's `-i` is never used (checked on uv 0.13.9).
    write(box, "proj/uv.toml", f'[pip]\nindex-url = "{PLAIN}"\n')
    write(box, "proj/req.txt", f"-i {CA.format('ignored')}\n--extra-index-url {CA.format('extra')}\n")
    assert urls(["pip", "install", "-r", "req.txt"]) == [CA.format("extra"), PLAIN]


SCRIPT = f'''# /// script
# dependencies = ["corp-lib"]
#
# [tool.uv]
# extra-index-url = ["{CA.format("script")}"]
#
# [[tool.uv.index]]
# name = "corp"
# url = "{CA.format("named")}"
# ///
print(1)
'''


@pytest.mark.parametrize("argv", [
    ["run", "s.py"],
    ["run", "--script", "tool"],
    ["run", "-s", "tool", "arg"],
    ["lock", "--script", "s.py"],
    ["add", "--script", "s.py", "corp-lib"],
    ["--directory", "bin", "run", "--script", "tool"],
])
def test_a_pep_723_scripts_inline_indexes(box, argv):
    write(box, "proj/s.py", SCRIPT)
    write(box, "proj/tool", SCRIPT)
    write(box, "proj/bin/tool", SCRIPT)
    found = urls(argv)
    assert CA.format("named") in found and CA.format("script") in found
    assert maybe(argv)


def test_a_script_without_metadata_or_not_a_script_adds_nothing(box):
    write(box, "proj/plain.py", "print(1)\n")
    write(box, "proj/unclosed.py", f'# /// script\n# [tool.uv]\n# index-url = "{CA.format("x")}"\nprint(1)\n')
    assert urls(["run", "plain.py"]) == urls(["run", "unclosed.py"]) == urls(["run", "python", "-c", "1"]) == []


def test_the_command_line_beats_a_scripts_index_url(box):
    write(box, "proj/s.py", SCRIPT.replace("extra-index-url = [", "index-url = ").replace('"]\n#\n', '"\n#\n', 1))
    assert urls(["run", "--index-url", PLAIN, "s.py"])[-1] == PLAIN
    assert CA.format("script") not in urls(["run", "--index-url", PLAIN, "s.py"])


def test_nothing_covered_anywhere_is_still_no(box):
    write(box, "proj/pyproject.toml", project("app") + index("corp", PLAIN))
    write(box, "proj/s.py", "# /// script\n# dependencies = []\n# ///\n")
    write(box, "proj/req.in", "x\n")
    assert not maybe(["lock"])
    assert not maybe(["run", "s.py"])
    assert not maybe(["pip", "compile", "req.in"])


def sources(**pins):
    """`[tool.uv.sources]` with `name = { index = ... }` or `{ path = ... }` (a value with a `/`)."""
    lines = [f'{name} = {{ {"path" if "/" in value or value == "." else "index"} = "{value}" }}'
             for name, value in pins.items()]
    return "\n[tool.uv.sources]\n" + "\n".join(lines) + "\n"


def test_a_path_dependency_brings_the_index_its_own_sources_pin(box):
    """uv locks a path dependency with its own [tool.uv.sources]: `index = NAME` there sends the
    package to NAME of that project's workspace (an index it only defines is not used)."""
    write(box, "proj/pyproject.toml", project("app") + sources(pricing="../libs/pricing"))
    write(box, "libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp", tax="../tax")
          + index("corp", CA.format("pricing")) + index("spare", CA.format("spare"), explicit=False))
    write(box, "libs/tax/pyproject.toml", project("tax") + sources(corp_lib="tax") + index("tax", CA.format("tax")))
    assert urls(["lock"]) == [CA.format("pricing"), CA.format("tax")]  # transitively; not `spare`
    assert maybe(["lock"])


def test_path_dependencies_that_name_each_other_are_followed_once(box):
    write(box, "proj/pyproject.toml", project("app") + sources(a="../a"))
    write(box, "a/pyproject.toml", project("a") + sources(b="../b", x="a") + index("a", CA.format("a")))
    write(box, "b/pyproject.toml", project("b") + sources(a="../a", app="../proj", y="b") + index("b", CA.format("b")))
    assert urls(["lock"]) == [CA.format("a"), CA.format("b")]


def test_a_path_source_that_is_a_file_or_missing_adds_nothing(box):
    write(box, "proj/pyproject.toml", project("app") + sources(wheel="dist/app-1.0-py3-none-any.whl", gone="../gone"))
    write(box, "proj/dist/app-1.0-py3-none-any.whl", "")
    assert urls(["lock"]) == []


@pytest.mark.parametrize("argv", [
    ["pip", "install", "-e", "libs/pricing"],
    ["pip", "install", "--editable=./libs/pricing"],
    ["pip", "install", "./libs/pricing"],
    ["pip", "install", "pricing @ file:///{root}/proj/libs/pricing"],
    ["pip", "compile", "libs/pricing/pyproject.toml"],
    ["pip", "install", "-r", "libs/pricing/setup.cfg"],
    ["pip", "install", "-r", "reqs/local.txt"],
    ["--directory", "reqs", "pip", "install", "-e", "../libs/pricing"],
    ["add", "./libs/pricing"],
    ["run", "--with-editable", "libs/pricing", "python"],
    ["run", "--with", "rich,./libs/pricing", "python"],
    ["pip", "install", "-e", "libs/pricing[dev,cli]"],  # extras after a path
    ["pip", "install", "./libs/pricing[dev]"],
    ["pip", "install", "pricing@./libs/pricing"],  # PEP 508: no spaces needed around `@`
    ["pip", "install", "pricing[dev]@file:///{root}/proj/libs/pricing"],
    ["pip", "install", "-r", "reqs/extras.txt"],
    ["run", "--with-requirements", "reqs/editable.txt", "python"],  # uv takes no index line there, but -e DIR
    ["tool", "install", "rich", "--with-requirements", "reqs/editable.txt"],
    ["add", "-r", "reqs/editable.txt"],
    ["pip", "install", "--group", "libs/pricing/pyproject.toml:dev"],  # a group, lowered with its sources
    ["--directory", "libs/pricing", "pip", "compile", "--group", "dev"],
])
def test_a_local_project_the_command_names_brings_its_pinned_index(box, argv):
    """`uv pip install -e DIR` (and the other ways to name a local project) applies that
    project's own sources; a requirements file's path lines are relative to where uv runs."""
    write(box, "proj/libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    write(box, "proj/libs/pricing/setup.cfg", "")
    write(box, "proj/reqs/local.txt", "-r more.txt\n")
    write(box, "proj/reqs/more.txt", "rich\n./libs/pricing  # relative to the working directory\n")
    write(box, "proj/reqs/extras.txt", "pricing[dev]@./libs/pricing\n")
    write(box, "proj/reqs/editable.txt", "-e libs/pricing[dev]\n")
    argv = [a.replace("{root}", str(box).lstrip("/")) for a in argv]
    assert CA.format("pricing") in urls(argv)
    assert maybe(argv)


def test_the_projects_own_path_dependencies_when_it_is_installed_with_extras(box):
    """`uv pip install -e .[dev]`: the project's path dependencies are followed too."""
    write(box, "proj/pyproject.toml", project("app") + sources(pricing="libs/pricing"))
    write(box, "proj/libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    assert CA.format("pricing") in urls(["pip", "install", "-e", ".[dev]"])


@pytest.mark.parametrize("table", [
    '[tool.uv.sources.pricing]\npath     = "../libs/pricing"\neditable = true\n',  # aligned by a formatter
    '[tool.uv.sources]\npricing = { "path" = "../libs/pricing" }\n',
    '[tool.uv.sources]\npricing.path\t=\t"../libs/pricing"\n',
])
def test_a_path_key_however_it_is_written_sends_to_the_full_check(box, table):
    write(box, "proj/pyproject.toml", project("app") + "\n" + table)
    write(box, "libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    assert urls(["lock"]) == [CA.format("pricing")]
    assert maybe(["lock"])


def test_keys_that_only_end_in_path_are_not_path_sources(box):
    write(box, "proj/pyproject.toml", project("app") + '\n[build-system]\nbackend-path = ["."]\n'
          '\n[tool.pytest.ini_options]\npythonpath = ["src"]\n')
    assert not maybe(["lock"])


PATH_SCRIPT = ('# /// script\n# dependencies = ["pricing"]\n#\n# [tool.uv.sources]\n'
               '# pricing = {{ path = "{}" }}\n# ///\n')


@pytest.mark.parametrize("argv", [["run", "job.py"], ["lock", "--script", "job.py"], ["run", "--script", "job.py"]])
def test_a_scripts_path_source_brings_the_index_its_project_pins(box, argv):
    write(box, "proj/job.py", PATH_SCRIPT.format("libs/pricing"))  # relative to the script
    write(box, "proj/libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    assert urls(argv) == [CA.format("pricing")]
    assert maybe(argv)


def test_the_bound_on_path_dependencies_leaves_the_workspace_members_out(box):
    """A workspace of 70 members still follows its path dependencies (the bound counts those)."""
    write(box, "proj/pyproject.toml", project("app") + sources(pricing="../libs/pricing")
          + '\n[tool.uv.workspace]\nmembers = ["members/*"]\n')
    for i in range(70):
        write(box, f"proj/members/m{i}/pyproject.toml", project(f"m{i}"))
    write(box, "libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    assert urls(["lock"]) == [CA.format("pricing")]


def test_past_the_bound_on_path_dependencies_a_warning_says_what_is_left_out(box, capsys):
    chain = [f"lib{i}" for i in range(indexes.MAX_LOCAL_PROJECTS + 1)]
    write(box, "proj/pyproject.toml", project("app") + sources(lib0="../lib0"))
    for this, after in zip(chain, chain[1:] + [None]):
        last = sources(corp_utils="corp") + index("corp", CA.format("x"))
        pins = sources(**{after: f"../{after}"}) if after else last
        write(box, f"{this}/pyproject.toml", project(this) + pins)
    assert urls(["lock"]) == []
    assert f"{box}/{chain[-1]}" in capsys.readouterr().err


def test_variables_in_a_requirements_file_are_expanded_as_uv_does(box):
    """uv expands `${NAME}` in requirements files (PROJECT_ROOT: the directory it runs in)."""
    write(box, "proj/libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    write(box, "proj/reqs.txt", "--extra-index-url ${CORP_INDEX}\n-e ${PROJECT_ROOT}/libs/pricing\n${NOT_SET}/x\n")
    argv = ["pip", "install", "-r", "reqs.txt"]
    assert urls(argv, {"CORP_INDEX": CA.format("extra")}) == [CA.format("extra"), CA.format("pricing")]
    write(box, "proj/reqs.txt", "--extra-index-url ${CORP_INDEX}\n")
    assert maybe(argv, {"CORP_INDEX": CA.format("extra")})


@pytest.mark.parametrize("line", ["-e ./libs/my pricing", "--editable=libs/my pricing  # the team's copy",
                                  "-e\t./libs/my pricing\t", "./libs/my pricing\t--hash=sha256:00"])
def test_a_requirements_line_naming_a_directory_with_spaces(box, line):
    """uv reads an `-e` (or path) requirement to the end of the line, up to a ` --option` or a
    ` # comment`: `-e ./libs/my pricing` is the project in `libs/my pricing` (real uv 0.13.9
    builds it), not `./libs/my`."""
    write(box, "proj/libs/my pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    write(box, "proj/reqs.txt", line + "\n")
    assert CA.format("pricing") in urls(["pip", "install", "-r", "reqs.txt"])
    assert CA.format("pricing") in urls(["run", "--with-requirements", "reqs.txt", "python"])


@pytest.mark.parametrize("odd", ['tool = "x"\n', "[tool]\nuv = 1\n", '[tool.uv]\nworkspace = "x"\n'])
def test_a_path_dependency_with_an_odd_tool_table_is_no_internal_error(box, odd):
    """Real uv 0.13.9 stops on such a file with its own message ("expected struct Tool"): the
    shim must let uv say so, not stop first with an internal error (AttributeError)."""
    write(box, "proj/pyproject.toml", project("app") + sources(lib="../lib"))
    write(box, "lib/pyproject.toml", odd + project("lib"))
    assert urls(["lock"]) == []


def test_a_local_project_uv_does_not_read_from_there_adds_nothing(box):
    write(box, "proj/reqs/libs/pricing/pyproject.toml", project("pricing") + sources(corp_utils="corp")
          + index("corp", CA.format("pricing")))
    write(box, "proj/reqs/local.txt", "./libs/pricing\n")  # relative to this file: not where uv looks
    write(box, "proj/libs/other/pyproject.toml", project("other"))
    assert urls(["pip", "install", "-r", "reqs/local.txt"]) == []
    assert urls(["pip", "install", "-e", "libs/other", "pricing"]) == []
    assert not maybe(["pip", "install", "-e", "libs/other"])


@pytest.mark.parametrize("argv, goes_to_python", [
    (["pip", "--cert", "ca.pem", "install", "x"], True),
    (["pip", "--cert=ca.pem", "install", "x"], True),
    (["--directory", "d", "pip", "--cert", "ca.pem", "compile", "r.in"], True),
    (["pip", "--cert", "ca.pem", "list"], False),
    (["pip", "--cert", "install", "list"], False),  # `install` is --cert's value: this is `pip list`
    (["--cache-dir", "sync", "cache", "dir"], False),
])
def test_the_launcher_skips_the_values_of_pip_level_options(tmp_path, argv, goes_to_python):
    real = tmp_path / "real-uv"
    python = tmp_path / "python"
    for path, word in ((real, "REAL"), (python, "PYTHON")):
        path.write_text(f"#!/bin/sh\necho {word}\n")
        path.chmod(0o755)
    launcher = tmp_path / "uv"
    launcher.write_text(launcher_script.render(str(real), str(python), "/entry"))
    launcher.chmod(0o755)
    out = subprocess.run(["/bin/sh", str(launcher), *argv], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=30).stdout.strip()
    assert out == ("PYTHON" if goes_to_python else "REAL")
