"""Fixtures for the planning tests: English clients and a help plan with goals."""

from datetime import date

import pytest

from tests import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def en_client_for(client_for):
    """Return a function giving a signed-in client that asks for English pages."""

    def sign_in(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def plan_a(world):
    """Return a help plan of case A with three goals of weight 1, 2 and 3."""
    plan = factories.make_help_plan(
        world.case_a, agreed_on=date(2026, 2, 2), next_review_due=date(2026, 8, 1)
    )
    for number, weight in enumerate((1, 2, 3), start=1):
        factories.make_goal(
            plan,
            title=f"Goal {number}",
            weight=weight,
            level_minus_2=f"much worse {number}",
            level_plus_2=f"much better {number}",
        )
    return plan
