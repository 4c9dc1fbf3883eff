from django.urls import path

from . import process_urls, views

app_name = "catalog"

urlpatterns = [
    *process_urls.urlpatterns,
    path("", views.framework, name="framework"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<slug:key>/", views.indicator, name="indicator"),
    path("indicators/<slug:key>/copy/", views.indicator_copy, name="indicator_copy"),
    path(
        "indicators/<slug:key>/versions/new/",
        views.version_create,
        name="version_create",
    ),
    path(
        "indicators/<slug:key>/versions/<int:version>/",
        views.version_detail,
        name="version",
    ),
    path(
        "indicators/<slug:key>/versions/<int:version>/edit/",
        views.version_edit,
        name="version_edit",
    ),
    path(
        "indicators/<slug:key>/versions/<int:version>/put-in-force/",
        views.version_put_in_force,
        name="version_put_in_force",
    ),
]
