from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Titled:
    """A title with an optional English title, shown in the current language."""

    @property
    def display_title(self) -> str:
        """Return the title in the current language where one exists."""
        if self.title_en and (get_language() or "de").startswith("en"):
            return self.title_en
        return self.title


class Versioned:
    """An entry of a catalogue whose content lives in versions, one in force.

    An owner of ``None`` marks the built-in catalogue.
    """

    @property
    def is_built_in(self) -> bool:
        return self.owner_id is None

    def current_version(self):
        """Return the version in force, or None if there is none."""
        return self.versions.filter(status=VersionStatus.IN_FORCE).first()


class CodeBook(models.TextChoices):
    SGB_II = "SGB II", _("SGB II – basic income support for job seekers")
    SGB_VIII = "SGB VIII", _("SGB VIII – child and youth welfare")
    SGB_IX = "SGB IX", _("SGB IX – integration assistance")
    SGB_XII = "SGB XII", _("SGB XII – social assistance")


class ServiceCategory(models.TextChoices):
    CASH_BENEFIT = "cash_benefit", _("Cash benefit")
    PERSONAL_SERVICE = "personal_service", _("Personal social service")
    LABOUR_MARKET_SERVICE = "labour_market_service", _("Labour-market service")


class ServiceSetting(models.TextChoices):
    AMBULANT = "ambulant", _("Ambulant")
    SEMI_RESIDENTIAL = "semi_residential", _("Semi-residential")
    RESIDENTIAL = "residential", _("Residential")


class ServiceType(models.Model):
    """A kind of help with its legal basis (Leistungsart, Angebotsform)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(
        _("legal basis"), max_length=80, help_text=_("e.g. § 31 SGB VIII")
    )
    code_book = models.CharField(_("code book"), max_length=10, choices=CodeBook)
    category = models.CharField(_("category"), max_length=32, choices=ServiceCategory)
    setting = models.CharField(_("setting"), max_length=20, choices=ServiceSetting)
    description = models.TextField(_("description"), blank=True)
    reference_rate_per_hour = models.DecimalField(
        _("reference rate per service hour (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Used for cost indicators until an agreement sets the rate "
            "between funder and provider."
        ),
    )

    class Meta:
        ordering = ["code_book", "legal_basis", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return f"{self.legal_basis} {self.name}"


class QualityDimension(models.TextChoices):
    """Donabedian's three dimensions of quality."""

    STRUCTURE = "structure", _("Structure and potential")
    PROCESS = "process", _("Process")
    OUTCOME = "outcome", _("Outcome")


class QualityPerspective(models.TextChoices):
    """The four perspectives of a social service (Bartelheimer et al.)."""

    BUSINESS_PROCESS = "business_process", _("Business process")
    INTERACTION = "interaction", _("Interaction")
    SERVICE = "service", _("Service")
    USE = "use", _("Use")


class QualityCriterion(Titled, models.Model):
    """An agreed quality criterion; indicators make it measurable."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=QualityDimension
    )
    perspective = models.CharField(
        _("perspective"), max_length=20, choices=QualityPerspective
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")

    def __str__(self):
        return self.display_title


class IndicatorDefinition(Versioned, models.Model):
    """A quality indicator; what it measures is kept in its versions."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    criterion = models.ForeignKey(
        QualityCriterion,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("quality criterion"),
    )
    owner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_definitions",
        verbose_name=_("owned by"),
        help_text=_("Empty for the built-in catalogue."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["criterion__order", "key"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.key


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    RETIRED = "retired", _("Retired")


class IndicatorVersion(Titled, models.Model):
    """One version of an indicator: its texts and its computable definition.

    ``spec`` holds the declarative definition (fact, kind, population,
    numerator, value, scale, reference range, …) as validated by
    ``dialoq.measures.spec.parse_spec``; it is never evaluated as code.
    """

    definition = models.ForeignKey(
        IndicatorDefinition,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("indicator"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    quality_goal = models.TextField(_("quality goal"))
    rationale = models.TextField(_("rationale"))
    source = models.TextField(_("source"), blank=True)
    spec = models.JSONField(_("definition"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["definition__key", "-version"]
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "version"], name="unique_indicator_version"
            ),
            models.UniqueConstraint(
                fields=["definition"],
                condition=Q(status="in_force"),
                name="one_indicator_version_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.definition.key} v{self.version}"

    @property
    def key(self) -> str:
        return self.definition.key

    def parsed(self):
        """Return the validated definition (``IndicatorSpec``)."""
        from dialoq.measures.spec import parse_spec

        return parse_spec(self.spec)
