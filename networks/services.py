from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from networks.models import ApiToken, Invitation, Membership, Network, SoundBite, User

PROFILE_FIELDS = ("organisation", "sector", "expertise")


class InvitationError(Exception):
    """The invitation cannot be used; the message says why, for the person holding the link."""


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})


@transaction.atomic
def invitation_create(
    *,
    network: Network,
    email: str,
    role: str,
    invited_by: User,
    group: Any = None,  # a groups.PeerGroup: networks does not import groups
) -> tuple[Invitation, str]:
    """Create an invitation and mail its link once the transaction commits.

    Returns the invitation and its token; only a hash of the token is stored.
    An earlier pending invitation of the same address to the same place is revoked.
    """
    email = email.strip().lower()
    Invitation.objects.pending().filter(network=network, email=email, group=group).update(
        revoked_at=timezone.now()
    )
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        network=network,
        group=group,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=Invitation.default_expiry(),
    )
    context = {"invitation": invitation, "url": invitation_url(token)}
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {network.name} on Grove",
            message=render_to_string("networks/email/invitation.txt", context),
            html_message=render_to_string("networks/email/invitation.html", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.is_usable:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    name: str = "",
    password: str = "",
    profile: dict[str, str] | None = None,
) -> User:
    """Use an invitation: join the network (and group) as the invited role.

    `user` is the signed-in person accepting, who must have the invited address; without
    one, an account is created for that address with `name`, `password` and the `profile`
    fields given (organisation, sector, expertise). An account a member import made, which
    has never had a password, is completed the same way. The invitation can be used once.
    """
    invitation = Invitation.find_by_token(token)
    if invitation is None:
        raise InvitationError("This invitation link is not valid.")
    # Lock the row so two tabs accepting at once cannot both succeed.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state == "accepted":
        raise InvitationError("This invitation has already been used.")
    if invitation.state == "revoked":
        raise InvitationError("This invitation was withdrawn.")
    if invitation.state == "expired":
        raise InvitationError("This invitation has expired; ask for a new one.")

    if user is not None and not invitation.is_for(user):
        # The link may have been forwarded or leaked: it grants nothing to anyone else.
        raise InvitationError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    if user is None:
        details = {k: v for k, v in (profile or {}).items() if k in PROFILE_FIELDS and v}
        waiting = User.objects.filter(email__iexact=invitation.email).first()
        if waiting is None:
            user = User.objects.create_user(invitation.email, password, name=name, **details)
        elif waiting.has_usable_password() or waiting.last_login is not None:
            raise InvitationError("An account with this email exists: sign in, then open the link.")
        else:
            # Imported, never signed in: the invitation to this address is what completes it.
            user = waiting
            user.set_password(password)
            for key, value in ({"name": name} | details).items():
                if value:
                    setattr(user, key, value)
            user.save()

    network_role = (
        Membership.Role.ORGANISER
        if invitation.role == Invitation.Role.ORGANISER
        else Membership.Role.MEMBER
    )
    membership, created = Membership.objects.get_or_create(
        user=user, network=invitation.network, defaults={"role": network_role}
    )
    if not created and network_role == Membership.Role.ORGANISER:
        membership.role = network_role
        membership.save(update_fields=["role"])
    if invitation.group is not None:
        group_membership, _ = invitation.group.memberships.get_or_create(
            user=user, defaults={"role": invitation.role}
        )
        if invitation.role == "gardener" and group_membership.role != "gardener":
            group_membership.role = "gardener"
            group_membership.save(update_fields=["role"])

    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def invitation_resend(*, invitation: Invitation, invited_by: User) -> tuple[Invitation, str]:
    """A fresh link for the same address, role and group; the old link stops working."""
    return invitation_create(
        network=invitation.network,
        email=invitation.email,
        role=invitation.role,
        invited_by=invited_by,
        group=invitation.group,
    )


@transaction.atomic
def network_statement_update(*, network: Network, mission: str, vision: str) -> Network:
    """Save the mission and vision; history (and who changed it) is kept by simple-history."""
    if (network.mission, network.vision) != (mission, vision):
        network.mission = mission
        network.vision = vision
        network.save(update_fields=["mission", "vision"])
    return network


@transaction.atomic
def network_settings_update(
    *,
    network: Network,
    name: str,
    report_cadence: str,
    time_zone: str,
    tolerance: Decimal,
    currency: str | None = None,
) -> Network:
    network.name = name
    network.report_cadence = report_cadence
    network.time_zone = time_zone
    network.tolerance = tolerance
    network.currency = currency or network.currency
    network.full_clean(exclude=["slug"])
    network.save(update_fields=["name", "report_cadence", "time_zone", "tolerance", "currency"])
    return network


def _renumber(bites: list[SoundBite]) -> None:
    for position, bite in enumerate(bites):
        if bite.position != position:
            bite.position = position
            bite.save(update_fields=["position"])


@transaction.atomic
def sound_bite_add(*, network: Network, text: str) -> SoundBite:
    """Add a sound bite at the end of the list."""
    last = network.sound_bites.order_by("-position").values_list("position", flat=True).first()
    return SoundBite.objects.create(
        network=network, text=text, position=0 if last is None else last + 1
    )


@transaction.atomic
def sound_bite_move(*, bite: SoundBite, position: int) -> None:
    """Move a sound bite to `position` (0 is first, clamped to the list) and renumber the rest."""
    # Lock the network's bites so two organisers reordering at once cannot interleave.
    bites = list(
        SoundBite.objects.select_for_update()
        .filter(network_id=bite.network_id)
        .order_by("position", "id")
    )
    current = next(b for b in bites if b.pk == bite.pk)
    bites.remove(current)
    bites.insert(max(0, min(position, len(bites))), current)
    _renumber(bites)


@transaction.atomic
def sound_bite_remove(*, bite: SoundBite) -> None:
    network_id = bite.network_id
    bite.delete()
    _renumber(
        list(
            SoundBite.objects.select_for_update()
            .filter(network_id=network_id)
            .order_by("position", "id")
        )
    )


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scope: str, expires_at: Any = None
) -> tuple[ApiToken, str]:
    """A new personal API token and its text, which is shown once and never stored."""
    text, prefix, token_hash = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, expires_at=expires_at, prefix=prefix,
        token_hash=token_hash,
    )  # fmt: skip
    return token, text
