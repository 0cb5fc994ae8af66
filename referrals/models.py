"""Clients, referrals and their story: touchpoints, status history, feedback links.

The life cycle is one table, MOVES: (from, to) -> the party who may make that move. Every
path (pages, admin, API) moves a referral through `Referral.move`, which refuses anything
else, so no path skips the rules or the history.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from groups.models import PeerGroup
from networks.models import Network

ERASED = "Erased client"


class ClientQuerySet(models.QuerySet["Client"]):
    def for_network(self, network: Network) -> ClientQuerySet:
        return self.filter(network=network)

    def known_to(self, network: Network, *, user_id: int, group_ids: set[int]) -> ClientQuerySet:
        """Clients this person may pick again: ones they brought or served, or any client of
        a group they garden. Organisers pass every group id of the network."""
        return (
            self.for_network(network)
            .filter(anonymised_at__isnull=True)
            .filter(
                Q(created_by_id=user_id)
                | Q(referrals__referrer_id=user_id)
                | Q(referrals__receiver_id=user_id)
                | Q(referrals__group_id__in=group_ids)
            )
            .distinct()
        )

    def finished(self) -> ClientQuerySet:
        """Clients not yet anonymised whose every referral is closed or declined, with
        `last_closed`: the day the last of them closed (or was declined)."""
        open_referral = Referral.objects.filter(client=models.OuterRef("pk")).exclude(
            status__in=FINISHED
        )
        return (
            self.filter(anonymised_at__isnull=True, referrals__isnull=False)
            .annotate(
                last_closed=models.Max(Coalesce("referrals__closed_on", "referrals__answered_on"))
            )
            .exclude(models.Exists(open_referral))
            .select_related("network")
        )


class Client(models.Model):
    """An external contact a member brings to a CNG. Private to the people serving them."""

    class Consent(models.TextChoices):
        NONE = "", "Not yet recorded"
        SPOKEN = "spoken", "Said yes when we spoke"
        WRITTEN = "written", "Agreed in writing or by email"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(max_length=2000, blank=True, db_default="")
    consent = models.CharField(
        max_length=10, choices=Consent.choices, blank=True, default="", db_default=""
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients_brought"
    )
    created_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent="") | Q(consent_at__isnull=False),
                name="referrals_client_consent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True)
                | (Q(email="") & Q(phone="") & Q(notes="") & Q(organisation="")),
                name="referrals_client_anonymised_has_no_details",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_consent(self) -> bool:
        return bool(self.consent)

    def record_consent(self, how: str, *, by: Any) -> None:
        if how not in self.Consent.values or not how:
            raise ValidationError("Say how the client agreed.")
        self.consent = how
        self.consent_at = timezone.now()
        self.consent_recorded_by = by
        self.save(update_fields=["consent", "consent_at", "consent_recorded_by"])

    def anonymise(self) -> None:
        """Personal details go; the referrals (and so every figure) stay."""
        self.name = ERASED
        self.organisation = self.email = self.phone = self.notes = ""
        self.anonymised_at = timezone.now()
        self.save(
            update_fields=["name", "organisation", "email", "phone", "notes", "anonymised_at"]
        )


class ClientErasure(models.Model):
    """That a client's details were erased, when, why and by whom: never what they were."""

    class Reason(models.TextChoices):
        REQUEST = "request", "Erased on request"
        RETENTION = "retention", "Retention period ended"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="client_erasures")
    client = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="erasures"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)
    referral_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.erased_at:%Y-%m-%d}"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def for_network(self, network: Network) -> ReferralQuerySet:
        return self.filter(network=network)

    def made_in(self, start: date, end: date) -> ReferralQuerySet:
        return self.filter(made_on__gte=start, made_on__lt=end)

    def served_in(self, start: date, end: date) -> ReferralQuerySet:
        return self.filter(served_on__gte=start, served_on__lt=end)

    def closed_in(self, start: date, end: date) -> ReferralQuerySet:
        return self.filter(closed_on__gte=start, closed_on__lt=end)

    def open(self) -> ReferralQuerySet:
        return self.exclude(status__in=SETTLED)

    def involving(self, user_id: int) -> ReferralQuerySet:
        return self.filter(Q(referrer_id=user_id) | Q(receiver_id=user_id))

    def refresh_first_touch(self) -> int:
        """Recompute each referral's `first_touch_on` from its concierge's touchpoints (what
        touchpoint_add keeps), for rows loaded behind its back: `rebuild_rollups`."""
        first = (
            Touchpoint.objects.filter(referral=OuterRef("pk"), author=OuterRef("referrer"))
            .order_by()
            .values("referral")
            .annotate(day=Min("happened_on"))
            .values("day")
        )
        return self.update(first_touch_on=Subquery(first))


