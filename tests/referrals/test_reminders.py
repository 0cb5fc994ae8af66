"""Reminders: one per overdue follow-up interval, never a flood; the gardener after two."""

import datetime as dt

import pytest

from notifications.models import Notification
from referrals.models import Referral
from referrals.services import referral_move, reminders_send, touchpoint_add
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def _quiet_for(cng, days: int) -> Referral:
    referral = make_referral(cng)
    Notification.objects.all().delete()  # the colleague's "referred to you"
    made = dt.date.today() - dt.timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(made_on=made)
    return referral


def _reminders(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind="reminder").values_list("verb", flat=True)
    )


def test_no_reminder_before_the_interval_has_passed(cng):
    _quiet_for(cng, 6)
    assert reminders_send() == 0


def test_one_reminder_when_a_referral_has_been_quiet_for_the_interval(cng):
    _quiet_for(cng, 7)
    assert reminders_send() == 1
    assert _reminders(cng.concierge) == ["Follow up: no touchpoint for 7 days"]


def test_a_rerun_sends_nothing_more(cng):
    _quiet_for(cng, 8)
    reminders_send()
    assert reminders_send() == 0
    assert len(_reminders(cng.concierge)) == 1


def test_each_new_overdue_interval_sends_one_more_reminder(cng):
    referral = _quiet_for(cng, 8)
    reminders_send()
    today = dt.date.today()
    reminders_send(today=today + dt.timedelta(days=7))
    reminders_send(today=today + dt.timedelta(days=8))
    assert len(_reminders(cng.concierge)) == 2
    referral.refresh_from_db()
    assert referral.reminders_sent == 2


def test_after_two_missed_intervals_the_gardener_is_told_once(cng):
    _quiet_for(cng, 15)
    reminders_send()
    reminders_send(today=dt.date.today() + dt.timedelta(days=7))
    assert _reminders(cng.world.gardener) == ["Mia Member's referral has missed two follow-ups"]


def test_one_missed_interval_does_not_tell_the_gardener(cng):
    _quiet_for(cng, 8)
    reminders_send()
    assert _reminders(cng.world.gardener) == []


def test_a_touchpoint_starts_the_clock_again(cng):
    referral = _quiet_for(cng, 8)
    reminders_send()
    touchpoint_add(referral=referral, author=cng.concierge, kind="client", note="Called",
                   happened_on=dt.date.today())  # fmt: skip
    assert reminders_send() == 0
    referral.refresh_from_db()
    assert (referral.reminders_sent, referral.last_touch_on) == (0, dt.date.today())


def test_the_groups_own_interval_counts(cng):
    cng.group.follow_up_days = 3
    cng.group.save()
    _quiet_for(cng, 3)
    assert reminders_send() == 1


def test_served_referrals_are_not_chased(cng):
    referral = _quiet_for(cng, 30)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    assert reminders_send() == 0


def test_the_reminder_links_to_the_referral(cng):
    referral = _quiet_for(cng, 7)
    reminders_send()
    assert Notification.objects.get(user=cng.concierge).link == referral.get_absolute_url()


def test_the_beat_schedule_runs_reminders_retention_and_digests(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "referrals.tasks.send_reminders",
        "referrals.tasks.anonymise_clients",
        "notifications.tasks.send_digests",
    } <= tasks


# ---------------------------------------------------------------- touchpoint rules


def test_a_touchpoint_in_the_future_is_refused(cng, referral):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="future"):
        touchpoint_add(referral=referral, author=cng.concierge, kind="client", note="x",
                       happened_on=dt.date.today() + dt.timedelta(days=1))  # fmt: skip
    assert not referral.touchpoints.exists()


def test_a_follow_up_date_in_the_past_is_refused_on_a_touchpoint(cng, referral):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="in the past"):
        touchpoint_add(referral=referral, author=cng.concierge, kind="client", note="x",
                       happened_on=dt.date.today(),
                       follow_up_on=dt.date.today() - dt.timedelta(days=1))  # fmt: skip
    assert not referral.touchpoints.exists()


def test_only_the_concierge_logs_touchpoints(cng, referral, as_user):
    from django.urls import reverse

    url = reverse(
        "referrals:touchpoint",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": referral.pk},
    )
    data = {"kind": "client", "note": "Called", "happened_on": dt.date.today().isoformat()}
    assert as_user(cng.colleague).post(url, data).status_code == 403
    assert as_user(cng.concierge).post(url, data).status_code == 302
    assert referral.touchpoints.count() == 1
