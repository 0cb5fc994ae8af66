"""The monthly rollups (ActivityMonth, ContributionMonth, ReferralMonth): kept equal to the
raw rows.

A write recomputes the (group, month) cells it touched from the raw rows rather than
adding deltas: a cell is a few hundred rows at most, and recomputing cannot drift, whatever
changed (day, group, kind, amount) or in which order. Writers of one group take turns on
the group's row (FOR NO KEY UPDATE, which the activities' own foreign-key locks do not
block), so a recompute never misses a concurrent writer's committed rows.

The network rollups (NetworkActivityMonth, NetworkContributionMonth, NetworkReferralMonth)
are the group rows of a (network, month) summed, recomputed from them right after the group
cells, in the same transaction. Writers of one network take turns on the network's row (FOR
NO KEY UPDATE), taken before any group row: the lock order is network, groups, then people,
each by id (groups.services._lock_rollup_rows takes them up front in that order).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth

from groups.models import Activity, PeerGroup
from networks.models import Membership, Network, User
from objectives import figures
from objectives.models import (
    ActivityMonth,
    Contribution,
    ContributionMonth,
    Measure,
    MeasureTotal,
    MemberTotal,
    NetworkActivityMonth,
    NetworkContributionMonth,
    NetworkReferralMonth,
    ReferralMonth,
)
from referrals.models import Referral

Cell = tuple[int, dt.date]  # (group id, first day of the month)
Touched = tuple[int, int, dt.date]  # (network id, group id, month)
Source = Measure.Source
REFERRAL_SOURCES = (Source.REFERRALS_MADE, Source.REFERRALS_SERVED, Source.REFERRALS_CLOSED_VALUE)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _activity_rows(activities: Iterable[dict]) -> list[ActivityMonth]:
    return [
        ActivityMonth(
            network_id=r["network_id"],
            group_id=r["group_id"],
            month=_day(r["month"]),
            kind=r["kind"],
            count=r["n"],
            reached=r["reached"] or 0,
        )
        for r in activities
    ]


def _contribution_rows(contributions: Iterable[dict]) -> list[ContributionMonth]:
    return [
        ContributionMonth(
            network_id=r["activity__network_id"],
            measure_id=r["measure_id"],
            group_id=r["activity__group_id"],
            month=_day(r["month"]),
            amount=r["total"],
        )
        for r in contributions
        if r["total"] is not None
    ]


def _activities_by_month(qs: QuerySet[Activity]) -> Iterable[dict]:
    return (
        qs.order_by()
        .values("network_id", "group_id", "kind", month=TruncMonth("occurred_on"))
        .annotate(n=Count("id"), reached=Sum("people_reached"))
    )


def _contributions_by_month(qs: QuerySet[Contribution]) -> Iterable[dict]:
    return (
        qs.order_by()
        .values(
            "measure_id",
            "activity__network_id",
            "activity__group_id",
            month=TruncMonth("activity__occurred_on"),
        )
        .annotate(total=Sum("amount"))
    )


@transaction.atomic
def refresh_cells(
    cells: Iterable[Cell], *, activities: bool = True, contributions: bool = True
) -> None:
    """Recompute the rollups of these (group, month) cells from the raw rows, then their
    networks' months from the group rows."""
    touched: set[Touched] = set()
    for group_id, month in _locked(cells, touched):
        days = {"occurred_on__gte": month, "occurred_on__lt": next_month(month)}
        if activities:
            ActivityMonth.objects.filter(group_id=group_id, month=month).delete()
            ActivityMonth.objects.bulk_create(
                _activity_rows(
                    _activities_by_month(Activity.objects.filter(group_id=group_id, **days))
                )
            )
        if contributions:
            ContributionMonth.objects.filter(group_id=group_id, month=month).delete()
            ContributionMonth.objects.bulk_create(
                _contribution_rows(
                    _contributions_by_month(
                        Contribution.objects.filter(
                            activity__group_id=group_id,
                            **{f"activity__{k}": v for k, v in days.items()},
                        )
                    )
                )
            )
    for network_id, months in _by_network(touched).items():
        if activities:
            _sum_network(NetworkActivityMonth, network_id, months)
        if contributions:
            _sum_network(NetworkContributionMonth, network_id, months)
    sources = {Source.ACTIVITY_COUNT} if activities else set()
    refresh_totals(touched, sources | ({Source.ACTIVITY_SUM} if contributions else set()))


