"""What may this person see and do? The one place that answers it.

Views call `network_access(request, slug)` first: it returns the network and an
`Access` for the signed-in person, or raises Http404 when the network is not theirs,
so that another network's existence never leaks. Group-level objects are fetched
through the network they belong to, so they 404 the same way.

This module reads group roles through the `group_memberships` relation rather than
importing the groups app, keeping the dependency direction networks <- groups.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Q, QuerySet
from django.http import Http404, HttpRequest

from networks.models import Membership, Network, User

GARDENER = "gardener"


def _active_cngs(network: Network) -> QuerySet[Any]:
    """The network's collaborative network groups that are not archived: its referral
    boards."""
    return network.groups.active().filter(is_cng=True)


@dataclass(frozen=True)
class Access:
    user: User
    network: Network
    is_admin: bool
    network_role: str | None
    # group id -> "gardener" | "member", for this network's groups only
    group_roles: dict[int, str] = field(default_factory=dict)
    # this network's archived groups among them: gardening one no longer grants work
    archived_group_ids: frozenset[int] = frozenset()
    # the active collaborative network groups among them: their referral boards
    board_group_ids: frozenset[int] = frozenset()
    # whether the menu offers a switch to another network (a site admin sees them all)
    belongs_elsewhere: bool = True
    # whether the network has an active CNG, read with the roles; None when not read
    network_has_boards: bool | None = None

    @classmethod
    def load(cls, user: User | AnonymousUser, network: Network) -> "Access":
        if not user.is_authenticated:
            return cls(user, network, False, None, {})  # type: ignore[arg-type]
        # All of the person's networks (a handful of rows): the role here, whether the
        # page offers a switch to another, and whether this network has a referral board
        # (an organiser's menu asks), from the same query.
        memberships = list(
            Membership.objects.filter(user=user)
            .order_by()  # Meta.ordering would join the networks and people to sort
            .values_list("network_id", "role", Exists(_active_cngs(network)))
        )
        roles = {network_id: role for network_id, role, _ in memberships}
        has_boards = next((b for pk, _, b in memberships if pk == network.pk), None)
        rows = list(
            user.group_memberships.filter(group__network=network)
            .order_by()
            .values_list("group_id", "role", "group__archived_at", "group__is_cng")
        )
        return cls(
            user,
            network,
            user.is_superuser,
            roles.get(network.pk),
            {group_id: group_role for group_id, group_role, _, _ in rows},
            frozenset(group_id for group_id, _, archived_at, _ in rows if archived_at),
            frozenset(
                group_id for group_id, _, archived_at, is_cng in rows if is_cng and not archived_at
            ),
            user.is_superuser or len(roles) > 1,
            has_boards,
        )

    # network level
    @property
    def is_member(self) -> bool:
        return self.is_admin or self.network_role is not None

    @property
    def is_organiser(self) -> bool:
        return self.is_admin or self.network_role == Membership.Role.ORGANISER

    @property
    def role_label(self) -> str:
        if self.network_role == Membership.Role.ORGANISER:
            return "Organiser"
        if GARDENER in self.group_roles.values():
            return "Gardener"
        if self.network_role:
            return "Member"
        return "Site admin" if self.is_admin else ""

    @property
    def can_edit_network(self) -> bool:
        return self.is_organiser

    @property
    def can_manage_objectives(self) -> bool:
        return self.is_organiser

    @property
    def can_create_groups(self) -> bool:
        return self.is_organiser

    @property
    def can_invite_to_network(self) -> bool:
        return self.is_organiser

    @property
    def can_see_all_reports(self) -> bool:
        return self.is_organiser

    @property
    def can_appoint_gardener(self) -> bool:
        """Make a member a gardener, or invite someone as one."""
        return self.is_organiser

    @property
    def gardened_group_ids(self) -> set[int]:
        """The active groups this person gardens (an archived group's gardener has no
        console, check-ins or appointments left to make there)."""
        return {
            gid
            for gid, role in self.group_roles.items()
            if role == GARDENER and gid not in self.archived_group_ids
        }

    @property
    def can_use_console(self) -> bool:
        """The gardener's console: organisers (every group) and gardeners (their own)."""
        return self.is_organiser or bool(self.gardened_group_ids)

    def console_groups(self, groups: QuerySet) -> QuerySet:
        """The groups the console shows this person, from the network's groups."""
        return groups if self.is_organiser else groups.filter(pk__in=self.gardened_group_ids)

    # check-ins: manual readings of a measure
    @property
    def can_record_check_ins(self) -> bool:
        """Record readings at all: organisers, and gardeners for their own groups."""
        return self.is_organiser or bool(self.gardened_group_ids)

    @property
    def can_record_network_reading(self) -> bool:
        """A reading for the whole network (no group) sets the network's figure: organisers
        only. A gardener's reading is always their own group's part."""
        return self.is_organiser

    def can_check_in(self, measure: Any) -> bool:
        """Record a reading of this measure: a manual measure of an active objective."""
        objective = measure.objective
        return (
            objective.network_id == self.network.id
            and self.can_record_check_ins
            and objective.archived_at is None
            and measure.source == "manual"
        )

    def check_in_groups(self, groups: QuerySet) -> QuerySet:
        """The groups this person may record a reading for, from the network's groups."""
        return groups if self.is_organiser else groups.filter(pk__in=self.gardened_group_ids)

    def visible_reports(self, reports: QuerySet) -> QuerySet:
        """Of the network's progress reports, those this person may read: organisers every
        one, everyone else their own groups' reports."""
        if self.can_see_all_reports:
            return reports
        return reports.filter(group_id__in=list(self.group_roles))

    # group level: `group` is anything with `id` and `network_id`
    def _own(self, obj: Any) -> bool:
        return obj.network_id == self.network.id

    def in_group(self, group: Any) -> bool:
        return self._own(group) and group.id in self.group_roles

    def gardens(self, group: Any) -> bool:
        return self._own(group) and self.group_roles.get(group.id) == GARDENER

    def can_edit_group(self, group: Any) -> bool:
        """Rename the group, change its kind, purpose and CNG flag, archive it."""
        return self._own(group) and self.is_organiser

    def can_manage_group(self, group: Any) -> bool:
        """Add and remove members, invite, edit any of the group's activities."""
        return self._own(group) and (self.is_organiser or self.gardens(group))

    def can_remove_member(self, group: Any, membership: Any) -> bool:
        """Gardeners remove members; removing a gardener is an appointment: organisers."""
        if membership.role == GARDENER:
            return self._own(group) and self.can_appoint_gardener
        return self.can_manage_group(group)

    def can_withdraw_invitation(self, group: Any, invitation: Any) -> bool:
        """A gardener invitation is an appointment: only organisers take it back."""
        if invitation.role == GARDENER:
            return self._own(group) and self.can_appoint_gardener
        return self.can_manage_group(group)

    def can_log_activity(self, group: Any) -> bool:
        return self._own(group) and (self.is_organiser or self.in_group(group))

    def can_edit_activity(self, activity: Any) -> bool:
        return self._own(activity) and (
            self.can_manage_group(activity.group)
            or (activity.led_by_id == self.user.id and self.in_group(activity.group))
        )

    def can_see_group_reports(self, group: Any) -> bool:
        return self._own(group) and (self.can_see_all_reports or self.in_group(group))

    def can_see_referral(self, referral: Any) -> bool:
        """Clients are private: the concierge, the receiver, the group's gardener, organisers."""
        return self._own(referral) and (
            self.is_organiser
            or self.user.id in (referral.referrer_id, referral.receiver_id)
            or self.gardens(referral.group)
        )

    def require(self, allowed: bool) -> None:
        """For actions inside a network the person can see: they get 403, not 404."""
        if not allowed:
            raise PermissionDenied

    @property
    def groups_with_visible_reports(self) -> QuerySet[Any]:
        """The network's active groups whose reports and dashboard this person may see:
        the same rule as `can_see_group_reports`, as a list to link to."""
        groups = self.network.groups.active().order_by("name")
        return groups if self.can_see_all_reports else groups.filter(id__in=self.group_roles)

    @property
    def can_choose_report_delivery(self) -> bool:
        """Delivery preferences live on the Membership: a site admin who is not a member
        has none to set."""
        return self.network_role is not None

    @property
    def can_resend_report_mails(self) -> bool:
        """See the network's report mails that failed for good, and send them again."""
        return self.is_organiser

    # referrals and client privacy (CNGs)
    def can_refer_in(self, group: Any) -> bool:
        """Record a referral: members (gardener included) of an active CNG."""
        return (
            self._own(group) and group.is_cng and group.archived_at is None and self.in_group(group)
        )

    def can_see_group_referrals(self, group: Any) -> bool:
        """The CNG's referral board: its members and the network's organisers."""
        return self._own(group) and group.is_cng and (self.is_organiser or self.in_group(group))

    def can_view_referral(self, referral: Any) -> bool:
        """The referral itself (need, people, status): its group's members see it too,
        without the client's details (see `can_see_client`)."""
        return self._own(referral) and (
            self.can_see_referral(referral) or self.in_group(referral.group)
        )

    def can_see_client(self, referral: Any) -> bool:
        """The client's name and contact details: the four roles of `can_see_referral`,
        and before the client's consent is recorded only the concierge who brought them."""
        if not self._own(referral):
            return False
        if self.user.id == referral.referrer_id:
            return True
        return referral.client.has_consent and self.can_see_referral(referral)

    def can_log_touchpoint(self, referral: Any) -> bool:
        """The concierge stays with the client: touchpoints and follow-up dates are theirs."""
        return self._own(referral) and self.user.id == referral.referrer_id

    def can_record_feedback(self, referral: Any) -> bool:
        return (
            self.can_log_touchpoint(referral)
            and referral.status in ("served", "closed")
            and referral.client.anonymised_at is None
        )

    def can_record_consent(self, referral: Any) -> bool:
        return self.can_log_touchpoint(referral) and referral.client.anonymised_at is None

    def can_correct_referral(self, referral: Any) -> bool:
        """Put a wrong day or value right: either party, or an organiser."""
        return self._own(referral) and (
            self.is_organiser or self.user.id in (referral.referrer_id, referral.receiver_id)
        )

    def can_set_follow_up_interval(self, group: Any) -> bool:
        return self.can_manage_group(group) and group.is_cng

    @property
    def can_manage_client_privacy(self) -> bool:
        """Erase a client on request, set how long clients' details are kept."""
        return self.is_organiser

    @property
    def client_group_ids(self) -> set[int] | None:
        """Groups whose every client this person may see: None means all (organisers)."""
        return None if self.is_organiser else self.gardened_group_ids

    def referral_boards(self) -> QuerySet[Any]:
        """The active CNGs whose board this person sees (`can_see_group_referrals`)."""
        cngs = _active_cngs(self.network)
        return cngs if self.is_organiser else cngs.filter(id__in=self.board_group_ids)

    @property
    def has_referral_boards(self) -> bool:
        """Whether there is one: the menu then shows "Referrals". A member's own groups
        answer it; an organiser's was read with the roles (a site admin who is not a
        member of the network takes one query)."""
        if not self.is_organiser:
            return bool(self.board_group_ids)
        if self.network_has_boards is not None:
            return self.network_has_boards
        return self.referral_boards().exists()

    @property
    def can_choose_notification_delivery(self) -> bool:
        return self.network_role is not None

    @property
    def can_export_directory(self) -> bool:
        """The member directory as a file, with everyone's email address: organisers."""
        return self.is_organiser

    @property
    def can_import_members(self) -> bool:
        """Bring people in from a file: accounts, group places and invitations."""
        return self.is_organiser

    def can_edit_profile_of(self, person: Any) -> bool:
        """Correct a member's name, organisation, sector and expertise: the person
        themselves, and the network's organisers."""
        return person.pk == self.user.pk or self.is_organiser

    @property
    def can_manage_webhooks(self) -> bool:
        """Register webhook endpoints, see their secrets and delivery log, replay."""
        return self.is_organiser

    def visible_referrals(self, referrals: QuerySet) -> QuerySet:
        """Of the network's referrals, those `can_view_referral` lets this person see (the
        API lists them): organisers every one, others their groups' and their own."""
        if self.is_organiser:
            return referrals
        return referrals.filter(
            Q(group_id__in=list(self.group_roles))
            | Q(referrer_id=self.user.id)
            | Q(receiver_id=self.user.id)
        )


def visible_networks(user: User | AnonymousUser) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    return Network.objects.filter(memberships__user=user)


def network_access(request: HttpRequest, slug: str) -> tuple[Network, Access]:
    """The network with this slug and the person's access to it; 404 if it is not theirs."""
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise Http404("No such network.")
    access = Access.load(request.user, network)
    if not access.is_member:
        raise Http404("No such network.")
    return network, access
