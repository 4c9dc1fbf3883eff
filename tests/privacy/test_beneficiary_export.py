"""GDPR Art. 15: all data about one beneficiary, from the screen and the command."""

import json
from datetime import date

import pytest
from django.urls import reverse

from dialoq import cli
from dialoq.cases.audit import log_access
from dialoq.cases.models import AccessAction, AccessLogEntry
from tests import factories
from tests.privacy.builders import document, english, set_identity


@pytest.fixture
def person(world):
    """Case A's beneficiary with identity, a documented case A, a second case at
    provider B, and a third case at another funder that this funder must not export.
    """
    beneficiary = world.case_a.beneficiary
    set_identity(beneficiary)
    document(world.case_a, staff=world.people.provider_a)
    log_access(world.people.provider_a, AccessAction.VIEW_CASE, world.case_a)
    second = factories.make_case(
        world.funder, world.provider_b, beneficiary=beneficiary, status="closed"
    )
    other_funder = factories.make_organisation("funder", "Jugendamt Nachbarkreis")
    third = factories.make_case(other_funder, world.provider_a, beneficiary=beneficiary)
    return {"beneficiary": beneficiary, "second": second, "third": third}


def _url(case):
    return reverse("cases:beneficiary_export", args=[case.pk])


def test_case_manager_downloads_everything_as_json(world, person, client_for):
    """The JSON holds identity and every case of this funder with all its records."""
    client = client_for(world.people.funder)
    assert client.get(_url(world.case_a)).status_code == 200
    response = client.post(_url(world.case_a), {"output": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert person["beneficiary"].pseudonym in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["beneficiary"]["pseudonym"] == person["beneficiary"].pseudonym
    assert data["identity"] == {
        "first_name": "Zebulon",
        "last_name": "Quackenbush",
        "date_of_birth": "2012-03-04",
        "address": "Lindenweg 7\n12345 Musterstadt",
    }
    references = [case["case_reference"] for case in data["cases"]]
    assert references == [world.case_a.reference, person["second"].reference]
    case = data["cases"][0]
    assert (
        case["help_plans"][0]["goals"][0]["title"] == "Zebulon geht wieder zur Schule"
    )
    assert case["help_plans"][0]["participants"] == "Mutter, Fachkraft ASD"
    review = case["reviews"][0]
    assert len(review["ratings"]) == 5
    # funder: (2·1 + 1·0) / sqrt(0.7·5 + 0.3·9) · 10 + 50
    assert review["t_scores"]["funder"] == pytest.approx(58.03, abs=0.01)
    assert review["t_scores"]["beneficiary"] == pytest.approx(70.0, abs=0.01)
    assert case["need_assessments"][0]["ratings"][0]["level"] == 2
    assert case["contacts"] == [
        {
            "occurred_on": "2026-03-02",
            "duration_minutes": 90,
            "kind": "home_visit",
            "by": "Provider_A",
        }
    ]
    assert case["history"][0]["kind"] == "review_held"
    assert [entry["username"] for entry in case["access_log"]] == ["provider_a"]


def test_export_is_logged_per_case(world, person, client_for):
    """Each exported case gets an EXPORT_BENEFICIARY entry for its organisations."""
    client_for(world.people.funder).post(_url(world.case_a), {"output": "json"})
    entries = AccessLogEntry.objects.filter(action=AccessAction.EXPORT_BENEFICIARY)
    assert sorted(entry.case_id for entry in entries) == sorted(
        [world.case_a.pk, person["second"].pk]
    )
    assert {entry.username for entry in entries} == {"funder"}


def test_printable_page_shows_the_same_data(world, person, client_for):
    """The print view lists identity, goals and ratings in words."""
    response = english(client_for(world.people.funder)).post(
        _url(world.case_a), {"output": "html"}
    )
    assert response.status_code == 200
    for text in (
        "Quackenbush",
        "Zebulon geht wieder zur Schule",
        "Home visit",
        person["second"].reference,
    ):
        assert text in response.text
    assert person["third"].reference not in response.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("provider_a", 403), ("auditor", 403), ("provider_b", 404), ("outsider", 404)],
)
def test_no_one_else_can_export(world, person, client_for, persona, status):
    """Providers, auditors and outsiders get 403/404, no data, no log entry."""
    client = client_for(getattr(world.people, persona))
    for response in (
        client.get(_url(world.case_a)),
        client.post(_url(world.case_a), {"output": "json"}),
    ):
        assert response.status_code == status
        assert b"Quackenbush" not in response.content
    assert not AccessLogEntry.objects.filter(
        action=AccessAction.EXPORT_BENEFICIARY
    ).exists()


def test_unknown_output_is_refused_clearly(world, person, client_for):
    """A forged output choice gets a message and exports nothing."""
    client = english(client_for(world.people.funder))
    response = client.post(_url(world.case_a), {"output": "pdf"})
    assert response.status_code == 400
    assert "Choose whether to download a file or to show a page" in response.text
    assert "Quackenbush" not in response.text
    assert not AccessLogEntry.objects.filter(
        action=AccessAction.EXPORT_BENEFICIARY
    ).exists()


def _command(tmp_path, person, user, pseudonym=None, name="out.json"):
    out = tmp_path / name
    pseudonym = pseudonym or person["beneficiary"].pseudonym
    arguments = ["--pseudonym", pseudonym, "--user", user, "--out", str(out)]
    return cli.main(["export", "beneficiary", *arguments]), out


def test_command_writes_the_export_as_the_named_user(world, person, tmp_path, capsys):
    """`dialoq export beneficiary` writes the same JSON and logs it."""
    code, out = _command(tmp_path, person, "funder")
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["identity"]["last_name"] == "Quackenbush"
    assert len(data["cases"]) == 2
    assert "2 cases" in capsys.readouterr().out
    assert out.stat().st_mode & 0o077 == 0
    assert (
        AccessLogEntry.objects.filter(
            action=AccessAction.EXPORT_BENEFICIARY, username="funder"
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("user", "pseudonym", "message"),
    [
        ("provider_a", None, "provider_a may not export the data of"),
        ("auditor", None, "auditor may not export"),
        ("nobody", None, "There is no active user named 'nobody'."),
        ("funder", "LB-0000-0000", "No beneficiary has the pseudonym 'LB-0000-0000'."),
    ],
)
def test_command_refuses_clearly(
    world, person, tmp_path, capsys, user, pseudonym, message
):
    """Wrong user or pseudonym: a one-line message, exit code 1, no file."""
    code, _out = _command(tmp_path, person, user, pseudonym)
    assert code == 1
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_command_reports_an_unwritable_path(world, person, tmp_path, capsys):
    """A missing directory is reported; nothing is exported or logged."""
    code, _out = _command(tmp_path, person, "funder", name="missing/out.json")
    assert code == 1
    assert "Cannot write" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert not AccessLogEntry.objects.filter(
        action=AccessAction.EXPORT_BENEFICIARY
    ).exists()


def test_export_of_a_person_without_identity(world, client_for):
    """Without stored identity the export still holds the cases, identity null."""
    response = client_for(world.people.funder).post(
        _url(world.case_b), {"output": "json"}
    )
    data = json.loads(response.content)
    assert data["identity"] is None
    assert data["cases"][0]["started_on"] == date(2026, 1, 19).isoformat()
