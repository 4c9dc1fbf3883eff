"""Builders for the catalogue tests: criteria, indicators with versions, QM officers."""

import itertools

from dialoq.accounts.roles import Role
from dialoq.catalog.models import (
    IndicatorDefinition,
    IndicatorVersion,
    QualityCriterion,
    VersionStatus,
)
from tests import factories

_sequence = itertools.count(1)

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
    "target": 0.7,
    "minimum_cases": 5,
}


def make_criterion(**fields):
    number = next(_sequence)
    defaults = {
        "key": f"test-criterion-{number}",
        "title": f"Prüfkriterium {number}",
        "title_en": f"Test criterion {number}",
        "dimension": "outcome",
        "perspective": "use",
        "order": 900 + number,
    }
    defaults.update(fields)
    return QualityCriterion.objects.create(**defaults)


def make_indicator(owner=None, *, key=None, criterion=None, **fields):
    """Return version 1 (in force unless told) of a new indicator."""
    number = next(_sequence)
    definition = IndicatorDefinition.objects.create(
        key=key or f"test-indicator-{number}",
        criterion=criterion or make_criterion(),
        owner=owner,
    )
    return make_version(definition, version=1, **fields)


def make_version(definition, **fields):
    number = next(_sequence)
    defaults = {
        "version": definition.versions.count() + 1,
        "status": VersionStatus.IN_FORCE,
        "title": f"Planmäßige Beendigungen {number}",
        "title_en": f"Planned endings {number}",
        "quality_goal": "Möglichst viele Hilfen enden wie geplant.",
        "rationale": "Ein planmäßiges Ende zeigt, dass die Hilfe ihr Ziel erreicht.",
        "source": "§ 36 SGB VIII",
        "spec": PLANNED_ENDINGS,
    }
    defaults.update(fields)
    return IndicatorVersion.objects.create(definition=definition, **defaults)


def make_qm_officer(organisation, username=None):
    return factories.make_user(
        username, role=Role.QM_OFFICER, organisation=organisation
    )
