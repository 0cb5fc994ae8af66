import datetime as dt

import pytest
from django.core import mail
from django.http import HttpRequest
from django.utils import timezone

from groups.models import GroupMembership
from networks.models import Invitation, Membership, User
from networks.services import InvitationError, invitation_accept, invitation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(world, django_capture_on_commit_callbacks):
    def make(email="new@example.org", role="member", group=None):
        with django_capture_on_commit_callbacks(execute=True):
            return invitation_create(
                network=world.network,
                email=email,
                role=role,
                invited_by=world.organiser,
                group=group,
            )

    return make


def test_invitation_mails_a_link(invite):
    _, token = invite()
    assert token in mail.outbox[0].body


def test_only_a_hash_of_the_token_is_stored(invite):
    invitation, token = invite()
    assert token not in invitation.token_hash


def test_accepting_creates_an_account_and_membership(world, invite):
    _, token = invite()
    user = invitation_accept(token=token, name="Nina New", password="a-long-passphrase")
    assert Membership.objects.get(user=user, network=world.network).role == "member"


def test_accepted_account_can_sign_in(invite, client):
    _, token = invite()
    invitation_accept(token=token, name="Nina New", password="a-long-passphrase")
    assert client.login(
        request=HttpRequest(), email="new@example.org", password="a-long-passphrase"
    )


def test_invitation_is_single_use(invite):
    _, token = invite()
    invitation_accept(token=token, name="Nina New", password="a-long-passphrase")
    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(token=token, name="Nina Again", password="a-long-passphrase")


def test_expired_invitation_is_refused(invite):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(InvitationError, match="expired"):
        invitation_accept(token=token, name="Late", password="a-long-passphrase")
    assert not User.objects.filter(email="new@example.org").exists()


def test_reinviting_revokes_the_earlier_link(invite):
    _, first = invite()
    invite()
    with pytest.raises(InvitationError, match="withdrawn"):
        invitation_accept(token=first, name="Nina", password="a-long-passphrase")


def test_unknown_token_is_refused(world):
    with pytest.raises(InvitationError, match="not valid"):
        invitation_accept(token="nonsense", name="X", password="a-long-passphrase")


def test_existing_account_must_sign_in_first(world, invite):
    _, token = invite(email=world.outsider.email)
    with pytest.raises(InvitationError, match="sign in"):
        invitation_accept(token=token, name="Otto", password="a-long-passphrase")


def test_signed_in_person_joins_with_their_account(world, invite):
    _, token = invite(email=world.outsider.email)
    invitation_accept(token=token, user=world.outsider)
    assert Membership.objects.filter(user=world.outsider, network=world.network).exists()


def test_gardener_invitation_makes_a_gardener_of_the_group(world, invite):
    _, token = invite(role="gardener", group=world.group)
    user = invitation_accept(token=token, name="Gwen", password="a-long-passphrase")
    assert GroupMembership.objects.get(group=world.group, user=user).role == "gardener"


def test_organiser_invitation_makes_an_organiser(world, invite):
    _, token = invite(role="organiser")
    user = invitation_accept(token=token, name="Orla", password="a-long-passphrase")
    assert Membership.objects.get(user=user, network=world.network).role == "organiser"


def test_accept_page_sets_password_and_signs_in(world, invite, client):
    _, token = invite()
    response = client.post(
        f"/invitations/{token}/",
        {"name": "Nina New", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )
    assert response.status_code == 302
    assert client.get(response.url).context["user"].email == "new@example.org"


def test_accept_page_rejects_mismatched_passwords_and_creates_nothing(invite, client):
    _, token = invite()
    response = client.post(
        f"/invitations/{token}/",
        {"name": "Nina", "password1": "a-long-passphrase", "password2": "another-passphrase"},
    )
    assert "The two passwords differ." in response.text
    assert not User.objects.filter(email="new@example.org").exists()


def test_accept_page_for_used_link_says_so(invite, client):
    _, token = invite()
    invitation_accept(token=token, name="Nina", password="a-long-passphrase")
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 410
    assert "already been used" in response.text
