"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the reports:
other systems and Open311 apps list the services (one per public category), file a
report, and read the published ones — JSON only (docs/open311.md).

What is read is what the public page shows: published reports, with the personal data
removed when the answer was published (``public_text``, ``public_answer``); never the
sender's name, phone, e-mail, address or the text as sent. Filing needs a bearer token
of the platform (``api_key`` or ``Authorization: Bearer``): a person's token files as that
person, a system's token files for someone who leaves a phone number or an e-mail.

Errors are Open311's: a JSON list of ``{"code": <HTTP status>, "description": "…"}``,
403 without a valid token, 404 for what does not exist (or is not published), 400 for
any other bad input (each description names the field).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from lienthong.accounts.auth import SystemPrincipal, bearer
from lienthong.accounts.oidc import public_url
from lienthong.core.engine import bad
from lienthong.core.errors import DomainError, InvalidInput, NotFound, printable
from lienthong.core.text import clean_param
from lienthong.feedback import selectors, services
from lienthong.feedback.constants import ANSWER_DAYS, CLOSED, DECIDE_DAYS, Category, Channel

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from lienthong.accounts.models import User
    from lienthong.feedback.models import Report

__all__ = [
    "LIMIT",
    "SERVICES",
    "discovery",
    "not_found",
    "request_detail",
    "service_definition",
    "service_list",
    "service_requests",
    "title_of",
]

SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
#: When what this endpoint offers last changed (Open311 service discovery).
CHANGESET: Final = "2026-12-07T00:00:00+07:00"
#: The most requests one GET answers (GeoReport v2: 1,000), and the default window.
LIMIT: Final = 1000
WINDOW: Final = dt.timedelta(days=90)
#: The title of a report filed through Open311: the description's first sentence, cut.
TITLE_LENGTH: Final = 80
DESCRIPTION_LENGTH: Final = 5000
JSON_TYPE: Final = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Service:
    """One Open311 service: a public category of reports."""

    category: Category
    description: StrOrPromise
    keywords: StrOrPromise
    group: StrOrPromise


_PUBLIC_SERVICE = gettext_lazy("Hành chính công")

#: Every category open to the public (not the Front's supervision), by service_code.
SERVICES: Final[dict[str, Service]] = {
    s.category.value: s
    for s in (
        Service(
            Category.PROCEDURE,
            gettext_lazy(
                "Phản ánh về việc giải quyết thủ tục hành chính, hồ sơ: chậm, trễ hẹn, "
                "đòi thêm giấy tờ, thu phí, lệ phí không đúng quy định."
            ),
            gettext_lazy("thủ tục, hồ sơ, trễ hẹn, giấy tờ, phí, lệ phí"),
            _PUBLIC_SERVICE,
        ),
        Service(
            Category.REGULATION,
            gettext_lazy(
                "Kiến nghị về quy định hành chính: quy định chưa rõ, chồng chéo, "
                "không phù hợp với thực tế."
            ),
            gettext_lazy("quy định, chính sách, văn bản, kiến nghị"),
            _PUBLIC_SERVICE,
        ),
        Service(
            Category.CONDUCT,
            gettext_lazy(
                "Phản ánh về thái độ, hành vi của cán bộ, công chức khi phục vụ người dân, "
                "doanh nghiệp."
            ),
            gettext_lazy("cán bộ, công chức, thái độ, nhũng nhiễu, phục vụ"),
            _PUBLIC_SERVICE,
        ),
        Service(
            Category.INFRASTRUCTURE,
            gettext_lazy(
                "Phản ánh về hạ tầng, dịch vụ công cộng ở địa phương: đường sá, chiếu sáng, "
                "cấp thoát nước, vệ sinh môi trường."
            ),
            gettext_lazy("đường, đèn đường, chiếu sáng, nước, rác, môi trường, ngập"),
            gettext_lazy("Hạ tầng, dịch vụ công cộng"),
        ),
        Service(
            Category.OTHER,
            gettext_lazy("Phản ánh, kiến nghị khác về hoạt động của cơ quan hành chính."),
            gettext_lazy("khác, kiến nghị, phản ánh"),
            gettext_lazy("Khác"),
        ),
    )
}

