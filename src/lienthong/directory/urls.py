from django.urls import path

from lienthong.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<str:code>/", views.agency_detail, name="agency"),
]