class Referral(models.Model):
    """A client brought by a member (the concierge) to another member of a CNG.

    The referrer stays with the client until the referral is served and closed.
    """

    class Status(models.TextChoices):
        MADE = "made", "Made"
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in_progress", "In progress"
        SERVED = "served", "Served"
        CLOSED = "closed", "Closed"
        DECLINED = "declined", "Declined"

    class Party(models.TextChoices):
        REFERRER = "referrer", "Concierge"
        RECEIVER = "receiver", "Colleague"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="referrals")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="referrals")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_given"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_received"
    )
    need = models.TextField(max_length=2000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MADE)
    made_on = models.DateField(default=timezone.localdate)
    answered_on = models.DateField(null=True, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    last_touch_on = models.DateField(null=True, blank=True)
    # The day of the concierge's first touchpoint: the figures' time to first touch reads it
    # rather than every referral's touchpoints. touchpoint_add, the only writer of
    # touchpoints (the admin neither adds nor deletes them), keeps it; rebuild_rollups
    # recomputes it after a bulk load.
    first_touch_on = models.DateField(null=True, blank=True)
    served_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    declined_reason = models.TextField(max_length=1000, blank=True, default="", db_default="")
    thanks = models.TextField(
        "thank-you note", max_length=1000, blank=True, default="", db_default=""
    )
    client_feedback = models.TextField(max_length=2000, blank=True)
    client_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    # Reminders: how many overdue intervals the concierge was reminded of since the last
    # touch, so a rerun of the beat task sends nothing new.
    reminders_sent = models.PositiveSmallIntegerField(default=0, db_default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-made_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=F("receiver")), name="referrals_referral_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(closed_value__isnull=True) | Q(closed_value__gte=0),
                name="referrals_referral_closed_value_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(client_rating__isnull=True)
                | (Q(client_rating__gte=1) & Q(client_rating__lte=5)),
                name="referrals_referral_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(served_on__isnull=True) | Q(served_on__gte=F("made_on")),
                name="referrals_referral_served_after_made",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("made_on")),
                name="referrals_referral_closed_after_made",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(declined_reason=""),
                name="referrals_referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="referrals_referral_closed_has_day",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "made_on"], name="referrals_net_made_idx"),
            # A group's referrals by day, covering what its figures read (referral_totals,
            # the day spans): index-only scans, not one heap page per referral.
            models.Index(
                fields=["group", "made_on"],
                include=[
                    "id",
                    "status",
                    "answered_on",
                    "served_on",
                    "closed_value",
                    "client_rating",
                    "last_touch_on",
                    "first_touch_on",
                ],
                name="referrals_group_figures_idx",
            ),
            models.Index(fields=["network", "served_on"], name="referrals_net_served_idx"),
            models.Index(fields=["network", "closed_on"], name="referrals_net_closed_idx"),
            models.Index(fields=["referrer", "status"], name="referrals_referrer_status_idx"),
            # Open referrals only (not SETTLED), for the console's overdue list and
            # follow-through: a group's open referrals without visiting its settled ones,
            # nor the table at all (index-only scans: every column those two queries read),
            # in the overdue list's order.
            models.Index(
                fields=["group", "follow_up_on", "last_touch_on", "id"],
                include=["made_on", "network", "status"],
                condition=~Q(status__in=["served", "closed", "declined"]),
                name="referrals_open_covering_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.receiver} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse(
            "referrals:detail", kwargs={"network_slug": self.network.slug, "referral_id": self.pk}
        )

    def party(self, user: Any) -> str | None:
        if user.pk == self.referrer_id:
            return self.Party.REFERRER
        if user.pk == self.receiver_id:
            return self.Party.RECEIVER
        return None

    def moves_for(self, user: Any) -> list[Move]:
        """The moves this person may make now, in the table's order."""
        party = self.party(user)
        return [m for m in MOVE_LIST if m.source == self.status and m.party == party]

    def move(
        self,
        to: str,
        *,
        by: Any,
        on: date | None = None,
        reason: str = "",
        value: Decimal | None = None,
        thanks: str = "",
    ) -> StatusChange:
        """Make one move of the life cycle, stamping its day and recording who made it.
        Raises ValidationError for a move the table does not allow or this person may not
        make, a decline without a reason, or a negative value."""
        move = MOVES.get((self.status, to))
        if move is None:
            raise ValidationError(
                f"A referral that is {self.get_status_display().lower()} cannot become "
                f"{self.Status(to).label.lower() if to in self.Status.values else to}."
            )
        if self.party(by) != move.party:
            raise ValidationError(f"Only the {self.Party(move.party).label.lower()} may do that.")
        on = on or timezone.localdate()
        if on < self.made_on:
            raise ValidationError("That day is before the referral was made.")
        if to == self.Status.DECLINED:
            if not reason.strip():
                raise ValidationError(
                    "Say why you decline, so the concierge can find someone else."
                )
            self.declined_reason = reason.strip()
        if to in (self.Status.ACCEPTED, self.Status.DECLINED):
            self.answered_on = on
        if to == self.Status.SERVED:
            self.served_on = on
        if to == self.Status.IN_PROGRESS and self.status == self.Status.SERVED:
            self.served_on = None  # reopened: not served yet
        if to == self.Status.CLOSED:
            if value is not None and value < 0:
                raise ValidationError("The value cannot be negative; use “no business” instead.")
            self.closed_value = value
            self.thanks = thanks.strip()
            self.served_on = self.served_on or on
            self.closed_on = on
        change = StatusChange(
            referral=self, from_status=self.status, to_status=to, changed_by=by, note=reason.strip()
        )
        self.status = to
        self.save()
        change.save()
        return change

    def change_status(self, to: str, *, by: Any, on: date | None = None) -> StatusChange:
        """For data loaders that replay a known story (demo and scale data): set the status
        and stamp days without the party check. Pages and the admin use `move`."""
        on = on or timezone.localdate()
        change = StatusChange(referral=self, from_status=self.status, to_status=to, changed_by=by)
        self.status = to
        if to in (self.Status.ACCEPTED, self.Status.DECLINED) and self.answered_on is None:
            self.answered_on = on
        if to == self.Status.SERVED and self.served_on is None:
            self.served_on = on
        if to == self.Status.CLOSED:
            self.served_on = self.served_on or on
            self.closed_on = on
        if to == self.Status.DECLINED and not self.declined_reason:
            self.declined_reason = "Declined."
        self.save(
            update_fields=["status", "answered_on", "served_on", "closed_on", "declined_reason"]
        )
        change.save()
        return change

    def correct(self, *, by: Any, **changes: Any) -> StatusChange | None:
        """Put a wrong day or value right, keeping its own history entry (what was, what is,
        who and when). Changes are field -> new value, of CORRECTABLE fields only."""
        lines = []
        for name, new in changes.items():
            if name not in CORRECTABLE:
                raise ValidationError(f"{name} cannot be corrected.")
            old = getattr(self, name)
            if old == new:
                continue
            if name == "closed_value":
                if self.status != self.Status.CLOSED:
                    raise ValidationError("Only a closed referral has a value to correct.")
                if new is not None and new < 0:
                    raise ValidationError("The value cannot be negative.")
            if name in ("served_on", "closed_on") and new is not None and new < self.made_on:
                raise ValidationError("That day is before the referral was made.")
            if name == "made_on" and new > timezone.localdate():
                raise ValidationError("A referral cannot be made in the future.")
            setattr(self, name, new)
            lines.append(f"{CORRECTABLE[name]}: {_text(old)} → {_text(new)}")
        if not lines:
            return None
        self.full_clean(validate_unique=False, validate_constraints=True)
        self.save()
        return StatusChange.objects.create(
            referral=self,
            kind=StatusChange.Kind.CORRECTION,
            from_status=self.status,
            to_status=self.status,
            changed_by=by,
            note="; ".join(lines),
        )

    def quiet_intervals(self, today: date) -> int:
        """How many whole follow-up intervals have passed since the last touch (or since the
        referral was made, before any)."""
        since = self.last_touch_on or self.made_on
        return max((today - since).days, 0) // self.group.follow_up_days

    @property
    def is_open(self) -> bool:
        """Still to be served: follow-ups are due and reminders sent."""
        return self.status not in SETTLED

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


