"""Dashboards and reports in Debian's chromium: charts drawn from months of history, checked
with axe and photographed on desktop and phone."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Activity
from objectives import services
from objectives.models import ProgressReport
from referrals.models import Referral
from tests.browser.conftest import photograph_and_check, screenshot, sign_in
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    GroupMembershipFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ReferralFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network_with_history(people):
    """Five months of activities, check-ins and referrals across three groups, with the
    reports of every closed month written."""
    network, organiser, gardener, member = people
    network.mission = "Every founder in Riverside finds the help they need within a week."
    network.save()
    today = timezone.localdate()
    objective = ObjectiveFactory(
        network=network,
        title="Reach 400 founders this year",
        starts_on=today - dt.timedelta(days=150),
        due_on=today + dt.timedelta(days=200),
    )
    reached = MeasureFactory(
        objective=objective,
        name="Founders reached",
        unit="people",
        target=Decimal("400"),
        source="activity_sum",
    )
    income = MeasureFactory(
        objective=ObjectiveFactory(
            network=network,
            title="Members earn a sustainable income",
            term="long",
            starts_on=today - dt.timedelta(days=150),
            due_on=today + dt.timedelta(days=900),
        ),
        name="Members reporting a sustainable income",
        unit="members",
        target=Decimal("60"),
    )
    groups = [
        PeerGroupFactory(network=network, name="Green Builders", slug="green-builders"),
        PeerGroupFactory(network=network, name="Teachers", slug="teachers", kind="education"),
        PeerGroupFactory(
            network=network, name="Charity Finance", slug="charity-finance", is_cng=True
        ),
    ]
    for group in groups:
        GroupMembershipFactory(group=group, user=gardener, role="gardener")
        GroupMembershipFactory(group=group, user=member)
    kinds = list(Activity.Kind.values)
    for i in range(45):
        activity = ActivityFactory(
            group=groups[i % 3],
            led_by=member if i % 2 else gardener,
            kind=kinds[i % 5],
            title=f"Founders' session {i + 1}",
            occurred_on=today - dt.timedelta(days=3 + i * 3),
            people_reached=4 + i % 7,
        )
        ContributionFactory(activity=activity, measure=reached, amount=2 + i % 5)
    for months_ago, value in ((4, 12), (3, 19), (2, 25), (1, 31), (0, 36)):
        CheckInFactory(
            measure=income, value=value, recorded_on=today - dt.timedelta(days=30 * months_ago)
        )
    for i, status in enumerate(Referral.Status.values):
        made_on = today - dt.timedelta(days=20 + 10 * i)
        ReferralFactory(
            group=groups[2],
            referrer=member if i % 2 else gardener,
            receiver=gardener if i % 2 else member,
            status=status,
            made_on=made_on,
            # A closed referral has its day closed; a declined one its reason.
            closed_on=made_on if status == "closed" else None,
            declined_reason="Fully booked" if status == "declined" else "",
        )
    assert services.reports_catch_up(network=network) > 0
    return network, organiser, gardener, member


DASHBOARDS = {
    "dashboard": "/n/riverside/objectives/dashboard/",
    "group-dashboard": "/n/riverside/objectives/groups/charity-finance/dashboard/",
    "my-contribution": "/n/riverside/objectives/me/",
    "console": "/n/riverside/objectives/console/",
    "value": "/n/riverside/objectives/value/",
    "reports": "/n/riverside/objectives/reports/",
}


def test_dashboards_draw_labelled_charts_without_serious_accessibility_violations(
    new_page, network_with_history, axe_source, csp_violations
):
    network, organiser, gardener, member = network_with_history
    failures = photograph_and_check(new_page, gardener.email, DASHBOARDS, axe_source)
    assert failures == {}
    assert csp_violations == []


def test_network_dashboard_charts_have_titles_and_the_expected_line(new_page, network_with_history):
    network, organiser, gardener, member = network_with_history
    page = new_page()
    sign_in(page, organiser.email)
    page.goto(DASHBOARDS["dashboard"])
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 4  # two objectives, contribution by group, activity by kind
    for label in charts.evaluate_all("nodes => nodes.map(n => n.getAttribute('aria-label'))"):
        assert label and label.strip()
    expect(page.locator("main")).to_contain_text("Expected")
    expect(page.locator("main")).to_contain_text("Charity Finance")


def test_a_member_opens_a_report_of_their_group(new_page, network_with_history):
    network, organiser, gardener, member = network_with_history
    report = ProgressReport.objects.filter(group__slug="teachers").order_by("-period_start")[0]
    page = new_page()
    sign_in(page, member.email)
    page.goto("/n/riverside/objectives/reports/")
    row = page.locator("tbody tr", has_text="Teachers").first
    row.get_by_role("link").first.click()  # the period; the row's others are its exports
    expect(page).to_have_url(re.compile(rf"/objectives/reports/{report.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Teachers")
    expect(page.locator("main")).to_contain_text("Founders reached")
    screenshot(page, "report-desktop")
