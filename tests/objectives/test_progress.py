import datetime as dt
from decimal import Decimal

import pytest

from groups.models import Activity
from networks.models import Network
from objectives.figures import (
    closed_periods,
    group_parts_and_readings,
    last_closed_period,
    measure_series,
    measure_values,
    measure_values_by_group,
    network_progress,
    period_containing,
    status_of,
)
from objectives.models import Measure
from referrals.models import Referral
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    MeasureFactory,
    NetworkFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ReferralFactory,
)

START = dt.date(2026, 1, 1)
END = dt.date(2026, 12, 31)
D = Decimal


@pytest.fixture
def net(db) -> Network:
    return NetworkFactory(tolerance=D("0.10"))


@pytest.fixture
def groups(net):
    return PeerGroupFactory(network=net), PeerGroupFactory(network=net)


def measure(net: Network, source: str, **kwargs) -> Measure:
    objective = kwargs.pop("objective", None) or ObjectiveFactory(
        network=net, starts_on=START, due_on=END
    )
    return MeasureFactory(objective=objective, source=source, **kwargs)


def on(month: int, day: int = 1) -> dt.date:
    return dt.date(2026, month, day)


def test_manual_value_is_the_latest_reading_before_end(net, groups):
    m = measure(net, Measure.Source.MANUAL)
    CheckInFactory(measure=m, value=D("5"), recorded_on=on(2))
    CheckInFactory(measure=m, value=D("9"), recorded_on=on(3))
    CheckInFactory(measure=m, value=D("20"), recorded_on=on(5))
    assert measure_values([m], start=None, end=on(4)) == {m.pk: D("9")}


def test_manual_value_without_readings_is_the_baseline(net):
    m = measure(net, Measure.Source.MANUAL, baseline=D("7"), target=D("10"))
    assert measure_values([m], end=on(4)) == {m.pk: D("7")}


def test_manual_value_in_a_period_is_the_latest_reading_in_it(net):
    m = measure(net, Measure.Source.MANUAL)
    CheckInFactory(measure=m, value=D("5"), recorded_on=on(2, 3))
    CheckInFactory(measure=m, value=D("6"), recorded_on=on(3, 3))
    assert measure_values([m], start=on(2), end=on(3)) == {m.pk: D("5")}
    assert measure_values([m], start=on(4), end=on(5)) == {m.pk: D("0")}


def test_activity_count_counts_chosen_kinds_since_the_objective_began(net, groups):
    m = measure(net, Measure.Source.ACTIVITY_COUNT, activity_kinds=["course_taught"])
    g = groups[0]
    ActivityFactory(group=g, kind=Activity.Kind.COURSE_TAUGHT, occurred_on=on(2))
    ActivityFactory(group=g, kind=Activity.Kind.COURSE_TAUGHT, occurred_on=on(3))
    ActivityFactory(group=g, kind=Activity.Kind.MEETING_HOSTED, occurred_on=on(3))
    ActivityFactory(group=g, kind=Activity.Kind.COURSE_TAUGHT, occurred_on=dt.date(2025, 12, 1))
    ActivityFactory(kind=Activity.Kind.COURSE_TAUGHT, occurred_on=on(3))  # another network
    assert measure_values([m], end=on(6)) == {m.pk: D("2")}


def test_activity_count_with_no_kinds_counts_every_kind(net, groups):
    m = measure(net, Measure.Source.ACTIVITY_COUNT, activity_kinds=[])
    ActivityFactory(group=groups[0], kind=Activity.Kind.COURSE_TAUGHT, occurred_on=on(2))
    ActivityFactory(group=groups[1], kind=Activity.Kind.BLOG_WRITTEN, occurred_on=on(2))
    assert measure_values([m], end=on(6)) == {m.pk: D("2")}


def test_activity_sum_adds_contributions_to_that_measure(net, groups):
    m = measure(net, Measure.Source.ACTIVITY_SUM)
    other = measure(net, Measure.Source.ACTIVITY_SUM)
    a1 = ActivityFactory(group=groups[0], occurred_on=on(2))
    a2 = ActivityFactory(group=groups[1], occurred_on=on(3))
    ContributionFactory(activity=a1, measure=m, amount=D("12.50"))
    ContributionFactory(activity=a2, measure=m, amount=D("7.50"))
    ContributionFactory(activity=a2, measure=other, amount=D("100"))
    assert measure_values([m, other], end=on(6)) == {m.pk: D("20.00"), other.pk: D("100")}
    assert measure_values([m], end=on(3)) == {m.pk: D("12.50")}


