import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from networks.policy import Access, network_access, visible_networks
from tests.factories import ActivityFactory, MembershipFactory, PeerGroupFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def access_for(user, network):
    request = RequestFactory().get("/")
    request.user = user
    return network_access(request, network.slug)[1]


def test_organiser_may_edit_the_network(world):
    assert access_for(world.organiser, world.network).can_edit_network


def test_member_may_not_edit_the_network(world):
    assert not access_for(world.member, world.network).can_edit_network


def test_gardener_may_not_manage_objectives(world):
    assert not access_for(world.gardener, world.network).can_manage_objectives


def test_site_admin_sees_every_network(world):
    assert access_for(world.admin, world.other_network).is_organiser


def test_outsider_gets_404_not_403(world):
    request = RequestFactory().get("/")
    request.user = world.outsider
    with pytest.raises(Http404):
        network_access(request, world.network.slug)


def test_unknown_network_is_404(world):
    request = RequestFactory().get("/")
    request.user = world.organiser
    with pytest.raises(Http404):
        network_access(request, "no-such-network")


def test_visible_networks_lists_only_own(world):
    assert list(visible_networks(world.outsider)) == [world.other_network]


def test_gardener_manages_own_group(world):
    assert access_for(world.gardener, world.network).can_manage_group(world.group)


def test_gardener_does_not_manage_other_group(world):
    other = PeerGroupFactory(network=world.network)
    assert not access_for(world.gardener, world.network).can_manage_group(other)


def test_member_may_log_activity_in_own_group(world):
    assert access_for(world.member, world.network).can_log_activity(world.group)


def test_member_may_not_log_activity_in_other_group(world):
    other = PeerGroupFactory(network=world.network)
    assert not access_for(world.member, world.network).can_log_activity(other)


def test_member_edits_own_activity(world):
    activity = ActivityFactory(group=world.group, led_by=world.member)
    assert access_for(world.member, world.network).can_edit_activity(activity)


def test_member_may_not_edit_anothers_activity(world):
    activity = ActivityFactory(group=world.group, led_by=world.gardener)
    assert not access_for(world.member, world.network).can_edit_activity(activity)


def test_gardener_edits_any_activity_of_the_group(world):
    activity = ActivityFactory(group=world.group, led_by=world.member)
    assert access_for(world.gardener, world.network).can_edit_activity(activity)


def test_access_ignores_objects_of_another_network(world):
    foreign = PeerGroupFactory(network=world.other_network)
    assert not access_for(world.organiser, world.network).can_manage_group(foreign)


def test_member_sees_own_group_reports(world):
    assert access_for(world.member, world.network).can_see_group_reports(world.group)


def test_member_does_not_see_other_group_reports(world):
    other = PeerGroupFactory(network=world.network)
    assert not access_for(world.member, world.network).can_see_group_reports(other)


def test_referral_is_private_to_its_people(world):
    referral = ReferralFactory(group=world.group, referrer=world.gardener)
    assert not access_for(world.member, world.network).can_see_referral(referral)


def test_receiver_sees_the_referral(world):
    referral = ReferralFactory(group=world.group, receiver=world.member)
    assert access_for(world.member, world.network).can_see_referral(referral)


def test_require_raises_permission_denied(world):
    with pytest.raises(PermissionDenied):
        access_for(world.member, world.network).require(False)


