"""Dashboards: the network's progress, one group's impact, one member's contribution,
the gardener's console and the network's value.

Every page runs a fixed number of SQL queries whatever the size of the data: figures are
GROUP BY aggregates (through the progress engine where it has them), lists are capped.
The network dashboard aggregates over every activity of the network, so its figures are
cached for a few minutes per network and day; the page says when they were computed.
"""

import datetime as dt
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Model, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from groups.models import Activity, GroupMembership, PeerGroup
from networks.formatting import day_month
from networks.http import AuthenticatedRequest
from networks.links import url_for_each
from networks.models import Invitation, Network, User
from networks.policy import Access, network_access
from objectives import figures
from objectives.charts import (
    PALETTE,
    Series,
    bar_chart,
    line_chart,
    progress_chart,
    stacked_bar_chart,
)
from objectives.models import CheckIn, Measure, Objective, ProgressReport
from referrals.models import Referral

Source = Measure.Source
MONTHS = 12
TOP_GROUPS = 10
LIST_LIMIT = 25
CONSOLE_GROUPS_PER_PAGE = 10
# A page of many groups previews each list (its count and first few rows); a gardener's
# page of one group lists up to LIST_LIMIT.
CONSOLE_PREVIEW = 5
# The cache is cleared by every write that changes a figure (objectives.signals); the
# timeout only bounds how long an unvisited network's entry stays in memory.
DASHBOARD_CACHE_SECONDS = 24 * 60 * 60
ACTIVE_DAYS = 90
STALE_CHECK_IN_DAYS = 30
KIND_LABELS = figures.KIND_LABELS
# get_status_display normalises the choices at each call.
STATUS_LABELS = dict(Referral.Status.choices)


RowT = TypeVar("RowT", bound=Model)


def _label(month: dt.date) -> str:
    return f"{month:%b %Y}"


def _day(value: Any) -> dt.date:
    # TruncMonth gives datetimes on some backends; the dashboards speak in days.
    return value.date() if isinstance(value, dt.datetime) else value


def _objectives(network: Network) -> list[Objective]:
    return list(Objective.objects.filter(network=network).active().prefetch_related("measures"))


# ---------------------------------------------------------------- network dashboard


def _contribution_charts(
    network: Network, measures: list[Measure], end: dt.date
) -> list[SafeString]:
    group_names = dict(PeerGroup.objects.filter(network=network).values_list("id", "name"))
    by_group = figures.measure_values_by_group(measures, end=end) if measures else {}
    per_measure: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for (measure_id, group_id), value in by_group.items():
        if group_id in group_names and value:
            per_measure[measure_id].append((group_names[group_id], value))
    charts = []
    for index, measure in enumerate(measures):
        rows = sorted(per_measure.get(measure.pk, []), key=lambda r: (-r[1], r[0]))
        if not rows:
            continue
        top = rows[:TOP_GROUPS]
        unit = f" ({measure.unit})" if measure.unit else ""
        charts.append(
            bar_chart(
                title=f"{measure.name}{unit}: contribution by group",
                description=(
                    f"The {len(top)} groups contributing most to {measure.name}"
                    + (f", of {len(rows)} contributing groups." if len(rows) > len(top) else ".")
                ),
                labels=[name for name, _ in top],
                values=[value for _, value in top],
                colour=PALETTE[index % len(PALETTE)],
            )
        )
    return charts


def _activity_chart(network: Network, months: list[dt.date], end: dt.date) -> dict[str, Any]:
    kind_counts = figures.activity_counts_by_month(network, start=months[0], end=end)
    kinds = [k for k, _ in Activity.Kind.choices if any(key[1] == k for key in kind_counts)]
    labels = [_label(m) for m in months]
    chart = stacked_bar_chart(
        title="Activities by kind and month",
        description=(
            f"How many activities of each kind the network's groups logged each month from "
            f"{labels[0]} to {labels[-1]}."
        ),
        labels=labels,
        series=[
            Series(KIND_LABELS[k], [kind_counts.get((m, k), 0) for m in months]) for k in kinds
        ],
    )
    return {"activity_chart": chart, "activity_total": sum(kind_counts.values())}


