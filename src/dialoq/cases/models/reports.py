"""The provider's progress reports (Entwicklungsberichte) ahead of reviews."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.cases.models.cases import Case


class ProgressReport(models.Model):
    """That the provider's written report on a case reached the funder, and when.

    The report itself stays in the case file; Dialoq records its date so that
    process standards (a report at least 14 days before the review) can be
    checked.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("case"),
    )
    submitted_on = models.DateField(_("received on"))
    for_review_due = models.DateField(_("for the review due on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["case", "-submitted_on"]
        indexes = [
            models.Index(fields=["case", "submitted_on"], name="report_case_date")
        ]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self):
        return f"{self.case} {self.submitted_on}"
