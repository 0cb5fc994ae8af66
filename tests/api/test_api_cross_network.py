"""Every API route, for every persona, with another network's ids: 404 and nothing written
(anonymous: 401). The same walk as tests/test_cross_network.py, over /api/v1/."""

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from networks.services import api_token_create
from tests.test_cross_network import PARAMETER, fill, objects_of, routes

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/networks/<slug:network_slug>/"
BODY = {"title": "Renamed", "value": "5", "name": "Renamed", "group": "founders"}


def api_routes() -> list[str]:
    return [route for route in routes() if route.startswith(API_PREFIX)]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_the_walk_covers_every_api_route():
    assert len(api_routes()) >= 15


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "outsider", "anonymous"])
def test_another_networks_ids_answer_404_and_change_nothing(world, persona):
    objects_of(world.network)
    theirs = objects_of(world.other_network)
    ours = objects_of(world.network)
    user = None if persona == "anonymous" else getattr(world, persona)
    home, foreign = (
        (world.other_network, ours) if persona == "outsider" else (world.network, theirs)
    )
    client = APIClient()
    if user is not None:
        _, text = api_token_create(user=user, name="walk", scope="read_write")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    before = row_counts()
    wrong = []
    for route in api_routes():
        names = {m["name"] for m in PARAMETER.finditer(route)}
        tries = (
            [foreign]
            if names == {"network_slug"}
            else [foreign | {"network_slug": home.slug}, foreign]
        )
        for values in tries:
            path = fill(route, values)
            for method in ("get", "post", "patch"):
                response = getattr(client, method)(path, BODY if method != "get" else None)
                expected = {401} if user is None else {404, 405}
                if response.status_code not in expected:
                    wrong.append(f"{method.upper()} {path} -> {response.status_code}")
                if response.status_code == 405:
                    # Refused for any id alike: the method is not offered on this route.
                    assert method.upper() not in response.get("Allow", ""), path
    assert wrong == []
    assert row_counts() == before
