"""Export downloads, background export jobs, the columns page and the member import."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from exports import kinds, services
from exports.formats import FORMATS, csv_chunks, write_xlsx
from exports.forms import MemberImportForm
from exports.models import ExportJob, MemberImport
from exports.pdf import reports_pdf
from networks.http import AuthenticatedRequest
from networks.models import Network
from networks.policy import Access, network_access

# Query parameters that are about the page, not the rows.
NOT_FILTERS = ("format", "page")
# A PDF of more reports than this is written in the background: a report is a page or two,
# and laying out dozens would keep the browser waiting.
PDF_IN_REQUEST = 12


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export(
    request: AuthenticatedRequest, network_slug: str, kind: str, **arguments: Any
) -> HttpResponseBase:
    """One export in the format asked for (?format=csv|xlsx|pdf): streamed when it is small,
    a background job when it has more rows than settings.EXPORT_BACKGROUND_ROWS."""
    network, access = network_access(request, network_slug)
    spec = kinds.get(kind)
    fmt = request.GET.get("format", "csv")
    if fmt not in spec.formats:
        raise Http404("No such format for this export.")
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    selection = spec.select(network, access, arguments, query)
    filename = f"{selection.filename}.{FORMATS[fmt][1]}"
    count = selection.queryset.count()
    if fmt == "pdf" and count <= PDF_IN_REQUEST:
        reports = selection.queryset.select_related("group").order_by("group__name", "pk")
        document = reports_pdf(network, reports, selection.title)
        return _attachment(HttpResponse(document, content_type=FORMATS["pdf"][0]), filename)
    if count > (PDF_IN_REQUEST if fmt == "pdf" else settings.EXPORT_BACKGROUND_ROWS):
        job = services.export_job_create(
            network=network,
            owner=request.user,
            kind=spec.slug,
            format=fmt,
            arguments=arguments,
            query=query.urlencode(),
            title=selection.title,
            rows_total=count,
        )
        messages.info(request, f"{count:,} rows: the file is being written; we mail you a link.")
        return redirect(job)
    rows = kinds.rows_of(spec, selection)
    columns = kinds.columns_of(spec, selection)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(columns, rows), content_type=FORMATS["csv"][0])
        return _attachment(response, filename)
    # XLSX is a zip that is only whole at the end: written to a temporary file in constant
    # memory, then streamed from it.
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    write_xlsx(out, columns, rows, sheet=spec.title)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=FORMATS[fmt][0])


def _job(network: Network, request: AuthenticatedRequest, job_id: int) -> ExportJob:
    # A job is its owner's: anyone else, organiser or not, finds nothing.
    return get_object_or_404(ExportJob, network=network, owner=request.user, pk=job_id)


@login_required
@require_GET
def job(request: AuthenticatedRequest, network_slug: str, job_id: int) -> HttpResponseBase:
    network, access = network_access(request, network_slug)
    export_job = _job(network, request, job_id)
    context = {"network": network, "access": access, "job": export_job}
    if request.htmx:
        return render(request, "exports/job.html#progress", context)
    return render(request, "exports/job.html", context)


@login_required
@require_GET
def job_download(request: AuthenticatedRequest, network_slug: str, job_id: int) -> HttpResponseBase:
    network, _access = network_access(request, network_slug)
    export_job = _job(network, request, job_id)
    if not export_job.is_downloadable:
        raise Http404("This export is not ready, or its file was deleted.")
    name = export_job.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        export_job.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=FORMATS[export_job.format][0],
    )


@login_required
@require_GET
def columns(request: AuthenticatedRequest, network_slug: str) -> HttpResponseBase:
    network, access = network_access(request, network_slug)
    context = {
        "network": network,
        "access": access,
        "kinds": list(kinds.KINDS.values()),
        "threshold": settings.EXPORT_BACKGROUND_ROWS,
    }
    return render(request, "exports/columns.html", context)


# ---------------------------------------------------------------- member import


def _require_importer(access: Access) -> None:
    access.require(access.can_import_members)


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request: AuthenticatedRequest, network_slug: str) -> HttpResponseBase:
    network, access = network_access(request, network_slug)
    _require_importer(access)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        member_upload, _plan = services.member_import_create(
            network=network,
            owner=request.user,
            file_name=upload.name or "members.csv",
            content=upload.read(),
        )
        return redirect(member_upload)
    context = {"network": network, "access": access, "form": form}
    return render(
        request,
        "exports/import_upload.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_import_detail(
    request: AuthenticatedRequest, network_slug: str, import_id: int
) -> HttpResponseBase:
    """The preview of an uploaded file and its confirm button; once confirmed, its progress
    (htmx polls it) and what it did."""
    network, access = network_access(request, network_slug)
    upload = get_object_or_404(MemberImport, network=network, pk=import_id)
    _require_importer(access)
    if request.method == "POST":
        if upload.confirmed_at is None and upload.content:
            upload = services.member_import_confirm(upload=upload)
            if upload.status == "done":
                messages.success(request, "Imported. Invitations are on their way.")
        return redirect(upload)
    plan = None
    if upload.confirmed_at is None and upload.content:
        plan = services.import_plan(network=network, content=upload.content)
    context = {
        "network": network,
        "access": access,
        "upload": upload,
        "plan": plan,
        "errors": plan.errors if plan else services.import_errors(upload.summary),
        "rows_done": services.import_rows_done(upload),
        "result": upload.summary.get("result"),
    }
    if request.htmx:
        return render(request, "exports/import_detail.html#progress", context)
    return render(request, "exports/import_detail.html", context)
