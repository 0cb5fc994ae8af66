import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Activity, PeerGroup
from groups.services import activity_save, group_create, member_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def new_activity(world) -> Activity:
    return Activity(
        group=world.group,
        kind="meeting_hosted",
        title="Breakfast",
        occurred_on=world.network.today(),
        led_by=world.member,
    )


def test_activity_save_writes_the_activity_and_its_participants(world):
    activity = activity_save(activity=new_activity(world), participants=[world.member])
    assert activity.network == world.network
    assert list(activity.participants.all()) == [world.member]


def test_activity_save_refuses_a_participant_outside_the_group_and_saves_nothing(world):
    with pytest.raises(ValidationError):
        activity_save(activity=new_activity(world), participants=[world.outsider])
    assert not Activity.objects.exists()


def test_group_create_refuses_a_taken_slug(world):
    with pytest.raises(ValidationError):
        group_create(network=world.network, name="Founders", kind="business")
    assert PeerGroup.objects.count() == 1


def test_member_add_refuses_people_outside_the_network(world):
    with pytest.raises(ValidationError):
        member_add(group=world.group, user=UserFactory())
    assert world.group.memberships.count() == 2


@pytest.mark.row_locks
def test_activity_save_locks_groups_then_everyone_it_touches_before_writing(world):
    # Up front and in one order, so that two people logging activities with each other at
    # once cannot each hold their own row and wait for the other's; the network's row
    # first (the network rollups' lock, objectives.rollup).
    activity = activity_save(activity=new_activity(world), participants=[world.member])
    activity.led_by = world.gardener
    with CaptureQueriesContext(connection) as queries:
        activity_save(activity=activity, participants=[world.gardener])
    network_lock, *locks = [q["sql"] for q in queries if "FOR NO KEY UPDATE" in q["sql"]]
    assert network_lock.startswith('SELECT "networks_network"')
    assert "groups_peergroup" in locks[0]
    assert "networks_user" in locks[1]
    first_write = next(i for i, q in enumerate(queries) if q["sql"].startswith("UPDATE"))
    assert (
        queries.captured_queries.index(next(q for q in queries if q["sql"] == locks[1]))
        < first_write
    )
    # The people it had before are locked too: its old leader and participants.
    assert "groups_activity_participants" in locks[1]
