"""Questionnaire templates (data, versioned) and self-assessment rounds.

A template's versions are written from the TOML files in ``questionnaires/``;
a round between one funder and one provider uses one version, so later
changes to a template never change a round's items. Each side answers in its
own response; a submitted response is read-only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation
from dialoq.self_assessment.scoring import (
    MAX_POINTS,
    MIN_POINTS,
    Method,
    Scheme,
    TotalRule,
)


class QuestionnaireTemplate(models.Model):
    key = models.SlugField(_("key"), max_length=60, unique=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("questionnaire template")
        verbose_name_plural = _("questionnaire templates")

    def __str__(self):
        return self.key


class VersionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("in force")
    RETIRED = "retired", _("retired")


class TemplateVersion(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("template"),
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=VersionStatus,
        default=VersionStatus.IN_FORCE,
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    description = models.TextField(_("description"))
    source = models.TextField(_("source"))
    total_rule = models.CharField(_("total"), max_length=8, choices=TotalRule)
    flag_threshold = models.PositiveSmallIntegerField(
        _("difference flagged from"),
        help_text=_("In scale steps or points, like the items."),
    )
    content_hash = models.CharField(_("content fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "version"], name="unique_questionnaire_version"
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(status="in_force"),
                name="one_questionnaire_version_in_force",
            ),
        ]
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")

    def __str__(self):
        return f"{self.title} ({self.version})"

    @property
    def is_ordinal(self) -> bool:
        """Return whether the items use the five-step scale (no CAF method)."""
        return not self.criteria.filter(
            items__scheme__in=[Scheme.ENABLER, Scheme.RESULT]
        ).exists()


class Criterion(models.Model):
    version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.CASCADE,
        related_name="criteria",
        verbose_name=_("questionnaire version"),
    )
    code = models.CharField(_("number"), max_length=8)
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="unique_questionnaire_criterion"
            )
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return f"{self.code} {self.title}"


class Item(models.Model):
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("criterion"),
    )
    code = models.CharField(_("number"), max_length=8)
    order = models.PositiveSmallIntegerField(_("order"))
    scheme = models.CharField(_("scoring scheme"), max_length=16, choices=Scheme)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300)
    text = models.TextField(_("explanation"))

    class Meta:
        ordering = ["criterion__order", "order"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self):
        return f"{self.code} {self.title}"


class Side(models.TextChoices):
    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("open")
    SUBMITTED = "submitted", _("both submitted")
    CLOSED = "closed", _("closed")


class Round(models.Model):
    """One cooperative self-assessment of a funder and a provider."""

    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="self_assessments_as_funder",
        limit_choices_to={"kind": "funder"},
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="self_assessments_as_provider",
        limit_choices_to={"kind": "provider"},
        verbose_name=_("provider"),
    )
    template_version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("questionnaire"),
    )
    method = models.CharField(
        _("scoring method"), max_length=16, choices=Method, default=Method.CLASSICAL
    )
    period_label = models.CharField(_("period"), max_length=80, blank=True)
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus, default=RoundStatus.OPEN
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["funder", "provider"],
                condition=~Q(status="closed"),
                name="one_unclosed_self_assessment_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="self_assessment_closed_has_date",
            ),
        ]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")

    def __str__(self):
        return (
            f"{self.funder.short_name} – {self.provider.short_name} ({self.due_date})"
        )

    def get_absolute_url(self):
        return reverse("self_assessment:detail", args=[self.pk])

    def organisation_of(self, side: str) -> Organisation:
        return self.funder if side == Side.FUNDER else self.provider

    @property
    def answers_visible_to_both(self) -> bool:
        """Return whether both sides have submitted, so all may read all answers."""
        return self.status in {RoundStatus.SUBMITTED, RoundStatus.CLOSED}


class Response(models.Model):
    """One side's answers in a round."""

    round = models.ForeignKey(
        Round,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("self-assessment"),
    )
    side = models.CharField(_("side"), max_length=16, choices=Side)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    class Meta:
        ordering = ["round", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "side"], name="one_self_assessment_response_per_side"
            )
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"{self.round} – {self.get_side_display()}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


NUMBER_FIELDS = (
    "score",
    "phase_plan",
    "phase_do",
    "phase_check",
    "phase_act",
    "trend",
    "targets",
)


def _points_field(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class Answer(models.Model):
    """The numbers and evidence one side gave for one item."""

    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("response"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    score = _points_field(_("score"))
    phase_plan = _points_field(_("plan"))
    phase_do = _points_field(_("do"))
    phase_check = _points_field(_("check"))
    phase_act = _points_field(_("act"))
    trend = _points_field(_("trends"))
    targets = _points_field(_("targets"))
    evidence = models.TextField(_("evidence and comment"), blank=True)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )

    NUMBER_FIELDS = NUMBER_FIELDS

    class Meta:
        ordering = ["response", "item__criterion__order", "item__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "item"], name="one_answer_per_item"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": MIN_POINTS, f"{name}__lte": MAX_POINTS}),
                    name=f"self_assessment_answer_{name}_0_100",
                )
                for name in NUMBER_FIELDS
            ),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.response} – {self.item.code}"

    def values(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in self.NUMBER_FIELDS}


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("open")
    ON_AGENDA = "on_agenda", _("taken onto an agenda")


class AgendaProposal(models.Model):
    """An item proposed for the agenda of the partners' next quality dialogue."""

    round = models.ForeignKey(
        Round,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("self-assessment"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    side = models.CharField(_("proposed by side"), max_length=16, choices=Side)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "item"],
                condition=Q(status="open"),
                name="one_open_agenda_proposal_per_item",
            )
        ]
        verbose_name = _("agenda proposal")
        verbose_name_plural = _("agenda proposals")

    def __str__(self):
        return f"{self.round} – {self.item.code}"
