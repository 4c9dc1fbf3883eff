"""One register of deviations from every source, their actions, and complaints.

The workflow of a deviation follows ISO 9001 clause 10.2: react (immediate
correction, consequences) → analyse causes (and whether similar deviations
exist or could occur) → corrective or preventive actions with owner and due
date → implement → review effectiveness → close. ``TRANSITIONS`` is the one
statement of which step may follow which; ``dialoq.deviations.workflow``
enforces it together with the roles. Every step is kept as a
``DeviationEvent``; nothing is deleted.

Titles of deviations never hold personal data: a deviation links to its case,
whose pseudonymous reference is shown only to those who may see the case.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dialoq.catalog.models import DeviationSeverity
from dialoq.lib.encryption import decrypt_json, encrypt_json


class DeviationSource(models.TextChoices):
    STANDARD = "standard", _("Process standard")
    INDICATOR = "indicator", _("Indicator outside its range")
    COMPLAINT = "complaint", _("Complaint")
    CRISIS = "crisis", _("Crisis")
    AUDIT = "audit", _("Audit finding")
    MANUAL = "manual", _("Manual report")


class DeviationStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    REACTED = "reacted", _("Immediate reaction taken")
    ANALYSED = "analysed", _("Causes analysed")
    ACTIONS_PLANNED = "actions_planned", _("Actions planned")
    IMPLEMENTED = "implemented", _("Actions implemented")
    REVIEWED = "reviewed", _("Effectiveness reviewed")
    CLOSED = "closed", pgettext_lazy("workflow status", "Closed")


OPEN_STATUSES = tuple(s for s in DeviationStatus.values if s != DeviationStatus.CLOSED)

# Which status may follow which. Closing needs an effectiveness review
# (``reviewed``), except for the two resolutions that need none: a breach healed
# before anybody took it up, and a report found unfounded (see Resolution).
# A review that finds the actions ineffective sends the deviation back to
# ``actions_planned``.
TRANSITIONS = {
    DeviationStatus.REPORTED: (DeviationStatus.REACTED, DeviationStatus.CLOSED),
    DeviationStatus.REACTED: (DeviationStatus.ANALYSED, DeviationStatus.CLOSED),
    DeviationStatus.ANALYSED: (DeviationStatus.ACTIONS_PLANNED,),
    DeviationStatus.ACTIONS_PLANNED: (DeviationStatus.IMPLEMENTED,),
    DeviationStatus.IMPLEMENTED: (
        DeviationStatus.REVIEWED,
        DeviationStatus.ACTIONS_PLANNED,
    ),
    DeviationStatus.REVIEWED: (DeviationStatus.CLOSED, DeviationStatus.ACTIONS_PLANNED),
    DeviationStatus.CLOSED: (),
}


class Resolution(models.TextChoices):
    EFFECTIVE = "effective", _("Actions effective")
    HEALED = "healed", _("Breach healed before work began")
    UNFOUNDED = "unfounded", _("Not a deviation")


class ReasonCategory(models.TextChoices):
    """Why a standard was not met, as given by the people concerned."""

    BENEFICIARY = "beneficiary", _("Beneficiary not reachable or declined")
    STAFFING = "staffing", _("Staff shortage or absence")
    STANDARD_UNFIT = "standard_unfit", _("The standard does not fit this case")
    PARTNER = "partner", _("Waiting for the other partner")
    DOCUMENTATION = "documentation", _("Done but not documented")
    OTHER = "other", _("Other")


class DeviationQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=DeviationStatus.CLOSED)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(due_on__lt=today)


class Deviation(models.Model):
    """A deviation from what was agreed, from any source, with its work."""

    key = models.CharField(
        _("detection key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable key of an automatically detected deviation."),
    )
    source = models.CharField(_("source"), max_length=12, choices=DeviationSource)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=DeviationSeverity,
        default=DeviationSeverity.MEDIUM,
    )
    title = models.CharField(
        _("what deviates"),
        max_length=300,
        help_text=_("Without names or other personal data."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Without names or other personal data."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeviationStatus,
        default=DeviationStatus.REPORTED,
    )
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution, blank=True
    )

    # What it concerns.
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deviations",
        verbose_name=_("case"),
    )
    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    provider_unit = models.ForeignKey(
        "accounts.OrganisationUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    standard_version = models.ForeignKey(
        "catalog.ProcessStandardVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deviations",
        verbose_name=_("process standard"),
    )
    key_process = models.ForeignKey(
        "catalog.KeyProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deviations",
        verbose_name=_("key process"),
    )
    indicator_version = models.ForeignKey(
        "catalog.IndicatorVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deviations",
        verbose_name=_("indicator"),
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)

    # Who works it.
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_deviations",
        verbose_name=_("responsible organisation"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_deviations",
        verbose_name=_("responsible person"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
        help_text=_("Empty when detected automatically."),
    )
    auto_detected = models.BooleanField(_("detected automatically"), default=False)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    due_on = models.DateField(_("to be closed by"), null=True, blank=True)

    # The work, step by step.
    immediate_correction = models.TextField(_("immediate correction"), blank=True)
    consequences = models.TextField(_("consequences dealt with"), blank=True)
    reason_category = models.CharField(
        _("reason"), max_length=16, choices=ReasonCategory, blank=True
    )
    cause_analysis = models.TextField(_("causes"), blank=True)
    similar_deviations = models.TextField(
        _("similar deviations that exist or could occur"), blank=True
    )
    effectiveness_review = models.TextField(_("effectiveness review"), blank=True)
    effective = models.BooleanField(_("actions effective"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("effectiveness reviewed by"),
    )
    reviewed_at = models.DateTimeField(
        _("effectiveness reviewed at"), null=True, blank=True
    )
    healed_at = models.DateTimeField(
        _("breach healed at"),
        null=True,
        blank=True,
        help_text=_("When monitoring found the breach no longer persists."),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    objects = DeviationQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        indexes = [
            models.Index(fields=["status", "due_on"], name="deviation_status_due"),
            models.Index(fields=["provider", "status"], name="deviation_provider"),
            models.Index(fields=["funder", "status"], name="deviation_funder"),
            models.Index(
                fields=["standard_version", "status"], name="deviation_standard"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False, resolution__gt="")
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="deviation_closed_has_time_and_resolution",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed", resolution="effective")
                | Q(reviewed_at__isnull=False, effective=True),
                name="deviation_closed_effective_needs_review",
            ),
        ]

    def __str__(self):
        return f"A-{self.pk} {self.title}"

    @property
    def number(self) -> str:
        return f"A-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != DeviationStatus.CLOSED

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on is not None and self.due_on < today

    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[DeviationStatus(self.status)]


class DeviationEventKind(models.TextChoices):
    CREATED = "created", _("Reported")
    STATUS = "status", _("Status changed")
    COMMENT = "comment", _("Comment")
    ASSIGNED = "assigned", _("Responsibility assigned")
    ACTION_ADDED = "action_added", _("Action added")
    ACTION_DONE = "action_done", _("Action done")
    ESCALATED = "escalated", _("Escalated to the management")
    HEALED = "healed", _("Breach healed")
    RECURRED = "recurred", _("Breach persists again")


class DeviationEvent(models.Model):
    """One entry of a deviation's history: kept as evidence, never changed."""

    deviation = models.ForeignKey(
        Deviation,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("deviation"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for the monitoring job."),
    )
    kind = models.CharField(_("event"), max_length=16, choices=DeviationEventKind)
    from_status = models.CharField(
        _("from"), max_length=16, choices=DeviationStatus, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=16, choices=DeviationStatus, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["deviation", "at", "pk"]
        verbose_name = _("deviation event")
        verbose_name_plural = _("deviation events")

    def __str__(self):
        return f"{self.deviation.number} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("deviation events are evidence and are never changed")
        super().save(*args, **kwargs)


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective action")
    PREVENTIVE = "preventive", _("Preventive action")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", pgettext_lazy("action status", "Done")
    CANCELLED = "cancelled", _("Cancelled")


class CorrectiveAction(models.Model):
    """A corrective or preventive action with its owner and due date."""

    deviation = models.ForeignKey(
        Deviation,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("deviation"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ActionKind)
    description = models.TextField(_("what is to be done"))
    effectiveness_check = models.TextField(
        _("how its effectiveness will be checked"), blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("responsible person"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["deviation", "due_on", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="action_done_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:60]}"


class ComplaintSource(models.TextChoices):
    BENEFICIARY = "beneficiary", _("Beneficiary or relative")
    STAFF = "staff", _("Staff member")
    PARTNER = "partner", _("Partner organisation")
    OTHER = "other", _("Other")


class ComplaintChannel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Online form")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter")
    EMAIL = "email", _("By e-mail")


class ComplaintCategory(models.TextChoices):
    TREATMENT = "treatment", _("How I was treated")
    WAITING = "waiting", _("Waiting times and reachability")
    HELP = "help", _("The help itself")
    PARTICIPATION = "participation", _("Information and participation")
    DATA_PROTECTION = "data_protection", _("Data protection")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Receipt confirmed")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("workflow status", "Closed")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Justified")
    PARTLY = "partly", _("Partly justified")
    NOT_UPHELD = "not_upheld", _("Not justified")


def new_complaint_reference() -> str:
    """Return a reference the complainant can quote, e.g. B-7KQ2-M9TX."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    chars = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"B-{chars[:4]}-{chars[4:]}"


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=ComplaintStatus.CLOSED)


class Complaint(models.Model):
    """A complaint (Beschwerde), with the deadlines to confirm and to answer it.

    What the complainant wrote and how to reach them are personal data: they
    are kept encrypted in ``encrypted`` and read only through
    ``dialoq.deviations.complaints`` functions, which log each access.
    """

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_complaint_reference
    )
    source = models.CharField(_("from"), max_length=12, choices=ComplaintSource)
    channel = models.CharField(_("received"), max_length=12, choices=ComplaintChannel)
    category = models.CharField(_("about"), max_length=16, choices=ComplaintCategory)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    encrypted = models.BinaryField(_("encrypted text and contact"))
    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funder concerned"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider concerned"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("case"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    acknowledge_due_on = models.DateField(_("confirm receipt by"))
    acknowledged_at = models.DateTimeField(
        _("receipt confirmed at"), null=True, blank=True
    )
    answer_due_on = models.DateField(_("answer by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ComplaintStatus,
        default=ComplaintStatus.RECEIVED,
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=ComplaintOutcome, blank=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty when sent through the online form."),
    )
    deviation = models.ForeignKey(
        Deviation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("deviation"),
    )
    erased_at = models.DateTimeField(
        _("text and contact erased at"),
        null=True,
        blank=True,
        help_text=_("Set by the retention job; the rest is kept as evidence."),
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(funder__isnull=False) | Q(provider__isnull=False),
                name="complaint_concerns_an_organisation",
            ),
        ]

    def __str__(self):
        return self.reference

    def read(self) -> dict:
        """Return the decrypted text and contact (callers log the access)."""
        document = decrypt_json(self.encrypted)
        return {
            "text": document.get("text", ""),
            "contact": document.get("contact", ""),
        }

    def write(self, *, text: str, contact: str = "") -> None:
        """Encrypt the text and contact into this record (not saved)."""
        self.encrypted = encrypt_json({"text": text, "contact": contact})


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MonitorRun(models.Model):
    """One run of standard monitoring, with its progress and what it changed."""

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
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus, default=RunStatus.QUEUED
    )
    checked_on = models.DateField(_("checked as of"), null=True, blank=True)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveIntegerField(_("steps in all"), default=0)
    current_step = models.CharField(_("current step"), max_length=200, blank=True)
    cases_checked = models.PositiveIntegerField(_("cases checked"), default=0)
    deviations_opened = models.PositiveIntegerField(_("deviations opened"), default=0)
    deviations_healed = models.PositiveIntegerField(_("deviations healed"), default=0)
    escalated = models.PositiveIntegerField(_("escalated"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("monitoring run")
        verbose_name_plural = _("monitoring runs")

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def percent_done(self) -> int:
        if not self.steps_total:
            return 0
        return round(100 * self.steps_done / self.steps_total)


class StandardCompliance(models.Model):
    """How reliably a standard was met: cases checked and met, per provider and team.

    Written by each monitoring run for the twelve months up to the day it checks
    (replacing the previous figures in one transaction); the compliance view and
    the review of standards read it. A row without a team is the provider's total.
    """

    standard_version = models.ForeignKey(
        "catalog.ProcessStandardVersion",
        on_delete=models.CASCADE,
        related_name="compliance",
        verbose_name=_("process standard"),
    )
    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("provider"),
    )
    provider_unit = models.ForeignKey(
        "accounts.OrganisationUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    cases_checked = models.PositiveIntegerField(_("cases checked"))
    cases_met = models.PositiveIntegerField(_("cases in which the standard was met"))
    breaches = models.PositiveIntegerField(_("breaches"))
    workers = models.PositiveIntegerField(_("caseworkers"))
    workers_with_breach = models.PositiveIntegerField(_("caseworkers with a breach"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["standard_version", "provider", "provider_unit"]
        verbose_name = _("compliance with a standard")
        verbose_name_plural = _("compliance with standards")
        constraints = [
            models.UniqueConstraint(
                fields=["standard_version", "funder", "provider", "provider_unit"],
                name="unique_compliance_team_row",
            ),
            models.UniqueConstraint(
                fields=["standard_version", "funder", "provider"],
                condition=Q(provider_unit__isnull=True),
                name="unique_compliance_provider_row",
            ),
            models.CheckConstraint(
                condition=Q(cases_met__lte=models.F("cases_checked")),
                name="compliance_met_within_checked",
            ),
        ]

    def __str__(self):
        return f"{self.standard_version} {self.provider_id}"

    @property
    def share_met(self) -> float | None:
        return self.cases_met / self.cases_checked if self.cases_checked else None


class ReviewFlagStatus(models.TextChoices):
    OPEN = "open", _("To be discussed")
    ON_AGENDA = "on_agenda", _("On a dialogue's agenda")
    KEPT = "kept", _("Standard kept")
    CHANGED = "changed", _("Standard changed")


class StandardReviewFlag(models.Model):
    """A standard breached so often, by so many, that it is itself to be reviewed.

    Bartelheimer: standards that must be circumvented for the interaction to
    succeed are to be reviewed, not only the people who breach them.
    ``evidence`` keeps the breach rates by provider and team and the reasons
    given: refreshed by each monitoring run while the flag is open, kept as
    it was once the flag is decided.
    """

    standard_version = models.ForeignKey(
        "catalog.ProcessStandardVersion",
        on_delete=models.CASCADE,
        related_name="review_flags",
        verbose_name=_("process standard"),
    )
    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("funder"),
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReviewFlagStatus,
        default=ReviewFlagStatus.OPEN,
    )
    breach_rate = models.FloatField(_("share of cases with a breach"))
    cases_checked = models.PositiveIntegerField(_("cases checked"))
    providers_with_breach = models.PositiveIntegerField(_("providers with breaches"))
    workers_with_breach = models.PositiveIntegerField(_("caseworkers with breaches"))
    evidence = models.JSONField(_("evidence"), default=dict)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("standard flagged for review")
        verbose_name_plural = _("standards flagged for review")
        constraints = [
            models.UniqueConstraint(
                fields=["standard_version", "funder"],
                condition=Q(status__in=["open", "on_agenda"]),
                name="one_open_review_flag",
            ),
        ]

    def __str__(self):
        return f"{self.standard_version} ({self.get_status_display()})"
