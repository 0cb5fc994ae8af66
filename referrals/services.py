"""Writes that touch a referral and its people: each in a transaction, mail on commit.

Every refusal is a ValidationError with a message a person can act on, raised before
anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from groups.models import GroupMembership, PeerGroup
from networks.formatting import quantity
from networks.models import Network, User
from notifications.models import Notification
from notifications.services import notify
from referrals.models import (
    Client,
    ClientErasure,
    FeedbackLink,
    Referral,
    StatusChange,
    Touchpoint,
)
from webhooks.services import referral_status_changed

Status = Referral.Status
VERBS: dict[str, str] = {
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.IN_PROGRESS: "started work on",
    Status.SERVED: "served",
    Status.CLOSED: "closed",
}


def _locked(referral: Referral) -> Referral:
    """The referral's row, locked for this transaction and read afresh: two people moving
    it at once take turns, and the second sees the first one's move."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("network", "group", "referrer", "receiver", "client")
        .get(pk=referral.pk)
    )


def _other_party(referral: Referral, user: Any) -> User:
    return referral.receiver if user.pk == referral.referrer_id else referral.referrer


def _group_member_ids(group: PeerGroup) -> set[int]:
    return set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))


# ---------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    user: User
    matches: int  # words of the need found in the person's expertise, sector, organisation
    served: int  # referrals this person served in the group

    @property
    def reason(self) -> str:
        parts = []
        if self.matches:
            many = self.matches != 1
            parts.append(
                f"{self.matches} word{'s' if many else ''} of the need match{'' if many else 'es'}"
            )
        if self.served:
            parts.append(f"served {self.served} referral{'s' if self.served != 1 else ''} here")
        return "; ".join(parts)


SUGGESTION_RULE = (
    "Colleagues are ranked by how many words of the need appear in their expertise, sector "
    "or organisation, then by how many referrals they have served in this group."
)
_WORD = re.compile(r"[a-z]{4,}")


def colleague_suggestions(
    *, group: PeerGroup, referrer: Any, need: str, limit: int = 3
) -> list[Suggestion]:
    """The colleagues who best fit a need, by SUGGESTION_RULE; people with no match and no
    history are not suggested (anyone in the group can still be picked)."""
    words = set(_WORD.findall(need.lower()))
    people = (
        User.objects.filter(group_memberships__group=group)
        .exclude(pk=referrer.pk)
        .annotate(
            served=Count(
                "referrals_received",
                filter=Q(
                    referrals_received__group=group,
                    referrals_received__status__in=(Status.SERVED, Status.CLOSED),
                ),
            )
        )
    )
    ranked = []
    for person in people:
        about = set(
            _WORD.findall(f"{person.expertise} {person.sector} {person.organisation}".lower())
        )
        suggestion = Suggestion(person, len(words & about), person.served)
        if suggestion.matches or suggestion.served:
            ranked.append(suggestion)
    ranked.sort(key=lambda s: (-s.matches, -s.served, s.user.name))
    return ranked[:limit]


# ---------------------------------------------------------------- making and moving


