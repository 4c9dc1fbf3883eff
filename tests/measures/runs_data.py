"""An indicator in force and closed cases to compute it on, for the run tests."""

from datetime import date

from dialoq.cases.models import CaseStatus
from dialoq.catalog.models import (
    IndicatorDefinition,
    IndicatorVersion,
    QualityCriterion,
    VersionStatus,
)

PLANNED_ENDINGS = {
    "fact": "cases",
    "kind": "rate",
    "period_date": "ended_on",
    "population": "status = 'closed'",
    "numerator": "planned_ending = true",
    "scale": "nominal",
    "unit": "percent",
    "direction": "higher_is_better",
    "reference": {"type": "fixed", "lower": 0.6},
    "minimum_cases": 1,
}


def make_only_indicator(key="test-planned-endings", spec=None):
    """Return the only indicator version in force (planned endings by default).

    The built-in catalogue is retired, so "compute everything" computes this.
    """
    IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.RETIRED
    )
    criterion, _created = QualityCriterion.objects.get_or_create(
        key="test-endings",
        defaults={
            "title": "Beendigungen",
            "dimension": "outcome",
            "perspective": "service",
        },
    )
    definition = IndicatorDefinition.objects.create(key=key, criterion=criterion)
    return IndicatorVersion.objects.create(
        definition=definition,
        version=1,
        status=VersionStatus.IN_FORCE,
        title="Planmäßige Beendigungen",
        title_en="Planned endings",
        quality_goal="Hilfen enden wie geplant.",
        rationale="Test",
        spec=PLANNED_ENDINGS if spec is None else spec,
    )


def close_cases(world):
    """Close the world's two cases in March 2026, one of them as planned."""
    for case, reason in (
        (world.case_a, "planned"),
        (world.case_b, "dropout_beneficiary"),
    ):
        case.status = CaseStatus.CLOSED
        case.ended_on = date(2026, 3, 20)
        case.closure_reason = reason
        case.save()
