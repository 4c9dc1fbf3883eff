"""The agreement screens for each persona, with their bad-input messages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialoq.agreements.models import Agreement, VersionStatus
from tests import factories
from tests.agreements.factories import (
    agreement_between,
    make_approved,
    make_dual_member,
    make_terms,
    spfh,
)

HTMX = {"HX-Request": "true"}
PARTS = ("services", "staffing", "rates", "indicators", "reporting_duties")


@pytest.fixture
def client_for(client_for, verified_client_for):
    """Return a signed-in client in English; second factor confirmed where needed."""

    def sign_in(user):
        if user.needs_two_factor():
            client = verified_client_for(user)
        else:
            client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def _proposal_data(start, *, amount="61.20", **changes):
    """Return the POST data of a proposal with one service type and its rate."""
    service_type = spfh()
    data = {
        "valid_from": start.isoformat(),
        "valid_until": "",
        "change_note": "Tarifsteigerung",
        "quality_principles": "",
        "dialogue_cadence_months": "12",
        "action": "propose",
        "services-0-service_type": str(service_type.pk),
        "services-0-target_group": "Familien",
        "services-0-volume": "12",
        "services-0-volume_unit": "places",
        "rates-0-service_type": str(service_type.pk),
        "rates-0-unit": "hour",
        "rates-0-amount": amount,
        "rates-0-valid_from": "",
        "rates-0-valid_until": "",
    }
    for part in PARTS:
        data |= {
            f"{part}-TOTAL_FORMS": "1",
            f"{part}-INITIAL_FORMS": "0",
            f"{part}-MIN_NUM_FORMS": "0",
            f"{part}-MAX_NUM_FORMS": "100",
        }
    data.update(changes)
    return data


def _start():
    return timezone.localdate() + timedelta(days=30)


@pytest.fixture
def proposal(agreement, people, client_for):
    """Return version 2, proposed through the form by the funder's QM officer."""
    response = client_for(people.funder_qm).post(
        reverse("agreements:propose", args=[agreement.pk]), _proposal_data(_start())
    )
    assert response.status_code == 302
    return agreement.versions.get(number=2)


def _urls(agreement, number):
    return [
        reverse("agreements:detail", args=[agreement.pk]),
        reverse("agreements:propose", args=[agreement.pk]),
        reverse("agreements:version", args=[agreement.pk, number]),
        reverse("agreements:diff", args=[agreement.pk, number]),
        reverse("agreements:approve", args=[agreement.pk, number]),
        reverse("agreements:reject", args=[agreement.pk, number]),
        reverse("agreements:withdraw", args=[agreement.pk, number]),
    ]


# --- reading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["funder_manager", "provider_manager", "funder_qm", "caseworker"]
)
def test_members_of_both_sides_read_the_agreement(
    persona, agreement, people, client_for
):
    client = client_for(getattr(people, persona))
    listing = client.get(reverse("agreements:list"))
    assert listing.status_code == 200
    assert reverse("agreements:detail", args=[agreement.pk]) in listing.text
    assert "Agreements" in client.get(reverse("start")).text  # navigation entry
    page = client.get(reverse("agreements:detail", args=[agreement.pk]))
    assert page.status_code == 200
    assert "version 1 is in force" in page.text
    assert "58.40" in page.text


def test_outsider_sees_no_agreement(agreement, people, client_for):
    """A member of an unrelated provider gets an empty list and 404 everywhere."""
    for persona in ("outsider", "outside_manager"):
        client = client_for(getattr(people, persona))
        listing = client.get(reverse("agreements:list"))
        assert listing.status_code == 200
        assert "You take part in no agreement yet." in listing.text
        assert "Träger A" not in listing.text
        for url in _urls(agreement, 1):
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url


def test_committee_viewer_has_no_agreement_pages(agreement, people, client_for):
    client = client_for(people.committee)
    assert client.get(reverse("agreements:list")).status_code == 403
    assert (
        client.get(reverse("agreements:detail", args=[agreement.pk])).status_code == 404
    )
    assert "agreements/" not in client.get(reverse("start")).text


def test_day_picker_shows_the_version_of_that_day(agreement, people, client_for):
    client = client_for(people.caseworker)
    url = reverse("agreements:detail", args=[agreement.pk])
    before = client.get(url, {"on": "2024-06-01"})
    assert "No version is in force on 06/01/2024" in before.text
    bad = client.get(url, {"on": "31.02.2025"})
    assert bad.status_code == 200
    assert "This date was not understood; today is shown." in bad.text
    part = client.get(url, {"on": "2025-06-01"}, headers=HTMX)
    assert "<html" not in part.text
    assert "On 06/01/2025, version 1 is in force." in part.text


