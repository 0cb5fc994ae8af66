"""The progress engine: measure values, progress, expected progress and status.

Every figure is computed in the database with GROUP BY aggregates: one query per
kind of source whatever the number of rows, objectives or measures, so pages and
reports cost a fixed number of queries.

Counted sources (activities of some kinds, referrals) count from the objective's
start day: the baseline is where the network stood when the objective began. Sums of
contributions count every contribution linked to the measure, since each was linked
to it on purpose. Manual measures take the latest reading.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import (
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
from django.db.models.functions import Coalesce, FirstValue, TruncMonth, TruncWeek
from django.utils import timezone

from groups.models import Activity
from networks.models import Network
from objectives.models import CheckIn, Contribution, Measure, Objective
from referrals.models import Referral

ZERO = Decimal(0)
Source = Measure.Source
Period = Literal["week", "month"]
# None: the whole network; "group": per group id; "week"/"month": per period start day.
By = Literal["group", "week", "month"] | None

STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}
_STATUS_RANK = {"on_track": 0, "at_risk": 1, "off_track": 2}


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


def _clamp_percent(progress: float) -> float:
    return min(max(progress, 0.0), 1.0) * 100


@dataclass(frozen=True)
class MeasureProgress:
    measure: Measure
    value: Decimal
    progress: float  # raw, (value - baseline) / (target - baseline)
    expected: float
    status: str  # "on_track" | "at_risk" | "off_track"

    @property
    def display_percent(self) -> float:
        return _clamp_percent(self.progress)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    measures: list[MeasureProgress]
    progress: float
    expected: float
    status: str

    @property
    def display_percent(self) -> float:
        return _clamp_percent(self.progress)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


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
    expected = objective.expected_progress(on)
    if not measures:
        return ObjectiveProgress(objective, [], 0.0, expected, status_of(0.0, expected, tolerance))
    progress = sum(m.progress for m in measures) / len(measures)
    status = max((m.status for m in measures), key=_STATUS_RANK.__getitem__)
    return ObjectiveProgress(objective, measures, progress, expected, status)


def network_progress(
    network: Network,
    *,
    on: dt.date | None = None,
    objectives: QuerySet[Objective] | None = None,
) -> list[ObjectiveProgress]:
    """Progress of the network's active objectives at the end of day `on` (default today)."""
    on = on or network.today()
    if objectives is None:
        objectives = Objective.objects.filter(network=network)
    objective_list = list(objectives.active().prefetch_related("measures"))
    measures = [m for o in objective_list for m in o.measures.all()]
    values = measure_values(measures, start=None, end=on + dt.timedelta(days=1))
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
    measures: Iterable[Measure], *, start: dt.date | None = None, end: dt.date
) -> dict[tuple[int, int], Decimal]:
    """(measure id, group id) -> that group's part; pairs with nothing are left out.

    For manual measures a group's part is the latest reading recorded for that group.
    """
    return _values(_with_objectives(measures), start=start, end=end, by="group")  # type: ignore[return-value]


