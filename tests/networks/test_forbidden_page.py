"""The 403 page keeps the network's menu for someone who belongs to the network."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import resolve, reverse

from networks.views import permission_denied

pytestmark = pytest.mark.django_db


def new_objective(world) -> str:
    return reverse("objectives:create", kwargs={"network_slug": world.network.slug})


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_a_refused_page_keeps_the_networks_menu(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(new_objective(world))
    body = response.content.decode()
    assert response.status_code == 403
    assert '<nav class="mainnav" aria-label="Main">' in body
    assert reverse("groups:list", kwargs={"network_slug": world.network.slug}) in body


def test_the_refused_page_leads_back_to_the_network(world, as_user):
    body = as_user(world.member).get(new_objective(world)).content.decode()
    assert f'<a class="button" href="{world.network.get_absolute_url()}">' in body


def test_the_menu_is_not_shown_for_a_network_the_person_cannot_see(world):
    path = reverse("objectives:create", kwargs={"network_slug": world.network.slug})
    request = RequestFactory().get(path)
    request.user = world.outsider
    request.resolver_match = resolve(path)
    response = permission_denied(request, PermissionDenied())
    body = response.content.decode()
    assert response.status_code == 403
    assert "mainnav" not in body
    assert world.network.name not in body


def test_a_refusal_outside_any_network_shows_the_page_without_a_menu(world):
    request = RequestFactory().get("/healthz")
    request.user = world.member
    request.resolver_match = resolve("/healthz")
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "mainnav" not in response.content.decode()
