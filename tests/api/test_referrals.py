"""Referrals through the API: the pages' privacy rules and life-cycle rules."""

import pytest
from django.utils import timezone

from referrals.models import Referral, Touchpoint
from tests.api.conftest import base
from tests.factories import (
    GroupMembershipFactory,
    MembershipFactory,
    PeerGroupFactory,
    ReferralFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cng(world):
    group = PeerGroupFactory(network=world.network, is_cng=True, name="Makers CNG")
    GroupMembershipFactory(group=group, user=world.member)
    GroupMembershipFactory(group=group, user=world.gardener)
    colleague = UserFactory(name="Colleague")
    MembershipFactory(user=colleague, network=world.network)
    GroupMembershipFactory(group=group, user=colleague)
    referral = ReferralFactory(group=group, referrer=world.member, receiver=world.gardener)
    return group, colleague, referral


def url(world, referral, tail: str = "") -> str:
    return f"{base(world)}referrals/{referral.pk}/{tail}"


def test_the_concierge_sees_the_client(world, api, cng):
    _, _, referral = cng
    body = api(world.member).get(url(world, referral)).json()
    assert body["client"]["name"] == referral.client.name


def test_a_group_colleague_sees_the_referral_but_not_the_client(world, api, cng):
    _, colleague, referral = cng
    body = api(colleague).get(url(world, referral)).json()
    assert body["status"] == "made" and body["client"] is None


def test_a_member_outside_the_group_gets_404_and_an_empty_list(world, api, cng):
    _, _, referral = cng
    stranger = UserFactory()
    MembershipFactory(user=stranger, network=world.network)
    client = api(stranger)
    assert client.get(url(world, referral)).status_code == 404
    assert client.get(f"{base(world)}referrals/").json()["results"] == []


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member"])
def test_the_list_holds_what_each_may_see(world, api, cng, persona):
    _, _, referral = cng
    ids = [
        r["id"]
        for r in api(getattr(world, persona)).get(f"{base(world)}referrals/").json()["results"]
    ]
    assert ids == [referral.pk]


def test_the_outsider_gets_404(world, api, cng):
    _, _, referral = cng
    assert api(world.outsider).get(url(world, referral)).status_code == 404


def test_the_receiver_accepts(world, api, cng):
    _, _, referral = cng
    response = api(world.gardener).post(url(world, referral, "moves/"), {"to": "accepted"})
    assert response.status_code == 201, response.json()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_the_concierge_cannot_accept_their_own_referral(world, api, cng):
    _, _, referral = cng
    response = api(world.member).post(url(world, referral, "moves/"), {"to": "accepted"})
    assert response.status_code in (400, 403)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.MADE


def test_the_concierge_logs_a_touchpoint(world, api, cng):
    _, _, referral = cng
    body = {"kind": Touchpoint.Kind.choices[0][0], "note": "Called them",
            "happened_on": timezone.localdate().isoformat()}  # fmt: skip
    response = api(world.member).post(url(world, referral, "touchpoints/"), body)
    assert response.status_code == 201, response.json()
    assert Touchpoint.objects.filter(referral=referral).count() == 1


def test_only_the_concierge_logs_touchpoints(world, api, cng):
    _, _, referral = cng
    body = {"kind": Touchpoint.Kind.choices[0][0], "note": "Called them",
            "happened_on": timezone.localdate().isoformat()}  # fmt: skip
    assert api(world.gardener).post(url(world, referral, "touchpoints/"), body).status_code == 403


def test_a_touchpoint_in_the_future_names_the_field(world, api, cng):
    _, _, referral = cng
    body = {"kind": Touchpoint.Kind.choices[0][0], "note": "Soon", "happened_on": "2999-01-01"}
    response = api(world.member).post(url(world, referral, "touchpoints/"), body)
    assert response.status_code == 400 and list(response.json()) == ["happened_on"]
