import sys

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "dialoq.catalog"
    verbose_name = _("Catalogue")

    def ready(self):
        post_migrate.connect(sync_built_in_processes, sender=self)


def sync_built_in_processes(sender, *, using, verbosity=1, **kwargs):
    """Bring the built-in key processes and process standards up to date."""
    apps = kwargs.get("apps") or global_apps  # ``flush`` sends no registry
    try:
        apps.get_model("catalog", "ProcessStandardVersion")
    except LookupError:  # the tables are not (or no longer) there
        return
    from .standards.catalogue import sync_catalogue

    summary = sync_catalogue(using=using, apps=apps)
    if summary.changed and verbosity >= 1:
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(
            "Built-in key processes and standards: "
            f"{summary.processes_created} processes and "
            f"{summary.standards_created} standards added, "
            f"{summary.versions_created} versions put in force, "
            f"{summary.versions_retired} retired.\n"
        )
