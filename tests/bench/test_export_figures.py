import pytest
from django.db import connection

from bench.exports import measure
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_the_export_and_copy_read_the_same_rows(world):
    for n in range(3):
        ActivityFactory(group=world.group, title=f"Row, {n}", led_by=world.member)
    figures = measure(world.network.slug, lambda: 1024)
    assert figures["export_rows"] == 3
    assert figures["export_csv_vs_copy"] > 0
