import pytest
from django.urls import reverse

from groups.models import GroupMembership
from tests.factories import (
    ActivityFactory,
    GroupMembershipFactory,
    MembershipFactory,
    PeerGroupFactory,
    ReferralFactory,
    UserFactory,
)
from tests.queries import MENU

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def directory(world) -> str:
    return reverse("members:list", kwargs={"network_slug": world.network.slug})


def profile(world, user) -> str:
    return reverse(
        "members:detail", kwargs={"network_slug": world.network.slug, "user_id": user.pk}
    )


# directory


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_directory_lists_the_networks_members(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(directory(world))
    body = response.content.decode()
    assert response.status_code == 200
    for name in ["Olive Organiser", "Gary Gardener", "Mia Member"]:
        assert name in body
    assert "Otto Outsider" not in body


def test_directory_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(directory(world)).status_code == 404


def test_directory_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(directory(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_directory_shows_organisation_sector_expertise_and_groups(world, as_user):
    world.member.organisation = "Mill Street Accountants"
    world.member.sector = "Finance"
    world.member.expertise = "Charity tax"
    world.member.save()
    body = as_user(world.gardener).get(directory(world)).content.decode()
    for text in ["Mill Street Accountants", "Finance", "Charity tax", "Founders Circle"]:
        assert text in body


def test_directory_does_not_show_groups_of_another_network(world, as_user):
    other_group = PeerGroupFactory(network=world.other_network, name="Hilltop Secret Circle")
    MembershipFactory(user=world.member, network=world.other_network)
    GroupMembershipFactory(group=other_group, user=world.member)
    body = as_user(world.organiser).get(directory(world)).content.decode()
    assert "Hilltop Secret Circle" not in body


def test_a_person_in_two_networks_shows_their_role_in_this_one(world, as_user):
    MembershipFactory(user=world.member, network=world.other_network, role="organiser")
    body = as_user(world.organiser).get(directory(world)).content.decode()
    assert body.count("Mia Member") == 1
    assert body.count('<span class="badge">Organiser</span>') == 1  # Olive only


@pytest.mark.parametrize(
    "query, found, missing",
    [
        ("mia", "Mia Member", "Gary Gardener"),
        ("Riverside College", "Mia Member", "Gary Gardener"),
        ("health", "Mia Member", "Gary Gardener"),
        ("bookkeeping", "Mia Member", "Gary Gardener"),
        ("mia bookkeeping", "Mia Member", "Gary Gardener"),
    ],
)
def test_search_matches_name_organisation_sector_and_expertise(
    world, as_user, query, found, missing
):
    world.member.organisation = "Riverside College"
    world.member.sector = "Health"
    world.member.expertise = "Bookkeeping"
    world.member.save()
    body = as_user(world.organiser).get(directory(world), {"q": query}).content.decode()
    assert found in body
    assert missing not in body


def test_search_with_no_match_says_so(world, as_user):
    body = as_user(world.organiser).get(directory(world), {"q": "zzzz"}).content.decode()
    assert "Nobody matches" in body


def test_search_under_htmx_returns_only_the_results(world, as_user):
    response = as_user(world.organiser).get(directory(world), {"q": "mia"}, **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="results"' in body
    assert "Mia Member" in body


def test_directory_is_paginated(world, as_user):
    for n in range(30):
        MembershipFactory(user=UserFactory(name=f"Zed {n:02d}"), network=world.network)
    client = as_user(world.organiser)
    first = client.get(directory(world)).content.decode()
    second = client.get(directory(world), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert "Zed 29" not in first
    assert "Zed 29" in second


def test_directory_page_links_keep_the_search(world, as_user):
    for n in range(30):
        MembershipFactory(user=UserFactory(name=f"Zed {n:02d}"), network=world.network)
    body = as_user(world.organiser).get(directory(world), {"q": "Zed"}).content.decode()
    assert 'href="?q=Zed&amp;page=2"' in body


def test_directory_page_links_keep_the_search_under_htmx(world, as_user):
    for n in range(30):
        MembershipFactory(user=UserFactory(name=f"Zed {n:02d}"), network=world.network)
    client = as_user(world.organiser)
    body = client.get(directory(world), {"q": "Zed", "page": 2}, **HX).content.decode()
    assert 'href="?q=Zed&amp;page=1"' in body


def _fill(world, people: int) -> None:
    groups = [PeerGroupFactory(network=world.network) for _ in range(3)]
    for _ in range(people):
        person = UserFactory()
        MembershipFactory(user=person, network=world.network)
        for group in groups:
            GroupMembership.objects.create(group=group, user=person)


@pytest.mark.parametrize("people", [2, 40])
def test_directory_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, people
):
    _fill(world, people)
    client = as_user(world.member)
    client.get(directory(world))
    # session, user, network, membership, group roles, count, page, groups of the page
    with django_assert_num_queries(8 + MENU):
        client.get(directory(world), {"q": "person"})


# profile


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_profile_is_visible_to_everyone_in_the_network(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(profile(world, world.member))
    assert response.status_code == 200
    assert "Mia Member" in response.content.decode()


def test_profile_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(profile(world, world.member)).status_code == 404


def test_profile_of_someone_outside_the_network_is_404(world, as_user):
    assert as_user(world.organiser).get(profile(world, world.outsider)).status_code == 404


def test_profile_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(profile(world, world.member))
    assert response.status_code == 302


def test_profile_shows_what_they_have_done_and_their_groups(world, as_user):
    ActivityFactory(group=world.group, led_by=world.member, title="Bookkeeping basics")
    joined = ActivityFactory(group=world.group, led_by=world.gardener, title="Legal clinic")
    joined.participants.add(world.member)
    body = as_user(world.gardener).get(profile(world, world.member)).content.decode()
    assert "Bookkeeping basics" in body
    assert "Legal clinic" in body
    assert "Founders Circle" in body


def test_profile_leaves_out_another_networks_activities(world, as_user):
    MembershipFactory(user=world.member, network=world.other_network)
    other_group = PeerGroupFactory(network=world.other_network)
    ActivityFactory(group=other_group, led_by=world.member, title="Hilltop secret")
    body = as_user(world.organiser).get(profile(world, world.member)).content.decode()
    assert "Hilltop secret" not in body


def test_profile_counts_referrals_made_and_served_without_naming_clients(world, as_user):
    group = PeerGroupFactory(network=world.network, is_cng=True)
    served = ReferralFactory(group=group, referrer=world.member, receiver=world.gardener)
    served.served_on = served.made_on
    served.save()
    ReferralFactory(group=group, referrer=world.member, receiver=world.gardener)
    body = as_user(world.organiser).get(profile(world, world.member)).content.decode()
    assert "<strong>2</strong> referrals made" in body
    assert "<strong>1</strong> client served" in body
    assert served.client.name not in body
