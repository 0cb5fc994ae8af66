import datetime as dt
from decimal import Decimal

import pytest

from objectives import services
from objectives.models import Measure
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
)

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 4, 1))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def report(world):
    """A real March report of the world's group: an objective with three measures."""
    objective = ObjectiveFactory(
        network=world.network,
        title="Grow the network",
        starts_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 12, 31),
    )
    courses = MeasureFactory(
        objective=objective,
        name="Courses",
        source=Measure.Source.ACTIVITY_COUNT,
        activity_kinds=["course_taught"],
        target=Decimal("40"),
    )
    reach = MeasureFactory(
        objective=objective,
        name="Reach",
        unit="people",
        source=Measure.Source.ACTIVITY_SUM,
        target=Decimal("300"),
    )
    hours = MeasureFactory(
        objective=objective, name="Mentoring hours", unit="hours", target=Decimal("1200.5")
    )
    a1 = ActivityFactory(
        group=world.group,
        kind="course_taught",
        title="Grant writing",
        occurred_on=dt.date(2026, 3, 5),
        people_reached=12,
        led_by=world.gardener,
    )
    ContributionFactory(activity=a1, measure=reach, amount=Decimal("12.5"))
    # The network's reading is the measure's value; the group's reading is its own part.
    CheckInFactory(measure=hours, value=Decimal("310.25"), recorded_on=dt.date(2026, 3, 9))
    CheckInFactory(
        measure=hours, group=world.group, value=Decimal("120"), recorded_on=dt.date(2026, 3, 9)
    )
    report, _ = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    report.measures = {"courses": courses, "reach": reach, "hours": hours}
    return report
