"""Dashboards: the network's progress, one group's impact, one member's contribution,
the gardener's console and the network's value.

Every page runs a fixed number of SQL queries whatever the size of the data: figures are
GROUP BY aggregates (through the progress engine where it has them), lists are capped.
The network dashboard aggregates over every activity of the network, so its figures are
cached for a few minutes per network and day; the page says when they were computed.
"""

import dataclasses
import datetime as dt
import math
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Invitation, Membership, Network, User
from networks.policy import network_access
from objectives.charts import PALETTE, Series, bar_chart, line_chart, stacked_bar_chart
from objectives.models import CheckIn, Contribution, Measure, Objective, ProgressReport
from objectives.progress import (
    measure_progress,
    measure_series,
    measure_values_by_group,
    objective_progress,
    period_containing,
    progress_of,
)
from referrals.models import Referral, Touchpoint

Source = Measure.Source
MONTHS = 12
TOP_GROUPS = 10
LIST_LIMIT = 25
CONSOLE_GROUPS_PER_PAGE = 20
DASHBOARD_CACHE_SECONDS = 300
ACTIVE_DAYS = 90
STALE_CHECK_IN_DAYS = 30
DONE = (Referral.Status.SERVED, Referral.Status.CLOSED)
SETTLED = (*DONE, Referral.Status.DECLINED)
KIND_LABELS = dict(Activity.Kind.choices)


# ---------------------------------------------------------------- helpers


