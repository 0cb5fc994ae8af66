"""The figures engine: every figure Grove shows is computed here and nowhere else.

A measure's value, progress, expected progress and status; activity, people-reached
and referral figures; for the whole network, for one group, or broken down by group or
by period (week or month, on the network's local days). Pages, mails, reports, exports
and the API read these functions and never aggregate rows themselves.

Every figure is a GROUP BY aggregate: one query per kind of source, whatever the number of
rows, objectives or measures, so callers cost a fixed number of queries. The readers of
each source (`_manual`, `_activity_counts`, ...) all answer one question, "what did this
source add over these days, keyed by nothing, group or period", so a rollup table of
figures per measure, group and month can later stand in for any of them without changing
a caller.

The rules, stated once:
- Counted sources (activities of some kinds, referrals) count from the objective's start
  day: the baseline is where the network stood when the objective began. Sums of
  contributions count every contribution linked to the measure, since each was linked on
  purpose. Manual measures take the latest network-wide reading (only organisers record
  those; the baseline until the first); a group's part is the group's own latest reading,
  which never becomes the network's figure.
- Progress = (value − baseline) / (target − baseline), kept raw (negative when worse than
  the baseline, above 1 past the target) and clamped to 0–100% only for display.
- Expected progress = the share of the objective's time gone.
- Status compares progress with expected progress: on track within the network's
  tolerance, at risk within twice it, off track beyond.
- An objective's progress is the average of its measures' progress, each counted up to
  its target (overshooting one target cannot make up for another); its status follows
  from that average by the same rule, so the badge never contradicts the number beside
  it. OBJECTIVE_RULE says so on every page that shows it.
- People reached: the people reached by activities, credited to the person who led each
  activity (so a member's, a group's and the network's figures add up, with nobody's
  audience counted twice).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, FirstValue, TruncMonth, TruncWeek
from django.utils import timezone

from groups.models import Activity, PeerGroup
from networks.formatting import date_range
from networks.models import Network, User
from objectives.models import (
    ActivityMonth,
    CheckIn,
    Contribution,
    ContributionMonth,
    Measure,
    MeasureTotal,
    MemberTotal,
    NetworkActivityMonth,
    NetworkContributionMonth,
    NetworkReferralMonth,
    Objective,
    ReferralMonth,
)
from referrals.models import SETTLED, Referral

ZERO = Decimal(0)
# Whole months of activity counts, contribution sums and referral figures are read from
# the monthly rollups (objectives.rollup) rather than from every row; only the days before
# a range's first whole month and those of the current month read rows. Tests turn it off
# to check that both readers give the same figures.
ROLLUP = True
Source = Measure.Source
Period = Literal["week", "month"]
# None: the whole network; "group": per group id; "week"/"month": per period start day.
By = Literal["group", "week", "month"] | None

STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
OBJECTIVE_RULE = (
    "An objective's progress is the average of its measures' progress, each counted up to "
    "its target; its status compares that average with the share of time gone."
)
PEOPLE_REACHED_HELP = (
    "People reached by activities, credited to the person who led each one, so nobody's "
    "audience is counted twice."
)


# ---------------------------------------------------------------- progress and status


def progress_of(measure: Measure, value: Decimal) -> float:
    """Raw progress: negative when worse than the baseline, above 1 past the target."""
    return float((value - measure.baseline) / (measure.target - measure.baseline))


def status_of(progress: float, expected: float, tolerance: float | Decimal) -> str:
    gap = expected - progress
    tolerance = float(tolerance)
    # A small epsilon keeps exact boundaries (gap == tolerance) on the kinder side.
    if gap <= tolerance + 1e-9:
        return "on_track"
    if gap <= 2 * tolerance + 1e-9:
        return "at_risk"
    return "off_track"


def clamp(progress: float) -> float:
    return min(max(progress, 0.0), 1.0)


@dataclass(frozen=True)
class MeasureProgress:
    measure: Measure
    value: Decimal
    progress: float  # raw, (value - baseline) / (target - baseline)
    expected: float
    status: str  # "on_track" | "at_risk" | "off_track"

    @property
    def shown(self) -> float:
        """The progress shown: clamped to 0..1 (the `percent` filter writes it)."""
        return clamp(self.progress)

    @property
    def display_percent(self) -> float:
        return clamp(self.progress) * 100

    @property
    def expected_percent(self) -> float:
        return self.expected * 100

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    measures: list[MeasureProgress]
    progress: float  # the average of the measures' clamped progress
    expected: float
    status: str

    @property
    def display_percent(self) -> float:
        return clamp(self.progress) * 100

    @property
    def expected_percent(self) -> float:
        return self.expected * 100

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def shown(self) -> float:
        return clamp(self.progress)

    @property
    def on_track_count(self) -> int:
        return sum(m.status == "on_track" for m in self.measures)

    @property
    def summary(self) -> str:
        """The line under the headline, e.g. '2 of 3 measures on track'."""
        total = len(self.measures)
        noun = "measure" if total == 1 else "measures"
        return f"{self.on_track_count} of {total} {noun} on track"


def measure_progress(
    measure: Measure, value: Decimal, *, on: dt.date, tolerance: float | Decimal
) -> MeasureProgress:
    progress = progress_of(measure, value)
    expected = measure.objective.expected_progress(on)
    return MeasureProgress(
        measure, value, progress, expected, status_of(progress, expected, tolerance)
    )


def objective_progress(
    objective: Objective,
    measures: list[MeasureProgress],
    *,
    on: dt.date,
    tolerance: float | Decimal,
) -> ObjectiveProgress:
    """The objective's figures from its measures' (see OBJECTIVE_RULE)."""
    expected = objective.expected_progress(on)
    progress = sum(clamp(m.progress) for m in measures) / len(measures) if measures else 0.0
    return ObjectiveProgress(
        objective, measures, progress, expected, status_of(progress, expected, tolerance)
    )


def objectives_progress(
    network: Network,
    objectives: Iterable[Objective],
    *,
    on: dt.date | None = None,
    values: dict[int, Decimal] | None = None,
) -> list[ObjectiveProgress]:
    """Each objective's progress at the end of day `on` (default today), measures included.

    Objectives should come with their measures prefetched; values cost one query per source,
    unless the caller already has them (the last point of a `measure_series` to `on`).
    """
    on = on or network.today()
    objective_list = list(objectives)
    measures = [m for o in objective_list for m in o.measures.all()]
    for o in objective_list:
        for m in o.measures.all():
            m.objective = o  # already loaded: spares a query per measure
    if values is None:
        values = measure_values(measures, end=on + dt.timedelta(days=1))
    return [
        objective_progress(
            o,
            [
                measure_progress(m, values[m.pk], on=on, tolerance=network.tolerance)
                for m in o.measures.all()
            ],
            on=on,
            tolerance=network.tolerance,
        )
        for o in objective_list
    ]


def network_progress(
    network: Network,
    *,
    on: dt.date | None = None,
    objectives: QuerySet[Objective] | None = None,
) -> list[ObjectiveProgress]:
    """Progress of the network's active objectives at the end of day `on` (default today)."""
    if objectives is None:
        objectives = Objective.objects.filter(network=network)
    active = objectives.filter(archived_at__isnull=True).prefetch_related("measures")
    return objectives_progress(network, active, on=on)


