import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from hub.views import activity_filters, filtered_activities
from tests.factories import (
    ActivityFactory,
    ContributionFactory,
    GroupMembershipFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
)
from tests.queries import MENU

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def list_url(world) -> str:
    return reverse("groups:activities", kwargs={"network_slug": world.network.slug})


def titles(response) -> set[str]:
    return {activity.title for activity in response.context["page"]}


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_the_log_lists_the_networks_activities_for_everyone_in_it(world, as_user, persona):
    ActivityFactory(group=world.group, led_by=world.member, title="Breakfast meetup")
    ActivityFactory(group=PeerGroupFactory(network=world.other_network), title="Elsewhere")
    response = as_user(getattr(world, persona)).get(list_url(world))
    assert response.status_code == 200
    assert titles(response) == {"Breakfast meetup"}


def test_the_log_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(list_url(world)).status_code == 404


def test_the_log_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(list_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_empty_log_says_how_activities_get_there(world, as_user):
    body = as_user(world.organiser).get(list_url(world)).content.decode()
    assert "No activities yet" in body


def test_filters_by_kind(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, kind="blog_written", title="Blog")
    ActivityFactory(group=world.group, led_by=world.member, kind="course_taught", title="Course")
    response = as_user(world.member).get(list_url(world), {"kind": "blog_written"})
    assert titles(response) == {"Blog"}


def test_filters_by_date_range_including_both_ends(world, as_user):
    for day in (1, 10, 20, 30):
        ActivityFactory(
            group=world.group,
            led_by=world.member,
            occurred_on=dt.date(2026, 9, day),
            title=str(day),
        )
    response = as_user(world.member).get(
        list_url(world), {"start": "2026-09-10", "end": "2026-09-20"}
    )
    assert titles(response) == {"10", "20"}


def test_a_range_ending_before_it_starts_is_explained(world, as_user):
    response = as_user(world.member).get(
        list_url(world), {"start": "2026-09-20", "end": "2026-09-10"}
    )
    assert "before its start" in response.content.decode()


def test_filters_by_group(world, as_user):
    other = PeerGroupFactory(network=world.network, slug="makers")
    ActivityFactory(group=world.group, led_by=world.member, title="Ours")
    ActivityFactory(group=other, led_by=world.member, title="Makers'")
    response = as_user(world.member).get(list_url(world), {"group": "makers"})
    assert titles(response) == {"Makers'"}


def test_filters_by_objective_through_the_measures_advanced(world, as_user):
    objective = ObjectiveFactory(network=world.network)
    measure = MeasureFactory(objective=objective, source="activity_sum")
    advancing = ActivityFactory(group=world.group, led_by=world.member, title="Advancing")
    ContributionFactory(activity=advancing, measure=measure)
    ContributionFactory(
        activity=advancing,
        measure=MeasureFactory(objective=objective, source="activity_sum"),
    )
    ActivityFactory(group=world.group, led_by=world.member, title="Unrelated")
    response = as_user(world.member).get(list_url(world), {"objective": objective.pk})
    assert [a.title for a in response.context["page"]] == ["Advancing"]


def test_filters_by_member_led_or_took_part(world, as_user):
    led = ActivityFactory(group=world.group, led_by=world.member, title="Led")
    joined = ActivityFactory(group=world.group, led_by=world.gardener, title="Joined")
    joined.participants.add(world.member, world.gardener)
    led.participants.add(world.member)
    ActivityFactory(group=world.group, led_by=world.gardener, title="Not hers")
    response = as_user(world.organiser).get(list_url(world), {"member": world.member.pk})
    assert [a.title for a in response.context["page"]] == ["Joined", "Led"] or titles(response) == {
        "Led",
        "Joined",
    }
    assert len(response.context["page"]) == 2


def test_is_paginated_by_25(world, as_user):
    for _ in range(30):
        ActivityFactory(group=world.group, led_by=world.member)
    client = as_user(world.member)
    first = client.get(list_url(world))
    second = client.get(list_url(world), {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert "Page 1 of 2" in first.content.decode()


def test_pagination_links_keep_the_filters(world, as_user):
    for _ in range(30):
        ActivityFactory(group=world.group, led_by=world.member, kind="blog_written")
    body = as_user(world.member).get(list_url(world), {"kind": "blog_written"}).content.decode()
    assert "?kind=blog_written&amp;page=2" in body


def test_htmx_filtering_returns_only_the_results(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, title="Breakfast meetup")
    response = as_user(world.member).get(list_url(world), {"kind": "meeting_hosted"}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert "Breakfast meetup" in body


def test_htmx_results_fill_the_results_section_without_nesting_it(world, as_user):
    # The filters and the page links swap the answer into #results (innerHTML): an answer
    # holding #results itself put a second one inside the first at each filtering.
    for _ in range(30):
        ActivityFactory(group=world.group, led_by=world.member)
    client = as_user(world.member)
    page = client.get(list_url(world)).content.decode()
    assert page.count('id="results"') == 1
    assert page.count('hx-target="#results"') == 2  # the filters and "Older →"
    partial = client.get(list_url(world), {"page": 2}, **HTMX).content.decode()
    assert 'id="results"' not in partial and "Newer" in partial


def test_rows_offer_edit_only_where_the_person_may_edit(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, title="Hers")
    ActivityFactory(group=world.group, led_by=world.gardener, title="His")
    response = as_user(world.member).get(list_url(world))
    editable = {a.title: a.editable for a in response.context["page"]}
    assert editable == {"Hers": True, "His": False}


def _add_activities(world, count: int) -> None:
    objective = ObjectiveFactory(network=world.network)
    measure = MeasureFactory(objective=objective, source="activity_sum")
    for i in range(count):
        group = PeerGroupFactory(network=world.network) if i % 5 == 0 else world.group
        GroupMembershipFactory(group=group, user=world.member) if group != world.group else None
        activity = ActivityFactory(group=group, led_by=world.member)
        activity.participants.add(world.member, world.gardener)
        ContributionFactory(activity=activity, measure=measure)


# session, user, network, membership, group roles,
# filter choices (groups, objectives), count, page, participants, contributions with
# their measures. The member filter searches as you type: no list of every member.
LIST_QUERIES = 11
# ...and, filtered by a member, that member looked up to check the id and again to show
# them as chosen.
FILTERED_LIST_QUERIES = 13
# the same first five, the group with its member and gardener counts, recent
# activities with participants, contributions with their measures, reports, a page of
# members and the invitations. The log form is fetched when opened (its measures are not
# read with the page); the add-member field searches as you type: it lists nobody.
GROUP_PAGE_QUERIES = 12


@pytest.mark.parametrize("count", [3, 60])
def test_the_log_runs_a_fixed_number_of_queries(world, as_user, django_assert_num_queries, count):
    _add_activities(world, count)
    client = as_user(world.member)
    with django_assert_num_queries(LIST_QUERIES + MENU):
        response = client.get(list_url(world))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 60])
def test_the_filtered_log_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, count
):
    _add_activities(world, count)
    client = as_user(world.organiser)
    params = {"member": world.member.pk, "kind": "meeting_hosted", "start": "2020-01-01"}
    with django_assert_num_queries(FILTERED_LIST_QUERIES + MENU):
        client.get(list_url(world), params)


@pytest.mark.parametrize("count", [3, 40])
def test_the_group_page_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, count
):
    _add_activities(world, count)
    client = as_user(world.gardener)
    group_url = reverse(
        "groups:detail", kwargs={"network_slug": "riverside", "group_slug": "founders"}
    )
    client.get(group_url)
    with django_assert_num_queries(GROUP_PAGE_QUERIES + MENU):
        client.get(group_url)


