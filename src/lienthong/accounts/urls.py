from django.urls import path

from lienthong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_page, name="login"),
    path("dang-nhap/oidc/<slug:issuer>/", views.oidc_start, name="oidc-start"),
    path("dang-nhap/oidc/<slug:issuer>/callback/", views.oidc_callback, name="oidc-callback"),
    path("dang-nhap/xac-thuc-hai-buoc/", views.second_factor, name="second-factor"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("tai-khoan/", views.my_account, name="my-account"),
    path("tai-khoan/xac-thuc-hai-buoc/", views.totp_setup, name="totp-setup"),
    path("can-bo/co-quan/", views.my_agencies, name="my-agencies"),
    path("can-bo/co-quan/<str:code>/can-bo/", views.agency_officials, name="agency-officials"),
    path("can-bo/vai-tro/<int:assignment_id>/thu-hoi/", views.revoke, name="revoke-role"),
    path("can-bo/co-quan/<str:code>/he-thong/", views.api_clients, name="api-clients"),
]
