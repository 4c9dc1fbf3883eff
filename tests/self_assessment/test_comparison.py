"""Comparison after both submitted: figures, chart, flags, agenda proposals."""

import pytest
from django.urls import reverse

from dialoq.self_assessment import services
from dialoq.self_assessment.comparison import compare
from dialoq.self_assessment.models import AgendaProposal, Item
from tests.self_assessment.factories import CAF, fill, make_round


def _submitted(world, qm, funder_value, provider_value, **round_options):
    round_ = make_round(world.funder, world.provider_a, **round_options)
    fill(round_, "funder", qm.funder, funder_value)
    fill(round_, "provider", qm.provider_a, provider_value)
    services.do_submit(qm.funder, round_, "funder")
    services.do_submit(qm.provider_a, round_, "provider")
    round_.refresh_from_db()
    return round_


def test_eckpunkte_comparison_by_hand(world, qm):
    """Funder 2 steps everywhere; provider 4 steps in element 1, else 1 step.

    Element 1: funder 50 points, provider 100; the others 50 and 25. Totals
    (means of six elements): funder 50, provider (100 + 5 × 25) / 6 = 37.5.
    Items of element 1 differ by +2 steps (flagged at 2), the others by −1.
    """
    round_ = _submitted(
        world,
        qm,
        lambda item: 2,
        lambda item: 4 if item.criterion.code == "1" else 1,
    )
    result = compare(round_)
    assert [row.funder for row in result.criteria] == [50.0] * 6
    assert [row.provider for row in result.criteria] == [100.0] + [25.0] * 5
    assert (result.funder_total, result.provider_total) == (50.0, 37.5)
    assert result.threshold == 2
    flagged = [row.item.code for row in result.items if row.flagged]
    assert flagged == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert {row.difference for row in result.items} == {2.0, -1.0}
    assert result.flagged_count == 5
    assert len(compare(round_, threshold=1).items) == 18
    assert compare(round_, threshold=1).flagged_count == 18


def test_caf_fine_tuned_comparison_by_hand(world, qm):
    """Funder: every number 40. Provider: enablers 80, results 20.

    Each sub-criterion is the mean of equal numbers, so criteria 1–5 are 40
    against 80 and 6–9 are 40 against 20. Totals (sums): funder 9 × 40 = 360,
    provider 5 × 80 + 4 × 20 = 480; all 28 items differ by at least 20 points.
    """
    round_ = _submitted(
        world,
        qm,
        lambda item: 40,
        lambda item: 80 if item.scheme == "enabler" else 20,
        key=CAF,
        method="fine_tuned",
    )
    result = compare(round_)
    assert [row.provider for row in result.criteria] == [80.0] * 5 + [20.0] * 4
    assert (result.funder_total, result.provider_total) == (360.0, 480.0)
    assert result.total_maximum == 900
    assert result.flagged_count == 28
    assert compare(round_, threshold=41).flagged_count == 0


def test_comparison_page_shows_chart_and_table(world, qm, client_for):
    """Caseworkers of either side read it once both submitted; outsiders get 404."""
    round_ = _submitted(world, qm, lambda item: 2, lambda item: 3)
    url = reverse("self_assessment:comparison", args=[round_.pk])
    for user in (world.people.provider_a, world.people.funder):
        response = client_for(user).get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert 'role="img"' in content and "<desc id=" in content
        assert "Criterion scores of both partners" in content
        assert "<caption>Criterion scores (0–100 points)</caption>" in content
        assert "Put on the agenda" not in content  # caseworkers do not propose
    answers = reverse("self_assessment:answer", args=[round_.pk, "funder", 1])
    assert client_for(world.people.provider_a).get(answers).status_code == 200
    assert client_for(world.people.outsider).get(url).status_code == 404
    assert client_for(world.people.provider_b).get(url).status_code == 404


def test_bad_threshold_gives_a_message(world, qm, verified_client_for):
    round_ = _submitted(world, qm, lambda item: 2, lambda item: 3)
    url = reverse("self_assessment:comparison", args=[round_.pk])
    response = verified_client_for(qm.funder).get(url, {"threshold": "9"})
    assert response.status_code == 200
    assert response.context["threshold_form"].errors["threshold"] == [
        "Enter a whole number from 1 to 4."
    ]
    assert response.context["result"].threshold == 2  # the template's default


def test_item_is_proposed_for_the_agenda(world, qm, verified_client_for, client_for):
    round_ = _submitted(world, qm, lambda item: 2, lambda item: 4)
    item = Item.objects.get(criterion__version=round_.template_version, code="4.3")
    url = reverse("self_assessment:propose", args=[round_.pk, item.pk])
    client = verified_client_for(qm.provider_a)
    response = client.post(url, {"note": "Schnittstelle Hilfeplanung klären"})
    assert response.status_code == 302
    proposals = list(services.agenda_proposals(world.funder, world.provider_a))
    assert [(p.item, p.side, p.proposed_by, p.note) for p in proposals] == [
        (item, "provider", qm.provider_a, "Schnittstelle Hilfeplanung klären")
    ]
    assert list(services.agenda_proposals(world.funder, world.provider_b)) == []
    again = verified_client_for(qm.funder).post(url, {"note": ""}, follow=True)
    assert "already proposed" in str(next(iter(again.context["messages"])))
    assert AgendaProposal.objects.count() == 1
    assert client_for(world.people.provider_a).post(url).status_code == 403
    assert client_for(world.people.outsider).post(url).status_code == 404


def test_items_cannot_be_proposed_before_both_submitted(world, qm):
    round_ = make_round(world.funder, world.provider_a)
    item = round_.template_version.criteria.first().items.first()
    with pytest.raises(services.SelfAssessmentError, match="both sides"):
        services.do_propose_for_agenda(qm.funder, round_, item, "")


def test_close_needs_both_submissions(world, qm, verified_client_for):
    round_ = make_round(world.funder, world.provider_a)
    url = reverse("self_assessment:close", args=[round_.pk])
    response = verified_client_for(qm.funder).post(url, follow=True)
    assert "once both sides have submitted" in str(
        next(iter(response.context["messages"]))
    )
    round_.refresh_from_db()
    assert round_.status == "open"
    round_ = _submitted_other(world, qm)
    assert (
        verified_client_for(qm.provider_a)
        .post(reverse("self_assessment:close", args=[round_.pk]))
        .status_code
        == 302
    )
    round_.refresh_from_db()
    assert round_.status == "closed" and round_.closed_by == qm.provider_a


def _submitted_other(world, qm):
    from dialoq.self_assessment.models import Round

    Round.objects.filter(funder=world.funder, provider=world.provider_a).delete()
    return _submitted(world, qm, lambda item: 1, lambda item: 1)
