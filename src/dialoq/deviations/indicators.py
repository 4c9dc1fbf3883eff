"""Deviations from indicator results outside their reference range.

``detect_indicator_deviations`` reads the stored results (``measures.Result``)
of every indicator version in force for unit type *provider*, stratum "all",
period type *calendar year*: the latest complete year of each version (ending
before the day checked). A result evaluated ``conspicuous`` (outside the
reference range by the version's rule, simple or Bayesian — the engine decided
that) opens one deviation under the stable key

    indicator:<indicator key>:provider:<unit id>:<period start>:<period end>

where the unit id is the provider's id, followed by ``-f<funder id>`` when the
result covers the cases of one funder (the engine computes provider results
per funder, and without a funder for figures such as staff that belong to no
funder). Calendar years rather than rolling twelve months: a rolling window
moves every month and would open a new deviation each month for the same
finding, whereas a year gives one finding per year for the quality dialogue,
and only twelve-month figures leave their owners (``measures.disclosure``).

A deviation heals when a newer year's result of the same indicator and unit
lies within the reference range: deviations nobody has taken up yet (still
*reported*) are closed as healed, the others keep their work and get
``healed_at`` and a history entry. Running it again changes nothing.
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.catalog.models import DeviationSeverity, IndicatorVersion, VersionStatus
from dialoq.deviations.models import (
    Deviation,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.deviations.review import qm_officers
from dialoq.deviations.workflow import default_due_on, do_record_event
from dialoq.measures.engine import unit_key
from dialoq.measures.formatting import value_format
from dialoq.measures.models import PeriodType, Result, UnitType
from dialoq.measures.statistics import Evaluation
from dialoq.notifications.services import notify

PERIOD_TYPE = PeriodType.YEAR
SEVERITY = DeviationSeverity.MEDIUM


def deviation_key(result) -> str:
    """Return the stable key of the deviation a conspicuous result opens."""
    unit_id = str(result.provider_id)
    if result.funder_id:
        unit_id += f"-f{result.funder_id}"
    return ":".join(
        [
            "indicator",
            result.version.definition.key,
            result.unit_type,
            unit_id,
            result.period_start.isoformat(),
            result.period_end.isoformat(),
        ]
    )


def detect_indicator_deviations(today: date) -> tuple[int, int]:
    """Open deviations for conspicuous provider results; heal those now in range.

    Return how many deviations were opened and how many healed.
    """
    opened = 0
    versions = IndicatorVersion.objects.filter(
        status=VersionStatus.IN_FORCE
    ).select_related("definition")
    for version in versions:
        results = _provider_results(today).filter(version=version)
        latest = results.aggregate(latest=Max("period_start"))["latest"]
        if latest is None:
            continue
        conspicuous = results.filter(
            period_start=latest,
            evaluation=Evaluation.CONSPICUOUS,
            provider__isnull=False,
        ).select_related("version__definition", "provider", "funder")
        for result in conspicuous:
            if _open_deviation(result, today) is not None:
                opened += 1
    return opened, _heal_deviations(today)


def _provider_results(today: date):
    return Result.objects.filter(
        unit_type=UnitType.PROVIDER,
        period_type=PERIOD_TYPE,
        stratum="",
        period_end__lt=today,
    )


def _open_deviation(result, today: date) -> Deviation | None:
    """Create the result's deviation unless its key exists; return it if created."""
    key = deviation_key(result)
    with transaction.atomic():
        if Deviation.objects.filter(key=key).exists():
            return None
        deviation = Deviation.objects.create(
            key=key,
            source=DeviationSource.INDICATOR,
            severity=SEVERITY,
            title=_title(result),
            description=_description(result),
            funder=result.funder,
            provider=result.provider,
            indicator_version=result.version,
            period_start=result.period_start,
            period_end=result.period_end,
            occurred_on=result.period_end,
            owner_organisation=result.provider,
            auto_detected=True,
            due_on=default_due_on(SEVERITY, today),
        )
        do_record_event(
            deviation, DeviationEventKind.CREATED, to_status=DeviationStatus.REPORTED
        )
        notify(
            qm_officers([result.provider_id]),
            key=f"deviation:{deviation.pk}:detected",
            subject=_("Indicator outside its range: %(number)s")
            % {"number": deviation.number},
            body=deviation.title,
            url=reverse("deviations:detail", args=[deviation.pk]),
        )
    return deviation


def _period_text(start: date, end: date) -> str:
    return "{} – {}".format(
        formats.date_format(start, "SHORT_DATE_FORMAT"),
        formats.date_format(end, "SHORT_DATE_FORMAT"),
    )


def _title(result) -> str:
    """Return the stored title, in the site's language: no personal data in it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(indicator)s: conspicuous in the period %(period)s") % {
            "indicator": result.version.title,
            "period": _period_text(result.period_start, result.period_end),
        }


def _description(result) -> str:
    """Return the value, its cases and the reference range, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        shown = value_format(result.version.parsed())
        return _("Value %(value)s from %(cases)s cases; reference range %(range)s.") % {
            "value": shown.value(result.value),
            "cases": formats.number_format(result.cases, force_grouping=True),
            "range": shown.range(result.reference_lower, result.reference_upper),
        }


def _heal_deviations(today: date) -> int:
    healed = 0
    candidates = (
        Deviation.objects.open()
        .filter(
            source=DeviationSource.INDICATOR,
            auto_detected=True,
            key__startswith="indicator:",
            healed_at__isnull=True,
            provider__isnull=False,
            indicator_version__isnull=False,
            period_start__isnull=False,
        )
        .select_related("indicator_version")
    )
    for deviation in candidates:
        newer = (
            _provider_results(today)
            .filter(
                version__definition_id=deviation.indicator_version.definition_id,
                version__status=VersionStatus.IN_FORCE,
                unit_key=unit_key(
                    UnitType.PROVIDER,
                    (deviation.funder_id, deviation.provider_id, None, None),
                ),
                period_start__gt=deviation.period_start,
            )
            .order_by("-period_start")
            .first()
        )
        if newer is None or newer.evaluation != Evaluation.WITHIN_RANGE:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Within the reference range in the period %(period)s.") % {
                "period": _period_text(newer.period_start, newer.period_end)
            }
        if do_heal(deviation, note=note):
            healed += 1
    return healed


def do_heal(deviation, *, note: str) -> bool:
    """Record that a detected breach no longer persists; return whether it was new.

    A deviation nobody has taken up yet (still *reported*) is closed as
    healed, as the standards monitor does; any other keeps its work and
    status, gets ``healed_at`` and a history entry, and its responsible
    person is told, to close it as healed or to pursue the causes.
    """
    with transaction.atomic():
        deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
        if not deviation.is_open or deviation.healed_at is not None:
            return False
        now = timezone.now()
        deviation.healed_at = now
        if deviation.status == DeviationStatus.REPORTED:
            deviation.status = DeviationStatus.CLOSED
            deviation.resolution = Resolution.HEALED
            deviation.closed_at = now
            deviation.save()
            do_record_event(
                deviation,
                DeviationEventKind.HEALED,
                note=note,
                from_status=DeviationStatus.REPORTED,
                to_status=DeviationStatus.CLOSED,
            )
            return True
        deviation.save(update_fields=["healed_at"])
        do_record_event(deviation, DeviationEventKind.HEALED, note=note)
        notify(
            [deviation.owner],
            key=f"deviation:{deviation.pk}:healed",
            subject=_("Deviation %(number)s has healed") % {"number": deviation.number},
            body=deviation.title,
            url=reverse("deviations:detail", args=[deviation.pk]),
        )
    return True
