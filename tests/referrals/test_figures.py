"""Referral figures on known data, from the engine, and the same on every page."""

import datetime as dt
import io
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from objectives import figures
from referrals.models import Referral, Touchpoint
from referrals.services import feedback_record, referral_move, touchpoint_add
from tests.factories import PeerGroupFactory, TouchpointFactory
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
D0 = TODAY - dt.timedelta(days=30)


def _days(referral: Referral, **days: int) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        **{f: D0 + dt.timedelta(days=n) for f, n in days.items()}
    )


@pytest.fixture
def known(cng):
    """r1 closed for 1,000 and rated 5; r2 declined; r3 (the other way round) accepted and
    touched two days ago; r4 made twenty days ago and never touched."""
    c, k = cng.concierge, cng.colleague
    r1 = make_referral(cng)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=r1, to=step, by=k)
    feedback_record(referral=r1, by=c, rating=5, comment="")
    referral_move(referral=r1, to="closed", by=k, value=Decimal(1000))
    _days(r1, made_on=0, answered_on=1, served_on=5, closed_on=6)
    TouchpointFactory(referral=r1, happened_on=D0 + dt.timedelta(2))
    r2 = make_referral(cng)
    referral_move(referral=r2, to="declined", by=k, reason="Full")
    _days(r2, made_on=0, answered_on=1)
    r3 = make_referral(cng, referrer=k, receiver=c)
    referral_move(referral=r3, to="accepted", by=c)
    _days(r3, made_on=0, answered_on=1)
    two_days_ago = TODAY - dt.timedelta(days=2)
    TouchpointFactory(referral=r3, happened_on=two_days_ago)
    r4 = make_referral(cng)
    Referral.objects.filter(pk=r4.pk).update(made_on=TODAY - dt.timedelta(days=20))
    return cng


def test_one_groups_totals_read_its_own_follow_up_interval_the_same(known):
    PeerGroupFactory(network=known.world.network, follow_up_days=30)  # a second interval
    known.group.follow_up_days = 1  # r3, touched two days ago, is no longer in time
    known.group.save()
    referrals = Referral.objects.filter(group=known.group)
    network = known.world.network
    own = figures.group_referral_totals(known.group, network=network, today=TODAY)
    assert own == figures.referral_totals(referrals, network=network, today=TODAY)
    assert (own["open_now"], own["touched_in_time"]) == (2, 0)


def test_the_groups_live_figures(known):
    totals = figures.referral_totals(
        Referral.objects.filter(group=known.group), network=known.world.network, today=TODAY
    )
    assert (totals["made"], totals["accepted"], totals["declined"]) == (4, 2, 1)
    assert totals["acceptance_rate"] == pytest.approx(2 / 3)
    assert (totals["open_now"], totals["touched_in_time"]) == (2, 1)
    assert totals["live_follow_through"] == 0.5
    assert totals["median_days_to_served"] == 5
    assert totals["first_touch_days"] == 15  # (2 + 28) / 2
    assert totals["value"] == Decimal(1000)
    assert totals["rating"] == 5


def test_a_members_figures_as_concierge_and_as_colleague(known):
    mine = figures.member_referrals(known.world.network, known.concierge.pk, TODAY)
    assert (mine["given"], mine["received"], mine["value"]) == (3, 1, Decimal(1000))
    assert (mine["open_given"], mine["touched_in_time"], mine["live_follow_through"]) == (1, 0, 0)
    assert mine["acceptance_rate"] == 1  # accepted the one brought to them
    assert (mine["median_days_to_served"], mine["first_touch_days"]) == (5, 2)
    assert mine["reciprocity"] == 3
    theirs = figures.member_referrals(known.world.network, known.colleague.pk, TODAY)
    assert theirs["acceptance_rate"] == 0.5  # accepted r1, declined r2; r4 unanswered
    assert theirs["value"] == 0  # closed value is credited to the referrer


def test_members_given_add_up_to_the_groups_referrals(known):
    people = [known.concierge.pk, known.colleague.pk]
    per = figures.member_referral_figures(known.world.network, people, start=D0, end=TODAY)
    assert sum(p["given"] for p in per.values()) == sum(p["received"] for p in per.values())
    assert sum(p["given"] for p in per.values()) == 4


def test_the_periods_figures(known):
    found = figures.referral_figures(
        known.world.network, group_ids=[known.group.pk], start=D0, end=D0 + dt.timedelta(7)
    )[known.group.pk]
    assert (found.made, found.served, found.closed_value) == (3, 1, Decimal(1000))
    assert (found.accepted, found.declined, found.acceptance_rate) == (2, 1, pytest.approx(2 / 3))
    assert (found.rating, found.rated, found.median_days_to_served) == (5, 1, 5)
    assert found.first_touch_days == 15


