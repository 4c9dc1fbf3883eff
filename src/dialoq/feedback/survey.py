"""The satisfaction survey: aspects, statements and the agreement scale.

The five aspects are those by which users judge case work (Bartelheimer):
the framework, their position in the process, the relationship, professional
competence and the concrete benefit. Each statement is answered on a 5-point
agreement scale, or not at all ("no answer", stored as NULL).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SURVEY_INSTRUMENT = "DIALOQ-SAT-1"
AGREEMENT_MIN, AGREEMENT_MAX = 1, 5
# Free text longer than this is refused, not cut: the person should decide.
FREE_TEXT_MAX_LENGTH = 1000


class Aspect(models.TextChoices):
    FRAMEWORK = "framework", _("Framework: time and a reachable contact person")
    POSITION = "position", _("Your position: respect and a say in decisions")
    RELATIONSHIP = "relationship", _("Relationship: atmosphere, engagement, trust")
    COMPETENCE = "competence", _("Professional competence")
    BENEFIT = "benefit", _("Concrete benefit")


class Agreement(models.IntegerChoices):
    NOT_AT_ALL = 1, _("Not true at all")
    MOSTLY_NOT = 2, _("Mostly not true")
    PARTLY = 3, _("Partly true")
    MOSTLY = 4, _("Mostly true")
    COMPLETELY = 5, _("Completely true")


@dataclass(frozen=True)
class Item:
    """One statement of the survey, stored in the response field of its name."""

    field: str
    aspect: Aspect
    statement: Promise


ITEMS = (
    Item(
        "framework_time",
        Aspect.FRAMEWORK,
        _("My contact person had enough time for me."),
    ),
    Item(
        "framework_reachable",
        Aspect.FRAMEWORK,
        _("I could reach my contact person when I needed them."),
    ),
    Item(
        "position_respect",
        Aspect.POSITION,
        _("I was treated with respect."),
    ),
    Item(
        "position_say",
        Aspect.POSITION,
        _("I had a say in what happened."),
    ),
    Item(
        "relationship_atmosphere",
        Aspect.RELATIONSHIP,
        _("The atmosphere in our meetings was good."),
    ),
    Item(
        "relationship_engagement",
        Aspect.RELATIONSHIP,
        _("My contact person made a real effort for me."),
    ),
    Item(
        "relationship_trust",
        Aspect.RELATIONSHIP,
        _("I could trust my contact person."),
    ),
    Item(
        "competence_expertise",
        Aspect.COMPETENCE,
        _("My contact person knew their job well."),
    ),
    Item(
        "competence_advice",
        Aspect.COMPETENCE,
        _("I got good advice and useful information."),
    ),
    Item(
        "benefit_situation",
        Aspect.BENEFIT,
        _("The help has made my situation better."),
    ),
    Item(
        "benefit_independence",
        Aspect.BENEFIT,
        _("I can now manage things better on my own."),
    ),
)
ITEM_FIELDS = tuple(item.field for item in ITEMS)


def items_of(aspect):
    """Return the items that belong to an aspect."""
    return [item for item in ITEMS if item.aspect == aspect]
