from django.urls import path

from lienthong.feedback import views

app_name = "feedback"

urlpatterns = [
    path("phan-anh/", views.public_list, name="public"),
    path("phan-anh/gui/", views.send, name="send"),
    path("phan-anh/cua-toi/", views.mine, name="mine"),
    path("phan-anh/<str:code>/", views.detail, name="detail"),
    path("phan-anh/<str:code>/buoc/<str:action>/", views.act, name="act"),
    path("phan-anh/<str:code>/tep/<int:file_id>/", views.file, name="file"),
    path("phan-anh/<str:code>/co-quan-nhan/", views.transfer_targets, name="transfer-targets"),
    path("can-bo/phan-anh/", views.queue, name="queue"),
    path("can-bo/phan-anh/tiep-nhan/", views.counter, name="counter"),
    path("giam-sat/", views.supervision, name="supervision"),
]
