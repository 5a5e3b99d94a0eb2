from django.urls import path

from lienthong.registries import views

app_name = "registries"

urlpatterns = [
    path("du-lieu-cua-toi/", views.my_data, name="my-data"),
    path("du-lieu-cua-toi/nhat-ky/", views.my_accesses, name="my-accesses"),
    path(
        "du-lieu-cua-toi/nhat-ky/<int:access_id>/phan-anh/",
        views.report_access,
        name="report-access",
    ),
    path("can-bo/khai-thac-du-lieu/", views.lookup, name="lookup"),
    path("can-bo/co-so-du-lieu/", views.owned, name="owned"),
    path("can-bo/co-so-du-lieu/<slug:code>/", views.registry_page, name="registry"),
    path("can-bo/co-so-du-lieu/<slug:code>/chat-luong/", views.quality_page, name="quality"),
    path("can-bo/co-so-du-lieu/<slug:code>/dia-chi/", views.addresses_page, name="addresses"),
    path("can-bo/quyen-khai-thac/<int:grant_id>/thu-hoi/", views.revoke_grant, name="revoke-grant"),
    path("can-bo/canh-bao-du-lieu/<int:alert_id>/dong/", views.close_alert, name="close-alert"),
]
