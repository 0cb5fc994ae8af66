from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from groups.models import PeerGroup
from networks.models import Network

if TYPE_CHECKING:
    from networks.models import User


class Client(models.Model):
    """An external contact a member brings to a CNG. Private to the people serving them."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients_brought"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferralQuerySet(models.QuerySet["Referral"]):
    def for_network(self, network: Network) -> "ReferralQuerySet":
        return self.filter(network=network)

    def made_in(self, start: date, end: date) -> "ReferralQuerySet":
        return self.filter(made_on__gte=start, made_on__lt=end)

    def served_in(self, start: date, end: date) -> "ReferralQuerySet":
        return self.filter(served_on__gte=start, served_on__lt=end)

    def closed_in(self, start: date, end: date) -> "ReferralQuerySet":
        return self.filter(closed_on__gte=start, closed_on__lt=end)


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
    follow_up_on = models.DateField(null=True, blank=True)
    served_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    client_feedback = models.TextField(max_length=2000, blank=True)
    client_rating = models.PositiveSmallIntegerField(null=True, blank=True)

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
        ]
        indexes = [
            models.Index(fields=["network", "made_on"], name="referrals_net_made_idx"),
            models.Index(fields=["group", "made_on"], name="referrals_group_made_idx"),
            models.Index(fields=["network", "served_on"], name="referrals_net_served_idx"),
            models.Index(fields=["network", "closed_on"], name="referrals_net_closed_idx"),
            models.Index(fields=["referrer", "status"], name="referrals_referrer_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.receiver} ({self.get_status_display()})"

    def change_status(
        self, to: str, *, by: "User | None", on: date | None = None
    ) -> "StatusChange":
        """Move to a new status, stamping served/closed days and recording the change."""
        on = on or timezone.localdate()
        change = StatusChange(referral=self, from_status=self.status, to_status=to, changed_by=by)
        self.status = to
        if to == self.Status.SERVED and self.served_on is None:
            self.served_on = on
        if to == self.Status.CLOSED:
            self.served_on = self.served_on or on
            self.closed_on = on
        self.save(update_fields=["status", "served_on", "closed_on"])
        change.save()
        return change


class Touchpoint(models.Model):
    """The concierge checking in with the client or the receiver."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="touchpoints")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=2000)
    happened_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.note[:40]}"


class StatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Referral.Status.choices)
    to_status = models.CharField(max_length=12, choices=Referral.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.from_status} → {self.to_status}"
