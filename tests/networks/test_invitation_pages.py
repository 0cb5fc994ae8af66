import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from networks.models import Invitation
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.queries import MENU

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, world, **kwargs) -> str:
    return reverse(f"networks:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


def test_organiser_sees_the_invitations_page(world, as_user):
    InvitationFactory(network=world.network, email="newbie@example.org")
    response = as_user(world.organiser).get(url("invitations", world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "newbie@example.org" in body
    assert "Pending" in body


def test_admin_sees_the_invitations_page(world, as_user):
    assert as_user(world.admin).get(url("invitations", world)).status_code == 200


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_invitations_page_is_forbidden_to_non_organisers(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(url("invitations", world)).status_code == 403
    response = client.post(url("invitations", world), {"email": "x@example.org", "role": "member"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invitations_page_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(url("invitations", world)).status_code == 404


def test_invitations_page_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(url("invitations", world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_invitations_link_shows_in_the_nav_for_organisers_only(world, as_user):
    home = world.network.get_absolute_url()
    assert url("invitations", world) in as_user(world.organiser).get(home).content.decode()
    assert url("invitations", world) not in as_user(world.member).get(home).content.decode()


def test_list_shows_each_state(world, as_user):
    now = timezone.now()
    InvitationFactory(network=world.network, email="pending@example.org")
    InvitationFactory(network=world.network, email="accepted@example.org", accepted_at=now)
    InvitationFactory(network=world.network, email="revoked@example.org", revoked_at=now)
    InvitationFactory(
        network=world.network,
        email="expired@example.org",
        created_at=now - dt.timedelta(days=20),
        expires_at=now - dt.timedelta(days=6),
    )
    body = as_user(world.organiser).get(url("invitations", world)).content.decode()
    for state in ["pending", "accepted", "revoked", "expired"]:
        assert f"state-{state}" in body


def test_list_leaves_out_another_networks_invitations(world, as_user):
    InvitationFactory(network=world.other_network, email="hilltop@example.org")
    body = as_user(world.organiser).get(url("invitations", world)).content.decode()
    assert "hilltop@example.org" not in body


def test_sending_an_invitation_mails_a_link_and_redirects(
    world, as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.organiser).post(
            url("invitations", world), {"email": "New@Example.org", "role": "organiser"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("new@example.org", "organiser")
    assert invitation.invited_by == world.organiser
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.org"]


def test_sending_under_htmx_returns_the_panel_with_the_new_row(world, as_user):
    response = as_user(world.organiser).post(
        url("invitations", world), {"email": "new@example.org", "role": "member"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Invitation sent to new@example.org" in body
    assert "state-pending" in body


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"email": "", "role": "member"}, "email", "required"),
        ({"email": "not-an-email", "role": "member"}, "email", "valid email"),
        ({"email": "a" * 250 + "@example.org", "role": "member"}, "email", "at most"),
        ({"email": "x@example.org", "role": "gardener"}, "role", "valid choice"),
        ({"email": "x@example.org", "role": "king"}, "role", "valid choice"),
    ],
)
def test_bad_invitation_is_refused_next_to_the_field(world, as_user, data, field, message):
    response = as_user(world.organiser).post(url("invitations", world), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(world, as_user):
    response = as_user(world.organiser).post(
        url("invitations", world), {"email": "MIA@example.org", "role": "member"}
    )
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_someone_from_another_network_can_be_invited(world, as_user):
    as_user(world.organiser).post(
        url("invitations", world), {"email": world.outsider.email, "role": "member"}
    )
    assert Invitation.objects.filter(email=world.outsider.email).exists()


def test_revoking_a_pending_invitation(world, as_user):
    invitation = InvitationFactory(network=world.network)
    response = as_user(world.organiser).post(
        url("invitation_revoke", world, invitation_id=invitation.pk)
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_revoking_an_accepted_invitation_changes_nothing(world, as_user):
    invitation = InvitationFactory(network=world.network, accepted_at=timezone.now())
    as_user(world.organiser).post(url("invitation_revoke", world, invitation_id=invitation.pk))
    invitation.refresh_from_db()
    assert invitation.state == "accepted"


def test_resending_replaces_the_link(world, as_user, django_capture_on_commit_callbacks):
    old = InvitationFactory(network=world.network, email="late@example.org", role="organiser")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.organiser).post(
            url("invitation_resend", world, invitation_id=old.pk)
        )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.state == "revoked"
    new = Invitation.objects.exclude(pk=old.pk).get()
    assert (new.email, new.role, new.state) == ("late@example.org", "organiser", "pending")
    assert len(mail.outbox) == 1


def test_resending_an_expired_invitation_sends_a_fresh_one(world, as_user):
    now = timezone.now()
    old = InvitationFactory(
        network=world.network,
        created_at=now - dt.timedelta(days=20),
        expires_at=now - dt.timedelta(days=6),
    )
    as_user(world.organiser).post(url("invitation_resend", world, invitation_id=old.pk))
    assert Invitation.objects.pending().filter(email=old.email).count() == 1


def test_resending_an_accepted_invitation_is_refused(world, as_user):
    old = InvitationFactory(network=world.network, accepted_at=timezone.now())
    as_user(world.organiser).post(url("invitation_resend", world, invitation_id=old.pk))
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_revoke_and_resend_are_forbidden_to_non_organisers(world, as_user, action, persona):
    invitation = InvitationFactory(network=world.network)
    response = as_user(getattr(world, persona)).post(
        url(action, world, invitation_id=invitation.pk)
    )
    assert response.status_code == 403
    assert Invitation.objects.get().state == "pending"


@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
def test_another_networks_invitation_is_404(world, as_user, action):
    theirs = InvitationFactory(network=world.other_network)
    response = as_user(world.organiser).post(url(action, world, invitation_id=theirs.pk))
    assert response.status_code == 404
    assert Invitation.objects.get().state == "pending"


def test_revoke_needs_post(world, as_user):
    invitation = InvitationFactory(network=world.network)
    response = as_user(world.organiser).get(
        url("invitation_revoke", world, invitation_id=invitation.pk)
    )
    assert response.status_code == 405


def _fill(world, count: int) -> None:
    inviter = UserFactory()
    MembershipFactory(user=inviter, network=world.network, role="organiser")
    for _ in range(count):
        InvitationFactory(network=world.network, invited_by=inviter, group=world.group)


@pytest.mark.parametrize("count", [1, 40])
def test_invitations_page_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, count
):
    _fill(world, count)
    client = as_user(world.organiser)
    client.get(url("invitations", world))
    # session, user, network, membership, group roles, count, page
    with django_assert_num_queries(7 + MENU):
        client.get(url("invitations", world))
