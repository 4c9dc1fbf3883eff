"""Agreements of the demo district: each funder with each provider it uses.

Every pair gets two approved versions (from 1 January two years ago, and
from 1 January last year with rates about 3 % higher) written through the
same service functions as the screens, so both sides' managers approve each
version. The Jugendamt and the Diakonie have an open proposal on top,
starting the month after next: higher rates, one more place, a stricter
target for reviews on time. The Jugendamt's manager has approved it; it
waits for the Diakonie's manager (login ``leitung.diakonie``).

Volumes, staffing and the spread of rates between providers are assumptions
[A]; the rates start from the reference rates of ``calibration``.
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from dialoq.accounts.models import Membership
from dialoq.agreements import services
from dialoq.agreements.models import (
    AgreedIndicator,
    AgreedRate,
    AgreedService,
    AgreedStaffing,
    ReportingDuty,
)
from dialoq.catalog.models import (
    IndicatorDefinition,
    KeyProcess,
    ProcessStandard,
    ServiceType,
)
from dialoq.demo import calibration as cal
from dialoq.demo import district

CODE_BOOKS = {district.YOUTH_OFFICE: "SGB VIII", district.JOBCENTER: "SGB II"}
# Built-in indicators agreed by every pair of a funder, with agreed targets.
INDICATORS = {
    district.YOUTH_OFFICE: {
        "planned-endings": {"target": "0.70"},
        "first-contact-within-10-working-days": {},
        "reviews-on-time": {"target": "0.85", "minimum_standard": "0.75"},
        "plans-with-participation": {},
        "satisfaction": {},
    },
    district.JOBCENTER: {
        "first-contact-within-10-working-days": {},
        "planned-endings": {},
        "satisfaction": {},
    },
}
TARGET_GROUPS = {
    "ambulant": "Familien, Kinder und Jugendliche im Landkreis Wesertal mit einem "
    "Hilfebedarf nach dem Hilfeplan (§ 36 SGB VIII), ambulant in der Familie.",
    "semi_residential": "Kinder im Grundschulalter, die tagsüber Förderung in der "
    "Gruppe brauchen und abends in ihrer Familie leben.",
    "residential": "Kinder und Jugendliche, die zeitweise oder auf Dauer nicht in "
    "ihrer Familie leben können.",
    "SGB II": "Erwerbsfähige Leistungsberechtigte nach dem SGB II, die das "
    "Jobcenter zuweist.",
}
PRINCIPLES = (
    "Leistungsträger und Leistungserbringer verständigen sich jährlich im "
    "Qualitätsdialog über die vereinbarten Kennzahlen.\n"
    "Grundlage sind die Hilfeverläufe, die Zielerreichung aus Sicht aller "
    "Beteiligten und die Zufriedenheit der Leistungsberechtigten.\n"
    "Abweichungen von den Mindeststandards werden gemeinsam bewertet; die "
    "Maßnahmen werden im Protokoll festgehalten."
)
CENT = Decimal("0.01")


def create_agreements(organisations, today: date):
    """Create the agreements of the district; ``organisations`` maps keys to rows."""
    service_types = {s.key: s for s in ServiceType.objects.all()}
    for funder_key, code_book in CODE_BOOKS.items():
        funder = organisations[funder_key]
        for index, spec in enumerate(district.PROVIDERS):
            keys = sorted(
                key
                for key in spec.services()
                if service_types[key].code_book == code_book
            )
            if not keys:
                continue
            provider = organisations[spec.key]
            pair = _Pair(funder, provider, [service_types[k] for k in keys], spec)
            pair.history(funder_key, index, today)
            if funder_key == district.YOUTH_OFFICE and spec.key == "diakonie":
                pair.open_proposal(funder_key, index, today)


def _manager(organisation):
    return (
        Membership.objects.filter(organisation=organisation, role="manager")
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def _qm_officer(organisation):
    membership = (
        Membership.objects.filter(organisation=organisation, role="qm_officer")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else _manager(organisation)


def _at(day: date, hour=10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class _Pair:
    """One funder and one provider with the service types they agree on."""

    def __init__(self, funder, provider, service_types, spec):
        self.funder, self.provider = funder, provider
        self.service_types = service_types
        self.spec = spec
        self.agreement = services.do_create_agreement(
            _manager(funder), funder=funder, provider=provider
        )

    def history(self, funder_key, index, today):
        """Write the two approved versions of the last two years."""
        first = date(today.year - 2, 1, 1)
        second = date(today.year - 1, 1, 1)
        self._approved(
            funder_key,
            index,
            start=first,
            level=Decimal("0.97"),
            proposer=_qm_officer(self.funder),
            proposed_on=first - timedelta(days=60),
            note="Erstmalige Vereinbarung nach § 78b SGB VIII.",
        )
        self._approved(
            funder_key,
            index,
            start=second,
            level=Decimal("1.00"),
            proposer=_manager(self.provider),
            proposed_on=second - timedelta(days=75),
            note="Entgeltanpassung an die Tarifentwicklung (rund 3 %).",
        )

    def open_proposal(self, funder_key, index, today):
        """Propose higher rates and a stricter review target; the funder approves."""
        month = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
        terms = self._terms(funder_key, index, month, Decimal("1.045"), extra_place=1)
        terms.change_note = (
            "Tarifsteigerung TVöD SuE (4,5 %), ein zusätzlicher Platz in der "
            "Wohngruppe, Fortschreibungen zu 90 % fristgerecht."
        )
        for row in terms.indicators:
            if row.indicator.key == "reviews-on-time":
                row.target = Decimal("0.90")
        proposed = min(today, month - timedelta(days=1)) - timedelta(days=7)
        version = services.do_propose(
            _qm_officer(self.funder),
            self.agreement,
            terms,
            today=proposed,
            now=_at(proposed),
        )
        services.do_approve(
            _manager(self.funder),
            version,
            today=proposed,
            now=_at(proposed + timedelta(days=2), 15),
        )

    def _approved(
        self, funder_key, index, *, start, level, proposer, proposed_on, note
    ):
        terms = self._terms(funder_key, index, start, level)
        terms.change_note = note
        version = services.do_propose(
            proposer, self.agreement, terms, today=proposed_on, now=_at(proposed_on)
        )
        for days, manager in (
            (14, _manager(self.funder)),
            (21, _manager(self.provider)),
        ):
            services.do_approve(
                manager,
                version,
                today=proposed_on,
                now=_at(proposed_on + timedelta(days=days), 11),
            )

    def _terms(self, funder_key, index, start, level, extra_place=0):
        """Return the content of a version at the given level of rates."""
        # Providers differ by up to ±3 % from the reference rate [A].
        spread = Decimal(1) + Decimal((index % 5) - 2) * Decimal("0.015")
        rows, rates = [], []
        places = hours = Decimal(0)
        for service_type in self.service_types:
            daily = service_type.key in cal.DAILY_RATE
            if daily:
                volume = Decimal(max(4, round(6 * self.spec.size))) + extra_place
                places += volume
                reference = cal.DAILY_RATE[service_type.key]
            else:
                volume = Decimal(max(40, round(160 * self.spec.size)))
                hours += volume
                reference = cal.RATE_PER_SERVICE_HOUR[service_type.key]
            group = (
                TARGET_GROUPS["SGB II"]
                if service_type.code_book == "SGB II"
                else TARGET_GROUPS[service_type.setting]
            )
            rows.append(
                AgreedService(
                    service_type=service_type,
                    target_group=group,
                    volume=volume,
                    volume_unit="places" if daily else "hours_per_month",
                )
            )
            rates.append(
                AgreedRate(
                    service_type=service_type,
                    unit="day" if daily else "hour",
                    amount=_money(Decimal(str(reference)) * spread * level),
                )
            )
        # One full-time post per 100 service hours a month, one per 2 places.
        posts = hours / 100 + places / 2
        staffing = [
            AgreedStaffing(
                qualification="social_work_degree",
                full_time_equivalents=_money(posts * Decimal("0.7")),
            ),
            AgreedStaffing(
                qualification="vocational",
                full_time_equivalents=_money(posts * Decimal("0.3")),
            ),
        ]
        return services.Terms(
            valid_from=start,
            quality_principles=PRINCIPLES,
            dialogue_cadence_months=12,
            services=rows,
            staffing=[row for row in staffing if row.full_time_equivalents > 0],
            rates=rates,
            indicators=_indicators(funder_key),
            reporting_duties=_duties(
                residential=funder_key == district.YOUTH_OFFICE and places > 0
            ),
            process_standards=list(ProcessStandard.objects.filter(owner=None)),
            key_processes=list(KeyProcess.objects.filter(owner=None)),
        )


def _indicators(funder_key):
    wanted = INDICATORS[funder_key]
    definitions = IndicatorDefinition.objects.filter(key__in=wanted, owner=None)
    return [
        AgreedIndicator(
            indicator=definition,
            **{name: Decimal(value) for name, value in wanted[definition.key].items()},
        )
        for definition in definitions.order_by("key")
    ]


def _duties(*, residential):
    duties = [
        ReportingDuty(
            subject="Sachbericht mit den vereinbarten Kennzahlen",
            reporter="provider",
            recipient="Controlling des Leistungsträgers",
            due="jährlich bis zum 31. März",
        ),
        ReportingDuty(
            subject="Belegung und freie Kapazitäten",
            reporter="provider",
            recipient="Fallführende Fachkräfte",
            due="monatlich bis zum 5. Werktag",
        ),
        ReportingDuty(
            subject="Rückmeldung zu Beschwerden und Abweichungen",
            reporter="funder",
            recipient="Qualitätsbeauftragte des Leistungserbringers",
            due="innerhalb von 20 Arbeitstagen",
        ),
    ]
    if residential:
        duties.append(
            ReportingDuty(
                subject="Besondere Vorkommnisse (§ 47 SGB VIII)",
                reporter="provider",
                recipient="Jugendamt und Landesjugendamt",
                due="unverzüglich",
            )
        )
    return duties
