"""Ids past a 64-bit integer answer 404 or a field error, on SQLite as on PostgreSQL.

SQLite raises OverflowError for such a number in a query; PostgreSQL compares it as a
numeric. These tests run on whichever database the run uses (tests/services.py); run them
once with DATABASE_URL=sqlite:////tmp/x.sqlite3 to see the SQLite side.
"""

import pytest
from django.urls import reverse

from groups.models import Activity
from networks.ids import MAX_ID
from objectives.models import CheckIn
from tests.factories import MeasureFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

TOO_BIG = str(MAX_ID + 1)  # 9223372036854775808


def test_a_huge_id_in_a_url_is_404(world, as_user):
    path = f"/n/{world.network.slug}/members/{TOO_BIG}/"
    assert as_user(world.organiser).get(path).status_code == 404


def test_the_largest_id_in_a_url_is_an_ordinary_404(world, as_user):
    path = f"/n/{world.network.slug}/members/{MAX_ID}/"
    assert as_user(world.organiser).get(path).status_code == 404


def test_a_huge_participant_id_is_a_field_error(world, as_user):
    data = {
        "kind": "meeting_hosted",
        "title": "Breakfast meetup",
        "occurred_on": world.network.today().isoformat(),
        "participants": [TOO_BIG],
        "people_reached": "3",
    }
    path = reverse(
        "groups:activity_create",
        kwargs={"network_slug": world.network.slug, "group_slug": "founders"},
    )
    response = as_user(world.member).post(path, data)
    assert response.status_code == 422
    assert f"“{TOO_BIG}” is not a person." in response.content.decode()
    assert not Activity.objects.exists()


def test_a_huge_group_id_on_a_check_in_is_a_field_error(world, as_user):
    measure = MeasureFactory(objective=ObjectiveFactory(network=world.network))
    path = reverse(
        "objectives:checkin_create",
        kwargs={"network_slug": world.network.slug, "measure_id": measure.pk},
    )
    data = {"value": "4", "recorded_on": world.network.today().isoformat(), "group": TOO_BIG}
    response = as_user(world.organiser).post(path, data)
    assert response.status_code == 200
    assert "valid choice" in response.content.decode()
    assert not CheckIn.objects.exists()
