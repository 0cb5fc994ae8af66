"""Webhooks: endpoints, events and their signed delivery (Standard Webhooks).

A delivery is signed as the Standard Webhooks specification says: headers `webhook-id`,
`webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per valid secret; the key is the
base64 part of the `whsec_` secret. Receivers refuse old timestamps, so a captured delivery
cannot be replayed later.

Events are recorded inside the write's transaction and sent by Celery once it commits.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from networks.models import Network, User
from webhooks.models import Event, LastSent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

ROTATION_GRACE = dt.timedelta(days=1)  # the previous secret stays valid this long
# Tries of one delivery: at once, then after 5 s, 5 min, 30 min and every 45 min after
# (under the broker's one-hour visibility timeout), 35 in all: about a day.
MAX_ATTEMPTS = 35
# Deliveries in a row that fail for good before the endpoint is disabled.
DISABLE_AFTER = 5
USER_AGENT = "Grove-Webhooks/1"


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones."""
    return [5, 5 * 60, 30 * 60][attempts - 1] if attempts <= 3 else 45 * 60


# ---------------------------------------------------------------- targets


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_target(url: str) -> None:
    """Refuse a URL that is not HTTPS, or whose host resolves to a private, loopback,
    link-local or otherwise non-public address. Called when an endpoint is saved and again
    before every send, since the DNS answer can change. Development (and the tests' local
    receiver) may allow private targets and plain HTTP with WEBHOOKS_ALLOW_PRIVATE_TARGETS."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError("Use an https:// address.")
    if not parts.hostname:
        raise ValidationError("Give a full address, such as https://example.org/hooks/grove.")
    if allow_private:
        return
    try:
        answers = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(f"{parts.hostname} does not resolve to an address.")
    if any(_refused_address(str(answer[4][0])) for answer in answers):
        raise ValidationError(
            f"{parts.hostname} resolves to a private, loopback or link-local address: "
            "webhooks go to public addresses only."
        )


# ---------------------------------------------------------------- endpoints


@transaction.atomic
def endpoint_create(
    *, network: Network, url: str, events: list[str], description: str = "", created_by: User
) -> WebhookEndpoint:
    check_target(url)
    return WebhookEndpoint.objects.create(
        network=network, url=url, events=events, description=description, created_by=created_by
    )


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one stays valid (deliveries are signed with both) for a day."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_GRACE
    endpoint.secret = WebhookEndpoint._meta.get_field("secret").get_default()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failures_in_a_row = 0
    endpoint.save(update_fields=["disabled_at", "disabled_reason", "failures_in_a_row"])


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


# ---------------------------------------------------------------- events


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    from webhooks.tasks import send_webhook

    for delivery_id in delivery_ids:
        transaction.on_commit(partial(send_webhook.delay, delivery_id), robust=True)


def event_emit(*, network: Network, event: str, data: dict[str, Any]) -> list[int]:
    """Record `event` for each of the network's endpoints that listen to it, and send
    them once the current transaction commits. Returns the deliveries' ids."""
    assert event in Event.values, event
    endpoints = WebhookEndpoint.objects.listening(network, event)
    if not endpoints:
        return []
    now = timezone.now()
    body = json.loads(json.dumps(
        {"type": event, "timestamp": now.isoformat(), "network": network.slug, "data": data},
        cls=DjangoJSONEncoder,
    ))  # fmt: skip
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=e,
            event=event,
            message_id=f"msg_{secrets.token_urlsafe(18)}",
            payload=body,
            next_attempt_at=now,
        )  # fmt: skip
        for e in endpoints
    )
    ids = [d.pk for d in deliveries]
    _enqueue_on_commit(ids)
    return ids


def changed_since_last_sent(*, network: Network, subject: str, value: str) -> str | None:
    """The value last sent for `subject` when `value` differs from it (None when the same),
    remembering `value`. The first value seen is remembered and reported as "" (no change
    from nothing is announced by the caller's choice)."""
    row, created = LastSent.objects.select_for_update().get_or_create(
        network=network, subject=subject, defaults={"value": value}
    )
    if created:
        return ""
    if row.value == value:
        return None
    before = row.value
    row.value, row.updated_at = value, timezone.now()
    row.save(update_fields=["value", "updated_at"])
    return before


