"""The quality dialogue of a funder and a provider, its evidence pack and statements.

A dialogue moves planned → pack frozen → statements → meeting held →
minutes approved, only through the ``do_*`` functions in
``dialoq.dialogues.services``. Two things can never change once written:

- the **evidence pack**, frozen once with a SHA-256 of its canonical JSON;
- everything of a dialogue whose **minutes are approved** by both sides.

The models refuse such writes themselves (``save``/``delete``), and their
querysets refuse bulk ``update``/``delete``, so neither a form, the admin
site nor a shell slip can alter them.
"""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.roles import OrganisationKind


class DialogueLocked(PermissionDenied):
    """A write that would change a frozen pack or approved minutes."""


class Side(models.TextChoices):
    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")


class DialogueStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PACK_FROZEN = "pack_frozen", _("Evidence pack frozen")
    STATEMENTS = "statements", _("Statements requested")
    MEETING_HELD = "meeting_held", _("Meeting held")
    MINUTES_APPROVED = "minutes_approved", _("Minutes approved")


# Statements and funder notes are written before the meeting.
STATEMENT_STATUSES = (DialogueStatus.PACK_FROZEN, DialogueStatus.STATEMENTS)
# Agenda and participants are prepared from the frozen pack until approval.
PREPARATION_STATUSES = (*STATEMENT_STATUSES, DialogueStatus.MEETING_HELD)


def canonical_json(content) -> bytes:
    """Return the content as canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def sha256_of(content) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


class LockedQuerySet(models.QuerySet):
    """Rows change one by one through the models' guarded ``save``, never in bulk."""

    def update(self, **kwargs):
        raise DialogueLocked("Quality dialogues change only through do_* functions.")

    def delete(self):
        raise DialogueLocked("Quality dialogues change only through do_* functions.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise DialogueLocked("Quality dialogues change only through do_* functions.")


class DialogueQuerySet(LockedQuerySet):
    def of_pair(self, funder, provider):
        return self.filter(funder=funder, provider=provider)

    def approved(self):
        return self.filter(status=DialogueStatus.MINUTES_APPROVED)


class QualityDialogue(models.Model):
    """One quality dialogue of a funder and a provider about one period."""

    funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="funder_dialogues",
        limit_choices_to={"kind": OrganisationKind.FUNDER},
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="provider_dialogues",
        limit_choices_to={"kind": OrganisationKind.PROVIDER},
        verbose_name=_("provider"),
    )
    agreement_version = models.ForeignKey(
        "agreements.AgreementVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement version"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    planned_date = models.DateField(_("planned for"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DialogueStatus,
        default=DialogueStatus.PLANNED,
    )
    statements_due_on = models.DateField(_("statements due by"), null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    minutes_sha256 = models.CharField(
        _("SHA-256 of the approved minutes"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = DialogueQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_date", "-pk"]
        verbose_name = _("quality dialogue")
        verbose_name_plural = _("quality dialogues")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="dialogue_period_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(funder=models.F("provider")),
                name="dialogue_between_two_organisations",
            ),
        ]
        indexes = [
            models.Index(fields=["funder", "provider", "period_start"]),
        ]

    def __str__(self):
        return (
            f"{self.funder.short_name} – {self.provider.short_name}, "
            f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = QualityDialogue.objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == DialogueStatus.MINUTES_APPROVED:
                raise DialogueLocked("The minutes of this dialogue are approved.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("dialogues:detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise DialogueLocked("A quality dialogue is kept.")

    @property
    def is_locked(self) -> bool:
        return self.status == DialogueStatus.MINUTES_APPROVED

    def organisation_id_of(self, side: str) -> int:
        return self.funder_id if side == Side.FUNDER else self.provider_id

    def side_of_organisation(self, organisation_id: int) -> str | None:
        if organisation_id == self.funder_id:
            return Side.FUNDER
        if organisation_id == self.provider_id:
            return Side.PROVIDER
        return None


def check_not_locked(dialogue_id) -> None:
    """Refuse a write to a part of a dialogue whose minutes are approved."""
    status = (
        QualityDialogue.objects.filter(pk=dialogue_id)
        .values_list("status", flat=True)
        .first()
    )
    if status == DialogueStatus.MINUTES_APPROVED:
        raise DialogueLocked("The minutes of this dialogue are approved.")


class EvidencePack(models.Model):
    """The frozen evidence of a dialogue: aggregates only, with their charts.

    ``content`` is the snapshot as it was at ``frozen_at`` (indicator results
    with intervals and peers, charts as SVG, counts of deviations and
    complaints, survey shares, standards flagged for review, last time's
    actions). ``sha256`` is the hash of its canonical JSON, checked on display.
    """

    dialogue = models.OneToOneField(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="pack",
        verbose_name=_("quality dialogue"),
    )
    content = models.JSONField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("frozen by"),
    )

    objects = LockedQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")

    def __str__(self):
        return f"{self.dialogue} ({self.frozen_at:%d.%m.%Y})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DialogueLocked("An evidence pack is frozen: it never changes.")
        self.sha256 = sha256_of(self.content)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DialogueLocked("An evidence pack is frozen: it is never deleted.")

    @property
    def intact(self) -> bool:
        """Return whether the stored content still has the hash it was frozen with."""
        return sha256_of(self.content) == self.sha256

    def line(self, key: str) -> dict | None:
        """Return the indicator line of the pack with the key, or None."""
        return next(
            (line for line in self.content["indicators"] if line["key"] == key), None
        )

    def conspicuous_lines(self) -> list[dict]:
        return [line for line in self.content["indicators"] if line["conspicuous"]]


class Statement(models.Model):
    """The provider's statement on a conspicuous result, and the funder's notes."""

    dialogue = models.ForeignKey(
        QualityDialogue,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("quality dialogue"),
    )
    result_key = models.CharField(_("result"), max_length=80)
    provider_text = models.TextField(_("statement of the provider"), blank=True)
    provider_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("statement by"),
    )
    provider_at = models.DateTimeField(_("statement written"), null=True, blank=True)
    funder_notes = models.TextField(_("notes of the funder"), blank=True)
    funder_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notes by"),
    )
    funder_at = models.DateTimeField(_("notes written"), null=True, blank=True)

    objects = LockedQuerySet.as_manager()

    class Meta:
        ordering = ["dialogue", "result_key"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "result_key"], name="one_statement_per_result"
            ),
        ]

    def __str__(self):
        return f"{self.dialogue} – {self.result_key}"

    def save(self, *args, **kwargs):
        check_not_locked(self.dialogue_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DialogueLocked("Statements are kept.")
