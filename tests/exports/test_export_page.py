"""The export screen: every persona gets exactly its cases; bad choices are refused."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dialoq.accounts.roles import Role
from dialoq.cases.models import AccessAction, AccessLogEntry
from tests import factories
from tests.privacy.builders import english

URL = reverse("cases:export_page")


def _download(client, **data):
    response = client.post(URL, {"kind": "cases", "format": "csv"} | data)
    assert response.status_code == 200, response.content[:500]
    return response


def _case_ids(response):
    lines = b"".join(response.streaming_content).decode().split("\n")
    return {line.split(",")[0] for line in lines[1:] if line}


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
def test_each_persona_downloads_its_cases(world, client_for, persona, cases):
    """The page opens for everyone who sees cases; the file holds only theirs."""
    client = client_for(getattr(world.people, persona))
    assert client.get(URL).status_code == 200
    response = _download(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dialoq-cases-' in response["Content-Disposition"]
    assert _case_ids(response) == {str(getattr(world, name).pk) for name in cases}


def test_xlsx_download_opens(world, client_for):
    """The workbook download is a valid XLSX with the visible cases."""
    response = _download(client_for(world.people.provider_a), format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        world.case_a.pk
    ]


def test_people_who_see_no_cases_get_403(world, client_for):
    """A committee viewer, who reads reports only, has no export."""
    viewer = factories.make_user(role=Role.COMMITTEE_VIEWER, organisation=world.funder)
    client = client_for(viewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"kind": "cases", "format": "csv"}).status_code == 403


def test_case_list_filters_are_carried_into_the_export(world, client_for):
    """Filters handed over from the case list are shown and applied."""
    world.case_b.status = "closed"
    world.case_b.save()
    client = english(client_for(world.people.funder))
    page = client.get(URL, {"status": "closed", "sort": "reference"})
    assert "Filters from the case list" in page.text
    assert '<input type="hidden" name="status" value="closed">' in page.text
    response = _download(client, status="closed")
    assert _case_ids(response) == {str(world.case_b.pk)}
    page = client.get(URL, {"provider": world.provider_a.pk})
    assert "<li>Provider: Träger A</li>" in page.text
    response = _download(client, provider=world.provider_a.pk)
    assert _case_ids(response) == {str(world.case_a.pk)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "beneficiaries"}, "Choose cases, goals or reviews."),
        ({"format": "pdf"}, "Choose XLSX or CSV."),
        ({"kind": ""}, "Choose what to export."),
        ({"status": "vanished"}, "The filters handed over from the case list"),
    ],
)
def test_bad_choices_are_refused_clearly(world, client_for, data, message):
    """A forged choice gets a specific message, status 400, and exports nothing."""
    client = english(client_for(world.people.funder))
    response = client.post(URL, {"kind": "cases", "format": "csv"} | data)
    assert response.status_code == 400
    assert message in response.text
    assert not AccessLogEntry.objects.filter(action=AccessAction.EXPORT_CASES).exists()


def test_page_offers_radio_groups_with_legends(world, client_for):
    """What and format are radio groups inside fieldsets with legends."""
    response = english(client_for(world.people.funder)).get(URL)
    assert response.text.count("<fieldset") == 2
    assert "<legend>What to export" in response.text
    assert "<legend>Format" in response.text
