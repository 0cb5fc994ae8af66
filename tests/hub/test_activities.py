import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Activity
from objectives.models import Contribution
from tests.factories import (
    ActivityFactory,
    MeasureFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, world, **kwargs) -> str:
    return reverse(f"groups:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


def create_url(world) -> str:
    return url("activity_create", world, group_slug="founders")


@pytest.fixture
def measure(world):
    objective = ObjectiveFactory(network=world.network, title="Reach more founders")
    return MeasureFactory(objective=objective, name="People reached", source="activity_sum")


def valid_data(world, **overrides) -> dict:
    data = {
        "kind": "meeting_hosted",
        "title": "Breakfast meetup",
        "occurred_on": world.network.today().isoformat(),
        "description": "Twelve founders swapped notes.",
        "participants": [world.member.pk, world.gardener.pk],
        "people_reached": "12",
    }
    data.update(overrides)
    return data


def stranger_in_network(world):
    person = UserFactory(name="Sam Stranger")
    MembershipFactory(user=person, network=world.network)
    return person


# logging an activity


@pytest.mark.parametrize("persona", ["member", "gardener", "organiser"])
def test_people_of_the_group_and_organisers_log_an_activity(world, as_user, persona):
    user = getattr(world, persona)
    response = as_user(user).post(create_url(world), valid_data(world))
    assert response.status_code == 302
    activity = Activity.objects.get(title="Breakfast meetup")
    assert (activity.group, activity.network, activity.led_by) == (world.group, world.network, user)
    assert set(activity.participants.all()) == {world.member, world.gardener}


def test_the_activity_records_how_much_it_advanced_a_measure(world, as_user, measure):
    as_user(world.member).post(
        create_url(world), valid_data(world, **{f"measure_{measure.pk}": "12.5"})
    )
    contribution = Contribution.objects.get()
    assert (contribution.measure, contribution.amount) == (measure, Decimal("12.5"))


def test_the_log_form_offers_the_networks_contribution_measures(world, as_user, measure):
    body = as_user(world.member).get(url("detail", world, group_slug="founders")).content.decode()
    assert f'name="measure_{measure.pk}"' in body


def test_logging_through_htmx_returns_the_activity_section_only(world, as_user):
    response = as_user(world.member).post(create_url(world), valid_data(world), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="activity-section"' in body
    assert "Logged “Breakfast meetup”" in body
    assert Activity.objects.filter(title="Breakfast meetup").exists()


def test_a_group_with_activities_fetches_the_log_form_when_it_is_opened(world, as_user, measure):
    ActivityFactory(group=world.group, led_by=world.member)
    body = as_user(world.member).get(url("detail", world, group_slug="founders")).content.decode()
    assert 'id="log-activity"' not in body and f'name="measure_{measure.pk}"' not in body
    assert f'hx-get="{create_url(world)}" hx-trigger="toggle once"' in body
    assert f'<a href="{create_url(world)}">' in body  # without JavaScript: the form's own page


def test_opening_the_log_form_through_htmx_returns_the_form_only(world, as_user, measure):
    ActivityFactory(group=world.group, led_by=world.member)
    response = as_user(world.member).get(create_url(world), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="activity-section"' not in body
    assert 'id="log-activity"' in body and f'hx-post="{create_url(world)}"' in body
    assert f'name="measure_{measure.pk}"' in body


def test_opening_the_log_form_through_htmx_is_refused_outside_the_group(world, as_user):
    response = as_user(stranger_in_network(world)).get(create_url(world), **HTMX)
    assert response.status_code == 403
    assert 'id="log-activity"' not in response.content.decode()


def test_the_log_page_works_without_javascript(world, as_user):
    response = as_user(world.member).get(create_url(world))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_network_member_outside_the_group_may_not_log_in_it(world, as_user):
    response = as_user(stranger_in_network(world)).post(create_url(world), valid_data(world))
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_logging_is_404_for_an_outsider(world, as_user):
    response = as_user(world.outsider).post(create_url(world), valid_data(world))
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_logging_in_another_networks_group_is_404(world, as_user):
    PeerGroupFactory(network=world.other_network, slug="theirs")
    response = as_user(world.organiser).post(
        url("activity_create", world, group_slug="theirs"), valid_data(world)
    )
    assert response.status_code == 404


def test_logging_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).post(create_url(world), valid_data(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


BAD_INPUT = {
    "empty title": ({"title": ""}, "Give the activity a title"),
    "blank title": ({"title": "   "}, "Give the activity a title"),
    "overlong title": ({"title": "x" * 201}, "at most 200 characters"),
    "negative people": ({"people_reached": "-1"}, "greater than or equal to 0"),
    "unknown kind": ({"kind": "party"}, "Select a valid choice"),
    "no date": ({"occurred_on": ""}, "This field is required"),
    "overlong description": ({"description": "d" * 4001}, "at most 4000 characters"),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(world, as_user, case):
    overrides, message = case
    response = as_user(world.member).post(create_url(world), valid_data(world, **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_a_future_date_is_refused(world, as_user):
    tomorrow = world.network.today() + dt.timedelta(days=1)
    response = as_user(world.member).post(
        create_url(world), valid_data(world, occurred_on=tomorrow.isoformat())
    )
    assert "cannot be in the future" in response.content.decode()
    assert not Activity.objects.exists()


def test_today_in_the_networks_time_zone_is_accepted(world, as_user):
    response = as_user(world.member).post(
        create_url(world), valid_data(world, occurred_on=world.network.today().isoformat())
    )
    assert response.status_code == 302


def test_a_participant_who_is_not_in_the_group_is_refused(world, as_user):
    stranger = stranger_in_network(world)
    response = as_user(world.member).post(
        create_url(world), valid_data(world, participants=[world.member.pk, stranger.pk])
    )
    assert response.status_code == 422
    assert "must be members of the group" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_negative_contribution_is_refused(world, as_user, measure):
    response = as_user(world.member).post(
        create_url(world), valid_data(world, **{f"measure_{measure.pk}": "-3"})
    )
    assert response.status_code == 422
    assert "greater than or equal to 0" in response.content.decode()
    assert not Activity.objects.exists()
    assert not Contribution.objects.exists()


def test_a_contribution_to_another_networks_measure_is_refused(world, as_user, measure):
    theirs = MeasureFactory(
        objective=ObjectiveFactory(network=world.other_network), source="activity_sum"
    )
    response = as_user(world.member).post(
        create_url(world), valid_data(world, **{f"measure_{theirs.pk}": "3"})
    )
    assert response.status_code == 422
    assert "this network&#x27;s measures" in response.content.decode()
    assert not Activity.objects.exists()


def test_bad_input_through_htmx_shows_the_errors_in_the_swapped_section(world, as_user):
    response = as_user(world.member).post(create_url(world), valid_data(world, title=""), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'class="error"' in body
    assert not Activity.objects.exists()


# editing


@pytest.fixture
def members_activity(world):
    activity = ActivityFactory(group=world.group, led_by=world.member, title="Member's meetup")
    activity.participants.add(world.member)
    return activity


@pytest.fixture
def gardeners_activity(world):
    return ActivityFactory(group=world.group, led_by=world.gardener, title="Gardener's course")


@pytest.mark.parametrize("persona", ["member", "gardener", "organiser"])
def test_the_leader_gardener_and_organiser_edit_an_activity(
    world, as_user, members_activity, persona
):
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    prefix = f"a{members_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world, title="Renamed").items()}
    response = as_user(getattr(world, persona)).post(edit, data)
    assert response.status_code == 302
    members_activity.refresh_from_db()
    assert members_activity.title == "Renamed"
    assert members_activity.led_by == world.member


def test_an_edit_without_javascript_returns_to_the_activitys_page(world, as_user, members_activity):
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    prefix = f"a{members_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world, title="Renamed").items()}
    response = as_user(world.member).post(edit, data)
    assert response["Location"] == url("activity", world, activity_id=members_activity.pk)


def test_a_member_may_not_edit_someone_elses_activity(world, as_user, gardeners_activity):
    edit = url("activity_edit", world, activity_id=gardeners_activity.pk)
    assert as_user(world.member).get(edit).status_code == 403
    prefix = f"a{gardeners_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world, title="Hijacked").items()}
    assert as_user(world.member).post(edit, data).status_code == 403
    gardeners_activity.refresh_from_db()
    assert gardeners_activity.title == "Gardener's course"


def test_editing_is_404_for_an_outsider(world, as_user, members_activity):
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    assert as_user(world.outsider).get(edit).status_code == 404


def test_another_networks_activity_is_404(world, as_user):
    theirs = ActivityFactory(group=PeerGroupFactory(network=world.other_network))
    edit = url("activity_edit", world, activity_id=theirs.pk)
    assert as_user(world.organiser).get(edit).status_code == 404


def test_edit_through_htmx_returns_the_form_then_the_card(world, as_user, members_activity):
    client = as_user(world.member)
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    form = client.get(edit, **HTMX).content.decode()
    assert form.startswith("\n<form") or form.lstrip().startswith("<form")
    assert "Member&#x27;s meetup" in form
    prefix = f"a{members_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world, title="Renamed").items()}
    card = client.post(edit, data, **HTMX).content.decode()
    assert card.lstrip().startswith("<article")
    assert "Renamed" in card and "Saved" in card


def test_bad_edit_through_htmx_returns_the_form_with_errors_and_changes_nothing(
    world, as_user, members_activity
):
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    prefix = f"a{members_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world, people_reached="-5").items()}
    body = as_user(world.member).post(edit, data, **HTMX).content.decode()
    assert body.lstrip().startswith("<form")
    assert "greater than or equal to 0" in body
    members_activity.refresh_from_db()
    assert members_activity.people_reached == 10


def test_editing_replaces_the_contributions(world, as_user, members_activity, measure):
    Contribution.objects.create(activity=members_activity, measure=measure, amount=5)
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    prefix = f"a{members_activity.pk}-"
    data = {prefix + k: v for k, v in valid_data(world).items()}
    data[f"{prefix}measure_{measure.pk}"] = ""
    as_user(world.member).post(edit, data)
    assert not Contribution.objects.exists()


def test_the_activity_link_returns_its_card_to_htmx(world, as_user, members_activity):
    card = url("activity", world, activity_id=members_activity.pk)
    body = as_user(world.member).get(card, **HTMX).content.decode()
    assert body.lstrip().startswith("<article")


@pytest.mark.parametrize("persona", ["member", "gardener", "organiser"])
def test_the_activity_link_opens_the_activity_page(world, as_user, members_activity, persona):
    page = url("activity", world, activity_id=members_activity.pk)
    response = as_user(getattr(world, persona)).get(page)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert f'id="activity-{members_activity.pk}"' in body


def test_the_activity_page_shows_an_activity_the_group_page_no_longer_lists(
    world, as_user, members_activity
):
    day = members_activity.occurred_on
    ActivityFactory.create_batch(
        10, group=world.group, led_by=world.gardener, occurred_on=day + dt.timedelta(days=1)
    )
    group_page = as_user(world.member).get(url("detail", world, group_slug="founders"))
    assert "Member&#x27;s meetup" not in group_page.content.decode()
    page = as_user(world.member).get(url("activity", world, activity_id=members_activity.pk))
    assert "Member&#x27;s meetup" in page.content.decode()


def test_the_activity_page_is_404_for_an_outsider(world, as_user, members_activity):
    page = url("activity", world, activity_id=members_activity.pk)
    assert as_user(world.outsider).get(page).status_code == 404


def test_the_activity_page_sends_anonymous_visitors_to_login(world, as_user, members_activity):
    response = as_user(None).get(url("activity", world, activity_id=members_activity.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_activity_card_links_to_its_page(world, as_user, members_activity):
    body = as_user(world.member).get(url("detail", world, group_slug="founders")).content.decode()
    assert f'href="{url("activity", world, activity_id=members_activity.pk)}"' in body


@pytest.mark.parametrize("page", ["detail", "activities"])
def test_a_cards_links_are_those_reverse_gives(world, as_user, members_activity, page):
    # The cards' links are reversed once a page, the id put in afterwards (hub.views._CardLinks).
    world.network.slug = "riverside-2024"  # digits in the slug stay as they are
    world.network.save()
    kwargs = {"group_slug": "founders"} if page == "detail" else {}
    body = as_user(world.member).get(url(page, world, **kwargs)).content.decode()
    card = body[body.index(f'id="activity-{members_activity.pk}"') :]
    card = card[: card.index("</article>")]
    for name in ("activity", "activity_edit", "activity_delete"):
        assert f'href="{url(name, world, activity_id=members_activity.pk)}"' in card or (
            f'action="{url(name, world, activity_id=members_activity.pk)}"' in card
        )
    assert f'href="{url("detail", world, group_slug="founders")}"' in card


# what the activity will count toward


@pytest.fixture
def counting(world):
    objective = ObjectiveFactory(network=world.network, title="Share knowledge")
    return {
        "meetings": MeasureFactory(
            objective=objective,
            name="Meetings hosted",
            source="activity_count",
            activity_kinds=["meeting_hosted"],
        ),
        "courses": MeasureFactory(
            objective=objective,
            name="Courses taught",
            source="activity_count",
            activity_kinds=["course_taught"],
        ),
        "anything": MeasureFactory(
            objective=objective, name="Things done", source="activity_count", activity_kinds=[]
        ),
    }


def counts_toward(body: str) -> str:
    start = body.index("Counts toward")
    return body[start : body.index("</ul>", start)]


def test_the_log_form_lists_every_count_measure_with_the_kinds_it_counts(world, as_user, counting):
    body = as_user(world.member).get(create_url(world)).content.decode()
    listed = counts_toward(body)
    assert 'Meetings hosted <span class="muted">(Share knowledge) · Meeting hosted' in listed
    assert "Courses taught" in listed
    assert 'Things done <span class="muted">(Share knowledge) · any kind' in listed


def test_the_edit_form_lists_only_the_count_measures_of_the_activitys_kind(
    world, as_user, counting, members_activity
):
    edit = url("activity_edit", world, activity_id=members_activity.pk)
    listed = counts_toward(as_user(world.member).get(edit).content.decode())
    assert "Meetings hosted" in listed
    assert "Things done" in listed
    assert "Courses taught" not in listed


def test_a_refused_form_lists_the_count_measures_of_the_posted_kind(world, as_user, counting):
    data = valid_data(world, kind="course_taught", title="")
    listed = counts_toward(as_user(world.member).post(create_url(world), data).content.decode())
    assert "Courses taught" in listed
    assert "Meetings hosted" not in listed


def test_the_kind_select_asks_for_the_list_of_its_kind(world, as_user, counting):
    body = as_user(world.member).get(create_url(world)).content.decode()
    assert f'hx-get="{url("activity_counts", world)}?prefix="' in body
    assert 'hx-target="#id_counts_toward"' in body


def test_the_counts_endpoint_lists_the_count_measures_of_the_chosen_kind(world, as_user, counting):
    counts = url("activity_counts", world)
    response = as_user(world.member).get(
        counts, {"prefix": "a7", "a7-kind": "course_taught"}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="field counts-toward" id="id_a7-counts_toward"')
    assert "Courses taught" in body
    assert "Things done" in body
    assert "Meetings hosted" not in body


def test_the_counts_endpoint_is_404_for_an_outsider(world, as_user, counting):
    counts = url("activity_counts", world)
    assert as_user(world.outsider).get(counts, {"kind": "course_taught"}).status_code == 404


def test_the_form_lists_no_count_measures_of_archived_objectives_or_other_networks(world, as_user):
    archived = ObjectiveFactory(network=world.network, archived_at=timezone.now())
    MeasureFactory(objective=archived, name="Old count", source="activity_count")
    theirs = ObjectiveFactory(network=world.other_network)
    MeasureFactory(objective=theirs, name="Their count", source="activity_count")
    body = as_user(world.member).get(create_url(world)).content.decode()
    assert "Counts toward" not in body


# deleting


def test_the_leader_deletes_an_activity_in_place(world, as_user, members_activity):
    delete = url("activity_delete", world, activity_id=members_activity.pk)
    response = as_user(world.member).post(delete, **HTMX)
    assert "Deleted “Member&#x27;s meetup”" in response.content.decode()
    assert not Activity.objects.exists()


def test_delete_without_javascript_confirms_then_redirects(world, as_user, members_activity):
    delete = url("activity_delete", world, activity_id=members_activity.pk)
    client = as_user(world.gardener)
    assert "Delete “" in client.get(delete).content.decode()
    assert Activity.objects.exists()
    response = client.post(delete)
    assert response.status_code == 302
    assert not Activity.objects.exists()


def test_a_member_may_not_delete_someone_elses_activity(world, as_user, gardeners_activity):
    delete = url("activity_delete", world, activity_id=gardeners_activity.pk)
    assert as_user(world.member).post(delete).status_code == 403
    assert Activity.objects.exists()


def test_deleting_is_404_for_an_outsider(world, as_user, members_activity):
    delete = url("activity_delete", world, activity_id=members_activity.pk)
    assert as_user(world.outsider).post(delete).status_code == 404
    assert Activity.objects.exists()


def test_deleting_sends_anonymous_visitors_to_login(world, as_user, members_activity):
    delete = url("activity_delete", world, activity_id=members_activity.pk)
    assert as_user(None).post(delete).status_code == 302
    assert Activity.objects.exists()


def test_the_first_field_to_fix_gets_the_focus(world, as_user):
    response = as_user(world.member).post(
        create_url(world), valid_data(world, title="", people_reached="-1"), **HTMX
    )
    body = response.content.decode()
    title_input = body[body.index('name="title"') - 200 : body.index('name="title"') + 200]
    assert "autofocus" in title_input
    assert body.count("autofocus") == 1
