from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/versions/<int:number>/changes/", views.version_diff, name="diff"),
    path("<int:pk>/versions/<int:number>/approve/", views.approve, name="approve"),
    path("<int:pk>/versions/<int:number>/reject/", views.reject, name="reject"),
    path("<int:pk>/versions/<int:number>/withdraw/", views.withdraw, name="withdraw"),
]
