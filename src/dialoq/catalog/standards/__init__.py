"""The rule language of process standards: declarative, validated, never run as code.

A process standard's ``rule`` is a small table, written in TOML in the
built-in catalogue and stored as JSON::

    kind = "deadline"          # first contact at most 10 working days after referral
    anchor = "referral"
    event = "contact"
    within = "10 working days"

    kind = "max_interval"      # a review at least every 6 months
    event = "review"
    anchor = "help_start"      # the clock starts here (default help_start)
    every = "6 months"

    kind = "precondition"      # the provider's report at least 14 days before a review
    event = "review"
    requires = "progress_report"
    before = "14 days"

    kind = "participation"     # the beneficiary took part in the help plan
    event = "help_plan"
    participant = "beneficiary"

    [scope]                    # optional; empty means every case
    service_types = ["spfh"]   # keys of catalog.ServiceType
    code_books = ["SGB VIII"]

Kinds and their meaning (the monitor, ``dialoq.deviations.monitor``, checks them):

``deadline``
    The first ``event`` on or after the ``anchor`` date must fall within
    ``within`` of it. Breached when it came later, or when it is still missing
    after the deadline while the case is open. One occurrence per case.
``max_interval``
    From the ``anchor`` on, ``event`` must recur: no gap between the anchor and
    the first event, between two events, or between the last event and today
    (or the end of the help) may be longer than ``every``. One occurrence per gap.
``precondition``
    Before each ``event`` (``review`` held, ``review_due`` scheduled or
    ``help_plan`` agreed), a ``requires`` event must have happened since the
    previous ``event`` and at least ``before`` ahead of it. One occurrence per
    ``event``.
``participation``
    Each ``event`` (``help_plan``) must record the ``participant`` as taking part.

Durations are ``"<n> <unit>"`` with unit days, working days (Monday to
Friday, not a public holiday in the funder's federal state), weeks or months,
in English or German ("10 Arbeitstage", "6 Monate").
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

KINDS = ("deadline", "max_interval", "precondition", "participation")

# Dated events of a case's timeline, from the case-work records.
EVENTS = {
    "referral": "Case.referred_on",
    "help_start": "Case.started_on",
    "contact": "Contact.occurred_on",
    "help_plan": "HelpPlan.agreed_on",
    "review": "Review.held_on",
    "review_due": "Case.next_review_due",
    "progress_report": "ProgressReport.submitted_on",
    "needs_assessment": "NeedAssessment.assessed_on",
    "closure": "Case.ended_on",
}
ONCE_EVENTS = frozenset({"referral", "help_start", "closure"})
REPEATED_EVENTS = frozenset(
    {"contact", "help_plan", "review", "progress_report", "needs_assessment"}
)
PRECONDITION_EVENTS = frozenset({"review", "review_due", "help_plan"})
PARTICIPATION_EVENTS = {"help_plan": frozenset({"beneficiary"})}
CONTACT_KINDS = ("face_to_face", "phone", "home_visit", "group")  # cases.ContactKind

DURATION_UNITS = {
    "day": "days",
    "days": "days",
    "tag": "days",
    "tage": "days",
    "kalendertag": "days",
    "kalendertage": "days",
    "working day": "working_days",
    "working days": "working_days",
    "arbeitstag": "working_days",
    "arbeitstage": "working_days",
    "week": "weeks",
    "weeks": "weeks",
    "woche": "weeks",
    "wochen": "weeks",
    "month": "months",
    "months": "months",
    "monat": "months",
    "monate": "months",
}
_DURATION = re.compile(r"^\s*(\d{1,4})\s+([A-Za-zä ]+?)\s*$")
MAX_DAYS = 3660

_FIELDS = {
    "deadline": {"kind", "anchor", "event", "within", "scope", "contact_kinds"},
    "max_interval": {"kind", "anchor", "event", "every", "scope", "contact_kinds"},
    "precondition": {"kind", "event", "requires", "before", "scope", "contact_kinds"},
    "participation": {"kind", "event", "participant", "scope"},
}


class RuleError(ValueError):
    """A rule cannot be used; ``field`` names the part to change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # "days", "working_days", "weeks" or "months"

    def approximate_days(self) -> int:
        """Return the duration in calendar days, roughly (for sorting and screens)."""
        factor = {"days": 1, "working_days": 7 / 5, "weeks": 7, "months": 30.4}
        return round(self.amount * factor[self.unit])


@dataclass(frozen=True)
class Scope:
    service_types: tuple[str, ...] = ()
    code_books: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    kind: str
    event: str
    anchor: str | None = None
    requires: str | None = None
    duration: Duration | None = None  # within / every / before
    participant: str | None = None
    contact_kinds: tuple[str, ...] = ()
    scope: Scope = Scope()


def parse_duration(text, field: str) -> Duration:
    """Return the duration written as text, e.g. "10 working days"."""
    if not isinstance(text, str):
        raise RuleError(field, _("Write the duration as text, e.g. “10 working days”."))
    match = _DURATION.match(text)
    unit = DURATION_UNITS.get(match.group(2).strip().lower()) if match else None
    if unit is None:
        raise RuleError(
            field,
            _(
                "“%(text)s” is not a duration. Write a whole number and a unit: "
                "days, working days, weeks or months, e.g. “10 working days”."
            )
            % {"text": text},
        )
    duration = Duration(int(match.group(1)), unit)
    if duration.amount < 1:
        raise RuleError(field, _("A duration must be at least 1."))
    if duration.approximate_days() > MAX_DAYS:
        raise RuleError(field, _("A duration may be at most ten years."))
    return duration


