"""The demo district's complaints: a realistic mixture, some overdue, all consistent."""

import io

import pytest
from django.db import transaction
from django.utils import timezone

from dialoq.demo import loader
from dialoq.demo.complaints import DEVIATIONS, OLD, RECENT
from dialoq.deviations import complaints
from dialoq.deviations.models import Complaint, ComplaintStatus, DeviationSource


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load a small demo once for the module, inside a transaction undone afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        loader.load(cases=400, seed=11, out=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_a_few_dozen_complaints_of_every_kind(demo):
    everything = Complaint.objects.all()
    assert everything.count() == OLD + RECENT
    assert len(set(everything.values_list("source", flat=True))) >= 3
    assert len(set(everything.values_list("channel", flat=True))) >= 4
    assert len(set(everything.values_list("category", flat=True))) >= 4
    assert everything.filter(funder__isnull=False).exists()
    assert everything.filter(provider__isnull=False).exists()
    assert everything.filter(status=ComplaintStatus.CLOSED).count() >= OLD // 2
    assert everything.filter(anonymous=True).exists()


def test_some_are_overdue_and_open_ones_are_notified(demo):
    today = timezone.localdate()
    everything = Complaint.objects.all()
    late = complaints.overdue_acknowledgement(everything, today) | (
        complaints.overdue_answer(everything, today)
    )
    assert late.exists()
    from dialoq.notifications.models import Notification

    open_ones = everything.filter(
        status__in=(ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED)
    )
    for complaint in open_ones:
        assert Notification.objects.filter(
            key=f"complaint:{complaint.pk}:received"
        ).exists()


def test_demo_complaints_are_consistent(demo):
    for complaint in Complaint.objects.select_related("funder", "provider"):
        received_on = timezone.localdate(complaint.received_at)
        assert (
            complaint.acknowledge_due_on,
            complaint.answer_due_on,
        ) == complaints.deadlines(
            received_on, complaints.concerned_organisation(complaint)
        )
        content = complaint.read()
        assert content["text"]
        if complaint.anonymous:
            assert content["contact"] == ""
        if complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED):
            assert complaint.outcome
            assert complaint.acknowledged_at <= complaint.answered_at
        if complaint.case_id:
            assert complaint.case.provider_id == complaint.provider_id or (
                complaint.case.funder_id == complaint.funder_id
            )
        assert complaint.received_at <= timezone.now()


def test_deviations_opened_from_justified_complaints(demo):
    linked = Complaint.objects.filter(deviation__isnull=False).select_related(
        "deviation"
    )
    assert 1 <= linked.count() <= DEVIATIONS
    for complaint in linked:
        assert complaint.deviation.source == DeviationSource.COMPLAINT
        assert complaint.reference in complaint.deviation.title
        assert complaint.read()["text"] not in complaint.deviation.title
