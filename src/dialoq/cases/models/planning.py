"""Help plans with goals, and reviews rating each goal from three perspectives."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dialoq.cases.models.cases import Case


class GoalResponsibility(models.TextChoices):
    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")
    BENEFICIARY = "beneficiary", _("Beneficiary")
    JOINTLY = "jointly", _("Jointly")


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
    participants = models.TextField(
        _("participants"),
        blank=True,
        db_default="",
        help_text=_("Who took part, one per line (roles, not names of third parties)."),
    )
    agreed_hours_per_month = models.DecimalField(
        _("agreed service hours per month"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
    )
    next_review_due = models.DateField(_("next review due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("documented by"),
    )

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
    # The Goal Attainment Scale: what each level means for this goal.
    level_minus_2 = models.CharField(
        _("−2: much less than expected"), max_length=300, blank=True, db_default=""
    )
    level_minus_1 = models.CharField(
        _("−1: less than expected"), max_length=300, blank=True, db_default=""
    )
    level_0 = models.CharField(
        _("0: expected outcome"), max_length=300, blank=True, db_default=""
    )
    level_plus_1 = models.CharField(
        _("+1: more than expected"), max_length=300, blank=True, db_default=""
    )
    level_plus_2 = models.CharField(
        _("+2: much more than expected"), max_length=300, blank=True, db_default=""
    )
    measures = models.TextField(_("measures"), blank=True, db_default="")
    responsible = models.CharField(
        _("responsible"),
        max_length=16,
        choices=GoalResponsibility,
        default=GoalResponsibility.PROVIDER,
        db_default=GoalResponsibility.PROVIDER,
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

    def level_descriptions(self):
        """Return (level, description) pairs from −2 to +2."""
        return [
            (-2, self.level_minus_2),
            (-1, self.level_minus_1),
            (0, self.level_0),
            (1, self.level_plus_1),
            (2, self.level_plus_2),
        ]


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
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

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