#: The names ``services.submit`` gives its bad inputs, as an Open311 client sent them.
_FIELDS: Final = {
    "category": "service_code",
    "title": "description",
    "text": "description",
    "commune": "attribute[xa]",
    "procedure": "attribute[thu_tuc]",
    "contact_name": "first_name, last_name",
    "contact_phone": "phone",
    "contact_email": "email",
    "lat": "lat, long",
    "address": "address_string",
}
_COMMUNE_CODE: Final = re.compile(r"[0-9]{5}")
#: The end of the first sentence: . ! ? … then a space, or a line break.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?…])\s|\n")
#: "+07:00" read from a query string where "+" was not escaped (it arrives as a space).
_UNESCAPED_OFFSET: Final = re.compile(r" (\d{2}(?::?\d{2})?)$")

View = Callable[..., HttpResponse]


# --------------------------------------------------------------------------- answers


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        safe=False,
        content_type=JSON_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _errors(status: int, descriptions: Iterable[str]) -> JsonResponse:
    """Open311's error answer: ``[{"code": status, "description": "…"}, …]``."""
    return _json([{"code": status, "description": str(d)} for d in descriptions], status)


def _domain_error(exc: DomainError) -> JsonResponse:
    """A service's refusal in Open311's form: 400 for bad input (Open311 has no 422),
    otherwise the error's own status (403, 404, 409, 429)."""
    status = 400 if isinstance(exc, InvalidInput) else exc.status
    if exc.invalid_params:
        descriptions = [
            f"{_FIELDS.get(p.name, printable(p.name))}: {p.reason}" for p in exc.invalid_params
        ]
    else:
        descriptions = [str(exc.detail)]
    response = _errors(status, descriptions)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


def _open311(*methods: str) -> Callable[[View], View]:
    """A view of this endpoint: the methods it answers (405 otherwise), JSON only (400 for
    any other format), domain errors as Open311 errors."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = _errors(
                    405,
                    [
                        _("Phương thức %(method)s không được hỗ trợ ở địa chỉ này.")
                        % {"method": printable(request.method or "")}
                    ],
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            if fmt.lower() != "json":
                return _errors(
                    400,
                    [
                        _(
                            "Chỉ hỗ trợ định dạng JSON: hãy gọi địa chỉ kết thúc bằng .json "
                            "(không hỗ trợ .%(format)s)."
                        )
                        % {"format": printable(fmt[:20])}
                    ],
                )
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return _domain_error(exc)

        return wrapped

    return decorate


def _iso(moment: dt.datetime | None) -> str | None:
    """W3C/ISO 8601 with the offset (+07:00), as GeoReport v2 requires."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _when(moment: dt.datetime) -> str:
    """ "11:30 ngày 09/12/2026" (Vietnam's time)."""
    return _("%(time)s ngày %(day)s") % {
        "time": f"{timezone.localtime(moment):%H:%M}",
        "day": f"{timezone.localtime(moment):%d/%m/%Y}",
    }


# --------------------------------------------------------------------------- services


@_open311("GET")
def discovery(request: HttpRequest) -> HttpResponse:
    """Open311 service discovery: where this endpoint is and what it speaks."""
    return _json(
        {
            "changeset": CHANGESET,
            "contact": _("Quản trị nền tảng LiênThông"),
            "key_service": _(
                "Dùng access token OAuth2 của nền tảng (của người dân, hoặc của hệ thống do "
                "quản trị cơ quan đăng ký) làm api_key."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{public_url()}/open311/v2",
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


def _service(code: str, service: Service) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": str(service.category.label),
        "description": str(service.description),
        "metadata": True,
        "type": "realtime",
        "keywords": str(service.keywords),
        "group": str(service.group),
    }


@_open311("GET")
def service_list(request: HttpRequest) -> HttpResponse:
    return _json([_service(code, service) for code, service in SERVICES.items()])


def _service_or_404(code: str) -> Service:
    service = SERVICES.get(code)
    if service is None:
        raise NotFound(
            _("Không có dịch vụ (service_code) %(code)s.") % {"code": printable(code[:40])}
        )
    return service


def _attributes(code: str) -> list[dict[str, Any]]:
    attributes: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": "xa",
            "datatype": "string",
            "required": True,
            "datatype_description": _(
                "Mã xã, phường, đặc khu gồm 5 chữ số theo danh mục đơn vị hành chính (ví dụ 13786)."
            ),
            "order": 1,
            "description": _(
                "Xã, phường nơi xảy ra việc phản ánh. Có thể gửi mã này trong address_id "
                "thay cho attribute[xa]."
            ),
        }
    ]
    if code == Category.PROCEDURE:
        attributes.append(
            {
                "variable": True,
                "code": "thu_tuc",
                "datatype": "string",
                "required": False,
                "datatype_description": _(
                    "Mã thủ tục hành chính trong Cơ sở dữ liệu quốc gia về thủ tục hành chính "
                    "(ví dụ 1.001193)."
                ),
                "order": 2,
                "description": _(
                    "Thủ tục được phản ánh, nếu có: phản ánh được chuyển đến cơ quan có thẩm "
                    "quyền giải quyết thủ tục này ở xã, phường đã chọn."
                ),
            }
        )
    return attributes


