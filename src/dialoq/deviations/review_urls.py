"""Screens of compliance with standards and of standards flagged for review."""

from django.urls import path

from dialoq.deviations import review_views

urlpatterns = [
    path("compliance/", review_views.compliance, name="compliance"),
    path(
        "compliance/<int:pk>/",
        review_views.compliance_standard,
        name="compliance_standard",
    ),
    path("review/", review_views.review_flags, name="review_flags"),
    path("review/<int:pk>/", review_views.review_flag, name="review_flag"),
]