# ---------------------------------------------------------------- measure values


def measure_values(
    measures: Iterable[Measure], *, start: dt.date | None = None, end: dt.date
) -> dict[int, Decimal]:
    """Each measure's value from its source over days start <= day < end.

    With no start: the value at the end of day end - 1 (cumulative since the objective
    began; for manual measures the latest reading, or the baseline if there is none).
    With a start: what happened in the period (for manual measures, the latest reading in
    the period, 0 if none).
    """
    measures = _with_objectives(measures)
    found = _values(measures, start=start, end=end, by=None)
    return {
        m.pk: found.get(
            (m.pk, None), m.baseline if m.source == Source.MANUAL and start is None else ZERO
        )
        for m in measures
    }


def measure_values_by_group(
    measures: Iterable[Measure],
    *,
    start: dt.date | None = None,
    end: dt.date,
    group_id: int | None = None,
) -> dict[tuple[int, int], Decimal]:
    """(measure id, group id) -> that group's part; pairs with nothing are left out.

    For manual measures a group's part is the latest reading recorded for that group.
    With `group_id`, only that group's parts.
    """
    return _values(_with_objectives(measures), start=start, end=end, by="group", group_id=group_id)


def group_parts_and_readings(
    measures: Iterable[Measure],
    *,
    group_id: int,
    start: dt.date,
    end: dt.date,
    period: Period,
) -> tuple[dict[int, list[tuple[dt.date, Decimal | None]]], dict[int, Decimal]]:
    """What one group added to each measure in every period from start to end, and each
    manual measure's latest reading by the group before `end`, however old (the group's part
    that measure_values_by_group gives).

    Points are (first day of the period, the group's part). Counted and summed sources
    give 0 for a quiet period; a manual measure gives the group's latest reading in the
    period, or None when it recorded none (a reading, not an amount: a gap, not a zero).
    The manual readings are read by period over all of history (no start), so the latest
    period's reading is the latest of all: one read for both.
    """
    measures = _with_objectives(measures)
    starts = period_starts(start, end, period)
    manual = [m for m in measures if m.source == Source.MANUAL]
    counted = [m for m in measures if m.source != Source.MANUAL]
    found = (
        _values(counted, start=starts[0], end=end, by=period, group_id=group_id) if counted else {}
    )
    latest: dict[int, Decimal] = {}
    if manual:
        readings = _values(manual, start=None, end=end, by=period, group_id=group_id)
        found.update(readings)  # the periods before the first are never looked up
        for (pk, _), value in sorted(readings.items(), key=lambda item: item[0][1]):
            latest[pk] = value
    parts = {
        m.pk: [
            (day, found.get((m.pk, day), None if m.source == Source.MANUAL else ZERO))
            for day in starts
        ]
        for m in measures
    }
    return parts, latest


def measure_series(
    measures: Iterable[Measure], *, start: dt.date, end: dt.date, period: Period
) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Each measure's cumulative value at the end of every period from start to end.

    Points are (first day of the period, value at its end). Weeks start on Monday.
    Activities, referrals and check-ins are stored as the network's local days, so the
    periods are the network's own.
    """
    measures = _with_objectives(measures)
    starts = period_starts(start, end, period)
    if period == "month":
        per_period, opening = _months_and_opening(measures, starts[0], end)
    else:
        opening = measure_values(measures, start=None, end=starts[0])
        per_period = _values(measures, start=starts[0], end=end, by=period)
    series: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for m in measures:
        running = opening[m.pk]
        points = []
        for day in starts:
            found = per_period.get((m.pk, day))
            if m.source == Source.MANUAL:
                running = found if found is not None else running
            else:
                running += found or ZERO
            points.append((day, running))
        series[m.pk] = points
    return series


def _months_and_opening(
    measures: list[Measure], first: dt.date, end: dt.date
) -> tuple[dict[tuple[int, Any], Decimal], dict[int, Decimal]]:
    """Every month's figures up to `end` in one read (per source) and, from the months
    before `first`, each measure's value at `first`: what measure_values(start=None,
    end=first) gives, without reading history a second time. A manual measure's opening is
    its latest month's reading (the latest reading overall), else its baseline."""
    found = _values(measures, start=None, end=end, by="month")
    manual = {m.pk for m in measures if m.source == Source.MANUAL}
    opening = {m.pk: m.baseline if m.pk in manual else ZERO for m in measures}
    for (pk, month), value in sorted(found.items(), key=lambda item: item[0][1]):
        if month >= first:
            continue
        if pk in manual:
            opening[pk] = value
        else:
            opening[pk] += value
    return found, opening


def _with_objectives(measures: Iterable[Measure]) -> list[Measure]:
    measures = list(measures)
    if all(Measure.objective.is_cached(m) for m in measures):
        return measures
    by_id = Measure.objects.select_related("objective").in_bulk([m.pk for m in measures])
    return [by_id[m.pk] for m in measures]


def _low(measure: Measure, start: dt.date | None) -> dt.date:
    """First day counted for a counted source: never before the objective began."""
    begins = measure.objective.starts_on
    return begins if start is None else max(start, begins)


def _trunc(period: Period, field: str) -> Any:
    return (TruncWeek if period == "week" else TruncMonth)(field)


def _values(
    measures: list[Measure],
    *,
    start: dt.date | None,
    end: dt.date,
    by: By,
    group_id: int | None = None,
    totals: bool = True,
) -> dict[tuple[int, Any], Decimal]:
    """(measure id, key) -> what the measure's source gave over start <= day < end.

    The key is None, a group id or a period's first day (`by`); `group_id` keeps one
    group's rows only. This is the one place a measure's value is read from its source.

    When nothing the counted and summed measures read is dated from `end` on (reads up to
    today: no form or API takes a future day), their month of `end` holds only days before
    `end`, so it is read whole from the monthly rollups instead of row by row (what the
    current month costs would otherwise grow with every day of it); and a value over all
    days (no start; the network's or by group) is their MeasureTotal rows.
    """
    found: dict[tuple[int, Any], Decimal] = {}
    counted = [m for m in measures if m.source != Source.MANUAL]
    counted_end = end
    whole = start is None and by in (None, "group")
    readable = ROLLUP and totals and counted and (whole or (by != "week" and end.day != 1))
    networks, sources = {m.objective.network_id for m in counted}, {m.source for m in counted}
    if readable and _nothing_from(networks, sources, end):
        if whole:
            found.update(_from_totals(counted, by, group_id))
            counted = []
        counted_end = _first_whole_month(end)
    by_source: dict[str, list[Measure]] = defaultdict(list)
    for m in counted:
        by_source[m.source].append(m)
    manual = [m for m in measures if m.source == Source.MANUAL]
    if manual:
        found.update(_manual(manual, start, end, by, group_id))
    end = counted_end
    if by_source[Source.ACTIVITY_COUNT]:
        found.update(_activity_counts(by_source[Source.ACTIVITY_COUNT], start, end, by, group_id))
    if by_source[Source.ACTIVITY_SUM]:
        found.update(_activity_sums(by_source[Source.ACTIVITY_SUM], start, end, by, group_id))
    referral_measures = [m for source in REFERRAL_DAYS for m in by_source[source]]
    if referral_measures:
        found.update(_referrals(referral_measures, start, end, by, group_id))
    return found


