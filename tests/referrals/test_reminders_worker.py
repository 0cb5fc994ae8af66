"""The reminder beat task on a real Celery worker: due reminders sent once, reruns send none."""

import datetime as dt

import pytest

from notifications.models import Notification
from referrals.models import Referral
from tests.objectives.conftest import wait_for
from tests.referrals.conftest import make_referral

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_reminder_beat_task_runs_on_a_worker_and_a_rerun_sends_nothing(cng, workers):
    referral = make_referral(cng)
    Referral.objects.filter(pk=referral.pk).update(made_on=dt.date.today() - dt.timedelta(days=15))
    reminders = Notification.objects.filter(kind="reminder")
    workers.start()
    workers.send("referrals.tasks.send_reminders")
    # one for the concierge, one for the gardener (two intervals missed)
    assert wait_for(lambda: reminders.count() == 2, timeout=30), list(reminders.values("verb"))
    workers.send("referrals.tasks.send_reminders")
    # A marker task on the same queue shows when the worker has drained the rerun.
    workers.send("referrals.tasks.anonymise_clients")
    workers.send("referrals.tasks.send_reminders")
    assert not wait_for(lambda: reminders.count() > 2, timeout=3)
    referral.refresh_from_db()
    assert (referral.reminders_sent, referral.escalated_at is not None) == (2, True)
