import re

import pytest

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
    body = as_user(world.organiser).get(path).content.decode()
    nav = body[body.index('<nav class="mainnav"') : body.index("</nav>")]
    marked = re.findall(r'aria-current="page">([^<]+)<', nav)
    assert marked == [current]


def _menu(client, world) -> list[str]:
    body = client.get(f"/n/{world.network.slug}/").content.decode()
    nav = body[body.index('<nav class="mainnav"') : body.index("</nav>")]
    return re.findall(r"<a [^>]*>([^<]+)<", nav)


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
        body = client.get(f"/n/{world.network.slug}/").content.decode()
        nav = body[body.index('<nav class="mainnav"') : body.index("</nav>")]
        for href in re.findall(r'href="([^"]+)"', nav):
            assert client.get(href).status_code == 200, (person, href)