@transaction.atomic
def referral_create(
    *,
    group: PeerGroup,
    referrer: Any,
    receiver: Any,
    need: str,
    client: Client | None = None,
    client_details: dict[str, str] | None = None,
    consent: str = "",
    follow_up_on: dt.date | None = None,
) -> Referral:
    """A member brings a client (known, or new from `client_details`) to a colleague.

    Refuses a group that is not a CNG, a referrer or receiver outside the group, a referral
    to oneself, a client of another network and a follow-up date in the past.
    """
    network = group.network
    if not group.is_cng:
        raise ValidationError("Referrals are made in collaborative network groups only.")
    if group.archived_at is not None:
        raise ValidationError("This group is archived.")
    members = _group_member_ids(group)
    if referrer.pk not in members:
        raise ValidationError("Only members of the group make referrals in it.")
    if receiver.pk == referrer.pk:
        raise ValidationError("You cannot refer a client to yourself.")
    if receiver.pk not in members:
        raise ValidationError("The colleague must be a member of this group.")
    if not need.strip():
        raise ValidationError("Say what the client needs.")
    today = network.today()
    if follow_up_on is not None and follow_up_on < today:
        raise ValidationError("The follow-up date is in the past.")
    if client is None:
        details = client_details or {}
        if not details.get("name", "").strip():
            raise ValidationError("Give the client's name.")
        client = Client(network=network, created_by=referrer, **details)
        client.full_clean()
        client.save()
    elif client.network_id != network.pk or client.anonymised_at is not None:
        raise ValidationError("Choose a client known to this network.")
    if consent and not client.has_consent:
        client.record_consent(consent, by=referrer)
    referral = Referral.objects.create(
        network=network,
        group=group,
        client=client,
        referrer=referrer,
        receiver=receiver,
        need=need.strip(),
        made_on=today,
        follow_up_on=follow_up_on,
    )
    StatusChange.objects.create(
        referral=referral, from_status=Status.MADE, to_status=Status.MADE, changed_by=referrer,
        note="Referral made.",
    )  # fmt: skip
    notify(
        user=receiver,
        network=network,
        verb=f"{referrer} referred a client to you",
        text=referral.need[:200],
        link=referral.get_absolute_url(),
    )
    return referral


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    to: str,
    by: Any,
    reason: str = "",
    value: Decimal | None = None,
    thanks: str = "",
) -> StatusChange:
    """One move of the life cycle by the party entitled to it; the other party is told
    at once (in the app, and by email as they chose)."""
    caller, referral = referral, _locked(referral)
    change = referral.move(
        to, by=by, on=referral.network.today(), reason=reason, value=value, thanks=thanks
    )
    other = _other_party(referral, by)
    reopened = change.from_status == Status.SERVED and to == Status.IN_PROGRESS
    verb = f"{by} {'reopened' if reopened else VERBS[to]} the referral"
    text = reason or thanks
    if to == Status.CLOSED:
        amount = "no business" if not value else quantity(value, referral.network.currency)
        text = f"Closed: {amount}. {thanks}".strip()
    notify(user=other, network=referral.network, verb=verb, text=text,
           link=referral.get_absolute_url())  # fmt: skip
    referral_status_changed(referral=referral, from_status=change.from_status)
    caller.refresh_from_db()
    return change


@transaction.atomic
def referral_correct(*, referral: Referral, by: Any, **changes: Any) -> StatusChange | None:
    caller, referral = referral, _locked(referral)
    change = referral.correct(by=by, **changes)
    caller.refresh_from_db()
    return change


@transaction.atomic
def touchpoint_add(
    *,
    referral: Referral,
    author: Any,
    kind: str,
    note: str,
    happened_on: dt.date,
    follow_up_on: dt.date | None = None,
) -> Touchpoint:
    """The concierge checked in; the quiet clock and its reminders start again."""
    caller, referral = referral, _locked(referral)  # touchpoints logged at once take turns
    today = referral.network.today()
    if author.pk != referral.referrer_id:
        raise ValidationError("Only the concierge logs touchpoints.")
    if referral.is_finished:
        raise ValidationError("This referral is finished: no follow-up is needed.")
    if not note.strip():
        raise ValidationError("Say what happened.")
    if happened_on > today:
        raise ValidationError("A touchpoint cannot be in the future.")
    if happened_on < referral.made_on:
        raise ValidationError("That day is before the referral was made.")
    if follow_up_on is not None and follow_up_on < today:
        raise ValidationError("The follow-up date is in the past.")
    touchpoint = Touchpoint.objects.create(
        referral=referral, author=author, kind=kind, note=note.strip(), happened_on=happened_on
    )
    Referral.objects.filter(pk=referral.pk).update(
        last_touch_on=max(happened_on, referral.last_touch_on or happened_on),
        first_touch_on=min(happened_on, referral.first_touch_on or happened_on),
        follow_up_on=follow_up_on,
        reminders_sent=0,
        escalated_at=None,
    )
    caller.refresh_from_db()
    return touchpoint


