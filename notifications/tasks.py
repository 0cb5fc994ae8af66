"""Thin Celery tasks around notifications.services; each is safe to run twice."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task

from notifications import services

logger = logging.getLogger(__name__)
MAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 10 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def enqueue_email(notification_id: int) -> None:
    """Called on commit. In-process (no broker) a failing mail is logged, not raised into
    the request that made the change: the change is already saved."""
    if send_notification_email.app.conf.task_always_eager:
        result = send_notification_email.apply(args=(notification_id,), throw=False)
        if result.failed():
            logger.error("Notification mail %s failed: %r", notification_id, result.result)
        return
    send_notification_email.delay(notification_id)


@shared_task(**MAIL_RETRY)
def send_notification_email(notification_id: int) -> bool:
    return services.email_send(notification_id=notification_id)


@shared_task
def send_digests() -> int:
    user_ids = services.digest_user_ids()
    for user_id in user_ids:
        send_digest.delay(user_id)
    return len(user_ids)


@shared_task(**MAIL_RETRY)
def send_digest(user_id: int) -> int:
    return services.digest_send(user_id=user_id)
