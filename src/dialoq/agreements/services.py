"""Who may read, propose and approve agreements, and the writes that change them.

Reading: members of the funder or the provider whose role lets them see
aggregated figures, propose or approve agreements read the agreement; nobody
else learns that it exists.

Proposing (``Action.PROPOSE_AGREEMENT``: QM officers and managers of either
side): a proposal is a complete new version, written once. There is at most
one open proposal per agreement. It amends the latest approved version (its
*base*); it must start after the base starts and, because agreements do not
take effect retroactively (§ 78d para. 2 SGB VIII), not before the day it is
approved. Only the first version of an agreement may start in the past: it
records an agreement concluded before it was entered here.

Approving (``Action.APPROVE``: managers): one person of the funder and a
different person of the provider. The second approval puts the version in
force in the same transaction: the version it amends ends on the day before
the new version starts (or earlier, if it ended earlier). So the approved
versions of an agreement never overlap, and on any day at most one is in
force (``dialoq.agreements.in_force``).

Rejecting: a manager of either side, with a reason. Withdrawing: a QM officer
or manager of the side that proposed.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation, Qualification
from dialoq.accounts.roles import Action, OrganisationKind
from dialoq.agreements.formatting import format_date
from dialoq.agreements.models import (
    AgreedIndicator,
    AgreedKeyProcess,
    AgreedProcessStandard,
    AgreedRate,
    AgreedService,
    AgreedStaffing,
    Agreement,
    AgreementVersion,
    Approval,
    ReportingDuty,
    Side,
    VersionStatus,
)
from dialoq.catalog.models import KeyProcess, ProcessStandard

READ_ACTIONS = (Action.VIEW_AGGREGATES, Action.PROPOSE_AGREEMENT, Action.APPROVE)
MAX_DIALOGUE_CADENCE_MONTHS = 36


# --- who may do what --------------------------------------------------------------


def _organisation_ids(user, action) -> dict[str, set[int]]:
    """Return the funders and providers in which the user may perform the action."""
    result = {Side.FUNDER: set(), Side.PROVIDER: set()}
    for grant in scoping.grants(user, action):
        if grant.organisation_kind in result:
            result[grant.organisation_kind].add(grant.organisation_id)
    return result


def readable_agreements(user) -> QuerySet:
    """Return the agreements the user may read."""
    funders, providers = set(), set()
    for action in READ_ACTIONS:
        ids = _organisation_ids(user, action)
        funders |= ids[Side.FUNDER]
        providers |= ids[Side.PROVIDER]
    if not (funders or providers):
        return Agreement.objects.none()
    return Agreement.objects.filter(Q(funder__in=funders) | Q(provider__in=providers))


def may_read_agreements(user) -> bool:
    """Return whether the user may read agreements of some funder or provider."""
    if not user.is_authenticated:
        return False
    return any(
        grant.organisation_kind in {Side.FUNDER, Side.PROVIDER}
        for action in READ_ACTIONS
        for grant in scoping.grants(user, action)
    )


def access_agreement(user, pk) -> Agreement:
    """Return the agreement if the user may read it; 404 otherwise."""
    try:
        return readable_agreements(user).select_related("funder", "provider").get(pk=pk)
    except (Agreement.DoesNotExist, ValueError):
        raise Http404 from None


def sides(user, agreement, action) -> set[str]:
    """Return the sides of the agreement for which the user may perform the action."""
    ids = _organisation_ids(user, action)
    result = set()
    if agreement.funder_id in ids[Side.FUNDER]:
        result.add(Side.FUNDER)
    if agreement.provider_id in ids[Side.PROVIDER]:
        result.add(Side.PROVIDER)
    return result


def may_propose_somewhere(user) -> bool:
    """Return whether the user may propose agreements for some organisation."""
    ids = _organisation_ids(user, Action.PROPOSE_AGREEMENT)
    return bool(ids[Side.FUNDER] or ids[Side.PROVIDER])


def proposing_organisations(user) -> QuerySet:
    """Return the funders and providers for which the user may propose agreements."""
    ids = _organisation_ids(user, Action.PROPOSE_AGREEMENT)
    return Organisation.objects.filter(
        pk__in=ids[Side.FUNDER] | ids[Side.PROVIDER]
    ).order_by("name")


def may_withdraw(user, version) -> bool:
    """Return whether the user acts for the side that proposed the version."""
    acting = sides(user, version.agreement, Action.PROPOSE_AGREEMENT) | sides(
        user, version.agreement, Action.APPROVE
    )
    return version.proposed_for in acting


def _acting_side(user, agreement, action, requested) -> str:
    """Return the side the user acts for; refuse a side the user does not hold."""
    allowed = sides(user, agreement, action)
    if requested:
        if requested not in allowed:
            raise PermissionDenied
        return requested
    if not allowed:
        raise PermissionDenied
    if len(allowed) > 1:
        raise ValidationError(
            _("You belong to both sides of this agreement: choose for which you act.")
        )
    return next(iter(allowed))


def side_label(side: str) -> str:
    return _("funder") if side == Side.FUNDER else _("provider")


# --- the content of a version ------------------------------------------------------


@dataclass
class Terms:
    """The content of a version before it is proposed: unsaved rows."""

    valid_from: date
    valid_until: date | None = None
    change_note: str = ""
    quality_principles: str = ""
    dialogue_cadence_months: int = 12
    services: list[AgreedService] = field(default_factory=list)
    staffing: list[AgreedStaffing] = field(default_factory=list)
    rates: list[AgreedRate] = field(default_factory=list)
    indicators: list[AgreedIndicator] = field(default_factory=list)
    reporting_duties: list[ReportingDuty] = field(default_factory=list)
    process_standards: list[ProcessStandard] = field(default_factory=list)
    key_processes: list[KeyProcess] = field(default_factory=list)


CONTENT_FIELDS = {
    "services": ("service_type", "target_group", "volume", "volume_unit"),
    "staffing": ("qualification", "full_time_equivalents"),
    "rates": ("service_type", "unit", "amount", "valid_from", "valid_until"),
    "indicators": (
        "indicator",
        "target",
        "reference_lower",
        "reference_upper",
        "minimum_standard",
    ),
    "reporting_duties": ("subject", "reporter", "recipient", "due"),
}
CONTENT_MODELS = {
    "services": AgreedService,
    "staffing": AgreedStaffing,
    "rates": AgreedRate,
    "indicators": AgreedIndicator,
    "reporting_duties": ReportingDuty,
}


def terms_of(version: AgreementVersion) -> Terms:
    """Return a copy of a version's content, to start a proposal from."""
    terms = Terms(
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        quality_principles=version.quality_principles,
        dialogue_cadence_months=version.dialogue_cadence_months,
    )
    for part, model in CONTENT_MODELS.items():
        names = CONTENT_FIELDS[part]
        rows = getattr(version, part).all()
        copies = [model(**{name: getattr(row, name) for name in names}) for row in rows]
        setattr(terms, part, copies)
    terms.process_standards = list(version.process_standards.order_by("key"))
    terms.key_processes = list(version.key_processes.order_by("key"))
    return terms