@transaction.atomic
def consent_record(*, referral: Referral, by: Any, how: str) -> Client:
    client = referral.client
    if client.has_consent:
        raise ValidationError("The client's consent is already recorded.")
    client.record_consent(how, by=by)
    notify(user=referral.receiver, network=referral.network,
           verb=f"{by} recorded the client's consent: you can now see their details",
           link=referral.get_absolute_url())  # fmt: skip
    return client


# ---------------------------------------------------------------- feedback


def _check_rating(rating: int | None) -> None:
    if rating is None or not 1 <= rating <= 5:
        raise ValidationError("Satisfaction is a number from 1 to 5.")


@transaction.atomic
def feedback_record(*, referral: Referral, by: Any, rating: int | None, comment: str) -> Referral:
    """The concierge records what the served client said."""
    caller, referral = referral, _locked(referral)
    if by.pk != referral.referrer_id:
        raise ValidationError("Only the concierge records the client's feedback.")
    if referral.status not in (Status.SERVED, Status.CLOSED):
        raise ValidationError("Feedback comes once the client has been served.")
    _check_rating(rating)
    referral.client_rating = rating
    referral.client_feedback = comment.strip()
    referral.feedback_at = timezone.now()
    referral.save(update_fields=["client_rating", "client_feedback", "feedback_at"])
    notify(user=referral.receiver, network=referral.network,
           verb=f"The client rated your service {rating} of 5",
           text=referral.client_feedback[:200], link=referral.get_absolute_url())  # fmt: skip
    caller.refresh_from_db()
    return referral


@transaction.atomic
def feedback_link_create(*, referral: Referral, by: Any) -> tuple[FeedbackLink, str]:
    """A private, single-use link for the client. Returns the link and its token, shown
    once to the concierge to pass on; only its hash is stored. Earlier links stop working."""
    if by.pk != referral.referrer_id:
        raise ValidationError("Only the concierge asks the client for feedback.")
    if referral.status not in (Status.SERVED, Status.CLOSED):
        raise ValidationError("Ask for feedback once the client has been served.")
    now = timezone.now()
    referral.feedback_links.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token, token_hash = FeedbackLink.new_token()
    link = FeedbackLink.objects.create(
        referral=referral,
        token_hash=token_hash,
        created_by=by,
        expires_at=FeedbackLink.default_expiry(),
    )
    return link, token


@transaction.atomic
def feedback_link_use(*, token: str, rating: int | None, comment: str) -> Referral:
    """The client's own answer through the link: once, before it expires."""
    link = FeedbackLink.find(token)
    if link is None:
        raise ValidationError("This feedback link is not valid.")
    link = FeedbackLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:
        raise ValidationError("This feedback link has already been used. Thank you!")
    if link.expires_at <= timezone.now():
        raise ValidationError("This feedback link has expired.")
    _check_rating(rating)
    referral = Referral.objects.select_related("network", "referrer", "receiver").get(
        pk=link.referral_id
    )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    referral.client_rating = rating
    referral.client_feedback = comment.strip()[:2000]
    referral.feedback_at = link.used_at
    referral.save(update_fields=["client_rating", "client_feedback", "feedback_at"])
    for person in (referral.referrer, referral.receiver):
        notify(user=person, network=referral.network,
               verb=f"The client gave feedback: {rating} of 5",
               text=referral.client_feedback[:200], link=referral.get_absolute_url())  # fmt: skip
    return referral


# ---------------------------------------------------------------- reminders


