"""Standards flagged for review: the rule, the evidence, decisions and the screens."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from statsmodels.stats.proportion import proportion_confint

from dialoq.catalog.models import VersionStatus
from dialoq.deviations import review
from dialoq.deviations.models import (
    DeviationSource,
    ReasonCategory,
    ReviewFlagStatus,
    StandardReviewFlag,
)
from dialoq.notifications.models import Notification
from tests import factories
from tests.deviations.compliance_data import (
    PERIOD,
    TODAY,
    make_compliance,
    make_manager,
    make_qm_officer,
)
from tests.deviations.factories import make_deviation, make_standard_version


def said(message):
    """Return a pattern for the message exactly as the active language says it."""
    return re.escape(gettext(message))


@pytest.fixture(autouse=True)
def review_rule(settings):
    settings.STANDARD_REVIEW_BREACH_RATE = 0.3
    settings.STANDARD_REVIEW_MIN_WORKERS = 5
    settings.STANDARD_REVIEW_MIN_PROVIDERS = 2
    settings.DISCLOSURE_MINIMUM = 5


@pytest.fixture
def reviewers(world):
    return {
        "funder_qm": make_qm_officer(world.funder, "funder_qm"),
        "funder_manager": make_manager(world.funder, "funder_manager"),
        "a_qm": make_qm_officer(world.provider_a, "a_qm"),
        "b_qm": make_qm_officer(world.provider_b, "b_qm"),
        "z_qm": make_qm_officer(world.elsewhere, "z_qm"),
    }


def _flagged_world(world):
    """Return a version breached at both providers of the funder, with teams at A."""
    version = make_standard_version("erstkontakt", title="Erstkontakt binnen 10 Tagen")
    team_1 = factories.make_unit(world.provider_a, "Team Nord")
    team_2 = factories.make_unit(world.provider_a, "Team Süd")
    make_compliance(
        version, world.funder, world.provider_a, checked=40, met=24, workers=6
    )
    make_compliance(
        version, world.funder, world.provider_a, team_1, checked=25, met=13, workers=3
    )
    make_compliance(
        version, world.funder, world.provider_a, team_2, checked=15, met=11, workers=3
    )
    make_compliance(
        version, world.funder, world.provider_b, checked=20, met=14, workers=2
    )
    return version


# The rule ---------------------------------------------------------------------


def test_rate_exactly_at_the_threshold_with_enough_workers_is_flagged(world):
    """3 of 10 cases breached is 30 %: at the threshold counts; five workers suffice."""
    version = make_standard_version()
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=10,
        met=7,
        workers=8,
        workers_with_breach=5,
    )
    assert review.flag_standards(TODAY) == 1
    flag = StandardReviewFlag.objects.get()
    assert flag.standard_version == version
    assert flag.funder == world.funder
    assert flag.breach_rate == pytest.approx(0.3)
    assert flag.cases_checked == 10
    assert flag.workers_with_breach == 5
    assert flag.providers_with_breach == 1


def test_rate_just_below_the_threshold_is_not_flagged(world):
    """299 of 1,000 cases breached stays below 30 %, however many workers."""
    version = make_standard_version()
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=1000,
        met=701,
        workers=50,
        workers_with_breach=40,
    )
    make_compliance(version, world.funder, world.provider_b, checked=10, met=9)
    assert review.flag_standards(TODAY) == 0
    assert not StandardReviewFlag.objects.exists()


def test_one_worker_too_few_at_one_provider_is_not_flagged(world):
    """Four workers with a breach at a single provider: neither condition holds."""
    version = make_standard_version()
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=10,
        met=5,
        workers=9,
        workers_with_breach=4,
    )
    make_compliance(version, world.funder, world.provider_b, checked=10, met=10)
    assert review.flag_standards(TODAY) == 0


def test_two_providers_with_breaches_suffice_without_enough_workers(world):
    """Two providers with a breach meet the provider condition with two workers."""
    version = make_standard_version()
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=5,
        met=3,
        workers=1,
        workers_with_breach=1,
    )
    make_compliance(
        version,
        world.funder,
        world.provider_b,
        checked=5,
        met=4,
        workers=1,
        workers_with_breach=1,
    )
    assert review.flag_standards(TODAY) == 1
    assert StandardReviewFlag.objects.get().providers_with_breach == 2


def test_rate_is_over_all_providers_of_the_funder(world):
    """A bad provider does not flag a standard the funder's providers meet overall."""
    version = make_standard_version()
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=10,
        met=5,
        workers=6,
        workers_with_breach=5,
    )
    make_compliance(version, world.funder, world.provider_b, checked=40, met=39)
    # 6 of 50 cases breached: 12 %.
    assert review.flag_standards(TODAY) == 0


