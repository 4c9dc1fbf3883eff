from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        ordering = ["code_book", "legal_basis", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return f"{self.legal_basis} {self.name}"
