"""Export of the register: columns, scope, filters, workbook, command."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dialoq import cli
from dialoq.cases.models import AccessAction, AccessLogEntry
from dialoq.deviations import exports
from tests.deviations.factories import make_deviation, make_standard_version

TODAY = timezone.localdate()
COLUMNS = [
    "deviation_id",
    "source",
    "severity",
    "title",
    "status",
    "resolution",
    "standard_key",
    "standard_version",
    "case_id",
    "funder_id",
    "provider_id",
    "owner_organisation_id",
    "detected_at",
    "occurred_on",
    "due_on",
    "closed_at",
    "overdue",
]


@pytest.fixture
def rows(world):
    standard = make_standard_version("erstkontakt")
    return {
        "a": make_deviation(
            world.case_a,
            source="standard",
            standard_version=standard,
            occurred_on=date(2026, 3, 2),
            due_on=TODAY - timedelta(days=1),
        ),
        "b": make_deviation(world.case_b, due_on=TODAY + timedelta(days=5)),
        "closed": make_deviation(
            world.case_a,
            status="closed",
            resolution="unfounded",
            closed_at=timezone.now(),
            due_on=TODAY - timedelta(days=9),
        ),
        "funder": make_deviation(
            owner_organisation=world.funder, funder=world.funder, source="audit"
        ),
    }


def read_csv(user, **options):
    handle = io.BytesIO()
    count = exports.do_export(user, "csv", handle, **options)
    text = handle.getvalue().decode("utf-8")
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == count
    return text, records


def test_columns_and_values(world, rows):
    """The header is the documented columns; values follow the CSV conventions."""
    text, records = read_csv(world.people.provider_a)
    assert text.split("\n")[0] == ",".join(COLUMNS)
    assert "\r" not in text and not text.startswith("\ufeff")
    by_id = {int(r["deviation_id"]): r for r in records}
    a = by_id[rows["a"].pk]
    assert a["source"] == "standard" and a["standard_key"] == "erstkontakt"
    assert a["standard_version"] == "1"
    assert a["case_id"] == str(world.case_a.pk)
    assert a["provider_id"] == str(world.provider_a.pk)
    assert a["funder_id"] == str(world.funder.pk)
    assert a["owner_organisation_id"] == str(world.provider_a.pk)
    assert a["status"] == "reported" and a["resolution"] == ""
    assert a["occurred_on"] == "2026-03-02"
    assert a["overdue"] == "true"
    assert a["closed_at"] == ""
    detected = timezone.datetime.fromisoformat(a["detected_at"])
    assert detected == rows["a"].detected_at
    closed = by_id[rows["closed"].pk]
    assert closed["overdue"] == "false"  # closed deviations are never overdue
    assert closed["closed_at"] and closed["resolution"] == "unfounded"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("funder", {"a", "b", "closed", "funder"}),
        ("provider_a", {"a", "closed"}),
        ("provider_b", {"b"}),
        ("auditor", {"a", "b", "closed", "funder"}),
        ("outsider", set()),
    ],
)
def test_scope_by_persona(world, rows, persona, expected):
    """Each persona exports exactly what the register shows them."""
    _text, records = read_csv(getattr(world.people, persona))
    ids = {int(r["deviation_id"]) for r in records}
    assert ids == {rows[name].pk for name in expected}


def test_outsider_gets_the_header_only(world, rows):
    text, records = read_csv(world.people.outsider)
    assert records == []
    assert text == ",".join(COLUMNS) + "\n"


def test_narrowing_never_widens(world, rows):
    """A queryset handed in narrows the export, never passes the scope."""
    from dialoq.deviations.models import Deviation

    _text, records = read_csv(
        world.people.provider_b, deviations=Deviation.objects.all()
    )
    assert {int(r["deviation_id"]) for r in records} == {rows["b"].pk}


def test_case_id_only_when_the_case_is_visible(world, rows):
    """A deviation seen through its organisation does not reveal a case it names."""
    from dialoq.deviations.models import Deviation

    hidden = make_deviation(
        owner_organisation=world.funder, funder=world.funder, title="ohne Fall"
    )
    # A case-linked deviation of the funder a unit-limited case manager cannot see.
    from tests import factories

    unit = factories.make_unit(world.funder)
    limited = factories.make_user(
        "limited", role="case_manager", organisation=world.funder, unit=unit
    )
    _text, records = read_csv(limited)
    by_id = {int(r["deviation_id"]): r for r in records}
    assert by_id[hidden.pk]["case_id"] == ""
    assert rows["a"].pk not in by_id  # case deviations only with the case
    assert Deviation.objects.filter(case__isnull=False).count() == 3


def test_export_is_logged_per_funder_and_provider(world, rows):
    read_csv(world.people.funder)
    entries = AccessLogEntry.objects.filter(action=AccessAction.EXPORT_CASES)
    details = {(e.provider_id, e.detail) for e in entries}
    assert details == {
        (world.provider_a.pk, "deviations csv n=2"),
        (world.provider_b.pk, "deviations csv n=1"),
    }
    AccessLogEntry.objects.all().delete()
    read_csv(world.people.outsider)
    assert AccessLogEntry.objects.get().detail == "deviations csv n=0"


def test_workbook_for_people(world, rows):
    make_deviation(world.case_a, title='=HYPERLINK("http://x")')
    handle = io.BytesIO()
    count = exports.do_export(world.people.provider_a, "xlsx", handle)
    sheet = load_workbook(io.BytesIO(handle.getvalue())).active
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == count + 1 == 4
    header = [cell.value for cell in sheet[1]]
    assert len(header) == len(COLUMNS)
    titles = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert '=HYPERLINK("http://x")' in titles
    formula = next(
        row[3] for row in sheet.iter_rows(min_row=2) if row[3].value.startswith("=")
    )
    assert formula.data_type == "s"
    first = next(sheet.iter_rows(min_row=2))
    assert first[0].value == rows["a"].pk
    assert first[13].number_format == "DD.MM.YYYY"
    assert first[12].number_format == "DD.MM.YYYY hh:mm"
    assert first[16].value is True


EXPORT = reverse("deviations:export")


class TestFromTheRegister:
    def test_respects_the_filters(self, world, rows, client_for):
        client = client_for(world.people.funder)
        response = client.post(EXPORT, {"format": "csv", "source": "audit"})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert (
            f"dialoq-deviations-{TODAY.isoformat()}.csv"
            in response["Content-Disposition"]
        )
        text = b"".join(response.streaming_content).decode()
        records = list(csv.DictReader(io.StringIO(text)))
        assert [int(r["deviation_id"]) for r in records] == [rows["funder"].pk]
        response = client.post(EXPORT, {"format": "xlsx", "overdue": "on"})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [rows["a"].pk]

    def test_register_hands_its_filters_to_the_export(self, world, rows, client_for):
        response = client_for(world.people.funder).get(
            reverse("deviations:register") + "?source=standard&overdue=on"
        )
        html = response.content.decode()
        assert 'name="source" value="standard"' in html
        assert 'name="overdue" value="on"' in html

    def test_bad_input(self, world, rows, client_for):
        client = client_for(world.people.funder)
        assert client.post(EXPORT, {"format": "pdf"}).status_code == 400
        assert client.post(EXPORT, {"format": "csv", "status": "x"}).status_code == 400
        assert client.get(EXPORT).status_code == 405

    def test_outsider_gets_an_empty_file(self, world, rows, client_for):
        response = client_for(world.people.outsider).post(EXPORT, {"format": "csv"})
        text = b"".join(response.streaming_content).decode()
        assert text == ",".join(COLUMNS) + "\n"


def _command(tmp_path, *options, user="provider_a", name="out.csv"):
    out = tmp_path / name
    code = cli.main(
        ["export", "deviations", *options, "--out", str(out), "--user", user]
    )
    return code, out


class TestCommand:
    def test_writes_csv_as_the_user(self, world, rows, tmp_path, capsys):
        code, out = _command(tmp_path, "--format", "csv")
        assert code == 0
        records = list(csv.DictReader(out.open(encoding="utf-8")))
        assert {int(r["deviation_id"]) for r in records} == {
            rows["a"].pk,
            rows["closed"].pk,
        }
        assert (
            f"Wrote 2 deviations rows to {out} as provider_a" in capsys.readouterr().out
        )
        assert out.stat().st_mode & 0o077 == 0

    def test_writes_xlsx(self, world, rows, tmp_path):
        code, out = _command(tmp_path, "--format", "xlsx", user="funder", name="d.xlsx")
        assert code == 0
        assert load_workbook(out).active.max_row == 5

    def test_outsider_and_unknown_user(self, world, rows, tmp_path, capsys):
        code, out = _command(tmp_path, user="outsider")
        assert code == 0
        assert out.read_text(encoding="utf-8") == ",".join(COLUMNS) + "\n"
        code, out = _command(tmp_path, user="nobody", name="x.csv")
        assert code == 1
        assert "no active user named 'nobody'" in capsys.readouterr().err
        assert not out.exists()

    def test_bad_format_is_a_usage_error(self, world, tmp_path):
        with pytest.raises(SystemExit) as exit_info:
            _command(tmp_path, "--format", "pdf")
        assert exit_info.value.code == 2