# ---------------------------------------------------------------- network rollups

# Each network rollup: the group rollup it sums, its key columns besides (network, month),
# and the summed columns.
NETWORK_ROLLUPS: dict[Any, tuple[Any, list[str], list[str]]] = {
    NetworkActivityMonth: (ActivityMonth, ["kind"], ["count"]),
    NetworkContributionMonth: (ContributionMonth, ["measure_id"], ["amount"]),
    NetworkReferralMonth: (ReferralMonth, [], ["made", "served", "closed_value"]),
}


def _locked(cells: Iterable[Cell], touched: set[Touched]) -> Iterator[Cell]:
    """The cells in order, each once its group's row is locked (the groups' networks are
    locked first: see the module), skipping groups being deleted (their rollups go with
    them); each cell's (network, group, month) is added to `touched`."""
    ordered = sorted(set(cells))
    if ordered:
        _lock_networks({g for g, _ in ordered})
    for group_id, month in ordered:
        network_id = _lock_group(group_id)
        if network_id is not None:
            touched.add((network_id, group_id, month))
            yield group_id, month


def _lock_networks(group_ids: set[int]) -> None:
    """Lock the networks of these groups (by id), before any group row: see the module."""
    list(
        Network.objects.select_for_update(no_key=True)
        .filter(pk__in=PeerGroup.objects.filter(pk__in=group_ids).values("network_id"))
        .order_by("pk")
        .values("pk")
    )


def _by_network(touched: Iterable[Touched]) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = defaultdict(set)
    for network_id, _, month in touched:
        out[network_id].add(month)
    return out


def _network_rows(model: Any, months: QuerySet) -> list:
    """The network rollup rows summed from these group rollup rows."""
    _, keys, summed = NETWORK_ROLLUPS[model]
    rows = (
        months.order_by()
        .values("network_id", "month", *keys)
        .annotate(**{f"{c}_sum": Sum(c) for c in summed})
    )
    return [
        model(
            network_id=r["network_id"],
            month=r["month"],
            **{k: r[k] for k in keys},
            **{c: r[f"{c}_sum"] for c in summed},
        )
        for r in rows
    ]


def _sum_network(model: Any, network_id: int, months: set[dt.date]) -> None:
    """Recompute a network's rollup of these months from its groups' rows."""
    source = NETWORK_ROLLUPS[model][0]
    model.objects.filter(network_id=network_id, month__in=months).delete()
    model.objects.bulk_create(
        _network_rows(model, source.objects.filter(network_id=network_id, month__in=months))
    )


def rebuild_networks(*models: Any, network: Network | None = None) -> None:
    """Recompute these network rollups (of one network, or all) from the group rollups."""
    for model in models:
        rows, months = model.objects.all(), NETWORK_ROLLUPS[model][0].objects.all()
        if network is not None:
            rows, months = rows.filter(network=network), months.filter(network=network)
        rows.delete()
        model.objects.bulk_create(_network_rows(model, months), batch_size=BATCH)


BATCH = 5000


# A referral's figures, each in the month of its own day: (figure, day field, aggregate).
REFERRAL_FIGURES = (
    ("made", "made_on", Count("id")),
    ("served", "served_on", Count("id")),
    ("closed_value", "closed_on", Sum("closed_value")),
)

# The fields those figures read: a save that changes none of them changes no cell.
REFERRAL_FIELDS = ("group_id", "made_on", "served_on", "closed_on", "closed_value")


