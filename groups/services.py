"""Writes that touch groups, their members and their activities.

Contributions (objectives.Contribution) are written here too, because an activity and the
measures it advances are saved as one thing. The objectives app imports from groups, not
the other way round, so its models are looked up by name through the app registry.
"""

from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Network, User

# Words used by the groups URLs themselves; a group with such a slug could not be reached.
RESERVED_SLUGS = {"new", "activities"}


def _measure_model():  # noqa: ANN202 - a model class looked up at run time
    return apps.get_model("objectives", "Measure")


def _contribution_model():  # noqa: ANN202
    return apps.get_model("objectives", "Contribution")


def contribution_measures(network: Network) -> QuerySet:
    """Measures an activity can advance by an amount: summed contributions of active objectives."""
    return (
        _measure_model()
        .objects.filter(
            objective__network=network,
            objective__archived_at__isnull=True,
            source="activity_sum",
        )
        .select_related("objective")
        .order_by("objective__due_on", "objective__title", "id")
    )


def group_slug_for(
    *, network: Network, name: str, slug: str = "", exclude_pk: int | None = None
) -> str:
    """The slug a group would get, or ValidationError when it is taken or unusable."""
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError("Use at least one letter or digit, so the group gets a web address.")
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"“{slug}” is reserved; choose another name or web address.")
    taken = PeerGroup.objects.filter(network=network, slug=slug).exclude(pk=exclude_pk)
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
def activity_save(
    *,
    activity: Activity,
    participants: list[User] | QuerySet,
    contributions: dict[int, Decimal],
) -> Activity:
    """Save an activity (new or changed), its participants and how much it advanced each measure.

    `contributions` maps measure id -> amount; a measure left out (or 0) has no contribution.
    Every participant must be in the activity's group and every measure in its network.
    """
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
    known = set(
        _measure_model()
        .objects.filter(pk__in=contributions, objective__network_id=group.network_id)
        .values_list("pk", flat=True)
    )
    if set(contributions) - known:
        raise ValidationError("An activity can only advance this network's measures.")
    if any(amount < 0 for amount in contributions.values()):
        raise ValidationError("Contribution amounts cannot be negative.")

    activity.full_clean(exclude=["participants"])
    activity.save()
    activity.participants.set(participant_ids)

    Contribution = _contribution_model()
    wanted = {pk: amount for pk, amount in contributions.items() if amount}
    Contribution.objects.filter(activity=activity).exclude(measure_id__in=wanted).delete()
    for measure_id, amount in wanted.items():
        Contribution.objects.update_or_create(
            activity=activity, measure_id=measure_id, defaults={"amount": amount}
        )
    return activity


def activity_contributions(activity: Activity) -> dict[int, Decimal]:
    return dict(
        _contribution_model().objects.filter(activity=activity).values_list("measure_id", "amount")
    )


def activity_delete(*, activity: Activity) -> None:
    activity.delete()


def network_objectives(network: Network) -> QuerySet:
    """The network's active objectives, for filtering activities by what they advanced."""
    return apps.get_model("objectives", "Objective").objects.filter(
        network=network, archived_at__isnull=True
    )
