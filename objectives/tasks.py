"""Celery tasks: thin wrappers around objectives.services.

Every task may run twice (acks_late redelivers a task whose worker died), so each one
is idempotent: reports are written once per group and period, and a mail is claimed
before it is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task

from groups.models import PeerGroup
from networks.models import Network
from objectives import services
from objectives.models import ProgressReport

logger = logging.getLogger(__name__)

# OSError covers refused connections, resets and timeouts on the way to the mail server.
MAIL_ERRORS = (SMTPException, OSError)
MAIL_RETRY = {
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 10 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def _enqueue(task: Task, *args: Any) -> None:
    """Queue a task. In-process (no broker) it runs at once with its retries, and one
    failure is logged rather than stopping the tasks after it."""
    if not task.app.conf.task_always_eager:
        task.delay(*args)
        return
    try:
        result = task.apply(args=args, throw=False)
    except Exception:
        # Celery runs an in-process retry at once and lets its failure propagate; the
        # delivery stays pending and the next scheduler run tries again.
        logger.exception("Task %s%r failed", task.name, args)
        return
    if result.failed():
        logger.error("Task %s%r failed: %r", task.name, args, result.result)


@shared_task
def schedule_due_reports() -> int:
    """Fan out one task per group missing a report for any closed period (catching up
    periods missed while no worker ran). Beat runs it every 15 minutes."""
    queued = 0
    for network in Network.objects.order_by("pk"):
        for period in services.periods_due(network):
            figures = services.network_figures(network=network, period=period)
            missing = services.groups_missing_report(network, period).values_list("pk", flat=True)
            for group_id in missing:
                _enqueue(
                    compute_group_report,
                    group_id,
                    period.start.isoformat(),
                    period.end.isoformat(),
                    services.figures_for_group(figures, group_id),
                )
                queued += 1
    for delivery_id in services.stalled_email_deliveries():
        _enqueue(send_report_email, delivery_id)
    _enqueue(send_digests)
    return queued


@shared_task
def compute_group_report(
    group_id: int, period_start: str, period_end: str, figures: dict | None = None
) -> int | None:
    group = PeerGroup.objects.select_related("network").filter(pk=group_id).first()
    if group is None:
        return None
    report, _ = services.report_create(
        group=group,
        period_start=dt.date.fromisoformat(period_start),
        period_end=dt.date.fromisoformat(period_end),
        figures=figures,
    )
    return report.pk


@shared_task
def deliver_report(report_id: int) -> int:
    report = ProgressReport.objects.select_related("network").filter(pk=report_id).first()
    if report is None:
        return 0
    emails = services.report_deliveries_create(report=report)
    for delivery_id in emails:
        _enqueue(send_report_email, delivery_id)
    return len(emails)


@shared_task(bind=True, **MAIL_RETRY)
def send_report_email(self: Task, delivery_id: int) -> bool:
    return services.delivery_send(
        delivery_id=delivery_id, final=self.request.retries >= self.max_retries
    )


@shared_task
def send_digests() -> int:
    users = services.digest_users()
    for user_id in users:
        _enqueue(send_digest, user_id)
    return len(users)


@shared_task(bind=True, **MAIL_RETRY)
def send_digest(self: Task, user_id: int) -> int:
    return services.digest_send(user_id=user_id, final=self.request.retries >= self.max_retries)
