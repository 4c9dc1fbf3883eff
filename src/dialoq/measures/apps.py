import sys

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "dialoq.measures"
    verbose_name = _("Indicators and results")

    def ready(self):
        post_migrate.connect(sync_built_in_catalogue, sender=self)


def sync_built_in_catalogue(sender, *, using, verbosity=1, **kwargs):
    """Bring the built-in indicator catalogue up to date after ``migrate``."""
    apps = kwargs.get("apps") or global_apps  # ``flush`` sends no registry
    try:
        apps.get_model("catalog", "IndicatorVersion")
    except LookupError:  # the catalogue's tables are not (or no longer) there
        return
    from .catalogue import sync_catalogue

    summary = sync_catalogue(using=using, apps=apps)
    if summary.changed and verbosity >= 1:
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(
            "Built-in indicator catalogue: "
            f"{summary.criteria_written} criteria written, "
            f"{summary.definitions_created} indicators added, "
            f"{summary.versions_created} versions put in force, "
            f"{summary.versions_retired} retired.\n"
        )
