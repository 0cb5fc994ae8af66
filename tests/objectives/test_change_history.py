"""The objective page's change history: one entry per save, field by field."""

import datetime as dt

import pytest

from objectives.views import change_history
from tests.factories import MeasureFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_a_change_lists_each_changed_field_in_the_forms_order(world):
    objective = ObjectiveFactory(network=world.network, title="Grow", due_on=dt.date(2027, 1, 31))
    objective.due_on = dt.date(2027, 6, 30)
    objective.title = "Grow peer learning"
    objective.save()
    changed = change_history(objective)[0]
    assert changed.action == "changed"
    assert changed.changes == [
        ("title", "Grow", "Grow peer learning"),
        ("due on", "31 Jan 2027", "30 Jun 2027"),
    ]


def test_a_save_that_changes_no_shown_field_adds_no_entry(world):
    objective = ObjectiveFactory(network=world.network)
    objective.save()
    assert [entry.action for entry in change_history(objective)] == ["created"]


def test_a_measure_change_shows_choices_by_their_label(world):
    measure = MeasureFactory(objective__network=world.network, source="manual")
    measure.source = "referrals_made"
    measure.save()
    changed = change_history(measure.objective)[0]
    assert changed.subject == f"Measure “{measure.name}”"
    assert changed.changes == [("source", "Manual check-ins", "Referrals made")]
