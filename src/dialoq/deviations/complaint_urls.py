"""Screens of complaints for staff, included into ``deviations/urls.py``.

The patterns join the ``deviations`` namespace (``deviations:complaint_list``);
the public form has its own module, ``public_urls.py``.
"""

from django.urls import path

from dialoq.deviations import complaint_views

urlpatterns = [
    path("", complaint_views.complaint_list, name="complaint_list"),
    path("record/", complaint_views.complaint_record, name="complaint_record"),
    path("form-link/", complaint_views.complaint_form_link, name="complaint_form_link"),
    path("<int:pk>/", complaint_views.complaint_detail, name="complaint_detail"),
    path(
        "<int:pk>/acknowledge/",
        complaint_views.complaint_acknowledge,
        name="complaint_acknowledge",
    ),
    path("<int:pk>/answer/", complaint_views.complaint_answer, name="complaint_answer"),
    path("<int:pk>/close/", complaint_views.complaint_close, name="complaint_close"),
    path(
        "<int:pk>/deviation/",
        complaint_views.complaint_open_deviation,
        name="complaint_open_deviation",
    ),
]
