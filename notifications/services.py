from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from networks.models import Network
from notifications.models import Delivery, Notification, Preference

logger = logging.getLogger(__name__)


@transaction.atomic
def notify(
    *,
    user: Any,
    network: Network,
    verb: str,
    text: str = "",
    link: str = "",
    kind: str = Notification.Kind.REFERRAL,
) -> Notification:
    """Tell one person something: in the app at once (this transaction), and by email as
    they chose for this network (every one on commit, or in the next digest)."""
    delivery = Preference.referral_delivery(user.pk, network.pk)
    email: str = Notification.Email.NONE
    if delivery == Delivery.EVERY:
        email = Notification.Email.PENDING
    elif delivery == Delivery.DIGEST:
        email = Notification.Email.DIGEST
    notification = Notification.objects.create(
        user=user, network=network, kind=kind, verb=verb, text=text, link=link, email=email
    )
    if email == Notification.Email.PENDING:
        from notifications.tasks import enqueue_email

        transaction.on_commit(lambda: enqueue_email(notification.pk))
    return notification


def mark_read(*, user: Any, network: Network, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of this person read."""
    qs = Notification.objects.for_user(user.pk, network).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def preference_set(*, user: Any, network: Network, referral_updates: str) -> Preference:
    preference, _ = Preference.objects.update_or_create(
        user=user, network=network, defaults={"referral_updates": referral_updates}
    )
    return preference


def _absolute(link: str) -> str:
    return settings.SITE_URL + link if link else settings.SITE_URL


def _items(notifications: list[Notification]) -> list[dict[str, Any]]:
    return [{"notification": n, "url": _absolute(n.link)} for n in notifications]


def email_send(*, notification_id: int) -> bool:
    """Send one notification's email, once: the row is claimed before the mail goes."""
    claimed = Notification.objects.filter(
        pk=notification_id, email=Notification.Email.PENDING
    ).update(email=Notification.Email.SENT, emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("user", "network").get(pk=notification_id)
    context = {"items": _items([notification]), "network": notification.network}
    try:
        _mail(notification.user.email, f"{notification.verb} · {notification.network}", context)
    except Exception:
        # Put the claim back so a retry sends it.
        Notification.objects.filter(pk=notification_id).update(
            email=Notification.Email.PENDING, emailed_at=None
        )
        raise
    return True


def digest_user_ids() -> list[int]:
    return list(
        Notification.objects.filter(email=Notification.Email.DIGEST)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )


def digest_send(*, user_id: int) -> int:
    """One mail with every notification waiting for this person's digest, per network."""
    sent = 0
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update()
            .filter(user_id=user_id, email=Notification.Email.DIGEST)
            .select_related("user", "network")
            .order_by("network_id", "created_at")
        )
        by_network: dict[int, list[Notification]] = {}
        for notification in waiting:
            by_network.setdefault(notification.network_id, []).append(notification)
        for items in by_network.values():
            network = items[0].network
            context = {"items": _items(items), "network": network}
            _mail(items[0].user.email, f"Referral updates · {network}", context)
            sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
            email=Notification.Email.SENT, emailed_at=timezone.now()
        )
    return sent


def _mail(to: str, subject: str, context: dict[str, Any]) -> None:
    text = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
