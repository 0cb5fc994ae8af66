"""Writes through the API: the pages' rules and the pages' permissions, structured errors."""

import datetime as dt

import pytest
from django.utils import timezone

from groups.models import Activity
from networks.models import ApiToken
from objectives.models import CheckIn, Contribution, Measure, Objective
from tests.api.conftest import base
from tests.factories import (
    ActivityFactory,
    GroupMembershipFactory,
    MeasureFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def activity(world, **extra):
    return {
        "group": world.group.slug,
        "kind": "meeting_hosted",
        "title": "Breakfast meetup",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "people_reached": 12,
    } | extra


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member"])
def test_a_member_of_the_group_or_an_organiser_logs_an_activity(world, api, persona):
    response = api(getattr(world, persona)).post(f"{base(world)}activities/", activity(world))
    assert response.status_code == 201, response.json()
    logged = Activity.objects.get(pk=response.json()["id"])
    assert logged.led_by == getattr(world, persona)
    assert logged.network == world.network


def test_a_member_outside_the_group_cannot_log_for_it(world, api):
    stranger = UserFactory()
    MembershipFactory(user=stranger, network=world.network)
    response = api(stranger).post(f"{base(world)}activities/", activity(world))
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_a_read_only_token_cannot_write(world, api):
    client = api(world.organiser, scope=ApiToken.Scope.READ)
    response = client.post(f"{base(world)}activities/", activity(world))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_an_activity_records_participants_and_contributions(world, api):
    objective = ObjectiveFactory(network=world.network)
    hours = MeasureFactory(objective=objective, source=Measure.Source.ACTIVITY_SUM)
    body = activity(
        world,
        participants=[world.member.pk],
        contributions=[{"measure_id": hours.pk, "amount": "2.5"}],
    )
    response = api(world.gardener).post(f"{base(world)}activities/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["contributions"] == [{"measure_id": hours.pk, "amount": "2.50"}]
    assert Contribution.objects.get().amount == 2.5


def test_validation_errors_name_each_field(world, api):
    future = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    body = activity(world, occurred_on=future, participants=[world.outsider.pk])
    response = api(world.gardener).post(f"{base(world)}activities/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"occurred_on", "participants"}
    assert "future" in errors["occurred_on"][0]


def test_a_shape_error_names_the_field(world, api):
    response = api(world.gardener).post(f"{base(world)}activities/", activity(world, kind="nap"))
    assert response.status_code == 400
    assert list(response.json()) == ["kind"]


def test_another_networks_measure_is_refused(world, api):
    theirs = MeasureFactory(
        objective=ObjectiveFactory(network=world.other_network),
        source=Measure.Source.ACTIVITY_SUM,
    )
    body = activity(world, contributions=[{"measure_id": theirs.pk, "amount": "1"}])
    response = api(world.gardener).post(f"{base(world)}activities/", body, format="json")
    assert response.status_code == 400
    assert "contributions" in response.json() or "non_field_errors" in response.json()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("persona", "code"), [("organiser", 200), ("gardener", 200), ("member", 200)]
)
def test_the_leader_the_gardener_and_organisers_edit_an_activity(world, api, persona, code):
    logged = ActivityFactory(group=world.group, led_by=world.member, title="Old")
    url = f"{base(world)}activities/{logged.pk}/"
    response = api(getattr(world, persona)).patch(url, {"title": "New"})
    assert response.status_code == code
    logged.refresh_from_db()
    assert logged.title == "New"


def test_another_member_cannot_edit_an_activity(world, api):
    other = UserFactory()
    MembershipFactory(user=other, network=world.network)
    GroupMembershipFactory(group=world.group, user=other)
    logged = ActivityFactory(group=world.group, led_by=world.member, title="Old")
    response = api(other).patch(f"{base(world)}activities/{logged.pk}/", {"title": "New"})
    assert response.status_code == 403
    logged.refresh_from_db()
    assert logged.title == "Old"


def test_an_edit_keeps_what_it_does_not_name(world, api):
    logged = ActivityFactory(group=world.group, led_by=world.member, people_reached=7)
    logged.participants.add(world.gardener)
    api(world.member).patch(f"{base(world)}activities/{logged.pk}/", {"title": "New"})
    logged.refresh_from_db()
    assert logged.people_reached == 7
    assert list(logged.participants.all()) == [world.gardener]


def objective(**extra):
    today = timezone.localdate()
    return {
        "term": "short",
        "title": "Grow peer learning",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=200)).isoformat(),
    } | extra


