"""Pages of dossiers: the citizen's "Hồ sơ của tôi", filing, the dossier page with its
history and actions (HTMX), back-office queues, counter intake, public tracking."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.accounts.selectors import user_by_pin
from lienthong.catalog import searchlog
from lienthong.catalog import selectors as catalog
from lienthong.core import audit, paging
from lienthong.core import files as stored_files
from lienthong.core.errors import DomainError, InvalidInput, NotFound, TooManyAttempts
from lienthong.dossiers import documents, selectors, services, workflow
from lienthong.dossiers.constants import CLOSED, Channel
from lienthong.dossiers.forms import RatingForm
from lienthong.dossiers.table import table_for
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile
    from django.http.response import HttpResponseBase

    from lienthong.accounts.auth import AuthenticatedRequest
    from lienthong.catalog.models import Component
    from lienthong.dossiers.models import Dossier

logger = logging.getLogger(__name__)


def _dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    """The dossier if the user may read it; the page's 404 otherwise."""
    try:
        return selectors.get_dossier_for(request.user, code)
    except NotFound as exc:
        raise Http404 from exc


def _error_text(exc: DomainError) -> str:
    """A service error as one sentence for a page: the message and each field's reason."""
    reasons = [str(p.reason) for p in getattr(exc, "invalid_params", [])]
    return " ".join([str(exc.detail), *reasons])


def _refused(exc: DomainError, idem: str) -> tuple[list[str], str]:
    """What a filing form shows when the service refuses it, and the form's next
    idempotency key: the same one (pressing again retries the same dossier) unless the
    key already filed another dossier, as when a clerk goes back and types someone else."""
    params = getattr(exc, "invalid_params", [])
    if any(p.code == "key_reused" for p in params):
        idem = secrets.token_hex(8)
    return [str(p.reason) for p in params] or [str(exc.detail)], idem


def _uploads(request: HttpRequest, components: list[Component]) -> list[services.Upload]:
    out = []
    for i, c in enumerate(components):
        f = request.FILES.get(f"tep-{i}")
        if f:
            out.append(services.Upload(c.name, f))
    return out


def _reused(request: HttpRequest, components: list[Component]) -> list[tuple[str, int]]:
    out = []
    for i, c in enumerate(components):
        value = request.POST.get(f"kho-{i}", "")
        if value.isdigit() and not request.FILES.get(f"tep-{i}"):
            out.append((c.name, int(value)))
    return out


@login_required
def my_dossiers(request: AuthenticatedRequest) -> HttpResponse:
    after = _position(request, "ti")
    page = selectors.own_dossiers(request.user, after=cast("selectors.OwnKey | None", after))
    return render(
        request,
        "dossiers/mine.html",
        {
            "dossiers": page.rows,
            "paged": after is not None,
            "next": paging.cursor(page.after) if page.after else "",
        },
    )