def _referral_rows(qs: QuerySet[Referral]) -> list[ReferralMonth]:
    """The referral months of these referrals: one GROUP BY per figure, merged by cell."""
    cells: dict[tuple[int, dt.date], ReferralMonth] = {}
    for name, day_field, aggregate in REFERRAL_FIGURES:
        rows = (
            qs.filter(**{f"{day_field}__isnull": False})
            .order_by()
            .values("network_id", "group_id", month=TruncMonth(day_field))
            .annotate(value=aggregate)
        )
        for r in rows:
            month = _day(r["month"])
            cell = cells.get((r["group_id"], month))
            if cell is None:
                cell = cells[(r["group_id"], month)] = ReferralMonth(
                    network_id=r["network_id"],
                    group_id=r["group_id"],
                    month=month,
                    made=0,
                    served=0,
                    closed_value=0,
                )
            setattr(cell, name, r["value"] or 0)
    return list(cells.values())


def _in_month(month: dt.date) -> Q:
    """Referrals with any of their figure days in the month."""
    condition = Q(pk__in=[])
    for _, day_field, _ in REFERRAL_FIGURES:
        condition |= Q(**{f"{day_field}__gte": month, f"{day_field}__lt": next_month(month)})
    return condition


def _lock_group(group_id: int) -> int | None:
    """Lock the group's row; its network's id, or None when the group is gone."""
    return (
        PeerGroup.objects.select_for_update(no_key=True)
        .filter(pk=group_id)
        .values_list("network_id", flat=True)
        .first()
    )


@transaction.atomic
def refresh_referral_cells(cells: Iterable[Cell]) -> None:
    """Recompute the referral months of these (group, month) cells from the raw rows, then
    their networks' months from the group rows."""
    touched: set[Touched] = set()
    for group_id, month in _locked(cells, touched):
        ReferralMonth.objects.filter(group_id=group_id, month=month).delete()
        rows = Referral.objects.filter(_in_month(month), group_id=group_id)
        ReferralMonth.objects.bulk_create([r for r in _referral_rows(rows) if r.month == month])
    for network_id, months in _by_network(touched).items():
        _sum_network(NetworkReferralMonth, network_id, months)
    refresh_totals(touched, set(REFERRAL_SOURCES))


@transaction.atomic
def rebuild_referrals(*, network: Network | None = None) -> int:
    """Recompute every referral month (of one network, or all) from the raw rows."""
    months = ReferralMonth.objects.all()
    rows = Referral.objects.all()
    if network is not None:
        months, rows = months.filter(network=network), rows.filter(network=network)
    months.delete()
    made = ReferralMonth.objects.bulk_create(_referral_rows(rows), batch_size=BATCH)
    rebuild_networks(NetworkReferralMonth, network=network)
    return len(made)


@transaction.atomic
def rebuild(*, network: Network | None = None) -> tuple[int, int, int]:
    """Recompute every rollup (of one network, or all) from the raw rows, in one GROUP BY
    per table (one per figure for referrals); returns (activity, contribution, referral)
    cells. For bulk loads that bypass the signals, and as the check that maintained
    rollups equal the raw sums."""
    referrals = rebuild_referrals(network=network)
    activity_months = ActivityMonth.objects.all()
    contribution_months = ContributionMonth.objects.all()
    activity_rows = Activity.objects.all()
    contribution_rows = Contribution.objects.all()
    if network is not None:
        activity_months = activity_months.filter(network=network)
        contribution_months = contribution_months.filter(network=network)
        activity_rows = activity_rows.filter(network=network)
        contribution_rows = contribution_rows.filter(activity__network=network)
    activity_months.delete()
    contribution_months.delete()
    a = ActivityMonth.objects.bulk_create(
        _activity_rows(_activities_by_month(activity_rows)), batch_size=BATCH
    )
    c = ContributionMonth.objects.bulk_create(
        _contribution_rows(_contributions_by_month(contribution_rows)), batch_size=BATCH
    )
    rebuild_networks(NetworkActivityMonth, NetworkContributionMonth, network=network)
    rebuild_totals(network=network)
    return len(a), len(c), referrals


