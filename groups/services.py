"""Writes that touch groups, their members and their activities.

What an activity contributes to the objectives' measures is written by
objectives.services.activity_save_with_contributions, which calls activity_save here:
objectives imports from groups, never the other way round.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.text import slugify

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Network, User

# Words used by the groups URLs themselves; a group with such a slug could not be reached.
RESERVED_SLUGS = {"new", "activities"}


def group_slug_for(
    *, network: Network, name: str, slug: str = "", exclude_pk: int | None = None
) -> str:
    """The slug a group would get, or ValidationError when it is taken or unusable."""
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError("Use at least one letter or digit, so the group gets a web address.")
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"“{slug}” is reserved; choose another name or web address.")
    taken = PeerGroup.objects.filter(network=network, slug=slug)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            f"A group with the web address “{slug}” already exists in this network; "
            "choose another name or web address."
        )
    return slug


@transaction.atomic
def group_create(
    *,
    network: Network,
    name: str,
    kind: str,
    purpose: str = "",
    is_cng: bool = False,
    slug: str = "",
) -> PeerGroup:
    return PeerGroup.objects.create(
        network=network,
        name=name,
        slug=group_slug_for(network=network, name=name, slug=slug),
        kind=kind,
        purpose=purpose,
        is_cng=is_cng,
    )


@transaction.atomic
def member_add(
    *, group: PeerGroup, user: User, role: str = GroupMembership.Role.MEMBER
) -> GroupMembership:
    """Put a member of the group's network into the group; an existing membership keeps its row."""
    if not user.memberships.filter(network_id=group.network_id).exists():
        raise ValidationError("Only members of this network can join its groups.")
    membership, created = GroupMembership.objects.get_or_create(
        group=group, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_set_role(*, membership: GroupMembership, role: str) -> GroupMembership:
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def member_remove(*, membership: GroupMembership) -> None:
    membership.delete()


@transaction.atomic
def activity_save(*, activity: Activity, participants: list[User] | QuerySet) -> Activity:
    """Save an activity (new or changed) and its participants, who must be in its group."""
    group = activity.group
    activity.network_id = group.network_id
    participant_ids = {user.pk for user in participants}
    members = set(
        GroupMembership.objects.filter(group=group, user_id__in=participant_ids).values_list(
            "user_id", flat=True
        )
    )
    if participant_ids - members:
        raise ValidationError({"participants": "Participants must be members of the group."})
    activity.full_clean(exclude=["participants"])
    _lock_rollup_rows(activity, participant_ids)
    activity.save()
    activity.participants.set(participant_ids)
    return activity


def _lock_rollup_rows(activity: Activity, participant_ids: set[int]) -> None:
    """Take, up front and in one order (networks, then groups, then people, each by id), the
    row locks the rollups' signals take one after another as the activity and then its
    participants are saved: two people logging activities with each other in two groups at
    once would otherwise each hold their own row and wait for the other's (a deadlock). The
    network's row is the network rollups' lock (objectives.rollup), taken before any group's."""
    before = Activity.objects.filter(pk=activity.pk)  # nothing for a new activity
    groups = Q(pk=activity.group_id) | Q(pk__in=before.values("group_id"))
    people = (
        Q(pk__in={activity.led_by_id, *participant_ids})
        | Q(pk__in=before.values("led_by_id"))
        | Q(
            pk__in=Activity.participants.through.objects.filter(activity=activity.pk).values(
                "user_id"
            )
        )
    )
    networks = Q(pk__in=PeerGroup.objects.filter(groups).values("network_id"))
    for model, rows in ((Network, networks), (PeerGroup, groups), (User, people)):
        list(model.objects.select_for_update(no_key=True).filter(rows).order_by("pk").values("pk"))


def activity_delete(*, activity: Activity) -> None:
    activity.delete()
