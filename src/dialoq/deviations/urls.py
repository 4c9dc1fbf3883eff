"""Screens of the register of deviations; other modules of the app add theirs here."""

from django.urls import include, path

from dialoq.deviations import export_views, views

app_name = "deviations"

urlpatterns = [
    path("", views.register, name="register"),
    path("complaints/", include("dialoq.deviations.complaint_urls")),
    path("", include("dialoq.deviations.review_urls")),
    path("board/", views.board, name="board"),
    path("monitor/", include("dialoq.deviations.monitor.urls")),
    path("report/", views.report, name="report"),
    path("export/", export_views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/step/", views.transition, name="transition"),
    path("<int:pk>/actions/", views.add_action, name="add_action"),
    path(
        "<int:pk>/actions/<int:action_pk>/done/",
        views.complete_action,
        name="complete_action",
    ),
    path(
        "<int:pk>/actions/<int:action_pk>/cancel/",
        views.cancel_action,
        name="cancel_action",
    ),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/comment/", views.comment, name="comment"),
]
