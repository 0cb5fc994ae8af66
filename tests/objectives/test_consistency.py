"""Every figure agrees wherever it appears: for one network, group and closed period, the
engine, the objective page, the group dashboard, the network dashboard, My contribution and
the stored report show the same values, for every measure source."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from networks.formatting import quantity
from objectives import figures
from objectives.models import Measure
from objectives.services import reports_for_period
from referrals.models import Referral
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
    ReferralFactory,
)

Source = Measure.Source
D = Decimal


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def period(world):
    return figures.last_closed_period(world.network)


@pytest.fixture
def measures(world, period):
    """One measure per source, each fed in the closed period by world.group, led by the
    member; nothing happens after the period, so today's values are the period's end."""
    objective = ObjectiveFactory(
        network=world.network,
        title="Grow the local economy",
        starts_on=period.start - dt.timedelta(days=60),
        due_on=period.end + dt.timedelta(days=300),
    )
    day = period.start + dt.timedelta(days=3)
    made = {s: MeasureFactory(objective=objective, source=s, name=s, unit="") for s in Source}
    made[Source.REFERRALS_CLOSED_VALUE].unit = "£"
    made[Source.REFERRALS_CLOSED_VALUE].save()
    CheckInFactory(measure=made[Source.MANUAL], group=world.group, value=D("40"), recorded_on=day)
    CheckInFactory(measure=made[Source.MANUAL], value=D("55"), recorded_on=day)  # network-wide
    made[Source.ACTIVITY_COUNT].activity_kinds = ["course_taught"]
    made[Source.ACTIVITY_COUNT].save()
    for reached in (5, 6, 7):
        ActivityFactory(
            group=world.group, led_by=world.member, kind="course_taught",
            occurred_on=day, people_reached=reached,
        )  # fmt: skip
    for amount in ("5", "7.5"):
        activity = ActivityFactory(group=world.group, led_by=world.member, occurred_on=day)
        ContributionFactory(activity=activity, measure=made[Source.ACTIVITY_SUM], amount=D(amount))
    for value in ("1200", None):
        referral = ReferralFactory(
            group=world.group, referrer=world.member, receiver=world.gardener, made_on=day
        )
        referral.change_status(Referral.Status.SERVED, by=world.gardener, on=day)
        if value:
            referral.closed_value = D(value)
            referral.save()
            referral.change_status(Referral.Status.CLOSED, by=world.gardener, on=day)
    return made


EXPECTED_GROUP_PART = {
    Source.MANUAL: D("40"),
    Source.ACTIVITY_COUNT: D("3"),
    Source.ACTIVITY_SUM: D("12.5"),
    Source.REFERRALS_MADE: D("2"),
    Source.REFERRALS_SERVED: D("2"),
    Source.REFERRALS_CLOSED_VALUE: D("1200"),
}


def _report_measure(world, period, measure):
    reports_for_period(
        network=world.network, period_start=period.start, period_end=period.end, deliver=False
    )
    report = world.group.reports.get(period_start=period.start)
    found = [m for o in report.data["objectives"] for m in o["measures"] if m["id"] == measure.pk]
    return found[0]


def _url(name, world, **kwargs):
    return reverse(name, kwargs={"network_slug": world.network.slug, **kwargs})


@pytest.mark.parametrize("source", list(Source))
def test_every_view_of_a_measure_agrees(world, as_user, period, measures, source):
    measure = measures[source]
    expected = EXPECTED_GROUP_PART[source]
    # the engine
    value = figures.measure_values([measure], end=period.end)[measure.pk]
    part = figures.measure_values_by_group([measure], start=period.start, end=period.end)
    assert part[(measure.pk, world.group.pk)] == expected
    # A manual measure's network figure is the network-wide reading, not the group's.
    assert value == (D("55") if source == Source.MANUAL else expected)
    # the stored report
    stored = _report_measure(world, period, measure)
    assert D(stored["value"]) == value
    assert D(stored["group_contribution"]) == expected
    client = as_user(world.member)
    # the objective page
    page = client.get(_url("objectives:detail", world, objective_id=measure.objective_id))
    card = next(c for c in page.context["cards"] if c.measure.pk == measure.pk)
    assert card.progress.value == value
    assert any(p.group == world.group and p.value == expected for p in card.parts)
    # the group dashboard
    dashboard = client.get(_url("objectives:group_dashboard", world, group_slug=world.group.slug))
    item = next(i for i in dashboard.context["measure_charts"] if i["measure"].pk == measure.pk)
    assert item["total"] == expected
    # the network dashboard shows the same value, formatted the one way
    body = client.get(_url("objectives:dashboard", world)).content.decode()
    assert f"<td>{quantity(value, measure.unit)}</td>" in body
    # and the report's progress is the engine's
    progress = figures.measure_progress(
        measure, value, on=period.last_day, tolerance=world.network.tolerance
    )
    assert stored["progress"] == pytest.approx(progress.progress, abs=1e-4)
    assert stored["status"] == progress.status


def test_people_reached_and_referrals_agree_on_every_page(world, as_user, period, measures):
    engine = figures.activity_figures(
        world.network, group_ids=[world.group.pk], start=period.start, end=period.end
    )[world.group.pk]
    assert engine.people_reached == 5 + 6 + 7 + 10 + 10  # ActivityFactory reaches 10
    client = as_user(world.member)
    mine = client.get(_url("objectives:my_contribution", world)).context
    assert mine["activity_totals"].people_reached == engine.people_reached
    assert mine["totals"]["given"] == 2
    group = client.get(
        _url("objectives:group_dashboard", world, group_slug=world.group.slug)
    ).context
    assert group["activity"].people_reached == engine.people_reached
    assert group["referrals"]["made"] == 2
    stored = _report_measure(world, period, measures[Source.MANUAL])
    report = world.group.reports.get()
    assert report.data["activities"]["people_reached"] == engine.people_reached
    assert report.data["referrals"]["made"] == 2
    assert stored["status"] in figures.STATUS_LABELS


def test_objective_headline_agrees_on_home_list_page_dashboard_and_report(
    world, as_user, period, measures
):
    client = as_user(world.member)
    objective_id = measures[Source.MANUAL].objective_id
    home = client.get(_url("network_home", world)).context["progress"]
    listed = client.get(_url("objectives:list", world)).context["short_term"]
    page = client.get(_url("objectives:detail", world, objective_id=objective_id)).context[
        "summary"
    ]
    headlines = {(round(p.progress, 4), p.status, p.summary) for p in [*home, *listed, page]}
    assert len(headlines) == 1
    (progress, status, _) = headlines.pop()
    reports_for_period(
        network=world.network, period_start=period.start, period_end=period.end, deliver=False
    )
    stored = world.group.reports.get().data["objectives"][0]
    # The report is as of the period's last day; nothing happened since, only time passed.
    assert stored["progress"] == pytest.approx(progress, abs=1e-4)