def test_referral_sources(net, groups):
    g = PeerGroupFactory(network=net, is_cng=True)
    made = measure(net, Measure.Source.REFERRALS_MADE)
    served = measure(net, Measure.Source.REFERRALS_SERVED, objective=made.objective)
    value = measure(net, Measure.Source.REFERRALS_CLOSED_VALUE, objective=made.objective)
    ReferralFactory(group=g, made_on=on(2))
    ReferralFactory(group=g, made_on=on(2), served_on=on(3))
    ReferralFactory(
        group=g,
        made_on=on(2),
        served_on=on(3),
        closed_on=on(4),
        status=Referral.Status.CLOSED,
        closed_value=D("1500"),
    )
    ReferralFactory(group=g, made_on=on(8))  # after the end
    got = measure_values([made, served, value], end=on(6))
    assert got == {made.pk: D("3"), served.pk: D("2"), value.pk: D("1500")}


def test_values_by_group(net, groups):
    g1, g2 = groups
    count = measure(net, Measure.Source.ACTIVITY_COUNT)
    manual = measure(net, Measure.Source.MANUAL, objective=count.objective)
    ActivityFactory(group=g1, occurred_on=on(2))
    ActivityFactory(group=g1, occurred_on=on(3))
    ActivityFactory(group=g2, occurred_on=on(3))
    CheckInFactory(measure=manual, group=g1, value=D("3"), recorded_on=on(2))
    CheckInFactory(measure=manual, group=g1, value=D("4"), recorded_on=on(3))
    CheckInFactory(measure=manual, group=g2, value=D("8"), recorded_on=on(2))
    CheckInFactory(measure=manual, group=None, value=D("50"), recorded_on=on(3))
    got = measure_values_by_group([count, manual], start=None, end=on(6))
    assert got == {
        (count.pk, g1.pk): D("2"),
        (count.pk, g2.pk): D("1"),
        (manual.pk, g1.pk): D("4"),
        (manual.pk, g2.pk): D("8"),
    }


def test_values_by_group_in_a_period(net, groups):
    g1, _ = groups
    count = measure(net, Measure.Source.ACTIVITY_COUNT)
    ActivityFactory(group=g1, occurred_on=on(2, 5))
    ActivityFactory(group=g1, occurred_on=on(3, 5))
    assert measure_values_by_group([count], start=on(3), end=on(4)) == {(count.pk, g1.pk): 1}


def test_series_is_cumulative_per_month(net, groups):
    count = measure(net, Measure.Source.ACTIVITY_COUNT)
    manual = measure(net, Measure.Source.MANUAL, objective=count.objective)
    ActivityFactory(group=groups[0], occurred_on=on(1, 20))
    ActivityFactory(group=groups[0], occurred_on=on(2, 10))
    ActivityFactory(group=groups[0], occurred_on=on(2, 11))
    ActivityFactory(group=groups[0], occurred_on=on(4, 1))
    CheckInFactory(measure=manual, value=D("5"), recorded_on=on(1, 3))
    CheckInFactory(measure=manual, value=D("6"), recorded_on=on(3, 3))
    series = measure_series([count, manual], start=on(2, 14), end=on(5), period="month")
    assert series[count.pk] == [(on(2), 3), (on(3), 3), (on(4), 4)]
    assert series[manual.pk] == [(on(2), 5), (on(3), 6), (on(4), 6)]


def test_series_per_week_starts_on_monday(net, groups):
    count = measure(net, Measure.Source.ACTIVITY_COUNT)
    ActivityFactory(group=groups[0], occurred_on=dt.date(2026, 3, 4))  # a Wednesday
    ActivityFactory(group=groups[0], occurred_on=dt.date(2026, 3, 9))  # the next Monday
    series = measure_series([count], start=on(3, 2), end=on(3, 16), period="week")
    assert series[count.pk] == [(on(3, 2), 1), (on(3, 9), 2)]


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        (0.5, 0.5, "on_track"),
        (0.4, 0.5, "on_track"),
        (0.39, 0.5, "at_risk"),
        (0.3, 0.5, "at_risk"),
        (0.29, 0.5, "off_track"),
        (0.9, 0.5, "on_track"),
    ],
)
def test_status_thresholds(progress, expected, status):
    assert status_of(progress, expected, D("0.10")) == status


