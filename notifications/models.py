"""What Grove tells a person, in the app and by email, and how each person wants to hear.

Apps above this one (referrals) write notifications through `notifications.services.notify`;
this app imports nothing above networks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from networks.models import Network


class Delivery(models.TextChoices):
    """How a person hears about referral updates: the same idea as report delivery."""

    EVERY = "every", "Every update by email"
    DIGEST = "digest", "A daily digest by email"
    IN_APP = "in_app", "In the app only"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    referral_updates = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.EVERY
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network"], name="notifications_preference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.network}: {self.get_referral_updates_display()}"

    @classmethod
    def referral_delivery(cls, user_id: int, network_id: int) -> str:
        found = (
            cls.objects.filter(user_id=user_id, network_id=network_id)
            .values_list("referral_updates", flat=True)
            .first()
        )
        return found or Delivery.EVERY


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user_id: int, network: Network) -> NotificationQuerySet:
        return self.filter(user_id=user_id, network=network)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral update"
        REMINDER = "reminder", "Follow-up reminder"

    class Email(models.TextChoices):
        NONE = "none", "Not by email"
        PENDING = "pending", "Waiting to be sent"
        DIGEST = "digest", "Waiting for the digest"
        SENT = "sent", "Sent"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REFERRAL)
    verb = models.CharField(max_length=200)
    text = models.TextField(max_length=2000, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "network", "read_at"], name="notif_user_unread_idx"),
            models.Index(
                fields=["email"], condition=Q(email="digest"), name="notif_digest_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="sent") | Q(emailed_at__isnull=False),
                name="notifications_notification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(link__startswith="//") & (Q(link="") | Q(link__startswith="/")),
                name="notifications_notification_link_is_local",
            ),
        ]

    def __str__(self) -> str:
        return self.verb