@pytest.mark.parametrize(
    "params",
    [{}, {"kind": "blog_written"}, {"group": "founders"}, {"start": "2020-01-01"}],
)
def test_the_logs_total_equals_the_activities_it_lists(world, as_user, params):
    other = PeerGroupFactory(network=world.network, slug="others")
    for i in range(4):
        ActivityFactory(group=world.group, led_by=world.member, kind="blog_written")
        ActivityFactory(group=other, led_by=world.member, kind=("meeting_hosted", "other")[i % 2])
    response = as_user(world.member).get(list_url(world), params)
    expected = filtered_activities(
        world.network, activity_filters(world.network, QueryDict(urlencode(params)), [])
    ).count()
    assert response.context["page"].paginator.count == expected


def test_the_log_menu_links_to_the_groups_the_person_may_log_in(world, as_user):
    PeerGroupFactory(network=world.network, name="Makers <&> Co", slug="makers")
    create = reverse(
        "groups:activity_create", kwargs={"network_slug": "riverside", "group_slug": "makers"}
    )
    organisers = as_user(world.organiser).get(list_url(world)).content.decode()
    assert f'<li><a href="{create}">in Makers &lt;&amp;&gt; Co</a></li>' in organisers
    members = as_user(world.member).get(list_url(world)).content.decode()
    assert create not in members and "in Founders Circle</a>" in members
