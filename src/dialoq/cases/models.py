"""Beneficiaries under a pseudonym, and their cases with help plans and reviews."""

import math
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation, OrganisationUnit
from dialoq.catalog.models import ServiceType

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


class CaseStatus(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    INTAKE = "intake", _("Intake")
    PLANNING = "planning", _("Help planning")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    """Reasons for ending a help, after the federal youth-welfare statistics."""

    PLANNED = "planned", _("Ended according to the help plan")
    DROPOUT_BENEFICIARY = (
        "dropout_beneficiary",
        _("Ended early by the beneficiary or guardians"),
    )
    DROPOUT_PROVIDER = "dropout_provider", _("Ended early by the provider")
    DROPOUT_FUNDER = "dropout_funder", _("Ended early by the funder")
    CHANGE_OF_RESPONSIBILITY = "change_of_responsibility", _("Change of responsibility")
    OTHER = "other", _("Other reason")


class IntegrationOutcome(models.TextChoices):
    """Integration outcome of an SGB II case (§ 48a SGB II, K2)."""

    EMPLOYMENT = "employment", _("Employment subject to social insurance")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment")
    NONE = "none", _("No integration")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=CaseStatus.CLOSED)

    def review_overdue(self, today):
        """Return open cases whose current help plan's next review is past due."""
        return self.open().filter(next_review_due__lt=today)


class Case(models.Model):
    """One help for one beneficiary, funded by a funder and delivered by a provider."""

    reference = models.CharField(_("case number"), max_length=24, unique=True)
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("beneficiary"),
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("service type"),
    )
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="funded_cases",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="provided_cases",
        verbose_name=_("provider"),
    )
    funder_unit = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funded_cases",
        verbose_name=_("funder's team"),
    )
    provider_unit = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provided_cases",
        verbose_name=_("provider's team"),
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_cases",
        verbose_name=_("case manager"),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="worked_cases",
        verbose_name=_("caseworker"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus, default=CaseStatus.REFERRAL
    )
    referred_on = models.DateField(_("referred on"))
    started_on = models.DateField(_("help started on"), null=True, blank=True)
    ended_on = models.DateField(_("help ended on"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for ending"), max_length=32, choices=ClosureReason, blank=True
    )
    integration_outcome = models.CharField(
        _("integration outcome"), max_length=20, choices=IntegrationOutcome, blank=True
    )
    # Case-mix attributes at the start of the help, for fair comparison. They
    # describe the situation, not the person's identity.
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, default=Sex.UNKNOWN)
    household_type = models.CharField(
        _("household type"), max_length=16, choices=HouseholdType
    )
    prior_help = models.BooleanField(_("earlier help received"), default=False)
    transfer_benefits = models.BooleanField(
        _("household receives transfer benefits"), default=False
    )
    non_german_at_home = models.BooleanField(
        _("language at home is not German"), default=False
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "reference"]
        indexes = [
            models.Index(fields=["provider", "status"], name="case_provider_status"),
            models.Index(fields=["funder", "status"], name="case_funder_status"),
            models.Index(fields=["status", "next_review_due"], name="case_review_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="case_ends_after_start",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("cases:detail", args=[self.pk])


class HelpPlan(models.Model):
    """One version of a case's help plan (Hilfeplan / Eingliederungsvereinbarung)."""

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="help_plans",
        verbose_name=_("case"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    agreed_on = models.DateField(_("agreed on"))
    beneficiary_participated = models.BooleanField(
        _("beneficiary took part"), default=True
    )
    beneficiary_agreed = models.BooleanField(_("beneficiary agreed"), default=True)
    next_review_due = models.DateField(_("next review due"))

    class Meta:
        ordering = ["case", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "version"], name="unique_help_plan_version"
            )
        ]
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")

    def __str__(self):
        return f"{self.case} v{self.version}"


class Goal(models.Model):
    """A goal of a help plan, scored by Goal Attainment Scaling (levels -2 … +2)."""

    help_plan = models.ForeignKey(
        HelpPlan, on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField(_("goal"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    baseline_level = models.SmallIntegerField(
        _("level at baseline"),
        choices=[(-2, "-2"), (-1, "-1")],
        default=-1,
    )

    class Meta:
        ordering = ["help_plan", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1), name="goal_weight_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_level__in=[-2, -1]),
                name="goal_baseline_level",
            ),
        ]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return self.title


class Perspective(models.TextChoices):
    """Whose view a rating gives."""

    FUNDER = "funder", _("Case manager (funder)")
    PROVIDER = "provider", _("Caseworker (provider)")
    BENEFICIARY = "beneficiary", _("Beneficiary")


class Review(models.Model):
    """A review of the help plan (Fortschreibung) with ratings of every goal."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("case")
    )
    help_plan = models.ForeignKey(
        HelpPlan, on_delete=models.CASCADE, related_name="reviews"
    )
    due_on = models.DateField(_("due on"))
    held_on = models.DateField(_("held on"))
    is_final = models.BooleanField(_("review at closure"), default=False)

    class Meta:
        ordering = ["case", "held_on"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return f"{self.case} {self.held_on:%Y-%m-%d}"


GAS_INSTRUMENT = "GAS-5"


class GoalRating(models.Model):
    """One perspective's rating of one goal at one review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    perspective = models.CharField(_("perspective"), max_length=16, choices=Perspective)
    level = models.SmallIntegerField(
        _("level"), choices=[(i, f"{i:+d}") for i in range(-2, 3)]
    )
    instrument = models.CharField(
        _("instrument"), max_length=16, default=GAS_INSTRUMENT
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "goal", "perspective"], name="unique_goal_rating"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=-2) & models.Q(level__lte=2),
                name="goal_rating_level_range",
            ),
        ]
        verbose_name = _("goal rating")
        verbose_name_plural = _("goal ratings")

    def __str__(self):
        return f"{self.goal}: {self.level:+d} ({self.perspective})"


def gas_t_score(levels_and_weights, rho=0.3):
    """Return the Kiresuk–Sherman T-score of (level, weight) pairs, or None."""
    pairs = [(level, weight) for level, weight in levels_and_weights]
    if not pairs:
        return None
    weighted_sum = sum(level * weight for level, weight in pairs)
    sum_sq = sum(weight * weight for _, weight in pairs)
    sum_w = sum(weight for _, weight in pairs)
    return 50 + 10 * weighted_sum / math.sqrt((1 - rho) * sum_sq + rho * sum_w**2)
