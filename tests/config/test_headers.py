"""Production headers: signed-in pages stay out of shared caches; unused browser features
are switched off."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_is_private_and_not_stored(world, as_user):
    response = as_user(world.member).get(world.network.get_absolute_url())
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives


@pytest.mark.parametrize("feature", ["camera", "microphone", "geolocation", "payment", "usb"])
def test_permissions_policy_turns_off_unused_features(client, feature):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    assert f"{feature}=()" in policy