@login_required
def file_online(request: AuthenticatedRequest, procedure_code: str) -> HttpResponse:
    """Step 1: where (province, competent commune, receiving commune); step 2: papers; submit."""
    try:
        version = catalog.get_procedure(procedure_code)
    except NotFound as exc:
        raise Http404 from exc
    components = list(version.components.all())
    provinces = geo.search_units(level="province")
    province = request.GET.get("tinh") or request.POST.get("tinh") or ""
    communes = geo.search_units(level="commune", parent=province) if province else []
    competent = request.GET.get("xa") or request.POST.get("xa") or ""
    receiving = request.GET.get("noi-nop") or request.POST.get("noi-nop") or competent
    step = 2 if competent else 1
    errors: list[str] = []
    idem = request.POST.get("idem") or secrets.token_hex(8)
    form = catalog.form_of(version)
    on_form = catalog.form_component(version)
    fields = list(form.fields) if form else []
    declared = {f.key: request.POST.get(f"tk-{f.key}", "").strip() for f in fields}
    field_errors: dict[str, str] = {}
    session_key = f"dien-san:{version.pk}:{competent}"
    prefilled = services.Prefilled.from_session(request.session.get(session_key))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    asked_prefill = action == "dien-san"
    if asked_prefill and step == 2:
        typed = {f.key: declared[f.key] for f in fields if f.kind == "pin"}
        prefilled = services.prefill(
            actor=request.user,
            version=version,
            commune_code=competent,
            typed=typed,
            ip=str(request.META.get("REMOTE_ADDR", "")),
        )
        request.session[session_key] = prefilled.as_session()
        # What the registry gave fills the form; what the applicant typed elsewhere stays.
        declared.update(prefilled.values)
    # A field the form locks keeps the registry's value, whatever is posted.
    declared.update(services.locked_values(version, prefilled))
    # "ve-lai": the form drawn again for a changed answer (a condition shows new items).
    if request.method == "POST" and step == 2 and action not in ("dien-san", "ve-lai"):
        try:
            dossier = services.submit(
                actor=request.user,
                procedure_code=version.procedure.code,
                competent_unit_code=competent,
                receiving_unit_code=receiving or None,
                uploads=_uploads(request, components),
                reused=_reused(request, components),
                summary=request.POST.get("noi-dung", ""),
                form_data={k: v for k, v in declared.items() if v}
                if any(declared.values())
                else {},
                idempotency_key=idem,
                eid_authenticated=bool(request.user.pin),
                prefilled_from=services.sources_kept(prefilled, declared),
            )
        except DomainError as exc:
            errors, idem = _refused(exc, idem)
            field_errors = {
                p.name.removeprefix("form_data."): str(p.reason)
                for p in exc.invalid_params
                if p.name.startswith("form_data.")
            }
        else:
            messages.success(
                request,
                _("Đã nộp hồ sơ %(code)s. Giấy tiếp nhận có ở trang hồ sơ.")
                % {"code": dossier.code},
            )
            response = redirect("dossiers:detail", code=dossier.code)
            searchlog.filed(request, response, version.procedure.code)
            return response
    if request.htmx and request.GET.get("chi-xa"):
        return render(
            request, "dossiers/partials/places.html", {"communes": communes, "v": version}
        )
    return render(
        request,
        "dossiers/file.html",
        {
            "v": version,
            "step": step,
            "provinces": provinces,
            "province": province,
            "communes": communes,
            "competent": competent,
            "receiving": receiving,
            "to_upload": [
                (i, c)
                for i, c in enumerate(components)
                if not c.data_registry and c.name != on_form
            ],
            "on_form": on_form,
            "wallet": selectors.wallet_of(request.user),
            "from_data": [c for c in components if c.data_registry],
            "errors": errors,
            "idem": idem,
            "places": _place_names(competent, receiving) if step == 2 else None,
            "eform": selectors.eform_page(
                form,
                declared,
                prefilled,
                field_errors,
                request.method or "GET",
                [(u.code, u.name) for u in communes],
            ),
        },
        status=422 if errors else 200,
    )


def _place_names(competent: str, receiving: str) -> tuple[str, str]:
    """The communes chosen in step 1, by name (a code means nothing to a citizen)."""

    def name(code: str) -> str:
        try:
            unit = geo.current_unit(code, level="commune")
        except NotFound:
            return code
        province = unit.province.name if unit.province else ""
        return f"{unit.name}, {province}" if province else unit.name

    return name(competent), name(receiving or competent)


#: Steps with a form of their own on the dossier page (not a button of the work panel).
_OWN_FORMS = frozenset({"extend", "payment", "rate"})