def check_terms(terms: Terms, *, base: AgreementVersion | None, today: date) -> list:
    """Return what is wrong with the terms, as messages for the user."""
    problems = []
    if terms.valid_until and terms.valid_until < terms.valid_from:
        problems.append(_("The version must end on or after the day it starts."))
    if base is not None:
        if terms.valid_from <= base.valid_from:
            problems.append(
                _(
                    "A change must start after the version it amends, which starts "
                    "on %(date)s."
                )
                % {"date": format_date(base.valid_from)}
            )
        if terms.valid_from < today:
            problems.append(
                _(
                    "A change cannot take effect retroactively (§ 78d para. 2 SGB "
                    "VIII): let it start on %(date)s or later."
                )
                % {"date": format_date(today)}
            )
    if not terms.change_note.strip():
        problems.append(_("Say what changes and why."))
    if not 1 <= terms.dialogue_cadence_months <= MAX_DIALOGUE_CADENCE_MONTHS:
        problems.append(
            _("Hold the quality dialogue at least every %(months)s months.")
            % {"months": MAX_DIALOGUE_CADENCE_MONTHS}
        )
    problems += _service_problems(terms)
    problems += _rate_problems(terms)
    problems += _duplicates(
        [row.qualification for row in terms.staffing],
        lambda qualification: (
            _("The qualification “%(name)s” is listed twice.")
            % {"name": Qualification(qualification).label}
        ),
    )
    problems += _duplicates(
        [row.indicator for row in terms.indicators],
        lambda indicator: (
            _("The indicator “%(name)s” is listed twice.") % {"name": indicator.key}
        ),
    )
    for row in terms.indicators:
        low, high = row.reference_lower, row.reference_upper
        if low is not None and high is not None and low > high:
            problems.append(
                _("The reference range of “%(name)s” must not end below its start.")
                % {"name": row.indicator.key}
            )
    return problems


