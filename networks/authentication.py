"""The API's authentication by personal token, token scopes and throttles.

Kept apart from networks.api: DRF imports these classes from its settings while its own
views module loads, so this module must not import rest_framework.views.
"""

from typing import TYPE_CHECKING, Any, cast

from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from networks.models import ApiToken, User

if TYPE_CHECKING:
    from rest_framework.views import APIView
else:
    APIView = Any


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer grove_…` with a personal token (networks.models.ApiToken)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give one token after “Bearer”.")
        try:
            text = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        token = ApiToken.find(text)
        if token is None or not token.user.is_active:
            # Wrong tokens count against the client's anonymous allowance: no guessing spree.
            throttle = WrongTokenThrottle()
            if not throttle.allow_request(request, cast(APIView, None)):
                raise exceptions.Throttled(throttle.wait())
            raise exceptions.AuthenticationFailed("The token is not valid, expired or revoked.")
        token.mark_used()
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token reads; writing needs a read-write token (or a browser session)."""

    message = "This token is read-only: create a read-write token to make changes."

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return token.can_write
        return True


class PerTokenThrottle(throttling.SimpleRateThrottle):
    """Each token has its own allowance; a browser session counts as its person's."""

    scope = "token"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonThrottle(throttling.AnonRateThrottle):
    """Per client address, for requests without valid credentials."""


class WrongTokenThrottle(throttling.SimpleRateThrottle):
    """Wrong tokens, per client address, on the anonymous allowance (read while the request
    is being authenticated, so it must not ask who the user is)."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": "wrong-token", "ident": self.get_ident(request)}
