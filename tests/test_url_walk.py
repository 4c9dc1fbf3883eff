"""Walk every URL pattern: anonymous visitors must sign in, outsiders get nothing.

A new URL with arguments must be added to OBJECT_URL_ARGUMENTS, which names the
object of the shared test world it is tried with; a new public URL must be
added to PUBLIC_URL_NAMES. So no page can forget its permission check.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories
from tests.catalog import factories as catalog_factories
from tests.feedback import factories as feedback_factories
from tests.measures import results_data

PUBLIC_URL_NAMES = {
    "accounts:sign_in",
    "accounts:sign_out",
    "set_language",
    # The beneficiary's pages, opened with a one-time link and no account.
    "feedback:goal_rating",
    "feedback:survey",
    "feedback:thanks",
    # The public complaint form and its thanks page (no account).
    "complaints_public:form",
    "complaints_public:thanks",
}


def _complaint(world):
    """Return a complaint about the funder, which outsiders cannot handle."""
    from tests.deviations.factories import make_complaint

    return {"pk": make_complaint(funder=world.funder).pk}


# URL name → function of the test world giving the URL's keyword arguments.
OBJECT_URL_ARGUMENTS = {
    "deviations:complaint_detail": _complaint,
    "deviations:complaint_acknowledge": _complaint,
    "deviations:complaint_answer": _complaint,
    "deviations:complaint_close": _complaint,
    "deviations:complaint_open_deviation": _complaint,
    "cases:detail": lambda world: {"pk": world.case_a.pk},
    "cases:status": lambda world: {"pk": world.case_a.pk},
    "cases:close": lambda world: {"pk": world.case_a.pk},
    "cases:contact_create": lambda world: {"pk": world.case_a.pk},
    "cases:contact_delete": lambda world: {
        "pk": world.case_a.pk,
        "contact_pk": factories.make_contact(world.case_a).pk,
    },
    "feedback:goal_rating": lambda world: {
        "token": feedback_factories.make_goal_link(world.case_a)[1]
    },
    "feedback:survey": lambda world: {
        "token": feedback_factories.make_survey_link(world.case_a)[1]
    },
    "feedback:create_goal_rating_link": lambda world: {
        "case_pk": world.case_a.pk,
        "review_pk": feedback_factories.make_review(world.case_a).pk,
    },
    "feedback:create_survey_link": lambda world: {"case_pk": world.case_a.pk},
    "cases:identity_show": lambda world: {"pk": world.case_a.pk},
    "cases:identity_edit": lambda world: {"pk": world.case_a.pk},
    "cases:beneficiary_export": lambda world: {"pk": world.case_a.pk},
    "cases:help_plan_detail": lambda world: {"pk": world.case_a.pk},
    "cases:help_plan_create": lambda world: {"pk": world.case_a.pk},
    "cases:help_plan_version": lambda world: {
        "pk": world.case_a.pk,
        "version": factories.make_help_plan(world.case_a).version,
    },
    "cases:goal_create": lambda world: {"pk": world.case_a.pk},
    "cases:goal_edit": lambda world: _goal_arguments(world),
    "cases:goal_delete": lambda world: _goal_arguments(world),
    "cases:review_create": lambda world: {"pk": world.case_a.pk},
    "cases:review_detail": lambda world: _review_arguments(world),
    "cases:review_rate": lambda world: _review_arguments(world),
    "cases:needs_detail": lambda world: {"pk": world.case_a.pk},
    "cases:needs_assess": lambda world: {"pk": world.case_a.pk, "occasion": "start"},
    "measures:indicator": lambda world: {"key": _indicator_key(world)},
    "catalog:indicator": lambda world: _catalog_arguments(world, version=False),
    "catalog:indicator_copy": lambda world: _catalog_arguments(world, version=False),
    "catalog:version_create": lambda world: _catalog_arguments(world, version=False),
    "catalog:version": lambda world: _catalog_arguments(world),
    "catalog:version_edit": lambda world: _catalog_arguments(world),
    "catalog:version_put_in_force": lambda world: _catalog_arguments(world),
    "catalog:process": lambda world: _own_process(world, False),
    "catalog:process_copy": lambda world: _own_process(world, False),
    "catalog:process_version_create": lambda world: _own_process(world, False),
    "catalog:process_version": lambda world: _own_process(world),
    "catalog:process_version_edit": lambda world: _own_process(world),
    "catalog:process_put_in_force": lambda world: _own_process(world),
    "catalog:standard": lambda world: _own_standard(world, False),
    "catalog:standard_copy": lambda world: _own_standard(world, False),
    "catalog:standard_version_create": lambda world: _own_standard(world, False),
    "catalog:standard_version": lambda world: _own_standard(world),
    "catalog:standard_version_edit": lambda world: _own_standard(world),
    "catalog:standard_put_in_force": lambda world: _own_standard(world),
    "dialogues:detail": lambda world: _dialogue(world, "pk"),
    "dialogues:reschedule": lambda world: _dialogue(world, "pk"),
    "dialogues:freeze": lambda world: _dialogue(world, "pk"),
    "dialogues:pack": lambda world: _dialogue(world, "pk"),
    "dialogues:statements": lambda world: _dialogue(world, "pk"),
    "dialogues:request_statements": lambda world: _dialogue(world, "pk"),
    "dialogues:pdf": lambda world: _dialogue(world, "pk"),
    "dialogues:meeting": lambda world: _dialogue(world, "pk"),
    "dialogues:hold": lambda world: _dialogue(world, "pk"),
    "dialogues:add_agenda_item": lambda world: _dialogue(world, "pk"),
    "dialogues:add_participant": lambda world: _dialogue(world, "pk"),
    "dialogues:assess": lambda world: _dialogue(world, "pk"),
    "dialogues:add_action": lambda world: _dialogue(world, "pk"),
    "dialogues:approve": lambda world: _dialogue(world, "pk"),
    "dialogues:withdraw": lambda world: _dialogue(world, "pk"),
    "dialogues:remove_agenda_item": lambda world: _dialogue(world, "item_pk"),
    "dialogues:write_minutes": lambda world: _dialogue(world, "item_pk"),
    "dialogues:remove_participant": lambda world: _dialogue(world, "participant_pk"),
    "dialogues:remove_action": lambda world: _dialogue(world, "action_pk"),
    "dialogues:review_action": lambda world: _dialogue(world, "action_pk"),
    "dialogues:track_action": lambda world: _dialogue(world, "action_pk"),
    "self_assessment:detail": lambda world: {"pk": _round(world).pk},
    "self_assessment:answer": lambda world: {
        "pk": _round(world).pk,
        "side": "funder",
        "number": 1,
    },
    "self_assessment:submit": lambda world: {"pk": _round(world).pk, "side": "funder"},
    "self_assessment:comparison": lambda world: {"pk": _round(world).pk},
    "self_assessment:close": lambda world: {"pk": _round(world).pk},
    "self_assessment:propose": lambda world: {
        "pk": _round(world).pk,
        "item_pk": _round(world).template_version.criteria.first().items.first().pk,
    },
    "deviations:detail": lambda world: {"pk": _deviation(world).pk},
    "deviations:transition": lambda world: {"pk": _deviation(world).pk},
    "deviations:add_action": lambda world: {"pk": _deviation(world).pk},
    "deviations:assign": lambda world: {"pk": _deviation(world).pk},
    "deviations:comment": lambda world: {"pk": _deviation(world).pk},
    "deviations:complete_action": lambda world: _deviation_action(world),
    "deviations:cancel_action": lambda world: _deviation_action(world),
    "deviations:compliance_standard": lambda world: {
        "pk": _review_data().walk_standard_version(world).pk
    },
    "deviations:review_flag": lambda world: {
        "pk": _review_data().walk_review_flag(world).pk
    },
    "notifications:mark_read": lambda world: {"pk": _notification(world).pk},
    "agreements:detail": lambda world: {"pk": _agreement_version(world)["pk"]},
    "agreements:propose": lambda world: {"pk": _agreement_version(world)["pk"]},
    "agreements:version": lambda world: _agreement_version(world),
    "agreements:diff": lambda world: _agreement_version(world),
    "agreements:approve": lambda world: _agreement_version(world),
    "agreements:reject": lambda world: _agreement_version(world),
    "agreements:withdraw": lambda world: _agreement_version(world),
}


def _agreement_version(world):
    """Return the open proposal of the funder and provider A (pk and number)."""
    from tests.agreements.factories import walk_proposal

    proposal = walk_proposal(world)
    return {"pk": proposal.agreement_id, "number": proposal.number}


def _deviation(world):
    """Return a deviation on case A, which outsiders cannot see."""
    from tests.deviations.factories import make_deviation

    return make_deviation(world.case_a)


def _deviation_action(world):
    from dialoq.deviations.models import CorrectiveAction

    deviation = _deviation(world)
    action = CorrectiveAction.objects.create(
        deviation=deviation,
        kind="corrective",
        description="Rückruf einplanen",
        owner=world.people.provider_a,
        due_on=deviation.detected_at.date(),
    )
    return {"pk": deviation.pk, "action_pk": action.pk}


def _review_data():
    from tests.deviations import compliance_data

    return compliance_data


def _notification(world):
    """Return a notification of the funder's case manager, not of the outsider."""
    from dialoq.notifications.models import Notification

    return Notification.objects.create(
        recipient=world.people.funder, key="walk", subject="Test"
    )


