"""A referral's life: the concierge moves it through its statuses and every move is recorded."""

import datetime as dt

import pytest

from referrals.models import Referral, StatusChange
from tests.factories import ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db

MAY_1, MAY_9, MAY_20 = dt.date(2026, 5, 1), dt.date(2026, 5, 9), dt.date(2026, 5, 20)


def _moved(*moves: tuple[str, dt.date]) -> tuple:
    """(status, served on, closed on) of a referral made on 1 May after the given moves."""
    referral = ReferralFactory(made_on=MAY_1)
    for status, day in moves:
        referral.change_status(status, by=referral.referrer, on=day)
    referral.refresh_from_db()
    return referral.status, referral.served_on, referral.closed_on


def test_serving_stamps_the_day_served():
    assert _moved(("served", MAY_9)) == ("served", MAY_9, None)


def test_closing_stamps_the_day_closed_and_keeps_the_day_served():
    assert _moved(("served", MAY_9), ("closed", MAY_20)) == ("closed", MAY_9, MAY_20)


def test_closing_an_unserved_referral_counts_it_served_that_day():
    assert _moved(("closed", MAY_20)) == ("closed", MAY_20, MAY_20)


def test_accepting_stamps_no_day():
    assert _moved(("accepted", MAY_9)) == ("accepted", None, None)


def test_each_change_is_recorded_with_who_made_it():
    referral = ReferralFactory(made_on=MAY_1)
    receiver = referral.receiver
    referral.change_status(Referral.Status.ACCEPTED, by=receiver, on=MAY_1)
    referral.change_status(Referral.Status.IN_PROGRESS, by=receiver, on=MAY_9)
    history = list(
        StatusChange.objects.filter(referral=referral).values_list(
            "from_status", "to_status", "changed_by"
        )
    )
    assert history == [("made", "accepted", receiver.pk), ("accepted", "in_progress", receiver.pk)]


def test_changes_are_kept_when_the_person_who_made_them_leaves():
    referral = ReferralFactory()
    passer_by = UserFactory()
    referral.change_status(Referral.Status.DECLINED, by=passer_by)
    passer_by.delete()
    change = StatusChange.objects.get(referral=referral)
    assert (change.to_status, change.changed_by) == ("declined", None)


def test_referrals_read_by_the_day_they_were_made_served_and_closed():
    made = ReferralFactory(made_on=MAY_1)
    served = ReferralFactory(made_on=MAY_1)
    served.change_status(Referral.Status.SERVED, by=served.referrer, on=MAY_9)
    network_ids = [made.network_id, served.network_id]
    in_may = Referral.objects.filter(network_id__in=network_ids)
    assert set(in_may.made_in(MAY_1, MAY_9)) == {made, served}
    assert list(in_may.served_in(MAY_9, MAY_20)) == [served]
    assert list(in_may.served_in(MAY_1, MAY_9)) == []
    assert list(in_may.closed_in(MAY_1, MAY_20)) == []
