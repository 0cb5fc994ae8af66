"""The API's plumbing (access, errors, base views; authentication is in
networks.authentication) and the
networks app's endpoints: networks with their statement, and invitations (the member
directory is groups' endpoint: it shows each person's groups).

Every endpoint asks the same `Access` as the pages (networks.policy): `api_access` is
`network_access` for a DRF request, so another network's objects answer 404 here too.
"""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from networks.models import Invitation, Network, SoundBite
from networks.policy import Access, network_access, visible_networks

# ---------------------------------------------------------------- plumbing


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "networks.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token."}


def api_access(request: Request, network_slug: str) -> tuple[Network, Access]:
    """The network and the person's access to it, or 404: `network_access` for the API (a
    DRF request carries the same user as the Django request it wraps)."""
    return network_access(cast(HttpRequest, request), network_slug)


def form_errors(form: forms.BaseForm) -> exceptions.ValidationError:
    """A page form's errors as the API's structured errors: field -> messages, with errors
    about the whole input under `non_field_errors`, as DRF names them."""
    errors: dict[str, list[str]] = {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }
    return exceptions.ValidationError(errors)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ThrottledFirst(APIView):
    """Throttles before permissions (DRF checks them after): a client without credentials is
    refused with 401 and counted, so the anonymous allowance means something."""

    def check_permissions(self, request: Request) -> None:
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        if not getattr(request, "_grove_throttled", False):
            request._grove_throttled = True  # type: ignore[attr-defined]
            super().check_throttles(request)


class NetworkView(ThrottledFirst):
    """Base for endpoints under /networks/<network_slug>/: `self.network`, `self.access`."""

    network: Network
    access: Access

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and throttles first
        self.network, self.access = api_access(request, kwargs["network_slug"])


class NetworkListView(NetworkView, generics.ListAPIView):
    pass


# ---------------------------------------------------------------- networks


class SoundBiteOut(serializers.ModelSerializer):
    class Meta:
        model = SoundBite
        fields = ["id", "text", "position"]


class NetworkOut(serializers.ModelSerializer):
    sound_bites = SoundBiteOut(many=True, read_only=True)

    class Meta:
        model = Network
        fields = [
            "slug", "name", "mission", "vision", "sound_bites", "report_cadence", "time_zone",
            "currency", "tolerance",
        ]  # fmt: skip


def _networks() -> QuerySet[Network]:
    return Network.objects.prefetch_related("sound_bites")


class NetworksView(ThrottledFirst, generics.ListAPIView):
    """The networks the person belongs to."""

    serializer_class = NetworkOut
    ordering_fields = ["name", "slug"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Network]:
        return visible_networks(self.request.user).prefetch_related("sound_bites").order_by("name")


class NetworkDetailView(NetworkView):
    @extend_schema(responses=NetworkOut)
    def get(self, request: Request, network_slug: str) -> Response:
        network = _networks().get(pk=self.network.pk)
        return Response(NetworkOut(network).data)


# ---------------------------------------------------------------- invitations


class InvitationOut(serializers.ModelSerializer):
    group: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    state = serializers.CharField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "group", "state", "created_at", "expires_at"]


class InvitationsView(NetworkListView):
    """The network's invitations: for those who may invite (organisers), as on the page."""

    queryset = Invitation.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = InvitationOut
    ordering_fields = ["created_at", "email"]

    def get_queryset(self) -> QuerySet[Invitation]:
        self.access.require(self.access.can_invite_to_network)
        return self.network.invitations.select_related("group").order_by("-created_at", "-id")