def test_decrease_measure_progress_is_signed(net):
    objective = ObjectiveFactory(network=net, starts_on=on(1), due_on=on(12, 31))
    m = MeasureFactory(
        objective=objective,
        source=Measure.Source.MANUAL,
        baseline=D("9"),
        target=D("4"),
        direction=Measure.Direction.DECREASE,
    )
    CheckInFactory(measure=m, value=D("11"), recorded_on=on(2))
    [result] = network_progress(net, on=on(3))
    assert result.measures[0].progress == pytest.approx(-0.4)
    assert result.measures[0].display_percent == 0
    assert result.measures[0].status == "off_track"


def test_objective_progress_is_the_mean_of_measures_counted_up_to_their_targets(net):
    objective = ObjectiveFactory(network=net, starts_on=on(1), due_on=on(12, 31))
    past = MeasureFactory(objective=objective, target=D("10"))
    behind = MeasureFactory(objective=objective, target=D("10"))
    CheckInFactory(measure=past, value=D("30"), recorded_on=on(2))  # 300%: counts as 100%
    CheckInFactory(measure=behind, value=D("0"), recorded_on=on(2))
    [result] = network_progress(net, on=on(7, 2))
    assert result.progress == pytest.approx(0.5)
    assert result.measures[0].progress == pytest.approx(3.0)  # stored raw


def test_objective_status_follows_the_progress_shown_beside_it(net):
    objective = ObjectiveFactory(network=net, starts_on=on(1), due_on=on(12, 31))
    good = MeasureFactory(objective=objective, target=D("10"))
    bad = MeasureFactory(objective=objective, target=D("10"))
    CheckInFactory(measure=good, value=D("10"), recorded_on=on(2))
    CheckInFactory(measure=bad, value=D("2"), recorded_on=on(2))
    [result] = network_progress(net, on=on(7, 2))  # half the time gone, 60% done
    assert result.status == "on_track"
    assert [m.status for m in result.measures] == ["on_track", "off_track"]
    assert result.summary == "1 of 2 measures on track"


def test_objective_behind_its_time_is_off_track_whatever_one_measure_does(net):
    objective = ObjectiveFactory(network=net, starts_on=on(1), due_on=on(12, 31))
    good = MeasureFactory(objective=objective, target=D("10"))
    bad = MeasureFactory(objective=objective, target=D("10"))
    CheckInFactory(measure=good, value=D("4"), recorded_on=on(2))
    CheckInFactory(measure=bad, value=D("0"), recorded_on=on(2))
    [result] = network_progress(net, on=on(10, 1))  # three quarters gone, 20% done
    assert result.status == "off_track"
    assert result.summary == "0 of 2 measures on track"


def test_network_progress_skips_archived_objectives(net):
    from django.utils import timezone

    ObjectiveFactory(network=net, archived_at=timezone.now())
    assert network_progress(net) == []


def _objectives(net: Network, n: int, group) -> None:
    sources = list(Measure.Source.values)
    for i in range(n):
        objective = ObjectiveFactory(network=net, starts_on=START, due_on=END)
        measure(net, sources[i % len(sources)], objective=objective)
        measure(net, sources[(i + 1) % len(sources)], objective=objective)
        ActivityFactory(group=group, occurred_on=on(2))


@pytest.mark.parametrize("n", [6, 20])
def test_network_progress_runs_a_fixed_number_of_queries(net, groups, n, django_assert_num_queries):
    _objectives(net, n, groups[0])
    # objectives, measures, the manual readings, then (nothing being dated after the day)
    # whether anything is, and the measure totals of every other source
    with django_assert_num_queries(2 + 3):
        result = network_progress(net, on=on(6))
    assert len(result) == n


def test_periods_follow_the_network_cadence_and_time_zone(db):
    weekly = NetworkFactory(report_cadence="weekly", time_zone="Pacific/Auckland")
    # 2026-03-08 20:00 UTC is Monday 9 March in Auckland: the week of 2 March has closed.
    now = dt.datetime(2026, 3, 8, 20, 0, tzinfo=dt.UTC)
    period = last_closed_period(weekly, now)
    assert (period.start, period.end) == (on(3, 2), on(3, 9))
    monthly = NetworkFactory(report_cadence="monthly", time_zone="UTC")
    assert last_closed_period(monthly, now).start == on(2)
    assert period_containing(monthly, on(12, 15)).end == dt.date(2027, 1, 1)


