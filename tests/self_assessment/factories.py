"""Builders for self-assessment tests: officers, rounds, complete answers."""

from datetime import timedelta

from django.utils import timezone

from dialoq.accounts.roles import Role
from dialoq.self_assessment.models import (
    Answer,
    Response,
    Round,
    Side,
    TemplateVersion,
    VersionStatus,
)
from dialoq.self_assessment.scoring import score_fields
from tests import factories

ECKPUNKTE = "eckpunkte-kooperatives-qm"
CAF = "caf-2020"


def make_officer(organisation, username, role=Role.QM_OFFICER):
    return factories.make_user(username, role=role, organisation=organisation)


def version(key=ECKPUNKTE) -> TemplateVersion:
    return TemplateVersion.objects.get(template__key=key, status=VersionStatus.IN_FORCE)


def make_round(funder, provider, *, key=ECKPUNKTE, method="classical", by=None):
    """Return a round with both (empty) responses, written directly."""
    by = by or factories.make_user()
    round_ = Round.objects.create(
        funder=funder,
        provider=provider,
        template_version=version(key),
        method=method,
        due_date=timezone.localdate() + timedelta(weeks=8),
        created_by=by,
    )
    for side in Side.values:
        Response.objects.create(round=round_, side=side)
    return round_


def fill(round_, side, user, value_for):
    """Answer every item of a side with ``value_for(item)`` for each number."""
    response = round_.responses.get(side=side)
    for criterion in round_.template_version.criteria.all():
        for item in criterion.items.all():
            values = {
                name: value_for(item)
                for name in score_fields(item.scheme, round_.method)
            }
            Answer.objects.update_or_create(
                response=response,
                item=item,
                defaults={**values, "evidence": "Protokolle 2025", "updated_by": user},
            )
    return response


def submit_directly(round_, side, user):
    response = round_.responses.get(side=side)
    response.submitted_at = timezone.now()
    response.submitted_by = user
    response.save()
    return response
