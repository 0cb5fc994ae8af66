from decimal import Decimal

import pytest
from django.urls import reverse

from networks.models import Network

pytestmark = pytest.mark.django_db


def url(world) -> str:
    return reverse("networks:settings", kwargs={"network_slug": world.network.slug})


def data(**overrides) -> dict:
    return {
        "name": "Riverside Makers",
        "report_cadence": "weekly",
        "time_zone": "Europe/London",
        "tolerance": "15",
    } | overrides


def fresh(world) -> Network:
    return Network.objects.get(pk=world.network.pk)


def test_organiser_sees_the_settings_with_the_current_values(world, as_user):
    response = as_user(world.organiser).get(url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="10"' in body  # the 0.10 tolerance, as points


def test_saving_settings(world, as_user):
    response = as_user(world.organiser).post(url(world), data())
    assert response.status_code == 302
    network = fresh(world)
    assert (network.report_cadence, network.time_zone, network.tolerance) == (
        "weekly",
        "Europe/London",
        Decimal("0.15"),
    )


def test_settings_changes_are_kept_in_history_with_the_user(world, as_user):
    as_user(world.organiser).post(url(world), data(name="Riverside Makers CIC"))
    record = world.network.history.order_by("-history_id").first()
    assert (record.name, record.history_user) == ("Riverside Makers CIC", world.organiser)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Give the network a name"),
        ({"name": "   "}, "name", "Give the network a name"),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
        ({"report_cadence": "daily"}, "report_cadence", "valid choice"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
        ({"tolerance": "-1"}, "tolerance", "cannot be negative"),
        ({"tolerance": "51"}, "tolerance", "50 points or less"),
        ({"tolerance": "ten"}, "tolerance", "whole number"),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(world, as_user, overrides, field, message):
    before = fresh(world)
    response = as_user(world.organiser).post(url(world), data(**overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    after = fresh(world)
    assert (after.name, after.report_cadence, after.time_zone, after.tolerance) == (
        before.name,
        before.report_cadence,
        before.time_zone,
        before.tolerance,
    )


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_settings_are_forbidden_to_non_organisers(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(url(world)).status_code == 403
    assert client.post(url(world), data()).status_code == 403
    assert fresh(world).report_cadence == world.network.report_cadence


def test_settings_are_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).post(url(world), data()).status_code == 404
    assert fresh(world).report_cadence == world.network.report_cadence


def test_settings_send_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
