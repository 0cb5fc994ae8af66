"""The referrals app's endpoints: referrals with their touchpoints, moves along the life
cycle and touchpoints, through referrals.services and the same Access rules as the pages.

Clients are private: a referral's client is shown only to those `can_see_client` allows
(the concierge, the receiver, the group's gardener, organisers, once consent is recorded);
everyone else who may see the referral gets `client: null`.
"""

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from networks.api import NetworkListView, NetworkView, form_errors, validated
from networks.models import Network, User
from networks.policy import Access
from referrals.forms import MoveForm, TouchpointForm
from referrals.models import Referral, Touchpoint
from referrals.services import referral_move, touchpoint_add


class ClientOut(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class TouchpointOut(serializers.ModelSerializer):
    class Meta:
        model = Touchpoint
        fields = ["id", "kind", "note", "happened_on", "author_id", "created_at"]


class ReferralOut(serializers.ModelSerializer):
    group: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    client = serializers.SerializerMethodField()
    touchpoints = TouchpointOut(many=True)

    class Meta:
        model = Referral
        fields = [
            "id", "group", "referrer_id", "receiver_id", "need", "status", "made_on",
            "follow_up_on", "served_on", "closed_on", "closed_value", "client", "touchpoints",
        ]  # fmt: skip

    @extend_schema_field(ClientOut(allow_null=True))
    def get_client(self, referral: Referral) -> dict[str, Any] | None:
        if not self.context["access"].can_see_client(referral):
            return None
        return dict(ClientOut(referral.client).data)


def _referrals(network: Network) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(network=network)
        .select_related("group", "client")
        .prefetch_related(Prefetch("touchpoints", Touchpoint.objects.order_by("happened_on", "id")))
    )


def _referral(network: Network, access: Access, referral_id: int) -> Referral:
    referral = get_object_or_404(_referrals(network), pk=referral_id)
    referral.network = referral.group.network = network
    if not access.can_view_referral(referral):
        raise Http404("No such referral.")  # clients are private: it does not exist for you
    return referral


class ReferralsView(NetworkListView):
    """The referrals this person may see, newest first; `status` and `group` filter."""

    queryset = Referral.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = ReferralOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Referral]:
        referrals = self.access.visible_referrals(_referrals(self.network))
        query = self.request.query_params
        if query.get("status"):
            referrals = referrals.filter(status=query["status"])
        if query.get("group"):
            referrals = referrals.filter(group__slug=query["group"])
        return referrals.order_by("-made_on", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context() | {"access": self.access}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Referral.Status.values),
            OpenApiParameter("group", str, description="A group's slug."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _out(network: Network, access: Access, referral_id: int) -> dict[str, Any]:
    referral = _referral(network, access, referral_id)
    return dict(ReferralOut(referral, context={"access": access}).data)


class ReferralDetailView(NetworkView):
    @extend_schema(responses=ReferralOut)
    def get(self, request: Request, network_slug: str, referral_id: int) -> Response:
        return Response(_out(self.network, self.access, referral_id))


class MoveIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=Referral.Status.choices)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    no_business = serializers.BooleanField(required=False)
    thanks = serializers.CharField(max_length=1000, required=False, allow_blank=True)


def _form_data(data: dict[str, Any]) -> QueryDict:
    out = QueryDict(mutable=True)
    for name, value in data.items():
        if value is not None and value is not False:
            out[name] = "on" if value is True else str(value)
    return out


def _refused(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


class ReferralMoveView(NetworkView):
    """One move of the life cycle, by the party entitled to it (as on the referral's page)."""

    @extend_schema(request=MoveIn, responses={201: ReferralOut})
    def post(self, request: Request, network_slug: str, referral_id: int) -> Response:
        referral = _referral(self.network, self.access, referral_id)
        form = MoveForm(_form_data(validated(MoveIn, request.data)))
        if not form.is_valid():
            raise form_errors(form)
        data = form.cleaned_data
        try:
            referral_move(
                referral=referral, to=data["to"], by=cast(User, request.user),
                reason=data["reason"], value=data["value"], thanks=data["thanks"],
            )  # fmt: skip
        except DjangoValidationError as error:
            raise _refused(error)
        return Response(
            _out(self.network, self.access, referral_id), status=status.HTTP_201_CREATED
        )


class TouchpointIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Touchpoint.Kind.choices)
    note = serializers.CharField(max_length=2000)
    happened_on = serializers.DateField()
    follow_up_on = serializers.DateField(required=False, allow_null=True)


class TouchpointsView(NetworkView):
    """The concierge logs a touchpoint (and the next follow-up day)."""

    @extend_schema(request=TouchpointIn, responses={201: TouchpointOut})
    def post(self, request: Request, network_slug: str, referral_id: int) -> Response:
        referral = _referral(self.network, self.access, referral_id)
        self.access.require(self.access.can_log_touchpoint(referral))
        form = TouchpointForm(
            _form_data(validated(TouchpointIn, request.data)),
            today=self.network.today(),
            made_on=referral.made_on,
        )
        if not form.is_valid():
            raise form_errors(form)
        data = form.cleaned_data
        try:
            touchpoint = touchpoint_add(
                referral=referral, author=request.user, kind=data["kind"], note=data["note"],
                happened_on=data["happened_on"], follow_up_on=data["follow_up_on"],
            )  # fmt: skip
        except DjangoValidationError as error:
            raise _refused(error)
        return Response(TouchpointOut(touchpoint).data, status=status.HTTP_201_CREATED)
