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
