from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from networks.forms import AcceptInvitationForm
from networks.models import Invitation
from networks.policy import network_access, visible_networks
from networks.services import InvitationError, invitation_accept


@login_required
def home_redirect(request: HttpRequest) -> HttpResponse:
    """After sign-in: straight to the only network, or a choice among several."""
    networks = list(visible_networks(request.user)[:2])
    if len(networks) == 1:
        return redirect(networks[0])
    return render(request, "networks/choose.html", {"networks": visible_networks(request.user)})


@login_required
def home(request: HttpRequest, network: str) -> HttpResponse:
    network, access = network_access(request, network)
    context = {
        "network": network,
        "access": access,
        "sound_bites": network.sound_bites.all(),
        "objectives": network.objectives.filter(archived_at__isnull=True),
        "groups": network.groups.filter(archived_at__isnull=True),
    }
    return render(request, "networks/home.html", context)


def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.find_by_token(token)
    if invitation is None or not invitation.is_usable:
        reason = "This invitation link is not valid."
        if invitation is not None:
            reason = {
                "accepted": "This invitation has already been used.",
                "revoked": "This invitation was withdrawn.",
                "expired": "This invitation has expired; ask the person who sent it for a new one.",
            }[invitation.state]
        return render(request, "networks/invitation_invalid.html", {"reason": reason}, status=410)

    signed_in = request.user.is_authenticated
    form = None if signed_in else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            if signed_in:
                user = invitation_accept(token=token, user=request.user)
            else:
                user = invitation_accept(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except InvitationError as error:
            messages.error(request, str(error))
            return redirect("login")
        messages.success(request, f"Welcome to {invitation.network.name}.")
        return redirect(invitation.network)
    return render(
        request, "networks/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability, for load balancers and compose health checks."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {error.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["broker"] = f"error: {error.__class__.__name__}"
    else:
        checks["broker"] = "ok (tasks run in-process)"
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
