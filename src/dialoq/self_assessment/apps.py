import sys

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SelfAssessmentConfig(AppConfig):
    name = "dialoq.self_assessment"
    verbose_name = _("Cooperative self-assessment")

    def ready(self):
        post_migrate.connect(sync_built_in_questionnaires, sender=self)


def sync_built_in_questionnaires(sender, *, using, verbosity=1, **kwargs):
    """Bring the built-in questionnaire templates up to date after ``migrate``."""
    apps = kwargs.get("apps") or global_apps  # ``flush`` sends no registry
    try:
        apps.get_model("self_assessment", "TemplateVersion")
    except LookupError:  # the app's tables are not (or no longer) there
        return
    from .questionnaires import sync_questionnaires

    written = sync_questionnaires(using=using, apps=apps)
    if written and verbosity >= 1:
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(
            f"Built-in self-assessment questionnaires: {written} version(s) written.\n"
        )
