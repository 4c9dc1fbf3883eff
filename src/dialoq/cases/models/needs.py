"""Need assessment: ratings per need dimension at start, after ~8 weeks, at closure."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dialoq.cases.models.cases import Case
from dialoq.catalog.models import CodeBook, ServiceType

NEED_SCALE_MIN, NEED_SCALE_MAX = 1, 7


class NeedDimension(models.Model):
    """One dimension of need, rated 1 (severe need) to 7 (no need, a resource).

    The set for a service type is, in this order: the dimensions linked to the
    service type; else those of its code book (e.g. all SGB VIII help); else the
    default set (dimensions with neither).
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    code_book = models.CharField(
        _("code book"), max_length=10, choices=CodeBook, blank=True
    )
    service_types = models.ManyToManyField(
        ServiceType,
        blank=True,
        related_name="need_dimensions",
        verbose_name=_("service types"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("need dimension")
        verbose_name_plural = _("need dimensions")

    def __str__(self):
        return self.name

    @classmethod
    def for_service_type(cls, service_type):
        """Return the active dimensions that apply to a service type."""
        active = cls.objects.filter(active=True)
        own = active.filter(service_types=service_type)
        if own.exists():
            return own
        by_code_book = active.filter(code_book=service_type.code_book)
        if by_code_book.exists():
            return by_code_book
        return active.filter(code_book="", service_types__isnull=True)


class NeedOccasion(models.TextChoices):
    START = "start", _("At the start")
    INTERIM = "interim", _("After about 8 weeks")
    CLOSURE = "closure", _("At closure")


class NeedAssessment(models.Model):
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="need_assessments",
        verbose_name=_("case"),
    )
    occasion = models.CharField(_("occasion"), max_length=10, choices=NeedOccasion)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )

    class Meta:
        ordering = ["case", "assessed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "occasion"], name="unique_need_assessment_occasion"
            )
        ]
        verbose_name = _("need assessment")
        verbose_name_plural = _("need assessments")

    def __str__(self):
        return f"{self.case} {self.get_occasion_display()}"


class NeedRating(models.Model):
    assessment = models.ForeignKey(
        NeedAssessment, on_delete=models.CASCADE, related_name="ratings"
    )
    dimension = models.ForeignKey(
        NeedDimension, on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField(
        _("rating"),
        choices=[(i, str(i)) for i in range(NEED_SCALE_MIN, NEED_SCALE_MAX + 1)],
    )
    relevant = models.BooleanField(_("relevant for this help"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "dimension"], name="unique_need_rating"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=NEED_SCALE_MIN)
                & models.Q(level__lte=NEED_SCALE_MAX),
                name="need_rating_level_range",
            ),
        ]
        verbose_name = _("need rating")
        verbose_name_plural = _("need ratings")

    def __str__(self):
        return f"{self.dimension}: {self.level}"
