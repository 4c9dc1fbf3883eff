"""The demo district's agreements: one per funder and provider, one open proposal."""

import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.models import User
from dialoq.agreements import services
from dialoq.agreements.formatting import format_euro
from dialoq.agreements.in_force import agreed_indicators, agreement_in_force, rate_for
from dialoq.agreements.models import Agreement, VersionStatus
from dialoq.catalog.models import ServiceType
from dialoq.demo import loader


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        loader.load(cases=300, seed=11, out=io.StringIO())
        yield
        transaction.set_rollback(True)


def _jugendamt_diakonie():
    return Agreement.objects.get(
        funder__short_name="Jugendamt Wesertal",
        provider__short_name="Diakonie Wesertal",
    )


def test_every_pair_has_a_version_in_force(demo, db):
    today = timezone.localdate()
    agreements = list(Agreement.objects.select_related("funder", "provider"))
    jugendamt = [a for a in agreements if a.funder.short_name == "Jugendamt Wesertal"]
    jobcenter = [a for a in agreements if a.funder.short_name == "Jobcenter Wesertal"]
    assert len(jugendamt) == 7  # all providers but the two SGB II-only ones
    assert len(jobcenter) == 6  # providers with SGB II services
    for agreement in agreements:
        version = agreement_in_force(agreement.funder, agreement.provider, today)
        assert version.number == 2, agreement
        assert version.base.number == 1
        assert version.approvals.count() == 2


def test_rates_follow_the_reference_rates(demo, db):
    """Diakonie (first provider, 3 % below reference) for SPFH: 65,00 € × 0,97."""
    agreement = _jugendamt_diakonie()
    spfh = ServiceType.objects.get(key="hze-31-spfh")
    today = timezone.localdate()
    rate = rate_for(agreement.funder, agreement.provider, spfh, today)
    assert rate.unit == "hour"
    assert rate.amount == Decimal("63.05")
    last_year = today.replace(year=today.year - 1, month=6, day=1)
    earlier = rate_for(agreement.funder, agreement.provider, spfh, last_year)
    assert earlier.amount == Decimal("63.05")
    two_years = today.replace(year=today.year - 2, month=6, day=1)
    first = rate_for(agreement.funder, agreement.provider, spfh, two_years)
    assert first.amount == (Decimal("65") * Decimal("0.97") * Decimal("0.97")).quantize(
        Decimal("0.01")
    )


def test_provider_manager_is_offered_the_approval(demo, db, verified_client_for):
    agreement = _jugendamt_diakonie()
    client = verified_client_for(User.objects.get(username="leitung.diakonie"))
    page = client.get(reverse("agreements:detail", args=[agreement.pk]))
    assert page.status_code == 200
    assert reverse("agreements:approve", args=[agreement.pk, 3]) in page.text
    diff = client.get(reverse("agreements:diff", args=[agreement.pk, 3]))
    # 65,00 € × 0,97 × 1,045
    change = f"{format_euro(Decimal('63.05'))} → {format_euro(Decimal('65.89'))}"
    assert change in diff.text


def test_open_proposal_waits_for_the_provider(demo, db):
    agreement = _jugendamt_diakonie()
    proposal = services.open_proposal(agreement)
    assert proposal.number == 3
    assert [a.side for a in proposal.approvals.all()] == ["funder"]
    assert proposal.valid_from > timezone.localdate()
    terms = {t.indicator.key: t for t in agreed_indicators(proposal)}
    assert terms["reviews-on-time"].target == pytest.approx(0.9)
    approver = User.objects.get(username="leitung.diakonie")
    services.do_approve(approver, proposal)
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.APPROVED
    assert (
        agreement_in_force(agreement.funder, agreement.provider, proposal.valid_from)
        == proposal
    )
    assert Agreement.objects.filter(versions__status="proposed").count() == 0