def network_dashboard_data(network: Network, today: dt.date) -> dict[str, Any]:
    """Everything the network dashboard shows; plain data, so it can be cached."""
    objectives = _objectives(network)
    measures = [m for o in objectives for m in o.measures.all()]
    months = figures.recent_periods(today, "month", MONTHS)
    end = today + dt.timedelta(days=1)
    series = (
        figures.measure_series(measures, start=months[0], end=end, period="month")
        if measures
        else {}
    )
    # The series ends today: its last points are today's values.
    today_values = {pk: points[-1][1] for pk, points in series.items()}
    cards = [
        {"progress": progress, "chart": progress_chart(progress.objective, series, today=today)}
        for progress in figures.objectives_progress(
            network, objectives, on=today, values=today_values
        )
    ]
    return {
        "objective_cards": cards,
        "contribution_charts": _contribution_charts(network, measures, end),
        **_activity_chart(network, months, end),
        "objective_rule": figures.OBJECTIVE_RULE,
        "computed_at": timezone.now(),
    }


def _version_key(network_id: int) -> str:
    return f"grove:figures-version:{network_id}"


def _dashboard_cache_key(network_id: int) -> str:
    # Keyed by the network's figures version: a refresh that began before a write stores
    # its (stale) result under the old version, where nobody reads it.
    version = cache.get_or_set(_version_key(network_id), time.time_ns, None)
    return f"grove:dashboard:{network_id}:{version}"


def forget_network_dashboard(network_id: int) -> None:
    """Called after every write that changes a figure (objectives.signals), so the next
    visitor sees it. A version never repeats, even if the cache evicted the old one."""
    cache.set(_version_key(network_id), time.time_ns(), None)


def refresh_network_dashboard(network: Network) -> dict[str, Any]:
    """Compute the dashboard's figures and cache them as rendered HTML.

    The figures are the same for everyone who may see them, so a warm request costs the
    access check and one cache read. Calling this ahead of visitors (e.g. from Celery
    beat) spares the first one the cold computation.
    """
    key = _dashboard_cache_key(network.pk)  # before computing: see _dashboard_cache_key
    today = network.today()
    data = network_dashboard_data(network, today) | {"network": network}
    body = render_to_string("objectives/_dashboard_network_body.html", data)
    cached = {
        "body": mark_safe(body),  # noqa: S308 - rendered by our own template
        "computed_at": data["computed_at"],
        "day": today,
    }
    cache.set(key, cached, DASHBOARD_CACHE_SECONDS)
    return cached


def _fresh(cached: dict[str, Any] | None, network: Network) -> bool:
    # A new day moves every "expected" figure: yesterday's entry is stale.
    return cached is not None and cached.get("day") == network.today()


def network_dashboard_is_cold(network: Network) -> bool:
    """Whether the next visitor would wait for the figures to be computed."""
    return not _fresh(cache.get(_dashboard_cache_key(network.pk)), network)


def _cached_dashboard(network: Network) -> dict[str, Any]:
    cached = cache.get(_dashboard_cache_key(network.pk))
    if not _fresh(cached, network):
        cached = refresh_network_dashboard(network)
    return cached


def _group_dashboard_links(network: Network, access: Access) -> list[tuple[str, str]]:
    """(name, address) of every group dashboard this person may open (a network has
    hundreds of groups: networks.links)."""
    address = url_for_each("objectives:group_dashboard", "group_slug", network_slug=network.slug)
    groups = access.groups_with_visible_reports.values_list("name", "slug")
    return [(name, address(slug)) for name, slug in groups]


