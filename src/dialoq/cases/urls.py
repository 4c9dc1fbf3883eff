from django.urls import path

from dialoq.cases import export_views, planning_views, privacy_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/status/", views.case_status, name="status"),
    path("<int:pk>/close/", views.case_close, name="close"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("<int:pk>/identity/", privacy_views.identity_show, name="identity_show"),
    path("<int:pk>/identity/edit/", privacy_views.identity_edit, name="identity_edit"),
    path(
        "<int:pk>/beneficiary-export/",
        privacy_views.beneficiary_export,
        name="beneficiary_export",
    ),
    path("access-log/", privacy_views.access_log, name="access_log"),
    path("access-log/csv/", privacy_views.access_log_csv, name="access_log_csv"),
    path("exports/", export_views.export_page, name="export_page"),
    # Help plans with goals, reviews, need assessments (planning_views).
    path(
        "<int:pk>/help-plan/", planning_views.help_plan_detail, name="help_plan_detail"
    ),
    path(
        "<int:pk>/help-plan/new/",
        planning_views.help_plan_create,
        name="help_plan_create",
    ),
    path(
        "<int:pk>/help-plan/version-<int:version>/",
        planning_views.help_plan_detail,
        name="help_plan_version",
    ),
    path("<int:pk>/goals/new/", planning_views.goal_create, name="goal_create"),
    path(
        "<int:pk>/goals/<int:goal_pk>/edit/",
        planning_views.goal_edit,
        name="goal_edit",
    ),
    path(
        "<int:pk>/goals/<int:goal_pk>/remove/",
        planning_views.goal_delete,
        name="goal_delete",
    ),
    path("<int:pk>/reviews/new/", planning_views.review_create, name="review_create"),
    path(
        "<int:pk>/reviews/<int:review_pk>/",
        planning_views.review_detail,
        name="review_detail",
    ),
    path(
        "<int:pk>/reviews/<int:review_pk>/rate/",
        planning_views.review_rate,
        name="review_rate",
    ),
    path("<int:pk>/needs/", planning_views.needs_detail, name="needs_detail"),
    path(
        "<int:pk>/needs/<slug:occasion>/",
        planning_views.needs_assess,
        name="needs_assess",
    ),
]