def _event(rule: dict, field: str, allowed, *, default=None) -> str:
    value = rule.get(field, default)
    if value is None:
        raise RuleError(
            field, _("This kind of rule needs “%(field)s”.") % {"field": field}
        )
    if value not in allowed:
        raise RuleError(
            field,
            _("“%(value)s” cannot be used here. Possible: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(sorted(allowed))},
        )
    return value


def _names(value, field: str, allowed=None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(field, _('Write a list of names, e.g. ["spfh"].'))
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise RuleError(
                field,
                _("Unknown: %(unknown)s. Possible: %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )
    return tuple(dict.fromkeys(value))


def parse_rule(rule) -> Rule:
    """Return the validated rule, or raise ``RuleError`` saying what to change.

    Service-type keys in the scope are checked against the database by
    ``check_scope``; everything else is checked here.
    """
    if not isinstance(rule, dict):
        raise RuleError("rule", _("A rule is a table of named parts."))
    kind = rule.get("kind")
    if kind not in KINDS:
        raise RuleError(
            "kind",
            _("Choose the kind of rule: %(kinds)s.") % {"kinds": ", ".join(KINDS)},
        )
    unknown = sorted(set(rule) - _FIELDS[kind])
    if unknown:
        raise RuleError(
            unknown[0],
            _("“%(field)s” is not part of a rule of this kind.")
            % {"field": unknown[0]},
        )
    scope = rule.get("scope") or {}
    if not isinstance(scope, dict) or set(scope) - {"service_types", "code_books"}:
        raise RuleError(
            "scope", _("The scope can name service_types and code_books, nothing else.")
        )
    from dialoq.catalog.models import CodeBook

    parsed_scope = Scope(
        service_types=_names(scope.get("service_types"), "scope"),
        code_books=_names(scope.get("code_books"), "scope", list(CodeBook.values)),
    )
    contact_kinds = _names(rule.get("contact_kinds"), "contact_kinds", CONTACT_KINDS)

    if kind == "deadline":
        anchor = _event(rule, "anchor", ONCE_EVENTS - {"closure"})
        event = _event(rule, "event", set(EVENTS) - {"review_due", "referral"})
        if event == anchor:
            raise RuleError("event", _("The event must differ from the anchor."))
        parsed = Rule(
            kind,
            event,
            anchor=anchor,
            duration=parse_duration(rule.get("within"), "within"),
        )
    elif kind == "max_interval":
        event = _event(rule, "event", REPEATED_EVENTS)
        anchor = _event(
            rule, "anchor", {"referral", "help_start"}, default="help_start"
        )
        parsed = Rule(
            kind,
            event,
            anchor=anchor,
            duration=parse_duration(rule.get("every"), "every"),
        )
    elif kind == "precondition":
        event = _event(rule, "event", PRECONDITION_EVENTS)
        requires = _event(rule, "requires", REPEATED_EVENTS - {"help_plan", "review"})
        parsed = Rule(
            kind,
            event,
            requires=requires,
            duration=parse_duration(rule.get("before"), "before"),
        )
    else:
        event = _event(rule, "event", set(PARTICIPATION_EVENTS))
        participant = _event(rule, "participant", PARTICIPATION_EVENTS[event])
        parsed = Rule(kind, event, participant=participant)

    uses_contacts = "contact" in (parsed.event, parsed.requires)
    if contact_kinds and not uses_contacts:
        raise RuleError(
            "contact_kinds", _("Contact kinds only apply to rules on contacts.")
        )
    return Rule(
        parsed.kind,
        parsed.event,
        anchor=parsed.anchor,
        requires=parsed.requires,
        duration=parsed.duration,
        participant=parsed.participant,
        contact_kinds=contact_kinds,
        scope=parsed_scope,
    )


def check_scope(rule: Rule) -> None:
    """Raise ``RuleError`` if the scope names a service type that does not exist."""
    from dialoq.catalog.models import ServiceType

    if not rule.scope.service_types:
        return
    known = set(
        ServiceType.objects.filter(key__in=rule.scope.service_types).values_list(
            "key", flat=True
        )
    )
    unknown = sorted(set(rule.scope.service_types) - known)
    if unknown:
        raise RuleError(
            "scope",
            _("Unknown service types: %(keys)s.") % {"keys": ", ".join(unknown)},
        )


def in_force() -> list:
    """Return the versions in force of every process standard, built-in and own.

    Each is a ``ProcessStandardVersion`` with its standard (and owner) and key
    process loaded; ``version.parsed()`` gives its ``Rule``. A standard owned
    by an organisation applies to the cases of that organisation (as funder
    or as provider); a built-in one to every case in its scope.
    """
    from dialoq.catalog.models import ProcessStandardVersion, VersionStatus

    return list(
        ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE)
        .select_related("standard__owner", "key_process")
        .order_by("standard__key")
    )
