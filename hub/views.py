"""Pages that show several apps at once: a group's page with its activities, what they
contributed to the objectives and the group's reports; the activity pages; the member
directory and profiles. hub sits above every other app (README, "Layers"), so it imports
their models and services directly.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from groups.forms import (
    ActivityForm,
    GroupForm,
    GroupInvitationForm,
    GroupSearchForm,
    MemberAddForm,
    counts_toward,
)
from groups.models import Activity, ActivityQuerySet, GroupMembership, PeerGroup
from groups.services import (
    activity_delete,
    group_create,
    member_add,
    member_remove,
    member_set_role,
)
from networks.forms import MemberSearchForm, ProfileForm
from networks.http import AuthenticatedRequest
from networks.links import url_for_each
from networks.models import Membership, Network, User
from networks.people import SCOPES, chosen_ids, people_matching
from networks.policy import Access, network_access
from networks.services import invitation_create, invitation_revoke
from objectives import figures
from objectives.filters import ActivityFilterSet
from objectives.models import Contribution, Measure
from objectives.rollup import activity_count, activity_totals
from objectives.services import activity_save_with_contributions

PAGE_SIZE = 25
GROUPS_PER_PAGE = 25
RECENT_ACTIVITIES = 10
MEMBERS_SHOWN = 20
KIND_LABELS = dict(Activity.Kind.choices)


def _group(network: Network, slug: str) -> PeerGroup:
    group = get_object_or_404(PeerGroup, network=network, slug=slug)
    group.network = network  # already loaded: spares a query for every link to the group
    return group


def _group_with_totals(network: Network, slug: str) -> PeerGroup:
    """The group with its member and gardener counts (`member_totals`), in one query."""
    gardener = Q(memberships__role=GroupMembership.Role.GARDENER)
    group = get_object_or_404(
        PeerGroup.objects.annotate(
            member_total=Count("memberships"),
            gardener_total=Count("memberships", filter=gardener),
        ),
        network=network,
        slug=slug,
    )
    group.network = network
    group.member_totals = {  # type: ignore[attr-defined]
        "members": group.member_total,  # type: ignore[attr-defined]
        "gardeners": group.gardener_total,  # type: ignore[attr-defined]
    }
    return group


def _activity(network: Network, pk: int) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related("group", "led_by"), network=network, pk=pk
    )
    activity.network = activity.group.network = network
    return activity


def _with_cards(activities: ActivityQuerySet) -> ActivityQuerySet:
    """What an activity card shows of the activity, its group and leader (only the columns
    shown: the leader's name and email, not a User for each card); `_mark_editable` adds
    its people and the measures it advanced."""
    return (
        activities.select_related("group")
        .defer("group__purpose")
        .annotate(leader_name=F("led_by__name"), leader_email=F("led_by__email"))
    )


def _activity_form(
    request: AuthenticatedRequest,
    network: Network,
    group: PeerGroup,
    activity: Activity | None = None,
) -> ActivityForm:
    data = request.POST if request.method == "POST" else None
    fed = list(Measure.objects.fed_by_activities(network))
    contributions = (
        dict(Contribution.objects.filter(activity=activity).values_list("measure_id", "amount"))
        if activity
        else None
    )
    form = ActivityForm(
        data,
        instance=activity,
        group=group,
        today=network.today(),
        measures=[m for m in fed if m.source == Measure.Source.ACTIVITY_SUM],
        counted_by=[m for m in fed if m.source == Measure.Source.ACTIVITY_COUNT],
        contributions=contributions,
        initial=None if activity else {"occurred_on": network.today()},
        prefix=f"a{activity.pk}" if activity else None,
    )
    if form.counted_by:
        # The "Counts toward" list follows the kind select. Without htmx it follows the
        # kind once the form is posted; before, it lists every measure with its kinds.
        url = reverse("groups:activity_counts", kwargs={"network_slug": network.slug})
        form.fields["kind"].widget.attrs.update(
            {
                "hx-get": f"{url}?{urlencode({'prefix': form.prefix or ''})}",
                "hx-target": f"#{form.counts_toward_id()}",
                "hx-swap": "outerHTML",
            }
        )
    return form


def _save_activity(form: ActivityForm, activity: Activity) -> bool:
    """Validate and save; service-level refusals land on the form like field errors."""
    if form.is_valid():
        try:
            activity_save_with_contributions(
                activity=form.instance,
                participants=form.cleaned_data["participants"],
                contributions=form.contributions(),
            )
            return True
        except ValidationError as error:
            form.add_error(None, error)
    # htmx focuses an autofocus field it swaps in: keyboard and screen reader users land
    # on the first thing to fix instead of the top of the page.
    first = next((name for name in form.errors if name in form.fields), None)
    if first:
        form.fields[first].widget.attrs["autofocus"] = True
    return False


# Groups


@login_required
@require_GET
def group_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """The network's groups, a page at a time: the counts are read for the groups shown."""
    network, access = network_access(request, network_slug)
    search = GroupSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    groups = network.groups.active()
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(purpose__icontains=query))
    # Activities counted from the monthly rollup: a few dozen rows per group, where
    # counting the activities themselves read every one of a million on each visit.
    # Each count is a subquery on the page's rows only (after the LIMIT).
    shown = (
        groups.with_member_count()
        .annotate(activity_count=activity_totals())
        .with_gardeners()
        .order_by("name", "id")
    )
    page = Paginator(shown, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "network": network,
        "access": access,
        "search": search,
        "query": query,
        "page": page,
        "groups": page.object_list,
    }
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "groups/list.html#results", context)
    return render(request, "groups/list.html", context)


