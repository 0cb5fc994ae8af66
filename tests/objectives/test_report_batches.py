"""Beat writes a period's reports in batches of groups: a batch costs about one group's
queries, and a batch rerun (a redelivered task) writes nothing twice."""

import datetime as dt

import pytest
from django.utils import timezone

from groups.models import PeerGroup
from objectives import services, tasks
from objectives.figures import last_closed_period
from objectives.models import ProgressReport
from tests.factories import MeasureFactory, ObjectiveFactory


@pytest.fixture
def groups(world):
    today = timezone.localdate()
    objective = ObjectiveFactory(
        network=world.network,
        starts_on=today - dt.timedelta(days=40),
        due_on=today + dt.timedelta(days=200),
    )
    MeasureFactory(objective=objective, source="activity_count")
    PeerGroup.objects.bulk_create(
        PeerGroup(network=world.network, name=f"Group {i}", slug=f"group-{i}")
        for i in range(tasks.GROUPS_PER_TASK + 3)
    )
    return list(PeerGroup.objects.filter(network=world.network).values_list("pk", flat=True))


def test_the_scheduler_writes_every_groups_reports_across_batches(world, groups):
    due = services.periods_due(world.network)
    assert tasks.schedule_due_reports() >= len(groups) * len(due)
    written = ProgressReport.objects.filter(network=world.network)
    assert written.count() == len(groups) * len(due)
    assert services.periods_due(world.network) == []


def test_a_batch_task_writes_each_groups_report_once(world, groups):
    period = last_closed_period(world.network)
    figures = services.network_figures(network=world.network, period=period)
    args = (
        world.network.pk, groups, period.start.isoformat(), period.end.isoformat(),
        services.figures_for_groups(figures, groups), False,
    )  # fmt: skip
    assert tasks.compute_group_reports(*args) == len(groups)
    assert tasks.compute_group_reports(*args) == 0
    assert ProgressReport.objects.filter(period_start=period.start).count() == len(groups)


def test_a_batch_report_equals_the_single_group_report(world, groups):
    period = last_closed_period(world.network)
    figures = services.network_figures(network=world.network, period=period)
    one = groups[0]
    services.reports_for_groups(
        network=world.network, group_ids=[one], period_start=period.start,
        period_end=period.end, figures=services.figures_for_groups(figures, [one]),
        deliver=False,
    )  # fmt: skip
    batched = ProgressReport.objects.get(group_id=one).data
    ProgressReport.objects.all().delete()
    tasks.compute_group_report(
        one, period.start.isoformat(), period.end.isoformat(),
        services.figures_for_group(figures, one), False,
    )  # fmt: skip
    assert ProgressReport.objects.get(group_id=one).data == batched
