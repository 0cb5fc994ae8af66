"""Referral personas on top of `world`: world.group is a CNG; the member is the concierge,
a colleague in the same group receives, the gardener gardens it, and a bystander is in the
group but not on the referral."""

from dataclasses import dataclass

import pytest

from groups.models import PeerGroup
from networks.models import Membership, User
from referrals.models import Referral
from referrals.services import referral_create
from tests.conftest import World
from tests.factories import GroupMembershipFactory, MembershipFactory, UserFactory
from tests.objectives.conftest import workers  # noqa: F401  (real Celery workers)


@dataclass
class Cng:
    world: World
    group: PeerGroup
    concierge: User
    colleague: User
    bystander: User
    elsewhere: User  # a member of the network in no group at all


@pytest.fixture
def cng(world) -> Cng:
    world.group.is_cng = True
    world.group.save()
    colleague = UserFactory(name="Cole Colleague", email="cole@example.org",
                            expertise="Accountant for charities and bakeries")  # fmt: skip
    bystander = UserFactory(name="Bea Bystander", email="bea@example.org")
    elsewhere = UserFactory(name="Eli Elsewhere", email="eli@example.org")
    for person in (colleague, bystander, elsewhere):
        MembershipFactory(user=person, network=world.network, role=Membership.Role.MEMBER)
    GroupMembershipFactory(group=world.group, user=colleague)
    GroupMembershipFactory(group=world.group, user=bystander)
    return Cng(world, world.group, world.member, colleague, bystander, elsewhere)


def make_referral(cng: Cng, *, consent: str = "spoken", **kwargs: object) -> Referral:
    defaults: dict = {
        "group": cng.group,
        "referrer": cng.concierge,
        "receiver": cng.colleague,
        "need": "Needs an accountant who knows charities.",
        "client_details": {
            "name": "Clara Client",
            "organisation": "Clara's Bakery",
            "email": "clara@client.example",
            "phone": "01632 960 000",
            "notes": "Mornings are best.",
        },
        "consent": consent,
    }
    return referral_create(**(defaults | kwargs))


@pytest.fixture
def referral(cng) -> Referral:
    return make_referral(cng)
