"""A case's history, and the log of who accessed personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation
from dialoq.cases.models.cases import Case


class CaseEventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    CHANGED = "changed", _("Case details changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    HELP_PLAN_AGREED = "help_plan_agreed", _("Help plan agreed")
    GOAL_CHANGED = "goal_changed", _("Goal changed")
    REVIEW_HELD = "review_held", _("Review held")
    RATING_RECORDED = "rating_recorded", _("Goal attainment rated")
    CONTACT_RECORDED = "contact_recorded", _("Contact documented")
    NEEDS_ASSESSED = "needs_assessed", _("Needs assessed")
    PROGRESS_REPORT = "progress_report", _("Progress report received")
    CLOSED = "closed", _("Help ended")
    IDENTITY_CHANGED = "identity_changed", _("Identifying data changed")
    FEEDBACK_RECEIVED = "feedback_received", _("Beneficiary's rating received")
    ANONYMISED = "anonymised", _("Personal data anonymised")


class CaseEvent(models.Model):
    """One entry of a case's history, written in the same transaction as the change.

    ``changes`` maps field names to [old, new]; it never holds identifying data.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=24, choices=CaseEventKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["case", "-occurred_at", "-pk"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="event_case_time")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case} {self.get_kind_display()}"


class AccessAction(models.TextChoices):
    VIEW_CASE = "view_case", _("Case viewed")
    CHANGE_CASE = "change_case", _("Case changed")
    VIEW_IDENTITY = "view_identity", _("Identifying data viewed")
    CHANGE_IDENTITY = "change_identity", _("Identifying data changed")
    EXPORT_BENEFICIARY = "export_beneficiary", _("Data of a beneficiary exported")
    EXPORT_CASES = "export_cases", _("Cases exported")
    ANONYMISE = "anonymise", _("Case anonymised")
    ERASE = "erase", _("Case erased")
    VIEW_COMPLAINT = "view_complaint", _("Complaint read")
    CHANGE_COMPLAINT = "change_complaint", _("Complaint recorded or answered")


class AccessLogEntry(models.Model):
    """One read or write of personal data. Kept when the case itself is erased."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150)
    action = models.CharField(_("action"), max_length=24, choices=AccessAction)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    case_reference = models.CharField(_("case number"), max_length=24, blank=True)
    # The case's organisations at the time of access, so that the log stays
    # searchable by the responsible organisations after a case is erased.
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=16, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["case_reference", "at"], name="access_case_time"),
            models.Index(fields=["username", "at"], name="access_user_time"),
        ]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"
