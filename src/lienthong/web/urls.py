from django.urls import path

from lienthong.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("can-bo/", views.backoffice, name="backoffice"),
    path("dieu-hanh/", views.dashboard, name="dashboard"),
    path("dieu-hanh/kiem-tra-nhat-ky/", views.start_audit_verification, name="audit-verify"),
    path(
        "dieu-hanh/kiem-tra-nhat-ky/trang-thai/",
        views.audit_verification_status,
        name="audit-verify-status",
    ),
]
