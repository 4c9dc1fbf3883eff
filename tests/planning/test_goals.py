"""Goals in the help-plan editor: inline with htmx, and as plain pages without it."""

import pytest
from django.urls import reverse

from dialoq.cases.models import CaseEvent, CaseEventKind, Goal
from tests import factories
from tests.planning.conftest import HTMX


def _edit_url(goal):
    return reverse("cases:goal_edit", args=[goal.help_plan.case_id, goal.pk])


def _create_url(case):
    return reverse("cases:goal_create", args=[case.pk])


def _data(**overrides):
    data = {
        "title": "Tom goes to school every day",
        "baseline_level": "-1",
        "level_minus_2": "Tom skips school most days",
        "level_minus_1": "Tom skips school two days a week",
        "level_0": "Tom misses at most one day a month",
        "level_plus_1": "Tom misses no day",
        "level_plus_2": "Tom misses no day and does his homework",
        "weight": "2",
        "measures": "Morning routine with the family helper",
        "responsible": "jointly",
    }
    data.update(overrides)
    return data


def test_edit_link_works_with_and_without_htmx(world, plan_a, en_client_for):
    """The edit link is a plain href; with htmx it loads an inline form partial."""
    goal = plan_a.goals.first()
    client = en_client_for(world.people.funder)
    page = client.get(reverse("cases:help_plan_detail", args=[world.case_a.pk]))
    html = page.content.decode()
    assert f'href="{_edit_url(goal)}"' in html
    assert f'hx-get="{_edit_url(goal)}"' in html
    plain = client.get(_edit_url(goal)).content.decode()
    assert "<html" in plain and 'name="title"' in plain
    inline = client.get(_edit_url(goal), headers=HTMX).content.decode()
    assert "<html" not in inline
    assert inline.lstrip().startswith(f'<li id="goal-{goal.pk}"')
    assert f'hx-post="{_edit_url(goal)}"' in inline
    assert f'action="{_edit_url(goal)}"' in inline


