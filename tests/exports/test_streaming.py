"""Exports stream from a server-side cursor: rows are fetched as the body is sent, in one
query whatever their number."""

import pytest
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exports import kinds
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(world):
    people = [world.member, world.gardener]
    for n in range(12):
        activity = ActivityFactory(group=world.group, title=f"Activity {n}", led_by=world.member)
        activity.participants.set(people)
    return world


def test_the_csv_is_a_stream_fetched_only_as_it_is_read(activities, as_user, monkeypatch):
    monkeypatch.setattr(kinds, "CHUNK", 5)
    client = as_user(activities.member)
    url = reverse("exports:activities", args=[activities.network.slug])
    response = client.get(url, {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 13  # the header and every row
    # One SELECT for every row (participants counted in a subquery, no join, no query per
    # row or per chunk) ...
    # One query for every row: participants counted in a subquery (no join), no query per
    # row or per chunk; on PostgreSQL a server-side cursor the rows are fetched from.
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert 'JOIN "groups_activity_participants"' not in sql
    assert "LIMIT" not in sql
    if connection.vendor == "postgresql":
        assert sql.startswith("DECLARE") and "CURSOR FOR SELECT" in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors: PostgreSQL")
def test_the_rows_come_through_a_server_side_cursor(activities, monkeypatch):
    """Django reads `.iterator()` through a named cursor on PostgreSQL: the rows stay in
    the database until fetched, CHUNK at a time."""
    opened = []
    database = connections["default"]
    real = database.chunked_cursor

    def spy():
        cursor = real()
        opened.append(cursor)
        return cursor

    monkeypatch.setattr(database, "chunked_cursor", spy)
    monkeypatch.setattr(kinds, "CHUNK", 5)
    rows = kinds.get("activities").rows(activities.network.activities.all())
    assert next(rows)[3] == "Meeting hosted"
    assert len(opened) == 1
    assert opened[0].cursor.name  # psycopg names server-side cursors; client-side have none
    assert len(list(rows)) == 11


def test_each_row_counts_its_participants(activities):
    rows = list(kinds.get("activities").rows(activities.network.activities.all()))
    assert {row[7] for row in rows} == {2}
    assert len(rows) == 12
