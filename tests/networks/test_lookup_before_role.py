"""Another network's ids answer 404 whatever the role: the lookup comes before the role check."""

import pytest
from django.urls import reverse

from networks.models import Invitation, SoundBite
from tests.factories import InvitationFactory, SoundBiteFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["gardener", "member"])
@pytest.mark.parametrize("action", ["sound_bite_move", "sound_bite_delete"])
def test_another_networks_sound_bite_is_404_for_non_organisers(world, as_user, persona, action):
    theirs = SoundBiteFactory(network=world.other_network)
    path = reverse(
        f"networks:{action}", kwargs={"network_slug": world.network.slug, "bite_id": theirs.pk}
    )
    response = as_user(getattr(world, persona)).post(path, {"position": "0"})
    assert response.status_code == 404
    assert SoundBite.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("persona", ["gardener", "member"])
@pytest.mark.parametrize("action", ["invitation_revoke", "invitation_resend"])
def test_another_networks_invitation_is_404_for_non_organisers(world, as_user, persona, action):
    theirs = InvitationFactory(network=world.other_network)
    kwargs = {"network_slug": world.network.slug, "invitation_id": theirs.pk}
    response = as_user(getattr(world, persona)).post(reverse(f"networks:{action}", kwargs=kwargs))
    assert response.status_code == 404
    assert Invitation.objects.get(pk=theirs.pk).is_usable


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_own_networks_sound_bite_is_still_403_for_non_organisers(world, as_user, persona):
    ours = SoundBiteFactory(network=world.network)
    path = reverse(
        "networks:sound_bite_delete",
        kwargs={"network_slug": world.network.slug, "bite_id": ours.pk},
    )
    assert as_user(getattr(world, persona)).post(path).status_code == 403