def test_htmx_save_returns_the_goal_row(world, plan_a, en_client_for):
    """Saving inline answers with the goal's row, and the goal and history change."""
    goal = plan_a.goals.first()
    client = en_client_for(world.people.provider_a)
    response = client.post(_edit_url(goal), _data(), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="goal-{goal.pk}"')
    assert "Tom goes to school every day" in html
    assert "The goal has been saved." in html
    goal.refresh_from_db()
    assert (goal.title, goal.weight, goal.responsible) == (
        "Tom goes to school every day",
        2,
        "jointly",
    )
    event = CaseEvent.objects.get(case=world.case_a, kind=CaseEventKind.GOAL_CHANGED)
    assert event.actor == world.people.provider_a
    assert event.changes["weight"] == [1, 2]
    assert "title" in event.changes["texts_changed"]
    assert "Tom" not in str(event.changes)  # free text stays out of the history


def test_plain_save_redirects_to_the_plan(world, plan_a, en_client_for):
    """Without htmx, saving redirects to the goal on the help plan page."""
    goal = plan_a.goals.first()
    response = en_client_for(world.people.funder).post(_edit_url(goal), _data())
    assert response.status_code == 302
    assert response["Location"].endswith(f"#goal-{goal.pk}")
    goal.refresh_from_db()
    assert goal.title == "Tom goes to school every day"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the goal in a short sentence."),
        ({"level_0": " "}, "level_0", "Describe the expected outcome (level 0)"),
        ({"level_minus_1": ""}, "level_minus_1", "Describe today&#x27;s situation"),
        (
            {"baseline_level": "-2", "level_minus_2": ""},
            "level_minus_2",
            "you chose level −2 as the baseline",
        ),
        ({"baseline_level": "0"}, "baseline_level", "Choose −1 or −2"),
        ({"weight": "0"}, "weight", "Enter a weight from 1 to 3."),
        ({"weight": "4"}, "weight", "Enter a weight from 1 to 3."),
        ({"weight": "zwei"}, "weight", "Enter the weight as a whole number"),
        ({"responsible": "neighbour"}, "responsible", "Choose who is responsible"),
    ],
)
def test_bad_input_changes_nothing(
    overrides, field, message, world, plan_a, en_client_for
):
    """Inline and plain: a specific message linked to its field; nothing is saved."""
    goal = plan_a.goals.first()
    client = en_client_for(world.people.funder)
    for headers in (HTMX, {}):
        response = client.post(_edit_url(goal), _data(**overrides), headers=headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert f'aria-describedby="goal-{goal.pk}-{field}' in html or (
            f'id="goal-{goal.pk}-{field}_error"' in html
        )
    goal.refresh_from_db()
    assert goal.title == "Goal 1"
    assert not CaseEvent.objects.filter(case=world.case_a).exists()


def test_add_goal_inline_and_plain(world, plan_a, en_client_for):
    """Adding with htmx gets the form, then the new goal list; plain redirects."""
    client = en_client_for(world.people.funder)
    page = client.get(reverse("cases:help_plan_detail", args=[world.case_a.pk]))
    assert f'href="{_create_url(world.case_a)}"' in page.content.decode()
    form = client.get(_create_url(world.case_a), headers=HTMX).content.decode()
    assert form.lstrip().startswith('<div id="goal-add"')
    assert f'hx-post="{_create_url(world.case_a)}"' in form
    response = client.post(_create_url(world.case_a), _data(), headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="goals"')
    assert html.count('class="card goal"') == 4
    assert "The goal has been added." in html
    response = client.post(_create_url(world.case_a), _data(title="Second new goal"))
    assert response.status_code == 302
    assert plan_a.goals.count() == 5
    assert CaseEvent.objects.filter(kind=CaseEventKind.GOAL_CHANGED).count() == 2


def test_add_goal_with_bad_input_keeps_the_form_open(world, plan_a, en_client_for):
    """An inline add with a mistake answers with the goal list and the open form."""
    client = en_client_for(world.people.funder)
    response = client.post(_create_url(world.case_a), _data(weight="9"), headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="goals"')
    assert 'id="goal-add"' in html and "Enter a weight from 1 to 3." in html
    assert plan_a.goals.count() == 3


def test_cancel_reloads_the_goal_list(world, plan_a, en_client_for):
    """Cancel is a plain link; with htmx the plan page answers with the goal list."""
    client = en_client_for(world.people.funder)
    url = reverse("cases:help_plan_detail", args=[world.case_a.pk])
    html = client.get(url, headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section id="goals"')
    assert "<html" not in html


def test_without_a_plan_adding_a_goal_leads_to_the_plan_form(world, en_client_for):
    """A case without a help plan sends the user to document one first."""
    response = en_client_for(world.people.funder).get(_create_url(world.case_a))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "cases:help_plan_create", args=[world.case_a.pk]
    )


@pytest.mark.parametrize("persona", ["provider_b", "outsider"])
def test_others_get_not_found(persona, world, plan_a, en_client_for):
    """Provider B and the outsider get 404 on goal pages and change nothing."""
    goal = plan_a.goals.first()
    client = en_client_for(getattr(world.people, persona))
    for url in (_edit_url(goal), _create_url(world.case_a)):
        assert client.get(url, headers=HTMX).status_code == 404
        assert client.post(url, _data(), headers=HTMX).status_code == 404
    assert plan_a.goals.count() == 3
    goal.refresh_from_db()
    assert goal.title == "Goal 1"


def test_auditor_gets_forbidden(world, plan_a, en_client_for):
    """The auditor sees the case but may not change a goal: 403."""
    goal = plan_a.goals.first()
    client = en_client_for(world.people.auditor)
    assert client.get(_edit_url(goal)).status_code == 403
    assert client.post(_edit_url(goal), _data(), headers=HTMX).status_code == 403
    assert client.post(_create_url(world.case_a), _data()).status_code == 403
    assert plan_a.goals.count() == 3


def test_goal_of_another_case_is_not_found(world, plan_a, en_client_for):
    """A goal id from another case in the URL gives 404."""
    other = factories.make_goal(factories.make_help_plan(world.case_b))
    url = reverse("cases:goal_edit", args=[world.case_a.pk, other.pk])
    assert en_client_for(world.people.funder).get(url).status_code == 404


def test_remove_unrated_goal_but_not_a_rated_one(world, plan_a, en_client_for):
    """A goal never rated can be removed; a rated goal stays."""
    first, second = plan_a.goals.all()[:2]
    review = factories.make_review(plan_a)
    review.ratings.create(goal=second, perspective="funder", level=0)
    client = en_client_for(world.people.funder)
    url = reverse("cases:goal_delete", args=[world.case_a.pk, first.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not Goal.objects.filter(pk=first.pk).exists()
    rated_url = reverse("cases:goal_delete", args=[world.case_a.pk, second.pk])
    assert "has been rated" in client.get(rated_url).content.decode()
    client.post(rated_url)
    assert Goal.objects.filter(pk=second.pk).exists()
    assert en_client_for(world.people.auditor).post(rated_url).status_code == 403


def test_rated_goals_and_reviewed_versions_are_frozen(world, plan_a, en_client_for):
    """A review freezes rated goals and the goal list; a new version frees them."""
    rated, unrated = plan_a.goals.all()[:2]
    factories.make_review(plan_a).ratings.create(
        goal=rated, perspective="provider", level=1
    )
    client = en_client_for(world.people.funder)
    assert client.get(_edit_url(rated), headers=HTMX).status_code == 403
    assert client.post(_edit_url(rated), _data()).status_code == 403
    assert client.post(_create_url(world.case_a), _data()).status_code == 403
    rated.refresh_from_db()
    assert (rated.title, plan_a.goals.count()) == ("Goal 1", 3)
    page = client.get(reverse("cases:help_plan_detail", args=[world.case_a.pk]))
    html = page.content.decode()
    assert _edit_url(rated) not in html and _edit_url(unrated) in html
    assert "This goal has been rated at a review" in html
    assert "This version has been reviewed." in html
    assert f'href="{_create_url(world.case_a)}"' not in html
    client.post(
        reverse("cases:help_plan_create", args=[world.case_a.pk]),
        {"agreed_on": "2026-11-20", "next_review_due": "2027-02-01"},
    )
    copy = world.case_a.help_plans.get(version=2).goals.get(title="Goal 1")
    assert client.post(_edit_url(copy), _data()).status_code == 302
    assert client.post(_create_url(world.case_a), _data()).status_code == 302
