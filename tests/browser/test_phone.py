"""On a phone (390px wide) the main menu shows every item and wide tables scroll inside a
container that shows there is more to see."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot, sign_in
from tests.factories import MeasureFactory, ObjectiveFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organiser_with_measures(people):
    network, organiser, _gardener, _member = people
    today = timezone.localdate()
    objective = ObjectiveFactory(
        network=network,
        title="Reach 400 founders this year",
        starts_on=today - dt.timedelta(days=150),
        due_on=today + dt.timedelta(days=200),
    )
    for name in ["Founders reached", "Members reporting a sustainable income"]:
        MeasureFactory(objective=objective, name=name, unit="people", target=Decimal("400"))
    return organiser


def test_every_main_menu_item_is_on_the_phone_screen(new_page, organiser_with_measures):
    page = new_page(PHONE)
    sign_in(page, organiser_with_measures.email)
    screenshot(page, "phone-menu")
    links = page.locator("nav.mainnav a")
    assert links.count() >= 10
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], links.nth(
            index
        ).inner_text()


def test_a_wide_table_scrolls_in_its_container_with_a_cue(new_page, organiser_with_measures):
    page = new_page(PHONE)
    sign_in(page, organiser_with_measures.email)
    page.goto("/n/riverside/objectives/dashboard/")
    screenshot(page, "phone-wide-table")
    wrap = page.locator(".table-wrap:has(table.data-table)")
    wrap.screenshot(path=str(SCREENSHOTS / "phone-wide-table-close.png"))
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert "gradient" in wrap.evaluate("el => getComputedStyle(el).backgroundImage")
