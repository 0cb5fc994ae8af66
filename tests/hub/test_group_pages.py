import pytest
from django.urls import reverse

from groups.models import GroupMembership, PeerGroup
from networks.models import Invitation
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    UserFactory,
)
from tests.queries import MENU

pytestmark = pytest.mark.django_db


def url(name: str, world, **kwargs) -> str:
    return reverse(f"groups:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


# group list


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_group_list_shows_groups_to_everyone_in_the_network(world, as_user, persona):
    response = as_user(getattr(world, persona)).get(url("list", world))
    assert response.status_code == 200
    assert "Founders Circle" in response.content.decode()


def test_group_list_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(url("list", world)).status_code == 404


def test_group_list_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(url("list", world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_group_list_shows_gardeners(world, as_user):
    body = as_user(world.member).get(url("list", world)).content.decode()
    assert "Gary Gardener" in body


def test_empty_group_list_tells_an_organiser_to_create_the_first_group(world, as_user):
    PeerGroup.objects.all().delete()
    body = as_user(world.organiser).get(url("list", world)).content.decode()
    assert "Create your first group" in body


def test_empty_group_list_tells_a_member_who_creates_groups(world, as_user):
    PeerGroup.objects.all().delete()
    body = as_user(world.member).get(url("list", world)).content.decode()
    assert "Create your first group" not in body
    assert "An organiser" in body


def test_group_list_runs_the_same_queries_for_few_and_many_groups(
    world, as_user, django_assert_num_queries
):
    # session, user, network, membership, group roles, the count for the pages,
    # the page's groups with their counts, their gardeners.
    client = as_user(world.member)
    with django_assert_num_queries(8 + MENU):
        client.get(url("list", world))
    for _ in range(40):
        group = PeerGroupFactory(network=world.network)
        GroupMembership.objects.create(group=group, user=world.gardener, role="gardener")
    with django_assert_num_queries(8 + MENU):
        client.get(url("list", world))


def test_group_list_shows_a_page_of_groups_with_links_to_the_others(world, as_user):
    for i in range(30):
        PeerGroupFactory(network=world.network, name=f"Zinnia {i:02d}")
    client = as_user(world.member)
    first = client.get(url("list", world)).content.decode()
    assert "Founders Circle" in first
    assert "Zinnia 23" in first and "Zinnia 24" not in first
    assert "Page 1 of 2" in first and "31 groups" in first
    second = client.get(url("list", world), {"page": 2}).content.decode()
    assert "Zinnia 24" in second and "Founders Circle" not in second


def test_group_list_search_finds_groups_by_name_or_purpose(world, as_user):
    PeerGroupFactory(network=world.network, name="Tide Watchers", purpose="Clean the estuary.")
    client = as_user(world.member)
    body = client.get(url("list", world), {"q": "estuary"}).content.decode()
    assert "Tide Watchers" in body and "Founders Circle" not in body
    assert "1 group matching" in body


def test_group_list_search_without_matches_says_so(world, as_user):
    body = as_user(world.member).get(url("list", world), {"q": "zebra"}).content.decode()
    assert "No groups match" in body
    assert "Create your first group" not in body


def test_group_list_search_from_htmx_answers_with_the_results_only(world, as_user):
    response = as_user(world.member).get(
        url("list", world), {"q": "found"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Founders Circle" in body and "<html" not in body


# create and edit


def test_organiser_sees_the_create_form(world, as_user):
    assert as_user(world.organiser).get(url("create", world)).status_code == 200


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_others_in_the_network_may_not_create_groups(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(url("create", world)).status_code == 403
    assert client.post(url("create", world), {"name": "X", "kind": "business"}).status_code == 403
    assert not PeerGroup.objects.filter(name="X").exists()


def test_create_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(url("create", world)).status_code == 404


def test_create_sends_anonymous_visitors_to_login(world, as_user):
    assert as_user(None).get(url("create", world)).status_code == 302


def test_organiser_creates_a_group_with_a_slug_made_from_its_name(world, as_user):
    response = as_user(world.organiser).post(
        url("create", world),
        {"name": "Green Builders", "kind": "business", "purpose": "Build green.", "is_cng": "on"},
    )
    group = PeerGroup.objects.get(network=world.network, name="Green Builders")
    assert group.slug == "green-builders"
    assert group.is_cng
    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()


def test_a_name_whose_slug_is_taken_is_refused_with_a_clear_message(world, as_user):
    response = as_user(world.organiser).post(
        url("create", world), {"name": "Founders", "kind": "business"}
    )
    assert response.status_code == 200
    assert "already exists in this network" in response.content.decode()
    assert PeerGroup.objects.filter(network=world.network).count() == 1


def test_the_same_slug_is_fine_in_another_network(world, as_user):
    PeerGroupFactory(network=world.other_network, slug="green-builders")
    as_user(world.organiser).post(url("create", world), {"name": "Green Builders", "kind": "other"})
    assert PeerGroup.objects.filter(network=world.network, slug="green-builders").exists()


@pytest.mark.parametrize("name", ["New", "Activities"])
def test_names_that_clash_with_the_groups_urls_are_refused(world, as_user, name):
    response = as_user(world.organiser).post(url("create", world), {"name": name, "kind": "other"})
    assert "reserved" in response.content.decode()
    assert not PeerGroup.objects.filter(name=name).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "kind": "business"},
        {"name": "   ", "kind": "business"},
        {"name": "x" * 121, "kind": "business"},
        {"name": "Fine", "kind": "nonsense"},
        {"name": "Fine", "kind": "business", "purpose": "p" * 201},
        {"name": "!!!", "kind": "business"},
    ],
)
def test_bad_group_input_is_refused_next_to_the_field_and_creates_nothing(world, as_user, data):
    response = as_user(world.organiser).post(url("create", world), data)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert PeerGroup.objects.filter(network=world.network).count() == 1


def test_organiser_edits_a_group_and_its_web_address_stays(world, as_user):
    as_user(world.organiser).post(
        url("edit", world, group_slug="founders"),
        {"name": "Founders Club", "kind": "education", "purpose": "New purpose"},
    )
    world.group.refresh_from_db()
    assert (world.group.name, world.group.slug, world.group.purpose) == (
        "Founders Club",
        "founders",
        "New purpose",
    )


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_only_organisers_edit_groups(world, as_user, persona):
    response = as_user(getattr(world, persona)).post(
        url("edit", world, group_slug="founders"), {"name": "Hijacked", "kind": "other"}
    )
    assert response.status_code == 403
    world.group.refresh_from_db()
    assert world.group.name == "Founders Circle"


def test_editing_another_networks_group_is_404(world, as_user):
    other = PeerGroupFactory(network=world.other_network, slug="theirs")
    response = as_user(world.organiser).get(url("edit", world, group_slug=other.slug))
    assert response.status_code == 404


# group page


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_group_page_shows_members_and_purpose(world, as_user, persona):
    body = as_user(getattr(world, persona)).get(url("detail", world, group_slug="founders"))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Mia Member" in text and "Gardener" in text
    assert world.group.purpose in text


def test_group_page_is_404_for_an_outsider(world, as_user):
    response = as_user(world.outsider).get(url("detail", world, group_slug="founders"))
    assert response.status_code == 404


def test_group_page_sends_anonymous_visitors_to_login(world, as_user):
    assert as_user(None).get(url("detail", world, group_slug="founders")).status_code == 302


def test_unknown_group_is_404(world, as_user):
    assert as_user(world.organiser).get(url("detail", world, group_slug="nope")).status_code == 404


def test_a_group_of_another_network_is_404_through_this_network(world, as_user):
    PeerGroupFactory(network=world.other_network, slug="hidden")
    response = as_user(world.organiser).get(url("detail", world, group_slug="hidden"))
    assert response.status_code == 404


def _many_members(world, n: int) -> None:
    for i in range(n):
        GroupMembership.objects.create(
            group=world.group, user=UserFactory(name=f"Willow {i:02d}", email=f"w{i}@example.org")
        )


def test_group_page_shows_its_members_a_page_at_a_time(world, as_user):
    _many_members(world, 30)  # with Gary and Mia: 32
    client = as_user(world.organiser)
    first = client.get(url("detail", world, group_slug="founders")).content.decode()
    assert "Gary Gardener" in first and "Willow 17" in first and "Willow 18" not in first
    assert "1–20 of 32" in first and "Page 1 of 2" in first
    second = client.get(url("detail", world, group_slug="founders"), {"members": 2})
    text = second.content.decode()
    assert "Willow 18" in text and "Gary Gardener" not in text and "Willow 17" not in text


def test_group_page_finds_a_member_by_name_or_email(world, as_user):
    _many_members(world, 30)
    client = as_user(world.gardener)
    body = client.get(url("detail", world, group_slug="founders"), {"member_q": "w7@"})
    text = body.content.decode()
    assert "Willow 07" in text and "Willow 08" not in text and "1 matching" in text


def test_group_page_member_search_from_htmx_answers_with_the_members_only(world, as_user):
    response = as_user(world.gardener).get(
        url("detail", world, group_slug="founders"),
        {"member_q": "mia"},
        headers={"HX-Request": "true", "HX-Target": "group-members"},
    )
    text = response.content.decode()
    assert "Mia Member" in text and "Gary Gardener" not in text
    assert "<html" not in text and "Log an activity" not in text


def test_group_page_warns_of_no_gardener_on_every_page_of_members(world, as_user):
    GroupMembership.objects.filter(role="gardener").update(role="member")
    _many_members(world, 30)
    client = as_user(world.organiser)
    for page in (1, 2):
        body = client.get(url("detail", world, group_slug="founders"), {"members": page})
        assert "This group has no gardener" in body.content.decode()


def test_gardener_sees_the_member_tools_and_a_member_does_not(world, as_user):
    gardener_page = as_user(world.gardener).get(url("detail", world, group_slug="founders"))
    member_page = as_user(world.member).get(url("detail", world, group_slug="founders"))
    assert "Add a member" in gardener_page.content.decode()
    assert "Add a member" not in member_page.content.decode()


def test_group_page_lists_the_groups_reports_for_its_members(world, as_user):
    ProgressReportFactory(group=world.group)
    body = as_user(world.member).get(url("detail", world, group_slug="founders")).content.decode()
    assert "1 Sep 2026" in body


def test_reports_are_hidden_from_network_members_outside_the_group(world, as_user):
    ProgressReportFactory(group=world.group)
    stranger = UserFactory()
    MembershipFactory(user=stranger, network=world.network)
    body = as_user(stranger).get(url("detail", world, group_slug="founders")).content.decode()
    assert "1 Sep 2026" not in body


# members


def _network_member(world):
    person = UserFactory(name="Nia Newcomer")
    MembershipFactory(user=person, network=world.network)
    return person


@pytest.mark.parametrize("persona", ["gardener", "organiser"])
def test_gardener_and_organiser_add_a_network_member_to_the_group(world, as_user, persona):
    person = _network_member(world)
    response = as_user(getattr(world, persona)).post(
        url("member_add", world, group_slug="founders"), {"user": person.pk}
    )
    assert response.status_code == 302
    assert world.group.memberships.filter(user=person, role="member").exists()


def test_a_gardener_cannot_appoint_gardeners_while_adding(world, as_user):
    person = _network_member(world)
    as_user(world.gardener).post(
        url("member_add", world, group_slug="founders"), {"user": person.pk, "role": "gardener"}
    )
    assert world.group.memberships.get(user=person).role == "member"


def test_organiser_adds_someone_as_gardener(world, as_user):
    person = _network_member(world)
    as_user(world.organiser).post(
        url("member_add", world, group_slug="founders"), {"user": person.pk, "role": "gardener"}
    )
    assert world.group.memberships.get(user=person).role == "gardener"


def test_people_outside_the_network_cannot_be_added(world, as_user):
    response = as_user(world.gardener).post(
        url("member_add", world, group_slug="founders"), {"user": world.outsider.pk}
    )
    assert response.status_code == 422
    assert "Choose a member of the network not yet in the group" in response.content.decode()
    assert not world.group.memberships.filter(user=world.outsider).exists()


def test_a_member_may_not_add_members(world, as_user):
    person = _network_member(world)
    response = as_user(world.member).post(
        url("member_add", world, group_slug="founders"), {"user": person.pk}
    )
    assert response.status_code == 403
    assert not world.group.memberships.filter(user=person).exists()


def test_adding_members_is_404_for_an_outsider(world, as_user):
    response = as_user(world.outsider).post(
        url("member_add", world, group_slug="founders"), {"user": world.outsider.pk}
    )
    assert response.status_code == 404


def test_gardener_removes_a_member(world, as_user):
    membership = world.group.memberships.get(user=world.member)
    response = as_user(world.gardener).post(
        url("member_remove", world, group_slug="founders", membership_id=membership.pk)
    )
    assert response.status_code == 302
    assert not world.group.memberships.filter(user=world.member).exists()


def test_gardener_cannot_remove_a_gardener(world, as_user):
    membership = world.group.memberships.get(user=world.gardener)
    response = as_user(world.gardener).post(
        url("member_remove", world, group_slug="founders", membership_id=membership.pk)
    )
    assert response.status_code == 403
    assert world.group.memberships.filter(user=world.gardener).exists()


def test_a_member_may_not_remove_members(world, as_user):
    membership = world.group.memberships.get(user=world.gardener)
    response = as_user(world.member).post(
        url("member_remove", world, group_slug="founders", membership_id=membership.pk)
    )
    assert response.status_code == 403


def test_organiser_appoints_and_removes_a_gardener(world, as_user):
    membership = world.group.memberships.get(user=world.member)
    client = as_user(world.organiser)
    client.post(
        url("member_role", world, group_slug="founders", membership_id=membership.pk),
        {"role": "gardener"},
    )
    membership.refresh_from_db()
    assert membership.role == "gardener"
    client.post(
        url("member_role", world, group_slug="founders", membership_id=membership.pk),
        {"role": "member"},
    )
    membership.refresh_from_db()
    assert membership.role == "member"


def test_a_gardener_may_not_appoint_gardeners(world, as_user):
    membership = world.group.memberships.get(user=world.member)
    response = as_user(world.gardener).post(
        url("member_role", world, group_slug="founders", membership_id=membership.pk),
        {"role": "gardener"},
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "member"


def test_a_membership_of_another_group_is_404(world, as_user):
    other = PeerGroupFactory(network=world.network, slug="other")
    membership = GroupMembership.objects.create(group=other, user=world.member)
    response = as_user(world.organiser).post(
        url("member_remove", world, group_slug="founders", membership_id=membership.pk)
    )
    assert response.status_code == 404


# invitations


def test_gardener_invites_by_email_and_sees_the_invitation_pending(
    world, as_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = as_user(world.gardener)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", world, group_slug="founders"), {"email": "New.Person@example.org"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new.person@example.org")
    assert (invitation.group, invitation.role, invitation.invited_by) == (
        world.group,
        "member",
        world.gardener,
    )
    assert mailoutbox[0].to == ["new.person@example.org"]
    body = client.get(url("detail", world, group_slug="founders")).content.decode()
    assert "new.person@example.org" in body and "Pending" in body


def test_organiser_invites_a_gardener(world, as_user):
    as_user(world.organiser).post(
        url("invite", world, group_slug="founders"), {"email": "g@example.org", "role": "gardener"}
    )
    assert Invitation.objects.get(email="g@example.org").role == "gardener"


def test_a_gardener_cannot_invite_gardeners(world, as_user):
    as_user(world.gardener).post(
        url("invite", world, group_slug="founders"), {"email": "g@example.org", "role": "gardener"}
    )
    assert Invitation.objects.get(email="g@example.org").role == "member"


def test_a_bad_email_is_refused_next_to_the_field(world, as_user):
    response = as_user(world.gardener).post(
        url("invite", world, group_slug="founders"), {"email": "not-an-email"}
    )
    assert response.status_code == 422
    assert "valid email" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_member_may_not_invite(world, as_user):
    response = as_user(world.member).post(
        url("invite", world, group_slug="founders"), {"email": "x@example.org"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_is_404_for_an_outsider(world, as_user):
    response = as_user(world.outsider).post(
        url("invite", world, group_slug="founders"), {"email": "x@example.org"}
    )
    assert response.status_code == 404


def _group_invitation(world, role: str = "member") -> Invitation:
    return InvitationFactory(network=world.network, group=world.group, role=role)


def test_gardener_withdraws_a_member_invitation(world, as_user):
    invitation = _group_invitation(world)
    response = as_user(world.gardener).post(
        url("invitation_withdraw", world, group_slug="founders", invitation_id=invitation.pk)
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_a_gardener_may_not_withdraw_a_gardener_invitation(world, as_user):
    invitation = _group_invitation(world, role="gardener")
    response = as_user(world.gardener).post(
        url("invitation_withdraw", world, group_slug="founders", invitation_id=invitation.pk)
    )
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_a_member_may_not_withdraw_invitations(world, as_user):
    invitation = _group_invitation(world)
    response = as_user(world.member).post(
        url("invitation_withdraw", world, group_slug="founders", invitation_id=invitation.pk)
    )
    assert response.status_code == 403


def test_withdrawing_another_groups_invitation_is_404(world, as_user):
    other = PeerGroupFactory(network=world.network, slug="other")
    invitation = InvitationFactory(network=world.network, group=other)
    response = as_user(world.organiser).post(
        url("invitation_withdraw", world, group_slug="founders", invitation_id=invitation.pk)
    )
    assert response.status_code == 404


def test_withdrawing_is_404_for_an_outsider(world, as_user):
    invitation = _group_invitation(world)
    response = as_user(world.outsider).post(
        url("invitation_withdraw", world, group_slug="founders", invitation_id=invitation.pk)
    )
    assert response.status_code == 404


def test_each_member_rows_forms_post_to_that_membership(world, as_user):
    # The rows' URLs are reversed once a page, each membership's id put in afterwards.
    body = as_user(world.organiser).get(url("detail", world, group_slug="founders")).content
    for membership in world.group.memberships.all():
        ids = {"group_slug": "founders", "membership_id": membership.pk}
        assert f'action="{url("member_role", world, **ids)}"'.encode() in body
        assert f'action="{url("member_remove", world, **ids)}"'.encode() in body


def test_group_list_answers_an_htmx_history_restore_with_the_whole_page(world, as_user):
    # htmx asks with HX-Request when Back misses its cache: a fragment would replace the page.
    response = as_user(world.member).get(
        url("list", world), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()