def test_team_rows_are_not_counted_twice(world):
    """The provider's total row alone enters the rate; team rows are its parts."""
    version = make_standard_version()
    team = factories.make_unit(world.provider_a)
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=10,
        met=7,
        workers=5,
        workers_with_breach=5,
    )
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        team,
        checked=10,
        met=7,
        workers=5,
        workers_with_breach=5,
    )
    assert review.flag_standards(TODAY) == 1
    flag = StandardReviewFlag.objects.get()
    assert flag.cases_checked == 10
    assert flag.workers_with_breach == 5


def test_retired_versions_are_not_flagged(world):
    """Only standard versions in force are reviewed."""
    version = make_standard_version(status=VersionStatus.RETIRED)
    make_compliance(
        version, world.funder, world.provider_a, checked=10, met=0, workers=9
    )
    assert review.flag_standards(TODAY) == 0


def test_each_funder_is_flagged_on_its_own(world):
    """The same version is reviewed per funder: one flag each."""
    other_funder = factories.make_organisation("funder", "Sozialamt Testkreis")
    version = make_standard_version()
    for funder in (world.funder, other_funder):
        make_compliance(
            version,
            funder,
            world.provider_a,
            checked=10,
            met=2,
            workers=6,
            workers_with_breach=6,
        )
    assert review.flag_standards(TODAY) == 2
    assert set(StandardReviewFlag.objects.values_list("funder_id", flat=True)) == {
        world.funder.pk,
        other_funder.pk,
    }


# Evidence -------------------------------------------------------------------------


def test_evidence_holds_rates_by_provider_and_team_with_wilson_intervals(world):
    """Each rate and its interval match statsmodels' Wilson interval."""
    _flagged_world(world)
    review.flag_standards(TODAY)
    evidence = StandardReviewFlag.objects.get().evidence

    assert evidence["period_start"] == PERIOD[0].isoformat()
    assert evidence["period_end"] == PERIOD[1].isoformat()
    assert evidence["computed_on"] == TODAY.isoformat()
    assert evidence["rule"] == {
        "breach_rate": 0.3,
        "min_workers": 5,
        "min_providers": 2,
    }
    total = evidence["total"]
    assert (total["cases_checked"], total["cases_met"], total["cases_breached"]) == (
        60,
        38,
        22,
    )
    assert total["providers"] == 2
    assert total["providers_with_breach"] == 2
    assert total["workers"] == 8

    providers = {entry["provider"]: entry for entry in evidence["providers"]}
    assert [entry["provider"] for entry in evidence["providers"]] == [
        "Träger A",  # 40 % before 30 %
        "Träger B",
    ]
    a = providers["Träger A"]
    assert a["breach_rate"] == pytest.approx(16 / 40)
    assert [
        (t["team"], t["cases_checked"], t["cases_breached"]) for t in a["teams"]
    ] == [
        ("Team Nord", 25, 12),
        ("Team Süd", 15, 4),
    ]
    assert providers["Träger B"]["teams"] == []

    for entry in [total, a, providers["Träger B"], *a["teams"]]:
        lower, upper = proportion_confint(
            entry["cases_breached"], entry["cases_checked"], alpha=0.05, method="wilson"
        )
        assert entry["ci_lower"] == pytest.approx(lower, abs=1e-12)
        assert entry["ci_upper"] == pytest.approx(upper, abs=1e-12)


