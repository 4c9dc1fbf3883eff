"""One-time invitations for beneficiaries, and the anonymous survey answers.

A token is shown once, when its invitation is created; only its SHA-256 hash
is stored, so the database alone cannot open a link. Survey responses carry
no key, time or reference that leads back to an invitation, a case or a person.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.cases.models import Case, Review
from dialoq.catalog.models import ServiceType
from dialoq.feedback.survey import (
    AGREEMENT_MAX,
    AGREEMENT_MIN,
    FREE_TEXT_MAX_LENGTH,
    ITEM_FIELDS,
    SURVEY_INSTRUMENT,
    Agreement,
)

# How long a printed link stays valid.
LINK_VALID_DAYS = 14


def new_token() -> str:
    """Return a fresh random token for a one-time link (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def default_expiry():
    return timezone.now() + timedelta(days=LINK_VALID_DAYS)


class InvitationState(models.TextChoices):
    OPEN = "open", _("open")
    USED = "used", _("answered")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("replaced by a newer link")
    HANDED_OUT = "handed_out", _("handed out")


class GoalRatingInvitationQuerySet(models.QuerySet):
    def open(self, now=None):
        """Return the invitations that can still be answered."""
        now = now or timezone.now()
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )


class GoalRatingInvitation(models.Model):
    """A one-time link for the beneficiary to rate the goals of one review."""

    review = models.ForeignKey(
        Review,
        on_delete=models.CASCADE,
        related_name="goal_rating_invitations",
        verbose_name=_("review"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("valid until"), default=default_expiry)
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    objects = GoalRatingInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("goal-rating link")
        verbose_name_plural = _("goal-rating links")

    def __str__(self):
        return f"{self.review} ({self.state()})"

    def state(self, now=None) -> InvitationState:
        """Return whether the link is open, answered, expired or replaced."""
        if self.used_at:
            return InvitationState.USED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.OPEN


class SurveyInvitationQuerySet(models.QuerySet):
    def open(self, now=None):
        """Return the invitations that can still be answered."""
        now = now or timezone.now()
        return self.filter(used=False, revoked=False, expires_at__gt=now)


class SurveyInvitation(models.Model):
    """A one-time link to the anonymous survey, handed out for a case.

    It knows its case, so that the case page can list it; the answer it leads
    to does not know the invitation. Only the fact of use is kept, not its time.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("case"),
    )
    funder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("funder"),
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_on = models.DateField(_("created on"), default=timezone.localdate)
    expires_at = models.DateTimeField(_("valid until"), default=default_expiry)
    used = models.BooleanField(_("answered"), default=False)
    revoked = models.BooleanField(_("replaced by a newer link"), default=False)

    objects = SurveyInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "-pk"]
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self):
        return f"{self.case} ({self.state()})"

    def state(self, now=None) -> InvitationState:
        """Return whether the link is open, answered, expired or replaced."""
        if self.used:
            return InvitationState.USED
        if self.revoked:
            return InvitationState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    def state_for_staff(self, now=None) -> InvitationState:
        """Return the state staff may see: never whether the link was answered.

        Knowing who answered, staff could read a person's answers off a group
        in which everybody answered alike.
        """
        if self.revoked:
            return InvitationState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.HANDED_OUT


class SurveyResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the responses about organisations whose aggregates the user sees."""
        organisations = scoping.aggregate_organisations(user)
        return self.filter(
            models.Q(provider__in=organisations) | models.Q(funder__in=organisations)
        )


def _answer(statement):
    return models.PositiveSmallIntegerField(
        statement, choices=Agreement, null=True, blank=True
    )


class SurveyResponse(models.Model):
    """One anonymous answer to the survey: no invitation, case, person or time.

    The key is random, so neither the key nor the order of rows follows the
    order of answering; the period is the month of the answer. NULL is
    "no answer".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    instrument = models.CharField(
        _("instrument"), max_length=20, default=SURVEY_INSTRUMENT
    )
    framework_time = _answer(_("enough time"))
    framework_reachable = _answer(_("contact person reachable"))
    position_respect = _answer(_("treated with respect"))
    position_say = _answer(_("a say in what happened"))
    relationship_atmosphere = _answer(_("good atmosphere"))
    relationship_engagement = _answer(_("real effort"))
    relationship_trust = _answer(_("trust"))
    competence_expertise = _answer(_("knew their job"))
    competence_advice = _answer(_("good advice"))
    benefit_situation = _answer(_("situation better"))
    benefit_independence = _answer(_("manage better alone"))
    free_text = models.CharField(
        _("comment"), max_length=FREE_TEXT_MAX_LENGTH, blank=True
    )

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        ordering = ["period", "id"]
        indexes = [
            models.Index(fields=["provider", "period"], name="survey_provider_period"),
            models.Index(fields=["funder", "period"], name="survey_funder_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="survey_period_is_month"
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__isnull": True})
                    | models.Q(
                        **{
                            f"{field}__gte": AGREEMENT_MIN,
                            f"{field}__lte": AGREEMENT_MAX,
                        }
                    ),
                    name=f"survey_{field}_range",
                )
                for field in ITEM_FIELDS
            ),
        ]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self):
        return f"{self.period:%Y-%m} {self.service_type_id}"
