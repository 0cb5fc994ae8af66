"""MeasureTotal: each group's part of each counted or summed measure over all its days, kept
equal to the rows on every write, and read for today's values; and the current month read
whole from its rollup when nothing is dated after the end."""

import datetime as dt
from decimal import Decimal

import pytest

from objectives import figures, rollup
from objectives.models import Measure, MeasureTotal, NetworkActivityMonth
from tests.factories import (
    ActivityFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ReferralFactory,
)
from tests.objectives.figure_sweep import measure_totals

Source = Measure.Source
END = dt.date(2026, 6, 1)  # after every row below


@pytest.fixture
def objective(world):
    return ObjectiveFactory(
        network=world.network, starts_on=dt.date(2026, 2, 10), due_on=dt.date(2027, 1, 1)
    )


def _day(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


def assert_totals_equal_the_rows() -> None:
    maintained = measure_totals()
    rollup.rebuild_totals()
    assert maintained == measure_totals()


def test_a_new_measure_has_the_totals_of_every_group_at_once(world, objective):
    other = PeerGroupFactory(network=world.network)
    for group, day in ((world.group, _day(2, 9)), (world.group, _day(2, 10)), (other, _day(3, 1))):
        ActivityFactory(group=group, occurred_on=day)
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    # The activity of 9 February is before the objective began: it does not count.
    assert measure_totals() == {
        (measure.pk, world.group.pk, Decimal("1.00")),
        (measure.pk, other.pk, Decimal("1.00")),
    }


def test_logging_and_moving_activities_keep_the_totals(world, objective):
    count = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    summed = MeasureFactory(objective=objective, source=Source.ACTIVITY_SUM)
    activity = ActivityFactory(group=world.group, occurred_on=_day(3, 4))
    ContributionFactory(activity=activity, measure=summed, amount=Decimal("7.5"))
    activity.group = PeerGroupFactory(network=world.network)
    activity.occurred_on = _day(1, 20)  # before the start: no longer counted
    activity.save()
    assert_totals_equal_the_rows()
    assert measure_totals() == {(summed.pk, activity.group_id, Decimal("7.50"))}
    assert count.pk not in {m for m, _, _ in measure_totals()}


def test_referral_writes_keep_the_totals(world, objective):
    made = MeasureFactory(objective=objective, source=Source.REFERRALS_MADE)
    referral = ReferralFactory(group=world.group, made_on=_day(3, 2))
    ReferralFactory(group=world.group, made_on=_day(4, 2))
    referral.made_on = _day(1, 5)
    referral.save()
    assert_totals_equal_the_rows()
    assert measure_totals() == {(made.pk, world.group.pk, Decimal("1.00"))}


def test_changing_a_measures_kinds_recomputes_its_totals(world, objective):
    ActivityFactory(group=world.group, kind="course_taught", occurred_on=_day(3, 1))
    ActivityFactory(group=world.group, kind="blog_written", occurred_on=_day(3, 2))
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    measure.activity_kinds = ["blog_written"]
    measure.save()
    assert measure_totals() == {(measure.pk, world.group.pk, Decimal("1.00"))}


def test_moving_an_objectives_start_recomputes_its_measures_totals(world, objective):
    ActivityFactory(group=world.group, occurred_on=_day(1, 5))
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    objective.starts_on = _day(1, 1)
    objective.save()
    assert measure_totals() == {(measure.pk, world.group.pk, Decimal("2.00"))}


def test_a_measure_switched_to_check_ins_has_no_totals(world, objective):
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    measure.source = Source.MANUAL
    measure.save()
    assert not MeasureTotal.objects.exists()


def test_todays_value_by_group_and_the_networks_are_read_from_the_totals(world, objective):
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    # Proof of the read: a total set by hand shows (rebuilds put it right again).
    MeasureTotal.objects.filter(measure=measure).update(value=41)
    assert figures.measure_values_by_group([measure], end=END) == {
        (measure.pk, world.group.pk): Decimal(41)
    }
    assert figures.measure_values([measure], end=END) == {measure.pk: Decimal(41)}


def test_a_row_dated_from_the_end_on_makes_the_value_come_from_the_rows(world, objective):
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    ActivityFactory(group=world.group, occurred_on=_day(3, 20))
    # The totals hold both; the value at the end of 19 March holds one.
    assert figures.measure_values([measure], end=_day(3, 20)) == {measure.pk: Decimal(1)}
    assert figures.measure_values_by_group([measure], end=_day(3, 20)) == {
        (measure.pk, world.group.pk): Decimal(1)
    }


def test_a_month_with_nothing_after_the_end_is_read_whole_from_its_rollup(world, objective):
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    # The proof of the read: a network month set by hand shows.
    NetworkActivityMonth.objects.filter(month=_day(3, 1)).update(count=6)
    series = figures.measure_series([measure], start=_day(3, 1), end=_day(3, 9), period="month")
    assert series[measure.pk] == [(_day(3, 1), Decimal(6))]


def test_a_month_with_a_row_after_the_end_is_read_from_its_rows(world, objective):
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    ActivityFactory(group=world.group, occurred_on=_day(3, 9))
    series = figures.measure_series([measure], start=_day(3, 1), end=_day(3, 9), period="month")
    assert series[measure.pk] == [(_day(3, 1), Decimal(1))]


def test_a_measure_saved_back_from_its_history_has_its_totals_again(world, objective):
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    ActivityFactory(group=world.group, occurred_on=_day(3, 6))
    ReferralFactory(group=world.group, made_on=_day(3, 7))
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    measure.source = Source.REFERRALS_MADE
    measure.save()
    # The admin's history revert saves the old state, which it also loaded.
    measure.history.earliest().instance.save()
    assert measure_totals() == {(measure.pk, world.group.pk, Decimal("2.00"))}


def test_an_objective_start_saved_back_from_its_history_counts_again(world, objective):
    ActivityFactory(group=world.group, occurred_on=_day(1, 5))
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    objective.starts_on = _day(1, 1)
    objective.save()
    objective.history.earliest().instance.save()
    assert measure_totals() == {(measure.pk, world.group.pk, Decimal("1.00"))}


@pytest.mark.row_locks
@pytest.mark.parametrize("deleted", ["measure", "objective", "group"])
def test_a_delete_takes_the_networks_lock_before_the_totals_go(world, objective, deleted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    target = {"measure": measure, "objective": objective, "group": world.group}[deleted]
    with CaptureQueriesContext(connection) as queries:
        target.delete()
    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "networks_network" in s and "FOR" in s)
    gone = next(
        i for i, s in enumerate(sql) if s.startswith('DELETE FROM "objectives_measuretotal"')
    )
    assert lock < gone


def test_stored_figures_are_read_exactly_without_the_totals(world, objective):
    measure = MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT)
    ActivityFactory(group=world.group, occurred_on=_day(3, 5))
    MeasureTotal.objects.filter(measure=measure).update(value=41)
    with figures.exact():
        assert figures.measure_values([measure], end=END) == {measure.pk: Decimal(1)}
    assert figures.measure_values([measure], end=END) == {measure.pk: Decimal(41)}
