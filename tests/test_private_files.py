"""private_files: directories nobody else can change, temp files nobody can guess or
pre-create, reads that check the very file they read. The second user is real (useradd)."""

import errno
import os
import stat

import pytest

from shim import atomic, private_files
from shim.errors import ShimError
from tests.support.neighbour import neighbour, open_tmp  # noqa: F401 (fixtures)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_made_0700_with_0700_parents(tmp_path):
    made = private_files.private_dir(tmp_path / "a" / "b" / "uv-shim", "the token cache")
    assert made == tmp_path / "a" / "b" / "uv-shim"
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", made)] == [0o700] * 3


def test_a_symlinked_directory_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "uv-shim").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ShimError, match="is a symlink; refusing") as caught:
        private_files.private_dir(tmp_path / "uv-shim", "the token cache")
    assert "rm -r" in caught.value.fix


def test_a_directory_of_another_user_is_refused(open_tmp, neighbour):
    neighbour.sh('mkdir -m 700 "$1"', open_tmp / "uv-shim")
    with pytest.raises(ShimError, match=f"belongs to another user \\(uid {neighbour.uid}\\)"):
        private_files.private_dir(open_tmp / "uv-shim", "the token cache")


def test_an_own_directory_others_can_write_is_emptied_and_made_again_not_chmodded(open_tmp, neighbour, capsys):
    target = open_tmp / "uv-shim"
    target.mkdir()
    target.chmod(0o777)
    old = os.open(target, os.O_RDONLY)
    # The neighbour plants a file and keeps a hard link to it in a directory of its own.
    keep = open_tmp / "neighbour"
    neighbour.sh('mkdir -m 700 "$1" && : > "$2" && chmod 666 "$2" && ln "$2" "$1/kept"', keep, target / "x.json")
    made = private_files.private_dir(target, "the token cache")
    assert mode(made) == 0o700 and os.listdir(made) == []
    assert os.fstat(old).st_nlink == 0 and stat.S_IMODE(os.fstat(old).st_mode) == 0o777
    os.close(old)  # (the old directory is gone: a new one, not the old one chmodded)
    assert "emptied it and made it again" in capsys.readouterr().err
    private_files.write_private(made / "x.json", b"secret-token")
    assert os.path.getsize(keep / "kept") == 0  # what the neighbour kept never gets the token


def test_an_own_open_directory_holding_a_directory_is_refused(tmp_path):
    target = tmp_path / "uv-shim"
    (target / "sub").mkdir(parents=True)
    target.chmod(0o755)
    with pytest.raises(ShimError, match=r"can be read by others \(mode 755\); refusing"):
        private_files.private_dir(target, "the token cache")
    assert (target / "sub").is_dir()


def test_a_parent_others_can_write_is_refused_a_sticky_one_is_not(tmp_path):
    (tmp_path / "open").mkdir()
    (tmp_path / "open").chmod(0o777)
    with pytest.raises(ShimError, match="is writable by everyone"):
        private_files.private_dir(tmp_path / "open" / "uv-shim", "the token cache")
    (tmp_path / "sticky").mkdir()
    (tmp_path / "sticky").chmod(0o1777)
    assert mode(private_files.private_dir(tmp_path / "sticky" / "uv-shim", "the token cache")) == 0o700


def test_a_parent_of_another_user_is_refused(open_tmp, neighbour):
    neighbour.sh('mkdir -m 755 "$1"', open_tmp / "theirs")
    with pytest.raises(ShimError, match="belongs to another user"):
        private_files.private_dir(open_tmp / "theirs" / "uv-shim", "the token cache")


def test_temp_names_are_random_and_never_reuse_a_planted_file(open_tmp, neighbour, monkeypatch):
    """The old name was `<name>.uv-shim-tmp.<pid>`: planting it (with a link kept elsewhere)
    got the token. Now the name has 16 random hex digits and O_EXCL refuses any file already there."""
    directory = open_tmp / "cache"
    directory.mkdir(mode=0o777)
    directory.chmod(0o777)
    target = directory / "codeartifact--x.json"
    planted = [f"{target.name}{atomic.TEMP_MARK}{os.getpid()}"]
    monkeypatch.setattr(os, "urandom", lambda n: b"\0" * n)  # the one case where the name is known
    planted.append(f"{target.name}{atomic.TEMP_MARK}{os.getpid()}.{'00' * 8}")
    for name in planted:
        neighbour.sh(': > "$1" && chmod 666 "$1"', directory / name)
    with pytest.raises(FileExistsError):
        private_files.write_private(target, b"secret-token")
    assert all(os.path.getsize(directory / name) == 0 for name in planted)
    assert not target.exists()


def test_write_private_is_0600_and_leaves_nothing_on_a_full_disk(tmp_path, monkeypatch):
    private_files.write_private(tmp_path / "a.json", b"one")
    assert mode(tmp_path / "a.json") == 0o600 and (tmp_path / "a.json").read_bytes() == b"one"

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_sync", full)
    with pytest.raises(OSError):
        private_files.write_private(tmp_path / "a.json", b"two")
    assert os.listdir(tmp_path) == ["a.json"] and (tmp_path / "a.json").read_bytes() == b"one"


def test_read_private_checks_the_file_it_reads(open_tmp, neighbour, capsys):
    mine = open_tmp / "mine"
    mine.write_bytes(b"ok")
    mine.chmod(0o600)
    assert private_files.read_private(mine, 10) == b"ok"
    assert private_files.read_private(mine, 1) == b"o"
    (open_tmp / "link").symlink_to(mine)
    assert private_files.read_private(open_tmp / "link", 10) is None
    mine.chmod(0o644)
    assert private_files.read_private(mine, 10) is None
    assert "others can write it or read it" in capsys.readouterr().err
    neighbour.sh('printf planted > "$1" && chmod 600 "$1"', open_tmp / "theirs")
    assert private_files.read_private(open_tmp / "theirs", 10) is None
    os.mkfifo(open_tmp / "fifo", 0o600)
    assert private_files.read_private(open_tmp / "fifo", 10) is None  # and does not hang