# --- proposing --------------------------------------------------------------------


def test_qm_officer_proposes_from_the_version_in_force(agreement, people, client_for):
    client = client_for(people.provider_qm)
    url = reverse("agreements:propose", args=[agreement.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="58.40"' in form.text  # starts from the content in force
    response = client.post(url, _proposal_data(_start()))
    version = agreement.versions.get(number=2)
    assert response["Location"] == reverse("agreements:version", args=[agreement.pk, 2])
    assert version.proposed_for == "provider"
    assert version.base.number == 1
    assert str(version.rates.get().amount) == "61.20"


def test_german_amount_with_decimal_comma(agreement, people, verified_client_for):
    client = verified_client_for(people.funder_qm)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = client.post(
        reverse("agreements:propose", args=[agreement.pk]),
        _proposal_data(_start(), amount="61,20"),
    )
    assert response.status_code == 302
    assert str(agreement.versions.get(number=2).rates.get().amount) == "61.20"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rates-0-amount": "abc"}, "Enter a number."),
        ({"rates-0-amount": "-5"}, "A rate must be greater than zero."),
        ({"valid_until": "2020-01-01"}, "must end on or after the day it starts"),
        ({"change_note": ""}, "This field is required."),
        ({"dialogue_cadence_months": "48"}, "less than or equal to 36"),
        ({"rates-0-service_type": ""}, "This field is required."),
        (
            {"rates-0-amount": "", "rates-0-service_type": "", "rates-0-unit": ""},
            "No rate is agreed for",
        ),
        ({"valid_from": "2020-01-01"}, "cannot take effect retroactively"),
        ({"valid_from": "tomorrow"}, "Enter a valid date."),
    ],
)
def test_bad_proposals_are_explained(changes, message, agreement, people, client_for):
    client = client_for(people.funder_qm)
    response = client.post(
        reverse("agreements:propose", args=[agreement.pk]),
        _proposal_data(_start(), **changes),
    )
    assert response.status_code == 400
    assert message in response.text
    assert agreement.versions.count() == 1


def test_more_rows_keeps_the_input(agreement, people, client_for):
    client = client_for(people.funder_qm)
    data = _proposal_data(_start(), action="more_rows", change_note="Entwurf")
    response = client.post(reverse("agreements:propose", args=[agreement.pk]), data)
    assert response.status_code == 200
    assert 'name="services-2-volume"' in response.text
    assert "Entwurf" in response.text
    assert agreement.versions.count() == 1


@pytest.mark.parametrize("persona", ["caseworker", "funder_manager_2"])
def test_propose_page_needs_the_right_role(persona, agreement, people, client_for):
    client = client_for(getattr(people, persona))
    url = reverse("agreements:propose", args=[agreement.pk])
    expected = 403 if persona == "caseworker" else 200
    assert client.get(url).status_code == expected


