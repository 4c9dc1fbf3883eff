"""Answering: drafts, bad input, independence of the sides, submission."""

import pytest
from django.urls import reverse

from dialoq.self_assessment import services
from dialoq.self_assessment.models import Answer, RoundStatus
from tests.self_assessment.factories import CAF, fill, make_round


def _url(round_, side, number=1):
    return reverse("self_assessment:answer", args=[round_.pk, side, number])


def _items(round_, number=1):
    return list(
        round_.template_version.criteria.order_by("order")[number - 1].items.all()
    )


def test_funder_officer_saves_a_draft_of_a_criterion(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    first, second = _items(round_)[:2]
    client = verified_client_for(qm.funder)
    response = client.post(
        _url(round_, "funder"),
        {
            f"item_{first.pk}_score": "3",
            f"item_{first.pk}_evidence": "Kooperationsvereinbarung 2024",
            f"item_{second.pk}_score": "",
            "next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(round_, "funder", 2)
    answer = Answer.objects.get(item=first)
    assert (answer.score, answer.evidence, answer.updated_by) == (
        3,
        "Kooperationsvereinbarung 2024",
        qm.funder,
    )
    assert Answer.objects.get(item=second).score is None


def test_bad_numbers_give_messages_and_nothing_is_saved(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a, key=CAF, method="fine_tuned")
    item = _items(round_)[0]
    response = verified_client_for(qm.funder).post(
        _url(round_, "funder"),
        {
            f"item_{item.pk}_phase_plan": "150",
            f"item_{item.pk}_phase_do": "viel",
            f"item_{item.pk}_phase_check": "-5",
            f"item_{item.pk}_phase_act": "20",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    message = "Enter a whole number from 0 to 100."
    for phase in ("plan", "do", "check"):
        assert errors[f"item_{item.pk}_phase_{phase}"] == [message]
    assert b"Please correct the marked fields." in response.content
    assert not Answer.objects.exists()


def test_ordinal_step_outside_the_scale_is_refused(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    item = _items(round_)[0]
    response = verified_client_for(qm.funder).post(
        _url(round_, "funder"), {f"item_{item.pk}_score": "7"}
    )
    assert response.context["form"].errors[f"item_{item.pk}_score"] == [
        "Choose one of the five steps."
    ]
    assert not Answer.objects.exists()


def test_other_side_cannot_see_answers_before_both_submitted(
    world, qm, client_for, verified_client_for
):
    """Provider staff get 403 on the funder's answers and no comparison until then."""
    round_ = make_round(world.funder, world.provider_a)
    fill(round_, "funder", qm.funder, lambda item: 4)
    services.do_submit(qm.funder, round_, "funder")
    provider = verified_client_for(qm.provider_a)
    assert provider.get(_url(round_, "funder")).status_code == 403
    comparison = reverse("self_assessment:comparison", args=[round_.pk])
    response = provider.get(comparison)
    assert (
        response.status_code == 302
        and response["Location"] == round_.get_absolute_url()
    )
    # The funder's case manager reads neither side before both have submitted.
    case_manager = client_for(world.people.funder)
    assert case_manager.get(_url(round_, "provider")).status_code == 403
    assert case_manager.get(_url(round_, "funder")).status_code == 403
    assert provider.get(_url(round_, "provider")).status_code == 200
    assert verified_client_for(qm.funder).get(_url(round_, "funder")).status_code == 200


def test_outsider_gets_nothing(world, qm, client_for, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    for client in (
        client_for(world.people.outsider),
        verified_client_for(qm.elsewhere),
        client_for(world.people.provider_b),
    ):
        for url in (
            _url(round_, "funder"),
            reverse("self_assessment:submit", args=[round_.pk, "funder"]),
            reverse("self_assessment:comparison", args=[round_.pk]),
        ):
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404


def test_caseworker_cannot_answer(world, client_for):
    round_ = make_round(world.funder, world.provider_a)
    item = _items(round_)[0]
    client = client_for(world.people.provider_a)
    data = {f"item_{item.pk}_score": "2"}
    assert client.post(_url(round_, "provider"), data).status_code == 403
    submit = reverse("self_assessment:submit", args=[round_.pk, "provider"])
    assert client.post(submit).status_code == 403
    assert not Answer.objects.exists()


def test_submit_needs_every_item(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    fill(round_, "funder", qm.funder, lambda item: None if item.code == "4.2" else 2)
    client = verified_client_for(qm.funder)
    url = reverse("self_assessment:submit", args=[round_.pk, "funder"])
    page = client.get(url)
    assert [entry["item"].code for entry in page.context["missing"]] == ["4.2"]
    response = client.post(url, follow=True)
    assert "1 item is not fully answered yet (4.2)" in str(
        next(iter(response.context["messages"]))
    )
    assert not round_.responses.get(side="funder").is_submitted


def test_submitted_answers_are_read_only(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    fill(round_, "funder", qm.funder, lambda item: 1)
    client = verified_client_for(qm.funder)
    submit = reverse("self_assessment:submit", args=[round_.pk, "funder"])
    assert client.post(submit).status_code == 302
    item = _items(round_)[0]
    page = client.get(_url(round_, "funder"))
    assert (
        page.context["editable"] is False
        and b'<form method="post" action="/self' not in page.content
    )
    assert (
        client.post(_url(round_, "funder"), {f"item_{item.pk}_score": "4"}).status_code
        == 403
    )
    with pytest.raises(services.SelfAssessmentError, match="no longer change"):
        services.do_save_answers(qm.funder, round_, "funder", {item.pk: {"score": 4}})
    with pytest.raises(services.SelfAssessmentError, match="already submitted"):
        services.do_submit(qm.funder, round_, "funder")
    assert set(Answer.objects.values_list("score", flat=True)) == {1}


def test_both_submissions_open_the_comparison(world, qm):
    round_ = make_round(world.funder, world.provider_a)
    fill(round_, "funder", qm.funder, lambda item: 2)
    fill(round_, "provider", qm.provider_a, lambda item: 3)
    services.do_submit(qm.funder, round_, "funder")
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN
    services.do_submit(qm.provider_a, round_, "provider")
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SUBMITTED


def test_fine_tuned_answers_are_stored_per_phase(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a, key=CAF, method="fine_tuned")
    item = _items(round_)[0]
    data = {
        f"item_{item.pk}_phase_plan": "60",
        f"item_{item.pk}_phase_do": "45",
        f"item_{item.pk}_phase_check": "30",
        f"item_{item.pk}_phase_act": "15",
    }
    client = verified_client_for(qm.provider_a)
    assert client.post(_url(round_, "provider"), data).status_code == 302
    answer = Answer.objects.get(item=item)
    assert services.item_value(round_, item, answer) == 37.5
