from django.urls import path

from lienthong.geo import views

app_name = "geo"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("don-vi/<str:code>/", views.unit_detail, name="unit"),
    path("chuyen-doi/", views.convert_one, name="convert-one"),
    path("chuyen-doi-tep/", views.upload, name="upload"),
    path("chuyen-doi-tep/<uuid:job_uuid>/", views.job, name="job"),
    path("chuyen-doi-tep/<uuid:job_uuid>/tai-ve/", views.job_download, name="job-download"),
]
