from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.roles import (
    ROLE_ORGANISATION_KINDS,
    TWO_FACTOR_ROLES,
    OrganisationKind,
    Role,
)


class FederalState(models.TextChoices):
    BW = "BW", "Baden-Württemberg"
    BY = "BY", "Bayern"
    BE = "BE", "Berlin"
    BB = "BB", "Brandenburg"
    HB = "HB", "Bremen"
    HH = "HH", "Hamburg"
    HE = "HE", "Hessen"
    MV = "MV", "Mecklenburg-Vorpommern"
    NI = "NI", "Niedersachsen"
    NW = "NW", "Nordrhein-Westfalen"
    RP = "RP", "Rheinland-Pfalz"
    SL = "SL", "Saarland"
    SN = "SN", "Sachsen"
    ST = "ST", "Sachsen-Anhalt"
    SH = "SH", "Schleswig-Holstein"
    TH = "TH", "Thüringen"


class FunderType(models.TextChoices):
    YOUTH_OFFICE = "youth_office", _("Youth welfare office (Jugendamt)")
    SOCIAL_OFFICE = "social_office", _("Social welfare office (Sozialamt)")
    JOBCENTER = "jobcenter", _("Jobcenter")
    INTEGRATION_ASSISTANCE = (
        "integration_assistance",
        _("Integration assistance body (Träger der Eingliederungshilfe)"),
    )


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    funder_type = models.CharField(
        _("type of funder"), max_length=32, choices=FunderType, blank=True
    )
    federal_state = models.CharField(
        _("federal state"), max_length=2, choices=FederalState, default=FederalState.NI
    )
    networks = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": OrganisationKind.NETWORK},
        verbose_name=_("benchlearning networks"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == OrganisationKind.FUNDER and not self.funder_type:
            raise ValidationError(
                {"funder_type": _("A funder needs a type (e.g. Jugendamt).")}
            )
        if self.kind != OrganisationKind.FUNDER and self.funder_type:
            raise ValidationError(
                {"funder_type": _("Only a funder has a type of funder.")}
            )


class OrganisationUnit(models.Model):
    class Kind(models.TextChoices):
        TEAM = "team", _("Team")
        SITE = "site", _("Site")
        DEPARTMENT = "department", _("Department")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="units",
        verbose_name=_("organisation"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.TEAM)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="unique_unit_name"
            )
        ]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self):
        return f"{self.organisation.short_name} – {self.name}"

    def clean(self):
        if self.parent_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError(
                {"parent": _("A unit can only be part of a unit of its organisation.")}
            )


class User(AbstractUser):
    """A person who signs in; what they may see comes from their memberships."""

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def active_memberships(self):
        """Return the memberships valid now, with their organisations."""
        return self.memberships.active().select_related("organisation", "unit")

    def needs_two_factor(self) -> bool:
        """Return whether a role of this user requires a one-time code at sign-in."""
        if self.is_superuser:
            return True
        return any(m.role in TWO_FACTOR_ROLES for m in self.active_memberships())


class Qualification(models.TextChoices):
    SOCIAL_WORK_DEGREE = (
        "social_work_degree",
        _("Degree in social work or social pedagogy"),
    )
    OTHER_PEDAGOGICAL_DEGREE = (
        "other_pedagogical_degree",
        _("Other pedagogical or psychological degree"),
    )
    VOCATIONAL = "vocational", _("Vocational qualification (e.g. Erzieher/in)")
    ADMINISTRATIVE = "administrative", _("Administrative qualification")
    OTHER = "other", _("Other")


class MembershipQuerySet(models.QuerySet):
    def active(self, at=None):
        """Return memberships valid at the given time (default: now)."""
        at = at or timezone.now()
        return self.filter(valid_from__lte=at).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=at)
        )


class Membership(models.Model):
    """A user's role in one organisation, optionally limited to one unit."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    unit = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unit"),
        help_text=_("If set, case access is limited to this unit's cases."),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_("Required for auditors: the mandate for this access."),
    )
    full_time_equivalent = models.DecimalField(
        _("full-time equivalent"), max_digits=3, decimal_places=2, default=1
    )
    qualification = models.CharField(
        _("qualification"), max_length=32, choices=Qualification, blank=True
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership_role"
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.AUDITOR)
                | (models.Q(valid_until__isnull=False) & ~models.Q(reason="")),
                name="auditor_needs_expiry_and_reason",
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"

    def clean(self):
        errors = {}
        if self.organisation_id and self.role:
            allowed = ROLE_ORGANISATION_KINDS[Role(self.role)]
            if self.organisation.kind not in allowed:
                errors["role"] = _(
                    "The role %(role)s cannot be held in an organisation of this kind."
                ) % {"role": self.get_role_display()}
        if self.role == Role.AUDITOR:
            if not self.valid_until:
                errors["valid_until"] = _("An auditor's access needs an expiry date.")
            if not self.reason.strip():
                errors["reason"] = _("State the audit mandate for this access.")
        if self.unit_id and self.unit.organisation_id != self.organisation_id:
            errors["unit"] = _("The unit must belong to the same organisation.")
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The access must end after it starts.")
        if errors:
            raise ValidationError(errors)