def _text(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


CORRECTABLE = {
    "made_on": "Made on",
    "served_on": "Served on",
    "closed_on": "Closed on",
    "closed_value": "Value",
}
# Served, closed or declined: nothing more to follow up (figures' "open" is the rest).
DONE = (Referral.Status.SERVED, Referral.Status.CLOSED)
SETTLED = (*DONE, Referral.Status.DECLINED)
# Nothing more will happen at all: the retention clock starts.
FINISHED = (Referral.Status.CLOSED, Referral.Status.DECLINED)


@dataclass(frozen=True)
class Move:
    """A row of the life-cycle table."""

    source: str
    target: str
    party: str
    label: str


S, P = Referral.Status, Referral.Party
MOVE_LIST = [
    Move(S.MADE, S.ACCEPTED, P.RECEIVER, "Accept"),
    Move(S.MADE, S.DECLINED, P.RECEIVER, "Decline"),
    Move(S.ACCEPTED, S.IN_PROGRESS, P.RECEIVER, "Start work"),
    Move(S.IN_PROGRESS, S.SERVED, P.RECEIVER, "Mark served"),
    # The concierge stays until the client is served *well*: they may reopen.
    Move(S.SERVED, S.IN_PROGRESS, P.REFERRER, "Reopen: not served well yet"),
    Move(S.SERVED, S.CLOSED, P.RECEIVER, "Close"),
]
MOVES: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in MOVE_LIST}


