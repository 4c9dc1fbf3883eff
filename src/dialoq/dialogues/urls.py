from django.urls import path

from . import meeting_views, views

app_name = "dialogues"

urlpatterns = [
    path("", views.dialogue_list, name="list"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/freeze/", views.freeze, name="freeze"),
    path("<int:pk>/pack/", views.pack, name="pack"),
    path("<int:pk>/statements/", views.statements, name="statements"),
    path(
        "<int:pk>/statements/request/",
        views.request_statements,
        name="request_statements",
    ),
    path("<int:pk>/pdf/", views.pdf_download, name="pdf"),
    path("<int:pk>/meeting/", meeting_views.meeting, name="meeting"),
    path("<int:pk>/meeting/held/", meeting_views.hold, name="hold"),
    path("<int:pk>/agenda/", meeting_views.add_agenda_item, name="add_agenda_item"),
    path(
        "<int:pk>/agenda/<int:item_pk>/remove/",
        meeting_views.remove_agenda_item,
        name="remove_agenda_item",
    ),
    path(
        "<int:pk>/agenda/<int:item_pk>/minutes/",
        meeting_views.write_minutes,
        name="write_minutes",
    ),
    path(
        "<int:pk>/participants/", meeting_views.add_participant, name="add_participant"
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/remove/",
        meeting_views.remove_participant,
        name="remove_participant",
    ),
    path("<int:pk>/assessments/", meeting_views.assess, name="assess"),
    path("<int:pk>/actions/", meeting_views.add_action, name="add_action"),
    path(
        "<int:pk>/actions/<int:action_pk>/remove/",
        meeting_views.remove_action,
        name="remove_action",
    ),
    path(
        "<int:pk>/actions/<int:action_pk>/review/",
        meeting_views.review_action,
        name="review_action",
    ),
    path(
        "<int:pk>/actions/<int:action_pk>/status/",
        meeting_views.track_action,
        name="track_action",
    ),
    path("<int:pk>/approve/", meeting_views.approve, name="approve"),
    path("<int:pk>/withdraw/", meeting_views.withdraw, name="withdraw"),
]