def _round(world):
    """Return the self-assessment of the funder and provider A."""
    from dialoq.self_assessment.models import Round
    from tests.self_assessment.factories import make_round

    return Round.objects.filter(
        funder=world.funder, provider=world.provider_a
    ).first() or make_round(world.funder, world.provider_a)


def _goal_arguments(world):
    goal = factories.make_goal(factories.make_help_plan(world.case_a))
    return {"pk": world.case_a.pk, "goal_pk": goal.pk}


def _review_arguments(world):
    review = factories.make_review(factories.make_help_plan(world.case_a))
    return {"pk": world.case_a.pk, "review_pk": review.pk}


def _indicator_key(world):
    """Return an indicator with a result about the funder, which outsiders lack."""
    version = results_data.make_indicator()
    results_data.make_result(version, "funder", funder=world.funder, cases=20)
    return version.definition.key


def _catalog_arguments(world, *, version=True):
    """Return a draft of an indicator owned by the funder, which outsiders lack."""
    draft = catalog_factories.make_indicator(world.funder, status="draft")
    arguments = {"key": draft.definition.key}
    return {**arguments, "version": draft.version} if version else arguments


def _own_process(world, version=True):
    """Return a draft key process owned by the funder, which outsiders lack."""
    from tests.catalog.standards_factories import walk_arguments

    return walk_arguments(world, "process", version=version)


