from django.urls import path

from . import views

app_name = "self_assessment"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_start, name="start"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path(
        "<int:pk>/<slug:side>/criteria/<int:number>/",
        views.answer,
        name="answer",
    ),
    path("<int:pk>/<slug:side>/submit/", views.submit, name="submit"),
    path("<int:pk>/comparison/", views.comparison, name="comparison"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/items/<int:item_pk>/propose/", views.propose, name="propose"),
]
