"""The site's URLs plus the benchmark's baseline: a bare view doing one indexed query."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import include, path
from django.views.decorators.http import require_GET

from groups.models import Activity
from networks.models import Network
from networks.policy import network_access


@login_required
@require_GET
def bare_view(request: HttpRequest, network_id: int) -> HttpResponse:
    # The same access check as the dashboard (another network's id answers 404), then one
    # query on the (network, occurred_on) index.
    slug = Network.objects.filter(pk=network_id).values_list("slug", flat=True).first()
    if slug is None:
        raise Http404("No such network.")
    network, _ = network_access(request, slug)
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "2026-01-01"))
    except ValueError:
        return HttpResponseBadRequest("day must be a date like 2026-01-31.")
    count = Activity.objects.filter(network=network, occurred_on=day).count()
    return HttpResponse(f"<!doctype html><title>bare</title><p>{count}</p>")


urlpatterns = [
    path("bench/bare/<id:network_id>/", bare_view, name="bench_bare"),
    path("", include("config.urls")),
]
