"""Need assessments: every dimension rated at three occasions; the change shown."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEvent,
    CaseEventKind,
    NeedAssessment,
    NeedDimension,
    NeedOccasion,
)
from dialoq.cases.planning import need_overview


def _url(case, occasion="start"):
    return reverse("cases:needs_assess", args=[case.pk, occasion])


def _dimensions(case):
    return list(NeedDimension.for_service_type(case.service_type))


def _data(case, levels, relevant=None, assessed_on="2026-01-20", **overrides):
    data = {"assessed_on": assessed_on}
    for index, (dimension, level) in enumerate(
        zip(_dimensions(case), levels, strict=True)
    ):
        if level is not None:
            data[f"level_{dimension.pk}"] = str(level)
        if relevant is None or relevant[index]:
            data[f"relevant_{dimension.pk}"] = "on"
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["funder", "provider_a"])
def test_both_sides_record_an_assessment(persona, world, en_client_for):
    """Funder and provider A rate all dimensions; history and access log follow."""
    user = getattr(world.people, persona)
    client = en_client_for(user)
    form = client.get(_url(world.case_a)).content.decode()
    assert "Schutz und Sicherheit des Kindes" in form  # youth-welfare set
    assert "<legend>" in form
    response = client.post(_url(world.case_a), _data(world.case_a, [3] * 6))
    assert response.status_code == 302
    assessment = NeedAssessment.objects.get(case=world.case_a)
    assert assessment.occasion == NeedOccasion.START
    assert assessment.assessed_by == user
    assert sorted(assessment.ratings.values_list("level", flat=True)) == [3] * 6
    event = CaseEvent.objects.get(case=world.case_a, kind=CaseEventKind.NEEDS_ASSESSED)
    assert event.changes["occasion"] == "start"
    assert event.changes["school"] == [None, [3, True]]
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.CHANGE_CASE, user=user
    ).exists()


def test_correcting_an_assessment_keeps_one_per_occasion(world, en_client_for):
    """Saving the same occasion again corrects it; it records what changed."""
    client = en_client_for(world.people.funder)
    client.post(_url(world.case_a), _data(world.case_a, [3] * 6))
    form = client.get(_url(world.case_a)).content.decode()
    assert 'value="2026-01-20"' in form
    client.post(_url(world.case_a), _data(world.case_a, [4, 3, 3, 3, 3, 3]))
    assert NeedAssessment.objects.filter(case=world.case_a).count() == 1
    event = CaseEvent.objects.filter(kind=CaseEventKind.NEEDS_ASSESSED).first()
    changed = [key for key, value in event.changes.items() if isinstance(value, list)]
    assert changed == ["assessed_on", _dimensions(world.case_a)[0].key]


@pytest.mark.parametrize(
    ("levels", "overrides", "message"),
    [
        ([3, 3, None, 3, 3, 3], {}, "Rate “Entwicklung des jungen Menschen” on the"),
        ([3, 3, 3, 3, 3, 8], {}, "Rate “Soziale Kompetenzen” on the scale from 1 to 7"),
        ([3, 3, 3, 3, 3, "x"], {}, "Rate “Soziale Kompetenzen” on the scale"),
        (
            [3] * 6,
            {"assessed_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "The assessment date lies in the future.",
        ),
        ([3] * 6, {"assessed_on": "2025-12-31"}, "before the referral on"),
        ([3] * 6, {"assessed_on": ""}, "Enter the date of the assessment."),
    ],
)
def test_bad_input_changes_nothing(levels, overrides, message, world, en_client_for):
    """Each mistake gives a specific message; nothing is stored."""
    client = en_client_for(world.people.funder)
    response = client.post(_url(world.case_a), _data(world.case_a, levels, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NeedAssessment.objects.exists()
    assert not CaseEvent.objects.exists()


def test_interim_soon_after_start_needs_confirmation(world, en_client_for):
    """An interim assessment under six weeks after the start: warning, then confirm."""
    client = en_client_for(world.people.funder)
    data = _data(world.case_a, [4] * 6, assessed_on="2026-02-20")  # start 19.01.
    response = client.post(_url(world.case_a, "interim"), data)
    assert "should come at least six weeks after it" in response.content.decode()
    assert not NeedAssessment.objects.exists()
    data["confirm_short_interval"] = "on"
    assert client.post(_url(world.case_a, "interim"), data).status_code == 302
    event = CaseEvent.objects.get(kind=CaseEventKind.NEEDS_ASSESSED)
    assert event.changes["short_interim_interval_confirmed"] is True


def test_later_assessment_not_before_the_start_assessment(world, en_client_for):
    """The closure assessment cannot come before the start assessment."""
    client = en_client_for(world.people.funder)
    client.post(
        _url(world.case_a), _data(world.case_a, [3] * 6, assessed_on="2026-03-01")
    )
    response = client.post(
        _url(world.case_a, "closure"),
        _data(world.case_a, [3] * 6, assessed_on="2026-02-01"),
    )
    assert "before the start assessment of" in response.content.decode()
    assert NeedAssessment.objects.count() == 1


def test_change_from_start_to_latest(world, en_client_for):
    """Change per relevant dimension and on average; closure supersedes interim."""
    client = en_client_for(world.people.funder)
    relevant = [True, True, True, True, False, True]
    client.post(_url(world.case_a), _data(world.case_a, [2, 3, 4, 5, 6, 7], relevant))
    client.post(
        _url(world.case_a, "interim"),
        _data(world.case_a, [4, 3, 5, 5, 7, 6], assessed_on="2026-03-20"),
    )
    change = need_overview(world.case_a)["change"]
    assert change["count"] == 5  # the dimension not relevant at the start is left out
    assert change["mean"] == pytest.approx(2 / 5)
    assert (change["improved"], change["unchanged"], change["worsened"]) == (2, 2, 1)
    page = client.get(reverse("cases:needs_detail", args=[world.case_a.pk]))
    html = page.content.decode()
    assert "+0.4 points on average" in html
    assert "2 improved, 2 unchanged, 1 worse" in html
    assert "(not relevant)" in html
    client.post(
        _url(world.case_a, "closure"),
        _data(world.case_a, [5, 5, 5, 5, 5, 5], assessed_on="2026-11-01"),
    )
    change = need_overview(world.case_a)["change"]
    assert change["latest"].occasion == NeedOccasion.CLOSURE
    assert change["mean"] == pytest.approx((3 + 2 + 1 + 0 - 2) / 5)


def test_no_change_without_a_later_assessment(world, en_client_for):
    """With the start assessment only, no change is shown."""
    client = en_client_for(world.people.funder)
    client.post(_url(world.case_a), _data(world.case_a, [3] * 6))
    assert need_overview(world.case_a)["change"] is None
    html = client.get(reverse("cases:needs_detail", args=[world.case_a.pk])).content
    assert b"once the start assessment and a later one are recorded" in html


def test_unknown_occasion_is_not_found(world, en_client_for):
    """Only start, interim and closure exist."""
    client = en_client_for(world.people.funder)
    assert client.get(_url(world.case_a, "weekly")).status_code == 404


@pytest.mark.parametrize("persona", ["provider_b", "outsider"])
def test_others_get_not_found(persona, world, en_client_for):
    """Provider B and the outsider get 404 and store nothing."""
    client = en_client_for(getattr(world.people, persona))
    for url in (
        _url(world.case_a),
        reverse("cases:needs_detail", args=[world.case_a.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, _data(world.case_a, [3] * 6)).status_code == 404
    assert not NeedAssessment.objects.exists()


def test_auditor_reads_but_cannot_assess(world, en_client_for):
    """The auditor sees the needs page without record links and gets 403 on the form."""
    client = en_client_for(world.people.auditor)
    page = client.get(reverse("cases:needs_detail", args=[world.case_a.pk]))
    assert page.status_code == 200
    assert _url(world.case_a) not in page.content.decode()
    assert client.get(_url(world.case_a)).status_code == 403
    assert (
        client.post(_url(world.case_a), _data(world.case_a, [3] * 6)).status_code == 403
    )
    assert not NeedAssessment.objects.exists()


def test_interim_interval_counts_from_the_start_assessment(world, en_client_for):
    """Without a known start of the help, the interval counts from the start rating."""
    world.case_a.started_on = None
    world.case_a.save()
    client = en_client_for(world.people.funder)
    client.post(
        _url(world.case_a), _data(world.case_a, [3] * 6, assessed_on="2026-03-01")
    )
    response = client.post(
        _url(world.case_a, "interim"),
        _data(world.case_a, [3] * 6, assessed_on="2026-03-20"),
    )
    html = response.content.decode()
    assert "after the start (03/01/2026)" in html
    assert NeedAssessment.objects.count() == 1