def _duplicates(values, message) -> list:
    seen, problems = set(), []
    for value in values:
        if value in seen:
            problems.append(message(value))
        seen.add(value)
    return problems


def _service_problems(terms) -> list:
    if not terms.services:
        return [_("Agree at least one service type.")]
    return _duplicates(
        [row.service_type for row in terms.services],
        lambda service_type: (
            _("The service type “%(name)s” is listed twice.") % {"name": service_type}
        ),
    )


def _rate_problems(terms) -> list:
    """Return problems of the remuneration: every service paid, no overlaps."""
    problems = []
    agreed = {row.service_type for row in terms.services}
    version = AgreementVersion(
        valid_from=terms.valid_from, valid_until=terms.valid_until
    )
    by_type = {}
    for rate in terms.rates:
        if rate.service_type not in agreed:
            problems.append(
                _(
                    "A rate is set for “%(name)s”, which is not among the agreed "
                    "services."
                )
                % {"name": rate.service_type}
            )
        starts, ends = rate.starts(version), rate.ends(version)
        if starts < terms.valid_from or (
            terms.valid_until
            and rate.valid_until
            and rate.valid_until > terms.valid_until
        ):
            problems.append(
                _(
                    "The rate for “%(name)s” must lie within the validity of the "
                    "version."
                )
                % {"name": rate.service_type}
            )
        elif ends is not None and ends < starts:
            problems.append(
                _("The rate for “%(name)s” must end on or after the day it starts.")
                % {"name": rate.service_type}
            )
        by_type.setdefault(rate.service_type, []).append((starts, ends))
    for service_type, periods in by_type.items():
        periods.sort(key=lambda period: period[0])
        for (_start, end), (next_start, _end) in itertools.pairwise(periods):
            if end is None or end >= next_start:
                problems.append(
                    _(
                        "Two rates for “%(name)s” apply on the same days; let one "
                        "end before the next starts."
                    )
                    % {"name": service_type}
                )
                break
    for service_type in agreed - set(by_type):
        problems.append(_("No rate is agreed for “%(name)s”.") % {"name": service_type})
    return problems


# --- writes -----------------------------------------------------------------------


def do_create_agreement(user, *, funder, provider) -> Agreement:
    """Return the agreement of the pair, created if there is none yet."""
    if (
        funder.kind != OrganisationKind.FUNDER
        or provider.kind != OrganisationKind.PROVIDER
    ):
        raise ValidationError(
            _("An agreement is made between a funder and a provider.")
        )
    ids = _organisation_ids(user, Action.PROPOSE_AGREEMENT)
    if funder.pk not in ids[Side.FUNDER] and provider.pk not in ids[Side.PROVIDER]:
        raise PermissionDenied
    with transaction.atomic():
        agreement, _created = Agreement.objects.get_or_create(
            funder=funder, provider=provider, defaults={"created_by": user}
        )
    return agreement


def head_version(agreement) -> AgreementVersion | None:
    """Return the latest approved version, which a new proposal amends."""
    return agreement.versions.filter(status=VersionStatus.APPROVED).first()


def open_proposal(agreement) -> AgreementVersion | None:
    return agreement.versions.filter(status=VersionStatus.PROPOSED).first()