@_open311("GET")
def service_definition(request: HttpRequest, service_code: str) -> HttpResponse:
    _service_or_404(service_code)
    return _json({"service_code": service_code, "attributes": _attributes(service_code)})


# --------------------------------------------------------------------------- reading

#: What a request of the public list shows, and nothing else is read.
_PUBLIC_FIELDS: Final = (
    "code",
    "category",
    "status",
    "public_text",
    "public_answer",
    "submitted_at",
    "published_at",
    "due_at",
    "latitude",
    "longitude",
    "commune__name",
    "commune__code",
    "province__name",
    "handling_agency__name",
)


def _published() -> QuerySet[Report]:
    """Published reports of the public categories, only the columns they show."""
    return (
        selectors.public_reports()
        .filter(category__in=list(SERVICES))
        .only(*_PUBLIC_FIELDS)
        .order_by("-submitted_at", "-id")
    )


def _address(report: Report) -> str:
    """The commune and the province: where it happened, never the sender's address."""
    parts = []
    if report.commune is not None:
        parts.append(report.commune.name)
    if report.province_id != report.commune_id:
        parts.append(report.province.name)
    return ", ".join(parts)


def _request(report: Report) -> dict[str, Any]:
    closed = report.status in CLOSED
    if closed:
        notice = _("Cơ quan đã trả lời, công bố lúc %(date)s; nội dung trả lời ở status_notes.")
        when = report.published_at
    else:
        notice = _(
            "Người gửi chưa đồng ý với trả lời đã công bố; phản ánh đang được xử lý lại, "
            "hạn trả lời %(date)s."
        )
        when = report.due_at
    service = SERVICES[report.category]
    return {
        "service_request_id": report.code,
        "status": "closed" if closed else "open",
        "status_notes": report.public_answer,
        "service_name": str(service.category.label),
        "service_code": report.category,
        "description": report.public_text,
        "agency_responsible": report.handling_agency.name,
        "service_notice": notice % {"date": _when(when)} if when else "",
        "requested_datetime": _iso(report.submitted_at),
        "updated_datetime": _iso(report.published_at or report.submitted_at),
        "expected_datetime": _iso(report.due_at),
        "address": _address(report),
        "address_id": report.commune.code if report.commune is not None else "",
        "zipcode": "",
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": "",
    }


def _listed(query: QueryDict, name: str) -> list[str]:
    """A parameter given once or several times, each comma-separated; empty ones left out."""
    values: list[str] = []
    for raw in query.getlist(name):
        for part in clean_param(name, raw, max_length=40_000).split(","):
            value = part.strip()
            if value and value not in values:
                values.append(value)
    return values