NO_END = dt.date(9999, 1, 1)  # after any day a row can have
# The sources whose figures are whole numbers (a total is stored with two decimals).
COUNTED = {Source.ACTIVITY_COUNT, Source.REFERRALS_MADE, Source.REFERRALS_SERVED}


def _dated_from(networks: set[int], end: dt.date) -> set[str]:
    """The sources that read a row of these networks dated on or after `end`: their
    rollups and totals hold more than the days before `end`.

    One statement of index probes ((network, day) indexes), a column each, written out:
    built through the ORM (EXISTS annotations) it cost more to compile than to run."""
    marks = ", ".join(["%s"] * len(networks))
    columns = ", ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE network_id IN ({marks}) AND {day} >= %s)"  # noqa: S608
        for _, table, day in PROBES
    )
    params: list[int | dt.date] = [*sorted(networks), end] * len(PROBES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)  # noqa: S608 - our own tables, columns
        found = cursor.fetchone()
    return {s for (answers, _, _), yes in zip(PROBES, found, strict=True) if yes for s in answers}


# Inside `exact()`, figures are read without the shortcuts that rest on nothing being dated
# from the end on (MeasureTotal, the end's month read whole from its rollup).
_exact: ContextVar[bool] = ContextVar("figures_exact", default=False)


@contextmanager
def exact() -> Iterator[None]:
    """For figures that are stored (reports): a row dated after the end and committed
    between the check and the read would otherwise be counted in them for good. Pages may
    take the shortcuts: their next reading is right again. Also a decorator."""
    token = _exact.set(True)
    try:
        yield
    finally:
        _exact.reset(token)


# Inside `probed_once()` (a page's request: objectives.middleware), the answer for networks
# and an end (which sources are dated from the end on) is kept: a page reads figures
# several times, each asking again.
_probed: ContextVar[dict[tuple[frozenset[int], dt.date], set[str]] | None] = ContextVar(
    "figures_probed", default=None
)


@contextmanager
def probed_once() -> Iterator[None]:
    token = _probed.set({})
    try:
        yield
    finally:
        _probed.reset(token)


def _nothing_from(networks: set[int], sources: set[str], end: dt.date) -> bool:
    """Whether the shortcuts hold: not inside `exact()`, and nothing dated from `end` on."""
    if _exact.get():
        return False
    probed = _probed.get()
    if probed is None:
        return not _dated_from(networks, end) & sources
    key = (frozenset(networks), end)
    if key not in probed:
        probed[key] = _dated_from(networks, end)
    return not probed[key] & sources


def _from_totals(
    measures: list[Measure], by: By, group_id: int | None
) -> dict[tuple[int, Any], Decimal]:
    """The measures' values over all their days from MeasureTotal: per group, or summed
    over the groups (every activity and referral belongs to a group)."""
    rows = MeasureTotal.objects.filter(measure_id__in=[m.pk for m in measures])
    if group_id is not None:
        rows = rows.filter(group_id=group_id)
    found: Iterable[tuple[int, int | None, Decimal]]
    if by == "group":
        found = rows.values_list("measure_id", "group_id", "value")
    else:
        summed = rows.order_by().values("measure_id").annotate(n=Sum("value"))
        found = [(pk, None, n) for pk, n in summed.values_list("measure_id", "n")]
    counted = {m.pk for m in measures if m.source in COUNTED}
    return {
        (pk, key): Decimal(int(value)) if pk in counted else value
        for pk, key, value in found
        if value
    }


def totals_from_rows(measures: list[Measure], *, group_id: int | None = None) -> dict:
    """(measure id, group id) -> what each group (or one) added to each counted or summed
    measure over all its days, read from the rows and monthly rollups: what MeasureTotal
    holds (objectives.rollup keeps it so)."""
    measures = _with_objectives([m for m in measures if m.source != Source.MANUAL])
    if not measures:
        return {}
    return _values(measures, start=None, end=NO_END, by="group", group_id=group_id, totals=False)


def _grouped(qs: QuerySet, by: By, day_field: str, group_field: str) -> QuerySet:
    """The queryset grouped by the requested key (a column named "key")."""
    qs = qs.order_by()  # Meta.ordering must not leak into GROUP BY
    if by is None:
        return qs
    if by == "group":
        return qs.values(key=F(group_field))
    return qs.values(key=_trunc(by, day_field))


def _key(value: Any) -> Any:
    # TruncWeek/TruncMonth give datetimes on some backends; figures speak in days.
    return value.date() if isinstance(value, dt.datetime) else value


def _spread(
    qs: QuerySet, by: By, aggregates: dict[str, Any], measures: list[Measure]
) -> dict[tuple[int, Any], Decimal]:
    """Run one aggregate query with a column per measure; spread it to (measure, key)."""
    rows = [qs.aggregate(**aggregates)] if by is None else qs.annotate(**aggregates)
    return _summed(rows, by, measures)


