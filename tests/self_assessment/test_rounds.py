"""Starting rounds and the list of rounds: who may, with whom, and bad input."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from dialoq.self_assessment.models import Round, RoundStatus
from tests.self_assessment.factories import make_round, version

START = reverse("self_assessment:start")


def _start_data(world, **changes):
    data = {
        "own": world.funder.pk,
        "partner": world.provider_a.pk,
        "template_version": version().pk,
        "method": "classical",
        "due_date": (timezone.localdate() + timedelta(weeks=6)).isoformat(),
        "period_label": "2025/2026",
    }
    data.update(changes)
    return data


def test_funder_officer_starts_a_round_with_a_provider_of_its_cases(
    world, qm, verified_client_for
):
    """Partners offered are the providers with cases of the funder, nobody else."""
    client = verified_client_for(qm.funder)
    page = client.get(START)
    partners = set(page.context["form"].fields["partner"].queryset)
    assert partners == {world.provider_a, world.provider_b}
    response = client.post(START, _start_data(world))
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == round_.get_absolute_url()
    assert (round_.funder, round_.provider, round_.period_label) == (
        world.funder,
        world.provider_a,
        "2025/2026",
    )
    assert sorted(round_.responses.values_list("side", flat=True)) == [
        "funder",
        "provider",
    ]


def test_provider_officer_starts_with_its_funder(world, qm, verified_client_for):
    client = verified_client_for(qm.provider_a)
    data = _start_data(world, own=world.provider_a.pk, partner=world.funder.pk)
    assert client.post(START, data).status_code == 302
    round_ = Round.objects.get()
    assert (round_.funder, round_.provider) == (world.funder, world.provider_a)


def test_partner_without_common_cases_is_refused(world, qm, verified_client_for):
    """An officer elsewhere cannot start a round with the funder; nothing is written."""
    client = verified_client_for(qm.elsewhere)
    data = _start_data(world, own=world.elsewhere.pk, partner=world.funder.pk)
    response = client.post(START, data)
    assert response.status_code == 200
    assert response.context["form"].errors["partner"]
    assert not Round.objects.exists()


def test_caseworkers_and_outsiders_cannot_start(world, client_for):
    for user in (world.people.provider_a, world.people.outsider, world.people.funder):
        assert client_for(user).get(START).status_code == 403
        assert client_for(user).post(START, _start_data(world)).status_code == 403
    assert not Round.objects.exists()


def test_bad_input_gives_messages(world, qm, verified_client_for):
    client = verified_client_for(qm.funder)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(START, _start_data(world, due_date=past, method="best"))
    errors = response.context["form"].errors
    assert "The due date cannot lie in the past." in errors["due_date"]
    assert errors["method"]
    response = client.post(START, _start_data(world, due_date="31.02.2026"))
    assert response.context["form"].errors["due_date"]
    assert not Round.objects.exists()


def test_second_unclosed_round_of_a_pair_is_refused(world, qm, verified_client_for):
    make_round(world.funder, world.provider_a)
    response = verified_client_for(qm.funder).post(START, _start_data(world))
    assert response.status_code == 200
    assert "already have a self-assessment" in str(response.context["form"].errors)
    assert Round.objects.count() == 1


def test_list_shows_rounds_of_own_organisations_only(world, qm, client_for):
    round_a = make_round(world.funder, world.provider_a)
    round_b = make_round(world.funder, world.provider_b)
    url = reverse("self_assessment:list")
    caseworker_a = client_for(world.people.provider_a).get(url)
    assert list(caseworker_a.context["rounds"]) == [round_a]
    funder = client_for(world.people.funder).get(url)
    assert set(funder.context["rounds"]) == {round_a, round_b}
    assert b"Self-assessment</a>" in funder.content  # navigation link
    outsider = client_for(world.people.outsider).get(url)
    assert list(outsider.context["rounds"]) == []
    assert outsider.context["upcoming"] == []
    assert round_a.get_absolute_url().encode() not in outsider.content


def test_outsider_gets_404_on_a_round(world, client_for):
    round_ = make_round(world.funder, world.provider_a)
    client = client_for(world.people.outsider)
    assert client.get(round_.get_absolute_url()).status_code == 404
    caseworker_b = client_for(world.people.provider_b)
    assert caseworker_b.get(round_.get_absolute_url()).status_code == 404
    assert round_.status == RoundStatus.OPEN


def test_round_page_shows_each_sides_progress(world, qm, verified_client_for):
    from tests.self_assessment.factories import fill

    round_ = make_round(world.funder, world.provider_a, key="caf-2020")
    fill(round_, "funder", qm.funder, lambda item: 50 if item.code < "3" else None)
    page = verified_client_for(qm.funder).get(round_.get_absolute_url())
    progress = {entry["side"]: entry["answered"] for entry in page.context["sides"]}
    assert progress == {"funder": 8, "provider": 0}
    content = page.content.decode()
    answer_url = reverse("self_assessment:answer", args=[round_.pk, "funder", 1])
    assert answer_url in content
    provider_url = reverse("self_assessment:answer", args=[round_.pk, "provider", 1])
    assert provider_url not in content
    assert "Visible once both sides have submitted" in content


def test_pages_render_in_german(world, qm, verified_client_for):
    """Every screen renders with the German interface (no template errors)."""
    round_ = make_round(
        world.funder, world.provider_a, key="caf-2020", method="fine_tuned"
    )
    client = verified_client_for(qm.funder)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    for url in (
        reverse("self_assessment:list"),
        START,
        round_.get_absolute_url(),
        reverse("self_assessment:answer", args=[round_.pk, "funder", 6]),
        reverse("self_assessment:submit", args=[round_.pk, "funder"]),
        reverse("self_assessment:close", args=[round_.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'<html lang="de">' in response.content