def activity_cells(activity_id: int) -> list[Cell]:
    row = Activity.objects.filter(pk=activity_id).values_list("group_id", "occurred_on").first()
    return [] if row is None else [(row[0], month_of(row[1]))]


def referral_state(referral: Referral) -> tuple:
    """What a referral's figures read (REFERRAL_FIELDS), from its loaded fields: no query,
    and cheap enough to take for every referral loaded."""
    values = referral.__dict__
    return tuple(values.get(name) for name in REFERRAL_FIELDS)


def referral_cells(state: tuple) -> list[Cell]:
    """The cells a referral's figures are in, from its `referral_state`."""
    group_id, *days = state[:4]
    cells = []
    for day in days:
        if isinstance(day, str):  # assigned from text and not yet cleaned
            try:
                day = dt.date.fromisoformat(day)
            except ValueError:
                continue
        if group_id is not None and isinstance(day, dt.date):
            cells.append((group_id, month_of(_day(day))))
    return cells


def activity_count(network: Network, *, kind: str = "", group_slug: str = "") -> int:
    """How many activities the network has logged (of one kind, in one group), summed from
    its months: the activity log's total without counting a million rows."""
    months: QuerySet = NetworkActivityMonth.objects.filter(network=network)
    if group_slug:  # one group: its own months
        months = ActivityMonth.objects.filter(network=network, group__slug=group_slug)
    if kind:
        months = months.filter(kind=kind)
    return months.aggregate(n=Sum("count"))["n"] or 0


def activity_totals() -> Coalesce:
    """An annotation for PeerGroup querysets: how many activities the group has logged,
    summed from its months (equal to counting its activities, as the rollup tests check)."""
    months = (
        ActivityMonth.objects.filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Sum("count"))
        .values("n")
    )
    return Coalesce(Subquery(months, output_field=IntegerField()), 0)


# ---------------------------------------------------------------- measure totals
#
# MeasureTotal: what each group added to each counted or summed measure over all its days,
# recomputed for the groups a write touched, right after their months (under the same
# locks), from those months and the few rows of an objective's first part month
# (figures.totals_from_rows); and for every group of a measure when the measure changes.


def _write_totals(measures: list[Measure], group_id: int | None = None) -> None:
    """Replace the totals of these measures (of one group, or every group) from the rows."""
    rows = MeasureTotal.objects.filter(measure__in=measures)
    if group_id is not None:
        rows = rows.filter(group_id=group_id)
    rows.delete()
    networks = {m.pk: m.objective.network_id for m in measures}
    MeasureTotal.objects.bulk_create(
        [
            MeasureTotal(network_id=networks[pk], measure_id=pk, group_id=g, value=value)
            for (pk, g), value in figures.totals_from_rows(measures, group_id=group_id).items()
        ],
        batch_size=BATCH,
    )


def _counted(**filters: Any) -> list[Measure]:
    # Only the columns the totals read: migration 0010 runs this on the schema of its day.
    return list(
        Measure.objects.filter(**filters)
        .exclude(source=Source.MANUAL)
        .select_related("objective")
        .only("source", "activity_kinds", "objective__network_id", "objective__starts_on")
        .order_by("pk")
    )


def lock_network(network_id: int | None) -> None:
    """Take a network's row lock (see the module), if it still has one."""
    if network_id is not None:
        list(Network.objects.select_for_update(no_key=True).filter(pk=network_id).values("pk"))


def refresh_totals(touched: Iterable[Touched], sources: set[str]) -> None:
    """Recompute the totals of the touched groups for their networks' measures of these
    sources (the caller holds the groups' locks)."""
    groups: dict[int, set[int]] = defaultdict(set)
    for network_id, group_id, _ in touched:
        groups[network_id].add(group_id)
    for network_id, group_ids in sorted(groups.items()):
        measures = _counted(objective__network_id=network_id, source__in=sources)
        for group_id in sorted(group_ids) if measures else ():
            _write_totals(measures, group_id)