def _first_whole_month(day: dt.date) -> dt.date:
    return day if day.day == 1 else (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _outside(field: str, low: dt.date, first: dt.date, stop: dt.date, end: dt.date) -> Q | None:
    """Days low <= day < end outside the whole months first <= month < stop, as at most two
    bounded ranges of `field`: each a plain range scan of a (network, day) index, which the
    planner estimates well (an open-ended OR made it expect a month's rows in every range
    and join all history). None when there are no such days: the rows are not read."""
    spans = [(low, end)] if first >= stop else [(low, first), (stop, end)]
    condition = None
    for a, b in spans:
        if a < b:
            span = Q(**{f"{field}__gte": a, f"{field}__lt": b})
            condition = span if condition is None else condition | span
    return condition


def _union(rows: QuerySet | None, months: QuerySet) -> QuerySet:
    """The rows' part (when there are days outside whole months) and the months' part."""
    return months if rows is None else rows.union(months, all=True)


def _summed(
    rows: Iterable[dict], by: By, measures: list[Measure]
) -> dict[tuple[int, Any], Decimal]:
    """Rows with a column per measure (m<pk>) spread to (measure, key): summed, as the rows
    of a UNION (rows and rollups) give the same key twice; nothing is left out."""
    found: dict[tuple[int, Any], Decimal] = defaultdict(lambda: ZERO)
    columns = [(m.pk, f"m{m.pk}") for m in measures]  # once, not for every row
    for row in rows:
        key = None if by is None else _key(row["key"])
        for pk, column in columns:
            value = row[column]
            if value:
                found[(pk, key)] += Decimal(value)
    return {k: v for k, v in found.items() if v}


def _rollup(by_group: Any, by_network: Any, by: By, group_id: int | None) -> QuerySet:
    """The monthly rollup a read sums: the network's months when it is network-wide (no
    group breakdown, no group), one row per month instead of one per group and month;
    else the groups' months. Both have the columns the readers use but the group."""
    if by == "group" or group_id is not None:
        return by_group.objects.all()
    return by_network.objects.all()


def _activity_counts(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By, group_id: int | None
) -> dict[tuple[int, Any], Decimal]:
    if ROLLUP and by != "week":
        return _activity_counts_rolled(measures, start, end, by, group_id)
    low = min(_low(m, start) for m in measures)
    networks = {m.objective.network_id for m in measures}
    qs: QuerySet[Activity] = Activity.objects.filter(network_id__in=networks).in_period(low, end)
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    qs = _grouped(qs, by, "occurred_on", "group_id")
    aggregates = {}
    for m in measures:
        condition = Q(network_id=m.objective.network_id, occurred_on__gte=_low(m, start))
        if m.activity_kinds:
            condition &= Q(kind__in=m.activity_kinds)
        aggregates[f"m{m.pk}"] = Count("id", filter=condition)
    return _spread(qs, by, aggregates, measures)


def _activity_counts_rolled(
    measures: list[Measure],
    start: dt.date | None,
    end: dt.date,
    by: By,
    group_id: int | None,
) -> dict[tuple[int, Any], Decimal]:
    """Whole months from the activity months (`_rollup`), the days around them from the
    rows (none are read when there are no such days): one UNION."""
    stop = end.replace(day=1)
    networks = {m.objective.network_id for m in measures}
    firsts = {m.pk: _first_whole_month(_low(m, start)) for m in measures}
    low = min(_low(m, start) for m in measures)
    outside = _outside("occurred_on", low, max(firsts.values()), stop, end)
    rows = None if outside is None else Activity.objects.filter(outside, network_id__in=networks)
    months = _rollup(ActivityMonth, NetworkActivityMonth, by, group_id).filter(
        network_id__in=networks, month__gte=min(firsts.values()), month__lt=stop
    )
    if group_id is not None:
        rows = None if rows is None else rows.filter(group_id=group_id)
        months = months.filter(group_id=group_id)
    if all(m.activity_kinds for m in measures):  # only those kinds' rows and months
        kinds = sorted({k for m in measures for k in m.activity_kinds})
        months = months.filter(kind__in=kinds)
        rows = None if rows is None else rows.filter(kind__in=kinds)
    row_counts: dict[str, Any] = {}
    month_counts: dict[str, Any] = {}
    for m in measures:
        first = firsts[m.pk]
        in_rows = Q(network_id=m.objective.network_id, occurred_on__gte=_low(m, start)) & (
            Q(occurred_on__lt=first) | Q(occurred_on__gte=stop)
        )
        in_months = Q(network_id=m.objective.network_id, month__gte=first)
        if m.activity_kinds:
            in_rows &= Q(kind__in=m.activity_kinds)
            in_months &= Q(kind__in=m.activity_kinds)
        row_counts[f"m{m.pk}"] = Count("id", filter=in_rows)
        month_counts[f"m{m.pk}"] = Sum("count", filter=in_months)
    if by == "month":
        row_key: Any = TruncMonth("occurred_on")
        month_key: Any = F("month")
    else:  # by network (for one total) or by group
        row_key = month_key = F("group_id" if by == "group" else "network_id")
    union = _union(
        None if rows is None else rows.order_by().values(key=row_key).annotate(**row_counts),
        months.order_by().values(key=month_key).annotate(**month_counts),
    )
    return _summed(union, by, measures)


def _activity_sums(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By, group_id: int | None
) -> dict[tuple[int, Any], Decimal]:
    ids = [m.pk for m in measures]
    networks = {m.objective.network_id for m in measures}
    first = None if start is None else _first_whole_month(start)
    stop = end.replace(day=1)
    if ROLLUP and by != "week" and (first is None or first < stop):
        return _activity_sums_rolled(measures, ids, networks, first, stop, start, end, by, group_id)
    if start is None and by is None and group_id is None:
        return _activity_sums_to(ids, networks, end)
    # The network filter lets the activities' (network, day) index find the period's rows.
    qs = Contribution.objects.filter(
        measure_id__in=ids, activity__network_id__in=networks
    ).in_period(start, end)
    if group_id is not None:
        qs = qs.filter(activity__group_id=group_id)
    key_fields: list[Any] = ["measure_id"]
    if by == "group":
        qs = qs.annotate(key=F("activity__group_id"))
        key_fields.append("key")
    elif by is not None:
        qs = qs.annotate(key=_trunc(by, "activity__occurred_on"))
        key_fields.append("key")
    rows = qs.order_by().values(*key_fields).annotate(total=Sum("amount"))
    return {(row["measure_id"], _key(row.get("key"))): row["total"] for row in rows if row["total"]}


def _activity_sums_rolled(
    measures: list[Measure],
    ids: list[int],
    networks: set[int],
    first: dt.date | None,
    stop: dt.date,
    start: dt.date | None,
    end: dt.date,
    by: By,
    group_id: int | None,
) -> dict[tuple[int, Any], Decimal]:
    """Whole months first <= month < stop from ContributionMonth (all months before stop
    when first is None), the days around them from the rows: one UNION.

    The rows are read from the activities of those days (through their (network, day)
    index), each looking up its contribution to every measure: joined the other way,
    PostgreSQL read every contribution of the measures to find the few of those days."""
    if first is None:  # every whole month before stop: the rows are those from stop on
        around = Q(occurred_on__gte=stop, occurred_on__lt=end) if stop < end else None
    else:
        around = _outside("occurred_on", start or first, first, stop, end)
    rows = None if around is None else Activity.objects.filter(around, network_id__in=networks)
    months = _rollup(ContributionMonth, NetworkContributionMonth, by, group_id).filter(
        measure_id__in=ids, network_id__in=networks, month__lt=stop
    )
    if first is not None:
        months = months.filter(month__gte=first)
    if group_id is not None:
        rows = None if rows is None else rows.filter(group_id=group_id)
        months = months.filter(group_id=group_id)
    if by == "month":
        row_key: Any = TruncMonth("occurred_on")
        month_key: Any = F("month")
    else:  # by network (for one total) or by group
        row_key = month_key = F("group_id" if by == "group" else "network_id")

    def part(measure_id: int) -> Subquery:
        return Subquery(
            Contribution.objects.filter(activity=OuterRef("pk"), measure_id=measure_id)
            .order_by()
            .values("amount"),
            output_field=DecimalField(),
        )

    union = _union(
        None
        if rows is None
        else rows.order_by()
        .values(key=row_key)
        .annotate(**{f"m{pk}": Sum(part(pk)) for pk in ids}),
        months.order_by()
        .values(key=month_key)
        .annotate(**{f"m{pk}": Sum("amount", filter=Q(measure_id=pk)) for pk in ids}),
    )
    return _summed(union, by, measures)


def _activity_sums_to(
    ids: list[int], networks: set[int], end: dt.date
) -> dict[tuple[int, Any], Decimal]:
    """Everything contributed before `end`: all of it, less what came on or after `end`.

    Reading the measure's contributions alone and joining only the activities after `end`
    (few, for a period that just closed, none for today) avoids joining all history. Both
    sums are subqueries per measure: correlated on the contributions instead, PostgreSQL
    would run the "after" subquery once per contribution row.
    """
    contributions = Contribution.objects.filter(measure_id=OuterRef("pk")).order_by()
    after = contributions.filter(activity__network_id__in=networks, activity__occurred_on__gte=end)

    def total(qs: Any) -> Subquery:
        return Subquery(
            qs.values("measure_id").annotate(total=Sum("amount")).values("total"),
            output_field=DecimalField(),
        )

    rows = (
        Measure.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            total=Coalesce(total(contributions), Value(ZERO)) - Coalesce(total(after), Value(ZERO))
        )
        .values_list("pk", "total")
    )
    return {(pk, None): value for pk, value in rows if value}


