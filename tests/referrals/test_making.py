"""Making a referral: the rules, the client, the colleague told at once, suggestions."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Notification
from notifications.services import preference_set
from referrals.models import Client, Referral
from referrals.services import colleague_suggestions, referral_move
from tests.factories import PeerGroupFactory, ReferralFactory
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def _refused(cng, message: str, **kwargs) -> None:
    with pytest.raises(ValidationError, match=message):
        make_referral(cng, **kwargs)
    assert not Referral.objects.exists()
    assert not Client.objects.exists()


def test_referring_to_yourself_is_refused(cng):
    _refused(cng, "to yourself", receiver=cng.concierge)


def test_a_colleague_outside_the_group_is_refused(cng):
    _refused(cng, "member of this group", receiver=cng.elsewhere)


def test_a_referrer_outside_the_group_is_refused(cng):
    _refused(cng, "Only members", referrer=cng.elsewhere)


def test_a_group_that_is_not_a_cng_is_refused(cng):
    cng.group.is_cng = False
    cng.group.save()
    _refused(cng, "collaborative network groups only")


def test_a_follow_up_date_in_the_past_is_refused(cng):
    _refused(cng, "in the past", follow_up_on=cng.world.network.today() - dt.timedelta(days=1))


def test_a_client_of_another_network_is_refused(cng):
    stranger = ReferralFactory(group=PeerGroupFactory(network=cng.world.other_network)).client
    with pytest.raises(ValidationError, match="known to this network"):
        make_referral(cng, client=stranger)


def test_a_known_client_is_chosen_again_instead_of_typed_twice(cng):
    first = make_referral(cng)
    second = make_referral(cng, client=first.client, need="Now needs payroll help.")
    assert second.client == first.client
    assert Client.objects.count() == 1


def test_the_colleague_is_told_at_once_in_the_app(cng):
    referral = make_referral(cng)
    note = Notification.objects.get(user=cng.colleague)
    assert note.link == referral.get_absolute_url()
    assert note.read_at is None


def test_the_colleague_is_emailed_on_commit(cng, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_referral(cng)
    assert [m.to for m in mailoutbox] == [[cng.colleague.email]]
    assert "referred a client to you" in mailoutbox[0].subject


def test_the_concierge_is_told_at_once_of_each_move_by_the_colleague(
    cng, mailoutbox, django_capture_on_commit_callbacks
):
    referral = make_referral(cng)
    with django_capture_on_commit_callbacks(execute=True):
        referral_move(referral=referral, to="accepted", by=cng.colleague)
    told = Notification.objects.get(user=cng.concierge)
    assert told.verb == "Cole Colleague accepted the referral"
    assert [m.to for m in mailoutbox] == [[cng.concierge.email]]


def test_in_the_app_only_sends_no_email(cng, mailoutbox, django_capture_on_commit_callbacks):
    preference_set(user=cng.colleague, network=cng.world.network, referral_updates="in_app")
    with django_capture_on_commit_callbacks(execute=True):
        make_referral(cng)
    assert mailoutbox == []
    assert Notification.objects.filter(user=cng.colleague).count() == 1


def test_a_digest_collects_updates_into_one_mail(cng, mailoutbox):
    from notifications.services import digest_send

    preference_set(user=cng.colleague, network=cng.world.network, referral_updates="digest")
    make_referral(cng)
    make_referral(cng, need="Second need")
    assert mailoutbox == []
    assert digest_send(user_id=cng.colleague.pk) == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].body.count("referred a client to you") == 2
    assert digest_send(user_id=cng.colleague.pk) == 0


def test_colleagues_are_suggested_by_matching_words_then_referrals_served(cng):
    cng.world.gardener.expertise = "Payroll"
    cng.world.gardener.save()
    found = colleague_suggestions(
        group=cng.group, referrer=cng.concierge, need="An accountant for bakeries"
    )
    assert [s.user for s in found] == [cng.colleague]
    assert found[0].reason == "2 words of the need match"


def test_the_referrer_is_never_suggested(cng):
    cng.concierge.expertise = "Accountant"
    cng.concierge.save()
    found = colleague_suggestions(group=cng.group, referrer=cng.concierge, need="accountant")
    assert cng.concierge not in [s.user for s in found]
