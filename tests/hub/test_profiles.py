"""Members edit their own profile; organisers correct their members'; invitations ask."""

import pytest
from django.urls import reverse

from networks.models import Invitation, User
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

PROFILE = {"name": "Mia M.", "organisation": "Mia & Co", "sector": "Health", "expertise": "Grants"}


def test_a_member_edits_their_own_profile(world, as_user):
    client = as_user(world.member)
    response = client.post(reverse("profile"), PROFILE)
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert (world.member.name, world.member.sector) == ("Mia M.", "Health")


def test_the_profile_page_lists_networks_and_groups(world, as_user):
    page = as_user(world.gardener).get(reverse("profile")).content.decode()
    assert "Riverside Makers" in page and "Founders Circle" in page and "(gardener)" in page


def test_a_name_is_required(world, as_user):
    response = as_user(world.member).post(reverse("profile"), PROFILE | {"name": " "})
    assert response.status_code == 422


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _edit_url(world, person):
    return reverse("members:edit", args=[world.network.slug, person.pk])


def test_an_organiser_corrects_a_members_profile(world, as_user):
    response = as_user(world.organiser).post(_edit_url(world, world.member), PROFILE)
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.organisation == "Mia & Co"


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_others_may_not_correct_a_profile(world, as_user, persona):
    client = as_user(getattr(world, persona))
    target = world.organiser
    assert client.post(_edit_url(world, target), PROFILE).status_code == 403
    target.refresh_from_db()
    assert target.organisation != "Mia & Co"


def test_an_organiser_cannot_reach_someone_outside_the_network(world, as_user):
    response = as_user(world.organiser).post(_edit_url(world, world.outsider), PROFILE)
    assert response.status_code == 404


def test_the_member_page_offers_the_organiser_a_correction(world, as_user):
    url = reverse("members:detail", args=[world.network.slug, world.member.pk])
    assert _edit_url(world, world.member).encode() in as_user(world.organiser).get(url).content
    assert _edit_url(world, world.member).encode() not in as_user(world.gardener).get(url).content


def test_accepting_an_invitation_asks_for_the_profile(world, client):
    token, token_hash = Invitation.new_token()
    InvitationFactory(network=world.network, email="new@example.org", token_hash=token_hash)
    url = reverse("invitation_accept", args=[token])
    page = client.get(url).content.decode()
    assert 'name="organisation"' in page and 'name="expertise"' in page
    client.post(
        url,
        {
            "name": "New Person",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "organisation": "Newco",
            "sector": "",
            "expertise": "Print",
        },
    )
    person = User.objects.get(email="new@example.org")
    assert (person.organisation, person.sector, person.expertise) == ("Newco", "", "Print")