def test_second_proposal_is_sent_back(proposal, people, client_for):
    client = client_for(people.provider_qm)
    response = client.get(reverse("agreements:propose", args=[proposal.agreement.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "There is an open proposal already" in page.text


# --- deciding ---------------------------------------------------------------------


def test_both_managers_approve_through_the_pages(proposal, people, client_for):
    agreement = proposal.agreement
    url = reverse("agreements:approve", args=[agreement.pk, proposal.number])
    funder = client_for(people.funder_manager)
    confirm = funder.get(url)
    assert confirm.status_code == 200
    assert "Hourly rate § 31 SGB VIII: 58.40\u00a0€ → 61.20\u00a0€" in confirm.text
    response = funder.post(url, follow=True)
    assert "the other side must approve too" in response.text
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.PROPOSED
    detail = client_for(people.provider_manager).get(
        reverse("agreements:detail", args=[agreement.pk])
    )
    assert url in detail.text  # the provider's manager is offered the approval
    response = client_for(people.provider_manager).post(url, follow=True)
    assert "Both sides have approved version 2" in response.text
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.APPROVED


def test_forged_side_is_refused(proposal, people, client_for):
    """Posting the provider's side as the funder's manager approves nothing."""
    url = reverse("agreements:approve", args=[proposal.agreement.pk, proposal.number])
    response = client_for(people.funder_manager).post(url, {"side": "provider"})
    assert response.status_code == 403
    assert not proposal.approvals.exists()


@pytest.mark.parametrize("persona", ["caseworker", "funder_qm", "provider_qm"])
def test_non_managers_cannot_approve_or_reject(persona, proposal, people, client_for):
    client = client_for(getattr(people, persona))
    for name in ("approve", "reject"):
        url = reverse(f"agreements:{name}", args=[proposal.agreement.pk, 2])
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "Nein"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.PROPOSED
    assert not proposal.approvals.exists()


def test_dual_member_chooses_a_side_and_counts_once(
    world, proposal, people, client_for
):
    dual = make_dual_member(world.funder, world.provider_a)
    client = client_for(dual)
    url = reverse("agreements:approve", args=[proposal.agreement.pk, 2])
    assert 'name="side"' in client.get(url).text
    assert client.post(url).status_code == 400
    assert client.post(url, {"side": "funder"}).status_code == 302
    response = client.post(url, {"side": "provider"})
    assert response.status_code == 400
    assert "You have approved this proposal already." in response.text
    page = client.get(reverse("agreements:detail", args=[proposal.agreement.pk]))
    assert url not in page.text  # no approval left to offer to this person
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.PROPOSED
    assert list(proposal.approvals.values_list("side", flat=True)) == ["funder"]


def test_reject_needs_a_reason(proposal, people, client_for):
    client = client_for(people.provider_manager)
    url = reverse("agreements:reject", args=[proposal.agreement.pk, 2])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert client.post(url, {"reason": "Stundensatz zu hoch"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.REJECTED
    page = client.get(reverse("agreements:detail", args=[proposal.agreement.pk]))
    assert "Stundensatz zu hoch" in page.text


def test_only_the_proposing_side_withdraws(proposal, people, client_for):
    url = reverse("agreements:withdraw", args=[proposal.agreement.pk, 2])
    assert client_for(people.provider_qm).post(url).status_code == 403
    assert client_for(people.funder_qm).post(url).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.WITHDRAWN


def test_decided_version_has_no_decision_pages(proposal, people, client_for):
    client = client_for(people.funder_qm)
    client.post(reverse("agreements:withdraw", args=[proposal.agreement.pk, 2]))
    response = client_for(people.funder_manager).post(
        reverse("agreements:approve", args=[proposal.agreement.pk, 2])
    )
    assert response.status_code == 302
    assert not proposal.approvals.exists()


def test_version_and_diff_pages(proposal, people, client_for):
    client = client_for(people.caseworker)
    agreement = proposal.agreement
    version = client.get(reverse("agreements:version", args=[agreement.pk, 2]))
    assert version.status_code == 200
    assert "Tarifsteigerung" in version.text
    diff = client.get(reverse("agreements:diff", args=[agreement.pk, 2]))
    assert "58.40\u00a0€ → 61.20\u00a0€" in diff.text
    against = client.get(
        reverse("agreements:diff", args=[agreement.pk, 1]), {"against": "2"}
    )
    assert "61.20\u00a0€ → 58.40\u00a0€" in against.text
    missing = client.get(
        reverse("agreements:diff", args=[agreement.pk, 1]), {"against": "9"}
    )
    assert missing.status_code == 404
    assert (
        client.get(reverse("agreements:version", args=[agreement.pk, 9])).status_code
        == 404
    )


# --- starting an agreement --------------------------------------------------------


def test_qm_officer_starts_an_agreement(world, people, client_for):
    client = client_for(people.funder_qm)
    url = reverse("agreements:create")
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"own": world.funder.pk, "partner": world.funder.pk})
    assert wrong.status_code == 400
    assert "Choose your organisation and the partner." in wrong.text
    response = client.post(
        url, {"own": world.funder.pk, "partner": world.provider_b.pk}
    )
    agreement = Agreement.objects.get(funder=world.funder, provider=world.provider_b)
    assert response["Location"] == reverse("agreements:propose", args=[agreement.pk])
    assert client_for(people.caseworker).get(url).status_code == 403
    foreign = client.post(url, {"own": world.elsewhere.pk, "partner": world.funder.pk})
    assert foreign.status_code == 400


def test_list_needs_the_same_queries_for_more_agreements(
    world, agreement, people, client_for
):
    """The list loads versions and approvals in bulk, not per agreement."""
    client = client_for(people.funder_manager)
    url = reverse("agreements:list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("Träger C", "Träger D"):
        provider = factories.make_organisation(name=name)
        make_approved(
            agreement_between(world.funder, provider),
            people.funder_qm,
            people.funder_manager,
            factories.make_user(role="manager", organisation=provider),
            make_terms(timezone.localdate()),
        )
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert "Träger D" in response.text
    assert len(three.captured_queries) == len(one.captured_queries)


def test_pages_render_in_german(agreement, people, verified_client_for):
    client = verified_client_for(people.funder_manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    page = client.get(reverse("agreements:detail", args=[agreement.pk]))
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "58,40\u00a0€" in page.text
    assert "01.01.2025" in page.text