def test_evidence_counts_the_reasons_given_within_the_period(world):
    """Reasons on the standard's deviations of the funder in the period are counted."""
    version = _flagged_world(world)
    other = make_standard_version()
    inside = date(2026, 3, 1)

    def deviation(case, reason, **fields):
        fields.setdefault("standard_version", version)
        fields.setdefault("occurred_on", inside)
        return make_deviation(
            case, source=DeviationSource.STANDARD, reason_category=reason, **fields
        )

    deviation(world.case_a, ReasonCategory.STAFFING)
    deviation(world.case_a, ReasonCategory.STAFFING)
    deviation(world.case_b, ReasonCategory.STANDARD_UNFIT)
    deviation(world.case_b, "")  # no reason given yet
    deviation(world.case_a, ReasonCategory.STAFFING, occurred_on=date(2025, 6, 30))
    deviation(world.case_a, ReasonCategory.OTHER, standard_version=other)

    review.flag_standards(TODAY)
    reasons = StandardReviewFlag.objects.get().evidence["reasons"]
    assert reasons["total"] == {"staffing": 2, "standard_unfit": 1}
    assert reasons["by_provider"] == {
        str(world.provider_a.pk): {"staffing": 2},
        str(world.provider_b.pk): {"standard_unfit": 1},
    }


# Idempotency, updates, notifications -------------------------------------------


def test_flagging_again_keeps_one_flag_and_updates_its_evidence(world, reviewers):
    """A second run raises nothing new, notifies nobody again, refreshes the figures."""
    version = _flagged_world(world)
    assert review.flag_standards(TODAY) == 1
    notifications = Notification.objects.count()
    assert review.flag_standards(TODAY) == 0
    assert StandardReviewFlag.objects.count() == 1
    assert Notification.objects.count() == notifications

    row = version.compliance.get(provider=world.provider_b, provider_unit=None)
    row.cases_met = 10
    row.save()
    assert review.flag_standards(TODAY + timedelta(days=1)) == 0
    flag = StandardReviewFlag.objects.get()
    assert flag.cases_checked == 60
    assert flag.breach_rate == pytest.approx(26 / 60)
    assert flag.evidence["computed_on"] == (TODAY + timedelta(days=1)).isoformat()
    assert Notification.objects.count() == notifications


def test_a_flag_on_the_agenda_is_still_the_open_one(world):
    """While on a dialogue's agenda, no second flag is raised."""
    _flagged_world(world)
    review.flag_standards(TODAY)
    StandardReviewFlag.objects.update(status=ReviewFlagStatus.ON_AGENDA)
    assert review.flag_standards(TODAY) == 0
    assert StandardReviewFlag.objects.count() == 1


def test_qm_officers_of_funder_and_providers_are_notified_once(world, reviewers):
    """Each QM officer concerned gets one notification; nobody else gets any."""
    _flagged_world(world)
    review.flag_standards(TODAY)
    review.flag_standards(TODAY)
    flag = StandardReviewFlag.objects.get()
    notified = Notification.objects.filter(key=f"review-flag:{flag.pk}")
    assert sorted(notified.values_list("recipient__username", flat=True)) == [
        "a_qm",
        "b_qm",
        "funder_qm",
    ]
    notification = notified.first()
    assert "Erstkontakt binnen 10 Tagen" in notification.subject
    assert notification.url == reverse("deviations:review_flag", args=[flag.pk])


def test_a_decided_flag_is_kept_and_not_raised_again_for_a_year(world, reviewers):
    """After "kept", the same version is flagged again only a year later."""
    _flagged_world(world)
    review.flag_standards(TODAY)
    flag = StandardReviewFlag.objects.get()
    review.do_decide(
        reviewers["funder_qm"], flag, status=ReviewFlagStatus.KEPT, note="Passt so."
    )
    assert review.flag_standards(TODAY) == 0
    assert StandardReviewFlag.objects.count() == 1

    a_year_before = datetime.combine(TODAY - timedelta(days=366), time(12))
    StandardReviewFlag.objects.update(decided_at=timezone.make_aware(a_year_before))
    assert review.flag_standards(TODAY) == 1
    statuses = sorted(StandardReviewFlag.objects.values_list("status", flat=True))
    assert statuses == ["kept", "open"]


def test_open_review_flags_for_the_dialogues(world):
    """The open flags of a funder; for a provider, those holding its figures."""
    version = _flagged_world(world)
    only_a = make_standard_version()
    make_compliance(
        only_a,
        world.funder,
        world.provider_a,
        checked=10,
        met=1,
        workers=6,
        workers_with_breach=6,
    )
    review.flag_standards(TODAY)
    assert {f.standard_version for f in review.open_review_flags(world.funder)} == {
        version,
        only_a,
    }
    assert [
        f.standard_version
        for f in review.open_review_flags(world.funder, world.provider_b)
    ] == [version]
    StandardReviewFlag.objects.filter(standard_version=version).update(
        status=ReviewFlagStatus.CHANGED, decided_at=timezone.now()
    )
    assert [f.standard_version for f in review.open_review_flags(world.funder)] == [
        only_a
    ]
    assert review.open_review_flags(world.elsewhere) == []


