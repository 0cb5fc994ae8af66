"""The benchmark's bare view (mounted by bench.settings only) checks access and input."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import ActivityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def _path(network) -> str:
    return reverse("bench_bare", kwargs={"network_id": network.pk})


def test_a_member_gets_their_networks_count(world, as_user):
    ActivityFactory(group=world.group, occurred_on="2026-01-01")
    response = as_user(world.member).get(_path(world.network), {"day": "2026-01-01"})
    assert response.status_code == 200
    assert "<p>1</p>" in response.content.decode()


def test_another_networks_count_is_404(world, as_user):
    assert as_user(world.member).get(_path(world.other_network)).status_code == 404


def test_an_unknown_network_is_404(world, as_user):
    assert as_user(world.member).get("/bench/bare/9223372036854775807/").status_code == 404


def test_a_bad_day_is_a_400_not_a_500(world, as_user):
    response = as_user(world.member).get(_path(world.network), {"day": "2026-13-45"})
    assert response.status_code == 400


@override_settings(LOGIN_URL="/accounts/login/")
def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get(_path(world.network))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
