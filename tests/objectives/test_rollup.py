"""The monthly rollups equal the raw rows after every kind of write, and the figures engine
gives the same figures reading them as reading the rows alone."""

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command

from groups.models import Activity
from objectives import figures, rollup
from objectives.models import (
    ActivityMonth,
    Contribution,
    ContributionMonth,
    Measure,
    NetworkActivityMonth,
    NetworkContributionMonth,
    NetworkReferralMonth,
)
from objectives.services import activity_save_with_contributions
from tests.factories import (
    ActivityFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
)
from tests.objectives.figure_sweep import every_figure, measure_totals

Source = Measure.Source
KINDS = ["course_taught", "meeting_hosted", "blog_written"]


def _rollups() -> tuple[set, set]:
    activities = set(
        ActivityMonth.objects.values_list("group_id", "month", "kind", "count", "reached")
    )
    contributions = set(
        ContributionMonth.objects.values_list("measure_id", "group_id", "month", "amount")
    )
    return activities, contributions


def _network_rollups() -> tuple[set, set, set]:
    """The network rollups, as rows: (network, month[, kind/measure], figures)."""
    return (
        set(NetworkActivityMonth.objects.values_list("network_id", "month", "kind", "count")),
        set(
            NetworkContributionMonth.objects.values_list(
                "network_id", "measure_id", "month", "amount"
            )
        ),
        set(
            NetworkReferralMonth.objects.values_list(
                "network_id", "month", "made", "served", "closed_value"
            )
        ),
    )


def assert_rollups_equal_the_rows() -> None:
    maintained = _rollups(), _network_rollups(), measure_totals()
    rollup.rebuild()
    assert maintained == (_rollups(), _network_rollups(), measure_totals())


@pytest.fixture
def measure(world):
    objective = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 1, 1), due_on=dt.date(2027, 1, 1)
    )
    return MeasureFactory(objective=objective, source=Source.ACTIVITY_SUM)


def test_logging_an_activity_with_contributions_fills_its_month(world, measure):
    activity = Activity(group=world.group, kind="course_taught", title="Soil", led_by=world.member)
    activity.occurred_on = dt.date(2026, 3, 5)
    activity_save_with_contributions(
        activity=activity, participants=[], contributions={measure.pk: Decimal("2.5")}
    )
    assert _rollups() == (
        {(world.group.pk, dt.date(2026, 3, 1), "course_taught", 1, 0)},
        {(measure.pk, world.group.pk, dt.date(2026, 3, 1), Decimal("2.50"))},
    )
    net = world.network.pk
    assert _network_rollups() == (
        {(net, dt.date(2026, 3, 1), "course_taught", 1)},
        {(net, measure.pk, dt.date(2026, 3, 1), Decimal("2.50"))},
        set(),
    )


def test_moving_an_activity_to_another_month_and_group_moves_its_figures(world, measure):
    contribution = ContributionFactory(
        measure=measure,
        activity=ActivityFactory(group=world.group, occurred_on=dt.date(2026, 3, 5)),
    )
    ActivityFactory(group=world.group, occurred_on=dt.date(2026, 3, 9))
    activity = Activity.objects.get(pk=contribution.activity_id)
    activity.occurred_on = dt.date(2026, 5, 1)
    activity.group = PeerGroupFactory(network=world.network)
    activity.kind = "blog_written"
    activity.save()
    assert_rollups_equal_the_rows()
    assert ActivityMonth.objects.filter(month=dt.date(2026, 5, 1), kind="blog_written").exists()


def test_changing_and_removing_contributions_keeps_the_sums(world, measure):
    contribution = ContributionFactory(
        measure=measure, activity=ActivityFactory(group=world.group), amount=Decimal("4")
    )
    ContributionFactory(measure=measure, activity=ActivityFactory(group=world.group))
    contribution.amount = Decimal("9.25")
    contribution.save()
    assert_rollups_equal_the_rows()
    contribution.delete()
    assert_rollups_equal_the_rows()


def test_deleting_activities_groups_and_measures_leaves_no_stale_month(world, measure):
    for _ in range(3):
        ContributionFactory(measure=measure, activity=ActivityFactory(group=world.group))
    Activity.objects.filter(pk=Activity.objects.first().pk).delete()
    assert_rollups_equal_the_rows()
    measure.delete()
    assert_rollups_equal_the_rows()
    world.group.delete()
    assert _rollups() == (set(), set())
    assert _network_rollups() == (set(), set(), set())


def test_the_rebuild_command_restores_rollups_after_a_bulk_load(world, measure):
    ContributionFactory(measure=measure, activity=ActivityFactory(group=world.group))
    expected = _rollups()
    network_expected = _network_rollups()
    ActivityMonth.objects.all().delete()  # as a COPY that bypassed the signals would leave it
    ContributionMonth.objects.all().delete()
    NetworkActivityMonth.objects.all().delete()
    NetworkContributionMonth.objects.all().delete()
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert _rollups() == expected
    assert _network_rollups() == network_expected
    assert network_expected[0]


# ---------------------------------------------------------------- the engine's two readers