@transaction.atomic
def refresh_measure_totals(objective_id: int) -> None:
    """Recompute every group's totals of an objective's measures (after the measure's
    source or kinds, or the objective's start, changed), under its network's row lock: the
    writers of its groups take that lock first, so none can interleave."""
    network_id = (
        Network.objects.select_for_update(no_key=True, of=("self",))
        .filter(objectives__pk=objective_id)
        .values_list("pk", flat=True)
        .first()
    )
    if network_id is None or network_id in _deleting.__dict__.get("ids", set()):
        return
    measures = _counted(objective_id=objective_id)
    MeasureTotal.objects.filter(measure__objective_id=objective_id).exclude(
        measure__in=measures
    ).delete()  # a measure now read from check-ins has no totals
    if measures:
        _write_totals(measures)


def rebuild_totals(*, network: Network | None = None) -> int:
    """Recompute every MeasureTotal (of one network, or all) from the rows and rollups."""
    filters = {} if network is None else {"objective__network": network}
    MeasureTotal.objects.filter(**{f"measure__{k}": v for k, v in filters.items()}).delete()
    measures = _counted(**filters)
    if measures:
        _write_totals(measures)
    return MeasureTotal.objects.filter(measure__in=measures).count()


# ---------------------------------------------------------------- member totals
#
# MemberTotal: per (network, person), the last day they led or joined an activity and the
# referrals they gave and received. A write recomputes the totals of the people it touched
# from their raw rows (a person's own rows, read through the leader, participant and
# referrer/receiver indexes), so nothing can drift. Writers touching one person take turns
# on the person's row (FOR NO KEY UPDATE), so a recompute sees every committed write.

Person = tuple[int, int]  # (network id, user id)
# Networks (and people) being deleted in this thread: their cascade deletes activities,
# referrals and memberships, whose signals must not write totals about to be orphaned.
_deleting = threading.local()


def network_deleting(network_id: int, *, done: bool = False) -> None:
    ids: set[int] = _deleting.__dict__.setdefault("ids", set())
    if done:
        ids.discard(network_id)
    else:
        ids.add(network_id)


def user_deleting(user_id: int, *, done: bool = False) -> None:
    """Likewise for a person being deleted: their memberships go in the cascade."""
    ids: set[int] = _deleting.__dict__.setdefault("users", set())
    if done:
        ids.discard(user_id)
    else:
        ids.add(user_id)


def forget_deleting(**kwargs: Any) -> None:
    """Drop every guard of this thread (at the start of each request and task)."""
    _deleting.__dict__.clear()


def deleting_users() -> set[int]:
    return _deleting.__dict__.get("users", set())


def _last_active(network_id: int, user_ids: list[int]) -> dict[int, dt.date]:
    """user id -> the last day the person led or joined one of the network's activities."""
    led = (
        Activity.objects.filter(network_id=network_id, led_by_id__in=user_ids)
        .order_by()
        .values("led_by_id")
        .annotate(last=Max("occurred_on"))
        .values_list("led_by_id", "last")
    )
    joined = (
        Activity.participants.through.objects.filter(
            user_id__in=user_ids, activity__network_id=network_id
        )
        .order_by()
        .values_list("user_id")
        .annotate(last=Max("activity__occurred_on"))
    )
    out: dict[int, dt.date] = {}
    for user_id, day in [*led, *joined]:
        out[user_id] = max(day, out.get(user_id, day))
    return out


def _referral_counts(network_id: int, user_ids: list[int], side: str) -> dict[int, int]:
    return dict(
        Referral.objects.filter(network_id=network_id, **{f"{side}_id__in": user_ids})
        .order_by()
        .values(f"{side}_id")
        .annotate(n=Count("id"))
        .values_list(f"{side}_id", "n")
    )


