from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from networks.http import AuthenticatedRequest
from networks.models import Network
from networks.policy import network_access
from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVERIES_PER_PAGE = 25
# referrals.services.referral_move sends the referral event.
REFERRAL_EVENTS = True


def _endpoint(network: Network, webhook_id: int) -> WebhookEndpoint:
    endpoint = get_object_or_404(WebhookEndpoint, network=network, pk=webhook_id)
    endpoint.network = network
    return endpoint


@login_required
def webhook_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_manage_webhooks)
    form = EndpointForm(request.POST or None, referrals=REFERRAL_EVENTS)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_create(
            network=network,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            created_by=request.user,
        )
        messages.success(request, "Webhook added. Verify deliveries with its secret, below.")
        return redirect("webhooks:detail", network_slug=network.slug, webhook_id=endpoint.pk)
    context = {
        "network": network,
        "access": access,
        "form": form,
        "endpoints": WebhookEndpoint.objects.filter(network=network).order_by("created_at", "id"),
        "event_labels": dict(Event.choices),
    }
    return render(request, "webhooks/list.html", context)


@login_required
def webhook_detail(
    request: AuthenticatedRequest, network_slug: str, webhook_id: int
) -> HttpResponse:
    """The endpoint's secret and its delivery log, each delivery with its attempts."""
    network, access = network_access(request, network_slug)
    endpoint = _endpoint(network, webhook_id)
    access.require(access.can_manage_webhooks)
    deliveries = endpoint.deliveries.prefetch_related(
        Prefetch("attempt_log", WebhookAttempt.objects.order_by("attempted_at", "id"))
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "network": network,
        "access": access,
        "endpoint": endpoint,
        "page": page,
        "event_labels": dict(Event.choices),
    }
    return render(request, "webhooks/detail.html", context)


@login_required
@require_POST
def webhook_rotate(
    request: AuthenticatedRequest, network_slug: str, webhook_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    endpoint = _endpoint(network, webhook_id)
    access.require(access.can_manage_webhooks)
    services.endpoint_rotate_secret(endpoint=endpoint)
    messages.success(request, "New secret made. The old one stays valid for a day.")
    return redirect("webhooks:detail", network_slug=network.slug, webhook_id=endpoint.pk)


@login_required
@require_POST
def webhook_enable(
    request: AuthenticatedRequest, network_slug: str, webhook_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    endpoint = _endpoint(network, webhook_id)
    access.require(access.can_manage_webhooks)
    services.endpoint_enable(endpoint=endpoint)
    messages.success(request, "Webhook turned back on.")
    return redirect("webhooks:detail", network_slug=network.slug, webhook_id=endpoint.pk)


@login_required
@require_POST
def webhook_delete(
    request: AuthenticatedRequest, network_slug: str, webhook_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    endpoint = _endpoint(network, webhook_id)
    access.require(access.can_manage_webhooks)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Removed the webhook to {endpoint.url}.")
    return redirect("webhooks:list", network_slug=network.slug)


@login_required
@require_POST
def delivery_replay(
    request: AuthenticatedRequest, network_slug: str, webhook_id: int, webhook_delivery_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    endpoint = _endpoint(network, webhook_id)
    delivery = get_object_or_404(WebhookDelivery, endpoint=endpoint, pk=webhook_delivery_id)
    access.require(access.can_manage_webhooks)
    services.delivery_replay(delivery=delivery)
    messages.success(request, f"Sending {delivery.message_id} again.")
    return redirect("webhooks:detail", network_slug=network.slug, webhook_id=endpoint.pk)
