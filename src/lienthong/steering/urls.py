from django.urls import path

from lienthong.steering import dashboards, views

app_name = "steering"

urlpatterns = [
    path("dieu-hanh/chi-so/", dashboards.index, name="index"),
    path("dieu-hanh/chi-so/ho-so/", dashboards.drill, name="drill"),
    path("dieu-hanh/chi-so/cong-thuc/", dashboards.formulas, name="formulas"),
    path("dieu-hanh/chi-so/su-kien/", dashboards.live, name="live"),
    path("dieu-hanh/chi-so/phien-ban/", dashboards.poll, name="poll"),
    path("dieu-hanh/canh-bao/", dashboards.alerts, name="alerts"),
    path("dieu-hanh/canh-bao/<int:pk>/", dashboards.alert, name="alert"),
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
