import pytest

from bench.run import api_activities_page_vs_bare_view
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_the_api_benchmark_reads_a_page_of_activities(world, capsys):
    ActivityFactory(group=world.group, led_by=world.member)
    api_activities_page_vs_bare_view(world.network, world.organiser, bare_time=0.001, repeat=2)
    lines = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
    assert float(lines["api_activities_page_vs_bare_view"]) > 0
