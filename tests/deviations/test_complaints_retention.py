"""Closed complaints lose text and contact when the retention period ends."""

from datetime import date, datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from dialoq.accounts.roles import Role
from dialoq.deviations.complaints import erase_old_complaints
from dialoq.deviations.models import Complaint, ComplaintStatus
from tests import factories
from tests.deviations.factories import make_complaint

TODAY = date(2026, 11, 23)


def _answered(world, answered_at, status=ComplaintStatus.CLOSED):
    return make_complaint(
        funder=world.funder,
        provider=world.provider_a,
        text="Frau M. hat mich angeschrien.",
        contact="0171 1234567",
        status=status,
        outcome="upheld",
        acknowledged_at=answered_at,
        answered_at=answered_at,
    )


def test_old_closed_complaints_are_erased_and_the_rest_kept(settings, world):
    settings.RETENTION_YEARS = 3
    old = _answered(world, datetime(2023, 11, 1, 10).astimezone())
    recent = _answered(world, datetime(2023, 12, 1, 10).astimezone())
    still_open = _answered(
        world, datetime(2022, 1, 1, 10).astimezone(), status=ComplaintStatus.ANSWERED
    )

    assert erase_old_complaints(today=TODAY, dry_run=True) == 1
    assert Complaint.objects.filter(erased_at__isnull=False).count() == 0
    assert erase_old_complaints(today=TODAY) == 1
    assert erase_old_complaints(today=TODAY) == 0  # nothing twice

    old.refresh_from_db()
    assert old.erased_at is not None
    assert old.read() == {"text": "", "contact": ""}
    assert (old.reference, old.category, old.outcome) != ("", "", "")
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.erased_at is None
        assert kept.read()["text"] == "Frau M. hat mich angeschrien."


def test_erased_complaint_page_says_so(settings, world, verified_client_for):
    settings.RETENTION_YEARS = 3
    complaint = _answered(world, datetime(2020, 1, 1, 10).astimezone())
    erase_old_complaints(today=TODAY)
    officer = factories.make_user(
        "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
    )
    url = reverse("deviations:complaint_detail", args=[complaint.pk])
    page = verified_client_for(officer).get(url).content.decode()
    assert "angeschrien" not in page and "0171" not in page
    complaint.refresh_from_db()
    erased_on = formats.date_format(
        timezone.localtime(complaint.erased_at), "SHORT_DATE_FORMAT"
    )
    assert complaint.reference in page
    assert (
        gettext(
            "Text, contact and answer were erased on %(date)s when the retention "
            "period ended."
        )
        % {"date": erased_on}
        in page
    )
    # Outsiders still get nothing.
    outsider = verified_client_for(world.people.outsider)
    assert outsider.get(url).status_code == 404
