"""Result exports: each persona gets its results, suppressed as on screen."""

import csv
import io
import itertools
import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from openpyxl import load_workbook

from dialoq import cli
from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.measures import exports
from dialoq.measures.models import Result
from dialoq.measures.periods import Period, month_period
from tests import factories
from tests.measures import results_data as data

URL = reverse("measures:export_results")
HEADER = (
    "indicator_key,indicator_version,indicator_title,unit_type,unit_id,unit_name,"
    "funder_id,provider_id,period_type,period_start,period_end,stratum,cases,"
    "numerator,denominator,value,ci_lower,ci_upper,expected,oe_ratio,"
    "funnel_target,funnel_lower_95,funnel_upper_95,funnel_lower_998,"
    "funnel_upper_998,reference_lower,reference_upper,evaluation,method,"
    "computed_at,data_until"
)
FIGURES = [
    "cases",
    "numerator",
    "denominator",
    "value",
    "ci_lower",
    "ci_upper",
    "expected",
    "oe_ratio",
    "funnel_target",
    "reference_lower",
    "method",
]
YEAR = Period("year", date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def figures(world):
    """Return planned endings of the funder's providers A (40), B (30), C (20), D (2).

    Also all organisations, the funder, two service types, a year, a month of
    provider B, a team of provider A, and a second indicator for the funder.
    """
    version = data.make_indicator()
    provider_c = factories.make_organisation(OrganisationKind.PROVIDER, "Träger C")
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    rows = {
        "whole": data.make_result(version, "whole", cases=92, numerator=70),
        "funder": data.make_result(
            version, "funder", funder=world.funder, cases=92, numerator=70
        ),
        "year": data.make_result(
            version, "funder", funder=world.funder, period=YEAR, cases=80, numerator=60
        ),
    }
    for name, provider, cases, planned in (
        ("a", world.provider_a, 40, 30),
        ("b", world.provider_b, 30, 22),
        ("c", provider_c, 20, 16),
        ("d", provider_d, 2, 1),
    ):
        rows[name] = data.make_result(
            version,
            "provider",
            funder=world.funder,
            provider=provider,
            cases=cases,
            numerator=planned,
            funnel_target=0.76,
            method={"funnel": "exact"},
        )
    rows["month_b"] = data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_b,
        period=month_period(date(2026, 10, 1)),
        cases=9,
        numerator=7,
    )
    rows["team_a"] = data.make_result(
        version,
        "team",
        provider=world.provider_a,
        team=factories.make_unit(world.provider_a, "Team Nord"),
        cases=12,
        numerator=9,
    )
    for key, cases in (("spfh", 60), ("heim", 32)):
        rows[key] = data.make_result(
            version,
            "service_type",
            funder=world.funder,
            service_type=factories.make_service_type(key, name=key.title()),
            cases=cases,
            numerator=cases // 2,
        )
    other = data.make_indicator(
        "waiting_days",
        spec={**data.PLANNED_ENDINGS, "kind": "count"},
        criterion=data.make_criterion(),
    )
    rows["other"] = data.make_result(
        other, "funder", funder=world.funder, cases=92, value=12.0
    )
    return SimpleNamespace(version=version, other=other, rows=rows, d=provider_d)


def coordinator(world):
    return factories.make_user(
        role=Role.NETWORK_COORDINATOR, organisation=world.network
    )


