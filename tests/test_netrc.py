import os
import subprocess
import sys

from shim import netrc

USER_NETRC = """\
# my netrc
machine corp.example.com login old password stale
machine github.com
  login me
  password "quoted token"
macdef init
cd /pub
bin

default login anonymous password me@example.com
"""


def test_fresh_entries_replace_the_users_for_the_same_host_and_keep_the_rest():
    text = netrc.render(USER_NETRC, {"corp.example.com": ("aws", "fresh")})
    assert "stale" not in text
    assert "machine corp.example.com login aws password fresh" in text
    assert 'machine github.com login me password "quoted token"' in text
    assert "macdef init\ncd /pub\nbin\n" in text
    assert text.rstrip().splitlines()[-1] == "default login anonymous password me@example.com"


def test_netrc_reaches_an_execd_process_without_touching_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text("machine mine.example.com login a password b\n")
    env = dict(os.environ)
    netrc.hand_to_uv({"corp.example.com": ("aws", "fresh")}, env)
    assert env["NETRC"].startswith("/proc/self/fd/")
    # exec, as the launcher does: the child reads the same path
    code = "import os,sys; os.execv('/bin/cat', ['cat', os.environ['NETRC']])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         pass_fds=[int(env["NETRC"].rsplit("/", 1)[1])]).stdout
    assert "machine mine.example.com login a password b" in out
    assert "machine corp.example.com login aws password fresh" in out
    assert list(tmp_path.iterdir()) == [tmp_path / ".netrc"]


def test_off_linux_the_netrc_is_a_private_file_rewritten_each_run(tmp_path, monkeypatch):
    """macOS has no memfd: simulated here by the platform name, the file code path is the real one."""
    monkeypatch.setattr(netrc.sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    env = {}
    netrc.hand_to_uv({"a.example.com": ("u", "one")}, env)
    path = tmp_path / "uv-shim" / "netrc"
    assert env["NETRC"] == str(path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
    netrc.hand_to_uv({"a.example.com": ("u", "two")}, env)
    assert path.read_text() == "machine a.example.com login u password two\n"