@login_required
def group_create_view(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_create_groups)
    form = GroupForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        group = group_create(
            network=network,
            name=form.cleaned_data["name"],
            slug=form.cleaned_data["slug"],
            kind=form.cleaned_data["kind"],
            purpose=form.cleaned_data["purpose"],
            is_cng=form.cleaned_data["is_cng"],
        )
        messages.success(
            request, f"Created {group.name}. Next: add its members and appoint a gardener."
        )
        return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"network": network, "access": access, "form": form, "group": None},
    )


@login_required
def group_edit(request: AuthenticatedRequest, network_slug: str, group_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    access.require(access.can_edit_group(group))
    form = GroupForm(request.POST or None, instance=group, network=network)
    if request.method == "POST" and form.is_valid():
        group = form.save()
        messages.success(request, f"Saved {group.name}.")
        return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"network": network, "access": access, "form": form, "group": group},
    )


def _detail_context(
    request: AuthenticatedRequest,
    network: Network,
    access: Access,
    group: PeerGroup,
    **forms: object,
) -> dict:
    manage = access.can_manage_group(group)
    context: dict = {
        "network": network,
        "access": access,
        "group": group,
        **_member_page(request, group),
        "can_manage": manage,
        "can_appoint": access.can_appoint_gardener,
        "can_see_referrals": access.can_see_group_referrals(group),
        "can_log": access.can_log_activity(group),
        "activities": _recent_activities(group, access),
        # The list shows each report's period and date, not its snapshot (kilobytes each).
        "reports": group.reports.order_by("-period_start").only(
            "network_id", "group_id", "period_start", "period_end", "created_at"
        )[:12]
        if access.can_see_group_reports(group)
        else None,
    }
    if manage:
        context["member_form"] = forms.get("member_form") or MemberAddForm(
            group=group, can_appoint=access.can_appoint_gardener
        )
        context["invite_form"] = forms.get("invite_form") or GroupInvitationForm(
            can_appoint=access.can_appoint_gardener
        )
        context["invitations"] = group.invitations.all()[:50]  # who invited is not shown
    if context["can_log"] and (forms.get("activity_form") or not context["activities"]):
        # Otherwise the page opens with the form closed and fetches it when opened
        # (activity_create answers htmx's GET with the form alone).
        context["activity_form"] = forms.get("activity_form") or _activity_form(
            request, network, group
        )
    return context


