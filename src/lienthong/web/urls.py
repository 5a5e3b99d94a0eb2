from django.contrib.auth import views as auth_views
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
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
]