def reminders_send(*, today: dt.date | None = None) -> int:
    """One reminder to the concierge per overdue follow-up interval, and the group's
    gardeners told once a referral has missed two. Safe to rerun: the interval reminded
    is recorded on the referral, so a second run the same day sends nothing."""
    sent = 0
    open_referrals = (
        Referral.objects.open()
        .select_related("network", "group", "referrer")
        .order_by("pk")
        .iterator(chunk_size=500)
    )
    for candidate in open_referrals:
        day = today or candidate.network.today()
        if candidate.quiet_intervals(day) > candidate.reminders_sent:
            sent += _remind(referral_id=candidate.pk, today=day)
    return sent


@transaction.atomic
def _remind(*, referral_id: int, today: dt.date) -> int:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("network", "group", "referrer")
        .get(pk=referral_id)
    )
    intervals = referral.quiet_intervals(today)
    if not referral.is_open or intervals <= referral.reminders_sent:
        return 0  # another run got here first
    days = intervals * referral.group.follow_up_days
    notify(user=referral.referrer, network=referral.network, kind=Notification.Kind.REMINDER,
           verb=f"Follow up: no touchpoint for {days} days",
           text=f"{referral.need[:120]} (with {referral.receiver})",
           link=referral.get_absolute_url())  # fmt: skip
    sent = 1
    referral.reminders_sent = intervals
    if intervals >= 2 and referral.escalated_at is None:
        referral.escalated_at = timezone.now()
        for membership in referral.group.gardeners().select_related("user"):
            if membership.user_id == referral.referrer_id:
                continue
            notify(user=membership.user, network=referral.network,
                   kind=Notification.Kind.REMINDER,
                   verb=f"{referral.referrer}'s referral has missed two follow-ups",
                   link=referral.get_absolute_url())  # fmt: skip
            sent += 1
    referral.save(update_fields=["reminders_sent", "escalated_at"])
    return sent


# ---------------------------------------------------------------- clients' privacy


@transaction.atomic
def client_erase(
    *, client: Client, by: Any | None, reason: str = ClientErasure.Reason.REQUEST
) -> ClientErasure:
    """Anonymise a client now, recording that it happened (never what was erased). The
    referrals stay, so every figure is kept."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.anonymised_at is not None:
        raise ValidationError("This client has already been erased.")
    client.anonymise()
    referrals = client.referrals.all()
    # Feedback can quote the client, and an unused link would reach them: both go too.
    referrals.update(client_feedback="")
    FeedbackLink.objects.filter(referral__client=client, used_at__isnull=True).update(
        expires_at=timezone.now()
    )
    Touchpoint.objects.filter(referral__client=client).update(note="(erased with the client)")
    return ClientErasure.objects.create(
        network=client.network,
        client=client,
        reason=reason,
        erased_by=by,
        referral_count=referrals.count(),
    )


def clients_anonymise_due(*, now: dt.datetime | None = None) -> int:
    """Anonymise every client whose last referral closed longer ago than their network
    keeps clients (Network.client_retention_months)."""
    now = now or timezone.now()
    count = 0
    for client in Client.objects.finished():
        months = client.network.client_retention_months
        last = client.last_closed  # type: ignore[attr-defined]
        if last is None:
            continue
        if _add_months(last, months) <= now.astimezone(client.network.tz).date():
            client_erase(client=client, by=None, reason=ClientErasure.Reason.RETENTION)
            count += 1
    return count


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # The 31st of a shorter month is its last day.
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def follow_up_interval_set(*, group: PeerGroup, days: int) -> PeerGroup:
    if not 1 <= days <= 90:
        raise ValidationError("The follow-up interval is between 1 and 90 days.")
    group.follow_up_days = days
    group.save(update_fields=["follow_up_days"])
    return group


@transaction.atomic
def retention_set(*, network: Network, months: int) -> Network:
    if not 1 <= months <= 120:
        raise ValidationError("Keep clients' details between 1 and 120 months.")
    network.client_retention_months = months
    network.save(update_fields=["client_retention_months"])
    return network
