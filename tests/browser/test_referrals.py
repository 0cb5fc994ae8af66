"""End-to-end in chromium: a concierge refers a client, the colleague accepts and serves it
(one move by keyboard on the board through htmx), the concierge is told, records the
client's feedback, and the colleague closes it with a value."""

import re

import pytest
from playwright.sync_api import expect

from groups.models import GroupMembership
from networks.models import Membership
from referrals.models import Referral
from tests.browser.conftest import PHONE, label, screenshot, serious_axe_violations, sign_in
from tests.factories import GroupMembershipFactory, MembershipFactory, PeerGroupFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cng(people):
    network, organiser, gardener, member = people
    group = PeerGroupFactory(network=network, name="Founders Circle", slug="founders", is_cng=True)
    colleague = UserFactory(name="Cole Colleague", email="cole@example.org",
                            expertise="Accountant for charities")  # fmt: skip
    MembershipFactory(user=colleague, network=network, role=Membership.Role.MEMBER)
    GroupMembershipFactory(group=group, user=gardener, role=GroupMembership.Role.GARDENER)
    GroupMembershipFactory(group=group, user=member)
    GroupMembershipFactory(group=group, user=colleague)
    return network, member, colleague


def test_a_concierge_takes_a_referral_from_made_to_closed(
    new_page, cng, csp_violations, axe_source
):
    network, concierge, colleague = cng

    # The concierge makes the referral from the menu.
    mia = new_page()
    sign_in(mia, concierge.email)
    mia.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    mia.get_by_role("link", name="Founders Circle board").click()
    mia.get_by_role("link", name="Make a referral").click()
    mia.get_by_label(label("Need")).fill("Needs an accountant who knows charities.")
    expect(mia.locator("#suggestions")).to_contain_text("Cole Colleague")  # htmx, as typed
    mia.get_by_label(label("Colleague who will serve it")).select_option(label="Cole Colleague")
    mia.get_by_label(label("Client's name")).fill("Clara Client")
    mia.get_by_label(label("Email")).fill("clara@client.example")
    mia.get_by_label(re.compile("^The client's consent")).select_option(
        label="Said yes when we spoke"
    )
    mia.get_by_role("button", name="Make referral").click()
    expect(mia.get_by_role("heading", level=1)).to_contain_text("Clara Client")
    referral = Referral.objects.get()

    # The colleague sees the badge, accepts on the board by keyboard, serves it.
    cole = new_page()
    sign_in(cole, colleague.email)
    expect(cole.locator(".unread-badge")).to_contain_text("1")
    cole.goto("/n/riverside/referrals/g/founders/")
    cole.evaluate("() => { window.__sameDocument = 'kept'; }")
    accept = cole.get_by_role("button", name=re.compile("^Accept"))
    accept.focus()
    cole.keyboard.press("Enter")
    expect(cole.locator(".status-col-accepted")).to_contain_text("Clara Client")
    assert cole.evaluate("() => window.__sameDocument") == "kept"
    cole.locator(".status-col-accepted").get_by_role(
        "button", name=re.compile("^Start work")
    ).click()
    expect(cole.locator(".status-col-in_progress")).to_contain_text("Clara Client")
    cole.get_by_role("link", name="Clara Client").click()
    cole.get_by_role("button", name="Mark served").click()
    expect(cole.get_by_role("status").first).to_contain_text("now served")

    # The concierge is told at once, and records the client's feedback.
    mia.goto("/n/riverside/")
    expect(mia.locator(".unread-badge")).to_contain_text("3")
    mia.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Notifications")
    ).click()
    expect(mia.locator("main")).to_contain_text("Cole Colleague served the referral")
    mia.goto(referral.get_absolute_url())
    mia.get_by_label("5", exact=True).check()
    mia.get_by_label(label("Comment")).fill("Clara was delighted.")
    mia.get_by_role("button", name="Record feedback").click()
    expect(mia.locator("main")).to_contain_text("5 of 5")

    # The colleague closes with a value and thanks; the concierge sees both credited.
    cole.goto(referral.get_absolute_url())
    cole.locator("summary", has_text="Close").click()
    cole.get_by_label(label("Business value")).fill("2500")
    cole.get_by_label(label("Thank-you note to the concierge")).fill("Thank you, Mia!")
    cole.locator("#move-closed").get_by_role("button", name="Close").click()
    expect(cole.get_by_role("status").first).to_contain_text("now closed")
    mia.goto(referral.get_absolute_url())
    expect(mia.locator("main")).to_contain_text("£2,500")
    expect(mia.locator("main")).to_contain_text("Thank you, Mia!")
    referral.refresh_from_db()
    assert (referral.status, referral.client_rating) == ("closed", 5)

    # Photographs of the board and the referral page, desktop and phone, and an axe check.
    screenshot(mia, "referral-page-desktop")
    assert serious_axe_violations(mia, axe_source) == []
    mia.goto("/n/riverside/referrals/g/founders/")
    screenshot(mia, "referral-board-desktop")
    assert serious_axe_violations(mia, axe_source) == []
    phone = new_page(PHONE)
    sign_in(phone, colleague.email)
    phone.goto("/n/riverside/referrals/g/founders/")
    screenshot(phone, "referral-board-phone")
    phone.goto(referral.get_absolute_url())
    screenshot(phone, "referral-page-phone")
    assert csp_violations == []
