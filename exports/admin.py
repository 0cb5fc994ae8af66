"""The exports as Django admin actions on the models they read, plus the jobs' own admin."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from exports import kinds
from exports.formats import FORMATS, csv_chunks, write_xlsx
from exports.models import ExportJob, MemberImport

Action = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Any]], HttpResponseBase]


def export_action(kind: kinds.Kind, fmt: str) -> Action:
    """An admin action writing the selected rows as the kind's export (site admins see
    every network, as the admin does)."""

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponseBase:
        filename = f"{kind.slug}-{timezone.now():%Y%m%d-%H%M}.{FORMATS[fmt][1]}"
        rows = kind.rows(queryset)
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_chunks(kind.columns, rows), content_type=FORMATS["csv"][0]
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        write_xlsx(out, kind.columns, rows, sheet=kind.title)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=filename)

    action.__name__ = f"export_{kind.slug}_{fmt}"
    return admin.action(
        description=f"Export selected as {kind.title.lower()} ({fmt.upper()})",
        permissions=["view"],
    )(action)


def add_export_actions(site: admin.AdminSite) -> None:
    for kind in kinds.KINDS.values():
        if kind.model is None:
            continue
        model_admin: admin.ModelAdmin[Any] = site.get_model_admin(kind.model)
        actions = list(model_admin.actions or [])
        actions += [export_action(kind, fmt) for fmt in kind.formats if fmt in ("csv", "xlsx")]
        model_admin.actions = actions


add_export_actions(admin.site)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "owner", "format", "status", "rows_done", "rows_total"]
    list_filter = ["status", "format", "network"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "finished_at"]


@admin.register(MemberImport)
class MemberImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "network", "owner", "status", "rows_total", "created_at"]
    list_filter = ["status", "network"]
    raw_id_fields = ["owner"]
    exclude = ["content"]
