"""The per-project verdict's pieces that need no uv: what a decision read from the environment,
which of it may be written into a verdict, and when a cached credential stops being fresh.
(The launcher replaying verdicts against real uv: tests/e2e/test_project_verdict.py.)"""

import os

import pytest

from shim import token_cache, verdict
from shim.redact import add_secret


def test_the_recorder_notes_first_reads_not_its_own_writes():
    reads = verdict._Reads()
    environ = verdict._Recorder({"HOME": "/h", "A": "1"}, reads)
    assert environ.get("HOME") == "/h" and "MISSING" not in environ and environ["A"] == "1"
    environ["UV_CREDENTIALS_DIR"] = "/ours"
    assert environ["UV_CREDENTIALS_DIR"] == "/ours"  # written by the decision: not a dependency
    copy = environ.copy()
    assert copy.get("B") is None  # a copy notes into the same record
    environ["A"] = "2"  # read before it was written: the first value stays
    assert reads.values == {"HOME": "/h", "MISSING": None, "A": "1", "B": None}
    assert not reads.listed
    list(copy)
    assert reads.listed  # a listing cannot be replayed variable by variable
    reads.on = False
    environ.get("LATE")
    assert "LATE" not in reads.values


def test_watch_swaps_os_environ_only_while_the_decision_runs(monkeypatch):
    monkeypatch.setenv("VERDICT_TEST_VARIABLE", "x")
    original = os.environ

    def prepare(parsed, args, real):
        assert os.environ is not original
        environ = os.environ.copy()
        environ.get("VERDICT_TEST_VARIABLE")
        os.getenv("VERDICT_TEST_OTHER")
        return args, environ

    args, environ, outcome = verdict.watch(prepare, None, ["sync"], "/real/uv")
    assert os.environ is original and args == ["sync"] and environ["VERDICT_TEST_VARIABLE"] == "x"
    assert outcome.kind == "none"
    assert outcome.reads["VERDICT_TEST_VARIABLE"] == "x" and outcome.reads["VERDICT_TEST_OTHER"] is None


def test_a_decision_that_lists_the_environment_gets_no_verdict():
    def prepare(parsed, args, real):
        return args, dict(os.environ)  # iterates: which variable mattered is unknown

    assert verdict.watch(prepare, None, ["sync"], "/real/uv")[2].kind is None


def test_a_decision_that_changed_argv_or_warned_gets_no_verdict():
    from shim.errors import warn

    assert verdict.watch(lambda p, a, r: (a + ["--x"], os.environ.copy()), None, ["sync"], "/u")[2].kind is None

    def warns(parsed, args, real):
        warn("a provider failed")
        return args, os.environ.copy()

    assert verdict.watch(warns, None, ["sync"], "/u")[2].kind is None


def test_environment_lines_say_set_to_exactly_or_unset():
    lines = verdict._environment_lines({"HOME": "/h", "AWS_PROFILE": None, "EMPTY": "", "SPACED": " a b "})
    assert lines == ["!AWS_PROFILE", "?EMPTY=", "?HOME=/h", "?SPACED= a b "]  # spaces kept: sh reads with IFS=


@pytest.mark.parametrize("values", [
    {"UV_INDEX_MAIN_PASSWORD": "hunter2"},        # a secret by its name
    {"CI_JOB_TOKEN": "abc"},
    {"MY_API_KEY": "abc"},
    {"VSS_NUGET_EXTERNAL_FEED_ENDPOINTS": "{}"},
    {"UV_INDEX": "corp=https://aws:t0k@host/simple"},  # userinfo: the redaction path hides it
    {"SOME_VARIABLE": "registered-secret-4d1"},   # a secret obtained in this run
    {"MULTI": "a\nb"},                            # sh reads the verdict line by line
    {"bad-name": "x"},                            # sh cannot name it
])
def test_a_value_that_cannot_be_written_safely_means_no_verdict(values):
    add_secret("registered-secret-4d1")
    assert verdict._environment_lines(values) is None


def test_secretive_names_that_are_unset_or_empty_are_fine():
    assert verdict._environment_lines({"UV_INDEX_MAIN_PASSWORD": None, "CI_JOB_TOKEN": ""}) == [
        "?CI_JOB_TOKEN=", "!UV_INDEX_MAIN_PASSWORD"]


def test_fresh_until_is_half_life_or_five_minutes_before_expiry():
    assert token_cache.fresh_until({"issued_at": 1000, "expires_at": 1000 + 3600}) == 1000 + 1800
    assert token_cache.fresh_until({"issued_at": 1000, "expires_at": 1000 + 400}) == 1000 + 100
    assert token_cache.fresh_until({"expires_at": 5000}) == 0


def test_links_finds_every_link_on_the_way(tmp_path):
    (tmp_path / "profiles" / "work").mkdir(parents=True)
    (tmp_path / "profiles" / "work" / "uv.toml").write_text("")
    (tmp_path / "profiles" / "current").symlink_to("work")      # a link to a link...
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "uv").symlink_to(tmp_path / "profiles" / "current")
    found = verdict._links(str(tmp_path / "config" / "uv" / "uv.toml"))
    assert found == {str(tmp_path / "config" / "uv"), str(tmp_path / "profiles" / "current")}
    assert verdict._links(str(tmp_path / "profiles" / "work" / "uv.toml")) == set()


def test_remove_spent_forgets_ended_markers_and_spent_stores(tmp_path):
    import subprocess
    import time

    spent, current, busy = (tmp_path / n for n in ("s-spent", "s-current", "s-busy"))
    for store in (spent, current, busy):
        store.mkdir()
        (store / "deadline").touch()
    long_ago = time.time() - verdict.GRACE - 10
    for store in (spent, busy):
        os.utime(store / "deadline", (long_ago, long_ago))
    (spent / "uv-999999999").touch()                     # no such process
    (current / "uv-99999999999999999999").touch()        # no PID can be that large
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (busy / f"uv-{sleeper.pid}").touch()             # a uv that still runs
        marker = current / f"uv-{sleeper.pid}"
        marker.touch()
        past = time.time() - 3600
        os.utime(marker, (past, past))                   # written before that process started: a reused PID
        verdict.remove_spent(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not spent.exists()
    assert sorted(p.name for p in current.iterdir()) == ["deadline"]  # kept (not spent), markers forgotten
    assert busy.exists() and (busy / f"uv-{sleeper.pid}").exists()


def test_directory_variables_count_only_for_a_uv_that_reads_them(monkeypatch, tmp_path):
    from shim import argv, project

    parsed = argv.parse(["sync"])
    environ = {"UV_WORKING_DIRECTORY": str(tmp_path), "UV_PROJECT": "sub"}
    monkeypatch.setattr(project, "real_uv_version", lambda: (0, 9, 0))
    assert project.start_dir(parsed, environ) == os.path.join(os.getcwd(), "sub")  # UV_PROJECT: 0.6.11
    monkeypatch.setattr(project, "real_uv_version", lambda: (0, 6, 10))
    assert project.start_dir(parsed, environ) == os.getcwd()
    monkeypatch.setattr(project, "real_uv_version", lambda: (0, 9, 1))
    assert project.start_dir(parsed, environ) == os.path.join(os.path.realpath(tmp_path), "sub")
