from django.urls import path

from lienthong.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("ho-so/", views.my_dossiers, name="mine"),
    path("kho-giay-to/", views.wallet, name="wallet"),
    path("kho-giay-to/<int:doc_id>/", views.wallet_download, name="wallet-download"),
    path("ho-so/nop/<str:procedure_code>/", views.file_online, name="file"),
    path("ho-so/<str:code>/", views.detail, name="detail"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", views.do_action, name="action"),
    path("ho-so/<str:code>/danh-gia/", views.rate, name="rate"),
    path("ho-so/<str:code>/da-nop-phi/", views.confirm_paid, name="confirm-paid"),
    path("ho-so/<str:code>/giay-tiep-nhan.pdf", views.receipt, name="receipt"),
    path("ho-so/<str:code>/ket-qua.pdf", views.result, name="result"),
    path("ho-so/<str:code>/to-khai.pdf", views.declaration, name="declaration"),
    path("ho-so/<str:code>/du-thao-ket-qua.pdf", views.result_draft, name="result-draft"),
    path("ho-so/<str:code>/co-quan-nhan/", views.transfer_targets, name="transfer-targets"),
    path("ho-so/<str:code>/tep/<int:file_id>/", views.download, name="file-download"),
    path("ho-so/<str:code>/du-lieu/<int:file_id>/", views.registry_data, name="registry-data"),
    path("ho-so/<str:code>/mau/<int:number>.pdf", views.form, name="form"),
    path("ho-so/<str:code>/gia-han/", views.extend, name="extend"),
    path("can-bo/ho-so/so-theo-doi.pdf", views.register, name="register"),
    path("can-bo/ho-so/", views.queues, name="queues"),
    path("can-bo/ho-so/tiep-nhan/", views.counter_intake, name="counter"),
    path("tra-cuu/", views.public_track, name="track"),
    path("thong-bao/", views.notifications, name="notifications"),
]