def download(client, **params):
    response = client.get(URL, {"format": "csv", **params})
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def parse(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def keyed(rows: list[dict]) -> dict[tuple, dict]:
    """Return the rows by indicator, unit type, unit, funder, period and stratum."""
    return {
        (
            row["indicator_key"],
            row["unit_type"],
            row["unit_id"],
            row["funder_id"],
            row["period_type"],
            row["period_start"],
            row["stratum"],
        ): row
        for row in rows
    }


def row_of(rows, result) -> dict | None:
    unit_id = {
        "whole": None,
        "funder": result.funder_id,
        "provider": result.provider_id,
        "service_type": result.service_type_id,
        "team": result.team_id,
    }[result.unit_type]
    key = (
        result.version.definition.key,
        result.unit_type,
        "" if unit_id is None else str(unit_id),
        "" if result.funder_id is None else str(result.funder_id),
        result.period_type,
        result.period_start.isoformat(),
        result.stratum,
    )
    return keyed(rows).get(key)


def is_suppressed(row) -> bool:
    empty = all(row[name] == "" for name in FIGURES)
    assert empty == (row["evaluation"] == "suppressed"), row
    return empty


# --- Personas -----------------------------------------------------------------------


def test_file_conventions_are_those_of_the_case_exports(world, client_for, figures):
    """UTF-8 CSV with the documented header, ISO dates, \\n lines, a dated name."""
    response = client_for(world.people.funder).get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dialoq-results-' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.split(b"\n")[0].decode() == HEADER
    assert not content.startswith(b"\xef\xbb\xbf")
    row = row_of(parse(content), figures.rows["a"])
    assert row["period_start"] == "2025-11-01"
    assert row["period_end"] == "2026-10-31"
    assert row["data_until"] == "2026-10-31"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", row["computed_at"]
    )
    assert row["unit_name"] == "Träger A"
    assert row["method"] == '{"funnel": "exact"}'
    assert float(row["value"]) == 0.75


def test_funder_gets_every_result_about_its_cases(world, client_for, figures):
    """The funder owns its providers' results: all shown, even two cases."""
    rows = parse(download(client_for(world.people.funder)))
    for name in ("whole", "funder", "year", "a", "b", "c", "d", "month_b", "spfh"):
        row = row_of(rows, figures.rows[name])
        assert row is not None and not is_suppressed(row), name
    assert row_of(rows, figures.rows["d"])["cases"] == "2"
    assert row_of(rows, figures.rows["team_a"]) is None  # teams stay with providers


def test_provider_gets_own_figures_and_protected_peers(world, client_for, figures):
    """Provider A sees itself and its team; D and the peers protecting it are empty."""
    rows = parse(download(client_for(world.people.provider_a)))
    for name in ("a", "team_a", "funder", "whole"):
        assert not is_suppressed(row_of(rows, figures.rows[name])), name
    assert is_suppressed(row_of(rows, figures.rows["d"]))
    assert is_suppressed(row_of(rows, figures.rows["month_b"]))
    peers = [row_of(rows, figures.rows[name]) for name in "bcd"]
    hidden = [row for row in peers if is_suppressed(row)]
    assert len(hidden) >= 2
    shown = sum(int(row["cases"]) for row in peers if not is_suppressed(row))
    assert 92 - 40 - shown >= 5  # what is left to spread over the hidden ones


def test_provider_b_sees_its_month(world, client_for, figures):
    """Months of one's own provider are shown; the peers' teams are not in the file."""
    rows = parse(download(client_for(world.people.provider_b)))
    month = row_of(rows, figures.rows["month_b"])
    assert not is_suppressed(month) and month["cases"] == "9"
    assert row_of(rows, figures.rows["team_a"]) is None


def test_network_coordinator_gets_aggregates_never_small_ones(
    world, client_for, figures
):
    """The network sees the member funder and its units, D and its cover empty."""
    rows = parse(download(client_for(coordinator(world))))
    assert not is_suppressed(row_of(rows, figures.rows["funder"]))
    assert is_suppressed(row_of(rows, figures.rows["d"]))
    assert row_of(rows, figures.rows["team_a"]) is None
    for row in rows:
        assert is_suppressed(row) or int(row["cases"]) >= 5
        if row["period_type"] in {"month", "quarter"}:
            assert is_suppressed(row)


def test_outsider_gets_nothing_of_the_funder(world, client_for, figures):
    """A caseworker elsewhere gets only the figures over all organisations."""
    rows = parse(download(client_for(world.people.outsider)))
    assert {row["unit_type"] for row in rows} == {"whole"}


def test_people_without_aggregates_get_403(world, client_for, figures):
    """A committee viewer reads published reports only: no result export."""
    viewer = factories.make_user(role=Role.COMMITTEE_VIEWER, organisation=world.funder)
    assert client_for(viewer).get(URL).status_code == 403
    assert client_for(viewer).get(URL, {"format": "csv"}).status_code == 403


