import datetime as dt

import pytest
from django.urls import reverse

from groups.models import GroupMembership
from tests.factories import (
    PASSWORD,
    ActivityFactory,
    MeasureFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    SoundBiteFactory,
    UserFactory,
)
from tests.queries import MENU

pytestmark = pytest.mark.django_db


def home(world) -> str:
    return reverse("network_home", kwargs={"network_slug": world.network.slug})


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_home_shows_the_mission_to_everyone_in_the_network(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(home(world))
    assert response.status_code == 200
    assert world.network.mission in response.content.decode()


def test_home_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(home(world)).status_code == 404


def test_home_of_an_unknown_network_is_404(world, as_user):
    url = reverse("network_home", kwargs={"network_slug": "nowhere"})
    assert as_user(world.organiser).get(url).status_code == 404


def test_home_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(home(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_network_url_is_the_home(world):
    assert world.network.get_absolute_url() == f"/n/{world.network.slug}/"


def test_home_shows_vision_and_sound_bites_in_order(world, as_user):
    SoundBiteFactory(network=world.network, text="Second line", position=1)
    SoundBiteFactory(network=world.network, text="First line", position=0)
    body = as_user(world.member).get(home(world)).content.decode()
    assert world.network.vision in body
    assert body.index("First line") < body.index("Second line")


def test_home_shows_objectives_with_progress_and_status(world, as_user):
    objective = ObjectiveFactory(network=world.network, title="Grow peer learning")
    MeasureFactory(objective=objective, name="Courses taught", source="manual")
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Grow peer learning" in body
    assert "Courses taught" in body
    assert 'class="bar"' in body
    assert "status-" in body


def test_home_leaves_out_archived_objectives(world, as_user):
    ObjectiveFactory(network=world.network, title="Old goal", archived_at=dt.datetime.now(dt.UTC))
    assert "Old goal" not in as_user(world.member).get(home(world)).content.decode()


def test_home_shows_groups_with_their_gardeners(world, as_user):
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Founders Circle" in body
    assert "Gary Gardener" in body


def test_home_shows_the_ten_latest_activities(world, as_user):
    today = dt.date.today()
    for days in range(12):
        ActivityFactory(
            group=world.group,
            led_by=world.member,
            title=f"Meetup {days:02d}",
            occurred_on=today - dt.timedelta(days=days),
        )
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Meetup 00" in body and "Meetup 09" in body
    assert "Meetup 10" not in body and "Meetup 11" not in body


def test_home_does_not_show_another_networks_objectives_or_activities(world, as_user):
    ObjectiveFactory(network=world.other_network, title="Hilltop secret goal")
    other_group = PeerGroupFactory(network=world.other_network)
    ActivityFactory(group=other_group, title="Hilltop secret meeting")
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Hilltop secret" not in body


def test_empty_home_tells_an_organiser_what_to_do_first(world, as_user):
    world.network.mission = ""
    world.network.save()
    world.group.delete()
    body = as_user(world.organiser).get(home(world)).content.decode()
    assert "Start here: write the mission" in body
    assert "Set the first objective" in body
    assert "create the first group" in body


def test_empty_home_for_a_member_has_no_organiser_actions(world, as_user):
    world.network.mission = ""
    world.network.save()
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Set the first objective" not in body
    assert "Edit mission and vision" not in body
    assert "The organisers have not written the mission yet." in body


def test_organiser_sees_edit_buttons(world, as_user):
    body = as_user(world.organiser).get(home(world)).content.decode()
    assert "Edit mission and vision" in body
    assert reverse("networks:sound_bites", kwargs={"network_slug": world.network.slug}) in body


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_others_see_no_edit_buttons(world, as_user, persona):
    body = as_user(getattr(world, persona)).get(home(world)).content.decode()
    assert "Edit mission and vision" not in body
    assert "Edit sound bites" not in body


def test_home_shows_who_last_changed_the_mission(world, as_user):
    client = as_user(world.organiser)
    client.post(
        reverse("networks:mission_edit", kwargs={"network_slug": world.network.slug}),
        {"mission": "A brand new mission for 2030.", "vision": "Still the vision."},
    )
    body = as_user(world.member).get(home(world)).content.decode()
    assert "Mission last changed by Olive Organiser" in body


def _fill(world, groups: int, activities: int, objectives: int) -> None:
    for _ in range(groups):
        group = PeerGroupFactory(network=world.network)
        GroupMembership.objects.create(group=group, user=UserFactory(), role="gardener")
        for _ in range(activities):
            ActivityFactory(group=group, led_by=world.member)
    for _ in range(objectives):
        objective = ObjectiveFactory(network=world.network)
        MeasureFactory(objective=objective, source="manual")
        MeasureFactory(objective=objective, source="activity_count")
        SoundBiteFactory(network=world.network)


@pytest.mark.parametrize("size", [1, 6])
def test_home_runs_a_fixed_number_of_queries(world, as_user, django_assert_num_queries, size):
    _fill(world, groups=size, activities=size, objectives=size)
    client = as_user(world.member)
    client.get(home(world))  # warm the session
    # session, user, network, membership, group roles, sound bites, mission history,
    # objectives, their measures, manual values, whether anything is dated after today and
    # (nothing being) the activity counts' totals, groups, their
    # gardeners, activities
    with django_assert_num_queries(15 + MENU):
        client.get(home(world))


# after sign-in


def test_sign_in_lands_on_the_only_network(world, as_user):
    response = as_user(world.member).get(reverse("networks:home_redirect"))
    assert response.status_code == 302
    assert response["Location"] == home(world)


def test_login_form_leads_to_the_network_home(world, client):
    response = client.post(
        reverse("login"), {"username": world.member.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == home(world)


def test_a_person_in_several_networks_chooses_one(world, as_user):
    MembershipFactory(user=world.member, network=world.other_network)
    response = as_user(world.member).get(reverse("networks:home_redirect"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Riverside Makers" in body and "Hilltop Guild" in body


def test_the_switcher_lists_every_network_of_the_person(world, as_user):
    MembershipFactory(user=world.member, network=world.other_network)
    body = as_user(world.member).get(home(world)).content.decode()
    assert 'class="switcher"' in body
    assert world.other_network.get_absolute_url() in body


def test_the_switcher_is_not_offered_to_a_person_of_one_network(world, as_user):
    assert 'class="switcher"' not in as_user(world.member).get(home(world)).content.decode()


def test_a_site_admin_switches_between_every_network(world, as_user):
    body = as_user(world.admin).get(home(world)).content.decode()
    assert 'class="switcher"' in body
    assert world.other_network.get_absolute_url() in body


def test_a_person_in_no_network_is_told_to_ask_for_an_invitation(db, as_user):
    body = as_user(UserFactory()).get(reverse("networks:home_redirect")).content.decode()
    assert "not in a network yet" in body


def test_the_start_page_sends_anonymous_visitors_to_login(db, as_user):
    response = as_user(None).get(reverse("networks:home_redirect"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_shows_the_first_groups_and_links_to_all(world, as_user):
    from objectives.views import HOME_GROUPS

    body = as_user(world.member).get(home(world)).content.decode()
    assert "See every group" not in body
    for n in range(HOME_GROUPS):
        PeerGroupFactory(network=world.network, name=f"Circle {n:02d}")
    body = as_user(world.member).get(home(world)).content.decode()
    assert "See every group" in body
    assert "Circle 11" in body
    assert "Founders Circle" not in body  # the 13th by name
