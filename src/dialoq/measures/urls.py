from django.urls import path

from . import export_views, run_views, views

app_name = "measures"

urlpatterns = [
    path("runs/", run_views.run_list, name="runs"),
    path("", views.dashboard_page, name="dashboard"),
    path("exports/results/", export_views.export_results, name="export_results"),
    # Keep last: an indicator key is any slug.
    path("<slug:key>/", views.indicator_page, name="indicator"),
]