def do_propose(
    user, agreement, terms: Terms, *, side=None, today=None, now=None
) -> AgreementVersion:
    """Propose a new version with the given content; raise ValidationError if wrong."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    side = _acting_side(user, agreement, Action.PROPOSE_AGREEMENT, side)
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=agreement.pk)
        if open_proposal(agreement) is not None:
            raise ValidationError(
                _(
                    "There is an open proposal already: it must be approved, "
                    "rejected or withdrawn first."
                )
            )
        base = head_version(agreement)
        problems = check_terms(terms, base=base, today=today)
        if problems:
            raise ValidationError(problems)
        number = agreement.versions.aggregate(last=Max("number"))["last"] or 0
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=number + 1,
            base=base,
            valid_from=terms.valid_from,
            valid_until=terms.valid_until,
            change_note=terms.change_note.strip(),
            quality_principles=terms.quality_principles.strip(),
            dialogue_cadence_months=terms.dialogue_cadence_months,
            proposed_by=user,
            proposed_for=side,
            proposed_at=now,
        )
        for part, model in CONTENT_MODELS.items():
            rows = []
            for order, row in enumerate(getattr(terms, part)):
                copy = model(
                    version=version,
                    **{name: getattr(row, name) for name in CONTENT_FIELDS[part]},
                )
                if part == "reporting_duties":
                    copy.order = order
                rows.append(copy)
            model.objects.bulk_create(rows)
        AgreedProcessStandard.objects.bulk_create(
            AgreedProcessStandard(version=version, standard=standard)
            for standard in set(terms.process_standards)
        )
        AgreedKeyProcess.objects.bulk_create(
            AgreedKeyProcess(version=version, process=process)
            for process in set(terms.key_processes)
        )
    return version


def _locked(version) -> AgreementVersion:
    """Lock the agreement, then return the version as stored now."""
    Agreement.objects.select_for_update().get(pk=version.agreement_id)
    return AgreementVersion.objects.select_related(
        "agreement", "agreement__funder", "agreement__provider"
    ).get(pk=version.pk)


def do_approve(user, version, *, side=None, today=None, now=None) -> AgreementVersion:
    """Record the user's approval for their side; the second side's puts it in force.

    Raise ``PermissionDenied`` if the user may not approve for the side, and
    ``ValidationError`` if the proposal cannot be approved (any more).
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    with transaction.atomic():
        version = _locked(version)
        agreement = version.agreement
        side = _acting_side(user, agreement, Action.APPROVE, side)
        if version.status != VersionStatus.PROPOSED:
            raise ValidationError(_("Only an open proposal can be approved."))
        given = list(version.approvals.all())
        if any(approval.user_id == user.pk for approval in given):
            raise ValidationError(
                _(
                    "You have approved this proposal already. The other side must "
                    "approve it through another person."
                )
            )
        if any(approval.side == side for approval in given):
            raise ValidationError(
                _("The %(side)s has approved this proposal already.")
                % {"side": side_label(side)}
            )
        if version.base_id is not None and version.valid_from < today:
            raise ValidationError(
                _(
                    "This proposal would take effect on %(date)s, which has passed, "
                    "and agreements do not take effect retroactively. Withdraw or "
                    "reject it and propose again with a later start."
                )
                % {"date": format_date(version.valid_from)}
            )
        approval = Approval(
            version=version,
            side=side,
            organisation_id=agreement.organisation_id_of(side),
            user=user,
            approved_at=now,
        )
        approval._given_through_service = True
        approval.save()
        if {a.side for a in given} | {side} == set(Side.values):
            _put_in_force(agreement, version, now)
        version.refresh_from_db()
    return version


def _put_in_force(agreement, version, now):
    """Make the version the latest approved one; end the one it amends before it."""
    head = head_version(agreement)
    if (head.pk if head else None) != version.base_id:
        raise ValidationError(
            _(
                "The agreement has changed since this proposal was made. Withdraw "
                "or reject it and propose again."
            )
        )
    if head is not None:
        until = version.valid_from - timedelta(days=1)
        if head.valid_until is not None and head.valid_until < until:
            until = head.valid_until
        AgreementVersion.objects.filter(pk=head.pk)._transition(
            status=VersionStatus.SUPERSEDED, valid_until=until
        )
    AgreementVersion.objects.filter(pk=version.pk)._transition(
        status=VersionStatus.APPROVED, decided_at=now
    )


def do_reject(user, version, *, reason: str, side=None, now=None) -> AgreementVersion:
    """Reject an open proposal, with a reason, for the user's side."""
    if not reason.strip():
        raise ValidationError(_("Give a reason for the rejection."))
    with transaction.atomic():
        version = _locked(version)
        _acting_side(user, version.agreement, Action.APPROVE, side)
        if version.status != VersionStatus.PROPOSED:
            raise ValidationError(_("Only an open proposal can be rejected."))
        AgreementVersion.objects.filter(pk=version.pk)._transition(
            status=VersionStatus.REJECTED,
            decided_at=now or timezone.now(),
            decided_by=user,
            decision_note=reason.strip(),
        )
        version.refresh_from_db()
    return version


def do_withdraw(user, version, *, now=None) -> AgreementVersion:
    """Withdraw an open proposal of the user's side."""
    with transaction.atomic():
        version = _locked(version)
        if not may_withdraw(user, version):
            raise PermissionDenied
        if version.status != VersionStatus.PROPOSED:
            raise ValidationError(_("Only an open proposal can be withdrawn."))
        AgreementVersion.objects.filter(pk=version.pk)._transition(
            status=VersionStatus.WITHDRAWN,
            decided_at=now or timezone.now(),
            decided_by=user,
        )
        version.refresh_from_db()
    return version
