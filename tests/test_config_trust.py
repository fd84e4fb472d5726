"""Config trust like OpenSSH's StrictModes: the file is opened without following a symlink
into a directory others control, checked on the descriptor it is read from, and every
directory above it must be root's or yours and not writable by others. The neighbour is a
real second user (useradd); each attack names a command the victim would have run."""

import os
import threading

import pytest

from shim import config
from shim.errors import ConfigError
from tests.support.neighbour import neighbour, open_tmp  # noqa: F401 (fixtures)

MINE = '[[credential]]\nurl = "https://pkgs.example.com/"\nprovider = "command"\ncommand = ["mine"]\n'
THEIRS = '[[credential]]\nurl = "https://pkgs.example.com/"\nprovider = "command"\ncommand = ["theirs"]\n'


def commands(path, team=False):
    return [rule.settings["command"] for rule in config.load_file(path, team)]


def test_a_symlink_into_a_directory_the_neighbour_controls_is_refused(open_tmp, neighbour):
    home = open_tmp / "victim"
    home.mkdir(mode=0o700)
    neighbour.sh('mkdir -m 755 "$1" && printf "%s" "$2" > "$1/config.toml" && chmod 644 "$1/config.toml"',
                 open_tmp / "theirs", THEIRS)
    (home / "config.toml").symlink_to(open_tmp / "theirs" / "config.toml")
    with pytest.raises(ConfigError, match="belongs to another user.*can name commands to run"):
        commands(home / "config.toml")


def test_a_config_directory_others_can_write_is_refused(tmp_path, neighbour):
    directory = tmp_path / "uv-shim"
    directory.mkdir()
    (directory / "config.toml").write_text(MINE)
    (directory / "config.toml").chmod(0o600)
    directory.chmod(0o777)  # anyone could swap the file for a symlink or another file
    with pytest.raises(ConfigError, match="is writable by everyone"):
        commands(directory / "config.toml")
    directory.chmod(0o775)
    os.chown(directory, -1, neighbour.gid)  # a group the neighbour is in
    with pytest.raises(ConfigError, match="is writable by its group"):
        commands(directory / "config.toml")
    os.chown(directory, -1, os.getgid())  # your own private group (umask 002 systems): fine
    assert commands(directory / "config.toml") == [["mine"]]
    directory.chmod(0o755)
    assert commands(directory / "config.toml") == [["mine"]]


def test_a_config_directory_of_another_user_is_refused(open_tmp, neighbour):
    neighbour.sh('mkdir -m 755 "$1"', open_tmp / "theirs")
    path = open_tmp / "theirs" / "config.toml"
    neighbour.sh('printf "%s" "$2" > "$1" && chmod 644 "$1"', path, MINE)
    with pytest.raises(ConfigError, match=f"belongs to another user \\(uid {neighbour.uid}\\)"):
        commands(path)


def test_a_symlinked_dotfile_in_your_own_directories_is_read(tmp_path):
    (tmp_path / "dotfiles").mkdir(mode=0o755)
    (tmp_path / "dotfiles" / "uv-shim.toml").write_text(MINE)
    (tmp_path / "config.toml").symlink_to(tmp_path / "dotfiles" / "uv-shim.toml")
    assert commands(tmp_path / "config.toml") == [["mine"]]


def test_the_team_file_must_be_roots(open_tmp, neighbour):
    team = open_tmp / "team.toml"
    team.write_text(MINE)
    team.chmod(0o644)
    assert commands(team, team=True) == [["mine"]]
    os.chown(team, neighbour.uid, neighbour.gid)
    with pytest.raises(ConfigError, match="is not root's") as caught:
        commands(team, team=True)
    assert "chown root" in caught.value.fix
    with pytest.raises(ConfigError, match="belongs to another user"):
        commands(team)


def test_a_fifo_does_not_hang_and_is_refused(tmp_path):
    os.mkfifo(tmp_path / "config.toml", 0o600)
    with pytest.raises(ConfigError, match="not a regular file"):
        commands(tmp_path / "config.toml")


def test_swapping_the_file_between_check_and_read_never_gets_the_neighbours_command(open_tmp, neighbour):
    """The check and the read use one descriptor: a file renamed over the config between
    them is either checked (and refused) or not read at all. (The renames are made by the
    test: the directory is the victim's, as it must now be.)"""
    directory = open_tmp / "victim"
    directory.mkdir(mode=0o755)
    mine, theirs, path = directory / "mine", directory / "theirs", directory / "config.toml"
    mine.write_text(MINE)
    theirs.write_text(THEIRS)
    os.chown(theirs, neighbour.uid, neighbour.gid)
    os.link(mine, path)
    stop = threading.Event()

    def swap():
        turn = 0
        while not stop.is_set():
            source = (mine, theirs)[turn % 2]
            if os.path.lexists(directory / "next"):  # (a rename onto the same file leaves it)
                os.unlink(directory / "next")
            os.link(source, directory / "next")
            os.replace(directory / "next", path)
            turn += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    seen = set()
    try:
        for _ in range(400):
            try:
                seen.add(tuple(commands(path)[0]))
            except ConfigError as exc:
                assert "belongs to another user" in exc.message
                seen.add("refused")
    finally:
        stop.set()
        swapper.join()
    assert ("theirs",) not in seen and ("mine",) in seen


def test_umask_002_with_a_user_private_group_is_accepted(tmp_path):
    """`cat > config.toml` under umask 002 makes the file 0664 and its directory 0775: fine when
    the group is the user's own private group (nobody else in it), as for the directories."""
    from shim.private_files import private_group

    if not private_group(os.getgid()):
        pytest.skip("this user's primary group is shared with others: 0664 is rightly refused")
    directory = tmp_path / "uv-shim"
    directory.mkdir(mode=0o775)
    directory.chmod(0o775)
    (directory / "config.toml").write_text(MINE)
    (directory / "config.toml").chmod(0o664)
    assert commands(directory / "config.toml") == [["mine"]]
    (directory / "config.toml").chmod(0o666)
    with pytest.raises(ConfigError, match="writable by everyone"):
        commands(directory / "config.toml")