class _KnownCountPaginator(Paginator):
    """A Paginator told its count, when the page has it already from another query."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def _member_page(request: AuthenticatedRequest, group: PeerGroup) -> dict:
    """The group's members a page at a time (gardeners first), or those matching
    `member_q`: a group of hundreds renders its first few, not a form for everyone."""
    typed = request.GET.get("member_q", "").strip()[:100]
    memberships = group.memberships.order_by(  # "gardener" < "member": gardeners first
        "role", "user__name", "id"
    ).values_list("id", "role", "user__name", "user__email", "user__organisation")
    # The total and whether the group has a gardener: read with the group on its own page
    # (_group_with_totals), else in one query.
    totals = getattr(group, "member_totals", None) or group.memberships.aggregate(
        members=Count("pk"),
        gardeners=Count("pk", filter=Q(role=GroupMembership.Role.GARDENER)),
    )
    if typed:
        memberships = memberships.filter(
            Q(user__name__icontains=typed) | Q(user__email__icontains=typed)
        )
        paginator = Paginator(memberships, MEMBERS_SHOWN)
    else:
        paginator = _KnownCountPaginator(memberships, MEMBERS_SHOWN, count=totals["members"])
    page = paginator.get_page(request.GET.get("members"))
    # Each row's two forms, their URLs reversed once for the page (networks.links).
    group_kwargs = {"network_slug": group.network.slug, "group_slug": group.slug}
    role_url = url_for_each("groups:member_role", "membership_id", **group_kwargs)
    remove_url = url_for_each("groups:member_remove", "membership_id", **group_kwargs)
    # The rows as shown: a membership and a User per row cost more than the query did.
    members = [
        {
            "name": User.shown_as(name, email),
            "organisation": organisation,
            "role": role,
            "role_url": role_url(pk),
            "remove_url": remove_url(pk),
        }
        for pk, role, name, email, organisation in page.object_list
    ]
    return {
        "members_page": page,
        "members": members,
        "member_count": totals["members"],
        "has_gardener": totals["gardeners"] > 0,
        "member_q": typed,
    }


def _recent_activities(group: PeerGroup, access: Access) -> list[Activity]:
    return _mark_editable(_with_cards(group.activities.all())[:RECENT_ACTIVITIES], access)


class _CardLinks:
    """The links of a page's activity cards, each reversed once per page (networks.links)."""

    def __init__(self, network: Network) -> None:
        self.urls = {
            name: url_for_each(f"groups:{name}", "activity_id", network_slug=network.slug)
            for name in ("activity", "activity_edit", "activity_delete")
        }
        self.group_url = url_for_each("groups:detail", "group_slug", network_slug=network.slug)

    def for_activity(self, activity: Activity) -> dict[str, str]:
        links = {name: url(activity.pk) for name, url in self.urls.items()}
        links["group"] = self.group_url(activity.group.slug)
        return links


def _mark_editable(
    activities: Iterable[Activity], access: Access, *, saved: bool = False
) -> list[Activity]:
    """The cards' rows with what a template cannot ask: `editable`
    (access.can_edit_activity), `links` (_CardLinks), `kind_label` (get_kind_display
    normalises the choices at each call), `leader` (from `_with_cards`' columns), `saved`
    (the card just saved shows a badge), and in two queries for all of them
    `participant_text` (their names, joined) and `contribution_list` ((amount, unit, measure
    name) each). Read as plain values: prefetch_related builds a manager and a queryset per
    row, most of a page's time for 25 cards."""
    rows = list(activities)
    links = _CardLinks(access.network) if rows else None
    ids = [a.pk for a in rows]
    names: dict[int, list[str]] = defaultdict(list)
    advanced: dict[int, list[tuple]] = defaultdict(list)
    if ids:
        joined = (
            Activity.participants.through.objects.filter(activity_id__in=ids)
            .order_by("user__name", "user__email")  # User.Meta.ordering
            .values_list("activity_id", "user__name", "user__email")
        )
        for activity_id, name, email in joined:
            names[activity_id].append(User.shown_as(name, email))
        contributions = Contribution.objects.filter(activity_id__in=ids).values_list(
            "activity_id", "amount", "measure__unit", "measure__name"
        )
        for activity_id, *contribution in contributions:
            advanced[activity_id].append(tuple(contribution))
    for activity in rows:
        activity.kind_label = KIND_LABELS.get(activity.kind, activity.kind)  # type: ignore[attr-defined]
        activity.leader = activity.leader_name or activity.leader_email  # type: ignore[attr-defined]  # as User.__str__
        activity.editable = access.can_edit_activity(activity)  # type: ignore[attr-defined]
        activity.participant_text = ", ".join(names[activity.pk])  # type: ignore[attr-defined]
        activity.saved = saved  # type: ignore[attr-defined]
        activity.contribution_list = advanced[activity.pk]  # type: ignore[attr-defined]
        activity.links = links.for_activity(activity)  # type: ignore[attr-defined,union-attr]
    return rows


