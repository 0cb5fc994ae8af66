"""The referral pages (mounted as referrals:* at n/<network>/referrals/). They live in hub
because the board and My referrals show the figures engine's referral figures, and
objectives sits above referrals (README, "Layers")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from groups.models import PeerGroup
from networks.http import AuthenticatedRequest
from networks.models import Network, User
from networks.policy import Access, network_access
from objectives import figures
from referrals.forms import (
    ConsentForm,
    CorrectionForm,
    FeedbackForm,
    FollowUpIntervalForm,
    MoveForm,
    ReferralForm,
    RetentionForm,
    TouchpointForm,
)
from referrals.models import Client, ClientErasure, FeedbackLink, Referral
from referrals.services import (
    SUGGESTION_RULE,
    client_erase,
    colleague_suggestions,
    consent_record,
    feedback_link_create,
    feedback_link_use,
    feedback_record,
    follow_up_interval_set,
    referral_correct,
    referral_create,
    referral_move,
    retention_set,
    touchpoint_add,
)

COLUMNS = [
    Referral.Status.MADE,
    Referral.Status.ACCEPTED,
    Referral.Status.IN_PROGRESS,
    Referral.Status.SERVED,
    Referral.Status.CLOSED,
    Referral.Status.DECLINED,
]
# Moves that need more than a click (a reason, a value) happen on the referral's page.
NEEDS_FORM = {Referral.Status.DECLINED, Referral.Status.CLOSED}
BOARD_LIMIT = 50  # cards per column


def _cng(network: Network, slug: str) -> PeerGroup:
    group = get_object_or_404(PeerGroup, network=network, slug=slug, is_cng=True)
    group.network = network
    return group


def _referral(network: Network, pk: int, access: Access) -> Referral:
    referral = get_object_or_404(
        Referral.objects.select_related("group", "client", "referrer", "receiver"),
        network=network,
        pk=pk,
    )
    referral.network = referral.group.network = network
    if not access.can_view_referral(referral):
        # Clients are private: a referral you may not see does not exist for you.
        raise Http404("No such referral.")
    return referral


def _mark(referrals: Iterable[Referral], access: Access, user: Any) -> list[Referral]:
    """What each card may show this person: the client, and the moves they may make."""
    marked = []
    for referral in referrals:
        referral.show_client = access.can_see_client(referral)  # type: ignore[attr-defined]
        referral.quick_moves = [  # type: ignore[attr-defined]
            m for m in referral.moves_for(user) if m.target not in NEEDS_FORM
        ]
        referral.form_moves = [  # type: ignore[attr-defined]
            m for m in referral.moves_for(user) if m.target in NEEDS_FORM
        ]
        marked.append(referral)
    return marked


def _safe_next(request: AuthenticatedRequest, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


# ---------------------------------------------------------------- my referrals


@login_required
def my_referrals(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """Given, received, and the follow-ups due first, with the member's figures."""
    network, access = network_access(request, network_slug)
    today = network.today()
    mine = (
        Referral.objects.for_network(network)
        .involving(request.user.pk)
        .select_related("group", "client", "referrer", "receiver")
    )
    given = _mark(mine.filter(referrer=request.user), access, request.user)
    for referral in given:
        referral.group.network = network
        referral.overdue = referral.is_open and (  # type: ignore[attr-defined]
            referral.quiet_intervals(today) > 0
            or (referral.follow_up_on is not None and referral.follow_up_on < today)
        )
    due = sorted(
        (r for r in given if r.overdue),  # type: ignore[attr-defined]
        key=lambda r: r.last_touch_on or r.made_on,
    )
    received = _mark(mine.filter(receiver=request.user), access, request.user)
    boards = access.referral_boards()
    context = {
        "network": network,
        "access": access,
        "due": due,
        "given": [r for r in given if not r.overdue],  # type: ignore[attr-defined]
        "received": received,
        "boards": boards,
        "totals": figures.member_referrals(network, request.user.pk, today),
        "rules": figures.REFERRAL_RULES,
    }
    return render(request, "referrals/mine.html", context)


# ---------------------------------------------------------------- the board


def _board_context(
    request: AuthenticatedRequest, network: Network, group: PeerGroup, access: Access
) -> dict[str, Any]:
    referrals = _mark(
        Referral.objects.filter(group=group)
        .select_related("client", "referrer", "receiver", "group")
        .order_by("-made_on", "-id"),
        access,
        request.user,
    )
    columns: dict[str, list[Referral]] = {status: [] for status in COLUMNS}
    for referral in referrals:
        referral.network = referral.group.network = network
        columns[referral.status].append(referral)
    return {
        "network": network,
        "access": access,
        "group": group,
        "columns": [
            {
                "status": status,
                "label": Referral.Status(status).label,
                "cards": cards[:BOARD_LIMIT],
                "more": max(len(cards) - BOARD_LIMIT, 0),
            }
            for status, cards in columns.items()
        ],
        "totals": figures.group_referral_totals(group, network=network, today=network.today()),
        "can_refer": access.can_refer_in(group),
        "can_set_interval": access.can_set_follow_up_interval(group),
    }