@login_required
def network_dashboard(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    today = network.today()
    context = {
        "network": network,
        "access": access,
        "today": today,
        **_cached_dashboard(network),
        # Outside the cached body: which groups are listed depends on who is looking.
        "group_dashboards": _group_dashboard_links(network, access),
    }
    return render(request, "objectives/dashboard_network.html", context)


# ---------------------------------------------------------------- group dashboard


def group_measure_charts(
    group: PeerGroup, measures: list[Measure], months: list[dt.date], end: dt.date
) -> list[dict[str, Any]]:
    """Each measure's chart of what the group added to it month by month."""
    # A reading stands until the next one, however old: the same part the objective page shows.
    parts, readings = figures.group_parts_and_readings(
        measures, group_id=group.pk, start=months[0], end=end, period="month"
    )
    labels = [_label(m) for m in months]
    charts = []
    for index, measure in enumerate(measures):
        values = [value for _, value in parts[measure.pk]]
        is_reading = measure.source == Source.MANUAL
        total: Decimal | None
        if is_reading:
            total = readings.get(measure.pk)
        else:
            total = sum((v for v in values if v is not None), Decimal(0))
        unit = f" ({measure.unit})" if measure.unit else ""
        chart = line_chart(
            title=f"{measure.name}{unit}: {group.name}'s part by month",
            description=(
                f"What {group.name} added to “{measure.name}” ({measure.objective}) "
                f"in each month from {labels[0]} to {labels[-1]}."
            ),
            labels=labels,
            series=[Series(group.name, values, colour=PALETTE[index % len(PALETTE)])],
            height=200,
        )
        charts.append(
            {"measure": measure, "is_reading": is_reading, "total": total, "chart": chart}
        )
    return charts


def _linked(rows: Iterable[RowT], url: Callable[[int], str]) -> list[RowT]:
    """The rows, each with its page's address as `link` (one reverse() for all of them)."""
    linked = list(rows)
    for row in linked:
        row.link = url(row.pk)  # type: ignore[attr-defined]
    return linked


def _recent_activities(network: Network, group: PeerGroup) -> list[dict[str, Any]]:
    """The group's ten latest activities as the table shows them: plain rows (a model
    instance costs its post_init signals too)."""
    url = url_for_each("groups:activity", "activity_id", network_slug=network.slug)
    rows = Activity.objects.filter(group=group).values_list(
        "pk", "occurred_on", "title", "kind", "people_reached", "led_by__name", "led_by__email"
    )[:10]
    return [
        {
            "link": url(pk),
            "occurred_on": day,
            "title": title,
            "kind": KIND_LABELS.get(kind, kind),
            "led_by": User.shown_as(name, email),
            "people_reached": reached,
        }
        for pk, day, title, kind, reached, name, email in rows
    ]


def group_dashboard_data(network: Network, group: PeerGroup, today: dt.date) -> dict[str, Any]:
    months = figures.recent_periods(today, "month", MONTHS)
    labels = [_label(m) for m in months]
    end = today + dt.timedelta(days=1)
    measures = list(Measure.objects.active_in(network))
    activity = figures.activity_figures(
        network, group_ids=[group.pk], start=months[0], end=end
    ).get(group.pk, figures.ActivityFigures())
    kinds = activity.by_kind
    referrals = figures.group_referral_totals(group, network=network, today=today)
    return {
        "measure_charts": group_measure_charts(group, measures, months, end),
        "activity": activity,
        "kinds_chart": bar_chart(
            title=f"{group.name}: activities by kind, last {MONTHS} months",
            description=f"How many activities of each kind {group.name} logged since {labels[0]}.",
            labels=[k.label for k in kinds],
            values=[k.count for k in kinds],
            label_heading="Kind",
        ),
        "recent": _recent_activities(network, group),
        "referrals": referrals,
        "served_rate": figures.share(referrals["served"], referrals["made"]),
        "reports": _linked(
            ProgressReport.objects.filter(group=group).defer("data")[:24],
            url_for_each("objectives:report", "report_id", network_slug=network.slug),
        ),
        "first_month": labels[0],
    }


@login_required
def group_dashboard(
    request: AuthenticatedRequest, network_slug: str, group_slug: str
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    group = get_object_or_404(PeerGroup, network=network, slug=group_slug)
    group.network = network
    access.require(access.can_see_group_reports(group))
    context = {
        "network": network,
        "access": access,
        "group": group,
        "people_reached_help": figures.PEOPLE_REACHED_HELP,
        **group_dashboard_data(network, group, network.today()),
    }
    return render(request, "objectives/dashboard_group.html", context)


# ---------------------------------------------------------------- my contribution


def my_contribution_data(network: Network, user: User, today: dt.date) -> dict[str, Any]:
    months = figures.recent_periods(today, "month", MONTHS)
    labels = [_label(m) for m in months]
    end = today + dt.timedelta(days=1)
    none = figures.MemberActivity(0, 0, 0)
    monthly = figures.member_activity(network, user.pk, start=months[0], end=end, period="month")
    referred = figures.member_referrals_by_period(
        network, user.pk, start=months[0], end=end, period="month"
    )
    rows = [
        {
            "month": _label(m),
            "activity": monthly.get(m, none),
            **referred.get(m, {"given": 0, "received": 0}),
        }
        for m in months
    ]
    chart = line_chart(
        title="My contribution by month",
        description=(
            f"Activities you led and joined, and referrals you gave and received, each month "
            f"from {labels[0]} to {labels[-1]}."
        ),
        labels=labels,
        series=[
            Series("Activities led", [monthly.get(m, none).led for m in months]),
            Series("Activities joined", [monthly.get(m, none).joined for m in months]),
            Series("Referrals given", [referred.get(m, {}).get("given", 0) for m in months]),
            Series("Referrals received", [referred.get(m, {}).get("received", 0) for m in months]),
        ],
    )
    return {
        "rows": rows[::-1],
        "chart": chart,
        "activity_totals": figures.member_activity(network, user.pk).get(None, none),
        "totals": figures.member_referrals(network, user.pk, today),
        "referral_rules": figures.REFERRAL_RULES,
        "first_month": labels[0],
    }


@login_required
def my_contribution(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    context = {
        "network": network,
        "access": access,
        "people_reached_help": figures.PEOPLE_REACHED_HELP,
        **my_contribution_data(network, request.user, network.today()),
    }
    return render(request, "objectives/dashboard_me.html", context)


# ---------------------------------------------------------------- gardener's console


def console_panels(
    network: Network, groups: list[PeerGroup], today: dt.date, access: Access | None = None
) -> list[dict]:
    """What the gardener's console shows for each group: idle members, overdue referrals,
    stale check-ins and pending invitations, in a fixed number of queries for a page."""
    period = figures.period_containing(network, today)
    group_ids = [g.pk for g in groups]
    by_id = {g.pk: g for g in groups}
    limit = LIST_LIMIT if len(groups) == 1 else CONSOLE_PREVIEW
    # Only what the lists show is loaded whole: the memberships come as ids (members, then
    # gardeners, the longest-standing first) and the overdue referrals as ranked ids; then
    # the first `limit` of each list per group are fetched, and the rest is counted.
    memberships = (
        GroupMembership.objects.filter(group_id__in=group_ids)
        .order_by("group_id", "-role", "joined_at", "id")  # groups_membership_order_idx
        .values_list("group_id", "user_id")
    )
    in_period = Activity.objects.filter(group_id__in=group_ids).in_period(period.start, period.end)
    # Who led or joined an activity of the period, in each group: one UNION.
    active: dict[int, set[int]] = defaultdict(set)
    for group_id, user_id in (
        in_period.order_by()
        .values_list("group_id", "led_by_id")
        .union(
            # the period's activities joined to their participants (read from the
            # participants' table, the activities were scanned twice)
            in_period.filter(participants__isnull=False)
            .order_by()
            .values_list("group_id", "participants")
        )
    ):
        active[group_id].add(user_id)
    member_count: dict[int, int] = {}
    idle_count: dict[int, int] = {}
    idle_ids: dict[int, list[int]] = {}
    for group_id, rows in groupby(memberships, key=itemgetter(0)):
        users = [user_id for _, user_id in rows]
        idle = [user_id for user_id in users if user_id not in active[group_id]]
        member_count[group_id] = len(users)
        idle_count[group_id] = len(idle)
        idle_ids[group_id] = idle[:limit]
    # Shown, never changed: plain rows (a model instance costs its post_init signals too).
    people = {
        pk: {"id": pk, "name": User.shown_as(name, email), "organisation": organisation}
        for pk, name, email, organisation in User.objects.filter(
            pk__in={u for ids in idle_ids.values() for u in ids}
        )
        .order_by()
        .values_list("id", "name", "email", "organisation")
    }
    members = {g: [people[u] for u in ids if u in people] for g, ids in idle_ids.items()}
    # Overdue: a follow-up date gone by, or no touchpoint for the group's interval; one
    # condition per interval among the groups (usually one), not one per group.
    by_interval: dict[int, list[int]] = defaultdict(list)
    for group in groups:
        by_interval[group.follow_up_days].append(group.pk)
    quiet = Q(pk__in=[])
    for days, ids in by_interval.items():
        cutoff = today - dt.timedelta(days=days)
        quiet |= Q(group_id__in=ids) & (
            Q(last_touch_on__lt=cutoff) | Q(last_touch_on__isnull=True, made_on__lt=cutoff)
        )
    overdue_all = (
        Referral.objects.filter(group_id__in=group_ids)
        .filter(Q(follow_up_on__lt=today) | quiet)
        .exclude(status__in=figures.SETTLED)
    )
    ranked = list(
        overdue_all.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("group_id")],
                order_by=[
                    F("follow_up_on").asc(nulls_last=True),
                    F("last_touch_on").asc(nulls_last=True),
                    F("id").asc(),
                ],
            ),
            total=Window(Count("id"), partition_by=[F("group_id")]),
        )
        .filter(rank__lte=limit)
        .order_by()
        .values_list("pk", "group_id", "total")
    )
    overdue_counts: dict[int, int] = {}
    for _, group_id, total in ranked:
        overdue_counts[group_id] = total
    overdue: dict[int, list[dict[str, Any]]] = defaultdict(list)
    overdue_rows = (
        Referral.objects.filter(pk__in=[pk for pk, _, _ in ranked])
        .select_related("client")  # the policy reads the client's consent
        .only(
            *("group_id", "network_id", "referrer_id", "receiver_id", "status"),
            *("follow_up_on", "last_touch_on", "made_on"),
            *("client__name", "client__consent"),
        )
        .annotate(
            referrer_name=F("referrer__name"),
            referrer_email=F("referrer__email"),
            receiver_name=F("receiver__name"),
            receiver_email=F("receiver__email"),
        )
        .order_by(
            "group_id",
            F("follow_up_on").asc(nulls_last=True),
            F("last_touch_on").asc(nulls_last=True),
            "id",
        )
    )
    # The lists' rows are what they show, ready for the template: a panel's lookups,
    # filters and model methods cost more there than the queries did.
    referral_url = url_for_each("referrals:detail", "referral_id", network_slug=network.slug)
    for referral in overdue_rows:
        referral.group = by_id[referral.group_id]
        due = referral.follow_up_on
        overdue[referral.group_id].append(
            {
                "referral": referral,
                "url": referral_url(referral.pk),
                # as User.__str__, without a User for each of them
                "referrer": referral.referrer_name or referral.referrer_email,  # type: ignore[attr-defined]
                "receiver": referral.receiver_name or referral.receiver_email,  # type: ignore[attr-defined]
                "show_client": access is not None and access.can_see_client(referral),
                "client": str(referral.client),
                "due": due if due is not None and due < today else None,
                "quiet_since": referral.last_touch_on or referral.made_on,
                "status": STATUS_LABELS.get(referral.status, referral.status).lower(),
            }
        )
    follow_through = figures.group_follow_through(network, groups, today)
    stale: dict[int, list[dict[str, Any]]] = defaultdict(list)
    stale_rows = (
        CheckIn.objects.filter(
            group_id__in=group_ids,
            measure__source=Source.MANUAL,
            measure__objective__archived_at__isnull=True,
        )
        .order_by()
        .values("group_id", "measure_id", "measure__name", "measure__objective__title")
        .annotate(last=Max("recorded_on"))
        .filter(last__lt=today - dt.timedelta(days=STALE_CHECK_IN_DAYS))
        .order_by("last")
    )
    for row in stale_rows:
        stale[row["group_id"]].append(row)
    invitations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    pending = Invitation.objects.pending().filter(group_id__in=group_ids)
    for group_id, email, role, sent, expires in pending.values_list(
        "group_id", "email", "role", "created_at", "expires_at"
    ):
        invitations[group_id].append(
            {
                "email": email,
                "role": Invitation.Role(role).label.lower(),
                "sent": day_month(timezone.localtime(sent)),
                "expires": day_month(timezone.localtime(expires)),
            }
        )
    group_url = url_for_each("groups:detail", "group_slug", network_slug=network.slug)
    panels = []
    for group in groups:
        panels.append(
            {
                "group": group,
                "anchor": f"console-{group.pk}",
                "name": group.name,
                "url": group_url(group.slug),
                "follow_up_days": group.follow_up_days,
                "idle": members.get(group.pk, []),
                "idle_count": idle_count.get(group.pk, 0),
                "member_count": member_count.get(group.pk, 0),
                "overdue": overdue[group.pk],
                "overdue_count": overdue_counts.get(group.pk, 0),
                "follow_through": follow_through.get(group.pk),
                "stale": stale[group.pk],
                "invitations": invitations[group.pk][:limit],
                "invitation_count": len(invitations[group.pk]),
            }
        )
    return panels


