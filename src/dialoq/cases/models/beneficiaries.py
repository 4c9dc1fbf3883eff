"""Beneficiaries, known only by a pseudonym, and the case-mix categories."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pseudonym() -> str:
    """Return a random pseudonym such as ``LB-7KQ2-M9XD``."""
    chars = [secrets.choice(PSEUDONYM_ALPHABET) for _ in range(8)]
    return "LB-" + "".join(chars[:4]) + "-" + "".join(chars[4:])


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    DIVERSE = "diverse", _("diverse")
    UNKNOWN = "unknown", _("not stated")


class AgeBand(models.TextChoices):
    UNDER_6 = "0-5", _("under 6")
    AGE_6_11 = "6-11", _("6 to 11")
    AGE_12_17 = "12-17", _("12 to 17")
    AGE_18_26 = "18-26", _("18 to 26")
    AGE_27_49 = "27-49", _("27 to 49")
    AGE_50_PLUS = "50+", _("50 and over")


class HouseholdType(models.TextChoices):
    TWO_PARENTS = "two_parents", _("Both parents")
    SINGLE_PARENT = "single_parent", _("Single parent")
    STEP_FAMILY = "step_family", _("Parent with new partner")
    SINGLE = "single", _("Living alone")
    COUPLE = "couple", _("Couple without children")
    OTHER = "other", _("Other")


class Beneficiary(models.Model):
    """A person receiving help, known in Dialoq only by a pseudonym."""

    pseudonym = models.CharField(
        _("pseudonym"), max_length=16, unique=True, default=new_pseudonym
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True)

    class Meta:
        ordering = ["pseudonym"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")

    def __str__(self):
        return self.pseudonym