# A referral source's day field, and its figure in ReferralMonth.
REFERRAL_DAYS = {
    Source.REFERRALS_MADE: ("made_on", "made"),
    Source.REFERRALS_SERVED: ("served_on", "served"),
    Source.REFERRALS_CLOSED_VALUE: ("closed_on", "closed_value"),
}

# Each probe of `_dated_from`: the sources it answers for, its table and day column.
PROBES: list[tuple[set[str], str, str]] = [
    (
        {str(Source.ACTIVITY_COUNT), str(Source.ACTIVITY_SUM)},
        Activity._meta.db_table,
        "occurred_on",
    ),
    *(({str(s)}, Referral._meta.db_table, day) for s, (day, _) in REFERRAL_DAYS.items()),
]


def _referrals(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By, group_id: int | None
) -> dict[tuple[int, Any], Decimal]:
    """Every referral-sourced measure in one query: a UNION of each source's rows (with the
    rollup, only the days around whole months) and, with the rollup, one ReferralMonth part
    for all sources' whole months. Each part has a column per measure; a measure of another
    source gives NULL there (typed, so that the UNION's columns match)."""
    rolled = ROLLUP and by != "week"
    stop = end.replace(day=1)
    networks = {m.objective.network_id for m in measures}
    firsts = {m.pk: _first_whole_month(_low(m, start)) for m in measures}
    nothing = Sum(Cast(Value(None), DecimalField(max_digits=20, decimal_places=2)))
    month_figures: dict[str, Any] = {f"m{m.pk}": nothing for m in measures}
    parts: list[QuerySet] = []
    for source, (day_field, column) in REFERRAL_DAYS.items():
        mine = [m for m in measures if m.source == source]
        if not mine:
            continue
        low = min(_low(m, start) for m in mine)
        outside = _outside(day_field, low, max(firsts[m.pk] for m in mine), stop, end)
        row_figures: dict[str, Any] = {f"m{m.pk}": nothing for m in measures}
        for m in mine:
            in_rows = Q(network_id=m.objective.network_id, **{f"{day_field}__gte": _low(m, start)})
            if rolled:
                in_rows &= Q(**{f"{day_field}__lt": firsts[m.pk]}) | Q(
                    **{f"{day_field}__gte": stop}
                )
                month_figures[f"m{m.pk}"] = Sum(
                    column, filter=Q(network_id=m.objective.network_id, month__gte=firsts[m.pk])
                )
            if source == Source.REFERRALS_CLOSED_VALUE:
                row_figures[f"m{m.pk}"] = Sum("closed_value", filter=in_rows)
            else:
                row_figures[f"m{m.pk}"] = Count("id", filter=in_rows)
        if by is None or by == "group":
            row_key: Any = F("group_id" if by == "group" else "network_id")
        else:
            row_key = _trunc(by, day_field)
        if not rolled or outside is not None:  # else every day is in a whole month
            # the days outside whole months lie within low <= day < end (`_outside`)
            days = outside if rolled else Q(**{f"{day_field}__gte": low, f"{day_field}__lt": end})
            rows = Referral.objects.filter(days, network_id__in=networks)
            if group_id is not None:
                rows = rows.filter(group_id=group_id)
            parts.append(rows.order_by().values(key=row_key).annotate(**row_figures))
    if rolled:
        months = _rollup(ReferralMonth, NetworkReferralMonth, by, group_id).filter(
            network_id__in=networks, month__gte=min(firsts.values()), month__lt=stop
        )
        if group_id is not None:
            months = months.filter(group_id=group_id)
        month_key = (
            F("month") if by == "month" else F("group_id" if by == "group" else "network_id")
        )
        parts.append(months.order_by().values(key=month_key).annotate(**month_figures))
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return _summed(union, by, measures)


def _manual(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By, group_id: int | None
) -> dict[tuple[int, Any], Decimal]:
    """The latest reading per measure (and group or period): a window, not a loop.

    A group's part is its own latest reading; the network's value is the latest
    network-wide reading (no group), so a group's reading never replaces it.
    """
    qs = CheckIn.objects.filter(measure_id__in=[m.pk for m in measures]).in_period(start, end)
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    elif by != "group":
        qs = qs.filter(group__isnull=True)
    partition: list[Any] = [F("measure_id")]
    if by == "group":
        qs = qs.filter(group__isnull=False).annotate(key=F("group_id"))
    elif by is not None:
        qs = qs.annotate(key=_trunc(by, "recorded_on"))
    if by is not None:
        partition.append(F("key"))
    latest = Window(
        FirstValue("value"),
        partition_by=partition,
        order_by=[F("recorded_on").desc(), F("id").desc()],
    )
    fields = ["measure_id", "latest"] + (["key"] if by is not None else [])
    rows = qs.annotate(latest=latest).order_by().values(*fields).distinct()
    return {(row["measure_id"], _key(row.get("key"))): row["latest"] for row in rows}


# ---------------------------------------------------------------- activity figures


@dataclass
class KindCount:
    kind: str
    label: str
    count: int
    people_reached: int


@dataclass
class ActivityFigures:
    total: int = 0
    people_reached: int = 0
    by_kind: list[KindCount] = field(default_factory=list)


KIND_LABELS = dict(Activity.Kind.choices)


def activity_figures(
    network: Network, *, group_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, ActivityFigures]:
    """group id -> its activities over start <= day < end: how many, of which kind, and the
    people they reached. One query for any number of groups; groups with none are left out.
    Whole months from the groups' activity months, the days around them from the rows."""
    ids = list(group_ids)
    rows = Activity.objects.for_network(network).filter(group_id__in=ids).order_by()
    if not ROLLUP:
        grouped = (
            rows.in_period(start, end)
            .values("group_id", "kind")
            .annotate(n=Count("id"), reached=Sum("people_reached"))
        )
    else:
        if end.day != 1 and _nothing_from({network.pk}, {Source.ACTIVITY_COUNT}, end):
            end = _first_whole_month(end)  # its month is all before end: read it whole
        first, stop = _first_whole_month(start), end.replace(day=1)
        months = ActivityMonth.objects.filter(
            network=network, group_id__in=ids, month__gte=first, month__lt=stop
        )
        outside = _outside("occurred_on", start, first, stop, end)
        grouped = _union(
            None
            if outside is None
            else rows.filter(outside)
            .values("group_id", "kind")
            .annotate(n=Count("id"), reached=Sum("people_reached")),
            months.order_by()
            .values("group_id", "kind")
            .annotate(n=Sum("count"), reached=Sum("reached")),
        )
    found: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in grouped:
        sums = found[(r["group_id"], r["kind"])]
        sums[0] += r["n"] or 0
        sums[1] += r["reached"] or 0
    out: dict[int, ActivityFigures] = {}
    ranked = sorted(found.items(), key=lambda item: (item[0][0], -item[1][0], item[0][1]))
    for (group_id, kind), (count, reached) in ranked:
        if not count:
            continue
        figures = out.setdefault(group_id, ActivityFigures())
        figures.total += count
        figures.people_reached += reached
        figures.by_kind.append(KindCount(kind, KIND_LABELS.get(kind, kind), count, reached))
    return out