def test_every_page_shows_the_engines_figures(known, as_user):
    network = known.world.network
    engine = figures.member_referrals(network, known.concierge.pk, TODAY)
    client = as_user(known.concierge)
    mine = client.get(reverse("referrals:mine", kwargs={"network_slug": network.slug})).context
    assert mine["totals"] == engine
    me = client.get(reverse("objectives:my_contribution", kwargs={"network_slug": network.slug}))
    assert me.context["totals"] == engine
    kwargs = {"network_slug": network.slug, "group_slug": known.group.slug}
    board = client.get(reverse("referrals:board", kwargs=kwargs)).context["totals"]
    dashboard = client.get(reverse("objectives:group_dashboard", kwargs=kwargs))
    assert board == dashboard.context["referrals"]
    assert board["acceptance_rate"] == pytest.approx(2 / 3)


def test_a_move_through_any_path_changes_the_measures_the_same_way(cng):
    from tests.factories import MeasureFactory, ObjectiveFactory

    objective = ObjectiveFactory(network=cng.world.network, starts_on=TODAY - dt.timedelta(9))
    served = MeasureFactory(objective=objective, source="referrals_served")
    referral = make_referral(cng)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    end = TODAY + dt.timedelta(days=1)
    assert figures.measure_values([served], end=end)[served.pk] == 1


# ---------------------------------------------------------------- the first-touch day


def _touchpoint(referral, day):
    touchpoint_add(referral=referral, author=referral.referrer, kind="client", note="Called",
                   happened_on=day)  # fmt: skip
    referral.refresh_from_db()
    return referral.first_touch_on


@pytest.fixture
def nine_days_old(cng):
    """A referral made nine days ago, not touched yet."""
    made = make_referral(cng)
    Referral.objects.filter(pk=made.pk).update(made_on=TODAY - dt.timedelta(days=9))
    made.refresh_from_db()
    return made


def test_the_first_touchpoint_sets_the_first_touch_day(nine_days_old):
    assert nine_days_old.first_touch_on is None
    assert _touchpoint(nine_days_old, TODAY - dt.timedelta(days=5)) == TODAY - dt.timedelta(days=5)


def test_a_later_touchpoint_keeps_the_first_touch_day(nine_days_old):
    _touchpoint(nine_days_old, TODAY - dt.timedelta(days=5))
    assert _touchpoint(nine_days_old, TODAY) == TODAY - dt.timedelta(days=5)


def test_a_touchpoint_dated_earlier_moves_the_first_touch_day_back(nine_days_old):
    _touchpoint(nine_days_old, TODAY - dt.timedelta(days=2))
    assert _touchpoint(nine_days_old, TODAY - dt.timedelta(days=8)) == TODAY - dt.timedelta(days=8)


def test_the_migration_fills_each_first_touch_day_from_the_concierges_touchpoints(cng):
    fill = import_module("referrals.migrations.0005_referral_first_touch_on").fill_first_touch
    touched, untouched = make_referral(cng), make_referral(cng)
    for days in (3, 6):
        Touchpoint.objects.create(referral=touched, author=touched.referrer, note="x",
                                  happened_on=TODAY - dt.timedelta(days=days))  # fmt: skip
    # Someone else's touchpoint (before the service refused them) is not the concierge's.
    Touchpoint.objects.create(referral=untouched, author=untouched.receiver, note="x",
                              happened_on=TODAY)  # fmt: skip
    fill(apps, None)
    assert dict(
        Referral.objects.filter(pk__in=[touched.pk, untouched.pk]).values_list(
            "pk", "first_touch_on"
        )
    ) == {touched.pk: TODAY - dt.timedelta(days=6), untouched.pk: None}


def test_rebuild_rollups_restores_first_touch_days_after_a_bulk_load(cng):
    referral = make_referral(cng)
    # As a COPY of touchpoints would leave it: the row without touchpoint_add's day.
    Touchpoint.objects.create(referral=referral, author=referral.referrer, note="x",
                              happened_on=TODAY - dt.timedelta(days=1))  # fmt: skip
    call_command("rebuild_rollups", stdout=io.StringIO())
    referral.refresh_from_db()
    assert referral.first_touch_on == TODAY - dt.timedelta(days=1)


def test_two_touchpoints_logged_from_stale_copies_keep_the_earliest_day(nine_days_old):
    first, second = (
        Referral.objects.get(pk=nine_days_old.pk),
        Referral.objects.get(pk=nine_days_old.pk),
    )
    _touchpoint(first, TODAY - dt.timedelta(days=5))
    _touchpoint(second, TODAY - dt.timedelta(days=1))  # read before the first was logged
    nine_days_old.refresh_from_db()
    assert (nine_days_old.first_touch_on, nine_days_old.last_touch_on) == (
        TODAY - dt.timedelta(days=5),
        TODAY - dt.timedelta(days=1),
    )