@login_required
@require_GET
def group_detail(request: AuthenticatedRequest, network_slug: str, group_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group_with_totals(network, group_slug)
    context = _detail_context(request, network, access, group)
    if request.htmx and not request.htmx.boosted and request.htmx.target == "group-members":
        return render(request, "groups/detail.html#members_section", context)
    return render(request, "groups/detail.html", context)


@login_required
@require_POST
def member_add_view(
    request: AuthenticatedRequest, network_slug: str, group_slug: str
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    access.require(access.can_manage_group(group))
    form = MemberAddForm(request.POST, group=group, can_appoint=access.can_appoint_gardener)
    if form.is_valid():
        role = form.cleaned_data.get("role") or GroupMembership.Role.MEMBER
        member_add(group=group, user=form.cleaned_data["user"], role=role)
        messages.success(request, f"Added {form.cleaned_data['user']} to {group.name}.")
        return redirect(group)
    context = _detail_context(request, network, access, group, member_form=form)
    return render(request, "groups/detail.html", context, status=422)


@login_required
@require_POST
def member_remove_view(
    request: AuthenticatedRequest, network_slug: str, group_slug: str, membership_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    membership = get_object_or_404(group.memberships.select_related("user"), pk=membership_id)
    access.require(access.can_remove_member(group, membership))
    member_remove(membership=membership)
    messages.success(request, f"Removed {membership.user} from {group.name}.")
    return redirect(group)


@login_required
@require_POST
def member_role(
    request: AuthenticatedRequest, network_slug: str, group_slug: str, membership_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    membership = get_object_or_404(group.memberships.select_related("user"), pk=membership_id)
    access.require(access.can_appoint_gardener)
    role = request.POST.get("role")
    if role not in GroupMembership.Role.values:
        messages.error(request, "Choose gardener or member.")
        return redirect(group)
    member_set_role(membership=membership, role=role)
    if role == GroupMembership.Role.GARDENER:
        messages.success(request, f"{membership.user} now gardens {group.name}.")
    else:
        messages.success(request, f"{membership.user} is no longer a gardener of {group.name}.")
    return redirect(group)


@login_required
@require_POST
def invite(request: AuthenticatedRequest, network_slug: str, group_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    access.require(access.can_manage_group(group))
    form = GroupInvitationForm(request.POST, can_appoint=access.can_appoint_gardener)
    if form.is_valid():
        email = form.cleaned_data["email"]
        invitation_create(
            network=network,
            email=email,
            role=form.cleaned_data.get("role") or "member",
            invited_by=request.user,
            group=group,
        )
        messages.success(request, f"Invitation sent to {email}.")
        return redirect(group)
    context = _detail_context(request, network, access, group, invite_form=form)
    return render(request, "groups/detail.html", context, status=422)


@login_required
@require_POST
def invitation_withdraw(
    request: AuthenticatedRequest, network_slug: str, group_slug: str, invitation_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    invitation = get_object_or_404(group.invitations, pk=invitation_id)
    access.require(access.can_withdraw_invitation(group, invitation))
    invitation_revoke(invitation=invitation)
    messages.success(request, f"Withdrew the invitation to {invitation.email}.")
    return redirect(group)


# Activities


@dataclass(frozen=True)
class GroupChoice:
    """A group as the log's filter and menu show it, with what the policy's group rules
    read (its id and network): a model instance for each of a network's 200 groups took
    4 ms of the activity log."""

    id: int
    network_id: int
    name: str
    slug: str


def active_groups(network: Network) -> list[GroupChoice]:
    rows = network.groups.active().values_list("id", "network_id", "name", "slug")
    return [GroupChoice(*row) for row in rows]


def activity_filters(
    network: Network, data: QueryDict | None, groups: list[GroupChoice]
) -> ActivityFilterSet:
    """The activity log's filters (objectives.filters, which the API uses too), for the log
    and its exports alike."""
    return ActivityFilterSet(
        data or None, queryset=Activity.objects.for_network(network), network=network, groups=groups
    )


def filtered_activities(network: Network, filters: ActivityFilterSet) -> ActivityQuerySet:
    """The network's activities the filters chose (all of them when they are unbound or do
    not validate): the activity log's list and its exports read the same rows."""
    return filters.qs if filters.is_bound and filters.is_valid() else filters.queryset


# Filters the monthly rollup can count for: the log's total is then read from the months.
ROLLED_FILTERS = {"kind", "group"}


def _log_paginator(network: Network, filters: ActivityFilterSet, rows: QuerySet) -> Paginator:
    """The log's pages. Unfiltered, or by kind or group only, the total comes from the
    monthly rollup (counting a network's million activities took longer than the page);
    with a date range, a member or an objective the rows chosen are counted."""
    chosen: dict = {}
    if filters.is_bound and filters.is_valid():
        chosen = {k: v for k, v in filters.form.cleaned_data.items() if v not in (None, "")}
    if set(chosen) <= ROLLED_FILTERS:
        total = activity_count(
            network, kind=chosen.get("kind", ""), group_slug=chosen.get("group", "")
        )
        return _KnownCountPaginator(rows, PAGE_SIZE, count=total)
    return Paginator(rows, PAGE_SIZE)


def _log_menu(network: Network, groups: list[GroupChoice]) -> SafeString:
    """The "Log an activity" menu's items, a link to each group's form, written in Python
    as an organiser's menu lists every group (a template loop over 200 took a millisecond)."""
    form_url = url_for_each("groups:activity_create", "group_slug", network_slug=network.slug)
    items = ((form_url(g.slug), escape(g.name)) for g in groups)
    # The names are escaped, the slugs quoted.
    return mark_safe("".join(f'<li><a href="{u}">in {name}</a></li>' for u, name in items))  # noqa: S308


@login_required
@require_GET
def activity_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    groups = active_groups(network)
    filters = activity_filters(network, request.GET, groups)
    activities = filtered_activities(network, filters)
    page = _log_paginator(network, filters, _with_cards(activities)).get_page(
        request.GET.get("page")
    )
    page.object_list = _mark_editable(page.object_list, access)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "network": network,
        "access": access,
        "filters": filters.form,
        "page": page,
        "query": query.urlencode(),
        "log_menu": _log_menu(network, [g for g in groups if access.can_log_activity(g)]),
    }
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "groups/activities.html#results", context)
    return render(request, "groups/activities.html", context)


@login_required
def activity_create(
    request: AuthenticatedRequest, network_slug: str, group_slug: str
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = _group(network, group_slug)
    access.require(access.can_log_activity(group))
    form = _activity_form(request, network, group)
    form.instance.group = group
    form.instance.network = network
    form.instance.led_by = request.user
    saved = request.method == "POST" and _save_activity(form, form.instance)
    if request.htmx and request.method == "GET":
        # The group page's "Log an activity", opened.
        context = {"network": network, "group": group, "activity_form": form}
        return render(request, "groups/detail.html#log_form", context)
    if request.htmx:
        context = _detail_context(request, network, access, group)
        if saved:
            context["logged"] = form.instance
        else:
            context["activity_form"] = form
        # 200 even with errors: htmx 2 does not swap 4xx responses by default.
        return render(request, "groups/detail.html#activity_section", context)
    if saved:
        messages.success(request, f"Logged “{form.instance.title}”.")
        return redirect(group)
    return render(
        request,
        "groups/activity_form.html",
        {"network": network, "access": access, "group": group, "form": form, "activity": None},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def activity_detail(
    request: AuthenticatedRequest, network_slug: str, activity_id: int
) -> HttpResponse:
    """The activity's own page, which every link to an activity opens; to htmx, its card
    alone (what an inline edit form returns to on cancel)."""
    network, access = network_access(request, network_slug)
    activity = _activity(network, activity_id)
    activity = _with_cards(Activity.objects.filter(pk=activity.pk)).get()
    _mark_editable([activity], access)
    context = {"network": network, "access": access, "activity": activity}
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "groups/_activity.html", context)
    return render(request, "groups/activity.html", context)


@login_required
@require_GET
def activity_counts(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """The activity form's "Counts toward" list for the kind chosen in its select."""
    network, _access = network_access(request, network_slug)
    prefix = request.GET.get("prefix", "")
    kind = request.GET.get(f"{prefix}-kind" if prefix else "kind", "")
    counted_by = [
        m
        for m in Measure.objects.fed_by_activities(network)
        if m.source == Measure.Source.ACTIVITY_COUNT
    ]
    context = {
        "counted": counts_toward(counted_by, kind),
        "counts_id": f"id_{prefix}-counts_toward" if prefix else "id_counts_toward",
        "kind_chosen": kind in Activity.Kind.values,
    }
    return render(request, "groups/_activity_fields.html#counts_toward", context)


@login_required
def activity_edit(
    request: AuthenticatedRequest, network_slug: str, activity_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    activity = _activity(network, activity_id)
    access.require(access.can_edit_activity(activity))
    form = _activity_form(request, network, activity.group, activity)
    saved = request.method == "POST" and _save_activity(form, activity)
    status = 422 if request.method == "POST" and not saved else 200
    if saved:
        if request.htmx:
            activity = _with_cards(Activity.objects.filter(pk=activity.pk)).get()
            _mark_editable([activity], access, saved=True)
            return render(
                request,
                "groups/_activity.html",
                {"network": network, "access": access, "activity": activity},
            )
        messages.success(request, f"Saved “{activity.title}”.")
        # Its own page: the group page lists only the latest few.
        return redirect("groups:activity", network_slug=network.slug, activity_id=activity.pk)
    context = {
        "network": network,
        "access": access,
        "group": activity.group,
        "form": form,
        "activity": activity,
    }
    if request.htmx:
        return render(request, "groups/activity_form.html#form", context)
    return render(request, "groups/activity_form.html", context, status=status)


@login_required
def activity_delete_view(
    request: AuthenticatedRequest, network_slug: str, activity_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    activity = _activity(network, activity_id)
    access.require(access.can_edit_activity(activity))
    if request.method == "POST":
        title, group = activity.title, activity.group
        activity_delete(activity=activity)
        if request.htmx:
            return render(request, "groups/_activity_deleted.html", {"title": title})
        messages.success(request, f"Deleted “{title}”.")
        return redirect(group)
    return render(
        request,
        "groups/activity_delete.html",
        {"network": network, "access": access, "activity": activity, "group": activity.group},
    )


# Members

MEMBERS_PER_PAGE = 24


@login_required
def members(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """The directory: who is in the network, what they know and which groups they are in."""
    network, access = network_access(request, network_slug)
    search = MemberSearchForm(request.GET or None)
    people = User.objects.filter(memberships__network=network).annotate(
        network_role=F("memberships__role")
    )
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        for word in query.split()[:5]:
            people = people.filter(
                Q(name__icontains=word)
                | Q(organisation__icontains=word)
                | Q(sector__icontains=word)
                | Q(expertise__icontains=word)
            )
    people = people.prefetch_related(
        Prefetch(
            "group_memberships",
            queryset=network_group_memberships(network),
            to_attr="network_groups",
        )
    ).order_by("name", "email")  # networks_user_name_email_idx
    if query:
        paginator = Paginator(people, MEMBERS_PER_PAGE)
    else:  # one membership each: counted without joining the people
        total = Membership.objects.filter(network=network).count()
        paginator = _KnownCountPaginator(people, MEMBERS_PER_PAGE, count=total)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "network": network,
        "access": access,
        "search": search,
        "query": query,
        "page": page,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "members/members.html#results" if partial else "members/members.html"
    return render(request, template, context)


def network_group_memberships(network: Network) -> QuerySet[GroupMembership]:
    """Memberships of the network's active groups, by group name."""
    return (
        GroupMembership.objects.filter(group__network=network, group__archived_at__isnull=True)
        .select_related("group")
        .order_by("group__name")
    )


@login_required
def member(request: AuthenticatedRequest, network_slug: str, user_id: int) -> HttpResponse:
    network, access = network_access(request, network_slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), network=network, user_id=user_id
    )
    person = membership.user
    led = person.activities_led.filter(network=network).select_related("group")
    joined = (
        person.activities_joined.filter(network=network)
        .exclude(led_by=person)
        .select_related("group", "led_by")
    )
    totals = figures.member_activity(network, person.pk).get(None, figures.MemberActivity(0, 0, 0))
    context = {
        "network": network,
        "access": access,
        "person": person,
        "membership": membership,
        "groups": list(network_group_memberships(network).filter(user=person)),
        "led": led[:20],
        "led_count": totals.led,
        "joined": joined[:20],
        "joined_count": totals.joined,
        "people_reached": totals.people_reached,
        "people_reached_help": figures.PEOPLE_REACHED_HELP,
        # Counts only: who the clients are stays private to the people on the referral.
        "referrals": figures.member_referrals(network, person.pk),
    }
    return render(request, "members/member.html", context)


# Profiles


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """One's own profile, the same in every network, and where one belongs."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    memberships = Membership.objects.filter(user=request.user).select_related("network")
    places = GroupMembership.objects.filter(
        user=request.user, group__archived_at__isnull=True
    ).select_related("group")
    by_network: dict[int, list[GroupMembership]] = {}
    for place in places.order_by("group__name"):
        by_network.setdefault(place.group.network_id, []).append(place)
    context = {
        "form": form,
        "networks": [(m, by_network.get(m.network_id, [])) for m in memberships],
    }
    return render(
        request,
        "members/profile.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@login_required
def member_edit(request: AuthenticatedRequest, network_slug: str, user_id: int) -> HttpResponse:
    """An organiser corrects a member's profile fields."""
    network, access = network_access(request, network_slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), network=network, user_id=user_id
    )
    person = membership.user
    access.require(access.can_edit_profile_of(person))
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved {person.name}'s profile.")
        return redirect("members:detail", network_slug=network.slug, user_id=person.pk)
    context = {"network": network, "access": access, "person": person, "form": form}
    return render(
        request,
        "members/member_edit.html",
        context,
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def people_search(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """A few people matching what was typed in a people field (networks.people), after
    the ones already chosen; always a partial, for the field's htmx search."""
    network, access = network_access(request, network_slug)
    scope = request.GET.get("scope", "network")
    if scope not in SCOPES:
        scope = "network"
    people = User.objects.filter(memberships__network=network)
    if scope != "network":
        group = _group(network, request.GET.get("group", ""))
        if scope == "group":
            people = people.filter(group_memberships__group=group)
        else:  # adding people to the group: only for those who manage it
            access.require(access.can_manage_group(group))
            people = people.exclude(group_memberships__group=group)
    field = request.GET.get("field", "")[:100]
    typed = request.GET.get(f"{field}_q", "")[:100]
    ids = chosen_ids(request.GET.getlist(field))
    chosen = list(people.filter(pk__in=ids).order_by("name", "email")) if ids else []
    matches = people_matching(people.exclude(pk__in=ids), typed) if typed.strip() else None
    context = {
        "name": field,
        "input_type": "radio" if request.GET.get("type") == "radio" else "checkbox",
        "chosen": chosen,
        "matches": matches,
        "typed": typed,
    }
    return render(request, "forms/widgets/_people_options.html", context)
