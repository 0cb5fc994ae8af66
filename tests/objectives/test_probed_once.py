"""A GET request asks "is anything dated from the end on?" once per network and end."""

import datetime as dt

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from objectives import figures
from objectives.middleware import figures_probed_once
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db
TOMORROW = dt.date.today() + dt.timedelta(days=1)


def _probes(queries) -> int:
    return sum("EXISTS (SELECT 1 FROM" in q["sql"] for q in queries)


def test_the_question_is_asked_once_within_probed_once(world):
    network = {world.network.pk}
    with CaptureQueriesContext(connection) as queries, figures.probed_once():
        for sources in ({"activity_count"}, {"activity_count", "referrals_made"}):
            assert figures._nothing_from(network, sources, TOMORROW)
    assert _probes(queries) == 1


def test_a_row_dated_after_the_end_turns_off_only_its_own_sources_shortcut(world):
    ActivityFactory(group=world.group, occurred_on=TOMORROW)
    with figures.probed_once():
        assert not figures._nothing_from({world.network.pk}, {"activity_count"}, TOMORROW)
        # The referrals hold nothing from tomorrow on: their shortcut still holds.
        assert figures._nothing_from({world.network.pk}, {"referrals_made"}, TOMORROW)


def test_what_is_dated_later_is_known_for_every_source_from_the_one_probe(world):
    ActivityFactory(group=world.group, occurred_on=TOMORROW)
    with CaptureQueriesContext(connection) as queries, figures.probed_once():
        for sources in ({"activity_count"}, {"referrals_made"}, {"activity_sum"}):
            figures._nothing_from({world.network.pk}, sources, TOMORROW)
    assert _probes(queries) == 1


def test_without_probed_once_each_read_asks(world):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2):
            figures._nothing_from({world.network.pk}, {"activity_count"}, TOMORROW)
    assert _probes(queries) == 2


@pytest.mark.parametrize(("method", "kept"), [("get", True), ("head", True), ("post", False)])
def test_only_requests_that_read_keep_the_answer(method, kept):
    seen = []

    def view(request):
        seen.append(figures._probed.get() is not None)
        return HttpResponse()

    figures_probed_once(view)(getattr(RequestFactory(), method)("/"))
    assert seen == [kept]
