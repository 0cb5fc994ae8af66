"""Back-filled periods are written without mail on every path: only the latest closed
period's reports are news (a network with ten missed periods must not mail ten times)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from objectives import services, tasks
from objectives.figures import last_closed_period
from objectives.models import ReportDelivery
from tests.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(world):
    """Four closed months with no report yet."""
    world.network.report_cadence = "monthly"
    world.network.save()
    today = timezone.localdate()
    ObjectiveFactory(
        network=world.network,
        starts_on=today - dt.timedelta(days=125),
        due_on=today + dt.timedelta(days=200),
    )
    assert len(services.periods_due(world.network)) >= 3
    return world


def _mailed_periods() -> set[dt.date]:
    return set(ReportDelivery.objects.values_list("report__period_start", flat=True))


def test_the_scheduler_mails_only_the_latest_closed_period(
    missed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule_due_reports()
    assert _mailed_periods() == {last_closed_period(missed.network).start}


def test_catch_up_with_delivery_mails_only_the_latest_closed_period(
    missed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_catch_up(network=missed.network, deliver=True)
    assert _mailed_periods() == {last_closed_period(missed.network).start}


def test_the_command_mails_only_the_latest_closed_period(
    missed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("compute_reports", "--network", missed.network.slug, stdout=io.StringIO())
    assert _mailed_periods() == {last_closed_period(missed.network).start}
