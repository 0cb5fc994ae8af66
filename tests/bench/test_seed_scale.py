import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Invitation, Membership, Network
from objectives.models import CheckIn, Contribution, Measure
from referrals.models import Referral

END = dt.date(2026, 6, 1)


def seed(slug: str = "scale", **sizes) -> str:
    options = {"groups": 4, "members": 40, "activities": 300, "referrals": 50, "years": 1}
    out = StringIO()
    call_command("seed_scale", network=slug, end=END, stdout=out, **(options | sizes))
    return out.getvalue()


@pytest.mark.django_db
def test_seed_scale_creates_the_requested_numbers():
    seed()
    network = Network.objects.get(slug="scale")
    assert PeerGroup.objects.filter(network=network).count() == 4
    assert Membership.objects.filter(network=network).count() == 40
    assert Activity.objects.filter(network=network).count() == 300
    assert Referral.objects.filter(network=network).count() == 50


@pytest.mark.django_db
def test_seed_scale_makes_every_measure_source_and_related_rows():
    seed()
    network = Network.objects.get(slug="scale")
    sources = set(
        Measure.objects.filter(objective__network=network).values_list("source", flat=True)
    )
    assert sources == {choice for choice, _ in Measure.Source.choices}
    assert Contribution.objects.filter(activity__network=network).exists()
    assert Activity.participants.through.objects.filter(activity__network=network).exists()
    assert CheckIn.objects.filter(measure__objective__network=network).exists()
    assert Invitation.objects.pending().filter(network=network).count() == 8
    assert GroupMembership.objects.filter(group__network=network, role="gardener").count() == 4


@pytest.mark.django_db
def test_seed_scale_keeps_data_valid():
    seed()
    activities = Activity.objects.filter(network__slug="scale")
    assert activities.filter(occurred_on__gte=END).count() == 0
    assert activities.filter(occurred_on__lt=END - dt.timedelta(days=365)).count() == 0
    # leaders belong to the group they lead in
    stray = activities.exclude(led_by__group_memberships__group=F("group")).count()
    assert stray == 0
    referrals = Referral.objects.filter(network__slug="scale")
    assert not referrals.filter(group__is_cng=False).exists()


@pytest.mark.django_db
def test_seed_scale_is_deterministic():
    seed("first")
    seed("second")

    def shape(slug: str) -> list[tuple]:
        return list(
            Activity.objects.filter(network__slug=slug)
            .order_by("id")
            .values_list("kind", "occurred_on", "people_reached", "group__slug")
        )

    assert shape("first") == shape("second")


@pytest.mark.django_db
def test_seed_scale_refuses_an_existing_network():
    seed()
    with pytest.raises(CommandError, match="already exists"):
        seed()


@pytest.mark.django_db
def test_seed_scale_prints_timings():
    assert "activities (300 rows)" in seed()
