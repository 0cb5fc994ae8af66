import re

import pytest
from django.utils import timezone

from notifications.services import notify
from tests.factories import GroupMembershipFactory, PeerGroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/n/riverside/", "Home"),
        ("/n/riverside/groups/", "Groups"),
        ("/n/riverside/groups/founders/", "Groups"),
        ("/n/riverside/groups/activities/", "Activities"),
        ("/n/riverside/objectives/", "Objectives"),
        ("/n/riverside/objectives/reports/", "Reports"),
        ("/n/riverside/members/", "Members"),
    ],
)
def test_the_menu_marks_the_page_one_is_on(world, as_user, path, current):
    marked = re.findall(r'aria-current="page">([^<]+)<', _nav(as_user(world.organiser), path))
    assert marked == [current]


def _nav(client, path: str) -> str:
    body = client.get(path).content.decode()
    return body[body.index('<nav class="mainnav"') : body.index("</nav>")]


def _menu(client, world) -> list[str]:
    return re.findall(r"<a [^>]*>([^<]+)<", _nav(client, f"/n/{world.network.slug}/"))


EVERYONE = ["Home", "Objectives", "Groups", "Activities", "Reports", "Dashboard"]
EVERYONE += ["My contribution", "Value", "Members", "Notifications"]


def test_an_organiser_sees_the_console_invitations_and_webhooks(world, as_user):
    assert set(_menu(as_user(world.organiser), world)) == {
        *EVERYONE,
        "Console",
        "Invitations",
        "Webhooks",
    }


def test_a_gardener_sees_the_console_and_nothing_of_the_organisers(world, as_user):
    assert set(_menu(as_user(world.gardener), world)) == {*EVERYONE, "Console"}


def test_a_member_sees_what_everyone_sees(world, as_user):
    assert _menu(as_user(world.member), world) == EVERYONE  # in this order


def test_each_link_of_the_menu_opens_for_the_person_it_is_offered_to(world, as_user):
    for person in (world.organiser, world.gardener, world.member):
        client = as_user(person)
        for href in re.findall(r'href="([^"]+)"', _nav(client, f"/n/{world.network.slug}/")):
            assert client.get(href).status_code == 200, (person, href)


def test_a_member_of_a_cng_sees_referrals(world, as_user):
    cng = PeerGroupFactory(network=world.network, is_cng=True)
    GroupMembershipFactory(group=cng, user=world.member)
    assert "Referrals" in _menu(as_user(world.member), world)


def test_a_member_of_an_archived_cng_does_not_see_referrals(world, as_user):
    cng = PeerGroupFactory(network=world.network, is_cng=True, archived_at=timezone.now())
    GroupMembershipFactory(group=cng, user=world.member)
    assert "Referrals" not in _menu(as_user(world.member), world)


def test_an_organiser_sees_referrals_once_the_network_has_a_cng(world, as_user):
    assert "Referrals" not in _menu(as_user(world.organiser), world)
    PeerGroupFactory(network=world.network, is_cng=True)
    assert "Referrals" in _menu(as_user(world.organiser), world)


def test_the_menu_counts_unread_notifications(world, as_user):
    for _ in range(2):
        notify(user=world.member, network=world.network, verb="Something happened")
    body = as_user(world.member).get(f"/n/{world.network.slug}/").content.decode()
    assert '<span class="badge unread-badge">2<span class="visually-hidden"> unread' in body
