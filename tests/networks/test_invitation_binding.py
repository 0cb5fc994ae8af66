"""An invitation is for its email address: whoever else holds the link gets nothing."""

import pytest
from django.urls import reverse

from networks.models import Invitation, Membership
from networks.services import InvitationError, invitation_accept, invitation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_invitation(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, token = invitation_create(
            network=world.network,
            email="new.organiser@example.org",
            role=Invitation.Role.ORGANISER,
            invited_by=world.organiser,
        )
    return token


def test_the_service_refuses_a_signed_in_person_with_another_address(world, organiser_invitation):
    with pytest.raises(InvitationError, match="new.organiser@example.org"):
        invitation_accept(token=organiser_invitation, user=world.outsider)
    assert not Membership.objects.filter(user=world.outsider, network=world.network).exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_page_tells_another_person_and_offers_to_sign_out(world, as_user, organiser_invitation):
    page = reverse("invitation_accept", kwargs={"token": organiser_invitation})
    response = as_user(world.outsider).get(page)
    body = response.content.decode()
    assert "for someone else" in body
    assert "new.organiser@example.org" in body and world.outsider.email in body
    assert reverse("logout") in body and f'name="next" value="{page}"' in body


def test_posting_as_another_person_grants_nothing(world, as_user, organiser_invitation):
    page = reverse("invitation_accept", kwargs={"token": organiser_invitation})
    response = as_user(world.outsider).post(page)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.outsider, network=world.network).exists()
    assert Invitation.objects.get().is_usable


def test_signing_out_from_the_page_returns_to_the_invitation(world, as_user, organiser_invitation):
    page = reverse("invitation_accept", kwargs={"token": organiser_invitation})
    client = as_user(world.outsider)
    response = client.post(reverse("logout"), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "Your name" in client.get(page).content.decode()


def test_the_invited_address_in_another_case_is_accepted(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, token = invitation_create(
            network=world.network, email=world.outsider.email.upper(), role="member",
            invited_by=world.organiser,
        )  # fmt: skip
    assert invitation_accept(token=token, user=world.outsider) == world.outsider
    assert Membership.objects.filter(user=world.outsider, network=world.network).exists()
