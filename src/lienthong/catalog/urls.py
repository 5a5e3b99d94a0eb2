from django.urls import path

from lienthong.catalog import views

app_name = "catalog"

urlpatterns = [
    path("thu-tuc/", views.index, name="index"),
    path("thu-tuc/noi-hoi/", views.help_desk, name="help-desk"),
    path("thu-tuc/nhom/<str:code>/", views.group, name="group"),
    path("thu-tuc/<str:code>/", views.detail, name="detail"),
    path("can-bo/thu-tuc/", views.manage, name="manage"),
    path("can-bo/thu-tuc/them/", views.edit, name="create"),
    path("can-bo/thu-tuc/nhap/", views.import_file, name="import"),
    path("can-bo/thu-tuc/xuat.<str:fmt>", views.export, name="export"),
    path("can-bo/thu-tuc/tu-dien/", views.lexicon, name="lexicon"),
    path("can-bo/thu-tuc/tra-cuu/", views.search_report, name="search-report"),
    path(
        "can-bo/thu-tuc/tra-cuu/xuat.<str:fmt>",
        views.search_report_export,
        name="search-report-export",
    ),
    path("can-bo/thu-tuc/tu-dien/nhap/", views.lexicon_import, name="lexicon-import"),
    path("can-bo/thu-tuc/tu-dien/xuat.<str:fmt>", views.lexicon_export, name="lexicon-export"),
    path("can-bo/thu-tuc/tu-dien/<int:pk>/", views.lexicon_edit, name="lexicon-edit"),
    path("can-bo/thu-tuc/tu-dien/<int:pk>/xoa/", views.lexicon_delete, name="lexicon-delete"),
    path("can-bo/thu-tuc/<str:code>/", views.manage_procedure, name="manage-procedure"),
    path("can-bo/thu-tuc/<str:code>/sua/", views.edit, name="edit"),
    path("can-bo/thu-tuc/<str:code>/cong-bo/", views.publish, name="publish"),
]