@transaction.atomic
def refresh_people(people: Iterable[Person]) -> None:
    """Recompute the MemberTotal rows of these (network, person) pairs from the raw rows."""
    by_network: dict[int, set[int]] = defaultdict(set)
    for network_id, user_id in people:
        by_network[network_id].add(user_id)
    deleting = _deleting.__dict__.get("ids", set())
    for network_id, ids in sorted(by_network.items()):
        if network_id in deleting:
            continue
        # Lock in a fixed order; a person deleted meanwhile takes their rows with them.
        sectors = dict(
            User.objects.select_for_update(no_key=True)
            .filter(pk__in=ids - deleting_users())
            .order_by("pk")
            .values_list("pk", "sector")
        )
        users = sorted(sectors)
        members = set(
            Membership.objects.filter(network_id=network_id, user_id__in=users).values_list(
                "user_id", flat=True
            )
        )
        last = _last_active(network_id, users)
        given = _referral_counts(network_id, users, "referrer")
        received = _referral_counts(network_id, users, "receiver")
        rows = [
            MemberTotal(
                network_id=network_id,
                user_id=u,
                member=u in members,
                sector=sectors[u],
                last_active_on=last.get(u),
                given=given.get(u, 0),
                received=received.get(u, 0),
            )
            for u in users
        ]
        MemberTotal.objects.filter(network_id=network_id, user_id__in=users).delete()
        MemberTotal.objects.bulk_create(
            [r for r in rows if r.member or r.last_active_on is not None or r.given or r.received]
        )


def user_networks(user_id: int) -> set[Person]:
    """The (network, person) pairs that have a MemberTotal row or a membership."""
    return {
        (n, user_id)
        for n in [
            *MemberTotal.objects.filter(user_id=user_id).values_list("network_id", flat=True),
            *Membership.objects.filter(user_id=user_id).values_list("network_id", flat=True),
        ]
    }


@transaction.atomic
def rebuild_people(*, network: Network | None = None) -> int:
    """Recompute every MemberTotal (of one network, or all) from the raw rows, in one
    GROUP BY per side; returns the number of rows."""
    totals = MemberTotal.objects.all()
    memberships = Membership.objects.all()
    activities = Activity.objects.all()
    joined = Activity.participants.through.objects.all()
    referrals = Referral.objects.all()
    if network is not None:
        totals = totals.filter(network=network)
        memberships = memberships.filter(network=network)
        activities = activities.filter(network=network)
        joined = joined.filter(activity__network=network)
        referrals = referrals.filter(network=network)
    totals.delete()
    rows: dict[Person, MemberTotal] = {}

    def row(network_id: int, user_id: int) -> MemberTotal:
        key = (network_id, user_id)
        if key not in rows:
            rows[key] = MemberTotal(network_id=network_id, user_id=user_id, given=0, received=0)
        return rows[key]

    for network_id, user_id in memberships.values_list("network_id", "user_id"):
        row(network_id, user_id).member = True
    for network_id, user_id, last in [
        *activities.order_by()
        .values_list("network_id", "led_by_id")
        .annotate(last=Max("occurred_on")),
        *joined.order_by()
        .values_list("activity__network_id", "user_id")
        .annotate(last=Max("activity__occurred_on")),
    ]:
        r = row(network_id, user_id)
        r.last_active_on = last if r.last_active_on is None else max(last, r.last_active_on)
    for side, attribute in (("referrer", "given"), ("receiver", "received")):
        for network_id, user_id, n in (
            referrals.order_by()
            .values("network_id", f"{side}_id")
            .annotate(n=Count("id"))
            .values_list("network_id", f"{side}_id", "n")
        ):
            setattr(row(network_id, user_id), attribute, n)
    sectors = dict(User.objects.filter(pk__in={u for _, u in rows}).values_list("pk", "sector"))
    for (_, user_id), r in rows.items():
        r.sector = sectors[user_id]
    return len(MemberTotal.objects.bulk_create(rows.values(), batch_size=BATCH))


def activity_people(activity_id: int) -> list[Person]:
    """The (network, person) pairs of an activity as stored: its leader and participants."""
    row = Activity.objects.filter(pk=activity_id).values_list("network_id", "led_by_id").first()
    if row is None:
        return []
    joined = Activity.participants.through.objects.filter(activity_id=activity_id)
    return [row, *((row[0], u) for u in joined.values_list("user_id", flat=True))]
