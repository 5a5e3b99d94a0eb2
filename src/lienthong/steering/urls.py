from django.urls import path

from lienthong.steering import views

app_name = "steering"

urlpatterns = [
    path("dieu-hanh/ke-hoach-02/", views.tasks, name="tasks"),
    path("dieu-hanh/ke-hoach-02/nhap/", views.import_tasks, name="import"),
    path("dieu-hanh/ke-hoach-02/<str:code>/", views.task, name="task"),
    path("dieu-hanh/ke-hoach-02/<str:code>/buoc/<str:action>/", views.act, name="act"),
    path(
        "dieu-hanh/ke-hoach-02/<str:code>/minh-chung/<int:evidence_id>/",
        views.evidence,
        name="evidence",
    ),
]
