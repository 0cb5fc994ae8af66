import pytest
from django.core.management import CommandError, call_command

from objectives.models import ProgressReport

pytestmark = pytest.mark.django_db


def test_compute_reports_refuses_a_day_before_any_records(world):
    with pytest.raises(CommandError, match="0001-01-07 is before .*records begin"):
        call_command("compute_reports", "--period-end", "0001-01-07")
    assert not ProgressReport.objects.exists()


def test_compute_reports_refuses_a_day_far_in_the_future(world):
    with pytest.raises(CommandError, match="is in the future"):
        call_command("compute_reports", "--period-end", "9999-12-31")
