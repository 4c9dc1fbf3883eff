"""Stored indicator results and the runs that computed them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .statistics import Evaluation


class UnitType(models.TextChoices):
    WHOLE = "whole", _("All organisations")
    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")
    SERVICE_TYPE = "service_type", _("Service type")
    TEAM = "team", _("Team")


class PeriodType(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    ROLLING12 = "rolling12", _("Last 12 months")


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the results the user may see (``accounts.scoping``)."""
        from dialoq.accounts import scoping

        return scoping.visible_results(user, self)


class Result(models.Model):
    """One figure: an indicator version for one unit, period and stratum.

    Unit columns that do not apply are empty: a provider result names the
    funder whose cases it covers (empty when it covers all of them, as for
    staff figures); a team result names its provider. ``cases`` is the number
    of cases (or answers) the figure rests on; the disclosure policy reads it.
    """

    version = models.ForeignKey(
        "catalog.IndicatorVersion",
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("indicator version"),
    )
    unit_type = models.CharField(_("unit type"), max_length=16, choices=UnitType)
    unit_key = models.CharField(_("unit"), max_length=64)
    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    service_type = models.ForeignKey(
        "catalog.ServiceType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    team = models.ForeignKey(
        "accounts.OrganisationUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    period_type = models.CharField(_("period"), max_length=10, choices=PeriodType)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    stratum = models.CharField(_("stratum"), max_length=60, blank=True, default="")
    cases = models.PositiveIntegerField(_("cases"))
    numerator = models.FloatField(_("numerator"), null=True)
    denominator = models.FloatField(_("denominator"), null=True)
    value = models.FloatField(_("value"), null=True)
    ci_lower = models.FloatField(_("lower confidence limit"), null=True)
    ci_upper = models.FloatField(_("upper confidence limit"), null=True)
    expected = models.FloatField(_("expected"), null=True)
    oe_ratio = models.FloatField(_("observed / expected"), null=True)
    funnel_target = models.FloatField(_("funnel target"), null=True)
    funnel_lower_95 = models.FloatField(null=True)
    funnel_upper_95 = models.FloatField(null=True)
    funnel_lower_998 = models.FloatField(null=True)
    funnel_upper_998 = models.FloatField(null=True)
    reference_lower = models.FloatField(_("reference range from"), null=True)
    reference_upper = models.FloatField(_("reference range to"), null=True)
    evaluation = models.CharField(
        _("evaluation"), max_length=16, choices=Evaluation, default=Evaluation.NO_RANGE
    )
    decision_criterion = models.FloatField(_("decision criterion"), null=True)
    method = models.JSONField(_("method and parameters"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    data_until = models.DateField(_("data up to"))

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["version", "period_type", "period_start", "unit_type", "unit_key"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "version",
                    "unit_type",
                    "unit_key",
                    "period_type",
                    "period_start",
                    "stratum",
                ],
                name="unique_result",
            )
        ]
        indexes = [
            models.Index(
                fields=["version", "period_type", "period_start"],
                name="result_version_period",
            ),
            models.Index(fields=["funder", "unit_type"], name="result_funder"),
            models.Index(fields=["provider", "unit_type"], name="result_provider"),
        ]

    def __str__(self):
        return f"{self.version} {self.unit_key} {self.period_type} {self.period_start}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ComputeRun(models.Model):
    """One computation of indicator results, with its progress."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress_at = models.DateTimeField(
        _("last progress at"),
        null=True,
        blank=True,
        help_text=_(
            "Written with each progress report: a run silent for long is stale."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus, default=RunStatus.QUEUED
    )
    scope = models.JSONField(_("what to compute"), default=dict)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveIntegerField(_("steps in all"), default=0)
    current_step = models.CharField(_("current step"), max_length=200, blank=True)
    results_written = models.PositiveIntegerField(_("results written"), default=0)
    data_until = models.DateField(_("data up to"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("computation")
        verbose_name_plural = _("computations")

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def percent_done(self) -> int:
        if not self.steps_total:
            return 0
        return round(100 * self.steps_done / self.steps_total)


class FactChange(models.Model):
    """A write that the fact snapshot has not taken in yet (``measures.snapshot``).

    Written in the same transaction as the change itself (``measures.changes``):
    a case (``key`` its id, ``beneficiary_id`` its beneficiary's, whose other
    cases' re-entry depends on it), a survey answer (its id), the staff
    (every membership is read again), or ``everything``.
    """

    class Family(models.TextChoices):
        CASE = "case", _("case")
        SURVEY = "survey", _("survey answer")
        STAFF = "staff", _("staff")
        EVERYTHING = "everything", _("everything")

    family = models.CharField(_("kind of record"), max_length=10, choices=Family)
    key = models.CharField(_("record"), max_length=64, blank=True)
    beneficiary_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("change not yet in the fact snapshot")
        verbose_name_plural = _("changes not yet in the fact snapshot")

    def __str__(self):
        return f"{self.family} {self.key}"


class FactSnapshotState(models.Model):
    """Which fact snapshot file matches this database (one row).

    The snapshot file carries the same token; a file with another token (an
    older file, a restored database, a rolled-back refresh) is rebuilt.
    """

    token = models.CharField(max_length=32)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fact snapshot")
        verbose_name_plural = _("fact snapshots")

    def __str__(self):
        return self.token


class RiskModelFit(models.Model):
    """The risk model an O/E indicator version was last fully computed with.

    A full compute (all periods) fits the model on the whole window and
    stores it here with the results, in the same transaction; recomputing
    some months reuses it (``engine.compute(months=…)``), so those periods
    get the same expectations as after a full compute.
    """

    version = models.OneToOneField(
        "catalog.IndicatorVersion",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("indicator version"),
    )
    model = models.JSONField(_("coefficients and covariates"))
    fitted_at = models.DateTimeField(_("fitted at"))
    data_until = models.DateField(_("data up to"))

    class Meta:
        verbose_name = _("fitted risk model")
        verbose_name_plural = _("fitted risk models")

    def __str__(self):
        return f"{self.version_id} {self.fitted_at:%Y-%m-%d %H:%M}"


from . import changes  # noqa: E402, F401  the receivers that write FactChange
