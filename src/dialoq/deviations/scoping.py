"""Who sees and works which deviations and complaints: the one place that decides.

Built on the permission matrix (``accounts.roles``) through ``accounts.scoping``.
A deviation linked to a case is visible only to those who may see the case,
and only with the right to see deviations; a deviation without a case is
visible to the members of its funder, provider and responsible organisation
who hold that right. Complaints are visible only to the complaint handlers
(QM officers, managers) of the organisations concerned: a complaint may be
about the very caseworker who would otherwise read it.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action


def _organisation_ids(user, action: Action) -> set[int]:
    return {grant.organisation_id for grant in scoping.grants(user, action)}


def visible_deviations(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the deviations the user may see."""
    from dialoq.deviations.models import Deviation

    queryset = Deviation.objects.all() if queryset is None else queryset
    organisations = _organisation_ids(user, Action.VIEW_DEVIATIONS)
    if not organisations:
        return queryset.none()
    case_ids = scoping.visible_cases(user).values("pk")
    # Case-linked: the case must be visible (which already means the user
    # belongs to its funder or provider, within their unit).
    with_case = Q(case__isnull=False, case_id__in=case_ids)
    without_case = Q(case__isnull=True) & (
        Q(funder_id__in=organisations)
        | Q(provider_id__in=organisations)
        | Q(owner_organisation_id__in=organisations)
    )
    return queryset.filter(with_case | without_case)


def get_deviation_or_404(user, pk):
    """Return the deviation if the user may see it; 404 otherwise."""
    from dialoq.deviations.models import Deviation

    queryset = visible_deviations(user).select_related(
        "case",
        "funder",
        "provider",
        "owner_organisation",
        "owner",
        "standard_version__standard",
        "indicator_version__definition",
    )
    try:
        return queryset.get(pk=pk)
    except (Deviation.DoesNotExist, ValueError):
        raise Http404 from None


def may(user, action: Action, deviation) -> bool:
    """Return whether the user may perform the action on this visible deviation.

    Working, reporting and verifying are allowed to members of the
    responsible organisation, and — for a deviation on a case — to members of
    either party of the case who may change it (caseworkers, case managers);
    verifying and closing only to QM officers and managers of the
    responsible organisation.
    """
    if not visible_deviations(user).filter(pk=deviation.pk).exists():
        return False
    organisations = _organisation_ids(user, action)
    if deviation.owner_organisation_id in organisations:
        return True
    if action == Action.WORK_DEVIATION and deviation.case_id:
        return scoping.changeable_cases(user).filter(pk=deviation.case_id).exists()
    return False


def reportable_organisations(user) -> set[int]:
    """Return the organisations for which the user may report deviations."""
    return _organisation_ids(user, Action.REPORT_DEVIATION)


def visible_complaints(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the complaints the user may handle (and so read)."""
    from dialoq.deviations.models import Complaint

    queryset = Complaint.objects.all() if queryset is None else queryset
    organisations = _organisation_ids(user, Action.HANDLE_COMPLAINTS)
    if not organisations:
        return queryset.none()
    return queryset.filter(
        Q(funder_id__in=organisations) | Q(provider_id__in=organisations)
    )


def get_complaint_or_404(user, pk):
    """Return the complaint if the user may handle it; 404 otherwise."""
    from dialoq.deviations.models import Complaint

    try:
        return (
            visible_complaints(user)
            .select_related("funder", "provider", "case")
            .get(pk=pk)
        )
    except (Complaint.DoesNotExist, ValueError):
        raise Http404 from None