@pytest.fixture
def random_history(world):
    """Two networks of random activities and contributions over 18 months, objectives
    starting mid-month, so ranges have part months at both ends."""
    rng = random.Random(12)
    groups = [world.group, PeerGroupFactory(network=world.network)]
    other = PeerGroupFactory(network=world.other_network)
    objective = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 2, 17), due_on=dt.date(2027, 1, 1)
    )
    late = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 11, 3), due_on=dt.date(2027, 1, 1)
    )
    measures = [
        MeasureFactory(objective=objective, source=Source.ACTIVITY_COUNT),
        MeasureFactory(objective=late, source=Source.ACTIVITY_COUNT, activity_kinds=KINDS[:2]),
        MeasureFactory(objective=objective, source=Source.ACTIVITY_SUM),
        MeasureFactory(objective=late, source=Source.ACTIVITY_SUM),
    ]
    foreign = MeasureFactory(
        objective=ObjectiveFactory(
            network=world.other_network, starts_on=dt.date(2025, 1, 1), due_on=dt.date(2027, 1, 1)
        ),
        source=Source.ACTIVITY_SUM,
    )
    # The days where a range or an objective begins or ends, and the days either side.
    edges = [dt.date(2025, 3, 1), dt.date(2025, 3, 14), dt.date(2025, 12, 1)]
    edges += [dt.date(2026, 7, 1), dt.date(2025, 2, 17), dt.date(2025, 11, 3)]
    edges += [dt.date(2025, 9, 20), dt.date(2025, 6, 1), dt.date(2026, 7, 9)]
    days = [(e + dt.timedelta(days=d), g, 1) for e in edges for d in (-1, 0, 1) for g in groups]
    days += [
        (
            dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(560)),
            rng.choice([*groups, other]),
            0.7,
        )
        for _ in range(130)
    ]
    for day, group, chance in days:
        activity = ActivityFactory(
            group=group,
            kind=rng.choice(KINDS),
            occurred_on=day,
            people_reached=rng.randrange(0, 30),
        )
        for m in measures[2:] if group != other else [foreign]:
            if rng.random() < chance:
                ContributionFactory(
                    activity=activity,
                    measure=m,
                    amount=Decimal(rng.randrange(1, 5000)) / 100,
                )
    assert Contribution.objects.count() > 100
    return measures, groups


def test_the_engine_gives_the_same_figures_from_rollups_as_from_rows(random_history, monkeypatch):
    measures, groups = random_history
    from_rollups = every_figure(measures, groups, groups[0].network)
    monkeypatch.setattr(figures, "ROLLUP", False)
    from_rows = every_figure(measures, groups, groups[0].network)
    assert from_rollups == from_rows
    assert any(v for figure in from_rows for v in (figure.values() if figure else []))


def test_a_page_that_probes_once_reads_the_same_figures(random_history):
    measures, groups = random_history
    with figures.probed_once():
        probed_once = every_figure(measures, groups, groups[0].network)
    assert probed_once == every_figure(measures, groups, groups[0].network)


def test_a_measure_of_some_kinds_alone_reads_only_those_kinds_the_same(random_history, monkeypatch):
    measures, groups = random_history
    some_kinds = [m for m in measures if m.activity_kinds]
    from_rollups = every_figure(some_kinds, groups)
    monkeypatch.setattr(figures, "ROLLUP", False)
    assert from_rollups == every_figure(some_kinds, groups)


def test_random_writes_keep_the_rollups_equal_to_the_rows(random_history, monkeypatch):
    measures, groups = random_history
    rng = random.Random(7)
    activities = list(Activity.objects.order_by("pk"))
    for activity in rng.sample(activities, 30):
        activity.occurred_on += dt.timedelta(days=rng.randrange(-40, 40))
        activity.kind = rng.choice(KINDS)
        activity.people_reached = rng.randrange(0, 50)
        if activity.group_id in {g.pk for g in groups} and rng.random() < 0.5:
            activity.group = rng.choice(groups)  # a move to the other group (or the same)
        activity.save()
    for contribution in rng.sample(list(Contribution.objects.order_by("pk")), 15):
        contribution.amount += Decimal(rng.randrange(-100, 100)) / 100 + 1
        contribution.save()
    for activity in rng.sample(activities, 10):
        Activity.objects.filter(pk=activity.pk).delete()
    Contribution.objects.filter(
        pk__in=list(Contribution.objects.values_list("pk", flat=True)[:20])
    ).delete()
    assert_rollups_equal_the_rows()
    # The network rollups the network-wide reads sum give the rows' figures too.
    from_rollups = every_figure(measures, groups, groups[0].network)
    monkeypatch.setattr(figures, "ROLLUP", False)
    assert from_rollups == every_figure(measures, groups, groups[0].network)


def test_a_groups_activity_total_from_the_rollup_equals_its_count(random_history):
    from groups.models import PeerGroup

    totals = dict(PeerGroup.objects.annotate(n=rollup.activity_totals()).values_list("pk", "n"))
    counted = dict(PeerGroup.objects.with_counts().values_list("pk", "activity_count"))
    assert totals == counted
    assert any(totals.values())