def measure_series(
    measures: Iterable[Measure],
    *,
    start: dt.date,
    end: dt.date,
    period: Period,
    tz: ZoneInfo | None = None,
) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Each measure's cumulative value at the end of every period from start to end.

    Points are (first day of the period, value at its end). Weeks start on Monday.
    Activities, referrals and check-ins are stored as local days of the network, so
    `tz` only matters for callers passing an aware "now"; truncation is on those days.
    """
    del tz  # the stored days are already the network's local days
    measures = _with_objectives(measures)
    first = period_start(start, period)
    starts = []
    day = first
    while day < end:
        starts.append(day)
        day = period_after(day, period)
    opening = measure_values(measures, start=None, end=first)
    per_period = _values(measures, start=first, end=end, by=period)
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
    measures: list[Measure], *, start: dt.date | None, end: dt.date, by: By
) -> dict[tuple[int, Any], Decimal]:
    by_source: dict[str, list[Measure]] = defaultdict(list)
    for m in measures:
        by_source[m.source].append(m)
    found: dict[tuple[int, Any], Decimal] = {}
    if by_source[Source.MANUAL]:
        found.update(_manual(by_source[Source.MANUAL], start, end, by))
    if by_source[Source.ACTIVITY_COUNT]:
        found.update(_activity_counts(by_source[Source.ACTIVITY_COUNT], start, end, by))
    if by_source[Source.ACTIVITY_SUM]:
        found.update(_activity_sums(by_source[Source.ACTIVITY_SUM], start, end, by))
    referral_sources = {
        Source.REFERRALS_MADE: ("made_on", "made_in"),
        Source.REFERRALS_SERVED: ("served_on", "served_in"),
        Source.REFERRALS_CLOSED_VALUE: ("closed_on", "closed_in"),
    }
    for source, (day_field, method) in referral_sources.items():
        if by_source[source]:
            found.update(_referrals(by_source[source], start, end, by, day_field, method))
    return found


def _grouped(qs: QuerySet, by: By, day_field: str, group_field: str) -> tuple[QuerySet, str | None]:
    """The queryset grouped by the requested key, and the name of the key column."""
    qs = qs.order_by()  # Meta.ordering must not leak into GROUP BY
    if by is None:
        return qs, None
    if by == "group":
        return qs.values(key=F(group_field)), "key"
    return qs.values(key=_trunc(by, day_field)), "key"


def _key(value: Any) -> Any:
    # TruncWeek/TruncMonth give datetimes on some backends; reports speak in days.
    return value.date() if isinstance(value, dt.datetime) else value


def _spread(
    qs: QuerySet, by: By, aggregates: dict[str, Any], measures: list[Measure]
) -> dict[tuple[int, Any], Decimal]:
    """Run one aggregate query with a column per measure; spread it to (measure, key)."""
    found: dict[tuple[int, Any], Decimal] = {}
    rows = [qs.aggregate(**aggregates)] if by is None else qs.annotate(**aggregates)
    for row in rows:
        key = None if by is None else _key(row["key"])
        for m in measures:
            value = row[f"m{m.pk}"]
            if value:
                found[(m.pk, key)] = Decimal(value)
    return found


def _activity_counts(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By
) -> dict[tuple[int, Any], Decimal]:
    low = min(_low(m, start) for m in measures)
    qs = Activity.objects.filter(
        network_id__in={m.objective.network_id for m in measures}
    ).in_period(low, end)
    qs, _ = _grouped(qs, by, "occurred_on", "group_id")
    aggregates = {}
    for m in measures:
        condition = Q(network_id=m.objective.network_id, occurred_on__gte=_low(m, start))
        if m.activity_kinds:
            condition &= Q(kind__in=m.activity_kinds)
        aggregates[f"m{m.pk}"] = Count("id", filter=condition)
    return _spread(qs, by, aggregates, measures)


def _activity_sums(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By
) -> dict[tuple[int, Any], Decimal]:
    ids = [m.pk for m in measures]
    networks = {m.objective.network_id for m in measures}
    if start is None and by is None:
        return _activity_sums_to(ids, networks, end)
    # The network filter lets the activities' (network, day) index find the period's rows.
    qs = Contribution.objects.filter(
        measure_id__in=ids, activity__network_id__in=networks
    ).in_period(start, end)
    key_fields: list[Any] = ["measure_id"]
    if by == "group":
        qs = qs.annotate(key=F("activity__group_id"))
        key_fields.append("key")
    elif by is not None:
        qs = qs.annotate(key=_trunc(by, "activity__occurred_on"))
        key_fields.append("key")
    rows = qs.order_by().values(*key_fields).annotate(total=Sum("amount"))
    return {(row["measure_id"], _key(row.get("key"))): row["total"] for row in rows if row["total"]}


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


def _referrals(
    measures: list[Measure],
    start: dt.date | None,
    end: dt.date,
    by: By,
    day_field: str,
    method: str,
) -> dict[tuple[int, Any], Decimal]:
    low = min(_low(m, start) for m in measures)
    qs = getattr(
        Referral.objects.filter(network_id__in={m.objective.network_id for m in measures}),
        method,
    )(low, end)
    qs, _ = _grouped(qs, by, day_field, "group_id")
    aggregates = {}
    for m in measures:
        condition = Q(network_id=m.objective.network_id, **{f"{day_field}__gte": _low(m, start)})
        if m.source == Source.REFERRALS_CLOSED_VALUE:
            aggregates[f"m{m.pk}"] = Sum("closed_value", filter=condition)
        else:
            aggregates[f"m{m.pk}"] = Count("id", filter=condition)
    return _spread(qs, by, aggregates, measures)


def _manual(
    measures: list[Measure], start: dt.date | None, end: dt.date, by: By
) -> dict[tuple[int, Any], Decimal]:
    """The latest reading per measure (and group or period): a window, not a loop."""
    qs = CheckIn.objects.filter(measure_id__in=[m.pk for m in measures]).in_period(start, end)
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


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class ReportPeriod:
    start: dt.date
    end: dt.date  # the first day after the period

    def __str__(self) -> str:
        last = self.end - dt.timedelta(days=1)
        return f"{self.start:%-d %b %Y} – {last:%-d %b %Y}"


def period_start(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_after(first: dt.date, period: Period) -> dt.date:
    """The first day of the period after the one starting on `first`."""
    if period == "week":
        return first + dt.timedelta(days=7)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


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
