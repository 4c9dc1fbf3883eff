"""Contacts with the beneficiary, whose time counts as service hours."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dialoq.cases.models.cases import Case


class ContactKind(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Face to face")
    PHONE = "phone", _("Phone")
    HOME_VISIT = "home_visit", _("Home visit")
    GROUP = "group", _("Group")


class Contact(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case")
    )
    occurred_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration in minutes"))
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["case", "-occurred_on"]
        indexes = [
            models.Index(fields=["case", "occurred_on"], name="contact_case_date")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1)
                & models.Q(duration_minutes__lte=24 * 60),
                name="contact_duration_range",
            )
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.case} {self.occurred_on:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def hours(self):
        return self.duration_minutes / 60
