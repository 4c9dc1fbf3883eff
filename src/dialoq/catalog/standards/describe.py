"""A process standard's rule in plain words, for readers who do not write rules.

``describe_rule(rule)`` turns a validated ``Rule`` into one or two sentences
in the active language, e.g. “The first contact takes place at the latest 10
working days after the referral.” (German: “Der erste Kontakt findet
spätestens 10 Arbeitstage nach dem Eingang der Anfrage statt.”). Each event
has its own phrase per grammatical slot (the subject of a sentence, “after
…”, “before each …”), marked with a message context, so translations can
decline the nouns instead of gluing words together.
"""

from django.utils.translation import get_language, ngettext, npgettext, pgettext
from django.utils.translation import gettext as _

from dialoq.measures.formatting import format_number

from . import Duration, Rule, Scope


def describe_duration(duration: Duration) -> str:
    """Return the duration in words, e.g. “10 working days”."""
    count = duration.amount
    number = format_number(count, 0)
    if duration.unit == "working_days":
        text = ngettext("%(number)s working day", "%(number)s working days", count)
    elif duration.unit == "weeks":
        text = ngettext("%(number)s week", "%(number)s weeks", count)
    elif duration.unit == "months":
        text = ngettext("%(number)s month", "%(number)s months", count)
    else:
        text = ngettext("%(number)s day", "%(number)s days", count)
    return text % {"number": number}


def describe_interval(duration: Duration) -> str:
    """Return “every …” for the duration, e.g. “every 6 months”, “every week”."""
    count = duration.amount
    number = format_number(count, 0)
    if duration.unit == "working_days":
        text = npgettext(
            "interval", "every working day", "every %(number)s working days", count
        )
    elif duration.unit == "weeks":
        text = npgettext("interval", "every week", "every %(number)s weeks", count)
    elif duration.unit == "months":
        text = npgettext("interval", "every month", "every %(number)s months", count)
    else:
        text = npgettext("interval", "every day", "every %(number)s days", count)
    return text % {"number": number}


def _first(event: str) -> str:
    """Return the subject “the first <event>” of a deadline."""
    phrases = {
        "help_start": pgettext("deadline subject", "The help"),
        "contact": pgettext("deadline subject", "The first contact"),
        "help_plan": pgettext("deadline subject", "The first help plan"),
        "review": pgettext("deadline subject", "The first review"),
        "progress_report": pgettext("deadline subject", "The first progress report"),
        "needs_assessment": pgettext("deadline subject", "The first needs assessment"),
        "closure": pgettext("deadline subject", "The end of the help"),
    }
    return phrases[event]


def _deadline_verb(event: str) -> str:
    """Return the sentence of a deadline, worded for the kind of event."""
    if event == "help_start":
        return _("%(event)s starts at the latest %(duration)s after %(anchor)s.")
    if event == "help_plan":
        return _("%(event)s is agreed at the latest %(duration)s after %(anchor)s.")
    if event == "progress_report":
        return _("%(event)s is submitted at the latest %(duration)s after %(anchor)s.")
    if event == "closure":
        return _("%(event)s comes at the latest %(duration)s after %(anchor)s.")
    return _("%(event)s takes place at the latest %(duration)s after %(anchor)s.")


def _after(anchor: str) -> str:
    """Return the anchor as the object of “after …” or “from …”."""
    phrases = {
        "referral": pgettext("after event", "the referral"),
        "help_start": pgettext("after event", "the start of the help"),
    }
    return phrases[anchor]


def _a(event: str) -> str:
    """Return the subject “a <event>” of an interval or a precondition."""
    phrases = {
        "contact": pgettext("indefinite subject", "A contact"),
        "help_plan": pgettext("indefinite subject", "A help plan"),
        "review": pgettext("indefinite subject", "A review"),
        "progress_report": pgettext("indefinite subject", "A progress report"),
        "needs_assessment": pgettext("indefinite subject", "A needs assessment"),
    }
    return phrases[event]


def _before_each(event: str) -> str:
    """Return the event as the object of “before each …”."""
    phrases = {
        "review": pgettext("before each", "each review"),
        "review_due": pgettext("before each", "each scheduled review date"),
        "help_plan": pgettext("before each", "each help plan"),
    }
    return phrases[event]


def _contact_kinds(kinds: tuple[str, ...]) -> str:
    from dialoq.cases.models import ContactKind

    labels = [str(ContactKind(kind).label) for kind in kinds]
    if (get_language() or "").startswith("en"):  # German nouns keep their capital
        labels = [label.lower() for label in labels]
    return _join(labels, _("or"))


def _join(items: list[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def describe_scope(scope: Scope, service_type_names: dict | None = None) -> str:
    """Return which cases the rule applies to, or "" when it applies to all."""
    parts = []
    if scope.service_types:
        names = service_type_names or {}
        parts.append(
            ngettext(
                "the service type %(names)s",
                "the service types %(names)s",
                len(scope.service_types),
            )
            % {
                "names": _join(
                    [str(names.get(key, key)) for key in scope.service_types], _("or")
                )
            }
        )
    if scope.code_books:
        parts.append(
            ngettext(
                "the code book %(names)s",
                "the code books %(names)s",
                len(scope.code_books),
            )
            % {"names": _join(list(scope.code_books), _("or"))}
        )
    if not parts:
        return ""
    return _("Applies only to cases of %(scope)s.") % {"scope": _join(parts, _("and"))}


def service_type_names(scope: Scope) -> dict:
    """Return the names of the scope's service types by key (one query)."""
    if not scope.service_types:
        return {}
    from dialoq.catalog.models import ServiceType

    return {
        service_type.key: str(service_type)
        for service_type in ServiceType.objects.filter(key__in=scope.service_types)
    }


def describe_main(rule: Rule) -> str:
    """Return the rule's main sentence, without its scope."""
    if rule.kind == "deadline":
        text = _deadline_verb(rule.event) % {
            "event": _first(rule.event),
            "duration": describe_duration(rule.duration),
            "anchor": _after(rule.anchor),
        }
    elif rule.kind == "max_interval":
        text = _(
            "%(event)s takes place at least %(every)s, counted from %(anchor)s."
        ) % {
            "event": _a(rule.event),
            "every": describe_interval(rule.duration),
            "anchor": _after(rule.anchor),
        }
    elif rule.kind == "precondition":
        if rule.requires == "progress_report":
            sentence = _(
                "%(requires)s is submitted at least %(duration)s before %(event)s "
                "(and after the one before)."
            )
        else:
            sentence = _(
                "%(requires)s takes place at least %(duration)s before %(event)s "
                "(and after the one before)."
            )
        text = sentence % {
            "requires": _a(rule.requires),
            "duration": describe_duration(rule.duration),
            "event": _before_each(rule.event),
        }
    else:
        text = _("The beneficiary takes part in each help plan.")
    if rule.contact_kinds:
        text += " " + _("Only contacts of these kinds count: %(kinds)s.") % {
            "kinds": _contact_kinds(rule.contact_kinds)
        }
    return text


def describe_rule(rule: Rule, service_type_names_by_key: dict | None = None) -> str:
    """Return the rule in plain words: its main sentence and its scope.

    Service types in the scope are named by their names, looked up in one
    query unless ``service_type_names_by_key`` gives them.
    """
    text = describe_main(rule)
    if rule.scope.service_types and service_type_names_by_key is None:
        service_type_names_by_key = service_type_names(rule.scope)
    scope = describe_scope(rule.scope, service_type_names_by_key)
    return f"{text} {scope}" if scope else text
