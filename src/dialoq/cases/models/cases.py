"""Cases: one help for one beneficiary, from referral to closure."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation, OrganisationUnit
from dialoq.cases.models.beneficiaries import AgeBand, Beneficiary, HouseholdType, Sex
from dialoq.catalog.models import ServiceType


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

    subsistence_benefit_per_month = models.DecimalField(
        _("subsistence benefits per month (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "SGB II only: benefits for subsistence paid to the household "
            "(§ 48a SGB II, key figure K1)."
        ),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

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
        return reverse("cases:detail", args=[self.pk])
