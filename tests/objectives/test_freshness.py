"""After a write, every page shows the new figures on its next load: caches are retired by
the write, not by a timer; htmx swaps the objective's headline after a check-in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from objectives.models import Measure
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    MeasureFactory,
    ObjectiveFactory,
    ReferralFactory,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run the write's on-commit work as a commit would."""
    return django_capture_on_commit_callbacks


def _url(name, world, **kwargs):
    return reverse(name, kwargs={"network_slug": world.network.slug, **kwargs})


@pytest.fixture
def objective(world):
    today = world.network.today()
    return ObjectiveFactory(
        network=world.network,
        starts_on=today - dt.timedelta(days=30),
        due_on=today + dt.timedelta(days=30),
    )


def _dashboard(world, as_user) -> str:
    return as_user(world.member).get(_url("objectives:dashboard", world)).content.decode()


def test_dashboard_shows_a_new_check_in_on_its_next_load(world, as_user, objective, committed):
    measure = MeasureFactory(objective=objective, unit="members", target=Decimal("100"))
    assert "<td>0 members</td>" in _dashboard(world, as_user)
    with committed(execute=True):
        CheckInFactory(measure=measure, value=Decimal("64"))
    assert "<td>64 members</td>" in _dashboard(world, as_user)


def test_dashboard_shows_a_new_activity_on_its_next_load(world, as_user, objective, committed):
    MeasureFactory(objective=objective, unit="", source=Measure.Source.ACTIVITY_COUNT)
    assert "<td>0</td>" in _dashboard(world, as_user)
    with committed(execute=True):
        ActivityFactory(group=world.group, led_by=world.member, occurred_on=world.network.today())
    assert "<td>1</td>" in _dashboard(world, as_user)


def test_dashboard_shows_a_new_referral_on_its_next_load(world, as_user, objective, committed):
    MeasureFactory(objective=objective, unit="", source=Measure.Source.REFERRALS_MADE)
    assert "<td>0</td>" in _dashboard(world, as_user)
    with committed(execute=True):
        ReferralFactory(
            group=world.group,
            referrer=world.member,
            receiver=world.gardener,
            made_on=world.network.today(),
        )
    assert "<td>1</td>" in _dashboard(world, as_user)


def test_dashboard_stays_cached_while_nothing_changes(world, as_user, objective):
    MeasureFactory(objective=objective)
    _dashboard(world, as_user)
    first = as_user(world.member).get(_url("objectives:dashboard", world)).context["computed_at"]
    second = as_user(world.member).get(_url("objectives:dashboard", world)).context["computed_at"]
    assert first == second


def test_check_in_under_htmx_swaps_the_objective_headline(world, as_user, objective):
    measure = MeasureFactory(objective=objective, target=Decimal("100"))
    response = as_user(world.organiser).post(
        _url("objectives:checkin_create", world, measure_id=measure.pk),
        {"value": "80", "recorded_on": world.network.today().isoformat(), "group": ""},
        **HX,
    )
    body = response.content.decode()
    assert 'id="objective-summary"' in body
    assert 'hx-swap-oob="true"' in body
    assert "<strong>80%</strong>" in body  # the headline, not only the card
    assert "1 of 1 measure on track" in body


def test_a_refused_check_in_leaves_the_headline_alone(world, as_user, objective):
    measure = MeasureFactory(objective=objective)
    response = as_user(world.organiser).post(
        _url("objectives:checkin_create", world, measure_id=measure.pk),
        {"value": "-1", "recorded_on": world.network.today().isoformat(), "group": ""},
        **HX,
    )
    assert 'hx-swap-oob="true"' not in response.content.decode()


def test_objective_page_shows_its_headline_once(world, as_user, objective):
    MeasureFactory(objective=objective)
    MeasureFactory(objective=objective)
    response = as_user(world.member).get(objective.get_absolute_url())
    assert response.content.decode().count('id="objective-summary"') == 1


def test_dashboard_follows_a_change_of_tolerance(world, as_user, objective, committed):
    MeasureFactory(objective=objective)
    first = as_user(world.member).get(_url("objectives:dashboard", world)).context["computed_at"]
    with committed(execute=True):
        world.network.tolerance = Decimal("0.3")
        world.network.save()
    again = as_user(world.member).get(_url("objectives:dashboard", world)).context["computed_at"]
    assert again != first


def test_dashboard_follows_a_contribution_edited_on_its_own(world, as_user, objective, committed):
    from tests.factories import ContributionFactory

    measure = MeasureFactory(objective=objective, unit="", source=Measure.Source.ACTIVITY_SUM)
    activity = ActivityFactory(group=world.group, led_by=world.member)
    contribution = ContributionFactory(activity=activity, measure=measure, amount=Decimal("2"))
    assert "<td>2</td>" in _dashboard(world, as_user)
    with committed(execute=True):
        contribution.amount = Decimal("7")
        contribution.save()
    assert "<td>7</td>" in _dashboard(world, as_user)


def test_dashboard_shows_an_objective_without_measures_without_a_badge(world, as_user, objective):
    body = _dashboard(world, as_user)
    assert "No measures yet." in body
    assert "None" not in body.split('id="objectives-heading"')[1].split("</section>")[0]
