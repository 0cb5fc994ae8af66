"""Named personas for access tests: one network with an organiser, a gardener of a group,
a plain member of that group, plus an outsider who belongs to another network."""

from dataclasses import dataclass

import pytest
from django.test import Client

from groups.models import GroupMembership, PeerGroup
from networks.models import Membership, Network, User
from tests.factories import (
    GroupMembershipFactory,
    MembershipFactory,
    NetworkFactory,
    PeerGroupFactory,
    UserFactory,
)


@dataclass
class World:
    network: Network
    group: PeerGroup
    organiser: User
    gardener: User
    member: User
    outsider: User
    other_network: Network
    admin: User


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2 costs ~0.3 s a hash; factories create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    network = NetworkFactory(name="Riverside Makers", slug="riverside")
    group = PeerGroupFactory(network=network, name="Founders Circle", slug="founders")
    organiser = UserFactory(name="Olive Organiser", email="olive@example.org")
    gardener = UserFactory(name="Gary Gardener", email="gary@example.org")
    member = UserFactory(name="Mia Member", email="mia@example.org")
    outsider = UserFactory(name="Otto Outsider", email="otto@example.org")
    admin = UserFactory(name="Ada Admin", email="ada@example.org", is_staff=True, is_superuser=True)
    MembershipFactory(user=organiser, network=network, role=Membership.Role.ORGANISER)
    MembershipFactory(user=gardener, network=network)
    MembershipFactory(user=member, network=network)
    GroupMembershipFactory(group=group, user=gardener, role=GroupMembership.Role.GARDENER)
    GroupMembershipFactory(group=group, user=member)
    other_network = NetworkFactory(name="Hilltop Guild", slug="hilltop")
    MembershipFactory(user=outsider, network=other_network, role=Membership.Role.ORGANISER)
    return World(network, group, organiser, gardener, member, outsider, other_network, admin)


@pytest.fixture
def as_user():
    """Returns a logged-in test client for a persona (None means anonymous)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
