"""Nonsense is refused: dates far outside a network's life, text that shows nothing,
measures on archived objectives, time zones that are not zones."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Activity, PeerGroup
from networks.models import Network, SoundBite
from networks.text import visible_text
from objectives.models import CheckIn, Measure, Objective
from tests.factories import MeasureFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

# Zero-width space, word joiner, BOM, bidi mark, Hangul filler, braille blank, NBSP.
INVISIBLE = "\u200b\u2060\ufeff\u200e\u3164\u2800\u00a0 "


def _activity(world, as_user, **overrides):
    data = {
        "kind": "meeting_hosted",
        "title": "Breakfast meetup",
        "occurred_on": world.network.today().isoformat(),
        "people_reached": "3",
    } | overrides
    path = reverse(
        "groups:activity_create",
        kwargs={"network_slug": world.network.slug, "group_slug": "founders"},
    )
    return as_user(world.member).post(path, data)


def _check_in(world, as_user, measure, **overrides):
    data = {"value": "4", "recorded_on": world.network.today().isoformat()} | overrides
    path = reverse(
        "objectives:checkin_create",
        kwargs={"network_slug": world.network.slug, "measure_id": measure.pk},
    )
    return as_user(world.organiser).post(path, data)


def _objective(world, as_user, **overrides):
    today = world.network.today()
    data = {
        "term": "short",
        "title": "Teach what we know",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=180)).isoformat(),
    } | overrides
    path = reverse("objectives:create", kwargs={"network_slug": world.network.slug})
    return as_user(world.organiser).post(path, data)


# dates


@pytest.mark.parametrize("day", ["0001-01-01", "1966-05-01"])
def test_an_activity_dated_long_before_the_network_is_refused(world, as_user, day):
    response = _activity(world, as_user, occurred_on=day)
    assert "too far back" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_activity_within_the_margin_before_the_network_is_accepted(world, as_user):
    day = world.network.earliest_record_day()
    assert day <= timezone.localdate() - dt.timedelta(days=4 * 365)
    assert _activity(world, as_user, occurred_on=day.isoformat()).status_code == 302


@pytest.mark.parametrize("day", ["0001-01-01", "1966-05-01"])
def test_a_check_in_dated_long_before_the_network_is_refused(world, as_user, day):
    measure = MeasureFactory(objective=ObjectiveFactory(network=world.network))
    response = _check_in(world, as_user, measure, recorded_on=day)
    assert "too far back" in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("starts_on", "due_on"), [("0001-01-01", "2026-12-31"), ("2026-01-01", "9999-12-31")]
)
def test_an_objective_outside_the_stated_span_is_refused(world, as_user, starts_on, due_on):
    response = _objective(world, as_user, starts_on=starts_on, due_on=due_on)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Start between" in body or "at most 30 years" in body
    assert not Objective.objects.exists()


def test_a_measure_cannot_be_added_to_an_archived_objective(world, as_user):
    objective = ObjectiveFactory(network=world.network, archived_at=timezone.now())
    path = reverse(
        "objectives:measure_create",
        kwargs={"network_slug": world.network.slug, "objective_id": objective.pk},
    )
    data = {"name": "Courses", "baseline": "0", "target": "5", "direction": "increase",
            "source": "manual"}  # fmt: skip
    response = as_user(world.organiser).post(path, data)
    assert "archived" in response.content.decode()
    assert not Measure.objects.exists()


# invisible text


def test_visible_text_strips_invisible_ends_and_keeps_inner_joiners():
    assert visible_text(INVISIBLE) == ""
    assert visible_text("\u200b Makers \u200b") == "Makers"
    assert visible_text("👩\u200d🌾 growers") == "👩\u200d🌾 growers"


def test_an_invisible_network_name_is_refused(world, as_user):
    path = reverse("networks:settings", kwargs={"network_slug": world.network.slug})
    data = {"name": INVISIBLE, "report_cadence": "weekly", "time_zone": "UTC", "tolerance": "10"}
    as_user(world.organiser).post(path, data)
    assert Network.objects.get(pk=world.network.pk).name == "Riverside Makers"


def test_an_invisible_mission_is_refused(world, as_user):
    path = reverse("networks:mission_edit", kwargs={"network_slug": world.network.slug})
    as_user(world.organiser).post(path, {"mission": INVISIBLE, "vision": ""})
    assert Network.objects.get(pk=world.network.pk).mission == world.network.mission


def test_an_invisible_sound_bite_is_refused(world, as_user):
    path = reverse("networks:sound_bites", kwargs={"network_slug": world.network.slug})
    as_user(world.organiser).post(path, {"text": INVISIBLE})
    assert not SoundBite.objects.exists()


def test_an_invisible_group_name_is_refused(world, as_user):
    path = reverse("groups:create", kwargs={"network_slug": world.network.slug})
    as_user(world.organiser).post(path, {"name": INVISIBLE, "kind": "business"})
    assert PeerGroup.objects.count() == 1


def test_an_invisible_activity_title_is_refused(world, as_user):
    response = _activity(world, as_user, title=INVISIBLE)
    assert "Give the activity a title." in response.content.decode()
    assert not Activity.objects.exists()


def test_an_invisible_objective_title_is_refused(world, as_user):
    _objective(world, as_user, title=INVISIBLE)
    assert not Objective.objects.exists()


def test_invisible_ends_are_stripped_from_a_saved_title(world, as_user):
    _objective(world, as_user, title="\u200bTeach what we know\u2060")
    assert Objective.objects.get().title == "Teach what we know"


# time zones


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_a_time_zone_that_is_not_an_iana_zone_is_refused(world, as_user, zone):
    path = reverse("networks:settings", kwargs={"network_slug": world.network.slug})
    data = {"name": "Riverside", "report_cadence": "weekly", "time_zone": zone, "tolerance": "10"}
    response = as_user(world.organiser).post(path, data)
    assert response.status_code == 200
    assert Network.objects.get(pk=world.network.pk).time_zone == "UTC"