def _own_standard(world, version=True):
    """Return a draft process standard owned by the funder."""
    from tests.catalog.standards_factories import walk_arguments

    return walk_arguments(world, "standard", version=version)


def _dialogue(world, *names):
    """Return the URL arguments of a held dialogue of the funder and provider A."""
    from tests.dialogues.factories import walk_arguments

    ids = walk_arguments(world)
    return {name: ids[name] for name in ("pk", *names)}


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin site is walked in test_admin_site.py
            child = entry.namespace or namespace
            if entry.namespace and namespace:
                child = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, child)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, bool(entry.pattern.converters)


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))
URL_NAMES = [name for name, _converters in ALL_URLS]


def _url(name, converters, world):
    if converters:
        return reverse(name, kwargs=OBJECT_URL_ARGUMENTS[name](world))
    return reverse(name)


def test_every_url_with_arguments_is_registered():
    """Each URL taking arguments names the object it is tested with."""
    missing = [
        name
        for name, converters in ALL_URLS
        if converters and name not in OBJECT_URL_ARGUMENTS
    ]
    assert missing == []


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_visitor_is_sent_to_sign_in(name, world, client):
    """Every non-public page redirects an anonymous visitor to the sign-in page."""
    converters = dict(ALL_URLS)[name]
    url = _url(name, converters, world)
    for method in (client.get, client.post):
        response = method(url)
        if name in PUBLIC_URL_NAMES:
            assert response.status_code in {200, 302, 405}
            continue
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(
    "name",
    [
        name
        for name, converters in ALL_URLS
        if converters and name not in PUBLIC_URL_NAMES
    ],
)
def test_outsider_gets_nothing_on_object_pages(name, world, client_for):
    """An outsider with a role elsewhere gets 403 or 404 on every object page."""
    converters = dict(ALL_URLS)[name]
    client = client_for(world.people.outsider)
    url = _url(name, converters, world)
    assert client.get(url).status_code in {403, 404}
    assert client.post(url).status_code in {403, 404, 405}
