import pytest
from django.urls import reverse

from bench.run import api_activities_page_vs_bare_view, beside_bare
from tests.factories import ActivityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def test_the_api_benchmark_reads_a_page_of_activities(world, as_user, capsys):
    ActivityFactory(group=world.group, led_by=world.member)
    bare = reverse("bench_bare", kwargs={"network_id": world.network.pk})
    session = as_user(world.organiser)
    api_activities_page_vs_bare_view(world.network, world.organiser, bare, session, rounds=2)
    out = capsys.readouterr().out
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert float(lines["api_activities_page_vs_bare_view"]) > 0
    assert "bare view beside it" in lines["api_activities_page_ms"]


class Recorder:
    """A client that remembers the order requests came in, on a clock of its own: the page
    takes 2 s, the bare view 1 s."""

    def __init__(self):
        self.asked = []
        self.now = 0.0

    def clock(self):
        return self.now

    def get(self, url, secure=False):
        self.asked.append(url)
        self.now += 2.0 if url == "/page/" else 1.0
        return type("Response", (), {"status_code": 200})()


def test_a_page_is_timed_beside_the_bare_view_round_by_round(monkeypatch):
    client = Recorder()
    monkeypatch.setattr("bench.run.time.perf_counter", client.clock)
    assert beside_bare(client, "/page/", client, "/bare/", 3) == (2.0, 1.0)
    assert client.asked == ["/bare/", "/bare/", "/page/"] * 3