def test_xlsx_is_for_people(world, client_for, figures):
    """Translated headers, German date format, rates as percentages, labels."""
    response = client_for(world.people.provider_a).get(URL, {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    with translation.override("de"):
        names = {
            column.name: str(capfirst(column.label))
            for column in exports.RESULT_COLUMNS
        }
        suppressed = translation.gettext("suppressed (small numbers)")
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == list(names.values())
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    own = next(row for row in rows if row[names["unit_name"]].value == "Träger A")
    assert own[names["value"]].value == 0.75
    assert own[names["value"]].number_format == "0.0%"
    assert own[names["period_start"]].number_format == "DD.MM.YYYY"
    small = next(row for row in rows if row[names["unit_name"]].value == "Träger D")
    assert small[names["evaluation"]].value == suppressed
    assert small[names["value"]].value is None and small[names["cases"]].value is None


# --- Suppression cannot be bypassed -------------------------------------------------


FILTERS = {
    "unit_type": ["", "whole", "funder", "provider", "service_type", "team"],
    "period_type": ["", "rolling12", "year", "month"],
    "indicator": ["", "planned_endings"],
    "period_from": ["", "2025-11-01"],
}


@pytest.mark.parametrize("persona", ["provider_a", "provider_b", "coordinator"])
def test_no_filter_combination_shows_more(world, client_for, figures, persona):
    """Every combination of filters gives a subset of the unfiltered rows, as empty."""
    user = (
        coordinator(world)
        if persona == "coordinator"
        else getattr(world.people, persona)
    )
    client = client_for(user)
    everything = keyed(parse(download(client)))
    for values in itertools.product(*FILTERS.values()):
        params = {k: v for k, v in zip(FILTERS, values, strict=True) if v}
        for key, row in keyed(parse(download(client, **params))).items():
            assert row == everything[key], params
    hidden = row_of(list(everything.values()), figures.rows["d"])
    assert is_suppressed(hidden)


def test_the_file_formats_withhold_the_same(world, figures):
    """CSV and XLSX of one user hold the same figures and the same empty cells."""
    user = world.people.provider_a
    text, book = io.BytesIO(), io.BytesIO()
    exports.do_export(user, "csv", text)
    exports.do_export(user, "xlsx", book)
    csv_rows = parse(text.getvalue())
    sheet = load_workbook(io.BytesIO(book.getvalue())).active
    cases = [row[12] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [row["cases"] for row in csv_rows] == [
        "" if value is None else str(value) for value in cases
    ]


def test_command_withholds_like_the_page(world, client_for, figures, tmp_path, capsys):
    """`dialoq export results` as provider A writes the page's rows."""
    out = tmp_path / "results.csv"
    code = cli.main(["export", "results", "--out", str(out), "--user", "provider_a"])
    assert code == 0
    assert "suppressed" in capsys.readouterr().out
    from_command = parse(out.read_bytes())
    from_page = parse(download(client_for(world.people.provider_a)))
    assert keyed(from_command) == keyed(from_page)
    assert is_suppressed(row_of(from_command, figures.rows["d"]))
    assert out.stat().st_mode & 0o077 == 0


def test_command_filters_and_xlsx(world, figures, tmp_path):
    """Filters narrow the command's file; XLSX is written on request."""
    out = tmp_path / "results.csv"
    arguments = ["export", "results", "--out", str(out), "--user", "funder"]
    code = cli.main(
        [*arguments, "--indicator", "waiting_days", "--period-type", "rolling12"]
    )
    assert code == 0
    rows = parse(out.read_bytes())
    assert {row["indicator_key"] for row in rows} == {"waiting_days"}
    code = cli.main(
        [
            *arguments,
            "--unit-type",
            "provider",
            "--from",
            "2025-11-01",
            "--to",
            "2026-10-31",
        ]
    )
    assert code == 0
    rows = parse(out.read_bytes())
    assert {row["unit_type"] for row in rows} == {"provider"}
    assert min(row["period_start"] for row in rows) >= "2025-11-01"
    assert max(row["period_end"] for row in rows) <= "2026-10-31"
    book = tmp_path / "results.xlsx"
    assert (
        cli.main(
            [*arguments[:2], "--format", "xlsx", "--out", str(book), "--user", "funder"]
        )
        == 0
    )
    assert (
        load_workbook(book).active.max_row
        == Result.objects.exclude(unit_type="team").count() + 1
    )


# --- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "pdf"}, "Choose XLSX or CSV."),
        ({"format": "csv", "period_type": "weekly"}, "“weekly” is not a period"),
        ({"format": "csv", "unit_type": "family"}, "“family” is not a unit type"),
        ({"format": "csv", "indicator": "nothing"}, "no indicator “nothing”"),
        ({"format": "csv", "period_from": "2026-02-31"}, "Enter the first day"),
        ({"format": "csv", "period_to": "soon"}, "Enter the last day"),
        (
            {"format": "csv", "period_from": "2026-10-01", "period_to": "2026-01-01"},
            "must not lie before the first day",
        ),
    ],
)
def test_bad_filters_get_a_clear_message(world, client_for, figures, params, message):
    """Invalid choices give the form with the reason (400), never a file or a 500."""
    client = client_for(world.people.funder)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_an_indicator_without_visible_results_is_refused(world, client_for, figures):
    """Naming another organisation's indicator tells nothing: it is not on offer."""
    hidden = data.make_indicator("elsewhere_only", criterion=data.make_criterion())
    data.make_result(hidden, "provider", provider=world.elsewhere, cases=9)
    client = client_for(world.people.provider_a)
    response = client.get(URL, {"format": "csv", "indicator": "elsewhere_only"})
    assert response.status_code == 400


def test_without_a_format_the_form_is_shown_with_the_filters(
    world, client_for, figures
):
    """The dashboard's link opens the form, its filters already chosen."""
    client = client_for(world.people.funder)
    page = client.get(URL, {"indicator": "planned_endings", "period_type": "year"})
    assert page.status_code == 200
    content = page.content.decode()
    assert re.search(r'value="planned_endings"[^>]* checked', content)
    assert '<option value="year" selected>' in content
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--indicator", "nothing"],
            "There is no indicator “%(value)s” among your results. Choose from the "
            "list.",
        ),
        (
            ["--from", "2026-10-01", "--to", "2026-01-01"],
            "The last day must not lie before the first day.",
        ),
    ],
)
def test_command_explains_bad_filters(
    world, figures, tmp_path, capsys, options, message
):
    """Invalid filters stop the command with one line, in German, and no file."""
    out = tmp_path / "results.csv"
    code = cli.main(
        ["export", "results", "--out", str(out), "--user", "funder", *options]
    )
    assert code == 1
    with translation.override("de"):
        expected = translation.gettext(message).replace("%(value)s", "nothing")
    assert capsys.readouterr().err == f"dialoq export: {expected}\n"
    assert not out.exists()


