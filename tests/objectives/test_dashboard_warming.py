"""Beat keeps network dashboards warm: a write retires the cached figures, and the next
beat tick computes them again before a visitor has to wait."""

import pytest
from django.conf import settings
from django.core.cache import cache

from objectives import dashboards, tasks
from tests.factories import ActivityFactory, NetworkFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_warming_computes_the_cold_dashboards(world):
    assert dashboards.network_dashboard_is_cold(world.network)
    assert tasks.warm_network_dashboards() >= 1
    assert not dashboards.network_dashboard_is_cold(world.network)


def test_warming_leaves_warm_dashboards_alone(world):
    dashboards.refresh_network_dashboard(world.network)
    dashboards.refresh_network_dashboard(world.other_network)
    assert tasks.warm_network_dashboards() == 0


def test_a_write_makes_the_dashboard_cold_for_the_next_tick(
    world, django_capture_on_commit_callbacks
):
    dashboards.refresh_network_dashboard(world.network)
    with django_capture_on_commit_callbacks(execute=True):
        ActivityFactory(group=world.group)
    assert dashboards.network_dashboard_is_cold(world.network)
    tasks.warm_network_dashboards()
    assert not dashboards.network_dashboard_is_cold(world.network)


def test_refreshing_a_network_that_is_gone_does_nothing(db):
    network = NetworkFactory()
    network_id = network.pk
    network.delete()
    assert tasks.refresh_network_dashboard(network_id) is False


def test_beat_runs_the_warming_every_few_minutes():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "objectives.tasks.warm_network_dashboards"
    )
    assert entry["schedule"] <= 5 * 60
