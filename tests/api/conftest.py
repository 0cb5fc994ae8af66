import pytest
from rest_framework.test import APIClient

from networks.models import ApiToken, User
from networks.services import api_token_create


@pytest.fixture(autouse=True)
def no_throttling(settings) -> None:
    """Throttles count per token and client in the cache; tests that check them set rates."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {"token": "100000/hour", "anon": "100000/hour"}
    settings.REST_FRAMEWORK = rest


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