@login_required
def gardener_console(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_use_console)
    today = network.today()
    groups = access.console_groups(PeerGroup.objects.filter(network=network).active())
    # Organisers see every group: a page of groups at a time keeps the work per request fixed.
    page = Paginator(groups, CONSOLE_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    page_groups = list(page.object_list)
    for group in page_groups:
        group.network = network  # links to each group without a query per group
    context = {
        "network": network,
        "access": access,
        "period": figures.period_containing(network, today),
        "panels": console_panels(network, page_groups, today, access),
        "page": page,
        "today": today,
        "stale_days": STALE_CHECK_IN_DAYS,
    }
    return render(request, "objectives/dashboard_console.html", context)


# ---------------------------------------------------------------- network value


def power_of_two_text(exponent: int, minus: int = 0) -> str:
    """2**exponent - minus written out, or in scientific notation when it is long.

    Exact integer arithmetic throughout: 2**20000 has ~6,000 digits, far past floats,
    and past Python's default int-to-str limit, so the mantissa comes from integer division.
    """
    value = (1 << exponent) - minus
    if value < 10**15:
        return f"{value:,}"
    power = int((value.bit_length() - 1) * math.log10(2))
    while 10 ** (power + 1) <= value:
        power += 1
    while 10**power > value:
        power -= 1
    mantissa = value // 10 ** (power - 2)  # three significant digits
    return f"{mantissa // 100}.{mantissa % 100:02d} × 10^{power:,}"


def power_html(text: str) -> SafeString:
    """'1.15 × 10^18' with the exponent set as a superscript."""
    base, _, power = text.partition("^")
    if not power:
        return format_html("{}", text)
    return format_html("{}<sup>{}</sup>", base, power)


def evenness(counts: list[int]) -> float | None:
    """Shannon evenness (Pielou's J): 1 when every category is equally common."""
    total = sum(counts)
    present = [c for c in counts if c]
    if total == 0 or len(present) < 2:
        return None
    entropy = -sum(c / total * math.log(c / total) for c in present)
    return entropy / math.log(len(present))


def _distribution(rows: list[tuple[str, int]]) -> dict[str, Any]:
    total = sum(n for _, n in rows)
    return {
        "rows": [
            {"label": label, "count": n, "share": figures.share(n, total)} for label, n in rows
        ],
        "distinct": len([n for _, n in rows if n]),
        "evenness": evenness([n for _, n in rows]),
        "total": total,
    }


def network_value_data(network: Network, today: dt.date) -> dict[str, Any]:
    """Reed's law figures, the diversity of groups and sectors, activity and reciprocity."""
    kinds = Counter(
        dict(
            PeerGroup.objects.filter(network=network)
            .active()
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
        )
    )
    group_count = sum(kinds.values())
    sectors = figures.member_sectors(network, today - dt.timedelta(days=ACTIVE_DAYS))
    member_count = sum(n for _, n, _ in sectors)
    active_count = sum(active for _, _, active in sectors)
    reciprocity = figures.member_reciprocity(network)
    kind_rows = sorted(
        ((str(PeerGroup.Kind(k).label), n) for k, n in kinds.items()), key=lambda r: (-r[1], r[0])
    )
    return {
        "group_count": group_count,
        "group_value": power_of_two_text(group_count),
        "group_value_html": power_html(power_of_two_text(group_count)),
        "member_count": member_count,
        "subgroups": power_of_two_text(member_count, member_count + 1) if member_count else "0",
        "subgroups_html": power_html(
            power_of_two_text(member_count, member_count + 1) if member_count else "0"
        ),
        "active_count": active_count,
        "active_share": figures.share(active_count, member_count),
        "active_days": ACTIVE_DAYS,
        "kinds": _distribution(kind_rows),
        "sectors": _distribution([(s or "Not given", n) for s, n, _ in sectors]),
        "reciprocity": reciprocity,
        "reciprocity_share": figures.share(reciprocity["both"], reciprocity["givers"]),
        "only_give": reciprocity["givers"] - reciprocity["both"],
        "only_receive": reciprocity["receivers"] - reciprocity["both"],
    }


@login_required
def network_value(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    context = {
        "network": network,
        "access": access,
        **network_value_data(network, network.today()),
    }
    return render(request, "objectives/dashboard_value.html", context)