def activity_counts_by_month(
    network: Network, *, start: dt.date, end: dt.date
) -> dict[tuple[dt.date, str], int]:
    """(first day of the month, kind) -> how many activities of that kind the network's
    groups logged that month, over start <= day < end; pairs with none are left out.
    Whole months from NetworkActivityMonth, the days around them from the rows: one query."""
    rows = Activity.objects.for_network(network).order_by()
    if not ROLLUP:
        grouped = (
            rows.in_period(start, end)
            .values("kind", key=TruncMonth("occurred_on"))
            .annotate(n=Count("id"))
        )
    else:
        if end.day != 1 and _nothing_from({network.pk}, {Source.ACTIVITY_COUNT}, end):
            end = _first_whole_month(end)  # its month is all before end: read it whole
        first, stop = _first_whole_month(start), end.replace(day=1)
        months = NetworkActivityMonth.objects.filter(
            network=network, month__gte=first, month__lt=stop
        )
        outside = _outside("occurred_on", start, first, stop, end)
        grouped = _union(
            None
            if outside is None
            else rows.filter(outside)
            .values("kind", key=TruncMonth("occurred_on"))
            .annotate(n=Count("id")),
            months.order_by().values("kind", key=F("month")).annotate(n=Sum("count")),
        )
    counts: dict[tuple[dt.date, str], int] = defaultdict(int)
    for r in grouped:
        counts[(_key(r["key"]), r["kind"])] += r["n"]
    return {k: n for k, n in counts.items() if n}


@dataclass(frozen=True)
class MemberActivity:
    led: int
    joined: int  # taken part in without leading
    people_reached: int  # by the activities the person led (PEOPLE_REACHED_HELP)


def member_activity(
    network: Network,
    user_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    period: Period | None = None,
) -> dict[Any, MemberActivity]:
    """A member's activities: {None: totals}, or {period start: figures} with `period`.

    Reads the person's own rows: the activities they led and those they joined, each
    through its index, as one UNION (an OR of the two made PostgreSQL read every activity
    of the network)."""
    mine = (
        Activity.objects.filter(led_by_id=user_id)
        .order_by()
        .values("id")
        .union(
            Activity.participants.through.objects.filter(user_id=user_id).values("activity_id"),
            all=True,
        )
    )
    qs = Activity.objects.for_network(network).filter(pk__in=mine).order_by()
    if start is not None:
        qs = qs.filter(occurred_on__gte=start)
    if end is not None:
        qs = qs.filter(occurred_on__lt=end)
    led = Q(led_by_id=user_id)
    aggregates = {
        "led": Count("id", filter=led),
        "joined": Count("id", filter=~led),
        "reached": Sum("people_reached", filter=led),
    }
    rows = (
        [qs.aggregate(**aggregates)]
        if period is None
        else qs.values(key=_trunc(period, "occurred_on")).annotate(**aggregates)
    )
    return {
        (None if period is None else _key(r["key"])): MemberActivity(
            r["led"], r["joined"], r["reached"] or 0
        )
        for r in rows
    }