@pytest.mark.parametrize(
    "options",
    [["--period-type", "weekly"], ["--unit-type", "family"], ["--from", "31.02.2026"]],
)
def test_command_refuses_malformed_options(world, tmp_path, capsys, options):
    """Unknown choices and malformed dates are usage errors before anything runs."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(
            ["export", "results", "--out", str(tmp_path / "x"), "--user", "u", *options]
        )
    assert exit_info.value.code == 2
    assert options[0] in capsys.readouterr().err


def test_command_refuses_users_without_aggregates(world, tmp_path, capsys):
    """A committee viewer has no result export on the command line either."""
    factories.make_user(
        "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
    )
    out = tmp_path / "results.csv"
    code = cli.main(["export", "results", "--out", str(out), "--user", "committee"])
    assert code == 1
    assert "may not see aggregated figures" in capsys.readouterr().err
    assert not out.exists()


# --- Streaming ----------------------------------------------------------------------


def test_queries_do_not_grow_with_the_results(world, figures):
    """Rows stream from one query per indicator; more results, same queries."""

    def queries():
        cache.clear()  # each export works out the withheld pattern afresh
        with CaptureQueriesContext(connection) as captured:
            exports.do_export(world.people.funder, "csv", io.BytesIO())
        return len(captured)

    queries()  # the user's memberships are read once
    before = queries()
    for number in range(1, 30):
        data.make_result(
            figures.version,
            "funder",
            funder=world.funder,
            period=data.rolling(number + 12),
            cases=50 + number,
            numerator=30,
        )
    assert queries() == before
