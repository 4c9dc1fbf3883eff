"""Staff screens of complaints: who sees what, the handling steps, recording, link."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.cases.models import AccessAction, AccessLogEntry
from dialoq.deviations import complaints
from dialoq.deviations.complaint_forms import organisation_from_token
from dialoq.deviations.models import Complaint, ComplaintStatus, Deviation
from tests import factories

TEXT = "Die Wartezeit war unzumutbar lang, Familie Vertraulich wartet noch."


@pytest.fixture
def people(world):
    return {
        "funder_qm": factories.make_user(
            "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
        ),
        "provider_qm": factories.make_user(
            "qm_provider_a", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
        "outside_qm": factories.make_user(
            "qm_elsewhere", role=Role.QM_OFFICER, organisation=world.elsewhere
        ),
        "caseworker": world.people.provider_a,
        "outsider": world.people.outsider,
        "case_manager": world.people.funder,
    }


@pytest.fixture
def about_funder(world):
    return complaints.do_receive(
        source="partner",
        channel="email",
        category="participation",
        text=TEXT,
        contact="partner@example.org",
        funder=world.funder,
    )


@pytest.fixture
def about_provider(world):
    return complaints.do_receive(
        source="beneficiary",
        channel="public_form",
        category="waiting",
        text=TEXT,
        anonymous=True,
        provider=world.provider_a,
    )


def detail(complaint):
    return reverse("deviations:complaint_detail", args=[complaint.pk])


LIST = "/deviations/complaints/"


def test_funder_qm_sees_complaints_about_the_funder_only(
    people, about_funder, about_provider, verified_client_for
):
    client = verified_client_for(people["funder_qm"])
    page = client.get(LIST).content.decode()
    assert about_funder.reference in page
    assert about_provider.reference not in page
    assert client.get(detail(about_funder)).status_code == 200
    assert client.get(detail(about_provider)).status_code == 404


def test_provider_qm_sees_complaints_about_the_provider_only(
    people, about_funder, about_provider, verified_client_for
):
    client = verified_client_for(people["provider_qm"])
    page = client.get(LIST).content.decode()
    assert about_provider.reference in page
    assert about_funder.reference not in page
    response = client.get(detail(about_provider))
    assert response.status_code == 200
    assert TEXT in response.content.decode()
    assert client.get(detail(about_funder)).status_code == 404


@pytest.mark.parametrize("person", ["caseworker", "outsider", "case_manager"])
def test_caseworkers_and_outsiders_see_nothing(
    people, about_funder, about_provider, verified_client_for, person
):
    client = verified_client_for(people[person])
    assert client.get(LIST).status_code == 403
    for complaint in (about_funder, about_provider):
        assert client.get(detail(complaint)).status_code == 404
        for step in ("acknowledge", "answer", "close", "open_deviation"):
            url = reverse(f"deviations:complaint_{step}", args=[complaint.pk])
            assert client.post(url).status_code == 404
    assert Complaint.objects.filter(status=ComplaintStatus.RECEIVED).count() == 2


def test_qm_of_another_organisation_gets_an_empty_list(
    people, about_funder, about_provider, verified_client_for
):
    client = verified_client_for(people["outside_qm"])
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert about_funder.reference not in page
    assert about_provider.reference not in page
    assert client.get(detail(about_provider)).status_code == 404


def test_each_opening_of_the_detail_page_is_logged(
    people, about_provider, verified_client_for
):
    client = verified_client_for(people["provider_qm"])
    client.get(detail(about_provider))
    client.get(detail(about_provider))
    entries = AccessLogEntry.objects.filter(
        action=AccessAction.VIEW_COMPLAINT, user=people["provider_qm"]
    )
    assert entries.count() == 2
    assert all(about_provider.reference in entry.detail for entry in entries)
    # The list shows no text and logs no reading.
    page = client.get(LIST).content.decode()
    assert TEXT not in page
    assert entries.count() == 2


def test_anonymous_complaint_says_no_answer_is_possible(
    people, about_provider, verified_client_for
):
    page = (
        verified_client_for(people["provider_qm"])
        .get(detail(about_provider))
        .content.decode()
    )
    assert _("Anonymous: no contact details are stored, no answer is possible.") in page


def test_steps_through_the_screens(people, about_provider, verified_client_for):
    client = verified_client_for(people["provider_qm"])
    pk = about_provider.pk
    response = client.post(reverse("deviations:complaint_acknowledge", args=[pk]))
    assert response.status_code == 302
    # Acknowledging twice is refused with a message, not an error page.
    response = client.post(
        reverse("deviations:complaint_acknowledge", args=[pk]), follow=True
    )
    assert _("Receipt of this complaint is already confirmed.") in (
        response.content.decode()
    )
    response = client.post(
        reverse("deviations:complaint_answer", args=[pk]),
        {"outcome": "upheld", "answer_note": "Aushang mit Sprechzeiten ergänzt."},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("deviations:complaint_open_deviation", args=[pk]),
        {"severity": "medium"},
    )
    assert response.status_code == 302
    response = client.post(reverse("deviations:complaint_close", args=[pk]))
    assert response.status_code == 302
    about_provider.refresh_from_db()
    assert about_provider.status == ComplaintStatus.CLOSED
    assert about_provider.outcome == "upheld"
    deviation = Deviation.objects.get()
    assert about_provider.deviation == deviation
    assert TEXT not in deviation.title
    page = client.get(detail(about_provider)).content.decode()
    assert "Aushang mit Sprechzeiten" in page
    assert deviation.number in page


ANSWER_TOO_LONG = (
    "The answer is too long: %(length)s characters. At most %(limit)s characters "
    "are possible."
)
NULL_CHARACTER = (
    "The text contains a null character, which is not allowed. Please type the "
    "text again instead of pasting it."
)


@pytest.mark.parametrize(
    ("data", "message", "params"),
    [
        (
            {"outcome": "upheld", "answer_note": "  "},
            "Please write down what was answered.",
            None,
        ),
        (
            {"outcome": "bogus", "answer_note": "Ok"},
            "Please choose one of the options shown.",
            None,
        ),
        (
            {"answer_note": "Ok"},
            "Please choose whether the complaint was justified.",
            None,
        ),
        (
            {"outcome": "upheld", "answer_note": "x" * 5001},
            ANSWER_TOO_LONG,
            {"length": 5001, "limit": 5000},
        ),
        ({"outcome": "upheld", "answer_note": "a\x00b"}, NULL_CHARACTER, None),
    ],
)
def test_bad_answers_are_refused(
    people, about_provider, verified_client_for, data, message, params
):
    client = verified_client_for(people["provider_qm"])
    response = client.post(
        reverse("deviations:complaint_answer", args=[about_provider.pk]), data
    )
    assert response.status_code == 400
    expected = _(message)
    if params:
        expected %= {
            key: number_format(value, force_grouping=True)
            for key, value in params.items()
        }
    assert expected in response.content.decode()
    about_provider.refresh_from_db()
    assert about_provider.status == ComplaintStatus.RECEIVED


def test_bad_severity_is_refused(people, about_provider, verified_client_for):
    client = verified_client_for(people["provider_qm"])
    url = reverse("deviations:complaint_open_deviation", args=[about_provider.pk])
    response = client.post(url, {"severity": "apocalyptic"}, follow=True)
    assert _("Please choose a severity.") in response.content.decode()
    assert not Deviation.objects.exists()


def test_steps_need_post(people, about_provider, verified_client_for):
    client = verified_client_for(people["provider_qm"])
    for step in ("acknowledge", "answer", "close", "open_deviation"):
        url = reverse(f"deviations:complaint_{step}", args=[about_provider.pk])
        assert client.get(url).status_code == 405


def test_list_filters(people, world, verified_client_for):
    qm = people["provider_qm"]
    old = timezone.now() - timedelta(days=60)
    late = complaints.do_receive(
        source="staff",
        channel="phone",
        category="treatment",
        text=TEXT,
        provider=world.provider_a,
        received_at=old,
    )
    confirmed = complaints.do_receive(
        source="beneficiary",
        channel="letter",
        category="help",
        text=TEXT,
        provider=world.provider_a,
        received_at=old,
    )
    complaints.do_acknowledge(qm, confirmed)
    closed = complaints.do_receive(
        source="beneficiary",
        channel="letter",
        category="help",
        text=TEXT,
        provider=world.provider_a,
    )
    complaints.do_answer(qm, closed, "not_upheld", "Erklärt.")
    complaints.do_close(qm, closed)
    client = verified_client_for(qm)

    def shown(**query):
        page = client.get(LIST, query).content.decode()
        return {c.reference for c in (late, confirmed, closed) if c.reference in page}

    assert shown() == {late.reference, confirmed.reference}
    assert shown(status="all") == {
        late.reference,
        confirmed.reference,
        closed.reference,
    }
    assert shown(status="closed") == {closed.reference}
    assert shown(category="help") == {confirmed.reference}
    assert shown(overdue="acknowledgement") == {late.reference}
    assert shown(overdue="answer") == {late.reference, confirmed.reference}
    # An invalid filter is reported and left out.
    response = client.get(LIST, {"status": "<script>", "overdue": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>" not in page
    assert late.reference in page


def test_list_query_count_does_not_grow(people, world, verified_client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client_for(people["provider_qm"])

    def queries():
        with CaptureQueriesContext(connection) as context:
            client.get(LIST)
        return len(context)

    complaints.do_receive(
        source="other",
        channel="phone",
        category="other",
        text=TEXT,
        provider=world.provider_a,
    )
    few = queries()
    for _number in range(5):
        complaints.do_receive(
            source="other",
            channel="phone",
            category="other",
            text=TEXT,
            provider=world.provider_a,
        )
    assert queries() == few


def test_caseworker_records_a_complaint_and_cannot_read_it(
    people, world, verified_client_for
):
    client = verified_client_for(people["caseworker"])
    url = reverse("deviations:complaint_record")
    page = client.get(url).content.decode()
    assert world.provider_a.name in page
    assert world.provider_b.name not in page
    response = client.post(
        url,
        {
            "organisation": world.provider_a.pk,
            "source": "beneficiary",
            "channel": "phone",
            "category": "treatment",
            "text": TEXT,
            "contact": "Rückruf erbeten",
            "case_reference": world.case_a.reference,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url
    complaint = Complaint.objects.get()
    assert complaint.recorded_by == people["caseworker"]
    assert complaint.case == world.case_a
    assert complaint.provider == world.provider_a
    assert client.get(detail(complaint)).status_code == 404


def test_qm_records_and_lands_on_the_detail_page(people, world, verified_client_for):
    client = verified_client_for(people["funder_qm"])
    response = client.post(
        reverse("deviations:complaint_record"),
        {
            "organisation": world.funder.pk,
            "source": "partner",
            "channel": "letter",
            "category": "participation",
            "text": TEXT,
            "anonymous": "on",
            "contact": "wird nicht gespeichert",
        },
    )
    complaint = Complaint.objects.get()
    assert response["Location"] == detail(complaint)
    assert complaint.anonymous
    assert complaint.read()["contact"] == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "Please describe your complaint."),
        ({"case_reference": "T-999999"}, "You cannot see a case with this number."),
        ({"channel": "public_form"}, "Please choose one of the options shown."),
    ],
)
def test_recording_bad_input(people, world, verified_client_for, fields, message):
    client = verified_client_for(people["caseworker"])
    data = {
        "organisation": world.provider_a.pk,
        "source": "beneficiary",
        "channel": "phone",
        "category": "treatment",
        "text": TEXT,
    }
    data.update(fields)
    response = client.post(reverse("deviations:complaint_record"), data)
    assert response.status_code == 400
    assert _(message) in response.content.decode()
    assert not Complaint.objects.exists()


def test_recording_for_a_case_of_another_organisation_is_refused(
    world, verified_client_for
):
    """A case seen through one membership cannot be tied to another organisation."""
    person = factories.make_user(
        "two_hats", role=Role.CASE_MANAGER, organisation=world.funder
    )
    Membership.objects.create(
        user=person, organisation=world.provider_b, role=Role.CASEWORKER
    )
    client = verified_client_for(person)
    data = {
        "organisation": world.provider_b.pk,
        "source": "beneficiary",
        "channel": "phone",
        "category": "help",
        "text": TEXT,
        "case_reference": world.case_a.reference,
    }
    response = client.post(reverse("deviations:complaint_record"), data)
    assert response.status_code == 400
    assert _("This case does not belong to the organisation concerned.") in (
        response.content.decode()
    )
    data["organisation"] = world.funder.pk
    response = client.post(reverse("deviations:complaint_record"), data)
    assert response.status_code == 302
    assert Complaint.objects.get().case == world.case_a


def test_outsider_cannot_record_for_someone_else(people, world, verified_client_for):
    client = verified_client_for(people["outsider"])
    response = client.post(
        reverse("deviations:complaint_record"),
        {
            "organisation": world.provider_a.pk,
            "source": "beneficiary",
            "channel": "phone",
            "category": "treatment",
            "text": TEXT,
        },
    )
    assert response.status_code == 400
    assert not Complaint.objects.filter(provider=world.provider_a).exists()


def test_auditor_cannot_record(world, verified_client_for):
    client = verified_client_for(world.people.auditor)
    assert client.get(reverse("deviations:complaint_record")).status_code == 403


def test_form_link_for_the_handlers_organisations(people, world, verified_client_for):
    client = verified_client_for(people["provider_qm"])
    response = client.get(reverse("deviations:complaint_form_link"))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.provider_a.name in page
    assert world.funder.name not in page
    assert "<svg" in page
    token = page.split("/beschwerde/?org=")[1].split('"')[0]
    assert organisation_from_token(token) == world.provider_a
    caseworker = verified_client_for(people["caseworker"])
    assert caseworker.get(reverse("deviations:complaint_form_link")).status_code == 403


def test_navigation_entry(people, about_provider, verified_client_for):
    page = verified_client_for(people["provider_qm"]).get("/").content.decode()
    assert f'href="{LIST}"' in page
    page = verified_client_for(people["caseworker"]).get("/").content.decode()
    assert 'href="/deviations/complaints/record/"' in page
    assert f'href="{LIST}"' not in page
    page = verified_client_for(people["outside_qm"]).get("/").content.decode()
    assert f'href="{LIST}"' in page