def _moment(query: QueryDict, name: str, *, end: bool) -> dt.datetime | None:
    """``start_date``/``end_date``: a W3C datetime (no offset: Vietnam's time) or a day
    (``end_date``'s day is included whole)."""
    raw = clean_param(name, query.get(name, ""), max_length=40)
    if not raw:
        return None
    raw = _UNESCAPED_OFFSET.sub(r"+\1", raw)
    try:
        day = parse_date(raw)  # first: a day alone also reads as a datetime at 00:00
        if day is not None:
            if end:
                day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time()) - dt.timedelta(
                microseconds=1 if end else 0
            )
        else:
            parsed = parse_datetime(raw)
            if parsed is None:
                raise ValueError(raw)
            moment = parsed
    except (ValueError, OverflowError) as exc:
        raise bad(
            name,
            "invalid_datetime",
            _("Ngày giờ phải theo ISO 8601, ví dụ 2026-12-01T00:00:00+07:00 hoặc 2026-12-01."),
        ) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _window(query: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    """The requested-date window: the last 90 days unless given; at most 90 days."""
    start = _moment(query, "start_date", end=False)
    end = _moment(query, "end_date", end=True)
    if start is not None and end is not None:
        if end < start:
            raise bad("end_date", "before_start", _("end_date phải sau start_date."))
        # A second of leeway: 00:00 to 00:00 ninety days later, or 90 whole days.
        if end - start > WINDOW + dt.timedelta(seconds=1):
            raise bad(
                "end_date",
                "window_too_long",
                _("Khoảng từ start_date đến end_date tối đa %(days)s ngày.")
                % {"days": WINDOW.days},
            )
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    now = timezone.now()
    return now - WINDOW, now


def _list(request: HttpRequest) -> HttpResponse:
    query = request.GET
    rows = _published()
    ids = _listed(query, "service_request_id")
    if ids:  # GeoReport v2: overrides every other parameter
        if len(ids) > LIMIT:
            raise bad(
                "service_request_id",
                "too_many",
                _("Tối đa %(n)s mã trong service_request_id.") % {"n": LIMIT},
            )
        rows = rows.filter(code__in=[i[:30] for i in ids])
    else:
        codes = _listed(query, "service_code")
        unknown = [c for c in codes if c not in SERVICES]
        if unknown:
            raise bad(
                "service_code",
                "unknown_service",
                _("Không có dịch vụ (service_code) %(code)s.")
                % {"code": printable(unknown[0][:40])},
            )
        if codes:
            rows = rows.filter(category__in=codes)
        statuses = {s.lower() for s in _listed(query, "status")}
        if statuses - {"open", "closed"}:
            raise bad(
                "status", "unknown_status", _("status chỉ nhận open, closed (cách nhau dấu phẩy).")
            )
        if statuses == {"closed"}:
            rows = rows.filter(status__in=list(CLOSED))
        elif statuses == {"open"}:
            rows = rows.exclude(status__in=list(CLOSED))
        start, end = _window(query)
        rows = rows.filter(submitted_at__gte=start, submitted_at__lte=end)
    return _json([_request(r) for r in rows[:LIMIT]])


@_open311("GET")
def request_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One published request, as a one-element list; 404 when it is not published."""
    report = _published().filter(code=code.strip()[:30]).first()
    if report is None:
        raise NotFound(_("Không tìm thấy phản ánh %(code)s.") % {"code": printable(code[:40])})
    return _json([_request(report)])


# --------------------------------------------------------------------------- filing


def title_of(description: str) -> str:
    """The first sentence of ``description``, at most 80 characters (cut at a word)."""
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0].strip()
    if len(first) > TITLE_LENGTH:
        cut = first[: TITLE_LENGTH - 1]
        space = cut.rfind(" ")
        if space >= TITLE_LENGTH // 2:
            cut = cut[:space]
        return cut.rstrip(" ,;:-–") + "…"
    return first.rstrip(" .") or first


def _principal(request: HttpRequest) -> User | SystemPrincipal | None:
    """Who the bearer token (``Authorization: Bearer`` or ``api_key``) belongs to."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else ""
    token = token or request.POST.get("api_key", "").strip()
    if not token or len(token) > 255:
        return None
    return bearer.authenticate(request, token)


def _line(data: QueryDict, name: str, max_length: int) -> str:
    return clean_param(name, data.get(name, ""), max_length=max_length)


def _commune_code(data: QueryDict) -> str:
    xa = _line(data, "attribute[xa]", 20)
    address_id = _line(data, "address_id", 20)
    if xa and address_id and xa != address_id:
        raise bad(
            "address_id",
            "commune_mismatch",
            _("address_id và attribute[xa] chỉ hai xã, phường khác nhau."),
        )
    code, field = (xa, "attribute[xa]") if xa else (address_id, "address_id")
    if not code:
        raise bad(
            "attribute[xa]",
            "required",
            _("Hãy gửi mã xã, phường nơi xảy ra việc phản ánh (attribute[xa] hoặc address_id)."),
        )
    if not _COMMUNE_CODE.fullmatch(code):
        raise bad(field, "invalid_commune", _("Mã xã, phường gồm 5 chữ số, ví dụ 13786."))
    return code


def _point(data: QueryDict) -> tuple[str, str]:
    """``lat`` and ``long`` as sent, both or neither, finite numbers (the service checks
    that the point is in Vietnam)."""
    lat, lon = _line(data, "lat", 40), _line(data, "long", 40)
    if bool(lat) != bool(lon):
        raise bad(
            "lat" if not lat else "long",
            "incomplete_point",
            _("Hãy gửi cả lat và long, hoặc không gửi cả hai."),
        )
    for name, value in (("lat", lat), ("long", lon)):
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise bad(name, "invalid_point", _("Vị trí trên bản đồ phải là số thập phân (WGS84)."))
    return lat, lon


def _email(data: QueryDict) -> str:
    email = _line(data, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise bad("email", "invalid_email", _("Địa chỉ thư điện tử không hợp lệ.")) from exc
    return email


def _create(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if principal is None:
        return _errors(
            403,
            [
                _(
                    "Thiếu hoặc sai api_key: hãy gửi access token của nền tảng trong api_key "
                    "hoặc trong tiêu đề Authorization: Bearer."
                )
            ],
        )
    data = request.POST
    code = _line(data, "service_code", 40)
    if not code:
        raise bad("service_code", "required", _("Hãy chọn dịch vụ (service_code)."))
    _service_or_404(code)
    commune = _commune_code(data)
    lat, lon = _point(data)
    description = clean_param(
        "description", data.get("description", ""), multiline=True, max_length=DESCRIPTION_LENGTH
    )
    if len(description) < 10:
        raise bad("description", "too_short", _("Hãy mô tả nội dung phản ánh (ít nhất 10 ký tự)."))
    # A Vietnamese name is written family name first: "Nguyễn" + "Văn An".
    name = " ".join(
        part for part in (_line(data, "last_name", 100), _line(data, "first_name", 100)) if part
    )
    procedure = _line(data, "attribute[thu_tuc]", 30) if code == Category.PROCEDURE else ""
    report = services.submit(
        actor=None if isinstance(principal, SystemPrincipal) else principal,
        category=code,
        title=title_of(description),
        text=description,
        commune_code=commune,
        procedure_code=procedure,
        contact_name=name,
        contact_phone=_line(data, "phone", 20),
        contact_email=_email(data),
        latitude=lat or None,
        longitude=lon or None,
        address=_line(data, "address_string", 300),
        channel=Channel.API,
        uploads=[],
        system=principal.client_id if isinstance(principal, SystemPrincipal) else "",
        idempotency_key=clean_param(
            "Idempotency-Key", request.headers.get("Idempotency-Key", ""), max_length=100
        ),
    )
    notice = _(
        "Đã nhận phản ánh %(code)s và chuyển đến %(agency)s. Cơ quan quyết định tiếp nhận "
        "trước %(due)s (%(days)s ngày làm việc); nếu tiếp nhận, trả lời trong %(answer)s ngày "
        "làm việc. Phản ánh và trả lời chỉ được công khai sau khi cơ quan công bố, không kèm "
        "thông tin cá nhân."
    ) % {
        "code": report.code,
        "agency": report.handling_agency.name,
        "due": _when(report.step_due_at) if report.step_due_at else "",
        "days": DECIDE_DAYS,
        "answer": ANSWER_DAYS,
    }
    response = _json(
        [{"service_request_id": report.code, "service_notice": notice, "account_id": None}],
        status=201,
    )
    add_never_cache_headers(response)
    return response


@csrf_exempt  # token-authenticated only: a browser's session is never used here
@_open311("GET", "POST")
def service_requests(request: HttpRequest) -> HttpResponse:
    """GET: published requests; POST: file a report (form-encoded, a token required)."""
    if request.method == "POST":
        return _create(request)
    return _list(request)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /open311/v2/: Open311's 404, not an HTML page."""
    return _errors(404, [_("Không có địa chỉ này trong Open311 GeoReport v2.")])
