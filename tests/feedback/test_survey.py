"""The anonymous survey: answering once, bad input, and that nothing leads back."""

import re
from datetime import date

from django.db import models
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.models import AccessLogEntry, CaseEvent, CaseEventKind
from dialoq.feedback.models import SurveyInvitation, SurveyResponse
from dialoq.feedback.survey import FREE_TEXT_MAX_LENGTH, ITEM_FIELDS, ITEMS, Aspect
from tests.feedback.factories import expire, make_survey_link


def _url(token):
    return reverse("feedback:survey", args=[token])


def test_survey_page_asks_every_item_with_a_fieldset(world, beneficiary):
    """Each statement is a fieldset with a legend; all aspects are covered."""
    _invitation, token = make_survey_link(world.case_a)
    response = beneficiary.get(_url(token))
    assert response.status_code == 200
    page = response.text
    assert page.count("<fieldset") == len(ITEMS)
    for item in ITEMS:
        assert f"<legend>{item.statement}</legend>" in page
    assert {item.aspect for item in ITEMS} == set(Aspect)
    no_answer_preset = re.findall(r'value="" id="id_\w+" checked', page)
    assert len(no_answer_preset) == len(ITEMS)
    assert "Your answers are anonymous" in page
    assert '<label for="id_free_text">' in page
    assert world.case_a.reference not in page


def test_an_answer_is_stored_without_a_trace_to_the_invitation(world, beneficiary):
    """The response has the answers, provider and month, and shares no key or time."""
    invitation, token = make_survey_link(world.case_a)
    events_before = CaseEvent.objects.count()
    data = {"framework_time": "5", "position_say": "1", "free_text": "Danke!"}
    response = beneficiary.post(_url(token), data)
    assert response.status_code == 302
    survey_response = SurveyResponse.objects.get()
    assert survey_response.framework_time == 5
    assert survey_response.position_say == 1
    assert survey_response.relationship_trust is None  # no answer
    assert survey_response.free_text == "Danke!"
    assert survey_response.provider == world.provider_a
    assert survey_response.funder == world.funder
    assert survey_response.period == timezone.localdate().replace(day=1)
    invitation.refresh_from_db()
    assert invitation.used is True
    assert CaseEvent.objects.count() == events_before  # no history entry
    assert not AccessLogEntry.objects.exists()
    values = {
        field.attname: getattr(survey_response, field.attname)
        for field in SurveyResponse._meta.concrete_fields
    }
    assert str(values["id"]) != str(invitation.pk)
    assert invitation.token_hash not in map(str, values.values())
    assert invitation.created_on not in values.values()
    assert invitation.expires_at not in values.values()


def test_the_response_model_has_no_way_back():
    """SurveyResponse has no relation to invitations, cases or people, nor any time."""
    fields = SurveyResponse._meta.get_fields()
    related = {field.related_model for field in fields if field.is_relation}
    from dialoq.accounts.models import Organisation, User
    from dialoq.catalog.models import ServiceType

    assert related == {Organisation, ServiceType}
    assert User not in related
    assert not [f for f in fields if isinstance(f, models.DateTimeField)]
    assert isinstance(SurveyResponse._meta.pk, models.UUIDField)
    names = {field.name for field in fields}
    assert not names & {"case", "invitation", "beneficiary", "created_at", "user"}
    assert not [f for f in SurveyInvitation._meta.get_fields() if f.name == "used_at"]


def test_keys_and_order_do_not_follow_the_order_of_answers(world, beneficiary):
    """Responses get random keys: sorted keys do not repeat the answering order."""
    created = []
    for _ in range(8):
        _invitation, token = make_survey_link(world.case_a)
        beneficiary.post(_url(token), {"framework_time": "3"})
        created.append(SurveyResponse.objects.exclude(pk__in=created).get().pk)
    assert len(set(created)) == 8
    assert {key.version for key in created} == {4}  # random, not time-based
    assert sorted(created) != created  # fails by chance once in 40,320 runs


def test_a_survey_link_works_once(world, beneficiary):
    """The second answer through the same link gets 410 and is not stored."""
    _invitation, token = make_survey_link(world.case_a)
    beneficiary.post(_url(token), {"framework_time": "4"})
    response = beneficiary.post(_url(token), {"framework_time": "1"})
    assert response.status_code == 410
    assert "This link has already been used" in response.text
    assert SurveyResponse.objects.get().framework_time == 4


def test_expired_and_forged_survey_links(world, beneficiary):
    """An expired link gets 410, an unknown one 404, each with a human page."""
    invitation, token = make_survey_link(world.case_a)
    expire(invitation)
    expired = beneficiary.post(_url(token), {})
    assert expired.status_code == 410 and "This link has expired" in expired.text
    forged = beneficiary.get(_url(token[:-1] + ("A" if token[-1] != "A" else "B")))
    assert forged.status_code == 404 and "This link is not valid" in forged.text
    assert not SurveyResponse.objects.exists()


def test_all_questions_may_be_left_unanswered(world, beneficiary):
    """An empty form is a valid answer: every item "no answer"."""
    _invitation, token = make_survey_link(world.case_a)
    assert beneficiary.post(_url(token), {}).status_code == 302
    survey_response = SurveyResponse.objects.get()
    assert all(getattr(survey_response, name) is None for name in ITEM_FIELDS)


def test_bad_survey_input_is_refused_with_a_message(world, beneficiary):
    """Out-of-range answers and too long comments are refused; nothing changes."""
    invitation, token = make_survey_link(world.case_a)
    for data, message in (
        ({"framework_time": "6"}, "Please choose one of the answers shown."),
        ({"benefit_situation": "0"}, "Please choose one of the answers shown."),
        ({"position_respect": "yes"}, "Please choose one of the answers shown."),
        (
            {"free_text": "x" * (FREE_TEXT_MAX_LENGTH + 1)},
            f"at most {FREE_TEXT_MAX_LENGTH} characters (it has 1001)",
        ),
    ):
        response = beneficiary.post(_url(token), data)
        assert response.status_code == 200
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="id_free_text_helptext id_free_text_error"' in (
        response.text
    )
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used is False


def test_the_period_is_a_month(world, beneficiary):
    """The stored period is the first day of the month of answering."""
    _invitation, token = make_survey_link(world.case_a)
    beneficiary.post(_url(token), {})
    period = SurveyResponse.objects.get().period
    assert period.day == 1 and isinstance(period, date)


def test_the_case_history_names_the_survey_link_but_not_the_answer(world, beneficiary):
    """Handing out the link is in the case's history; answering leaves no trace."""
    _invitation, token = make_survey_link(world.case_a, world.people.provider_a)
    beneficiary.post(_url(token), {"framework_time": "2"})
    assert list(world.case_a.events.values_list("kind", "actor")) == [
        (CaseEventKind.CHANGED, world.people.provider_a.pk)
    ]
