import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Activity
from objectives.dashboards import CONSOLE_GROUPS_PER_PAGE, evenness, power_of_two_text
from objectives.models import Measure
from referrals.models import Referral
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    GroupMembershipFactory,
    InvitationFactory,
    MeasureFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    ReferralFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.queries import MENU


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The network dashboard caches its figures; each test starts cold.
    cache.clear()
    yield
    cache.clear()


def url(name: str, world, **kwargs) -> str:
    return reverse(f"objectives:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


def group_url(world, group=None) -> str:
    return url("group_dashboard", world, group_slug=(group or world.group).slug)


@pytest.fixture
def measures(world):
    objective = ObjectiveFactory(network=world.network, title="Grow the local economy")
    return {
        "count": MeasureFactory(
            objective=objective,
            name="Courses taught",
            source=Measure.Source.ACTIVITY_COUNT,
            activity_kinds=["course_taught"],
        ),
        "sum": MeasureFactory(
            objective=objective, name="People helped", source=Measure.Source.ACTIVITY_SUM
        ),
        "manual": MeasureFactory(objective=objective, name="Members with new clients"),
        "made": MeasureFactory(
            objective=objective, name="Referrals made", source=Measure.Source.REFERRALS_MADE
        ),
        "value": MeasureFactory(
            objective=objective,
            name="Closed value",
            source=Measure.Source.REFERRALS_CLOSED_VALUE,
            target=Decimal(10000),
        ),
    }


def populate(world, measures, size: int) -> None:
    """`size` of everything: activities, contributions, check-ins, referrals, invitations."""
    group = world.group
    group.is_cng = True
    group.save()
    other = PeerGroupFactory(network=world.network)
    today = world.network.today()
    for i in range(size):
        person = UserFactory()
        MembershipFactory(user=person, network=world.network)
        GroupMembershipFactory(group=group, user=person)
        activity = ActivityFactory(
            group=group if i % 2 else other,
            led_by=person,
            kind=Activity.Kind.COURSE_TAUGHT,
            occurred_on=today - dt.timedelta(days=20 * i),
        )
        activity.participants.add(world.member)
        ContributionFactory(activity=activity, measure=measures["sum"], amount=Decimal(5))
        CheckInFactory(
            measure=measures["manual"], group=group, recorded_on=today - dt.timedelta(days=40 + i)
        )
        ReferralFactory(
            group=group,
            referrer=world.member,
            receiver=person,
            made_on=today - dt.timedelta(days=30 + i),
            follow_up_on=today - dt.timedelta(days=3),
        )
        InvitationFactory(network=world.network, group=group)
    first = dt.date(2025, 1, 1) + dt.timedelta(days=size)
    ProgressReportFactory(group=group, period_start=first, period_end=first + dt.timedelta(days=30))


# ---------------------------------------------------------------- access, every page

PAGES = ["dashboard", "my_contribution", "value"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_network_pages_open_for_everyone_in_the_network(world, as_user, page, persona):
    response = as_user(getattr(world, persona)).get(url(page, world))
    assert response.status_code == 200


@pytest.mark.parametrize("page", [*PAGES, "console"])
def test_network_pages_are_404_for_outsiders(world, as_user, page):
    assert as_user(world.outsider).get(url(page, world)).status_code == 404


@pytest.mark.parametrize("page", [*PAGES, "console"])
def test_network_pages_send_anonymous_visitors_to_log_in(world, as_user, page):
    response = as_user(None).get(url(page, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_group_dashboard_opens_for_organisers_and_the_groups_members(world, as_user, persona):
    assert as_user(getattr(world, persona)).get(group_url(world)).status_code == 200


def test_group_dashboard_is_403_for_a_network_member_outside_the_group(world, as_user):
    stranger = UserFactory()
    MembershipFactory(user=stranger, network=world.network)
    assert as_user(stranger).get(group_url(world)).status_code == 403


def test_group_dashboard_is_404_for_outsiders(world, as_user):
    assert as_user(world.outsider).get(group_url(world)).status_code == 404


def test_group_dashboard_is_404_for_a_group_of_another_network(world, as_user):
    elsewhere = PeerGroupFactory(network=world.other_network, slug="elsewhere")
    assert as_user(world.organiser).get(group_url(world, elsewhere)).status_code == 404


def test_group_dashboard_sends_anonymous_visitors_to_log_in(world, as_user):
    assert as_user(None).get(group_url(world)).status_code == 302


@pytest.mark.parametrize("persona", ["organiser", "gardener"])
def test_console_opens_for_gardeners_and_organisers(world, as_user, persona):
    assert as_user(getattr(world, persona)).get(url("console", world)).status_code == 200


def test_console_is_403_for_members_who_garden_no_group(world, as_user):
    assert as_user(world.member).get(url("console", world)).status_code == 403


# ---------------------------------------------------------------- network dashboard


def test_dashboard_shows_each_objective_with_a_chart_and_every_measures_status(
    world, as_user, measures
):
    ActivityFactory(group=world.group, led_by=world.member, kind=Activity.Kind.COURSE_TAUGHT)
    page = as_user(world.member).get(url("dashboard", world)).content.decode()
    assert "Grow the local economy: progress by month" in page
    assert page.count('role="img"') >= 2
    for measure in measures.values():
        assert measure.name in page
    assert "Expected" in page


def test_dashboard_shows_contribution_by_group(world, as_user, measures):
    ActivityFactory(group=world.group, led_by=world.member, kind=Activity.Kind.COURSE_TAUGHT)
    page = as_user(world.member).get(url("dashboard", world)).content.decode()
    assert "Courses taught" in page and "contribution by group" in page
    assert "Founders Circle" in page


def test_dashboard_shows_activity_by_kind_and_month(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, kind=Activity.Kind.BLOG_WRITTEN)
    page = as_user(world.member).get(url("dashboard", world)).content.decode()
    assert "Activities by kind and month" in page
    assert "Blog written" in page


def test_dashboard_without_objectives_says_what_to_do(world, as_user):
    page = as_user(world.member).get(url("dashboard", world)).content.decode()
    assert "No objectives yet" in page


def test_dashboard_runs_the_same_queries_whatever_the_data_size(world, as_user, measures):
    client = as_user(world.member)
    populate(world, measures, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(url("dashboard", world))
    populate(world, measures, 12)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        client.get(url("dashboard", world))
    assert len(small) == len(large)


def test_dashboard_query_count(world, as_user, measures, django_assert_num_queries):
    populate(world, measures, 6)
    client = as_user(world.member)
    # 5 for every page (session, user, network, membership, group roles);
    # objectives + measures; whether anything is dated after today (asked once for the
    # page: figures.probed_once); the series: 1 query per kind of source (manual, activity
    # count, activity sum, referrals: all referral sources in one query); by group: the
    # manual readings and the measure totals of the rest; group names; activity by kind and
    # month; the group dashboards this person may open.
    with django_assert_num_queries(5 + 2 + 1 + 4 + 2 + 1 + 1 + 1 + MENU):
        client.get(url("dashboard", world))


def test_dashboard_serves_cached_figures_with_fewer_queries(world, as_user, measures):
    populate(world, measures, 3)
    client = as_user(world.member)
    client.get(url("dashboard", world))
    with CaptureQueriesContext(connection) as warm:
        client.get(url("dashboard", world))
    # session, user, network, access (2) and the viewer's group dashboards
    assert len(warm) == 6 + MENU


# ---------------------------------------------------------------- group dashboard


def test_group_dashboard_shows_contribution_activities_referrals_and_reports(
    world, as_user, measures
):
    ActivityFactory(
        group=world.group, led_by=world.member, kind=Activity.Kind.COURSE_TAUGHT, title="Tax 101"
    )
    ReferralFactory(group=world.group, referrer=world.member, receiver=world.gardener)
    ProgressReportFactory(group=world.group)
    page = as_user(world.gardener).get(group_url(world)).content.decode()
    assert "Courses taught" in page and "Founders Circle&#x27;s part by month" in page
    assert "Tax 101" in page
    assert "Referrals" in page and "Still open" in page
    assert "1 Sep 2026 – 30 Sep 2026" in page


def test_group_dashboard_links_each_recent_activity_and_report(world, as_user, measures):
    activity = ActivityFactory(group=world.group, led_by=world.member)
    report = ProgressReportFactory(group=world.group)
    page = as_user(world.gardener).get(group_url(world)).content.decode()
    slug = world.network.slug
    assert f'href="{reverse("groups:activity", args=[slug, activity.pk])}"' in page
    assert f'href="{reverse("objectives:report", args=[slug, report.pk])}"' in page


def test_group_dashboard_lists_a_recent_activity_as_its_table_shows_it(world, as_user):
    nameless = UserFactory(name="", email="kit@example.org")
    ActivityFactory(
        group=world.group,
        led_by=nameless,
        kind=Activity.Kind.COURSE_TAUGHT,
        title="Tax 101",
        people_reached=7,
    )
    (row,) = as_user(world.gardener).get(group_url(world)).context["recent"]
    assert (row["title"], row["kind"], row["led_by"], row["people_reached"]) == (
        "Tax 101",
        "Course taught",
        "kit@example.org",
        7,
    )


def test_group_dashboard_counts_only_this_group(world, as_user, measures):
    other = PeerGroupFactory(network=world.network)
    ActivityFactory(group=other, led_by=world.member, title="Not ours")
    page = as_user(world.organiser).get(group_url(world)).content.decode()
    assert "Not ours" not in page


def test_group_dashboard_query_count_is_fixed(world, as_user, measures):
    client = as_user(world.gardener)
    populate(world, measures, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(group_url(world))
    populate(world, measures, 12)
    with CaptureQueriesContext(connection) as large:
        client.get(group_url(world))
    # 16 (the network's measures with their objectives in one query; the group's referral
    # measures, made and closed value, in one; its manual readings by month in one, the
    # latest of them the "latest reading"), whether anything is dated after today (once
    # for the page; the month series and the activity figures then read this month whole
    # from the rollups), the menu, and the live referral figures' day spans (the group's
    # own follow-up interval needs no query)
    assert len(small) == len(large) == 16 + MENU + 1


# ---------------------------------------------------------------- my contribution


def test_my_contribution_counts_activities_led_and_joined(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, people_reached=7)
    joined = ActivityFactory(group=world.group, led_by=world.gardener, people_reached=5)
    joined.participants.add(world.member)
    ActivityFactory(group=world.group, led_by=world.gardener, people_reached=100)
    response = as_user(world.member).get(url("my_contribution", world))
    totals = response.context["activity_totals"]
    assert (totals.led, totals.joined) == (1, 1)
    assert "My contribution by month" in response.content.decode()


def test_my_contribution_credits_people_reached_to_the_activities_led(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, people_reached=7)
    joined = ActivityFactory(group=world.group, led_by=world.gardener, people_reached=5)
    joined.participants.add(world.member)
    response = as_user(world.member).get(url("my_contribution", world))
    assert response.context["activity_totals"].people_reached == 7
    assert "credited to the person who led each one" in response.content.decode()


def test_my_contribution_measures_concierge_follow_through(world, as_user):
    today = world.network.today()
    served = ReferralFactory(
        group=world.group, referrer=world.member, receiver=world.gardener, client_rating=4
    )
    served.change_status(Referral.Status.SERVED, by=world.gardener, on=today)
    TouchpointFactory(referral=served)
    unfollowed = ReferralFactory(
        group=world.group, referrer=world.member, receiver=world.gardener, client_rating=2
    )
    unfollowed.change_status(Referral.Status.CLOSED, by=world.gardener, on=today)
    ReferralFactory(group=world.group, referrer=world.member, receiver=world.gardener)
    ReferralFactory(group=world.group, referrer=world.gardener, receiver=world.member)
    response = as_user(world.member).get(url("my_contribution", world))
    totals = response.context["totals"]
    assert (totals["given"], totals["received"]) == (3, 1)
    assert totals["followed"] == 1
    assert totals["follow_through"] == pytest.approx(1 / 3)
    assert totals["served_rate"] == pytest.approx(2 / 3)
    assert totals["rating"] == pytest.approx(3)


def test_my_contribution_leaves_out_other_networks(world, as_user):
    elsewhere = PeerGroupFactory(network=world.other_network)
    ActivityFactory(group=elsewhere, led_by=world.member)
    response = as_user(world.member).get(url("my_contribution", world))
    assert response.context["activity_totals"].led == 0


def test_my_contribution_query_count_is_fixed(world, as_user, measures):
    client = as_user(world.member)
    populate(world, measures, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(url("my_contribution", world))
    populate(world, measures, 12)
    with CaptureQueriesContext(connection) as large:
        client.get(url("my_contribution", world))
    # + the menu, and the live referral figures (follow-up intervals, day spans)
    assert len(small) == len(large) == 9 + MENU + 2


# ---------------------------------------------------------------- gardener's console


def test_console_lists_members_without_activity_this_period(world, as_user):
    ActivityFactory(group=world.group, led_by=world.gardener, occurred_on=world.network.today())
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [p["group"] for p in panels] == [world.group]
    assert [person["id"] for person in panels[0]["idle"]] == [world.member.pk]


def test_console_lists_idle_members_longest_standing_first_then_gardeners(world, as_user):
    joined = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    world.group.memberships.update(joined_at=joined)
    newcomer = GroupMembershipFactory(group=world.group, joined_at=joined + dt.timedelta(days=2))
    veteran = GroupMembershipFactory(group=world.group, joined_at=joined - dt.timedelta(days=2))
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [person["id"] for person in panels[0]["idle"]] == [
        veteran.user_id,
        world.member.pk,
        newcomer.user_id,
        world.gardener.pk,
    ]


def test_console_counts_joining_an_activity_as_activity(world, as_user):
    activity = ActivityFactory(
        group=world.group, led_by=world.gardener, occurred_on=world.network.today()
    )
    activity.participants.add(world.member)
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert panels[0]["idle"] == []


def test_console_lists_overdue_follow_ups_only(world, as_user):
    today = world.network.today()
    late = ReferralFactory(
        group=world.group,
        referrer=world.member,
        receiver=world.gardener,
        made_on=today - dt.timedelta(days=30),
        follow_up_on=today - dt.timedelta(days=1),
    )
    ReferralFactory(
        group=world.group,
        referrer=world.member,
        receiver=world.gardener,
        made_on=today - dt.timedelta(days=30),
        follow_up_on=today - dt.timedelta(days=1),
        status=Referral.Status.SERVED,
    )
    ReferralFactory(
        group=world.group,
        referrer=world.member,
        receiver=world.gardener,
        follow_up_on=today + dt.timedelta(days=1),
    )
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [row["referral"] for row in panels[0]["overdue"]] == [late]


def test_console_reads_follow_through_against_each_groups_own_interval(world, as_user):
    today = world.network.today()
    world.group.follow_up_days = 7
    world.group.save()
    patient = PeerGroupFactory(network=world.network, follow_up_days=14)
    for group in (world.group, patient):
        ReferralFactory(group=group, last_touch_on=today - dt.timedelta(days=10))
    # settled: neither open nor touched in time, however recently touched
    ReferralFactory(group=patient, last_touch_on=today, status=Referral.Status.SERVED)
    panels = as_user(world.organiser).get(url("console", world)).context["panels"]
    by_group = {panel["group"].pk: panel["follow_through"] for panel in panels}
    assert by_group[world.group.pk] == (1, 0, 0.0)
    assert by_group[patient.pk] == (1, 1, 1.0)


def test_console_lists_manual_measures_without_a_recent_check_in(world, as_user, measures):
    today = world.network.today()
    CheckInFactory(
        measure=measures["manual"], group=world.group, recorded_on=today - dt.timedelta(days=45)
    )
    fresh = MeasureFactory(objective=measures["manual"].objective, name="Fresh")
    CheckInFactory(measure=fresh, group=world.group, recorded_on=today - dt.timedelta(days=45))
    CheckInFactory(measure=fresh, group=world.group, recorded_on=today - dt.timedelta(days=2))
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [row["measure_id"] for row in panels[0]["stale"]] == [measures["manual"].pk]


def test_console_lists_pending_invitations(world, as_user):
    pending = InvitationFactory(network=world.network, group=world.group)
    InvitationFactory(network=world.network, group=world.group, revoked_at=pending.created_at)
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [row["email"] for row in panels[0]["invitations"]] == [pending.email]
    assert pending.email in as_user(world.gardener).get(url("console", world)).content.decode()


def test_console_shows_organisers_every_group(world, as_user):
    second = PeerGroupFactory(network=world.network)
    panels = as_user(world.organiser).get(url("console", world)).context["panels"]
    assert {p["group"] for p in panels} == {world.group, second}


def test_console_shows_gardeners_only_their_groups(world, as_user):
    PeerGroupFactory(network=world.network)
    panels = as_user(world.gardener).get(url("console", world)).context["panels"]
    assert [p["group"] for p in panels] == [world.group]


def test_console_pages_through_many_groups(world, as_user):
    for _ in range(CONSOLE_GROUPS_PER_PAGE + 1):  # with the world's own: a page and two
        PeerGroupFactory(network=world.network)
    client = as_user(world.organiser)
    first = client.get(url("console", world))
    second = client.get(url("console", world) + "?page=2")
    assert len(first.context["panels"]) == CONSOLE_GROUPS_PER_PAGE
    assert len(second.context["panels"]) == 2
    assert "Next groups" in first.content.decode()


def test_console_query_count_is_fixed(world, as_user, measures):
    client = as_user(world.organiser)
    populate(world, measures, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(url("console", world))
    populate(world, measures, 12)
    with CaptureQueriesContext(connection) as large:
        client.get(url("console", world))
    # + the menu, and follow-through per group (one GROUP BY, against the listed groups' own
    # intervals); the idle members and overdue referrals are picked by id first, then only
    # the listed rows are loaded (+2); who was active is one UNION of leaders and participants
    assert len(small) == len(large) == 13 + MENU + 2


# ---------------------------------------------------------------- network value


def test_reeds_law_for_five_groups_is_32(world, as_user):
    for _ in range(4):
        PeerGroupFactory(network=world.network)
    response = as_user(world.member).get(url("value", world))
    assert response.context["group_value"] == "32"
    assert "32" in response.content.decode()


def test_power_of_two_text_is_exact_when_short_and_scientific_when_long():
    assert power_of_two_text(6) == "64"
    assert power_of_two_text(3, 4) == "4"  # 2^3 - 3 - 1 sub-groups of three people
    assert power_of_two_text(20000, 20001) == "3.98 × 10^6,020"
    assert power_of_two_text(60) == "1.15 × 10^18"


def test_possible_sub_groups_among_members(world, as_user):
    # organiser, gardener and member: 2^3 - 3 - 1 = 4 groups of two or more
    response = as_user(world.member).get(url("value", world))
    assert response.context["subgroups"] == "4"


def test_share_of_active_members(world, as_user):
    today = world.network.today()
    ActivityFactory(group=world.group, led_by=world.gardener, occurred_on=today)
    old = ActivityFactory(
        group=world.group, led_by=world.organiser, occurred_on=today - dt.timedelta(days=200)
    )
    old.participants.add(world.member)
    response = as_user(world.member).get(url("value", world))
    assert response.context["active_count"] == 1
    assert response.context["active_share"] == pytest.approx(1 / 3)


def test_diversity_of_group_kinds_and_sectors(world, as_user):
    PeerGroupFactory(network=world.network, kind="education")
    world.member.sector = "Health"
    world.member.save()
    response = as_user(world.member).get(url("value", world))
    assert response.context["kinds"]["distinct"] == 2
    assert response.context["sectors"]["distinct"] == 2
    assert response.context["kinds"]["evenness"] == pytest.approx(1.0)


def test_evenness():
    assert evenness([5, 5, 5]) == pytest.approx(1.0)
    assert evenness([10]) is None
    assert 0 < evenness([9, 1]) < 1


def test_referral_reciprocity(world, as_user):
    ReferralFactory(group=world.group, referrer=world.member, receiver=world.gardener)
    ReferralFactory(group=world.group, referrer=world.gardener, receiver=world.member)
    ReferralFactory(group=world.group, referrer=world.organiser, receiver=world.member)
    response = as_user(world.member).get(url("value", world))
    reciprocity = response.context["reciprocity"]
    assert reciprocity == {"total": 3, "givers": 3, "receivers": 2, "both": 2}
    assert response.context["reciprocity_share"] == pytest.approx(2 / 3)


def test_value_query_count_is_fixed(world, as_user, measures):
    client = as_user(world.member)
    populate(world, measures, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(url("value", world))
    populate(world, measures, 12)
    with CaptureQueriesContext(connection) as large:
        client.get(url("value", world))
    # members, active members and sectors are one query over the member totals
    assert len(small) == len(large) == 8 + MENU


def test_value_page_explains_reeds_law(world, as_user):
    page = as_user(world.member).get(url("value", world)).content.decode()
    assert "Reed" in page and "2<sup>1</sup>" in page


def test_main_navigation_links_the_dashboards(world, as_user):
    page = as_user(world.gardener).get(url("value", world)).content.decode()
    for name in ("dashboard", "my_contribution", "console", "value"):
        assert f'href="{url(name, world)}"' in page


def test_main_navigation_hides_the_console_from_plain_members(world, as_user):
    page = as_user(world.member).get(url("value", world)).content.decode()
    assert f'href="{url("console", world)}"' not in page


def test_refreshing_the_dashboard_ahead_serves_visitors_from_the_cache(world, as_user, measures):
    from objectives.dashboards import refresh_network_dashboard

    refresh_network_dashboard(world.network)
    client = as_user(world.member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("dashboard", world))
    assert len(queries) == 6 + MENU  # as for any page, plus the viewer's group dashboards
    assert "Grow the local economy: progress by month" in response.content.decode()


def test_a_member_who_only_took_part_recently_is_active(world, as_user):
    today = world.network.today()
    led = ActivityFactory(group=world.group, led_by=world.gardener, occurred_on=today)
    led.participants.add(world.member)
    elsewhere = PeerGroupFactory(network=world.other_network)
    ActivityFactory(group=elsewhere, led_by=world.outsider, occurred_on=today)
    response = as_user(world.member).get(url("value", world))
    assert response.context["active_count"] == 2  # the gardener led, the member took part


def test_the_dashboard_links_the_group_dashboards_this_person_may_open(world, as_user, measures):
    other = PeerGroupFactory(network=world.network, name="Zinnia Circle")
    organisers = as_user(world.organiser).get(url("dashboard", world)).content.decode()
    assert f'<a href="{group_url(world)}">{world.group.name}</a>' in organisers
    assert f'<a href="{group_url(world, other)}">Zinnia Circle</a>' in organisers
    gardeners = as_user(world.gardener).get(url("dashboard", world)).content.decode()
    assert f'href="{group_url(world)}"' in gardeners
    assert group_url(world, other) not in gardeners


def test_the_group_dashboard_links_escape_the_groups_names(world, as_user, measures):
    other = PeerGroupFactory(network=world.network, name="<b>Bees</b> & Co")
    page = as_user(world.organiser).get(url("dashboard", world)).content.decode()
    assert f'<a href="{group_url(world, other)}">&lt;b&gt;Bees&lt;/b&gt; &amp; Co</a>' in page
