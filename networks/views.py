import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from networks.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    NetworkSettingsForm,
    SoundBiteForm,
    SoundBiteMoveForm,
    StatementForm,
)
from networks.http import AuthenticatedRequest, HtmxHttpRequest
from networks.models import ApiToken, Invitation, Membership, Network, User
from networks.policy import Access, network_access, visible_networks
from networks.services import (
    InvitationError,
    api_token_create,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    network_settings_update,
    network_statement_update,
    sound_bite_add,
    sound_bite_move,
    sound_bite_remove,
)


@login_required
def home_redirect(request: AuthenticatedRequest) -> HttpResponse:
    """After sign-in: straight to the only network, or a choice among several."""
    networks = list(visible_networks(request.user)[:2])
    if len(networks) == 1:
        return redirect(networks[0])
    role = Membership.objects.filter(network=OuterRef("pk"), user=request.user).values("role")[:1]
    choices = visible_networks(request.user).annotate(my_role=Subquery(role))
    return render(request, "networks/choose.html", {"networks": choices})


def statement_last_change(network: Network) -> Any:
    """The history record in which the current mission was written, with who wrote it.

    simple-history records every save of the network, so walk back from the newest record
    to the first one that already had today's mission.
    """
    records = list(network.history.select_related("history_user").order_by("-history_id")[:50])
    found = None
    for record in records:
        if record.mission != network.mission:
            break
        found = record
    return found


def mission_context(network: Network, access: Access) -> dict[str, Any]:
    """What the mission and sound bite sections of the network home need."""
    return {
        "network": network,
        "access": access,
        "sound_bites": list(network.sound_bites.all()),
        "mission_change": statement_last_change(network),
    }


@login_required
def mission_edit(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_edit_network)
    if request.method == "POST":
        form = StatementForm(request.POST)
        if form.is_valid():
            network_statement_update(network=network, **form.cleaned_data)
            if request.htmx:
                return render(
                    request, "networks/home.html#mission", mission_context(network, access)
                )
            messages.success(request, "The mission and vision are saved.")
            return redirect(network)
    else:
        if request.htmx and request.GET.get("cancel"):
            # "Cancel" under htmx swaps the read-only section back in.
            return render(request, "networks/home.html#mission", mission_context(network, access))
        form = StatementForm(initial={"mission": network.mission, "vision": network.vision})
        if request.htmx:
            # The link that was clicked is gone after the swap: keyboard focus goes here.
            form.fields["mission"].widget.attrs["autofocus"] = True
    template = "networks/mission_edit.html#form" if request.htmx else "networks/mission_edit.html"
    return render(request, template, {"network": network, "access": access, "form": form})


def _sound_bites_response(
    request: AuthenticatedRequest,
    network: Network,
    access: Access,
    form: SoundBiteForm | None = None,
) -> HttpResponse:
    context = {
        **mission_context(network, access),
        "form": form or SoundBiteForm(network=network),
    }
    template = "networks/sound_bites.html#manage" if request.htmx else "networks/sound_bites.html"
    return render(request, template, context)