def test_anonymous_has_no_access(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Access.load(AnonymousUser(), world.network).is_member


def test_access_loads_in_two_queries(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        Access.load(world.gardener, world.network)


def test_anonymous_visitor_is_sent_to_login(world, client):
    response = client.get(world.network.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_outsider_gets_404_page(world, as_user):
    response = as_user(world.outsider).get(world.network.get_absolute_url())
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_every_role_reaches_the_network_home(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(world.network.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member"])
def test_a_member_may_choose_report_delivery(world, persona):
    assert access_for(getattr(world, persona), world.network).can_choose_report_delivery


def test_a_site_admin_outside_the_network_may_not_choose_report_delivery(world):
    assert not access_for(world.admin, world.network).can_choose_report_delivery


@pytest.mark.parametrize("persona", ["organiser", "admin"])
def test_organisers_see_the_reports_of_every_active_group(world, persona):
    other = PeerGroupFactory(network=world.network, name="Green Teachers")
    PeerGroupFactory(network=world.network, name="Old Group", archived_at="2026-01-01T00:00Z")
    groups = access_for(getattr(world, persona), world.network).groups_with_visible_reports
    assert list(groups) == [world.group, other]


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_group_members_see_the_reports_of_their_own_groups(world, persona):
    PeerGroupFactory(network=world.network, name="Green Teachers")
    groups = access_for(getattr(world, persona), world.network).groups_with_visible_reports
    assert list(groups) == [world.group]


# ---------------------------------------------------------------- the menu's answers


def test_a_member_of_an_active_cng_has_a_referral_board(world):
    cng = PeerGroupFactory(network=world.network, is_cng=True)
    cng.memberships.create(user=world.member, role="member")
    assert access_for(world.member, world.network).has_referral_boards


def test_a_member_of_no_cng_has_no_referral_board(world):
    PeerGroupFactory(network=world.network, is_cng=True)
    assert not access_for(world.member, world.network).has_referral_boards


def test_an_archived_cng_is_no_referral_board(world):
    cng = PeerGroupFactory(network=world.network, is_cng=True, archived_at=timezone.now())
    cng.memberships.create(user=world.member, role="member")
    assert not access_for(world.member, world.network).has_referral_boards


def test_an_organiser_has_a_referral_board_when_the_network_has_a_cng(world):
    assert not access_for(world.organiser, world.network).has_referral_boards
    PeerGroupFactory(network=world.network, is_cng=True)
    assert access_for(world.organiser, world.network).has_referral_boards


def test_an_organisers_archived_cng_is_no_referral_board(world):
    PeerGroupFactory(network=world.network, is_cng=True, archived_at=timezone.now())
    assert not access_for(world.organiser, world.network).has_referral_boards


def test_another_networks_cng_is_no_referral_board_for_an_organiser(world):
    PeerGroupFactory(network=world.other_network, is_cng=True)
    MembershipFactory(user=world.organiser, network=world.other_network)
    assert not access_for(world.organiser, world.network).has_referral_boards


def test_an_organisers_referral_board_is_read_with_the_roles(world, django_assert_num_queries):
    PeerGroupFactory(network=world.network, is_cng=True)
    access = access_for(world.organiser, world.network)
    with django_assert_num_queries(0):
        assert access.has_referral_boards


def test_an_organisers_network_without_a_cng_is_answered_with_the_roles(
    world, django_assert_num_queries
):
    access = access_for(world.organiser, world.network)
    with django_assert_num_queries(0):
        assert not access.has_referral_boards


def test_a_site_admin_who_is_a_member_is_told_of_the_referral_board_from_the_roles(
    world, django_assert_num_queries
):
    MembershipFactory(user=world.admin, network=world.network, role="member")
    PeerGroupFactory(network=world.network, is_cng=True)
    access = access_for(world.admin, world.network)
    with django_assert_num_queries(0):
        assert access.has_referral_boards


def test_a_site_admin_outside_the_network_is_told_of_its_referral_board(world):
    PeerGroupFactory(network=world.other_network, is_cng=True)
    assert access_for(world.admin, world.other_network).has_referral_boards
    assert not access_for(world.admin, world.network).has_referral_boards


def test_a_person_of_one_network_belongs_nowhere_else(world):
    assert access_for(world.member, world.network).belongs_elsewhere is False


def test_a_person_of_two_networks_belongs_elsewhere(world):
    MembershipFactory(user=world.member, network=world.other_network)
    assert access_for(world.member, world.network).belongs_elsewhere is True


def test_a_site_admin_may_switch_to_any_network(world):
    assert access_for(world.admin, world.network).belongs_elsewhere is True
