"""The launcher's per-project verdict (issue 12, item 4): `uv run CMD`, `uv sync` and `uv lock`
in a project whose indexes need no credential exec the real uv without starting Python,
and any change that could make the project need one sends the next command to Python,
which hands the right credential over.

Real uv (newest), real loopback indexes: `public` (no credential) and `private` (a
password); both serve `corp-lib`. The launcher's Python is a stand-in script that notes
each start in a file and then runs the real interpreter (no strace needed).
"""

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from shim import launcher_script
from tests.support.index import PackageIndex
from tests.support.sandbox import BASE_PYTHON, Sandbox
from tests.support.uvbins import NEWEST

pytestmark = pytest.mark.slow

TOKEN = "verdict-token-5a1"


@pytest.fixture
def indexes():
    public, private = PackageIndex(password=None), PackageIndex(password=TOKEN)
    for index in (public, private):
        index.publish("corp-lib", "1.0")
    yield public, private
    public.close()
    private.close()


class Box:
    def __init__(self, tmp_path, public, private):
        self.sandbox = box = Sandbox(tmp_path, NEWEST)
        self.public, self.private = public, private
        self.starts = tmp_path / "python-starts"
        self.starts.touch()  # now: appending to it later leaves its directory (the project's parent) as it is
        stand_in = box.write("stand-in-python", f'#!/bin/sh\necho started >> "{self.starts}"\n'
                                                f'exec "{sys.executable}" "$@"\n')
        stand_in.chmod(0o755)
        box.shim.write_text(launcher_script.render(str(box.real_uv), str(stand_in),
                                                   launcher_script.entry_script("uv-shim-uv")))
        box.env["UV_PYTHON"] = BASE_PYTHON
        self.project = tmp_path / "proj"
        token = box.write("secrets/token", TOKEN + "\n")
        self.covering = f'[[credential]]\nurl = "{private.origin}"\nprovider = "command"\nusername = "aws"\ncommand = ["cat", "{token}"]\n'
        self.elsewhere = self.covering.replace(f"{private.origin}", "https://elsewhere.example/simple/")

    def pyproject(self, index_url=None, named=None):
        text = ('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n'
                'dependencies = ["corp-lib"]\n\n[tool.uv]\npackage = false\n')
        if index_url:
            text += f'\n[[tool.uv.index]]\nname = "{named or "main"}"\nurl = "{index_url}"\n'
            text += f'\n[tool.uv.sources]\ncorp-lib = {{ index = "{named}" }}\n' if named else ""
        return self.sandbox.write("proj/pyproject.toml", text)

    def uv(self, *args, env=None):
        return self.sandbox.uv("--directory", self.project, *args, env=env)

    def python_starts(self) -> int:
        return len(self.starts.read_text().splitlines()) if self.starts.exists() else 0

    def age(self):
        """Everything written so far is older than the verdict will be (it ignores files
        changed in the two seconds before a decision); uv-shim's own verdicts and stores keep
        their times (a store's deadline is in the future)."""
        past = time.time() - 30
        own = self.sandbox.home / ".cache" / "uv-shim"
        for top in (self.sandbox.root,):
            for directory, dirs, files in os.walk(top):
                if Path(directory) == own:
                    dirs[:] = [d for d in dirs if d not in ("stores", "verdicts")]
                for name in dirs + files:
                    path = Path(directory, name)
                    if not path.is_symlink():
                        os.utime(path, (past, past))
            os.utime(top, (past, past))

    def settled(self):
        """Sync, then check the verdict is written and the next command starts no Python."""
        done = self.uv("sync")
        assert done.returncode == 0, done.stderr
        self.age()
        first = self.uv("lock")
        assert first.returncode == 0, first.stderr
        before = self.python_starts()
        second = self.uv("lock")
        assert second.returncode == 0, second.stderr
        assert self.python_starts() == before, "the verdict did not let the launcher exec uv"

    def uninstall(self):
        """Remove corp-lib from the environment (not a watched file): the next sync downloads it."""
        for site in self.project.glob(".venv/lib/*/site-packages"):
            for path in site.glob("corp_lib*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def synced_with_credential(self, env=None, args=()):
        before, seen = self.python_starts(), len(self.private.requests)
        done = self.uv("sync", *args, env=env)
        assert self.python_starts() > before, "the launcher used a stale verdict"
        assert done.returncode == 0, done.stderr
        assert any(status == 200 and auth for _, status, auth in self.private.requests[seen:])


@pytest.fixture
def box(tmp_path, indexes):
    return Box(tmp_path, *indexes)


def test_fast_path_starts_no_python_for_run_sync_and_lock(box):
    box.sandbox.shim_config(box.covering)  # a config for another index: the full check runs first
    box.pyproject(box.public.url)
    box.settled()
    before = box.python_starts()
    for args in (("run", "python", "-c", "print('hi')"), ("sync",), ("lock",)):
        done = box.uv(*args)
        assert done.returncode == 0, done.stderr
    assert box.python_starts() == before
    assert box.private.requests == []
    assert box.uv("run", "--frozen", "python", "-c", "1").returncode == 0  # any other option: Python
    assert box.python_starts() == before + 1


def test_editing_pyproject_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    box.settled()
    box.pyproject(box.private.url)
    box.synced_with_credential()


def test_editing_the_projects_uv_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject()
    box.sandbox.write("proj/uv.toml", f'index-url = "{box.public.url}"\n')
    box.settled()
    box.sandbox.write("proj/uv.toml", f'index-url = "{box.private.url}"\n')
    box.synced_with_credential()


def test_editing_the_user_uv_toml(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject()
    box.sandbox.uv_toml(f'index-url = "{box.public.url}"\n')
    box.settled()
    box.sandbox.uv_toml(f'index-url = "{box.private.url}"\n')
    box.synced_with_credential()


@pytest.mark.parametrize("how", ["edited", "created"])
def test_the_shim_config(box, how):
    box.pyproject(box.private.url)
    if how == "edited":
        box.sandbox.shim_config(box.elsewhere)
    direct = box.sandbox.real("--directory", box.project, "sync",
                              env={"UV_INDEX_MAIN_USERNAME": "aws", "UV_INDEX_MAIN_PASSWORD": TOKEN})
    assert direct.returncode == 0, direct.stderr
    box.age()
    box.uv("lock")
    before = box.python_starts()
    assert box.uv("lock").returncode == 0 and box.python_starts() == before  # uncovered: the fast path
    box.sandbox.shim_config(box.covering)
    box.uninstall()
    box.synced_with_credential()


@pytest.mark.parametrize("via", ["UV_INDEX", "--index"])
def test_an_index_from_the_environment_or_the_command_line(box, via):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url, named="corp")
    box.settled()
    value = f"corp={box.private.url}"
    if via == "UV_INDEX":
        box.synced_with_credential(env={"UV_INDEX": value})
    else:
        box.synced_with_credential(args=("--index", value))


def test_a_covered_project_never_gets_a_verdict(box):
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.private.url)
    box.age()
    for _ in range(3):
        before = box.python_starts()
        assert box.uv("sync").returncode == 0
        assert box.python_starts() == before + 1


