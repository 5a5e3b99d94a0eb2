from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults

from lienthong.api import api
from lienthong.core import views as core_views
from lienthong.core.errors import problem_response
from lienthong.web import views as web_views

admin.site.site_header = "LiênThông — Quản trị"
admin.site.site_title = "LiênThông"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for it whatever the page says.
    path("favicon.ico", web_views.favicon),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("oidc/", include("lienthong.accounts.provider_urls")),
    path("dia-gioi/", include("lienthong.geo.urls")),
    path("co-quan/", include("lienthong.directory.urls")),
    path("open311/v2/", include("lienthong.feedback.open311_urls")),
    path("", include("lienthong.accounts.urls")),
    path("", include("lienthong.catalog.urls")),
    path("", include("lienthong.registries.urls")),
    path("", include("lienthong.steering.urls")),
    path("", include("lienthong.feedback.urls")),
    path("", include("lienthong.groups.urls")),
    path("", include("lienthong.dossiers.urls")),
    path("", include("lienthong.web.urls")),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status=404, code="not-found", title=_("Không tìm thấy"))
    return defaults.page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(
            request, status=400, code="bad-request", title=_("Yêu cầu không hợp lệ")
        )
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=403,
            code="permission-denied",
            title=_("Không có quyền thực hiện thao tác này"),
        )
    return defaults.permission_denied(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status=500, code="internal-error", title=_("Lỗi hệ thống"))
    return defaults.server_error(request)
