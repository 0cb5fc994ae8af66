from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from groups.models import Activity
from objectives.models import Contribution
from objectives.services import activity_save_with_contributions
from tests.factories import MeasureFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def new_activity(world) -> Activity:
    return Activity(
        group=world.group,
        kind="meeting_hosted",
        title="Breakfast",
        occurred_on=world.network.today(),
        led_by=world.member,
    )


def test_activity_save_with_contributions_writes_the_activity_and_its_contributions(world):
    measure = MeasureFactory(objective=ObjectiveFactory(network=world.network))
    activity = activity_save_with_contributions(
        activity=new_activity(world),
        participants=[world.member],
        contributions={measure.pk: Decimal("4")},
    )
    assert activity.network == world.network
    assert list(activity.participants.all()) == [world.member]
    assert Contribution.objects.get().amount == Decimal("4")


def test_activity_save_with_contributions_refuses_another_networks_measure_and_saves_nothing(world):
    theirs = MeasureFactory(objective=ObjectiveFactory(network=world.other_network))
    with pytest.raises(ValidationError):
        activity_save_with_contributions(
            activity=new_activity(world), participants=[], contributions={theirs.pk: Decimal("1")}
        )
    assert not Activity.objects.exists()


def test_activity_save_with_contributions_refuses_negative_amounts(world):
    measure = MeasureFactory(objective=ObjectiveFactory(network=world.network))
    with pytest.raises(ValidationError):
        activity_save_with_contributions(
            activity=new_activity(world),
            participants=[],
            contributions={measure.pk: Decimal("-1")},
        )
    assert not Contribution.objects.exists()
