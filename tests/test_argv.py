from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shim import cli_table_gen
from shim.argv import parse
from tests.support.uvbins import NEWEST, uv_binary


@pytest.mark.parametrize(
    "argv, key, positionals",
    [
        ("tool upgrade demo", "uv__tool__upgrade", ["demo"]),
        ("tool update demo", "uv__tool__upgrade", ["demo"]),
        ("--no-cache -v tool update --all", "uv__tool__upgrade", []),
        ("tool --color never upgrade x", "uv__tool__upgrade", ["x"]),
        ("--cache-dir /tmp/tool tool upgrade x", "uv__tool__upgrade", ["x"]),
        ("--directory=tool tool install demo", "uv__tool__install", ["demo"]),
        ("-qv tool install -p 3.12 demo", "uv__tool__install", ["demo"]),
        ("tool install -p3.12 demo", "uv__tool__install", ["demo"]),
        ("tool upgrade -iURL demo", "uv__tool__upgrade", ["demo"]),
        ("tool run --from demo-tool demo --index-url X", "uv__tool__run", ["demo"]),
        ("run tool upgrade", "uv__run", ["tool"]),
        ("pip install tool", "uv__pip__install", ["tool"]),
        ("tool list", "uv__tool__list", []),
    ],
)
def test_subcommand_and_positionals(argv, key, positionals):
    parsed = parse(argv.split())
    assert parsed.key == key
    assert parsed.positionals == positionals


def test_index_options_in_every_spelling():
    parsed = parse(["tool", "upgrade", "-iA", "--index-url", "B", "--index-url=C", "-i", "D",
                    "--extra-index-url", "E", "-f", "F", "--index", "corp=G", "demo"])
    assert parsed.values("--index-url") == ["A", "B", "C", "D"]
    assert parsed.values("--extra-index-url") == ["E"]
    assert parsed.values("--find-links") == ["F"]
    assert parsed.values("--index") == ["corp=G"]
    assert parsed.positionals == ["demo"]


def test_bundled_short_flags_before_a_value_option():
    parsed = parse(["tool", "install", "-nqp", "3.11", "demo"])
    assert parsed.flag("-n") and parsed.flag("-q")
    assert parsed.values("-p") == ["3.11"]
    assert parsed.positionals == ["demo"]


@pytest.mark.parametrize("argv", ["tool upgrade --help x", "tool -h upgrade x", "--help tool install x",
                                  "tool upgrade", "tool install --python"])
def test_help_and_incomplete_commands_are_left_to_uv(argv):
    parsed = parse(argv.split())
    # `tool upgrade` with no name is uv's own usage error; the shim has nothing to prepare
    assert not parsed.intercepted or (parsed.key == "uv__tool__upgrade" and not parsed.positionals)


def test_arguments_after_the_command_of_tool_run_belong_to_it():
    parsed = parse(["tool", "run", "demo", "--help", "--index-url", "X"])
    assert parsed.intercepted
    assert parsed.trailing == ["--help", "--index-url", "X"]
    assert parsed.values("--index-url") == []


def test_only_commands_that_may_reach_an_index_are_intercepted():
    for argv in ("tool install x", "tool upgrade x", "tool update --all", "tool run x", "sync", "lock", "upgrade",
                 "add x", "run script.py", "pip install -r r.txt", "pip compile r.in", "publish", "venv --seed"):
        assert parse(argv.split()).intercepted, argv
    for argv in ("tool list", "tool dir", "tool uninstall x", "--version", "self update", "cache clean",
                 "python list", "python find", "generate-shell-completion bash", "auth login x", "help sync",
                 "pip list", "sync --help"):
        assert not parse(argv.split()).intercepted, argv


@given(st.lists(st.sampled_from(["tool", "upgrade", "install", "run", "-i", "--index-url", "-qv", "--",
                                 "--all", "-p", "x", "=", "-", "--color", "never"]) | st.text(), max_size=12))
def test_parse_never_fails_and_never_changes_argv(argv):
    before = list(argv)
    parse(argv)
    assert argv == before


def test_committed_table_matches_what_the_newest_uv_declares():
    generated = cli_table_gen.generate(str(uv_binary(NEWEST)))
    committed = (Path(__file__).resolve().parents[1] / "shim" / "uv_cli_table.py").read_text()
    assert generated == committed, "regenerate: python -m shim.cli_table_gen <uv> > shim/uv_cli_table.py"
