from django.urls import include, path
from django.views.i18n import set_language

from dialoq import views
from dialoq.accounts.admin import admin_site
from dialoq.catalog import admin as catalog_admin  # noqa: F401 (registers models)

urlpatterns = [
    path("", views.start, name="start"),
    path("accounts/", include("dialoq.accounts.urls")),
    path("cases/", include("dialoq.cases.urls")),
    path("feedback/", include("dialoq.feedback.urls")),
    path("beschwerde/", include("dialoq.deviations.public_urls")),
    path("indicators/", include("dialoq.measures.urls")),
    path("catalogue/", include("dialoq.catalog.urls")),
    path("deviations/", include("dialoq.deviations.urls")),
    path("notifications/", include("dialoq.notifications.urls")),
    path("self-assessment/", include("dialoq.self_assessment.urls")),
    path("dialogues/", include("dialoq.dialogues.urls")),
    path("agreements/", include("dialoq.agreements.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin_site.urls),
]