class Touchpoint(models.Model):
    """The concierge checking in with the client or the receiver."""

    class Kind(models.TextChoices):
        CLIENT = "client", "With the client"
        COLLEAGUE = "colleague", "With the colleague"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="touchpoints")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.CLIENT, db_default=Kind.CLIENT
    )
    note = models.TextField(max_length=2000)
    happened_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.note[:40]}"


class StatusChange(models.Model):
    """The referral's history: every move and every correction, with who and when."""

    class Kind(models.TextChoices):
        MOVE = "move", "Move"
        CORRECTION = "correction", "Correction"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.MOVE, db_default=Kind.MOVE
    )
    from_status = models.CharField(max_length=12, choices=Referral.Status.choices)
    to_status = models.CharField(max_length=12, choices=Referral.Status.choices)
    note = models.TextField(max_length=1000, blank=True, default="", db_default="")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.from_status} → {self.to_status}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FeedbackLink(models.Model):
    """A private link the client opens without signing in, once, before it expires. Only
    a hash of the token is stored, as for invitations."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="referrals_feedbacklink_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback link for {self.referral_id}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash(token)

    @staticmethod
    def default_expiry() -> datetime:
        return timezone.now() + timedelta(days=settings.FEEDBACK_LINK_MAX_AGE_DAYS)

    @classmethod
    def find(cls, token: str) -> FeedbackLink | None:
        return (
            cls.objects.select_related("referral__network", "referral__referrer")
            .filter(token_hash=_hash(token))
            .first()
        )

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
