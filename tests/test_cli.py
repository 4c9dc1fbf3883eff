"""The `dialoq` command lists its commands and rejects bad options clearly."""

import pytest

from dialoq import cli


def test_help_lists_every_command(capsys):
    """`dialoq --help` names each command."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    for command in ("demo", "serve", "test", "manage"):
        assert command in output


def test_demo_rejects_non_positive_case_counts(capsys):
    """`--cases 0` is refused with a message, before anything is touched."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["demo", "--cases", "0", "--no-serve"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err
