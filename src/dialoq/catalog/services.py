"""Who may read and change indicator definitions, and the writes that change them.

Reading: every member with the aggregates permission reads the built-in
catalogue. An indicator owned by an organisation is read by that
organisation's members and by its partners: the providers that work for a
funder (and the funders a provider works for), and the coordinators of a
network the owner belongs to. Nobody else learns that it exists.

Changing: built-in indicators are read-only; anyone who may define indicators
(``Action.CHANGE_CATALOG``) can copy one as an indicator of their own
organisation. Only QM officers of the owning organisation create drafts,
change drafts and put a draft in force. A version in force or retired is
never changed again: results refer to it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action
from dialoq.catalog.models import (
    IndicatorDefinition,
    IndicatorVersion,
    QualityCriterion,
    VersionStatus,
)

TEXT_FIELDS = ("title", "title_en", "quality_goal", "rationale", "source")


class VersionStateError(ValueError):
    """The version is not in the state the change needs."""


def readable_definitions(user) -> QuerySet:
    """Return the indicator definitions the user may read."""
    funders, providers, networks = set(), set(), set()
    for grant in scoping.grants(user, Action.VIEW_AGGREGATES):
        if grant.organisation_kind == "funder":
            funders.add(grant.organisation_id)
        elif grant.organisation_kind == "provider":
            providers.add(grant.organisation_id)
        elif grant.organisation_kind == "network":
            networks.add(grant.organisation_id)
    definitions = IndicatorDefinition.objects.all()
    if not (funders or providers or networks):
        return definitions.none()
    from dialoq.cases.models import Case

    condition = Q(owner__isnull=True) | Q(owner__in=funders | providers)
    if funders:
        partners = Case.objects.filter(funder__in=funders).values("provider")
        condition |= Q(owner__in=partners)
    if providers:
        partners = Case.objects.filter(provider__in=providers).values("funder")
        condition |= Q(owner__in=partners)
    if networks:
        members = Organisation.objects.filter(networks__in=networks).values("pk")
        condition |= Q(owner__in=members)
    return definitions.filter(condition)


def editing_organisations(user) -> QuerySet:
    """Return the organisations in whose name the user may define indicators."""
    ids = {
        grant.organisation_id
        for grant in scoping.grants(user, Action.CHANGE_CATALOG)
        if grant.organisation_kind in {"funder", "provider"}
    }
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def can_define_indicators(user) -> bool:
    """Return whether the user may create indicators for an organisation."""
    return editing_organisations(user).exists()


def can_change_definition(user, definition) -> bool:
    """Return whether the user may draft and put in force versions of it."""
    if definition.owner_id is None:
        return False
    return any(
        grant.organisation_id == definition.owner_id
        for grant in scoping.grants(user, Action.CHANGE_CATALOG)
    )


def access_definition(user, key, *, for_change=False) -> IndicatorDefinition:
    """Return the definition: 404 if the user may not read it.

    With ``for_change``, raise ``PermissionDenied`` when the user may read
    but not change it.
    """
    try:
        definition = (
            readable_definitions(user).select_related("criterion", "owner").get(key=key)
        )
    except IndicatorDefinition.DoesNotExist:
        raise Http404 from None
    if for_change and not can_change_definition(user, definition):
        raise PermissionDenied
    return definition


def do_create_indicator(
    user,
    *,
    owner: Organisation,
    key: str,
    criterion: QualityCriterion,
    texts: dict,
    spec: dict,
    change_note: str = "",
) -> IndicatorVersion:
    """Create an indicator owned by the organisation, with a first draft."""
    with transaction.atomic():
        definition = IndicatorDefinition.objects.create(
            key=key, criterion=criterion, owner=owner
        )
        return IndicatorVersion.objects.create(
            definition=definition,
            version=1,
            status=VersionStatus.DRAFT,
            spec=spec,
            change_note=change_note,
            created_by=user,
            **{name: texts.get(name, "") for name in TEXT_FIELDS},
        )


def do_start_draft(user, definition) -> IndicatorVersion:
    """Return the open draft, or a new one copied from the newest version."""
    with transaction.atomic():
        IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
        versions = definition.versions.order_by("-version")
        draft = versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        newest = versions.first()
        return IndicatorVersion.objects.create(
            definition=definition,
            version=newest.version + 1 if newest else 1,
            status=VersionStatus.DRAFT,
            spec=newest.spec if newest else {},
            created_by=user,
            **{name: getattr(newest, name) if newest else "" for name in TEXT_FIELDS},
        )


def do_change_draft(
    version: IndicatorVersion, *, texts: dict, spec: dict, change_note: str
) -> IndicatorVersion:
    """Save new texts and a validated definition into a draft."""
    if version.status != VersionStatus.DRAFT:
        raise VersionStateError("Only a draft can be changed.")
    for name in TEXT_FIELDS:
        setattr(version, name, texts.get(name, ""))
    version.spec = spec
    version.change_note = change_note
    version.save()
    return version


def do_put_in_force(version: IndicatorVersion) -> IndicatorVersion | None:
    """Put a draft in force and retire the version in force before it, atomically.

    Return the retired version (None if there was none). The definition is
    checked again: only a valid definition goes into force.
    """
    with transaction.atomic():
        IndicatorDefinition.objects.select_for_update().get(pk=version.definition_id)
        version.refresh_from_db()
        if version.status != VersionStatus.DRAFT:
            raise VersionStateError("Only a draft can be put in force.")
        version.parsed()  # raises DefinitionError
        previous = (
            IndicatorVersion.objects.filter(
                definition_id=version.definition_id, status=VersionStatus.IN_FORCE
            )
            .order_by("-version")
            .first()
        )
        if previous is not None:
            previous.status = VersionStatus.RETIRED
            previous.save(update_fields=["status"])
        version.status = VersionStatus.IN_FORCE
        version.save(update_fields=["status"])
    return previous
