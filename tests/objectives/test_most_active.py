"""figures.most_active ranks in one query what counting every pair in Python gave."""

import datetime as dt
import random

import pytest

from groups.models import Activity
from objectives import figures
from tests.factories import ActivityFactory, NetworkFactory, PeerGroupFactory, UserFactory

START, END = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def _by_python(group_ids, top):
    scores: dict[int, dict[int, list[int]]] = {}
    period = Activity.objects.filter(
        group_id__in=group_ids, occurred_on__gte=START, occurred_on__lt=END
    ).prefetch_related("participants")
    for a in period:
        scores.setdefault(a.group_id, {}).setdefault(a.led_by_id, [0, 0])[0] += 1
        for p in a.participants.all():
            scores[a.group_id].setdefault(p.pk, [0, 0])[1] += 1
    return {
        g: [(u, *users[u]) for u in sorted(users, key=lambda u, us=users: (-sum(us[u]), u))[:top]]
        for g, users in scores.items()
    }


@pytest.mark.django_db
def test_most_active_equals_counting_every_pair(django_assert_num_queries):
    rng = random.Random(12)
    network = NetworkFactory()
    groups = PeerGroupFactory.create_batch(3, network=network)
    quiet = PeerGroupFactory(network=network)  # nothing in the period: left out
    people = UserFactory.create_batch(8)
    for _ in range(60):
        day = START + dt.timedelta(days=rng.randrange(-10, 40))  # some outside the period
        activity = ActivityFactory(
            group=rng.choice(groups), occurred_on=day, led_by=rng.choice(people)
        )
        activity.participants.set(rng.sample(people, rng.randrange(0, 4)))
    ActivityFactory(group=quiet, occurred_on=START - dt.timedelta(days=1))
    other = ActivityFactory(occurred_on=START)  # another network's, same days
    ids = [g.pk for g in [*groups, quiet, other.group]]
    with django_assert_num_queries(1):
        found = figures.most_active(network, group_ids=ids, start=START, end=END, top=5)
    assert found == _by_python([g.pk for g in groups], 5)
    assert quiet.pk not in found and other.group_id not in found
    assert all(len(people) <= 5 for people in found.values())
    assert figures.most_active(network, group_ids=[], start=START, end=END, top=5) == {}