def _detail_context(request: AuthenticatedRequest, dossier: Dossier) -> dict[str, Any]:
    steps = selectors.actions_for(request.user, dossier)
    names = {s.action for s in steps}
    buttons = [(s.action, s) for s in steps if s.action not in _OWN_FORMS]
    return {
        "d": dossier,
        "status_label": table_for(dossier.procedure_version).label(dossier.status),
        "history": selectors.history_rows(dossier),
        "files": dossier.files.all(),
        "hours_left": selectors.hours_left(dossier),
        # The next step in front; refusals, withdrawal and transfers folded away.
        "main_actions": [(a, s) for a, s in buttons if not s.secondary],
        "other_actions": [(a, s) for a, s in buttons if s.secondary],
        "can_preview": selectors.may_preview_result(request.user, dossier),
        "declaration": selectors.declaration_of(dossier),
        "transfer_targets": [],
        "specialists": selectors.specialists_of(dossier.handling_agency)
        if "assign" in names
        else [],
        "partial": bool(request.htmx),
        "is_applicant": request.user.pk in (dossier.applicant_id, dossier.submitted_by_id),
        "rating_form": RatingForm(),
        "can_rate": "rate" in names and not selectors.is_rated(dossier),
        "closed": dossier.status in CLOSED,
        "can_confirm_payment": "payment" in names
        and bool(dossier.fee_total)
        and not dossier.paid_at,
        "forms": documents.available_forms(dossier),
        "can_extend": "extend" in names,
        "payment": documents.payment_qr(dossier)
        if dossier.fee_total and not dossier.paid_at
        else None,
        "registry_files": selectors.registry_components(dossier)
        if selectors.registry_reader_agency(request.user, dossier) is not None
        else [],
    }


@login_required
def detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dossier = _dossier_or_404(request, code)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier))


