import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from networks.models import Network


class Event(models.TextChoices):
    REPORT_PUBLISHED = "report.published", "A progress report is published"
    ACTIVITY_LOGGED = "activity.logged", "An activity is logged"
    OBJECTIVE_STATUS_CHANGED = "objective.status_changed", "An objective's status changes"
    REFERRAL_STATUS_CHANGED = "referral.status_changed", "A referral's status changes"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def enabled(self) -> "WebhookEndpointQuerySet":
        return self.filter(disabled_at__isnull=True)

    def listening(self, network: Network, event: str) -> list["WebhookEndpoint"]:
        # Filtered here, not with a JSON `contains` lookup, which SQLite lacks; a network
        # has a handful of endpoints.
        return [e for e in self.enabled().filter(network=network) if event in e.events]


class WebhookEndpoint(models.Model):
    """An organiser's URL that receives the network's events, signed with its secret.

    The secret must be kept to sign (receivers verify with it), so it is stored as is; after
    a rotation the previous one stays valid, and is signed with too, for a day.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=80, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Deliveries that failed for good in a row; reaching the limit disables the endpoint.
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["network", "created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one
        until its day is over."""
        current = [self.secret]
        until = self.previous_secret_until
        if self.previous_secret and until and until > timezone.now():
            current.append(self.previous_secret)
        return current


class WebhookDelivery(models.Model):
    """One event for one endpoint: its message id and body never change, so a receiver can
    recognise a retry or a replay by `webhook-id`."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    message_id = models.CharField(max_length=40, unique=True)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhooks_delivery_due_idx"),
            models.Index(fields=["endpoint", "created_at"], name="webhooks_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.state})"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what the receiver answered, and how fast."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class LastSent(models.Model):
    """The last value an event reported for a subject (an objective's status), so that an
    event is sent when it changes and not at every write."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=60)  # e.g. "objective:12"
    value = models.CharField(max_length=40)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "subject"], name="webhooks_lastsent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.value}"
