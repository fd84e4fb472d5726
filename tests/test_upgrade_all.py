"""Which argv the real uv gets when `uv tool upgrade --all` sets tools aside."""

from shim.upgrade_all import without_all


def test_the_all_flag_is_removed_wherever_it_stands():
    assert without_all(["tool", "upgrade", "--all"]) == ["tool", "upgrade"]
    assert without_all(["--no-cache", "tool", "--all", "upgrade", "-v"]) == ["--no-cache", "tool", "upgrade", "-v"]


def test_an_option_value_or_a_word_after_double_dash_that_reads_all_is_kept():
    assert without_all(["tool", "upgrade", "--all", "--python", "--all"]) == ["tool", "upgrade", "--python", "--all"]
    assert without_all(["tool", "upgrade", "--all", "--", "--all"]) == ["tool", "upgrade", "--", "--all"]
