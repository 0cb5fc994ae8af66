"""A link is offered only to people who may follow it: the group dashboard from the group
page and the network dashboard, delivery preferences from the reports page."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, PeerGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def group_page(world) -> str:
    return reverse(
        "groups:detail", kwargs={"network_slug": world.network.slug, "group_slug": "founders"}
    )


def group_dashboard(world, group=None) -> str:
    slug = (group or world.group).slug
    return reverse(
        "objectives:group_dashboard",
        kwargs={"network_slug": world.network.slug, "group_slug": slug},
    )


def network_page(name: str, world) -> str:
    return reverse(f"objectives:{name}", kwargs={"network_slug": world.network.slug})


def member_of_another_group(world):
    person = UserFactory(name="Nico Neighbour")
    MembershipFactory(user=person, network=world.network)
    return person


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_group_page_links_to_its_dashboard_for_those_who_may_see_it(world, as_user, persona):
    body = as_user(getattr(world, persona)).get(group_page(world)).content.decode()
    assert f'href="{group_dashboard(world)}"' in body


def test_group_page_offers_no_dashboard_link_to_a_member_outside_the_group(world, as_user):
    body = as_user(member_of_another_group(world)).get(group_page(world)).content.decode()
    assert group_dashboard(world) not in body


@pytest.mark.parametrize("persona", ["organiser", "admin"])
def test_network_dashboard_lists_every_group_dashboard_for_organisers(world, as_user, persona):
    other = PeerGroupFactory(network=world.network, name="Green Teachers")
    body = as_user(getattr(world, persona)).get(network_page("dashboard", world)).content.decode()
    assert f'href="{group_dashboard(world)}"' in body
    assert f'href="{group_dashboard(world, other)}"' in body


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_network_dashboard_lists_only_the_persons_own_group_dashboards(world, as_user, persona):
    other = PeerGroupFactory(network=world.network, name="Green Teachers")
    body = as_user(getattr(world, persona)).get(network_page("dashboard", world)).content.decode()
    assert f'href="{group_dashboard(world)}"' in body
    assert group_dashboard(world, other) not in body


def test_network_dashboard_lists_no_group_dashboard_for_a_member_of_no_group(world, as_user):
    client = as_user(member_of_another_group(world))
    body = client.get(network_page("dashboard", world)).content.decode()
    assert "Group dashboards" not in body


def test_network_dashboard_lists_the_viewers_own_groups_even_when_cached(world, as_user):
    as_user(world.organiser).get(network_page("dashboard", world))
    other = PeerGroupFactory(network=world.network, name="Green Teachers")
    body = as_user(world.member).get(network_page("dashboard", world)).content.decode()
    assert group_dashboard(world, other) not in body


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member"])
def test_reports_page_offers_delivery_preferences_to_members(world, as_user, persona):
    body = as_user(getattr(world, persona)).get(network_page("reports", world)).content.decode()
    assert network_page("report_preferences", world) in body


def test_reports_page_offers_no_delivery_preferences_to_a_site_admin_outside(world, as_user):
    body = as_user(world.admin).get(network_page("reports", world)).content.decode()
    assert network_page("report_preferences", world) not in body