def most_active(
    network: Network, *, group_ids: Iterable[int], start: dt.date, end: dt.date, top: int
) -> dict[int, list[tuple[int, int, int]]]:
    """group id -> its `top` most active people over start <= day < end, as (user id,
    activities led, activities taken part in), most first (led + joined; ties: the lower
    user id first). Groups with no activity are left out.

    One query, ranked in the database: counting every (group, person) pair in Python read
    tens of thousands of rows for a period of a large network to keep five per group.
    """
    ids = list(group_ids)
    if not ids:
        return {}
    activity = connection.ops.quote_name(Activity._meta.db_table)
    through = connection.ops.quote_name(Activity.participants.through._meta.db_table)
    # The (network, day) index finds the period's activities; only theirs are joined.
    where = (
        "a.network_id = %s AND a.occurred_on >= %s AND a.occurred_on < %s"
        f" AND a.group_id IN ({', '.join(['%s'] * len(ids))})"
    )
    params: list[Any] = [network.pk, start, end, *ids]
    # Table names from the models and placeholders only: no value is formatted in.
    sql = (
        "SELECT group_id, user_id, led, joined FROM ("  # noqa: S608
        " SELECT group_id, user_id, SUM(led) AS led, SUM(joined) AS joined, ROW_NUMBER() OVER"
        "  (PARTITION BY group_id ORDER BY SUM(led) + SUM(joined) DESC, user_id) AS place"
        " FROM (SELECT a.group_id, a.led_by_id AS user_id, 1 AS led, 0 AS joined"
        f"  FROM {activity} a WHERE {where}"
        "  UNION ALL SELECT a.group_id, p.user_id, 0, 1"
        f"  FROM {through} p JOIN {activity} a ON a.id = p.activity_id WHERE {where}"
        " ) scores GROUP BY group_id, user_id"
        ") ranked WHERE place <= %s ORDER BY group_id, place"
    )
    found: dict[int, list[tuple[int, int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, top])
        for group_id, user_id, led, joined in cursor.fetchall():
            found.setdefault(group_id, []).append((user_id, int(led), int(joined)))
    return found


def member_sectors(network: Network, since: dt.date) -> list[tuple[str, int, int]]:
    """(sector, members, of whom active) for the network's members, most common first:
    active means they led or joined one of its activities on or after `since`. One query,
    over one row per person (objectives.rollup's member totals) under ROLLUP."""
    rows: QuerySet[Any, Any]
    if ROLLUP:
        rows = MemberTotal.objects.filter(network=network, member=True).values_list("sector")
        active = Q(last_active_on__gte=since)
    else:
        led = Activity.objects.for_network(network).filter(occurred_on__gte=since).order_by()
        joined = Activity.participants.through.objects.filter(
            activity__network=network, activity__occurred_on__gte=since
        )
        rows = User.objects.filter(memberships__network=network).values_list("sector")
        active = Q(pk__in=led.values("led_by_id").union(joined.values("user_id")))
    counted = rows.order_by().annotate(n=Count("id"), active=Count("id", filter=active))
    return sorted(((s, n, a) for s, n, a in counted), key=lambda r: (-r[1], r[0]))


def member_reciprocity(network: Network) -> dict[str, int]:
    """The network's referrals, and how many people gave, received, and did both: one
    query, over one row per person under ROLLUP."""
    if ROLLUP:
        return MemberTotal.objects.filter(network=network).aggregate(
            total=Coalesce(Sum("given"), 0),
            givers=Count("id", filter=Q(given__gt=0)),
            receivers=Count("id", filter=Q(received__gt=0)),
            both=Count("id", filter=Q(given__gt=0, received__gt=0)),
        )
    referrals = Referral.objects.for_network(network)
    return referrals.aggregate(
        total=Count("id"),
        givers=Count("referrer_id", distinct=True),
        receivers=Count("receiver_id", distinct=True),
        both=Count(
            "referrer_id", distinct=True, filter=Q(referrer_id__in=referrals.values("receiver_id"))
        ),
    )


# ---------------------------------------------------------------- referral figures

# "Served" means a served day is recorded, as for the referrals-served measure source.
SERVED = Q(served_on__isnull=False)


@dataclass(frozen=True)
class ReferralFigures:
    made: int
    served: int
    closed_value: Decimal
    followed: int  # made in the period and followed up by the concierge (a touchpoint)
    accepted: int = 0  # answered in the period: accepted
    declined: int = 0  # answered in the period: declined
    rating: float | None = None  # average satisfaction of those served in the period
    rated: int = 0
    median_days_to_served: float | None = None  # of those served in the period
    first_touch_days: float | None = None  # average, of those made in the period

    @property
    def follow_through(self) -> float | None:
        """Concierge follow-through: the share of referrals whose referrer stayed with the
        client (logged a touchpoint of their own)."""
        return self.followed / self.made if self.made else None

    @property
    def acceptance_rate(self) -> float | None:
        return share(self.accepted, self.accepted + self.declined)


NO_REFERRALS = ReferralFigures(0, 0, ZERO, 0)
REFERRAL_RULES = (
    "Acceptance rate: accepted of the referrals the colleague answered. Time to first touch: "
    "days from made to the concierge's first touchpoint. Follow-through: the share of open "
    "referrals the concierge touched within the group's follow-up interval. Days to served: "
    "the median from made to served. Closed value and thanks are credited to the referrer."
)


def _days(pairs: Iterable[tuple[Any, dt.date | None, dt.date | None]]) -> dict[Any, list[int]]:
    """key -> the day spans of (key, from, to) rows with both days."""
    spans: dict[Any, list[int]] = defaultdict(list)
    for key, low, high in pairs:
        if low is not None and high is not None:
            spans[key].append((high - low).days)
    return spans


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def referral_figures(
    network: Network, *, group_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, ReferralFigures]:
    """group id -> the referral figures of start <= day < end: made, answered, served and
    closed in the period, with their rates and spans (REFERRAL_RULES). Two queries."""
    made = Q(made_on__gte=start, made_on__lt=end)
    served = Q(served_on__gte=start, served_on__lt=end)
    closed = Q(closed_on__gte=start, closed_on__lt=end)
    answered = Q(answered_on__gte=start, answered_on__lt=end)
    declined = answered & Q(status=Referral.Status.DECLINED)
    base = (
        Referral.objects.for_network(network)
        .filter(made | served | closed | answered)
        .filter(group_id__in=list(group_ids))
        .order_by()
    )
    rows = base.values("group_id").annotate(
        made=Count("id", filter=made),
        served=Count("id", filter=served),
        closed_value=Sum("closed_value", filter=closed),
        followed=Count("id", filter=made & Q(first_touch_on__lt=end)),
        accepted=Count("id", filter=answered & ~Q(status=Referral.Status.DECLINED)),
        declined=Count("id", filter=declined),
        rating=Avg("client_rating", filter=served),
        rated=Count("client_rating", filter=served),
    )
    spans = list(
        base.filter(made | served).values_list("group_id", "made_on", "served_on", "first_touch_on")
    )
    to_served = _days((g, m, s) for g, m, s, _ in spans if s is not None and start <= s < end)
    first_touch = _days((g, m, t) for g, m, _, t in spans if start <= m < end and t is not None)
    return {
        r["group_id"]: ReferralFigures(
            r["made"],
            r["served"],
            r["closed_value"] or ZERO,
            r["followed"],
            r["accepted"],
            r["declined"],
            r["rating"],
            r["rated"],
            _median(to_served.get(r["group_id"], [])),
            _mean(first_touch.get(r["group_id"], [])),
        )
        for r in rows
    }


def _touched_in_time(
    network: Network, today: dt.date, groups: Iterable[PeerGroup] | None = None
) -> Q:
    """Open referrals whose last touchpoint is within their group's follow-up interval:
    one condition per distinct interval (usually one), among `groups` when the referrals
    are all theirs (no query), else among the network's groups (one query)."""
    by_interval: dict[int, Q]
    if groups is None:
        intervals = (
            PeerGroup.objects.filter(network=network)
            .order_by()
            .values_list("follow_up_days", flat=True)
            .distinct()
        )
        by_interval = {days: Q(group__follow_up_days=days) for days in intervals}
    else:
        ids: dict[int, list[int]] = defaultdict(list)
        for group in groups:
            ids[group.follow_up_days].append(group.pk)
        by_interval = {days: Q(group_id__in=pks) for days, pks in ids.items()}
    condition = Q(pk__in=[])
    for days, whose in by_interval.items():
        condition |= whose & Q(last_touch_on__gte=today - dt.timedelta(days=days))
    return condition & ~Q(status__in=SETTLED)


def _live_aggregates(
    network: Network, today: dt.date, within: Q, answered: Q, group: PeerGroup | None = None
) -> dict[str, Any]:
    """Aggregates for the live figures, to add to a caller's own aggregate query: `within`
    picks the referrals whose follow-through counts, `answered` those whose answers do.
    Costs one query (the network's follow-up intervals), none for one group's referrals."""
    in_time = _touched_in_time(network, today, None if group is None else [group])
    return {
        "accepted": Count(
            "id", filter=answered & Q(answered_on__isnull=False) & ~Q(status="declined")
        ),
        "declined": Count("id", filter=answered & Q(status=Referral.Status.DECLINED)),
        "open_now": Count("id", filter=within & ~Q(status__in=SETTLED)),
        "touched_in_time": Count("id", filter=within & in_time),
    }


def _live_rates(totals: dict[str, Any], qs: QuerySet[Referral]) -> dict[str, Any]:
    """Rates from `_live_aggregates`, and the day spans of `qs` (one query)."""
    spans = list(qs.order_by().values_list("made_on", "served_on", "first_touch_on"))
    totals["acceptance_rate"] = share(totals["accepted"], totals["accepted"] + totals["declined"])
    totals["live_follow_through"] = share(totals["touched_in_time"], totals["open_now"])
    totals["median_days_to_served"] = _median(_days((None, m, s) for m, s, _ in spans)[None])
    totals["first_touch_days"] = _mean(_days((None, m, t) for m, _, t in spans)[None])
    return totals


def group_follow_through(
    network: Network, groups: list[PeerGroup], today: dt.date
) -> dict[int, tuple[int, int, float | None]]:
    """group id -> (open referrals, touched within the group's follow-up interval, their
    share): one GROUP BY for any number of groups, for the console."""
    rows = (
        Referral.objects.for_network(network)
        .filter(group_id__in=[g.pk for g in groups])
        .exclude(status__in=SETTLED)
        .order_by()
        .values("group_id")
        .annotate(
            open=Count("id"), touched=Count("id", filter=_touched_in_time(network, today, groups))
        )
    )
    return {r["group_id"]: (r["open"], r["touched"], share(r["touched"], r["open"])) for r in rows}


def referral_totals(
    referrals: QuerySet[Referral], *, network: Network | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Totals over any set of referrals: made, open, served, closed, value, rating; with a
    network, the live figures too (REFERRAL_RULES), in three queries in all."""
    return _referral_totals(referrals, network, today, None)


def group_referral_totals(group: PeerGroup, *, network: Network, today: dt.date) -> dict[str, Any]:
    """`referral_totals` of one group's referrals (its dashboard, its board), with the live
    figures read against the group's own follow-up interval: two queries."""
    return _referral_totals(Referral.objects.filter(group=group), network, today, group)


def _referral_totals(
    referrals: QuerySet[Referral],
    network: Network | None,
    today: dt.date | None,
    group: PeerGroup | None,
) -> dict[str, Any]:
    live = (
        {}
        if network is None
        else _live_aggregates(network, today or network.today(), Q(), Q(), group)
    )
    totals = referrals.order_by().aggregate(
        made=Count("id"),
        open=Count("id", filter=~Q(status__in=SETTLED)),
        served=Count("id", filter=SERVED),
        closed=Count("id", filter=Q(status=Referral.Status.CLOSED)),
        value=Coalesce(Sum("closed_value"), Value(ZERO), output_field=DecimalField()),
        rating=Avg("client_rating"),
        **live,
    )
    return totals if network is None else _live_rates(totals, referrals)


def member_referrals(
    network: Network, user_id: int, today: dt.date | None = None
) -> dict[str, Any]:
    """A member's referrals as concierge (given) and as the colleague serving (received).

    Given-side figures (follow-through, time to first touch, days to served, satisfaction,
    closed value) are the concierge's; acceptance rate is the colleague's own answers.
    Reciprocity is given against received. Three queries."""
    given = Q(referrer_id=user_id)
    received = Q(receiver_id=user_id)
    mine = Referral.objects.for_network(network)
    totals = (
        mine.filter(given | received)
        .order_by()
        .aggregate(
            given=Count("id", filter=given),
            given_served=Count("id", filter=given & SERVED),
            # Only the concierge logs touchpoints: a given referral is followed once touched.
            followed=Count("id", filter=given & Q(first_touch_on__isnull=False)),
            rating=Avg("client_rating", filter=given),
            value=Coalesce(
                Sum("closed_value", filter=given), Value(ZERO), output_field=DecimalField()
            ),
            received=Count("id", filter=received),
            received_served=Count("id", filter=received & SERVED),
            **_live_aggregates(network, today or network.today(), given, received),
        )
    )
    totals["follow_through"] = share(totals["followed"], totals["given"])
    totals["served_rate"] = share(totals["given_served"], totals["given"])
    totals["open_given"] = totals["open_now"]
    totals["reciprocity"] = share(totals["given"], totals["received"])
    return _live_rates(totals, mine.filter(given))


def member_referral_figures(
    network: Network, user_ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, dict[str, Any]]:
    """user id -> given, received and closed value credited (as referrer) over
    start <= made day < end: one GROUP BY per side, for any number of people."""
    ids = list(user_ids)
    qs = Referral.objects.for_network(network).made_in(start, end).order_by()
    out: dict[int, dict[str, Any]] = {i: {"given": 0, "received": 0, "value": ZERO} for i in ids}
    for r in (
        qs.filter(referrer_id__in=ids)
        .values("referrer_id")
        .annotate(n=Count("id"), value=Sum("closed_value"))
    ):
        out[r["referrer_id"]] |= {"given": r["n"], "value": r["value"] or ZERO}
    for r in qs.filter(receiver_id__in=ids).values("receiver_id").annotate(n=Count("id")):
        out[r["receiver_id"]]["received"] = r["n"]
    return out


def member_referrals_by_period(
    network: Network, user_id: int, *, start: dt.date, end: dt.date, period: Period
) -> dict[dt.date, dict[str, int]]:
    rows = (
        Referral.objects.for_network(network)
        .made_in(start, end)
        .filter(Q(referrer_id=user_id) | Q(receiver_id=user_id))
        .order_by()
        .values(key=_trunc(period, "made_on"))
        .annotate(
            given=Count("id", filter=Q(referrer_id=user_id)),
            received=Count("id", filter=Q(receiver_id=user_id)),
        )
    )
    return {_key(r["key"]): {"given": r["given"], "received": r["received"]} for r in rows}


def share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class ReportPeriod:
    start: dt.date
    end: dt.date  # the first day after the period

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def __str__(self) -> str:
        return date_range(self.start, self.last_day)


def period_start(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_after(first: dt.date, period: Period) -> dt.date:
    """The first day of the period after the one starting on `first`."""
    if period == "week":
        return first + dt.timedelta(days=7)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_starts(start: dt.date, end: dt.date, period: Period) -> list[dt.date]:
    """First days of the periods from the one holding `start` up to (not including) `end`."""
    day = period_start(start, period)
    starts = [day]
    while (day := period_after(day, period)) < end:
        starts.append(day)
    return starts


def recent_periods(today: dt.date, period: Period, count: int) -> list[dt.date]:
    """First days of the last `count` periods, oldest first, ending with today's."""
    first = period_start(today, period)
    for _ in range(count - 1):
        first = period_start(first - dt.timedelta(days=1), period)
    return period_starts(first, today + dt.timedelta(days=1), period)


def cadence_period(network: Network) -> Period:
    return "week" if network.report_cadence == Network.Cadence.WEEKLY else "month"


def period_containing(network: Network, day: dt.date) -> ReportPeriod:
    kind = cadence_period(network)
    first = period_start(day, kind)
    return ReportPeriod(first, period_after(first, kind))


def _local_today(network: Network, now: dt.datetime | None) -> dt.date:
    return (now or timezone.now()).astimezone(network.tz).date()


def last_closed_period(network: Network, now: dt.datetime | None = None) -> ReportPeriod:
    """The latest period that has ended in the network's time zone."""
    current = period_containing(network, _local_today(network, now))
    return period_containing(network, current.start - dt.timedelta(days=1))


def closed_periods(
    network: Network, *, since: dt.date, now: dt.datetime | None = None, limit: int = 12
) -> list[ReportPeriod]:
    """Closed periods ending after `since`, oldest first, at most the latest `limit`."""
    periods: list[ReportPeriod] = []
    period = last_closed_period(network, now)
    while period.end > since and len(periods) < limit:
        periods.append(period)
        period = period_containing(network, period.start - dt.timedelta(days=1))
    return periods[::-1]
