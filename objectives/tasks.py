"""Celery tasks: thin wrappers around objectives.services.

Every task may run twice (acks_late redelivers a task whose worker died), so each one
is idempotent: reports are written once per group and period, and a mail is claimed
before it is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task

from groups.models import PeerGroup
from networks.models import Network
from objectives import dashboards, services
from objectives.models import ProgressReport

logger = logging.getLogger(__name__)

# OSError covers refused connections, resets and timeouts on the way to the mail server.
MAIL_ERRORS = (SMTPException, OSError)
# A task that finds its delivery claimed by a live sibling looks again this soon: the
# sibling has sent it by then, or failed it back to pending, or died and its lease runs out.
BUSY_RETRY_SECONDS = 15
# Longest wait between two tries: under the broker's visibility timeout (1 h), past which
# Redis would hand a waiting task out a second time.
LONGEST_RETRY_SECONDS = 45 * 60
# A backstop only: attempts are counted on the delivery (services.MAX_SEND_ATTEMPTS), and
# waits for a busy sibling end within the lease.
MAIL_TASK = {"bind": True, "max_retries": 200}
# Report mails per task and SMTP connection: one connection per mail made a period's
# 35,000 mails take 26 minutes. Small enough that a retry after a mail error resends
# little, and that two workers share a report's mails.
MAIL_BATCH = 50
# Groups per report task: their figures are read together (GROUP BY group), so a task
# costs about what one group's did, and each task reads the period's rows of its groups
# again: 20 groups a task made a 200-group period cost 10 reads of its activities. A task
# of 100 groups takes about half a second at full scale (a killed worker loses little),
# and a 200-group network's two tasks run side by side on a worker of concurrency 2.
GROUPS_PER_TASK = services.BATCH


def retry_delay(attempts: int) -> int:
    """Seconds to wait after `attempts` failed sends: 10 s doubling up to 45 min, then every
    45 min, with ±10 % jitter so a period's mails do not all retry in step. The 36 attempts
    services.MAX_SEND_ATTEMPTS allows span about 21 hours: a mail outage of up to a day is
    caught up, not lost."""
    base = min(10 * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)
    return max(1, round(base * random.uniform(0.9, 1.1)))


def _retry_mail(task: Task, ids: list[int], error: Exception) -> Any:
    attempts = services.delivery_retry_attempts(ids=ids)
    if attempts is None:
        raise error  # failed for good: logged, and listed for the organisers to resend
    raise task.retry(exc=error, countdown=retry_delay(attempts))


def _retry_busy(task: Task) -> bool:
    if task.request.is_eager:
        # In-process nothing runs beside this task: the claim is a dead one, and the
        # sweep takes it again once its lease runs out.
        return False
    raise task.retry(countdown=BUSY_RETRY_SECONDS)


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
    """Fan out one task per batch of groups missing a report for any closed period
    (catching up periods missed while no worker ran). Beat runs it every 15 minutes."""
    queued = 0
    for network in Network.objects.order_by("pk"):
        for period in services.periods_due(network):
            # Back-filled periods are written without mail; only the latest is news.
            deliver = services.mails_period(network, period)
            figures = services.network_figures(network=network, period=period)
            missing = list(
                services.groups_missing_report(network, period).values_list("pk", flat=True)
            )
            for first in range(0, len(missing), GROUPS_PER_TASK):
                batch = missing[first : first + GROUPS_PER_TASK]
                _enqueue(
                    compute_group_reports,
                    network.pk,
                    batch,
                    period.start.isoformat(),
                    period.end.isoformat(),
                    services.figures_for_groups(figures, batch),
                    deliver,
                )
                queued += len(batch)
    for delivery_id in services.stalled_email_deliveries():
        _enqueue(send_report_email, delivery_id)
    _enqueue(send_digests)
    return queued


@shared_task
def compute_group_reports(
    network_id: int,
    group_ids: list[int],
    period_start: str,
    period_end: str,
    figures: dict,
    deliver: bool = True,
) -> int:
    """Write the reports of a batch of groups in a few queries for all of them (one task
    per group cost each group the same queries again: 2,800 for 200 groups)."""
    network = Network.objects.filter(pk=network_id).first()
    if network is None:
        return 0
    return services.reports_for_groups(
        network=network,
        group_ids=group_ids,
        period_start=dt.date.fromisoformat(period_start),
        period_end=dt.date.fromisoformat(period_end),
        figures=figures,
        deliver=deliver,
    )


@shared_task
def compute_group_report(
    group_id: int,
    period_start: str,
    period_end: str,
    figures: dict | None = None,
    deliver: bool = True,
) -> int | None:
    group = PeerGroup.objects.select_related("network").filter(pk=group_id).first()
    if group is None:
        return None
    report, _ = services.report_create(
        group=group,
        period_start=dt.date.fromisoformat(period_start),
        period_end=dt.date.fromisoformat(period_end),
        figures=figures,
        deliver=deliver,
    )
    return report.pk


@shared_task
def deliver_report(report_id: int) -> int:
    report = ProgressReport.objects.select_related("network").filter(pk=report_id).first()
    if report is None:
        return 0
    emails = services.report_deliveries_create(report=report)
    for first in range(0, len(emails), MAIL_BATCH):
        _enqueue(send_report_emails, emails[first : first + MAIL_BATCH])
    return len(emails)


@shared_task(**MAIL_TASK)
def send_report_emails(self: Task, delivery_ids: list[int]) -> int:
    """Mail a batch of reports over one SMTP connection; the ones a sibling task holds
    are looked at again in seconds, the ones a mail error stopped retried with backoff."""
    try:
        sent, busy = services.deliveries_send(delivery_ids=delivery_ids)
    except MAIL_ERRORS as error:
        return _retry_mail(self, delivery_ids, error)
    if busy and not self.request.is_eager:
        raise self.retry(args=(busy,), countdown=BUSY_RETRY_SECONDS)
    return sent


@shared_task(**MAIL_TASK)
def send_report_email(self: Task, delivery_id: int) -> bool:
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except services.DeliveryBusy:
        return _retry_busy(self)
    except MAIL_ERRORS as error:
        return _retry_mail(self, [delivery_id], error)


@shared_task
def send_digests() -> int:
    users = services.digest_users()
    for user_id in users:
        _enqueue(send_digest, user_id)
    return len(users)


@shared_task(**MAIL_TASK)
def send_digest(self: Task, user_id: int) -> int:
    try:
        return services.digest_send(user_id=user_id)
    except services.DeliveryBusy:
        return _retry_busy(self)
    except MAIL_ERRORS as error:
        return _retry_mail(self, services.digest_waiting(user_id=user_id), error)


@shared_task
def warm_network_dashboards() -> int:
    """Compute the dashboard of every network whose cached figures are gone (a write
    retired them, or a new day began), so that no visitor waits for them. Beat runs it
    every few minutes; one task per network keeps a large one from holding up the rest."""
    cold = [n.pk for n in Network.objects.order_by("pk") if dashboards.network_dashboard_is_cold(n)]
    for network_id in cold:
        _enqueue(refresh_network_dashboard, network_id)
    return len(cold)


@shared_task
def refresh_network_dashboard(network_id: int) -> bool:
    network = Network.objects.filter(pk=network_id).first()
    if network is None or not dashboards.network_dashboard_is_cold(network):
        return False  # gone, or warmed meanwhile by a visitor or a sibling task
    dashboards.refresh_network_dashboard(network)
    return True


@shared_task
def check_objective_statuses(network_id: int) -> int:
    network = Network.objects.filter(pk=network_id).first()
    return 0 if network is None else services.objective_status_events(network=network)


@shared_task
def check_all_objective_statuses() -> int:
    """Statuses also move as time passes (expected progress grows): beat looks hourly."""
    for network_id in Network.objects.order_by("pk").values_list("pk", flat=True):
        _enqueue(check_objective_statuses, network_id)
    return 0