# Decisions ---------------------------------------------------------------------------

REASONS = "Give the reasons for keeping or changing the standard."


def test_decisions_need_reasons_and_the_funders_qm_officer(world, reviewers):
    """Keeping or changing needs a note; only the funder's QM officers decide."""
    _flagged_world(world)
    review.flag_standards(TODAY)
    flag = StandardReviewFlag.objects.get()
    with pytest.raises(ValidationError, match=said(REASONS)):
        review.do_decide(reviewers["funder_qm"], flag, status="kept", note="  ")
    with pytest.raises(
        ValidationError, match=said("Choose one of the decisions offered.")
    ):
        review.do_decide(reviewers["funder_qm"], flag, status="open")
    for person in ("a_qm", "funder_manager"):
        with pytest.raises(
            ValidationError, match=said("You may not decide on this flag.")
        ):
            review.do_decide(reviewers[person], flag, status="on_agenda")

    review.do_decide(reviewers["funder_qm"], flag, status="on_agenda")
    with pytest.raises(
        ValidationError,
        match=said("The standard is already on a dialogue's agenda."),
    ):
        review.do_decide(reviewers["funder_qm"], flag, status="on_agenda")
    review.do_decide(
        reviewers["funder_qm"], flag, status="changed", note="Frist auf 15 Tage."
    )
    flag.refresh_from_db()
    assert flag.status == ReviewFlagStatus.CHANGED
    assert flag.decided_by == reviewers["funder_qm"]
    assert flag.decided_at is not None
    assert "Frist auf 15 Tage." in flag.decision_note
    assert flag.decision_note.count("\n\n") == 1  # the agenda entry is kept
    with pytest.raises(
        ValidationError, match=said("This flag has been decided already.")
    ):
        review.do_decide(reviewers["funder_qm"], flag, status="kept", note="x")


# Screens ---------------------------------------------------------------------------


@pytest.fixture
def flag(world):
    _flagged_world(world)
    review.flag_standards(TODAY)
    return StandardReviewFlag.objects.get()


