"""Export rows and files: exact CSV, readable XLSX, scoped, logged, in bulk."""

import io
from datetime import date

import pytest
from django.utils import translation
from openpyxl import load_workbook

from dialoq.cases import exports
from dialoq.cases.models import AccessAction, AccessLogEntry, Review
from dialoq.cases.planning import review_scores
from tests import factories
from tests.privacy.builders import document, set_identity

CASE_HEADER = (
    "case_id,case_reference,funder_id,funder_name,provider_id,provider_name,"
    "service_type,service_type_name,status,referred_on,start_date,end_date,"
    "closure_reason,integration_outcome,age_band,sex,household_type,prior_help,"
    "transfer_benefits,non_german_at_home"
)
GOAL_HEADER = (
    "case_id,case_reference,funder_id,provider_id,help_plan_id,help_plan_version,"
    "help_plan_agreed_on,goal_id,weight,baseline_level,responsible"
)
REVIEW_HEADER = (
    "case_id,case_reference,funder_id,provider_id,help_plan_id,review_id,"
    "review_date,review_due_date,is_final,goal_id,perspective,level,weight,"
    "instrument,t_score"
)


@pytest.fixture
def documented(world):
    """Both cases documented; case B closed; case A's person identified."""
    document(world.case_a, staff=world.people.provider_a)
    document(world.case_b, staff=world.people.provider_b)
    world.case_b.status, world.case_b.ended_on = "closed", date(2026, 9, 30)
    world.case_b.closure_reason = "dropout_beneficiary"
    world.case_b.prior_help = True
    world.case_b.save()
    set_identity(world.case_a.beneficiary)
    return world


def _csv(user, kind, **options):
    handle = io.BytesIO()
    count = exports.do_export(user, kind, "csv", handle, **options)
    return count, handle.getvalue()


def _rows(content):
    lines = content.decode("utf-8").split("\n")
    assert lines[-1] == ""
    return [line.split(",") for line in lines[1:-1]]


@pytest.mark.parametrize(
    ("kind", "header"),
    [("cases", CASE_HEADER), ("goals", GOAL_HEADER), ("reviews", REVIEW_HEADER)],
)
def test_csv_header_is_exact_and_plain(documented, kind, header):
    """UTF-8 without BOM, comma-separated, stable snake_case names, \\n endings."""
    _count, content = _csv(documented.people.funder, kind)
    assert not content.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in content
    assert content.split(b"\n")[0].decode() == header


def test_case_rows_have_iso_dates_codes_and_booleans(documented):
    """Values are machine-readable: ISO dates, choice codes, true/false."""
    count, content = _csv(documented.people.funder, "cases")
    assert count == 2
    by_id = {row[0]: row for row in _rows(content)}
    names = CASE_HEADER.split(",")
    row_b = dict(zip(names, by_id[str(documented.case_b.pk)], strict=True))
    assert row_b["case_reference"] == documented.case_b.reference
    assert row_b["funder_id"] == str(documented.funder.pk)
    assert row_b["provider_name"] == "Träger B"
    assert row_b["service_type"] == "spfh"
    assert (row_b["start_date"], row_b["end_date"]) == ("2026-01-19", "2026-09-30")
    assert (row_b["status"], row_b["closure_reason"]) == (
        "closed",
        "dropout_beneficiary",
    )
    assert (row_b["age_band"], row_b["household_type"], row_b["sex"]) == (
        "6-11",
        "single_parent",
        "unknown",
    )
    assert (row_b["prior_help"], row_b["transfer_benefits"]) == ("true", "false")
    row_a = dict(zip(names, by_id[str(documented.case_a.pk)], strict=True))
    assert (row_a["end_date"], row_a["integration_outcome"]) == ("", "")


@pytest.mark.parametrize(
    ("persona", "cases"),
    [
        ("funder", {"case_a", "case_b"}),
        ("provider_a", {"case_a"}),
        ("provider_b", {"case_b"}),
        ("auditor", {"case_a", "case_b"}),
        ("outsider", set()),
    ],
)
def test_every_export_holds_exactly_the_visible_cases(documented, persona, cases):
    """Each persona's exports cover the cases of the case list, no more."""
    user = getattr(documented.people, persona)
    expected = {str(getattr(documented, name).pk) for name in cases}
    for kind in exports.KINDS:
        _count, content = _csv(user, kind)
        assert {row[0] for row in _rows(content)} == expected, kind


def test_exports_never_hold_identity_pseudonym_or_goal_text(documented):
    """No name, pseudonym or free text leaves through an export, in any format."""
    forbidden = [
        "Zebulon",
        "Quackenbush",
        documented.case_a.beneficiary.pseudonym,
        "Tagesstruktur",
        "Begleitung",
    ]
    for kind in exports.KINDS:
        _count, content = _csv(documented.people.funder, kind)
        handle = io.BytesIO()
        exports.do_export(documented.people.funder, kind, "xlsx", handle)
        cells = [
            str(value)
            for sheet in load_workbook(handle).worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        ]
        for text in forbidden:
            assert text not in content.decode(), (kind, text)
            assert not any(text in cell for cell in cells), (kind, text)


