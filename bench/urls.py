"""The site's URLs plus the benchmark's baseline: a bare view doing one indexed query."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from groups.models import Activity


@login_required
def bare_view(request: HttpRequest, network_id: int) -> HttpResponse:
    # One query on the (network, occurred_on) index, behind the same login as the dashboard.
    day = dt.date.fromisoformat(request.GET.get("day", "2026-01-01"))
    count = Activity.objects.filter(network_id=network_id, occurred_on=day).count()
    return HttpResponse(f"<!doctype html><title>bare</title><p>{count}</p>")


urlpatterns = [
    path("bench/bare/<int:network_id>/", bare_view, name="bench_bare"),
    path("", include("config.urls")),
]
