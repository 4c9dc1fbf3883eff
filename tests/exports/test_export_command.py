"""`dialoq export cases|goals|reviews` acts as the named user; bad input explained."""

import pytest
from openpyxl import load_workbook

from dialoq import cli
from dialoq.cases.models import AccessAction, AccessLogEntry


def _export(tmp_path, *options, kind="cases", name="out.csv", user="provider_a"):
    out = tmp_path / name
    code = cli.main(["export", kind, *options, "--out", str(out), "--user", user])
    return code, out


def test_writes_csv_as_the_user(world, tmp_path, capsys):
    """The file holds exactly the named user's cases and is logged under their name."""
    code, out = _export(tmp_path, "--format", "csv")
    assert code == 0
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("case_id,case_reference,funder_id")
    assert [line.split(",")[0] for line in lines[1:] if line] == [str(world.case_a.pk)]
    assert f"Wrote 1 cases rows to {out}" in capsys.readouterr().out
    assert out.stat().st_mode & 0o077 == 0
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT_CASES)
    assert (entry.user, entry.detail) == (world.people.provider_a, "cases csv n=1")


@pytest.mark.parametrize("kind", ["goals", "reviews"])
def test_writes_xlsx_of_each_kind(world, tmp_path, kind):
    """Goals and reviews can be written as workbooks too."""
    code, out = _export(tmp_path, "--format", "xlsx", kind=kind, name="out.xlsx")
    assert code == 0
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value


def test_replaces_an_existing_file_whole(world, tmp_path):
    """An existing file is replaced, never appended to; no temporary file remains."""
    (tmp_path / "out.csv").write_text("old content\n")
    code, out = _export(tmp_path)
    assert code == 0
    assert "old content" not in out.read_text()
    assert [path.name for path in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", "cases", "--format", "pdf", "--out", "x", "--user", "u"], "pdf"),
        (["export", "people", "--out", "x", "--user", "u"], "people"),
        (["export", "cases", "--out", "x"], "--user"),
        (["export", "cases", "--user", "u"], "--out"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(arguments, message, capsys):
    """Unknown kinds or formats and missing options stop with a usage message."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(arguments)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "invalid choice" in error or "required" in error


def test_unknown_user_is_named(world, tmp_path, capsys):
    """A user name that does not exist gets a clear message and no file."""
    code, _out = _export(tmp_path, user="ghost")
    assert code == 1
    assert "There is no active user named 'ghost'." in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_inactive_user_cannot_export(world, tmp_path, capsys):
    """A deactivated account cannot be used to export."""
    world.people.provider_a.is_active = False
    world.people.provider_a.save()
    code, _out = _export(tmp_path)
    assert code == 1
    assert "no active user" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["missing/out.csv", "."])
def test_unwritable_path_is_reported_and_leaves_nothing(world, tmp_path, name, capsys):
    """A missing directory or a directory as target: a message, no partial file."""
    code, _out = _export(tmp_path, name=name)
    assert code == 1
    assert "Cannot write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert not AccessLogEntry.objects.exists()


def test_failure_while_writing_leaves_no_file(world, tmp_path, monkeypatch):
    """If writing fails halfway, the temporary file goes; no target file appears."""
    from dialoq.cases import exports

    def broken(export, rows, handle):
        handle.write(b"case_id\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports, "write_csv", broken)
    code, _out = _export(tmp_path)
    assert code == 1
    assert list(tmp_path.iterdir()) == []
    assert not AccessLogEntry.objects.exists()
