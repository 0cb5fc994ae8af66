from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from networks.http import AuthenticatedRequest
from networks.policy import network_access
from notifications.forms import PreferenceForm
from notifications.models import Notification, Preference
from notifications.services import mark_read, preference_set


@login_required
def notification_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    qs = Notification.objects.for_user(request.user.pk, network)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    form = PreferenceForm(
        request.POST or None,
        initial={"referral_updates": Preference.referral_delivery(request.user.pk, network.pk)},
    )
    allowed = access.can_choose_notification_delivery
    if request.method == "POST" and allowed and form.is_valid():
        preference_set(
            user=request.user,
            network=network,
            referral_updates=form.cleaned_data["referral_updates"],
        )
        messages.success(request, "Saved how you hear about referral updates.")
        return redirect("notifications:list", network.slug)
    return render(
        request,
        "notifications/list.html",
        {"network": network, "access": access, "page": page, "form": form},
    )


@login_required
@require_POST
def notification_read(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """Mark one notification read and open its link; or, with no id, mark all read."""
    network, _ = network_access(request, network_slug)
    raw = request.POST.get("notification", "")
    notification_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    mark_read(user=request.user, network=network, notification_id=notification_id)
    if notification_id is not None:
        link = (
            Notification.objects.for_user(request.user.pk, network)
            .filter(pk=notification_id)
            .values_list("link", flat=True)
            .first()
        )
        if link:
            return redirect(link)
    return redirect("notifications:list", network.slug)
