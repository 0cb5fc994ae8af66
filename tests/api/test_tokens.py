"""Personal API tokens: stored hashed, shown once, scoped, expiring, revocable, throttled."""

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from networks.models import ApiToken
from networks.services import api_token_create

pytestmark = pytest.mark.django_db
NETWORKS = "/api/v1/networks/"


def bearer(text: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


def test_only_a_hash_of_the_token_is_stored(world):
    token, text = api_token_create(user=world.member, name="CRM", scope="read")
    assert text not in {token.token_hash, token.prefix}
    assert token.token_hash == hashlib.sha256(text.encode()).hexdigest()


def test_a_token_authenticates_its_person(world):
    _, text = api_token_create(user=world.member, name="CRM", scope="read")
    assert bearer(text).get(NETWORKS).status_code == 200


def test_a_wrong_secret_with_a_real_prefix_is_refused(world):
    _, text = api_token_create(user=world.member, name="CRM", scope="read")
    assert bearer(text[:-4] + "AAAA").get(NETWORKS).status_code == 401


@pytest.mark.parametrize("text", ["nonsense", "grove_", "grove_12345678_", "grove_ab_cd"])
def test_malformed_tokens_are_refused(world, text):
    assert bearer(text).get(NETWORKS).status_code == 401


def test_a_revoked_token_stops_working(world):
    token, text = api_token_create(user=world.member, name="CRM", scope="read")
    token.revoke()
    assert bearer(text).get(NETWORKS).status_code == 401


def test_an_expired_token_stops_working(world):
    token, text = api_token_create(
        user=world.member, name="CRM", scope="read",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert bearer(text).get(NETWORKS).status_code == 401


def test_a_deactivated_persons_token_stops_working(world):
    _, text = api_token_create(user=world.member, name="CRM", scope="read")
    world.member.is_active = False
    world.member.save()
    assert bearer(text).get(NETWORKS).status_code == 401


def test_use_is_recorded(world):
    token, text = api_token_create(user=world.member, name="CRM", scope="read")
    bearer(text).get(NETWORKS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_each_token_has_its_own_allowance(world, throttle_rates):
    cache.clear()
    throttle_rates["token"] = "2/minute"
    _, first = api_token_create(user=world.member, name="one", scope="read")
    _, second = api_token_create(user=world.member, name="two", scope="read")
    codes = [bearer(first).get(NETWORKS).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert bearer(second).get(NETWORKS).status_code == 200


def test_anonymous_clients_are_throttled(world, throttle_rates):
    cache.clear()
    throttle_rates["anon"] = "2/minute"
    codes = [APIClient().get(NETWORKS).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


# ---------------------------------------------------------------- the page


def test_the_page_creates_a_token_and_shows_it_once(world, as_user):
    client = as_user(world.member)
    response = client.post(reverse("api_tokens"), {"name": "CRM", "scope": "read_write"})
    text = response.context["created_text"]
    assert text.startswith("grove_") and text in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert bearer(text).get(NETWORKS).status_code == 200
    assert text not in client.get(reverse("api_tokens")).content.decode()
    assert ApiToken.objects.get().scope == ApiToken.Scope.READ_WRITE


def test_the_page_shows_last_use(world, as_user):
    token, text = api_token_create(user=world.member, name="CRM", scope="read")
    bearer(text).get(NETWORKS)
    body = as_user(world.member).get(reverse("api_tokens")).content.decode()
    assert "CRM" in body and "Never" not in body


def test_an_expiry_in_the_past_is_refused(world, as_user):
    response = as_user(world.member).post(
        reverse("api_tokens"), {"name": "CRM", "scope": "read", "expires_on": "2020-01-01"}
    )
    assert response.context["form"].errors["expires_on"]
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_token(world, as_user):
    token, text = api_token_create(user=world.member, name="CRM", scope="read")
    response = as_user(world.member).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert bearer(text).get(NETWORKS).status_code == 401


def test_someone_elses_token_is_404(world, as_user):
    token, _ = api_token_create(user=world.member, name="CRM", scope="read")
    response = as_user(world.organiser).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_wants_a_sign_in(world, as_user):
    response = as_user(None).get(reverse("api_tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_tokens_count_against_the_clients_allowance(world, throttle_rates):
    cache.clear()
    throttle_rates["anon"] = "2/minute"
    codes = [bearer(f"grove_12345678_guess{n}").get(NETWORKS).status_code for n in range(3)]
    assert codes[-1] == 429
