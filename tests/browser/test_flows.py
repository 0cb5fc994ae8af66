"""End-to-end in Debian's chromium: the organiser sets the network up, a gardener logs an
activity in place with htmx, and a member sees it and the progress it made."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Activity, GroupMembership
from networks.models import Membership
from objectives.models import Contribution, Measure, Objective
from tests.browser.conftest import (
    label,
    photograph_and_check,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.factories import (
    ActivityFactory,
    ContributionFactory,
    GroupMembershipFactory,
    MeasureFactory,
    MembershipFactory,
    NetworkFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    SoundBiteFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSION = "Every founder in Riverside finds the help they need within a week."


def test_organiser_sets_up_gardener_logs_in_place_member_sees_progress(
    new_page, people, csp_violations
):
    network, organiser, gardener, member = people
    today = timezone.localdate()

    # (a) The organiser writes the mission, sets an objective with a measure, creates a group.
    page = new_page()
    sign_in(page, organiser.email)
    page.get_by_role("link", name="Edit mission and vision").click()
    page.get_by_label(label("Mission")).fill(MISSION)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MISSION)

    page.get_by_role("link", name="Set the first objective").click()
    page.get_by_label("Short term").check()
    page.get_by_label(label("Title")).fill("Reach 100 founders this quarter")
    page.get_by_label(label("Starts on")).fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label(label("Due on")).fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Create objective").click()
    # The objective page (or, straight after creating, the measure form) comes next.
    expect(page).not_to_have_url(re.compile(r"/objectives/new/$"))
    assert Objective.objects.filter(title="Reach 100 founders this quarter").exists()
    if page.get_by_role("link", name="Add measure").count():
        page.get_by_role("link", name="Add measure").first.click()
    page.get_by_label(label("Name")).fill("Founders reached")
    page.get_by_label(label("Unit")).fill("people")
    page.get_by_label(label("Baseline")).fill("0")
    page.get_by_label(label("Target")).fill("100")
    page.get_by_label(label("Source")).select_option(label="Sum of activity contributions")
    page.get_by_role("button", name=re.compile("measure", re.I)).click()
    expect(page.get_by_text("Founders reached").first).to_be_visible()
    assert Measure.objects.filter(name="Founders reached", source="activity_sum").exists()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Create your first group").first.click()
    page.get_by_label(label("Name")).fill("Green Builders")
    page.get_by_label(label("Kind")).select_option(label="Business")
    page.get_by_label(label("Purpose sound bite")).fill("Builders helping builders go green.")
    page.get_by_role("button", name="Create group").click()
    expect(page).to_have_url(re.compile(r"/groups/green-builders/$"))
    expect(page.get_by_role("status").first).to_contain_text("Created Green Builders")

    # People are found by searching as you type, not in a list of every member.
    page.get_by_label(label("Member of the network")).fill("gary")
    page.get_by_label("Gary Gardener").check()
    page.get_by_label(label("Role")).select_option(label="Gardener")
    page.get_by_role("button", name="Add to group").click()
    page.get_by_label(label("Member of the network")).fill("mia")
    page.get_by_label("Mia Member").check()
    page.get_by_role("button", name="Add to group").click()
    expect(page.get_by_role("status").first).to_contain_text("Added Mia Member")
    assert GroupMembership.objects.get(user=gardener).role == "gardener"

    # (b) The gardener logs an activity through the htmx form, without reloading the page.
    page = new_page()
    sign_in(page, gardener.email)
    page.goto("/n/riverside/groups/green-builders/")
    page.evaluate("() => { window.__sameDocument = 'kept'; }")
    form = page.locator("#log-activity")
    form.get_by_label(label("Kind")).select_option(label="Meeting hosted")
    form.get_by_label(label("People reached")).fill("-3")
    form.get_by_role("button", name="Log activity").click()
    form = page.locator("#log-activity")
    expect(form.locator(".error").first).to_be_visible()
    expect(form).to_contain_text("Give the activity a title.")
    expect(form).to_contain_text("greater than or equal to 0")
    expect(form.get_by_label(label("Title"))).to_be_focused()
    assert not Activity.objects.exists()

    form.get_by_label(label("Title")).fill("Breakfast for founders")
    form.get_by_label(label("People reached")).fill("12")
    form.get_by_label(label("Participants")).fill("Mia")
    form.get_by_label("Mia Member").check()
    form.get_by_label(label("Founders reached (people)")).fill("12")
    form.get_by_role("button", name="Log activity").click()
    expect(page.get_by_role("status").first).to_contain_text("Logged “Breakfast for founders”")
    card = page.locator("article.activity").first
    expect(card).to_contain_text("Breakfast for founders")
    expect(card).to_contain_text("Mia Member")
    # Edit in place as well: the card becomes a form and comes back.
    card.get_by_role("link", name=re.compile("^Edit")).click()
    editing = page.locator("form.activity.editing")
    editing.get_by_label(label("Title")).fill("Founders' breakfast")
    editing.get_by_role("button", name="Save changes").click()
    expect(page.locator("article.activity").first).to_contain_text("Founders' breakfast")
    assert page.evaluate("() => window.__sameDocument") == "kept"
    activity = Activity.objects.get()
    assert (activity.title, activity.led_by, activity.people_reached) == (
        "Founders' breakfast",
        gardener,
        12,
    )
    assert Contribution.objects.get().amount == 12

    # (c) A member sees the new activity and the progress on the home page.
    page = new_page()
    sign_in(page, member.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(MISSION)
    expect(page.locator("main")).to_contain_text("Founders' breakfast")
    expect(page.locator("main")).to_contain_text("12 people")
    expect(page.locator("main")).to_contain_text("12%")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities").click()
    expect(page.locator("article.activity")).to_have_count(1)
    assert csp_violations == []


@pytest.fixture
def busy_network(people):
    """A network in full swing, for the look and accessibility of the main pages."""
    network, organiser, gardener, member = people
    network.mission = MISSION
    network.vision = "A town where no founder works alone."
    network.save()
    for text in ("No founder works alone", "Help within a week", "Green by default"):
        SoundBiteFactory(network=network, text=text)
    today = timezone.localdate()
    objective = ObjectiveFactory(
        network=network,
        title="Reach 100 founders this quarter",
        starts_on=today - dt.timedelta(days=30),
        due_on=today + dt.timedelta(days=60),
    )
    measure = MeasureFactory(
        objective=objective, name="Founders reached", unit="people", source="activity_sum"
    )
    groups = [
        PeerGroupFactory(network=network, name="Green Builders", slug="green-builders"),
        PeerGroupFactory(
            network=network,
            name="Charity Finance Circle",
            slug="charity-finance",
            kind="philanthropy",
            is_cng=True,
            purpose="Accountants who stay with a charity until its books are sound.",
        ),
    ]
    for group in groups:
        GroupMembershipFactory(group=group, user=gardener, role="gardener")
        GroupMembershipFactory(group=group, user=member)
    kinds = list(Activity.Kind.values)
    for i in range(8):
        activity = ActivityFactory(
            group=groups[i % 2],
            led_by=gardener if i % 3 else member,
            kind=kinds[i % len(kinds)],
            title=f"{['Breakfast', 'Workshop', 'Blog post', 'Clinic'][i % 4]} #{i + 1}",
            description="Founders swapped notes on tenders and cash flow." if i % 2 else "",
            occurred_on=today - dt.timedelta(days=i * 3),
            people_reached=5 + i,
        )
        activity.participants.add(member, gardener)
        ContributionFactory(activity=activity, measure=measure, amount=3 + i)
    return network, organiser, gardener, member


MAIN_PAGES = {
    "home": "/n/riverside/",
    "groups": "/n/riverside/groups/",
    "group": "/n/riverside/groups/charity-finance/",
    "activities": "/n/riverside/groups/activities/",
    "objectives": "/n/riverside/objectives/",
}


def test_main_pages_have_no_serious_accessibility_violations_and_are_photographed(
    new_page, busy_network, axe_source, csp_violations
):
    network, organiser, gardener, member = busy_network
    failures = photograph_and_check(new_page, gardener.email, MAIN_PAGES, axe_source)
    # What a new organiser first sees: no groups yet, and a filter that matches nothing.
    fresh = NetworkFactory(name="Hilltop Guild", slug="hilltop")
    MembershipFactory(user=organiser, network=fresh, role=Membership.Role.ORGANISER)
    page = new_page()
    sign_in(page, organiser.email, landing=r"/$")
    page.goto("/n/hilltop/groups/")
    expect(page.get_by_role("heading", name="Create your first group")).to_be_visible()
    screenshot(page, "groups-empty-desktop")
    violations = serious_axe_violations(page, axe_source)
    if violations:
        failures["groups-empty"] = violations
    page.goto("/n/riverside/groups/activities/?kind=survey_run")
    screenshot(page, "activities-filtered-empty-desktop")
    assert failures == {}
    assert csp_violations == []


def test_group_page_error_state_is_accessible(new_page, busy_network, axe_source):
    network, organiser, gardener, member = busy_network
    page = new_page()
    sign_in(page, gardener.email)
    page.goto("/n/riverside/groups/green-builders/")
    page.locator("details.log-card summary").click()
    page.locator("#log-activity").get_by_label(label("Title")).fill("")
    page.locator("#log-activity").get_by_role("button", name="Log activity").click()
    expect(page.locator("#log-activity .error").first).to_be_visible()
    screenshot(page, "group-log-error-desktop")
    assert serious_axe_violations(page, axe_source) == []
    assert Objective.objects.count() == 1


def test_a_busy_groups_log_form_opens_and_logs_in_place(new_page, busy_network):
    network, organiser, gardener, member = busy_network
    page = new_page()
    sign_in(page, gardener.email)
    page.goto("/n/riverside/groups/green-builders/")
    page.evaluate("() => { window.__sameDocument = 'kept'; }")
    expect(page.locator("#log-activity")).to_have_count(0)  # fetched when opened
    page.locator("details.log-card summary").click()
    form = page.locator("#log-activity")
    form.get_by_label(label("Kind")).select_option(label="Expert session")
    form.get_by_label(label("Title")).fill("Tender clinic")
    form.get_by_label(label("People reached")).fill("7")
    form.get_by_role("button", name="Log activity").click()
    expect(page.get_by_role("status").first).to_contain_text("Logged “Tender clinic”")
    expect(page.locator("article.activity").first).to_contain_text("Tender clinic")
    assert page.evaluate("() => window.__sameDocument") == "kept"
    assert Activity.objects.filter(title="Tender clinic", group__slug="green-builders").exists()


def test_filtering_the_activity_log_twice_keeps_one_results_section(new_page, busy_network):
    network, organiser, gardener, member = busy_network
    page = new_page()
    sign_in(page, member.email)
    page.goto("/n/riverside/groups/activities/")
    group = page.locator("#id_group")
    group.select_option(label="Green Builders")
    expect(page).to_have_url(re.compile(r"group=green-builders"))
    group.select_option(label="Charity Finance Circle")
    expect(page).to_have_url(re.compile(r"group=charity-finance"))
    expect(page.locator("#results article.activity").first).to_contain_text("Charity Finance")
    expect(page.locator("#results")).to_have_count(1)
