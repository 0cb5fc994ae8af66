"""Celery tasks: thin wrappers around webhooks.services."""

from __future__ import annotations

from celery import Task, shared_task

from webhooks import services


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS)
def send_webhook(self: Task, delivery_id: int) -> bool | None:
    result = services.delivery_attempt(delivery_id=delivery_id)
    if result is False and not self.request.is_eager:
        attempts = self.request.retries + 1
        raise self.retry(countdown=services.retry_delay(attempts))
    # In-process (no broker) nothing waits: the beat sweep sends what is due.
    return result


@shared_task
def send_due_webhooks() -> int:
    due = services.due_deliveries()
    for delivery_id in due:
        send_webhook.delay(delivery_id)
    return len(due)