def test_funder_qm_officer_sees_every_provider_and_decides(
    world, reviewers, flag, verified_client_for
):
    """The funder sees both providers by name, no teams, the chart and the form."""
    client = verified_client_for(reviewers["funder_qm"])
    listing = client.get(reverse("deviations:review_flags"))
    assert listing.status_code == 200
    assert "Erstkontakt binnen 10 Tagen" in listing.text
    assert "36,7\xa0%" in listing.text  # 22 of 60

    page = client.get(reverse("deviations:review_flag", args=[flag.pk]))
    assert page.status_code == 200
    assert "Träger A" in page.text and "Träger B" in page.text
    assert "Team Nord" not in page.text  # team figures stay with their provider
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "40,0\xa0%" in page.text  # provider A's rate
    assert 'name="status"' in page.text

    response = client.post(
        reverse("deviations:review_flag", args=[flag.pk]),
        {"status": "kept", "note": "Der Standard bleibt."},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == ReviewFlagStatus.KEPT
    page = client.get(reverse("deviations:review_flag", args=[flag.pk]))
    assert "Der Standard bleibt." in page.text
    assert 'name="status"' not in page.text
    assert (
        "Der Standard bleibt" not in client.get(reverse("deviations:review_flags")).text
    )  # decided flags are listed, without their notes
    assert (
        "Erstkontakt binnen 10 Tagen"
        in client.get(reverse("deviations:review_flags")).text
    )


def test_bad_decision_gives_a_message_not_an_error(
    reviewers, flag, verified_client_for
):
    """Keeping without reasons and an unknown choice are refused with a message."""
    client = verified_client_for(reviewers["funder_qm"])
    url = reverse("deviations:review_flag", args=[flag.pk])
    response = client.post(url, {"status": "kept", "note": ""})
    assert response.status_code == 200
    assert escape(gettext(REASONS)) in response.text
    response = client.post(url, {"status": "deleted"})
    assert response.status_code == 200
    flag.refresh_from_db()
    assert flag.status == ReviewFlagStatus.OPEN


def test_provider_qm_officer_sees_own_teams_and_others_only_together(
    world, reviewers, flag, verified_client_for
):
    """Provider A sees its teams and the other providers together, never B by name."""
    client = verified_client_for(reviewers["a_qm"])
    page = client.get(reverse("deviations:review_flag", args=[flag.pk]))
    assert page.status_code == 200
    assert "Träger A" in page.text
    assert "Team Nord" in page.text and "Team Süd" in page.text
    assert "Träger B" not in page.text
    # B's 20 cases reach the threshold: shown, but only as "the others together".
    assert "30,0\xa0%" in page.text
    assert 'name="status"' not in page.text
    assert (
        client.post(
            reverse("deviations:review_flag", args=[flag.pk]),
            {"status": "kept", "note": "x"},
        ).status_code
        == 404
    )
    flag.refresh_from_db()
    assert flag.status == ReviewFlagStatus.OPEN


def test_other_providers_below_the_threshold_are_withheld(
    world, reviewers, verified_client_for, settings
):
    """Others under the disclosure threshold: neither they nor the total show."""
    version = make_standard_version(title="Hilfeplan fristgerecht")
    make_compliance(
        version,
        world.funder,
        world.provider_a,
        checked=30,
        met=10,
        workers=6,
        workers_with_breach=6,
    )
    make_compliance(version, world.funder, world.provider_b, checked=4, met=1)
    review.flag_standards(TODAY)
    flag = StandardReviewFlag.objects.get()
    sight = review.evidence_sight(reviewers["a_qm"], flag)
    assert sight.others is None and sight.total is None and sight.others_withheld
    page = verified_client_for(reviewers["a_qm"]).get(
        reverse("deviations:review_flag", args=[flag.pk])
    )
    assert "75,0\xa0%" not in page.text  # B's 3 of 4
    assert "64,7\xa0%" not in page.text  # the total, 22 of 34
    listing = verified_client_for(reviewers["a_qm"]).get(
        reverse("deviations:review_flags")
    )
    assert "64,7\xa0%" not in listing.text


def test_provider_sees_only_its_own_reasons(world, reviewers, flag):
    """Reasons given at other providers are not shown to a provider."""
    make_deviation(
        world.case_b,
        source=DeviationSource.STANDARD,
        standard_version=flag.standard_version,
        occurred_on=date(2026, 1, 5),
        reason_category=ReasonCategory.PARTNER,
    )
    review.flag_standards(TODAY)
    flag.refresh_from_db()
    assert review.evidence_sight(reviewers["a_qm"], flag).reasons == []
    assert review.evidence_sight(reviewers["b_qm"], flag).reasons == [
        (str(ReasonCategory.PARTNER.label), 1)
    ]
    assert review.evidence_sight(reviewers["funder_qm"], flag).reasons == [
        (str(ReasonCategory.PARTNER.label), 1)
    ]


def test_funder_manager_reads_but_does_not_decide(reviewers, flag, verified_client_for):
    """A manager of the funder sees the flag without the decision form."""
    page = verified_client_for(reviewers["funder_manager"]).get(
        reverse("deviations:review_flag", args=[flag.pk])
    )
    assert page.status_code == 200
    assert 'name="status"' not in page.text


def test_caseworker_and_outsiders_get_nothing(
    world, reviewers, flag, client_for, verified_client_for
):
    """Caseworkers, case managers and other organisations see no flag at all."""
    for person in (world.people.provider_a, world.people.funder, world.people.outsider):
        client = client_for(person)
        assert (
            client.get(reverse("deviations:review_flag", args=[flag.pk])).status_code
            == 404
        )
        listing = client.get(reverse("deviations:review_flags"))
        assert listing.status_code == 200
        assert "Erstkontakt" not in listing.text
    outsider_qm = verified_client_for(reviewers["z_qm"])
    assert (
        outsider_qm.get(reverse("deviations:review_flag", args=[flag.pk])).status_code
        == 404
    )
    assert "Erstkontakt" not in outsider_qm.get(reverse("deviations:review_flags")).text
    assert review.visible_flags(reviewers["z_qm"]) == []


def test_unknown_flag_is_404(reviewers, verified_client_for):
    client = verified_client_for(reviewers["funder_qm"])
    assert (
        client.get(reverse("deviations:review_flag", args=[999999])).status_code == 404
    )
