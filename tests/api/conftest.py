import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from networks.models import ApiToken, User
from networks.services import api_token_create


@pytest.fixture(autouse=True)
def throttle_rates(monkeypatch) -> dict[str, str]:
    """Throttles count per token and client in the (shared) cache: tests get allowances too
    large to meet, and those that check throttling set their own. DRF reads the rates once,
    at import, so they are patched on the class rather than in settings."""
    rates = {"token": "100000/hour", "anon": "100000/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return rates


@pytest.fixture
def api():
    """An API client with a read-write token for a persona (None: no credentials)."""

    def make(user: User | None, scope: str = ApiToken.Scope.READ_WRITE) -> APIClient:
        client = APIClient()
        if user is not None:
            _, text = api_token_create(user=user, name="test", scope=scope)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
        return client

    return make


def base(world) -> str:
    return f"/api/v1/networks/{world.network.slug}/"
