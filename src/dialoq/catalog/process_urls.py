"""URL patterns of key processes and process standards (part of ``catalog``)."""

from django.urls import path

from . import process_views as views

urlpatterns = [
    path("processes/", views.process_list, name="processes"),
    path("processes/new/", views.process_create, name="process_create"),
    path("processes/<slug:key>/", views.process_detail, name="process"),
    path("processes/<slug:key>/copy/", views.process_copy, name="process_copy"),
    path(
        "processes/<slug:key>/versions/new/",
        views.process_version_create,
        name="process_version_create",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/",
        views.process_version,
        name="process_version",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/edit/",
        views.process_version_edit,
        name="process_version_edit",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/put-in-force/",
        views.process_put_in_force,
        name="process_put_in_force",
    ),
    path("standards/", views.standard_list, name="standards"),
    path("standards/new/", views.standard_create, name="standard_create"),
    path("standards/<slug:key>/", views.standard_detail, name="standard"),
    path("standards/<slug:key>/copy/", views.standard_copy, name="standard_copy"),
    path(
        "standards/<slug:key>/versions/new/",
        views.standard_version_create,
        name="standard_version_create",
    ),
    path(
        "standards/<slug:key>/versions/<int:version>/",
        views.standard_version,
        name="standard_version",
    ),
    path(
        "standards/<slug:key>/versions/<int:version>/edit/",
        views.standard_version_edit,
        name="standard_version_edit",
    ),
    path(
        "standards/<slug:key>/versions/<int:version>/put-in-force/",
        views.standard_put_in_force,
        name="standard_put_in_force",
    ),
]
