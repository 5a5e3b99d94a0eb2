"""Open311 GeoReport v2 at /open311/v2/ (lienthong.feedback.open311; docs/open311.md).
Each resource ends with its format (``.json``; any other is answered with a 400)."""

from django.urls import re_path

from lienthong.feedback import open311

app_name = "open311"

_FORMAT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + _FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, open311.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]{1,40})" + _FORMAT,
        open311.service_definition,
        name="service",
    ),
    re_path(r"^requests" + _FORMAT, open311.service_requests, name="requests"),
    re_path(r"^requests/(?P<code>[^/]{1,40})" + _FORMAT, open311.request_detail, name="request"),
    re_path(r"^(?P<rest>.*)$", open311.not_found),
]