# ---------------------------------------------------------------- sending


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(delivery: WebhookDelivery, body: bytes, now: int) -> dict[str, str]:
    signatures = [
        sign(secret=s, message_id=delivery.message_id, timestamp=now, body=body)
        for s in delivery.endpoint.signing_secrets()
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(now),
        "webhook-signature": " ".join(signatures),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to an address the check refused: treat it as the answer."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def delivery_attempt(*, delivery_id: int) -> bool | None:
    """Try to send the delivery once and record the attempt. True when delivered, False
    when it should be tried again, None when there is nothing (more) to do."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "endpoint__network")
        .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
        .first()
    )
    if delivery is None or delivery.endpoint.disabled_at is not None:
        return None
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    started = time.monotonic()
    status_code, error = None, ""
    try:
        check_target(delivery.endpoint.url)
        status_code = _post(
            delivery.endpoint.url, body, signed_headers(delivery, body, int(time.time()))
        )
    except ValidationError as refused:
        error = refused.messages[0]
    except (OSError, ValueError) as failed:
        error = str(failed)[:300] or type(failed).__name__
    duration = round((time.monotonic() - started) * 1000)
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=status_code, duration_ms=duration, error=error[:300]
    )
    delivery.attempts = F("attempts") + 1
    delivered = status_code is not None and 200 <= status_code < 300
    return _settle(delivery, delivered)


@transaction.atomic
def _settle(delivery: WebhookDelivery, delivered: bool) -> bool | None:
    delivery.save(update_fields=["attempts"])
    delivery.refresh_from_db(fields=["attempts"])
    endpoint = delivery.endpoint
    if delivered:
        delivery.state, delivery.next_attempt_at = WebhookDelivery.State.SUCCEEDED, None
        delivery.save(update_fields=["state", "next_attempt_at"])
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        return True
    if delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = timezone.now() + dt.timedelta(
            seconds=retry_delay(delivery.attempts)
        )
        delivery.save(update_fields=["next_attempt_at"])
        return False
    delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
    delivery.save(update_fields=["state", "next_attempt_at"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failures_in_a_row=F("failures_in_a_row") + 1
    )
    endpoint.refresh_from_db(fields=["failures_in_a_row", "disabled_at"])
    if endpoint.failures_in_a_row >= DISABLE_AFTER and endpoint.disabled_at is None:
        _disable(endpoint)
    return None


def _disable(endpoint: WebhookEndpoint) -> None:
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = (
        f"{endpoint.failures_in_a_row} deliveries in a row failed after every retry."
    )
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    if endpoint.created_by and endpoint.created_by.email:
        page = settings.SITE_URL + reverse(
            "webhooks:detail",
            kwargs={"network_slug": endpoint.network.slug, "webhook_id": endpoint.pk},
        )
        message = (
            f"Grove stopped sending {endpoint.network.name}'s events to {endpoint.url}: "
            f"{endpoint.disabled_reason} Turn it back on once the receiver answers: {page}"
        )
        mail = partial(
            send_mail,
            f"Grove: webhook to {endpoint.url} disabled",
            message,
            None,
            [endpoint.created_by.email],
            fail_silently=True,
        )
        transaction.on_commit(mail)


def delivery_replay(*, delivery: WebhookDelivery) -> None:
    """Send a delivery again (same id and body: receivers recognise it), from a fresh count
    of attempts."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    _enqueue_on_commit([delivery.pk])


def due_deliveries(*, now: dt.datetime | None = None) -> list[int]:
    """Pending deliveries whose next try is due by more than a minute: their task was lost
    (a worker died) or, in-process, never retried. The beat sweep sends them."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now - dt.timedelta(minutes=1),
            endpoint__disabled_at__isnull=True,
        ).values_list("pk", flat=True)[:500]
    )


def referral_status_changed(*, referral: Any, from_status: str) -> list[int]:
    """`referral.status_changed`, for the referrals app's status-change service to call inside
    its transaction (referrals sits above webhooks, so it imports this; webhooks does not
    import referrals, hence `Any`). The client stays out of the body: a receiver learns the
    referral's move, not who the client is."""
    return event_emit(
        network=referral.network,
        event=Event.REFERRAL_STATUS_CHANGED,
        data={
            "id": referral.pk,
            "group": referral.group.slug,
            "from_status": from_status,
            "status": referral.status,
            "referrer": referral.referrer_id,
            "receiver": referral.receiver_id,
            "made_on": referral.made_on,
            "served_on": referral.served_on,
            "closed_on": referral.closed_on,
            "closed_value": referral.closed_value,
        },
    )
