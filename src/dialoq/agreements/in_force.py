"""What is agreed on a given day: the functions other apps call.

``agreement_in_force`` returns the one version in force for a funder and a
provider on a day (or None); ``rate_for`` the rate of a service type on a
day; ``agreed_indicators`` the indicators of a version with the values that
apply, the agreement's own where it sets one, else the catalogue's.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dialoq.agreements.models import AgreedRate, AgreementVersion
from dialoq.catalog.models import IndicatorDefinition, IndicatorVersion
from dialoq.catalog.models import VersionStatus as IndicatorStatus

INDICATOR_VALUES = ("target", "reference_lower", "reference_upper", "minimum_standard")


def agreement_in_force(funder, provider, on_date: date) -> AgreementVersion | None:
    """Return the version in force between the two on the day, or None.

    ``funder`` and ``provider`` are organisations or their ids. The approval
    rules keep approved versions from overlapping; should two ever cover the
    same day, ``MultipleObjectsReturned`` is raised rather than one guessed.
    """
    versions = list(
        AgreementVersion.objects.in_force_on(on_date)
        .filter(agreement__funder=funder, agreement__provider=provider)
        .select_related("agreement", "agreement__funder", "agreement__provider")[:2]
    )
    if len(versions) > 1:
        raise AgreementVersion.MultipleObjectsReturned(
            f"Two agreement versions in force on {on_date.isoformat()}."
        )
    return versions[0] if versions else None


def rate_for(funder, provider, service_type, on_date: date) -> AgreedRate | None:
    """Return the rate agreed for the service type on the day, or None."""
    version = agreement_in_force(funder, provider, on_date)
    if version is None:
        return None
    for rate in version.rates.filter(service_type=service_type):
        ends = rate.ends(version)
        if rate.starts(version) <= on_date and (ends is None or on_date <= ends):
            return rate
    return None


@dataclass(frozen=True)
class IndicatorTerms:
    """An agreed indicator with the values that apply to the partners."""

    indicator: IndicatorDefinition
    version: IndicatorVersion | None  # the indicator version in force, if any
    target: float | None
    reference_lower: float | None
    reference_upper: float | None
    minimum_standard: float | None
    agreed: frozenset[str]  # which of the values the agreement sets itself


def agreed_indicators(agreement_version: AgreementVersion) -> list[IndicatorTerms]:
    """Return the version's indicators with the agreed or else catalogue values."""
    rows = list(agreement_version.indicators.select_related("indicator"))
    in_force = {
        version.definition_id: version
        for version in IndicatorVersion.objects.filter(
            definition__in=[row.indicator_id for row in rows],
            status=IndicatorStatus.IN_FORCE,
        )
    }
    result = []
    for row in rows:
        version = in_force.get(row.indicator_id)
        catalogue = _catalogue_values(version.spec if version else {})
        values, agreed = {}, set()
        for name in INDICATOR_VALUES:
            own = getattr(row, name)
            if own is not None:
                agreed.add(name)
                values[name] = float(own)
            else:
                values[name] = catalogue.get(name)
        result.append(
            IndicatorTerms(
                indicator=row.indicator,
                version=version,
                agreed=frozenset(agreed),
                **values,
            )
        )
    return result


def _catalogue_values(spec: dict) -> dict:
    """Return target, fixed reference bounds and minimum standard of a definition."""
    reference = spec.get("reference") or {}
    fixed = reference.get("type") == "fixed"
    values = {
        "target": spec.get("target"),
        "minimum_standard": spec.get("minimum_standard"),
        "reference_lower": reference.get("lower") if fixed else None,
        "reference_upper": reference.get("upper") if fixed else None,
    }
    return {
        name: float(value) if isinstance(value, int | float | Decimal) else None
        for name, value in values.items()
    }
