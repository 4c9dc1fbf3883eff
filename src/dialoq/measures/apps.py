from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "dialoq.measures"
    verbose_name = _("Indicators and results")