@login_required
@require_POST
def registry_data(request: AuthenticatedRequest, code: str, file_id: int) -> HttpResponse:
    """Read, for the dossier, the registry data that replaces one of its documents; an
    unavailable registry says to take the paper copy."""
    dossier = _dossier_or_404(request, code)
    try:
        lookup = selectors.lookup_registry(
            request.user, dossier, file_id, str(request.META.get("REMOTE_ADDR", ""))[:45]
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return render(request, "403.html", {"detail": exc.detail}, status=exc.status)
    if request.htmx:
        return render(request, "dossiers/partials/registry_data.html", {"lookup": lookup})
    context = _detail_context(request, dossier)
    context.update(lookup=lookup, lookup_id=file_id)
    return render(request, "dossiers/detail.html", context)


def _step_inputs(request: AuthenticatedRequest) -> dict[str, Any]:
    """A step's inputs as the work panel's forms send them (each step's form has only
    the fields of its own inputs)."""
    post = request.POST
    inputs: dict[str, Any] = {"note": post.get("note", "")}
    if "to_agency" in post:
        inputs["agency"] = post["to_agency"]
    if "assignee" in post:
        # An unknown number arrives as None: the engine refuses it as "not a specialist"
        # after checking the caller may act at all, so nobody learns who has an account.
        inputs["assignee"] = user_by_pin(post["assignee"])
    files = request.FILES.getlist("files")
    if files:
        component = post.get("component") or _("Giấy tờ bổ sung")
        inputs["files"] = [services.Upload(component, f) for f in files]
    return inputs


@login_required
@require_POST
def do_action(request: AuthenticatedRequest, code: str, action: str) -> HttpResponse:
    """One workflow step from the dossier page; HTMX swaps the actions and the history.
    The dossier is read once, by the engine, and shown as the step left it."""
    expected = request.POST.get("version")
    expected_version = int(expected) if expected and expected.isdigit() else None
    dossier: Dossier | None
    try:
        dossier = workflow.perform(
            request.user,
            code,
            action,
            expected_version=expected_version,
            **_step_inputs(request),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        dossier = None
    else:
        step = table_for(dossier.procedure_version).step(action)
        messages.success(request, _("Đã thực hiện: %(a)s.") % {"a": step.label if step else action})
    if not request.htmx:
        return redirect("dossiers:detail", code=code)
    if dossier is None:  # refused: show the dossier as it is now
        dossier = _dossier_or_404(request, code)
    elif not selectors.may_read(request.user, dossier):  # e.g. transferred elsewhere
        return HttpResponse(headers={"HX-Redirect": "/can-bo/ho-so/"})
    return render(request, "dossiers/partials/dossier.html", _detail_context(request, dossier))


@login_required
@require_POST
def confirm_paid(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """A clerk records fees paid at the counter."""
    try:
        services.confirm_payment(actor=request.user, code=code, reference=_("Nộp tại quầy"))
        messages.success(request, _("Đã ghi nhận nộp phí, lệ phí."))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    return redirect("dossiers:detail", code=code)


@login_required
@require_POST
def rate(request: AuthenticatedRequest, code: str) -> HttpResponse:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(
                actor=request.user,
                code=code,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Cảm ơn bạn đã đánh giá."))
        except DomainError as exc:
            messages.error(request, str(exc.detail))
    return redirect("dossiers:detail", code=code)


@login_required
def receipt(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dossier = _dossier_or_404(request, code)
    # The tracking link printed on the receipt: the configured address, never the Host.
    pdf = documents.receipt_pdf(dossier, base_url=settings.PUBLIC_URL)
    return _pdf(pdf, f"giay-tiep-nhan-{dossier.code}.pdf")


@login_required
def declaration(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The declaration made on the electronic form, as its paper (PDF)."""
    dossier = _dossier_or_404(request, code)
    pdf = documents.declaration_pdf(dossier)
    if pdf is None:
        raise Http404
    return _pdf(pdf, f"to-khai-{dossier.code}.pdf")


@login_required
def result(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dossier = _dossier_or_404(request, code)
    if not dossier.electronic_result:
        raise Http404
    stored = selectors.stored_result(dossier)
    if stored is not None:  # the signed copy kept in the applicant's store
        try:
            with stored_files.open_verified(stored.file, stored.sha256) as signed:
                return _pdf(signed.read(), f"ket-qua-{dossier.code}.pdf")
        except stored_files.DamagedFile as exc:
            return _damaged(request, exc)
    return _pdf(documents.result_pdf(dossier), f"ket-qua-{dossier.code}.pdf")


@login_required
def result_draft(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The result paper as it will be signed, for the specialist who submits it and the
    leader who signs it (unsigned, marked as a preview, no number taken)."""
    dossier = _dossier_or_404(request, code)
    if not selectors.may_preview_result(request.user, dossier):
        raise Http404
    return _pdf(documents.result_pdf(dossier, draft=True), f"du-thao-{dossier.code}.pdf")


@login_required
def transfer_targets(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The agencies of the province matching what the official types (HTMX)."""
    dossier = _dossier_or_404(request, code)
    if not any(s.action == "transfer" for s in selectors.actions_for(request.user, dossier)):
        raise Http404  # only for whoever may transfer it now
    q = request.GET.get("q", "")[:100]
    return render(
        request,
        "dossiers/partials/agency_choices.html",
        {"agencies": selectors.transfer_targets(dossier, q), "searched": bool(q.strip())},
    )


@login_required
def wallet(request: AuthenticatedRequest) -> HttpResponse:
    """Kho giấy tờ điện tử: results issued to me, reusable in new dossiers."""
    return render(request, "dossiers/wallet.html", {"docs": selectors.wallet_of(request.user)})


@login_required
def wallet_download(request: AuthenticatedRequest, doc_id: int) -> HttpResponseBase:
    doc = selectors.wallet_of(request.user).filter(pk=doc_id).first()
    if doc is None:
        raise Http404
    return _verified_file(request, doc.file, doc.sha256, doc.download_name, "application/pdf")


def _verified_file(
    request: AuthenticatedRequest, stored: FieldFile, sha256: str, name: str, content_type: str
) -> HttpResponseBase:
    """A stored file as a download, checked against its checksum first (the local disk
    or the object store may have been altered)."""
    try:
        content = stored_files.open_verified(stored, sha256)
    except stored_files.DamagedFile as exc:
        return _damaged(request, exc)
    return FileResponse(content, as_attachment=True, filename=name, content_type=content_type)


def _damaged(request: HttpRequest, exc: stored_files.DamagedFile) -> HttpResponse:
    """A stored file that fails its checksum: never served; the administrator is told."""
    logger.error("damaged stored file %s", exc.name)
    audit.record("file.damaged", actor=request.user, object_type="file", object_id=exc.name[:80])
    return render(request, "dossiers/damaged.html", status=503)


@login_required
def form(request: AuthenticatedRequest, code: str, number: int) -> HttpResponse:
    """Forms 02–06 of Circular 03/2025 for this dossier (when the step happened)."""
    dossier = _dossier_or_404(request, code)
    try:
        pdf = documents.form_pdf(dossier, number)
    except KeyError as exc:  # the step this form documents has not happened
        raise Http404 from exc
    return _pdf(pdf, f"mau-{number:02d}-{dossier.code}.pdf")


@login_required
@require_POST
def extend(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The leader apologises and sets a new appointment (form 04)."""
    try:
        new_due = dt.datetime.fromisoformat(request.POST.get("new_due", ""))
        if timezone.is_naive(new_due):
            new_due = timezone.make_aware(new_due)
        services.extend(
            actor=request.user, code=code, new_due=new_due, reason=request.POST.get("note", "")
        )
        messages.success(request, _("Đã gửi văn bản xin lỗi và hẹn lại ngày trả kết quả."))
    except ValueError:
        messages.error(request, _("Ngày hẹn mới không hợp lệ."))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("dossiers:detail", code=code)


@login_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    """Sổ theo dõi hồ sơ (form 07) of an agency the official receives for."""
    try:
        start = dt.date.fromisoformat(request.GET.get("tu", ""))
        end = dt.date.fromisoformat(request.GET.get("den", ""))
    except ValueError:
        end = timezone.localdate()
        start = end.replace(day=1)
    agency, rows = selectors.register_rows(request.user, start, end)
    if agency is None:
        raise Http404
    return _pdf(
        documents.register_pdf(agency, rows, start=start, end=end),
        f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf",
    )


@login_required
def download(request: AuthenticatedRequest, code: str, file_id: int) -> HttpResponseBase:
    dossier = _dossier_or_404(request, code)
    stored = dossier.files.filter(pk=file_id).exclude(file="").first()
    if stored is None:
        raise Http404
    return _verified_file(
        request, stored.file, stored.sha256, stored.original_name or "tep", stored.content_type
    )


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def queues(request: AuthenticatedRequest) -> HttpResponse:
    """The official's queues, only those their roles open, each with its count; the page
    opens on the first that holds work."""
    counts = selectors.queue_counts(request.user)
    name = request.GET.get("hang", "")
    if name not in counts:
        name = selectors.first_queue_with_work(counts) or ""
    now = timezone.now()
    after = _position(request, "Tti")
    page = (
        selectors.queue_page(request.user, name, after=cast("selectors.QueueKey | None", after))
        if name
        else None
    )
    rows = [(d, selectors.hours_left(d, now)) for d in page.rows] if page else []
    return render(
        request,
        "dossiers/queues.html",
        {
            "queues": [(key, selectors.QUEUES[key], count) for key, count in counts.items()],
            "cap": selectors.QUEUE_COUNT_CAP,
            "current": name,
            "rows": rows,
            "paged": after is not None,
            "next": paging.cursor(page.after) if page and page.after else "",
            "receives": "tiep-nhan" in counts,
            "keeps_register": selectors.keeps_a_register(request.user),
        },
    )


def _position(request: AuthenticatedRequest, shape: str) -> tuple[Any, ...] | None:
    """Where a list's page starts (``sau``: the link of the page before, a key of
    ``shape`` as ``paging.position`` reads it); an edited or stale link opens the first
    page, saying so."""
    token = request.GET.get("sau", "")
    if not token:
        return None
    try:
        return paging.position(token, shape)
    except ValueError:
        messages.warning(request, _("Liên kết trang không hợp lệ: đã mở trang đầu."))
        return None


@login_required
def counter_intake(request: AuthenticatedRequest) -> HttpResponse:
    """A one-stop clerk receives a paper dossier: applicant, procedure, place, scans."""
    code = request.GET.get("thu-tuc") or request.POST.get("thu-tuc") or ""
    version = None
    if code:
        try:
            version = catalog.get_procedure(code)
        except NotFound:
            messages.error(request, _("Không tìm thấy thủ tục %(c)s.") % {"c": code})
    errors: list[str] = []
    field_errors: dict[str, str] = {}
    idem = request.POST.get("idem") or secrets.token_hex(8)
    form = catalog.form_of(version) if version is not None else None
    declared = {
        f.key: request.POST.get(f"tk-{f.key}", "").strip() for f in (form.fields if form else [])
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and version is not None and action != "ve-lai":
        applicant = user_by_pin(request.POST.get("cccd", ""))
        if applicant is None:
            errors.append(
                _(
                    "Chưa có tài khoản với số định danh này; người nộp cần đăng nhập định danh "
                    "điện tử một lần, hoặc nhập đúng số."
                )
            )
        else:
            try:
                dossier = services.submit(
                    actor=request.user,
                    applicant=applicant,
                    channel=Channel.COUNTER,
                    procedure_code=code,
                    competent_unit_code=request.POST.get("xa", ""),
                    uploads=_uploads(request, list(version.components.all())),
                    idempotency_key=idem,
                    form_data={k: v for k, v in declared.items() if v},
                )
            except DomainError as exc:
                errors, idem = _refused(exc, idem)
                field_errors = {
                    p.name.removeprefix("form_data."): str(p.reason)
                    for p in exc.invalid_params
                    if p.name.startswith("form_data.")
                }
            else:
                messages.success(request, _("Đã tiếp nhận hồ sơ %(c)s.") % {"c": dossier.code})
                received = redirect("dossiers:detail", code=dossier.code)
                searchlog.filed(request, received, version.procedure.code)
                return received
    q = request.GET.get("q", "").strip()
    found = catalog.find_procedures(q) if q else None
    if version is not None and request.method == "GET":
        searchlog.opened(request, version.procedure.code)
    response = render(
        request,
        "dossiers/counter.html",
        {
            "v": version,
            "code": code,
            "components": list(enumerate(version.components.all())) if version else [],
            "results": found[:20] if found is not None else [],
            "q": q,
            "errors": errors,
            "idem": idem,
            "cccd": request.POST.get("cccd", ""),
            "xa": request.POST.get("xa", ""),
            "eform": _counter_form(request, form, declared, field_errors),
        },
        status=422 if errors else 200,
    )
    if found is not None:
        searchlog.searched(request, response, q=q, channel="counter", found=found)
    return response


def _counter_form(
    request: AuthenticatedRequest,
    form: Any,
    declared: dict[str, str],
    field_errors: dict[str, str],
) -> dict[str, Any] | None:
    """The e-form as the clerk types it from the paper: the communes of the clerk's
    province to choose from; no prefilling (the applicant is not there to agree)."""
    if form is None:
        return None
    communes = selectors.counter_communes(request.user)
    page = selectors.eform_page(
        form, declared, services.Prefilled(), field_errors, request.method or "GET", communes
    )
    if page is not None:
        page["can_prefill"] = False
    return page


def public_track(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ma", "").strip()
    key = request.GET.get("khoa", "").strip()
    shown = None
    refused: DomainError | None = None
    if code:
        try:
            shown = services.track(code=code, key=key, address=request.META.get("REMOTE_ADDR", ""))
        except (NotFound, InvalidInput, TooManyAttempts) as exc:
            refused = exc
    response = render(
        request,
        "dossiers/track.html",
        {"t": shown, "error": refused.detail if refused else "", "code": code, "key": key},
        status=refused.status if refused else 200,
    )
    if isinstance(refused, TooManyAttempts):
        response["Retry-After"] = str(refused.retry_after)
    return response


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    """The applicant's messages; opening the page marks them read."""
    items = list(selectors.notifications_of(request.user)[:100])
    services.mark_notifications_read(user=request.user)
    return render(request, "dossiers/notifications.html", {"items": items})