@pytest.mark.parametrize(
    ("persona", "code"), [("organiser", 201), ("gardener", 403), ("member", 403)]
)
def test_organisers_create_objectives(world, api, persona, code):
    response = api(getattr(world, persona)).post(f"{base(world)}objectives/", objective())
    assert response.status_code == code
    assert Objective.objects.filter(network=world.network).exists() == (code == 201)


def test_an_objective_due_before_it_starts_is_refused_by_field(world, api):
    today = timezone.localdate()
    body = objective(due_on=(today - dt.timedelta(days=1)).isoformat())
    response = api(world.organiser).post(f"{base(world)}objectives/", body)
    assert response.status_code == 400
    assert list(response.json()) == ["due_on"]


def measure(**extra):
    return {"name": "Members helped", "target": "100", "direction": "increase",
            "source": "manual"} | extra  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "code"), [("organiser", 201), ("gardener", 403), ("member", 403)]
)
def test_organisers_add_measures(world, api, persona, code):
    goal = ObjectiveFactory(network=world.network)
    url = f"{base(world)}objectives/{goal.pk}/measures/"
    assert api(getattr(world, persona)).post(url, measure()).status_code == code


def test_a_measure_whose_target_contradicts_its_direction_is_refused(world, api):
    goal = ObjectiveFactory(network=world.network)
    url = f"{base(world)}objectives/{goal.pk}/measures/"
    response = api(world.organiser).post(url, measure(baseline="50", target="10"))
    assert response.status_code == 400
    assert list(response.json()) == ["direction"]


@pytest.fixture
def manual(world) -> Measure:
    return MeasureFactory(objective=ObjectiveFactory(network=world.network))


def check_ins(world, manual) -> str:
    return f"{base(world)}measures/{manual.pk}/check-ins/"


def test_an_organiser_records_a_network_reading(world, api, manual):
    response = api(world.organiser).post(check_ins(world, manual), {"value": "41"})
    assert response.status_code == 201, response.json()
    assert CheckIn.objects.get().group is None


def test_a_gardener_records_their_groups_reading(world, api, manual):
    response = api(world.gardener).post(
        check_ins(world, manual), {"value": "41", "group": world.group.slug}
    )
    assert response.status_code == 201, response.json()
    assert CheckIn.objects.get().group == world.group


def test_a_gardener_must_name_their_group(world, api, manual):
    response = api(world.gardener).post(check_ins(world, manual), {"value": "41"})
    assert response.status_code == 400
    assert list(response.json()) == ["group"]


def test_a_gardener_cannot_record_for_another_group(world, api, manual):
    other = PeerGroupFactory(network=world.network)
    response = api(world.gardener).post(
        check_ins(world, manual), {"value": "41", "group": other.slug}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["group"]


def test_a_member_cannot_record_a_reading(world, api, manual):
    assert api(world.member).post(check_ins(world, manual), {"value": "41"}).status_code == 403


def test_a_reading_in_the_future_is_refused(world, api, manual):
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = api(world.organiser).post(
        check_ins(world, manual), {"value": "41", "recorded_on": tomorrow}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["recorded_on"]


def test_a_session_write_needs_the_csrf_token(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.organiser)
    response = client.post(f"{base(world)}objectives/", objective(), format="json")
    assert response.status_code == 403
