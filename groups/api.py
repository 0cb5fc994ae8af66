"""The groups app's endpoints: peer groups, their memberships and the member directory.

Reads only: groups are created and people added on the pages. Activities are served by
objectives.api, since an activity's contributions to measures are objectives' data.
"""

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from groups.models import GroupMembership, PeerGroup
from networks.api import NetworkListView, NetworkView
from networks.models import Network, User


def network_group(network: Network, group_slug: str) -> PeerGroup:
    group = get_object_or_404(PeerGroup, network=network, slug=group_slug)
    group.network = network
    return group


class GroupOut(serializers.ModelSerializer):
    member_count = serializers.IntegerField()
    activity_count = serializers.IntegerField()

    class Meta:
        model = PeerGroup
        fields = ["slug", "name", "kind", "purpose", "is_cng", "created_at", "archived_at",
                  "member_count", "activity_count"]  # fmt: skip


class GroupsView(NetworkListView):
    """The network's active groups, as the groups page lists them."""

    queryset = PeerGroup.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = GroupOut
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[PeerGroup]:
        return self.network.groups.active().with_counts().order_by("name", "id")


class GroupDetailView(NetworkView):
    @extend_schema(responses=GroupOut)
    def get(self, request: Request, network_slug: str, group_slug: str) -> Response:
        group = get_object_or_404(
            PeerGroup.objects.with_counts(), network=self.network, slug=group_slug
        )
        return Response(GroupOut(group).data)


class GroupMembershipOut(serializers.ModelSerializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField(source="user.name")

    class Meta:
        model = GroupMembership
        fields = ["id", "user_id", "name", "role", "joined_at"]


class GroupMembershipsView(NetworkListView):
    """A group's members and gardeners, as the group's page shows them."""

    queryset = GroupMembership.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = GroupMembershipOut
    ordering_fields = ["joined_at", "role"]

    def get_queryset(self) -> QuerySet[GroupMembership]:
        group = network_group(self.network, self.kwargs["group_slug"])
        return group.memberships.select_related("user").order_by("-role", "user__name", "id")


class MemberGroupOut(serializers.Serializer):
    slug = serializers.CharField(source="group.slug")
    name = serializers.CharField(source="group.name")
    role = serializers.CharField()


class MemberOut(serializers.ModelSerializer):
    network_role = serializers.CharField()
    groups = MemberGroupOut(many=True, source="network_groups")

    class Meta:
        model = User
        fields = ["id", "name", "email", "organisation", "sector", "expertise", "network_role",
                  "groups"]  # fmt: skip


class MembersView(NetworkListView):
    """The member directory, as the directory page shows it to every member."""

    queryset = User.objects.none()  # for the schema: rows come from get_queryset
    serializer_class = MemberOut
    ordering_fields = ["name", "id"]

    def get_queryset(self) -> QuerySet[User]:
        memberships = (
            GroupMembership.objects.filter(
                group__network=self.network, group__archived_at__isnull=True
            )
            .select_related("group")
            .order_by("group__name")
        )
        return (
            User.objects.filter(memberships__network=self.network)
            .annotate(network_role=F("memberships__role"))
            .prefetch_related(Prefetch("group_memberships", memberships, to_attr="network_groups"))
            .order_by("name", "id")
        )