def test_goal_rows_describe_each_goal(documented):
    """One row per goal with plan, version, weight, baseline and responsibility."""
    _count, content = _csv(documented.people.provider_a, "goals")
    rows = [
        dict(zip(GOAL_HEADER.split(","), row, strict=True)) for row in _rows(content)
    ]
    assert [(row["weight"], row["baseline_level"]) for row in rows] == [
        ("2", "-1"),
        ("1", "-1"),
    ]
    assert {row["help_plan_version"] for row in rows} == {"1"}
    assert {row["responsible"] for row in rows} == {"provider"}


def test_review_rows_carry_the_t_score_of_their_perspective(documented):
    """Each rating row has its review's T-score for its perspective, as screens show."""
    _count, content = _csv(documented.people.provider_a, "reviews")
    rows = [
        dict(zip(REVIEW_HEADER.split(","), row, strict=True)) for row in _rows(content)
    ]
    assert len(rows) == 5
    review = Review.objects.get(case=documented.case_a)
    expected = review_scores(review)["t_scores"]
    for row in rows:
        assert row["review_id"] == str(review.pk)
        assert row["review_date"] == "2026-06-01"
        assert float(row["t_score"]) == pytest.approx(
            expected[row["perspective"]], abs=0.005
        )
    funder_rows = [row for row in rows if row["perspective"] == "funder"]
    assert [(row["level"], row["weight"]) for row in funder_rows] == [
        ("1", "2"),
        ("0", "1"),
    ]
    assert funder_rows[0]["t_score"] == "58.03"


def test_case_list_filters_narrow_the_export(documented):
    """A narrowed queryset narrows the export, but never widens the scope."""
    from dialoq.cases.models import Case

    closed = Case.objects.filter(status="closed")
    _count, content = _csv(documented.people.funder, "cases", cases=closed)
    assert [row[0] for row in _rows(content)] == [str(documented.case_b.pk)]
    _count, content = _csv(documented.people.provider_a, "cases", cases=closed)
    assert _rows(content) == []


def test_xlsx_is_for_people(documented):
    """German headers, TT.MM.JJJJ dates, frozen header, widths, sheet title."""
    handle = io.BytesIO()
    with translation.override("de"):
        exports.do_export(documented.people.funder, "cases", "xlsx", handle)
    workbook = load_workbook(handle)
    sheet = workbook.active
    assert sheet.title == "Fälle"
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert (header[1], header[3], header[5]) == (
        "Aktenzeichen",
        "Leistungsträger",
        "Leistungserbringer",
    )
    assert "Hilfebeginn" in header and "Altersgruppe" in header
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == 18
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    case_a = rows[documented.case_a.pk]
    started = case_a[header.index("Hilfebeginn")]
    assert started.value.date() == date(2026, 1, 19)
    assert started.number_format == "DD.MM.YYYY"
    assert case_a[header.index("Hilfeende")].value is None
    assert case_a[header.index("Status")].value == "Laufend"
    assert case_a[header.index("Frühere Hilfe erhalten")].value is False


def test_xlsx_of_an_empty_export_has_the_header(world):
    """An outsider's workbook opens and holds only the header row."""
    handle = io.BytesIO()
    count = exports.do_export(world.people.outsider, "reviews", "xlsx", handle)
    sheet = load_workbook(handle).active
    assert count == 0
    assert sheet.max_row == 1


def test_xlsx_continues_on_a_new_sheet_when_one_is_full(documented, monkeypatch):
    """More rows than a sheet holds go on to numbered sheets, each with its header."""
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    handle = io.BytesIO()
    with translation.override("en"):
        exports.do_export(documented.people.funder, "reviews", "xlsx", handle)
    sheets = load_workbook(handle).worksheets
    assert [sheet.title for sheet in sheets] == [
        "Reviews",
        "Reviews (2)",
        "Reviews (3)",
        "Reviews (4)",
        "Reviews (5)",
    ]
    assert [sheet.max_row for sheet in sheets] == [3, 3, 3, 3, 3]
    assert {sheet["A1"].value for sheet in sheets} == {"Case ID"}


def test_each_export_is_logged_per_organisation_pair(documented):
    """One EXPORT_CASES entry per funder and provider, with kind, format and rows."""
    exports.do_export(documented.people.funder, "reviews", "csv", io.BytesIO())
    entries = AccessLogEntry.objects.filter(action=AccessAction.EXPORT_CASES)
    assert sorted((e.provider_id, e.detail) for e in entries) == sorted(
        [
            (documented.provider_a.pk, "reviews csv n=5"),
            (documented.provider_b.pk, "reviews csv n=5"),
        ]
    )
    assert {(e.funder_id, e.username, e.case_id) for e in entries} == {
        (documented.funder.pk, "funder", None)
    }


def test_empty_export_is_logged_too(world):
    """An export without rows still leaves a trace."""
    exports.do_export(world.people.outsider, "cases", "xlsx", io.BytesIO())
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT_CASES)
    assert (entry.username, entry.detail) == ("outsider", "cases xlsx n=0")


@pytest.mark.parametrize("kind", ["cases", "goals", "reviews"])
def test_queries_do_not_grow_with_the_cases(world, kind, django_assert_max_num_queries):
    """Rows stream in bulk: the query count is the same for 3 or 30 cases."""
    for _ in range(30):
        document(factories.make_case(world.funder, world.provider_a))
    with django_assert_max_num_queries(12):
        count, _content = _csv(world.people.funder, kind)
    assert count == {"cases": 32, "goals": 60, "reviews": 150}[kind]
