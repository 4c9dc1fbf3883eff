"""Write a case's history and the access log. Call inside the writing transaction."""

from dialoq.cases.models import AccessLogEntry, CaseEvent


def record_event(case, kind, actor=None, changes=None):
    """Add an entry to the case's history; ``changes`` must hold no identifying data."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if actor and actor.is_authenticated else None,
        changes=changes or {},
    )


def log_access(user, action, case=None, *, detail=""):
    """Record that a user read or wrote personal data (of a case, if given)."""
    return AccessLogEntry.objects.create(
        user=user if user and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        action=action,
        case=case,
        case_reference=case.reference if case else "",
        funder_id=case.funder_id if case else None,
        provider_id=case.provider_id if case else None,
        pseudonym=case.beneficiary.pseudonym if case else "",
        detail=detail[:200],
    )


def field_changes(before, after, fields):
    """Return {field: [old, new]} for the fields whose values differ."""
    changes = {}
    for field in fields:
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value
