"""The monitoring-runs screen, included into the deviations app's URLs."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.run_list, name="monitor"),
]