@login_required
def sound_bites(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """Organisers add, reorder and remove sound bites; the page works with or without htmx."""
    network, access = network_access(request, network_slug)
    access.require(access.can_edit_network)
    if request.method == "POST":
        form: SoundBiteForm | None = SoundBiteForm(request.POST, network=network)
        assert form is not None
        if form.is_valid():
            sound_bite_add(network=network, text=form.cleaned_data["text"])
            if not request.htmx:
                messages.success(request, "Sound bite added.")
                return redirect("networks:sound_bites", network_slug=network.slug)
            form = None
        return _sound_bites_response(request, network, access, form)
    if request.htmx and request.GET.get("done"):
        return render(request, "networks/home.html#soundbites", mission_context(network, access))
    return _sound_bites_response(request, network, access)


@login_required
@require_POST
def sound_bite_move_view(
    request: AuthenticatedRequest, network_slug: str, bite_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    # Look up first: another network's bite answers 404 whatever the person's role.
    bite = get_object_or_404(network.sound_bites, pk=bite_id)
    access.require(access.can_edit_network)
    form = SoundBiteMoveForm(request.POST)
    if form.is_valid():
        sound_bite_move(bite=bite, position=form.cleaned_data["position"])
    elif not request.htmx:
        messages.error(request, "That position is not on the list.")
    if request.htmx:
        return _sound_bites_response(request, network, access)
    return redirect("networks:sound_bites", network_slug=network.slug)


@login_required
@require_POST
def sound_bite_delete_view(
    request: AuthenticatedRequest, network_slug: str, bite_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    # Look up first: another network's bite answers 404 whatever the person's role.
    bite = get_object_or_404(network.sound_bites, pk=bite_id)
    access.require(access.can_edit_network)
    sound_bite_remove(bite=bite)
    if request.htmx:
        return _sound_bites_response(request, network, access)
    messages.success(request, f"Removed “{bite.text}”.")
    return redirect("networks:sound_bites", network_slug=network.slug)


@login_required
def network_settings(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_edit_network)
    initial = {
        "name": network.name,
        "report_cadence": network.report_cadence,
        "time_zone": network.time_zone,
        "currency": network.currency,
        "tolerance": int(network.tolerance * 100),
    }
    form = NetworkSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        network_settings_update(
            network=network,
            name=data["name"],
            report_cadence=data["report_cadence"],
            time_zone=data["time_zone"],
            currency=data["currency"],
            tolerance=Decimal(data["tolerance"]) / 100,
        )
        messages.success(request, "Network settings saved.")
        return redirect(network)
    return render(
        request, "networks/settings.html", {"network": network, "access": access, "form": form}
    )


INVITATIONS_PER_PAGE = 25


@login_required
def invitations(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_invite_to_network)
    form = InvitationForm(request.POST or None, network=network)
    sent_to = ""
    if request.method == "POST" and form.is_valid():
        sent_to = form.cleaned_data["email"]
        invitation_create(
            network=network, email=sent_to, role=form.cleaned_data["role"], invited_by=request.user
        )
        if not request.htmx:
            messages.success(request, f"Invitation sent to {sent_to}.")
            return redirect("networks:invitations", network_slug=network.slug)
        form = InvitationForm(network=network)
    listing = network.invitations.select_related("invited_by", "group", "accepted_by")
    page = Paginator(listing, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "network": network,
        "access": access,
        "form": form,
        "page": page,
        "sent_to": sent_to,
        "expiry_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    template = "networks/invitations.html#panel" if request.htmx else "networks/invitations.html"
    return render(request, template, context)


def _invitation_for(
    request: AuthenticatedRequest, network_slug: str, invitation_id: int
) -> tuple[Network, Invitation]:
    network, access = network_access(request, network_slug)
    # Look up first: another network's invitation answers 404 whatever the person's role.
    invitation = get_object_or_404(network.invitations, pk=invitation_id)
    access.require(access.can_invite_to_network)
    return network, invitation


@login_required
@require_POST
def invitation_revoke_view(
    request: AuthenticatedRequest, network_slug: str, invitation_id: int
) -> HttpResponse:
    network, invitation = _invitation_for(request, network_slug, invitation_id)
    if invitation.is_usable:
        invitation_revoke(invitation=invitation)
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    else:
        messages.error(request, f"That invitation is {invitation.state} already.")
    return redirect("networks:invitations", network_slug=network.slug)


@login_required
@require_POST
def invitation_resend_view(
    request: AuthenticatedRequest, network_slug: str, invitation_id: int
) -> HttpResponse:
    network, invitation = _invitation_for(request, network_slug, invitation_id)
    if invitation.state == "accepted":
        messages.error(request, f"{invitation.email} has joined already.")
    else:
        invitation_resend(invitation=invitation, invited_by=request.user)
        messages.success(request, f"A new link is on its way to {invitation.email}.")
    return redirect("networks:invitations", network_slug=network.slug)


def invitation_accept_view(request: HtmxHttpRequest, token: str) -> HttpResponse:
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

    user = request.user if isinstance(request.user, User) else None
    if user is not None and not invitation.is_for(user):
        # Someone else's invitation: say so, grant nothing, offer to switch accounts.
        return render(
            request,
            "networks/invitation_other_person.html",
            {"invitation": invitation, "path": request.get_full_path()},
            status=403 if request.method == "POST" else 200,
        )
    form: AcceptInvitationForm | None = None
    if user is None:
        # An account a member import made waits with what the organiser knew of the person.
        waiting = User.objects.filter(email__iexact=invitation.email, last_login=None).first()
        initial = (
            {k: getattr(waiting, k) for k in ("name", "organisation", "sector", "expertise")}
            if waiting
            else None
        )
        form = AcceptInvitationForm(request.POST or None, email=invitation.email, initial=initial)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if form is None:
                user = invitation_accept(token=token, user=user)
            else:
                user = invitation_accept(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                    profile={
                        key: form.cleaned_data[key]
                        for key in ("organisation", "sector", "expertise")
                    },
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


def permission_denied(request: HtmxHttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page (config.urls.handler403), with the network's menu when the URL names a
    network this person may see, so that they can go on from where they were refused."""
    match = request.resolver_match
    kwargs = match.kwargs if match else {}
    # The network's URL parameter, under its newer name or its older one.
    slug = kwargs.get("network_slug") or kwargs.get("network")
    context: dict[str, Any] = {}
    if isinstance(slug, str):
        try:
            network, access = network_access(request, slug)
        except Http404:
            pass
        else:
            context = {"network": network, "access": access}
    return render(request, "403.html", context, status=403)


# ---------------------------------------------------------------- personal API tokens


@login_required
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    """The person's API tokens: create one (its text is shown on this response only), see
    when each was last used, revoke."""
    today = timezone.localdate()
    form = ApiTokenForm(request.POST or None, today=today)
    created_text = ""
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        _, created_text = api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=None
            if expires_on is None
            else dt.datetime.combine(expires_on, dt.time(), tzinfo=timezone.get_current_timezone()),
        )
        form = ApiTokenForm(today=today)
    context = {
        "form": form,
        "created_text": created_text,
        "tokens": request.user.api_tokens.all(),
    }
    # Signed-in pages are private and no-store (networks.middleware): the text stays nowhere.
    return render(request, "networks/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=token_id)
    token.revoke()
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("api_tokens")
