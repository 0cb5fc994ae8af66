"""Mounted at n/<network_slug>/exports/. Each registered export kind gets its own URL,
named exports:<kind>, from the registry (exports.kinds)."""

from django.urls import URLPattern, path

from exports import kinds, views

app_name = "exports"


def _kind_patterns() -> list[URLPattern]:
    return [
        path(kind.route, views.export, {"kind": kind.slug}, name=kind.slug)
        for kind in kinds.KINDS.values()
    ]


urlpatterns = [
    path("", views.columns, name="columns"),
    path("jobs/<id:job_id>/", views.job, name="job"),
    path("jobs/<id:job_id>/download/", views.job_download, name="job_download"),
    path("import/", views.member_import, name="import_upload"),
    path("import/<id:import_id>/", views.member_import_detail, name="import"),
    *_kind_patterns(),
]
