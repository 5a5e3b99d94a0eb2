from django.urls import path

from lienthong.groups import views

app_name = "groups"

urlpatterns = [
    path("ho-so/lien-thong/", views.mine, name="mine"),
    path("ho-so/lien-thong/nop/<str:group_code>/", views.file_group, name="file"),
    path("ho-so/lien-thong/<str:code>/", views.detail, name="detail"),
]
