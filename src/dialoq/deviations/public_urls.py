"""The public complaint form, mounted at ``/beschwerde/`` without an account."""

from django.urls import path

from dialoq.deviations import public_views

app_name = "complaints_public"

urlpatterns = [
    path("", public_views.complaint_form, name="form"),
    path("danke/", public_views.thanks, name="thanks"),
]