@login_required
def board(request: AuthenticatedRequest, network_slug: str, group_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _cng(network, group_slug)
    access.require(access.can_see_group_referrals(group))
    context = _board_context(request, network, group, access)
    template = "referrals/board.html#board" if request.htmx else "referrals/board.html"
    return render(request, template, context)


# ---------------------------------------------------------------- making a referral


def _referral_form(
    request: AuthenticatedRequest, network: Network, group: PeerGroup, access: Access
) -> ReferralForm:
    colleagues = User.objects.filter(group_memberships__group=group).exclude(pk=request.user.pk)
    group_ids = access.client_group_ids
    if group_ids is None:
        group_ids = set(network.groups.values_list("pk", flat=True))
    clients = Client.objects.known_to(network, user_id=request.user.pk, group_ids=group_ids)
    return ReferralForm(
        request.POST or None,
        colleagues=colleagues.order_by("name"),
        clients=clients.order_by("name"),
        today=network.today(),
        initial={"need": request.GET.get("need", "")[:2000]},
    )


@login_required
def referral_new(request: AuthenticatedRequest, network_slug: str, group_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _cng(network, group_slug)
    access.require(access.can_refer_in(group))
    form = _referral_form(request, network, group, access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_create(
                group=group,
                referrer=request.user,
                receiver=data["receiver"],
                need=data["need"],
                client=data.get("known_client"),
                client_details=None if data.get("known_client") else form.client_details(),
                consent=data["consent"],
                follow_up_on=data["follow_up_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Referral made. {referral.receiver} has been told.")
            return redirect(referral)
    need = request.POST.get("need") or request.GET.get("need", "")
    suggestions = colleague_suggestions(group=group, referrer=request.user, need=need[:2000])
    context = {
        "network": network,
        "access": access,
        "group": group,
        "form": form,
        "suggestions": suggestions,
        "suggestion_rule": SUGGESTION_RULE,
        "need": need,
    }
    if request.htmx and request.method == "GET":
        return render(request, "referrals/new.html#suggestions", context)
    return render(request, "referrals/new.html", context)


# ---------------------------------------------------------------- a referral's story


def _story(referral: Referral) -> list[dict[str, Any]]:
    """Moves, corrections and touchpoints in the order they happened."""
    events: list[dict[str, Any]] = [
        {"when": c.changed_at, "kind": c.kind, "change": c}
        for c in referral.status_changes.select_related("changed_by")
    ]
    events += [
        {"when": t.created_at, "kind": "touchpoint", "touchpoint": t}
        for t in referral.touchpoints.select_related("author")
    ]
    return sorted(events, key=lambda e: e["when"])


def _detail_context(
    request: AuthenticatedRequest,
    network: Network,
    referral: Referral,
    access: Access,
    **forms: Any,
) -> dict[str, Any]:
    today = network.today()
    _mark([referral], access, request.user)
    return {
        "network": network,
        "access": access,
        "referral": referral,
        "story": _story(referral),
        "move_form": forms.get("move_form") or MoveForm(),
        "touchpoint_form": forms.get("touchpoint_form")
        or TouchpointForm(today=today, made_on=referral.made_on, initial={"happened_on": today}),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(),
        "consent_form": forms.get("consent_form") or ConsentForm(),
        "feedback_link": forms.get("feedback_link"),
        "can_touch": access.can_log_touchpoint(referral) and not referral.is_finished,
        "can_feedback": access.can_record_feedback(referral),
        "can_consent": access.can_record_consent(referral) and not referral.client.has_consent,
        "can_correct": access.can_correct_referral(referral),
        "can_erase": access.can_manage_client_privacy and referral.client.anonymised_at is None,
        "quiet": referral.quiet_intervals(today) if referral.is_open else 0,
        "is_referrer": request.user.pk == referral.referrer_id,
    }


@login_required
def referral_detail(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    return render(
        request,
        "referrals/detail.html",
        _detail_context(request, network, referral, access),
    )


@login_required
@require_POST
def referral_move_view(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    form = MoveForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral_move(
                referral=referral,
                to=data["to"],
                by=request.user,
                reason=data["reason"],
                value=data["value"],
                thanks=data["thanks"],
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            form.add_error(None, refusal)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    from_board = request.POST.get("from") == "board"
    if from_board:
        if request.htmx:
            context = _board_context(request, network, referral.group, access)
            context["board_error"] = error
            response = render(request, "referrals/board.html#board", context)
            if error:
                response.status_code = 422
            return response
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Moved.")
        return redirect("referrals:board", network.slug, referral.group.slug)
    if error:
        referral.refresh_from_db()
        context = _detail_context(request, network, referral, access, move_form=form)
        context["move_to"] = request.POST.get("to", "")
        return render(request, "referrals/detail.html", context, status=422)
    messages.success(request, f"The referral is now {referral.get_status_display().lower()}.")
    return redirect(referral)


@login_required
@require_POST
def touchpoint_create(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    access.require(access.can_log_touchpoint(referral))
    form = TouchpointForm(request.POST, today=network.today(), made_on=referral.made_on)
    if form.is_valid():
        data = form.cleaned_data
        try:
            touchpoint_add(
                referral=referral,
                author=request.user,
                kind=data["kind"],
                note=data["note"],
                happened_on=data["happened_on"],
                follow_up_on=data["follow_up_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Touchpoint logged.")
            return redirect(referral)
    context = _detail_context(request, network, referral, access, touchpoint_form=form)
    return render(request, "referrals/detail.html", context, status=422)


@login_required
@require_POST
def feedback_create(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    access.require(access.can_record_feedback(referral))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback_record(
                referral=referral,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Feedback recorded.")
            return redirect(referral)
    context = _detail_context(request, network, referral, access, feedback_form=form)
    return render(request, "referrals/detail.html", context, status=422)


@login_required
@require_POST
def feedback_link_view(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    """Shows the new link once, on the page that made it."""
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    access.require(access.can_record_feedback(referral))
    try:
        _, token = feedback_link_create(referral=referral, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(referral)
    url = request.build_absolute_uri(reverse("referral_feedback", kwargs={"token": token}))
    context = _detail_context(request, network, referral, access, feedback_link=url)
    return render(request, "referrals/detail.html", context)


@login_required
@require_POST
def consent_create(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    access.require(access.can_record_consent(referral))
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent_record(referral=referral, by=request.user, how=form.cleaned_data["how"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Consent recorded: the colleague can now see the details.")
            return redirect(referral)
    context = _detail_context(request, network, referral, access, consent_form=form)
    return render(request, "referrals/detail.html", context, status=422)


@login_required
def referral_correct_view(
    request: AuthenticatedRequest, network_slug: str, referral_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    referral = _referral(network, referral_id, access)
    access.require(access.can_correct_referral(referral))
    initial = {
        "made_on": referral.made_on,
        "served_on": referral.served_on,
        "closed_on": referral.closed_on,
        "closed_value": referral.closed_value,
    }
    form = CorrectionForm(request.POST or None, referral=referral, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = referral_correct(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Corrected; the history keeps what it was." if change else "No change."
            )
            return redirect(referral)
    return render(
        request,
        "referrals/correct.html",
        {"network": network, "access": access, "referral": referral, "form": form},
    )


# ---------------------------------------------------------------- settings and privacy


@login_required
def follow_up_settings(
    request: AuthenticatedRequest, network_slug: str, group_slug: str
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _cng(network, group_slug)
    access.require(access.can_set_follow_up_interval(group))
    form = FollowUpIntervalForm(request.POST or None, initial={"days": group.follow_up_days})
    if request.method == "POST" and form.is_valid():
        follow_up_interval_set(group=group, days=form.cleaned_data["days"])
        messages.success(request, "Follow-up interval saved.")
        return redirect("referrals:board", network.slug, group.slug)
    return render(
        request,
        "referrals/follow_up.html",
        {"network": network, "access": access, "group": group, "form": form},
    )


def _clients(network: Network, query: str) -> QuerySet[Client]:
    clients = Client.objects.for_network(network).filter(anonymised_at__isnull=True)
    if query:
        clients = clients.filter(
            Q(name__icontains=query) | Q(organisation__icontains=query) | Q(email__icontains=query)
        )
    return clients.order_by("name")


@login_required
def privacy(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """Organisers: how long clients are kept, erasure on request, and the erasure log."""
    network, access = network_access(request, network_slug)
    access.require(access.can_manage_client_privacy)
    form = RetentionForm(request.POST or None, initial={"months": network.client_retention_months})
    if request.method == "POST" and form.is_valid():
        retention_set(network=network, months=form.cleaned_data["months"])
        messages.success(request, "Retention saved.")
        return redirect("referrals:privacy", network.slug)
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "network": network,
        "access": access,
        "form": form,
        "query": query,
        "clients": _clients(network, query)[:50] if query else [],
        "erasures": ClientErasure.objects.filter(network=network).select_related("erased_by")[:50],
    }
    return render(request, "referrals/privacy.html", context)


@login_required
@require_POST
def client_erase_view(
    request: AuthenticatedRequest, network_slug: str, client_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    client = get_object_or_404(Client, network=network, pk=client_id)
    access.require(access.can_manage_client_privacy)
    try:
        client_erase(client=client, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The client's details are erased; the figures are kept.")
    return redirect(_safe_next(request, reverse("referrals:privacy", args=[network.slug])))


# ---------------------------------------------------------------- the client's own page


def feedback_public(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in, nothing of Grove but this form: the client rates how they were served."""
    link = FeedbackLink.find(token[:100])
    if link is None or not link.is_usable:
        state = "used" if link is not None and link.used_at else "invalid"
        return render(request, "referrals/feedback_public.html", {"state": state}, status=410)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_link_use(
                token=token,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "referrals/feedback_public.html", {"state": "thanks"})
    return render(
        request,
        "referrals/feedback_public.html",
        {"state": "open", "form": form, "referrer": link.referral.referrer.get_short_name()},
    )
