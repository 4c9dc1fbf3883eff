"""Key processes with their interfaces, and process standards as checkable rules.

Both are versioned like indicators: texts and content live in versions, one
version is in force at a time, and an owner of ``None`` marks the built-in
catalogue. A standard's ``rule`` is declarative data in the format of
``dialoq.catalog.standards.parse_rule``; it is never evaluated as code.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.catalog.models.indicators import (
    QualityPerspective,
    Titled,
    Versioned,
    VersionStatus,
)


class ProcessParty(models.TextChoices):
    """Who is responsible for a step or takes part in an interface."""

    FUNDER = "funder", _("Funder")
    PROVIDER = "provider", _("Provider")
    BENEFICIARY = "beneficiary", _("Beneficiary")


class InterfaceForm(models.TextChoices):
    """In which form information passes an interface."""

    WRITTEN = "written", _("In writing")
    ELECTRONIC = "electronic", _("Electronically")
    MEETING = "meeting", _("In a meeting")
    PHONE = "phone", _("By phone")
    FORM = "form", _("On the agreed form")


class KeyProcess(Versioned, models.Model):
    """A key process (Schlüsselprozess); its steps are kept in its versions."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    owner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_processes",
        verbose_name=_("owned by"),
        help_text=_("Empty for the built-in catalogue."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["key"]
        verbose_name = _("key process")
        verbose_name_plural = _("key processes")

    def __str__(self):
        return self.key


class KeyProcessVersion(Titled, models.Model):
    """One version of a key process: its purpose, steps and interfaces."""

    process = models.ForeignKey(
        KeyProcess,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("key process"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True)
    service_types = models.ManyToManyField(
        "catalog.ServiceType",
        blank=True,
        related_name="key_process_versions",
        verbose_name=_("service types"),
        help_text=_("Empty when the process applies to every service type."),
    )
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
        ordering = ["process__key", "-version"]
        verbose_name = _("key process version")
        verbose_name_plural = _("key process versions")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "version"], name="unique_key_process_version"
            ),
            models.UniqueConstraint(
                fields=["process"],
                condition=Q(status="in_force"),
                name="one_key_process_version_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.process.key} v{self.version}"

    @property
    def key(self) -> str:
        return self.process.key


class ProcessStep(models.Model):
    """One step of a key process and the party responsible for it."""

    process_version = models.ForeignKey(
        KeyProcessVersion,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("key process version"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.SlugField(_("key"), max_length=60)
    title = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsible = models.CharField(
        _("responsible"), max_length=12, choices=ProcessParty
    )

    class Meta:
        ordering = ["process_version", "order"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        constraints = [
            models.UniqueConstraint(
                fields=["process_version", "order"], name="unique_step_order"
            ),
            models.UniqueConstraint(
                fields=["process_version", "key"], name="unique_step_key"
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.title}"


class ProcessInterface(models.Model):
    """An information duty: who informs whom about what, when, in which form."""

    process_version = models.ForeignKey(
        KeyProcessVersion,
        on_delete=models.CASCADE,
        related_name="interfaces",
        verbose_name=_("key process version"),
    )
    step = models.ForeignKey(
        ProcessStep,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interfaces",
        verbose_name=_("at step"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    from_party = models.CharField(_("from"), max_length=12, choices=ProcessParty)
    to_party = models.CharField(_("to"), max_length=12, choices=ProcessParty)
    subject = models.CharField(_("about what"), max_length=300)
    trigger = models.CharField(
        _("when or on which trigger"),
        max_length=300,
        help_text=_("e.g. at the latest 14 days before the review"),
    )
    form = models.CharField(_("in which form"), max_length=12, choices=InterfaceForm)
    consensus = models.TextField(
        _("how consensus is reached and conflicts are resolved"), blank=True
    )

    class Meta:
        ordering = ["process_version", "order"]
        verbose_name = _("interface")
        verbose_name_plural = _("interfaces")
        constraints = [
            models.UniqueConstraint(
                fields=["process_version", "order"], name="unique_interface_order"
            ),
        ]

    def __str__(self):
        return self.subject


class ProcessStandard(Versioned, models.Model):
    """A process standard; its checkable rule is kept in its versions."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    owner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process_standards",
        verbose_name=_("owned by"),
        help_text=_("Empty for the built-in catalogue."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["key"]
        verbose_name = _("process standard")
        verbose_name_plural = _("process standards")

    def __str__(self):
        return self.key


class DeviationSeverity(models.TextChoices):
    """How serious a deviation is; a standard says which severity its breaches get."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ProcessStandardVersion(Titled, models.Model):
    """One version of a process standard: its texts and its checkable rule.

    ``rule`` holds the declarative rule (kind, events, duration, scope) as
    validated by ``dialoq.catalog.standards.parse_rule``.
    """

    standard = models.ForeignKey(
        ProcessStandard,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("process standard"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    quality_goal = models.TextField(_("quality goal"))
    rationale = models.TextField(_("rationale"), blank=True)
    source = models.TextField(_("source"), blank=True)
    perspective = models.CharField(
        _("perspective"), max_length=20, choices=QualityPerspective
    )
    key_process = models.ForeignKey(
        KeyProcess,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="standard_versions",
        verbose_name=_("key process"),
    )
    step_key = models.SlugField(
        _("process step"),
        max_length=60,
        blank=True,
        help_text=_("Key of the step of the key process the standard governs."),
    )
    responsible = models.CharField(
        _("responsible"),
        max_length=12,
        choices=ProcessParty,
        help_text=_("Whose duty the standard describes; breaches go to them."),
    )
    severity = models.CharField(
        _("severity of a breach"),
        max_length=10,
        choices=DeviationSeverity,
        default=DeviationSeverity.MEDIUM,
    )
    rule = models.JSONField(_("rule"))
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
        ordering = ["standard__key", "-version"]
        verbose_name = _("process standard version")
        verbose_name_plural = _("process standard versions")
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "version"], name="unique_standard_version"
            ),
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(status="in_force"),
                name="one_standard_version_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.standard.key} v{self.version}"

    @property
    def key(self) -> str:
        return self.standard.key

    def parsed(self):
        """Return the validated rule (``dialoq.catalog.standards.Rule``)."""
        from dialoq.catalog.standards import parse_rule

        return parse_rule(self.rule)
