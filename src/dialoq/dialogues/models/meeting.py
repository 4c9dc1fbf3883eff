"""The meeting of a quality dialogue: agenda, participants, minutes, assessments,
agreed actions and the two sides' approvals of the minutes.

Everything here is written while the dialogue is prepared and held; after the
second approval it is locked. Agreed actions keep their agreed content
(``AgreedAction.AGREED_FIELDS``) but are tracked afterwards: done or not, and
at the next dialogue whether they worked, which is locked in turn when that
dialogue's minutes are approved.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .dialogue import (
    DialogueLocked,
    DialogueStatus,
    LockedQuerySet,
    QualityDialogue,
    Side,
    check_not_locked,
)


class AgendaKind(models.TextChoices):
    CONSPICUOUS_RESULT = "result", _("Conspicuous result")
    REVIEW_FLAG = "review_flag", _("Standard flagged for review")
    SELF_ASSESSMENT = "self_assessment", _("Proposal from the self-assessment")
    ACTION_REVIEW = "action_review", _("Actions agreed last time")
    FREE = "free", _("Further item")


class GuardedPart(models.Model):
    """A part of a dialogue that is locked once its minutes are approved."""

    objects = LockedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        check_not_locked(self.dialogue_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        check_not_locked(self.dialogue_id)
        return super().delete(*args, **kwargs)


class AgendaItem(GuardedPart):
    """One item of the meeting's agenda, with the minutes written for it."""

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="agenda_items",
        verbose_name=_("quality dialogue"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=AgendaKind)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("refers to"), max_length=80, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes by"),
    )
    minutes_at = models.DateTimeField(_("minutes written"), null=True, blank=True)

    class Meta:
        ordering = ["dialogue", "number"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "number"], name="agenda_item_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Participant(GuardedPart):
    """A person at the meeting: a user, or an external guest named in free text.

    Beneficiaries are never listed: the minutes are about aggregates.
    """

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("quality dialogue"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200)
    function = models.CharField(_("role"), max_length=150, blank=True)

    class Meta:
        ordering = ["dialogue", "organisation", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""),
                name="participant_has_user_or_name",
            ),
            models.UniqueConstraint(
                fields=["dialogue", "user"],
                condition=Q(user__isnull=False),
                name="participant_once_per_dialogue",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.get_username()
        return self.name


class AssessmentCategory(models.TextChoices):
    """The final assessment of a conspicuous result (IQTIG/QSKH, adapted)."""

    UNREMARKABLE = "unremarkable", _("Qualitatively unremarkable")
    REMARKABLE = "remarkable", _("Qualitatively remarkable")
    DOCUMENTATION = "documentation", _("Documentation problem")
    OTHER = "other", _("Other")


class Assessment(GuardedPart):
    """How the partners assess one conspicuous result, and why."""

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("quality dialogue"),
    )
    result_key = models.CharField(_("result"), max_length=80)
    category = models.CharField(
        _("assessment"), max_length=16, choices=AssessmentCategory
    )
    reasoning = models.TextField(_("reasoning"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["dialogue", "result_key"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "result_key"], name="one_assessment_per_result"
            ),
        ]

    def __str__(self):
        return f"{self.result_key}: {self.get_category_display()}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", pgettext_lazy("action status", "Done")
    CANCELLED = "cancelled", _("Cancelled")


class Effectiveness(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    PARTLY = "partly", _("Partly effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class AgreedAction(models.Model):
    """A target agreement of the meeting, tracked until the next dialogue reviews it."""

    AGREED_FIELDS = (
        "dialogue_id",
        "number",
        "description",
        "result_key",
        "owner_id",
        "owner_organisation_id",
        "due_on",
        "effectiveness_check",
    )
    REVIEW_FIELDS = ("verdict", "verdict_note", "reviewed_in_id", "reviewed_by_id")

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="agreed_actions",
        verbose_name=_("quality dialogue"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    description = models.TextField(_("what is to be done"))
    result_key = models.CharField(_("concerns the result"), max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dialogue_actions",
        verbose_name=_("responsible person"),
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    due_on = models.DateField(_("due on"))
    effectiveness_check = models.TextField(_("how its effectiveness will be checked"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    verdict = models.CharField(
        _("effectiveness"), max_length=16, choices=Effectiveness, blank=True
    )
    verdict_note = models.TextField(_("effectiveness: reasoning"), blank=True)
    reviewed_in = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_actions",
        verbose_name=_("reviewed in"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = LockedQuerySet.as_manager()

    class Meta:
        ordering = ["dialogue", "number"]
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "number"], name="agreed_action_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="agreed_action_done_has_date",
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(reviewed_in__isnull=False),
                name="agreed_action_verdict_in_dialogue",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.description[:60]}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            check_not_locked(self.dialogue_id)
        else:
            self._check_locked_fields()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        check_not_locked(self.dialogue_id)
        return super().delete(*args, **kwargs)

    def _check_locked_fields(self):
        stored = AgreedAction.objects.filter(pk=self.pk).values(
            *self.AGREED_FIELDS, *self.REVIEW_FIELDS
        )[0]
        locked = set()
        if _approved(stored["dialogue_id"]):
            locked |= set(self.AGREED_FIELDS)
        if stored["reviewed_in_id"] and _approved(stored["reviewed_in_id"]):
            locked |= set(self.REVIEW_FIELDS)
        changed = {name for name in locked if getattr(self, name) != stored[name]}
        if changed:
            raise DialogueLocked(
                "Approved minutes cannot change: " + ", ".join(sorted(changed))
            )

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < timezone.localdate()


def _approved(dialogue_id) -> bool:
    return QualityDialogue.objects.filter(
        pk=dialogue_id, status=DialogueStatus.MINUTES_APPROVED
    ).exists()


class ApprovalQuerySet(LockedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        raise DialogueLocked("Minutes are approved one by one through do_approve.")


class MinutesApproval(models.Model):
    """One side's approval of the minutes, by a person who approves for that side.

    ``minutes_sha256`` is the hash of the minutes as approved; the second
    approval must be of the same minutes, and then locks the dialogue.
    """

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("quality dialogue"),
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
    minutes_sha256 = models.CharField(_("SHA-256 of the minutes"), max_length=64)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["dialogue", "approved_at"]
        verbose_name = _("approval of the minutes")
        verbose_name_plural = _("approvals of the minutes")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "side"], name="one_minutes_approval_per_side"
            ),
            models.UniqueConstraint(
                fields=["dialogue", "user"], name="one_minutes_approval_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.dialogue} – {self.get_side_display()} – {self.user}"

    def save(self, *args, **kwargs):
        if not self._state.adding or not getattr(self, "_given_through_service", False):
            raise DialogueLocked("Minutes are approved only through do_approve.")
        check_not_locked(self.dialogue_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not getattr(self, "_withdrawn_through_service", False):
            raise DialogueLocked("An approval is withdrawn only through do_withdraw.")
        check_not_locked(self.dialogue_id)
        return super().delete(*args, **kwargs)