def test_a_project_path_that_becomes_a_link_to_another_project(box, tmp_path):
    """`current -> release-2`: an older tree with older files, now at the verdict's path."""
    box.sandbox.shim_config(box.covering)
    other = tmp_path / "release-2"
    other.mkdir()
    box.pyproject(box.private.url)
    (box.project / "pyproject.toml").rename(other / "pyproject.toml")
    box.pyproject(box.public.url)
    box.settled()
    box.project.rename(tmp_path / "release-1")
    box.project.symlink_to(other)
    box.synced_with_credential()


def test_a_path_dependency_that_starts_pinning_a_private_index(box):
    """uv locks a path dependency (not a workspace member) with its own `[tool.uv.sources]`: when
    its pyproject.toml starts pinning a package to a covered index, the next lock must go to
    Python and hand the credential over (before, the shim never read that file: 401)."""
    box.sandbox.shim_config(box.covering)
    box.private.publish("corp-utils", "1.0")
    box.pyproject(box.public.url)
    text = (box.project / "pyproject.toml").read_text().replace(
        'dependencies = ["corp-lib"]', 'dependencies = ["corp-lib", "pricing"]')
    box.sandbox.write("proj/pyproject.toml", text + '\n[tool.uv.sources]\npricing = { path = "../libs/pricing" }\n')
    library = ('[project]\nname = "pricing"\nversion = "0.2.0"\nrequires-python = ">=3.8"\ndependencies = []\n\n'
               '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n')
    box.sandbox.write("libs/pricing/pyproject.toml", library)
    for _ in range(2):  # locked, then (everything older than the verdict) a verdict written
        first = box.uv("lock")
        assert first.returncode == 0, first.stderr
        box.age()
    settled = box.python_starts()
    assert box.uv("lock").returncode == 0 and box.python_starts() == settled  # the verdict: no credential
    box.sandbox.write("libs/pricing/pyproject.toml", library.replace("dependencies = []", 'dependencies = ["corp-utils"]')
                      + f'\n[tool.uv.sources]\ncorp-utils = {{ index = "corp" }}\n\n'
                        f'[[tool.uv.index]]\nname = "corp"\nurl = "{box.private.url}"\nexplicit = true\n')
    plain = box.sandbox.real("--directory", box.project, "lock", "--dry-run")
    assert plain.returncode != 0, plain.stderr  # plain uv, no credential: corp-utils cannot be had
    seen = len(box.private.requests)
    done = box.uv("lock")
    assert done.returncode == 0, done.stderr
    assert box.python_starts() > settled, "the launcher used a stale verdict"
    assert any(status == 200 and auth for path, status, auth in box.private.requests[seen:] if "corp-utils" in path)


