"""Agreements between one funder and one provider, in versions both sides approve.

One ``Agreement`` per funder–provider pair holds the three parts that § 78b
SGB VIII (and § 76 SGB XII) name: the service agreement, the remuneration and
the quality development agreement. Its content lives in ``AgreementVersion``
rows and their child rows. A version is written once, as a proposal; it comes
into force only when a person with ``Action.APPROVE`` in the funder and one in
the provider have approved it (``dialoq.agreements.services.do_approve``).

What has been proposed is never changed afterwards: versions change only their
status (and, when a later version takes over, their end date) through the
service functions, content and approvals are never updated or deleted. The
model ``save``/``delete`` methods and the querysets' bulk methods refuse
everything else, so neither a form, the admin site nor a shell slip can alter
an agreement that has been approved.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.roles import OrganisationKind


class AgreementLocked(PermissionDenied):
    """A write that would change a proposal, an approved version or an approval."""


class Side(models.TextChoices):
    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")


class VersionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Versions that both sides approved: each is in force within its validity.
APPROVED_STATUSES = (VersionStatus.APPROVED, VersionStatus.SUPERSEDED)


class Agreement(models.Model):
    """The agreement of one funder with one provider, over all its versions."""

    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="funder_agreements",
        limit_choices_to={"kind": OrganisationKind.FUNDER},
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="provider_agreements",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
        verbose_name=_("provider"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["funder__name", "provider__name"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "provider"], name="one_agreement_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(funder=models.F("provider")),
                name="agreement_between_two_organisations",
            ),
        ]

    def __str__(self):
        return f"{self.funder.short_name} – {self.provider.short_name}"

    def delete(self, *args, **kwargs):
        raise AgreementLocked("An agreement is kept with all its versions.")

    def organisation_id_of(self, side: str) -> int:
        """Return the id of the organisation on the given side."""
        return self.funder_id if side == Side.FUNDER else self.provider_id


class VersionQuerySet(models.QuerySet):
    """Versions change only through ``dialoq.agreements.services``."""

    def update(self, **kwargs):
        raise AgreementLocked("Agreement versions change only through do_* functions.")

    def delete(self):
        raise AgreementLocked("Agreement versions are never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AgreementLocked("Agreement versions change only through do_* functions.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AgreementLocked("Agreement versions are proposed one by one.")

    def approved(self):
        """Return the versions both sides approved (each in force in its period)."""
        return self.filter(status__in=APPROVED_STATUSES)

    def in_force_on(self, day):
        """Return the approved versions whose validity covers the day."""
        return self.approved().filter(
            Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        )

    def _transition(self, **fields):
        """Write a status change; only the service functions call this."""
        return super().update(**fields)


class AgreementVersion(models.Model):
    """One version of an agreement: proposed once, then approved or not."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("agreement"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=VersionStatus,
        default=VersionStatus.PROPOSED,
    )
    base = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends version"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Empty: until a later version takes over."),
    )
    change_note = models.TextField(_("what changes and why"))
    quality_principles = models.TextField(
        _("principles and standards of quality"),
        blank=True,
        help_text=_(
            "Principles and standards for assessing the quality of the service "
            "and the measures that ensure it (§ 78b SGB VIII, § 76 SGB XII)."
        ),
    )
    dialogue_cadence_months = models.PositiveSmallIntegerField(
        _("quality dialogue every … months"), default=12
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_for = models.CharField(
        _("proposed by the side of"), max_length=10, choices=Side
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected or withdrawn by"),
    )
    decision_note = models.TextField(_("reason"), blank=True)
    process_standards = models.ManyToManyField(
        "catalog.ProcessStandard",
        through="AgreedProcessStandard",
        blank=True,
        related_name="agreement_versions",
        verbose_name=_("agreed process standards"),
    )
    key_processes = models.ManyToManyField(
        "catalog.KeyProcess",
        through="AgreedKeyProcess",
        blank=True,
        related_name="agreement_versions",
        verbose_name=_("agreed key processes and interfaces"),
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="unique_agreement_version"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status="approved"),
                name="one_latest_approved_agreement_version",
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status="proposed"),
                name="one_open_agreement_proposal",
            ),
            models.UniqueConstraint(
                fields=["agreement", "valid_from"],
                condition=Q(status__in=["approved", "superseded"]),
                name="one_approved_agreement_version_per_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="agreement_version_ends_after_start",
                violation_error_message=_(
                    "The version must end on or after the day it starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(dialogue_cadence_months__gte=1)
                & Q(dialogue_cadence_months__lte=36),
                name="agreement_dialogue_cadence_range",
                violation_error_message=_(
                    "Hold the quality dialogue every 1 to 36 months."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="agreement_decision_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.agreement} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AgreementLocked("A proposed version is never changed.")
        if self.status != VersionStatus.PROPOSED:
            raise AgreementLocked("A version starts as a proposal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AgreementLocked("Agreement versions are never deleted.")

    @property
    def is_open(self) -> bool:
        return self.status == VersionStatus.PROPOSED

    @property
    def is_approved(self) -> bool:
        return self.status in APPROVED_STATUSES

    def covers(self, day) -> bool:
        """Return whether the day lies within the version's validity."""
        return self.valid_from <= day and (
            self.valid_until is None or day <= self.valid_until
        )


class ApprovalQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AgreementLocked("An approval is never changed.")

    def delete(self):
        raise AgreementLocked("An approval is never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AgreementLocked("An approval is never changed.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AgreementLocked("Approvals are given one by one through do_approve.")


class Approval(models.Model):
    """One side's approval of a proposed version, by one authorised person."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("agreement version"),
    )
    side = models.CharField(_("for the side of"), max_length=10, choices=Side)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["version", "approved_at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "side"], name="one_approval_per_side"
            ),
            models.UniqueConstraint(
                fields=["version", "user"], name="one_approval_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.version} – {self.get_side_display()} – {self.user}"

    def save(self, *args, **kwargs):
        if not self._state.adding or not getattr(self, "_given_through_service", False):
            raise AgreementLocked("Approvals are given only through do_approve.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AgreementLocked("An approval is never deleted.")
