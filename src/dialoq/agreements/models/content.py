"""The content of a version: services, staffing, rates, indicators, duties, processes.

Content rows are written once, together with their proposal, and refused
afterwards: once the proposal is decided or one side has approved it.
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Qualification
from dialoq.agreements.models.versions import (
    AgreementLocked,
    AgreementVersion,
    Side,
    VersionStatus,
)


class ContentQuerySet(models.QuerySet):
    """Content rows are written once, with their proposal, and never changed."""

    def update(self, **kwargs):
        raise AgreementLocked("The content of a proposal is never changed.")

    def delete(self):
        raise AgreementLocked("The content of a proposal is never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AgreementLocked("The content of a proposal is never changed.")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for version_id in {obj.version_id for obj in objs}:
            check_writable(version_id)
        return super().bulk_create(objs, *args, **kwargs)


def check_writable(version_id):
    """Refuse content for a version that is decided or approved by one side."""
    version = AgreementVersion.objects.get(pk=version_id)
    if version.status != VersionStatus.PROPOSED or version.approvals.exists():
        raise AgreementLocked("The content of a proposal is never changed.")


class VersionContent(models.Model):
    """A part of a version's content: writable only while its proposal is new."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        verbose_name=_("agreement version"),
    )

    objects = ContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AgreementLocked("The content of a proposal is never changed.")
        check_writable(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AgreementLocked("The content of a proposal is never deleted.")


class VolumeUnit(models.TextChoices):
    PLACES = "places", _("places")
    HOURS_PER_MONTH = "hours_per_month", _("service hours per month")
    CASES_PER_YEAR = "cases_per_year", _("cases per year")


class AgreedService(VersionContent):
    """A service type the provider delivers: its target group and volume."""

    service_type = models.ForeignKey(
        "catalog.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    target_group = models.TextField(_("target group"))
    volume = models.DecimalField(_("volume"), max_digits=8, decimal_places=1)
    volume_unit = models.CharField(
        _("unit of the volume"), max_length=20, choices=VolumeUnit
    )

    class Meta:
        default_related_name = "services"
        ordering = ["version", "service_type__legal_basis", "service_type__name"]
        verbose_name = _("agreed service")
        verbose_name_plural = _("agreed services")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "service_type"], name="unique_agreed_service"
            ),
            models.CheckConstraint(
                condition=Q(volume__gt=0),
                name="agreed_volume_positive",
                violation_error_message=_("The volume must be greater than zero."),
            ),
        ]

    def __str__(self):
        return str(self.service_type)


class AgreedStaffing(VersionContent):
    """Staff the provider keeps: full-time equivalents by qualification."""

    qualification = models.CharField(
        _("qualification"), max_length=32, choices=Qualification
    )
    full_time_equivalents = models.DecimalField(
        _("full-time equivalents"), max_digits=6, decimal_places=2
    )

    class Meta:
        default_related_name = "staffing"
        ordering = ["version", "qualification"]
        verbose_name = _("agreed staffing")
        verbose_name_plural = _("agreed staffing")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "qualification"], name="unique_agreed_staffing"
            ),
            models.CheckConstraint(
                condition=Q(full_time_equivalents__gt=0),
                name="agreed_staffing_positive",
                violation_error_message=_(
                    "Full-time equivalents must be greater than zero."
                ),
            ),
        ]

    def __str__(self):
        return self.get_qualification_display()


class RateUnit(models.TextChoices):
    HOUR = "hour", _("per service hour")
    DAY = "day", _("per day")


class AgreedRate(VersionContent):
    """The remuneration of one service type: a rate per service hour or per day."""

    service_type = models.ForeignKey(
        "catalog.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    unit = models.CharField(_("paid"), max_length=8, choices=RateUnit)
    amount = models.DecimalField(_("rate (EUR)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(
        _("rate valid from"),
        null=True,
        blank=True,
        help_text=_("Empty: from the start of the version."),
    )
    valid_until = models.DateField(
        _("rate valid until"),
        null=True,
        blank=True,
        help_text=_("Empty: until the end of the version."),
    )

    class Meta:
        default_related_name = "rates"
        ordering = ["version", "service_type__legal_basis", "unit", "valid_from"]
        verbose_name = _("agreed rate")
        verbose_name_plural = _("agreed rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="agreed_rate_positive",
                violation_error_message=_("A rate must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="agreed_rate_ends_after_start",
                violation_error_message=_(
                    "A rate must end on or after the day it starts."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.service_type} {self.amount} {self.get_unit_display()}"

    def starts(self, version) -> date:
        """Return the first day of the rate within the version."""
        return self.valid_from or version.valid_from

    def ends(self, version) -> date | None:
        """Return the last day of the rate within the version (None: open)."""
        ends = [day for day in (self.valid_until, version.valid_until) if day]
        return min(ends) if ends else None


class AgreedIndicator(VersionContent):
    """An indicator the partners agreed on, with their own target and range."""

    indicator = models.ForeignKey(
        "catalog.IndicatorDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
    )
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    reference_lower = models.DecimalField(
        _("reference range from"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
    )
    reference_upper = models.DecimalField(
        _("reference range to"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    minimum_standard = models.DecimalField(
        _("minimum standard"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        default_related_name = "indicators"
        ordering = ["version", "indicator__key"]
        verbose_name = _("agreed indicator")
        verbose_name_plural = _("agreed indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "indicator"], name="unique_agreed_indicator"
            ),
            models.CheckConstraint(
                condition=Q(reference_lower__isnull=True)
                | Q(reference_upper__isnull=True)
                | Q(reference_upper__gte=models.F("reference_lower")),
                name="agreed_reference_range_ordered",
                violation_error_message=_(
                    "The reference range must not end below its start."
                ),
            ),
        ]

    def __str__(self):
        return self.indicator.key


class ReportingDuty(VersionContent):
    """A reporting duty: what is reported, by whom, to whom and when."""

    subject = models.CharField(_("what"), max_length=300)
    reporter = models.CharField(_("reported by"), max_length=10, choices=Side)
    recipient = models.CharField(_("to whom"), max_length=200)
    due = models.CharField(
        _("when"),
        max_length=200,
        help_text=_("e.g. each quarter, by the 15th of the following month"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        default_related_name = "reporting_duties"
        ordering = ["version", "order", "pk"]
        verbose_name = _("reporting duty")
        verbose_name_plural = _("reporting duties")

    def __str__(self):
        return self.subject


class AgreedProcessStandard(VersionContent):
    """A process standard the partners agreed to keep."""

    standard = models.ForeignKey(
        "catalog.ProcessStandard",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("process standard"),
    )

    class Meta:
        default_related_name = "agreed_process_standards"
        ordering = ["version", "standard__key"]
        verbose_name = _("agreed process standard")
        verbose_name_plural = _("agreed process standards")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "standard"], name="unique_agreed_process_standard"
            ),
        ]

    def __str__(self):
        return self.standard.key


class AgreedKeyProcess(VersionContent):
    """A key process, with its interfaces, the partners agreed to follow."""

    process = models.ForeignKey(
        "catalog.KeyProcess",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("key process"),
    )

    class Meta:
        default_related_name = "agreed_key_processes"
        ordering = ["version", "process__key"]
        verbose_name = _("agreed key process")
        verbose_name_plural = _("agreed key processes")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "process"], name="unique_agreed_key_process"
            ),
        ]

    def __str__(self):
        return self.process.key