def _month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """First days of the last `count` months, oldest first, ending with today's month."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months[::-1]


def _next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _label(month: dt.date) -> str:
    return f"{month:%b %Y}"


def _day(value: Any) -> dt.date:
    # TruncMonth gives datetimes on some backends; the dashboards speak in days.
    return value.date() if isinstance(value, dt.datetime) else value


def _share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def _objectives(network: Network) -> list[Objective]:
    return list(Objective.objects.filter(network=network).active().prefetch_related("measures"))


# ---------------------------------------------------------------- network dashboard


def network_dashboard_data(network: Network, today: dt.date) -> dict[str, Any]:
    """Everything the network dashboard shows; plain data, so it can be cached."""
    objectives = _objectives(network)
    measures = [m for o in objectives for m in o.measures.all()]
    months = _month_starts(today)
    labels = [_label(m) for m in months]
    end = today + dt.timedelta(days=1)
    series = measure_series(measures, start=months[0], end=end, period="month") if measures else {}

    cards = []
    for index, objective in enumerate(objectives):
        own = list(objective.measures.all())
        current = [
            measure_progress(m, series[m.pk][-1][1], on=today, tolerance=network.tolerance)
            for m in own
        ]
        progress = objective_progress(objective, current, on=today, tolerance=network.tolerance)
        started = [_next_month(month) > objective.starts_on for month in months]
        lines = [
            Series(
                f"{m.name}",
                [
                    progress_of(m, value) if started[i] else None
                    for i, (_, value) in enumerate(series[m.pk])
                ],
                colour=PALETTE[(index + j) % len(PALETTE)],
            )
            for j, m in enumerate(own)
        ]
        expected = [
            objective.expected_progress(min(_next_month(month) - dt.timedelta(days=1), today))
            if started[i]
            else None
            for i, month in enumerate(months)
        ]
        lines.append(Series("Expected", expected, dashed=True))
        # The axis starts with the objective (within the window): no empty months before it.
        first = started.index(True) if True in started else 0
        lines = [dataclasses.replace(s, values=s.values[first:]) for s in lines]
        chart = line_chart(
            title=f"{objective.title}: progress by month",
            description=(
                f"Progress of each measure toward its target at the end of every month from "
                f"{labels[first]} to {labels[-1]}, with the expected progress as a dashed line."
            ),
            labels=labels[first:],
            series=lines,
            value_style="percent",
            y_label="Progress",
        )
        cards.append({"progress": progress, "chart": chart})

    group_names = dict(PeerGroup.objects.filter(network=network).values_list("id", "name"))
    by_group = measure_values_by_group(measures, end=end) if measures else {}
    per_measure: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for (measure_id, group_id), value in by_group.items():
        if group_id in group_names and value:
            per_measure[measure_id].append((group_names[group_id], value))
    contribution_charts = []
    for index, measure in enumerate(measures):
        rows = sorted(per_measure.get(measure.pk, []), key=lambda r: (-r[1], r[0]))
        if not rows:
            continue
        top = rows[:TOP_GROUPS]
        unit = f" ({measure.unit})" if measure.unit else ""
        contribution_charts.append(
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

    kind_counts: dict[tuple[dt.date, str], int] = {}
    rows = (
        Activity.objects.for_network(network)
        .in_period(months[0], end)
        .annotate(month=TruncMonth("occurred_on"))
        .order_by()
        .values("month", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        kind_counts[(_day(row["month"]), row["kind"])] = row["n"]
    kinds = [k for k, _ in Activity.Kind.choices if any(key[1] == k for key in kind_counts)]
    activity_chart = stacked_bar_chart(
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
    return {
        "objective_cards": cards,
        "contribution_charts": contribution_charts,
        "activity_chart": activity_chart,
        "activity_total": sum(kind_counts.values()),
        "computed_at": timezone.now(),
    }


def _dashboard_cache_key(network: Network, today: dt.date) -> str:
    return f"grove:dashboard:{network.pk}:{today.isoformat()}"


def refresh_network_dashboard(network: Network) -> dict[str, Any]:
    """Compute the dashboard's figures and cache them as rendered HTML.

    The figures are the same for everyone who may see them, so a warm request costs the
    access check and one cache read. Calling this on a schedule (every few minutes, e.g.
    from Celery beat) spares the first visitor the cold computation.
    """
    today = network.today()
    data = network_dashboard_data(network, today)
    body = render_to_string("objectives/_dashboard_network_body.html", data)
    cached = {"body": mark_safe(body), "computed_at": data["computed_at"]}  # noqa: S308
    cache.set(_dashboard_cache_key(network, today), cached, DASHBOARD_CACHE_SECONDS)
    return cached


@login_required
def network_dashboard(request: HttpRequest, network: str) -> HttpResponse:
    network, access = network_access(request, network)
    today = network.today()
    cached = cache.get(_dashboard_cache_key(network, today)) or refresh_network_dashboard(network)
    context = {"network": network, "access": access, "today": today, **cached}
    return render(request, "objectives/dashboard_network.html", context)


# ---------------------------------------------------------------- group dashboard


def group_monthly_values(
    group: PeerGroup, measures: list[Measure], *, start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date], Decimal]:
    """(measure id, first day of month) -> what this group added to the measure that month.

    The engine breaks figures down by group or by period; a group's dashboard needs both
    at once, so these are the same aggregates filtered to one group and grouped by month.
    For manual measures it is the group's latest reading in the month.
    """
    found: dict[tuple[int, dt.date], Decimal] = {}
    by_source: dict[str, list[Measure]] = defaultdict(list)
    for m in measures:
        by_source[m.source].append(m)

    if counted := by_source[Source.ACTIVITY_COUNT]:
        aggregates = {}
        for m in counted:
            condition = Q(occurred_on__gte=m.objective.starts_on)
            if m.activity_kinds:
                condition &= Q(kind__in=m.activity_kinds)
            aggregates[f"m{m.pk}"] = Count("id", filter=condition)
        rows = (
            Activity.objects.filter(group=group)
            .in_period(start, end)
            .annotate(month=TruncMonth("occurred_on"))
            .order_by()
            .values("month")
            .annotate(**aggregates)
        )
        for row in rows:
            for m in counted:
                if row[f"m{m.pk}"]:
                    found[(m.pk, _day(row["month"]))] = Decimal(row[f"m{m.pk}"])

    if summed := by_source[Source.ACTIVITY_SUM]:
        rows = (
            Contribution.objects.filter(
                measure__in=summed,
                activity__group=group,
                activity__occurred_on__gte=start,
                activity__occurred_on__lt=end,
            )
            .annotate(month=TruncMonth("activity__occurred_on"))
            .order_by()
            .values("measure_id", "month")
            .annotate(total=Sum("amount"))
        )
        for row in rows:
            found[(row["measure_id"], _day(row["month"]))] = row["total"]

    referral_days = {
        Source.REFERRALS_MADE: "made_on",
        Source.REFERRALS_SERVED: "served_on",
        Source.REFERRALS_CLOSED_VALUE: "closed_on",
    }
    for source, day_field in referral_days.items():
        if not (referred := by_source[source]):
            continue
        aggregates = {}
        for m in referred:
            condition = Q(**{f"{day_field}__gte": m.objective.starts_on})
            if source == Source.REFERRALS_CLOSED_VALUE:
                aggregates[f"m{m.pk}"] = Sum("closed_value", filter=condition)
            else:
                aggregates[f"m{m.pk}"] = Count("id", filter=condition)
        rows = (
            Referral.objects.filter(
                group=group, **{f"{day_field}__gte": start, f"{day_field}__lt": end}
            )
            .annotate(month=TruncMonth(day_field))
            .order_by()
            .values("month")
            .annotate(**aggregates)
        )
        for row in rows:
            for m in referred:
                if row[f"m{m.pk}"]:
                    found[(m.pk, _day(row["month"]))] = Decimal(row[f"m{m.pk}"])

    if manual := by_source[Source.MANUAL]:
        # Few rows (a reading a month at most): the latest per month wins in order.
        readings = (
            CheckIn.objects.filter(
                group=group, measure__in=manual, recorded_on__gte=start, recorded_on__lt=end
            )
            .order_by("recorded_on", "id")
            .values_list("measure_id", "recorded_on", "value")
        )
        for measure_id, day, value in readings:
            found[(measure_id, day.replace(day=1))] = value
    return found


@login_required
def group_dashboard(request: HttpRequest, network: str, group: str) -> HttpResponse:
    network, access = network_access(request, network)
    group = get_object_or_404(PeerGroup, network=network, slug=group)
    group.network = network
    access.require(access.can_see_group_reports(group))
    today = network.today()
    months = _month_starts(today)
    labels = [_label(m) for m in months]
    end = today + dt.timedelta(days=1)

    objectives = _objectives(network)
    measures = [m for o in objectives for m in o.measures.all()]
    monthly = group_monthly_values(group, measures, start=months[0], end=end)
    measure_charts = []
    for index, measure in enumerate(measures):
        unit = f" ({measure.unit})" if measure.unit else ""
        if measure.source == Source.MANUAL:
            # Readings, not amounts: a month without one is a gap, and the latest one stands.
            values = [monthly.get((measure.pk, month)) for month in months]
            total = next((v for v in reversed(values) if v is not None), None)
        else:
            values = [monthly.get((measure.pk, month), Decimal(0)) for month in months]
            total = sum(values)
        measure_charts.append(
            {
                "measure": measure,
                "is_reading": measure.source == Source.MANUAL,
                "total": total,
                "chart": line_chart(
                    title=f"{measure.name}{unit}: {group.name}'s part by month",
                    description=(
                        f"What {group.name} added to “{measure.name}” ({measure.objective}) "
                        f"in each month from {labels[0]} to {labels[-1]}."
                    ),
                    labels=labels,
                    series=[Series(group.name, values, colour=PALETTE[index % len(PALETTE)])],
                    height=200,
                ),
            }
        )

    kind_rows = (
        Activity.objects.filter(group=group)
        .in_period(months[0], end)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"), reached=Sum("people_reached"))
        .order_by("-n", "kind")
    )
    kinds = [
        {"kind": KIND_LABELS.get(r["kind"], r["kind"]), "count": r["n"], "reached": r["reached"]}
        for r in kind_rows
    ]
    kinds_chart = bar_chart(
        title=f"{group.name}: activities by kind, last {MONTHS} months",
        description=f"How many activities of each kind {group.name} logged since {labels[0]}.",
        labels=[k["kind"] for k in kinds],
        values=[k["count"] for k in kinds],
        label_heading="Kind",
    )
    recent = list(Activity.objects.filter(group=group).select_related("led_by")[:10])
    referrals = Referral.objects.filter(group=group).aggregate(
        made=Count("id"),
        open=Count("id", filter=~Q(status__in=SETTLED)),
        served=Count("id", filter=Q(status__in=DONE)),
        closed=Count("id", filter=Q(status=Referral.Status.CLOSED)),
        value=Sum("closed_value"),
        rating=Avg("client_rating"),
    )
    reports = list(
        ProgressReport.objects.filter(group=group).values("id", "period_start", "period_end")[:24]
    )
    for report in reports:
        report["last_day"] = report["period_end"] - dt.timedelta(days=1)
    context = {
        "network": network,
        "access": access,
        "group": group,
        "measure_charts": measure_charts,
        "kinds": kinds,
        "kinds_chart": kinds_chart,
        "recent": recent,
        "referrals": referrals,
        "served_rate": _share(referrals["served"], referrals["made"]),
        "reports": reports,
        "first_month": labels[0],
    }
    return render(request, "objectives/dashboard_group.html", context)


# ---------------------------------------------------------------- my contribution


@login_required
def my_contribution(request: HttpRequest, network: str) -> HttpResponse:
    network, access = network_access(request, network)
    user = request.user
    today = network.today()
    months = _month_starts(today)
    labels = [_label(m) for m in months]
    end = today + dt.timedelta(days=1)

    joined = Activity.participants.through.objects.filter(user_id=user.pk).values("activity_id")
    activity_rows = (
        Activity.objects.for_network(network)
        .in_period(months[0], end)
        .filter(Q(led_by_id=user.pk) | Q(pk__in=joined))
        .annotate(month=TruncMonth("occurred_on"))
        .order_by()
        .values("month")
        .annotate(
            led=Count("id", filter=Q(led_by_id=user.pk)),
            joined=Count("id", filter=~Q(led_by_id=user.pk)),
            reached=Sum("people_reached"),
        )
    )
    referral_rows = (
        Referral.objects.for_network(network)
        .made_in(months[0], end)
        .filter(Q(referrer_id=user.pk) | Q(receiver_id=user.pk))
        .annotate(month=TruncMonth("made_on"))
        .order_by()
        .values("month")
        .annotate(
            given=Count("id", filter=Q(referrer_id=user.pk)),
            received=Count("id", filter=Q(receiver_id=user.pk)),
        )
    )
    per_month: dict[dt.date, dict[str, int]] = {
        m: {"led": 0, "joined": 0, "reached": 0, "given": 0, "received": 0} for m in months
    }
    for row in activity_rows:
        per_month[_day(row["month"])].update(
            led=row["led"], joined=row["joined"], reached=row["reached"] or 0
        )
    for row in referral_rows:
        per_month[_day(row["month"])].update(given=row["given"], received=row["received"])

    followed = Exists(Touchpoint.objects.filter(referral=OuterRef("pk"), author_id=user.pk))
    given_q = Q(referrer_id=user.pk)
    totals = (
        Referral.objects.for_network(network)
        .filter(Q(referrer_id=user.pk) | Q(receiver_id=user.pk))
        .aggregate(
            given=Count("id", filter=given_q),
            given_settled=Count("id", filter=given_q & Q(status__in=DONE)),
            followed=Count("id", filter=given_q & Q(status__in=DONE) & Q(followed)),
            touched=Count("id", filter=given_q & Q(followed)),
            rating=Avg("client_rating", filter=given_q),
            value=Sum("closed_value", filter=given_q),
            received=Count("id", filter=Q(receiver_id=user.pk)),
            received_served=Count("id", filter=Q(receiver_id=user.pk, status__in=DONE)),
        )
    )
    activity_totals = (
        Activity.objects.for_network(network)
        .filter(Q(led_by_id=user.pk) | Q(pk__in=joined))
        .aggregate(
            led=Count("id", filter=Q(led_by_id=user.pk)),
            joined=Count("id", filter=~Q(led_by_id=user.pk)),
            reached=Sum("people_reached"),
        )
    )
    rows = [{"month": _label(m), **per_month[m]} for m in months]
    chart = line_chart(
        title="My contribution by month",
        description=(
            f"Activities you led and joined, and referrals you gave and received, each month "
            f"from {labels[0]} to {labels[-1]}."
        ),
        labels=labels,
        series=[
            Series("Activities led", [per_month[m]["led"] for m in months]),
            Series("Activities joined", [per_month[m]["joined"] for m in months]),
            Series("Referrals given", [per_month[m]["given"] for m in months]),
            Series("Referrals received", [per_month[m]["received"] for m in months]),
        ],
    )
    context = {
        "network": network,
        "access": access,
        "rows": rows[::-1],
        "chart": chart,
        "totals": totals,
        "activity_totals": activity_totals,
        "follow_through": _share(totals["followed"], totals["given"]),
        "touched_share": _share(totals["touched"], totals["given"]),
        "served_rate": _share(totals["given_settled"], totals["given"]),
        "first_month": labels[0],
    }
    return render(request, "objectives/dashboard_me.html", context)


# ---------------------------------------------------------------- gardener's console


@login_required
def gardener_console(request: HttpRequest, network: str) -> HttpResponse:
    network, access = network_access(request, network)
    access.require(access.is_organiser or bool(access.gardened_group_ids))
    today = network.today()
    period = period_containing(network, today)
    groups = PeerGroup.objects.filter(network=network, archived_at__isnull=True)
    if not access.is_organiser:
        groups = groups.filter(pk__in=access.gardened_group_ids)
    # Organisers see every group: a page of groups at a time keeps the work per request fixed.
    page = Paginator(groups, CONSOLE_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    for group in groups:
        group.network = network  # links to each group without a query per group
    group_ids = [g.pk for g in groups]

    members: dict[int, list[User]] = defaultdict(list)
    for membership in GroupMembership.objects.filter(group_id__in=group_ids).select_related("user"):
        members[membership.group_id].append(membership.user)
    in_period = Activity.objects.filter(group_id__in=group_ids).in_period(period.start, period.end)
    active = set(in_period.order_by().values_list("group_id", "led_by_id").distinct())
    active |= set(
        Activity.participants.through.objects.filter(activity__in=in_period)
        .order_by()
        .values_list("activity__group_id", "user_id")
        .distinct()
    )
    overdue: dict[int, list[Referral]] = defaultdict(list)
    overdue_rows = (
        Referral.objects.filter(group_id__in=group_ids, follow_up_on__lt=today)
        .exclude(status__in=SETTLED)
        .select_related("referrer", "receiver", "client")
        .order_by("follow_up_on", "id")
    )
    for referral in overdue_rows:
        overdue[referral.group_id].append(referral)
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
    invitations: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in Invitation.objects.pending().filter(group_id__in=group_ids):
        invitations[invitation.group_id].append(invitation)

    panels = []
    for group in groups:
        idle = [u for u in members[group.pk] if (group.pk, u.pk) not in active]
        panels.append(
            {
                "group": group,
                "idle": idle[:LIST_LIMIT],
                "idle_count": len(idle),
                "member_count": len(members[group.pk]),
                "overdue": overdue[group.pk][:LIST_LIMIT],
                "overdue_count": len(overdue[group.pk]),
                "stale": stale[group.pk],
                "invitations": invitations[group.pk][:LIST_LIMIT],
                "invitation_count": len(invitations[group.pk]),
            }
        )
    context = {
        "network": network,
        "access": access,
        "period": period,
        "panels": panels,
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
        "rows": [{"label": label, "count": n, "share": _share(n, total)} for label, n in rows],
        "distinct": len([n for _, n in rows if n]),
        "evenness": evenness([n for _, n in rows]),
        "total": total,
    }


@login_required
def network_value(request: HttpRequest, network: str) -> HttpResponse:
    network, access = network_access(request, network)
    today = network.today()
    kinds = Counter(
        dict(
            PeerGroup.objects.filter(network=network, archived_at__isnull=True)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
        )
    )
    group_count = sum(kinds.values())
    members = Membership.objects.filter(network=network)
    member_count = members.count()
    sectors = (
        User.objects.filter(memberships__network=network)
        .order_by()
        .values_list("sector")
        .annotate(n=Count("id"))
        .order_by("-n", "sector")
    )
    since = today - dt.timedelta(days=ACTIVE_DAYS)
    recent = Activity.objects.for_network(network).filter(occurred_on__gte=since)
    joined = Activity.participants.through.objects.filter(activity__in=recent)
    active_count = members.filter(
        Q(user_id__in=recent.values("led_by_id")) | Q(user_id__in=joined.values("user_id"))
    ).count()
    referrals = Referral.objects.for_network(network)
    receivers = referrals.values("receiver_id")
    reciprocity = referrals.aggregate(
        total=Count("id"),
        givers=Count("referrer_id", distinct=True),
        receivers=Count("receiver_id", distinct=True),
        both=Count("referrer_id", distinct=True, filter=Q(referrer_id__in=receivers)),
    )
    kind_rows = sorted(
        ((str(PeerGroup.Kind(k).label), n) for k, n in kinds.items()), key=lambda r: (-r[1], r[0])
    )
    context = {
        "network": network,
        "access": access,
        "group_count": group_count,
        "group_value": power_of_two_text(group_count),
        "group_value_html": power_html(power_of_two_text(group_count)),
        "member_count": member_count,
        "subgroups": power_of_two_text(member_count, member_count + 1) if member_count else "0",
        "subgroups_html": power_html(
            power_of_two_text(member_count, member_count + 1) if member_count else "0"
        ),
        "active_count": active_count,
        "active_share": _share(active_count, member_count),
        "active_days": ACTIVE_DAYS,
        "kinds": _distribution(kind_rows),
        "sectors": _distribution([(s or "Not given", n) for s, n in sectors]),
        "reciprocity": reciprocity,
        "reciprocity_share": _share(reciprocity["both"], reciprocity["givers"]),
        "only_give": reciprocity["givers"] - reciprocity["both"],
        "only_receive": reciprocity["receivers"] - reciprocity["both"],
    }
    return render(request, "objectives/dashboard_value.html", context)