# ---- covered projects: the store verdict ------------------------------------------------------------

class Covered:
    """A project whose index the `command` provider covers with a JSON `expires_at` (cached)."""

    def __init__(self, box, lifetime=3600):
        self.box = box
        sandbox = box.sandbox
        self.calls = sandbox.root / "provider-calls"
        self.token_file = sandbox.write("secrets/token", TOKEN + "\n")
        self.lifetime = lifetime
        script = sandbox.write("bin-extra/token-json", f"""#!/bin/sh
echo call >> "{self.calls}"
t=$(cat "{self.token_file}")
exp=$(( $(date +%s) + {lifetime} ))
printf '{{"username": "aws", "password": "%s", "expires_at": %s}}\\n' "$t" "$exp"
""")
        script.chmod(0o755)
        self.config = (f'[[credential]]\nurl = "{box.private.origin}"\nprovider = "command"\n'
                       f'command = ["{script}"]\n')
        sandbox.shim_config(self.config)
        box.pyproject(box.private.url)

    def provider_calls(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0

    def settle(self):
        """Sync (the provider runs), age everything, then one command through Python writes the verdict."""
        box = self.box
        done = box.uv("sync")
        assert done.returncode == 0, done.stderr
        box.age()
        written = box.uv("lock")
        assert written.returncode == 0, written.stderr
        assert self.verdict().split("\n", 1)[0].split()[-1] == "store"

    def verdict(self) -> str:
        found = list((self.box.sandbox.home / ".cache/uv-shim/verdicts").rglob("@verdict"))
        return found[0].read_text() if found else ""

    def store(self) -> Path:
        line = next(x for x in self.verdict().splitlines() if x.startswith("@"))
        return Path(line[1:])

    def sync_fetches_with_credential(self, fast: bool):
        """Remove corp-lib, sync: the private index must serve it to the handed-over credential."""
        box = self.box
        box.uninstall()
        before, seen = box.python_starts(), len(box.private.requests)
        done = box.uv("sync")
        assert done.returncode == 0, done.stderr
        assert (box.python_starts() == before) is fast, "fast path expected" if fast else "Python expected"
        assert any(status == 200 and auth for _, status, auth in box.private.requests[seen:])
        return done


@pytest.fixture
def covered(box):
    return Covered(box)


def test_covered_project_settles_without_python_and_without_requests(covered):
    box = covered.box
    covered.settle()
    before, seen = box.python_starts(), len(box.private.requests)
    for args in (("run", "python", "-c", "print('hi')"), ("sync",), ("lock",)) * 2:
        done = box.uv(*args)
        assert done.returncode == 0, done.stderr
    assert box.python_starts() == before, "a covered project with a cached credential still started Python"
    assert box.private.requests[seen:] == [], "a synced project made requests of its own"
    assert covered.provider_calls() == 1


def test_the_fast_path_hands_the_credential_to_uv_through_the_store(covered):
    box = covered.box
    covered.settle()
    covered.sync_fetches_with_credential(fast=True)
    store = covered.store()
    assert oct(store.stat().st_mode & 0o777) == "0o700"
    assert oct((store / "credentials.toml").stat().st_mode & 0o777) == "0o600"
    assert TOKEN not in covered.verdict()
    # what a program started by `uv run` sees: the directory, never the token
    shown = box.uv("run", "python", "-c", "import os; print(sorted(os.environ.items()))")
    assert shown.returncode == 0, shown.stderr
    assert TOKEN not in shown.stdout and f"'UV_CREDENTIALS_DIR', '{store}'" in shown.stdout


def test_a_store_past_its_deadline_goes_to_python_which_writes_a_new_one(covered):
    box = covered.box
    covered.settle()
    old = covered.store()
    past = time.time() - 10
    os.utime(old / "deadline", (past, past))  # time travel: the token cache's refresh time has come
    covered.sync_fetches_with_credential(fast=False)
    box.age()
    assert box.uv("lock").returncode == 0
    assert covered.store() != old
    covered.sync_fetches_with_credential(fast=True)


def test_editing_the_shim_config_of_a_covered_project(covered):
    """The index now takes another token, from another command: the next sync must use it."""
    box = covered.box
    covered.settle()
    box.private.rotate("other-token-9c2")
    other = box.sandbox.write("bin-extra/other-json", "#!/bin/sh\n"
                              "echo '{\"username\": \"aws\", \"password\": \"other-token-9c2\", \"expires_at\": 4102444800}'\n")
    other.chmod(0o755)
    box.sandbox.shim_config(covered.config.replace(str(box.sandbox.root / "bin-extra/token-json"), str(other)))
    covered.sync_fetches_with_credential(fast=False)


@pytest.mark.parametrize("change", ["user uv.toml", "project uv.toml", "pyproject.toml"])
def test_a_covered_project_whose_settings_change_goes_to_python(covered, change):
    box = covered.box
    covered.settle()
    if change == "user uv.toml":
        box.sandbox.uv_toml("# edited\n")
    elif change == "project uv.toml":
        box.sandbox.write("proj/uv.toml", "# new\n")
    else:
        box.pyproject(box.private.url)  # the same text, written again
    covered.sync_fetches_with_credential(fast=False)


def test_a_variable_the_decision_read_changes(covered):
    box = covered.box
    covered.settle()
    read = [x[1:].split("=", 1)[0] for x in covered.verdict().splitlines() if x[:1] in "?!"]
    assert "XDG_CACHE_HOME" in read and "UV_CREDENTIALS_DIR" in read, read
    before = box.python_starts()
    assert box.uv("lock", env={"UV_CREDENTIALS_DIR": str(box.sandbox.root / "elsewhere")}).returncode == 0
    assert box.python_starts() == before + 1


def test_uv_auth_writing_into_the_store_sends_the_next_command_to_python(covered):
    box = covered.box
    covered.settle()
    store = covered.store()
    with open(store / "credentials.toml", "a") as handle:  # what `uv auth login` in a `uv run` program does
        handle.write("\n")
    covered.sync_fetches_with_credential(fast=False)


def test_another_real_uv_goes_to_python(covered, tmp_path):
    box = covered.box
    covered.settle()
    other = tmp_path / "other-uv"
    other.symlink_to(box.sandbox.real_uv)
    before = box.python_starts()
    assert box.uv("lock", env={"UV_SHIM_REAL_UV": str(other)}).returncode == 0
    assert box.python_starts() == before + 1


def test_credentials_clear_forgets_the_stores(covered):
    box = covered.box
    covered.settle()
    store = covered.store()
    cleared = box.sandbox.run([box.sandbox.shim_home / "bin" / "uv-shim", "credentials", "--clear"])
    assert cleared.returncode == 0, cleared.stderr
    assert not store.exists()
    covered.sync_fetches_with_credential(fast=False)


def test_a_credential_the_cache_does_not_keep_gets_no_store_verdict(box):
    """A command provider with no expiry runs every time: nothing may replay its credential."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.private.url)
    assert box.uv("sync").returncode == 0
    box.age()
    assert box.uv("lock").returncode == 0
    assert not list((box.sandbox.home / ".cache/uv-shim/verdicts").rglob("@verdict"))


@pytest.mark.parametrize("name", ["dir", "cmd", "v", "line", "arg"])
def test_a_variable_the_user_exported_reaches_the_program_unchanged(box, name):
    """The launcher's own sh variables once had these names: plain uv passes them on untouched."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.public.url)
    box.settled()
    script = f"import os; print(os.environ.get({name!r}))"
    plain = box.sandbox.real("--directory", box.project, "run", "python", "-c", script, env={name: "mine"})
    shimmed = box.uv("run", "python", "-c", script, env={name: "mine"})
    assert plain.stdout == shimmed.stdout == "mine\n", (plain.stdout, shimmed.stdout)


SHELLS = {"dash": ["dash"], "bash": ["bash", "--posix"], "zsh": ["zsh", "--emulate", "sh"]}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_the_store_verdict_in_each_sh(covered, shell):
    """The launcher is /bin/sh: dash on Debian, bash on macOS and many distributions, zsh where chosen."""
    argv = SHELLS[shell]
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    box = covered.box
    covered.settle()
    box.uninstall()
    before, seen = box.python_starts(), len(box.private.requests)
    done = box.sandbox.run([*argv, box.sandbox.shim, "--directory", box.project, "sync"])
    assert done.returncode == 0 and done.stderr.count("uv-shim") == 0, done.stderr
    assert box.python_starts() == before
    assert any(status == 200 and auth for _, status, auth in box.private.requests[seen:])
    os.utime(covered.store() / "deadline", (1, 1))  # past its deadline: each shell goes to Python
    assert box.sandbox.run([*argv, box.sandbox.shim, "--directory", box.project, "lock"]).returncode == 0
    assert box.python_starts() == before + 1


def test_a_secret_the_decision_read_is_never_written_into_a_verdict(box):
    """`UV_INDEX_MAIN_PASSWORD` given by the user: uv uses it; no verdict may hold it (none is written)."""
    box.sandbox.shim_config(box.covering)
    box.pyproject(box.private.url)
    env = {"UV_INDEX_MAIN_USERNAME": "aws", "UV_INDEX_MAIN_PASSWORD": TOKEN}
    assert box.uv("sync", env=env).returncode == 0
    box.age()
    for _ in range(2):
        assert box.uv("lock", env=env).returncode == 0
    cache = box.sandbox.home / ".cache"
    assert not list(cache.rglob("@verdict"))
    assert not any(TOKEN in p.read_text(errors="replace") for p in cache.rglob("*") if p.is_file()
                   and "verdicts" in str(p))


def test_spent_stores_are_removed_once_no_uv_uses_them(covered):
    box = covered.box
    covered.settle()
    box.age()
    old = covered.store()
    (old / "uv-999999999").touch()  # a uv that has ended (no such PID)
    os.utime(old / "deadline", (1, 1))
    live = old.parent / "s-live"
    live.mkdir()
    (live / "deadline").touch()
    os.utime(live / "deadline", (1, 1))
    (live / f"uv-{os.getpid()}").touch()  # a uv that still runs (this test's own PID)
    assert box.uv("lock").returncode == 0  # Python: writes a new store, removes the spent one
    assert not old.exists() and live.exists() and covered.store() != old


def test_a_real_uv_that_is_a_wrapper_script_gets_no_store_verdict(box, tmp_path):
    """asdf, mise, pyenv-style shims may run another uv in every directory (one older than
    0.8.15 ignores the store): the credential goes through Python each time, and works."""
    wrapper = tmp_path / "wrapper-uv"
    wrapper.write_text(f'#!/bin/sh\nexec "{box.sandbox.real_uv}" "$@"\n')
    wrapper.chmod(0o755)
    box.sandbox.env["UV_SHIM_REAL_UV"] = str(wrapper)
    covered = Covered(box)
    assert box.uv("sync").returncode == 0
    box.age()
    assert box.uv("lock").returncode == 0
    assert covered.verdict() == ""
    covered.sync_fetches_with_credential(fast=False)