def test_closed_periods_since_a_day_are_capped(db):
    monthly = NetworkFactory(report_cadence="monthly")
    now = dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
    periods = closed_periods(monthly, since=on(2, 10), now=now)
    assert [p.start for p in periods] == [on(2), on(3), on(4), on(5)]
    assert len(closed_periods(monthly, since=dt.date(2020, 1, 1), now=now, limit=12)) == 12


def test_a_groups_reading_never_replaces_the_networks_figure(net, groups):
    m = measure(net, Measure.Source.MANUAL, baseline=D("3"), target=D("100"))
    CheckInFactory(measure=m, value=D("41"), recorded_on=on(2))
    CheckInFactory(measure=m, value=D("5"), recorded_on=on(3), group=groups[0])
    assert measure_values([m], end=on(4)) == {m.pk: D("41")}
    assert measure_values_by_group([m], end=on(4)) == {(m.pk, groups[0].pk): D("5")}


def test_a_groups_latest_reading_is_its_part_however_old(net, groups):
    m = measure(net, Measure.Source.MANUAL, baseline=D("3"), target=D("100"))
    CheckInFactory(measure=m, value=D("7"), recorded_on=dt.date(2024, 5, 2), group=groups[0])
    CheckInFactory(measure=m, value=D("8"), recorded_on=dt.date(2024, 5, 20), group=groups[0])
    CheckInFactory(measure=m, value=D("9"), recorded_on=on(3), group=groups[1])
    CheckInFactory(measure=m, value=D("41"), recorded_on=on(3))
    parts, latest = group_parts_and_readings(
        [m], group_id=groups[0].pk, start=on(1), end=on(4), period="month"
    )
    by_group = measure_values_by_group([m], end=on(4))
    assert latest == {m.pk: D("8")} == {m.pk: by_group[(m.pk, groups[0].pk)]}
    assert parts[m.pk] == [(on(1), None), (on(2), None), (on(3), None)]


def test_a_groups_parts_by_month_are_its_latest_reading_in_each(net, groups):
    m = measure(net, Measure.Source.MANUAL, baseline=D("3"), target=D("100"))
    CheckInFactory(measure=m, value=D("5"), recorded_on=on(2, 3), group=groups[0])
    CheckInFactory(measure=m, value=D("6"), recorded_on=on(2, 9), group=groups[0])
    CheckInFactory(measure=m, value=D("2"), recorded_on=on(3, 9), group=groups[1])
    parts, latest = group_parts_and_readings(
        [m], group_id=groups[0].pk, start=on(1), end=on(4), period="month"
    )
    assert parts[m.pk] == [(on(1), None), (on(2), D("6")), (on(3), None)]
    assert latest == {m.pk: D("6")}


def test_a_groups_weekly_parts_of_counted_and_manual_measures_come_from_one_call(net, groups):
    count = measure(net, Measure.Source.ACTIVITY_COUNT)
    manual = measure(net, Measure.Source.MANUAL, baseline=D("3"), target=D("100"))
    monday = dt.date(2026, 3, 2)
    ActivityFactory(group=groups[0], occurred_on=monday + dt.timedelta(days=8))
    CheckInFactory(measure=manual, value=D("4"), recorded_on=monday, group=groups[0])
    parts, latest = group_parts_and_readings(
        [count, manual], group_id=groups[0].pk, start=monday, end=on(3, 16), period="week"
    )
    assert parts[count.pk] == [(monday, D("0")), (on(3, 9), D("1"))]
    assert parts[manual.pk] == [(monday, D("4")), (on(3, 9), None)]
    assert latest == {manual.pk: D("4")}
    _, none = group_parts_and_readings(
        [count, manual], group_id=groups[1].pk, start=monday, end=on(3, 16), period="week"
    )
    assert none == {}


def test_a_manual_measure_with_only_group_readings_stays_at_its_baseline(net, groups):
    m = measure(net, Measure.Source.MANUAL, baseline=D("3"), target=D("100"))
    CheckInFactory(measure=m, value=D("5"), recorded_on=on(3), group=groups[0])
    assert measure_values([m], end=on(4)) == {m.pk: D("3")}
