"""Beat tasks for referrals: thin wrappers around referrals.services, each safe to rerun."""

from celery import shared_task

from referrals import services


@shared_task
def send_reminders() -> int:
    """Hourly: one reminder per overdue follow-up interval (escalated after two)."""
    return services.reminders_send()


@shared_task
def anonymise_clients() -> int:
    """Daily: anonymise clients past their network's retention."""
    return services.clients_anonymise_due()
