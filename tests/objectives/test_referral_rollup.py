"""The referral months (ReferralMonth) equal the raw referrals after every kind of write,
and the figures engine gives the same referral figures (and the dashboard's activities by
month and kind) reading the rollups as reading the rows alone."""

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command

from objectives import figures, rollup
from objectives.models import Measure, NetworkReferralMonth, ReferralMonth
from referrals.models import Referral
from referrals.services import referral_move
from tests.factories import (
    ActivityFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ReferralFactory,
)
from tests.objectives.figure_sweep import every_figure, measure_totals
from tests.referrals.conftest import cng, make_referral  # noqa: F401  (the CNG personas)

Source = Measure.Source
REFERRAL_SOURCES = [Source.REFERRALS_MADE, Source.REFERRALS_SERVED, Source.REFERRALS_CLOSED_VALUE]
KINDS = ["course_taught", "meeting_hosted", "blog_written"]


def _months() -> set:
    return set(
        ReferralMonth.objects.values_list("group_id", "month", "made", "served", "closed_value")
    )


def _network_months() -> set:
    return set(
        NetworkReferralMonth.objects.values_list(
            "network_id", "month", "made", "served", "closed_value"
        )
    )


def assert_months_equal_the_rows() -> None:
    maintained = _months(), _network_months(), measure_totals()
    rollup.rebuild_referrals()
    rollup.rebuild_totals()
    assert maintained == (_months(), _network_months(), measure_totals())


def test_a_referral_counts_each_figure_in_the_month_of_its_own_day(world):
    group = world.group
    ReferralFactory(
        group=group,
        made_on=dt.date(2026, 3, 30),
        served_on=dt.date(2026, 4, 2),
        closed_on=dt.date(2026, 5, 1),
        closed_value=Decimal("120.50"),
    )
    ReferralFactory(group=group, made_on=dt.date(2026, 4, 9))
    assert _months() == {
        (group.pk, dt.date(2026, 3, 1), 1, 0, Decimal("0.00")),
        (group.pk, dt.date(2026, 4, 1), 1, 1, Decimal("0.00")),
        (group.pk, dt.date(2026, 5, 1), 0, 0, Decimal("120.50")),
    }


def test_editing_days_values_and_group_moves_the_figures(world):
    referral = ReferralFactory(group=world.group, made_on=dt.date(2026, 3, 5))
    ReferralFactory(group=world.group, made_on=dt.date(2026, 3, 9))
    referral = Referral.objects.get(pk=referral.pk)
    referral.made_on = dt.date(2026, 2, 27)
    referral.served_on = dt.date(2026, 3, 3)
    referral.save()
    assert_months_equal_the_rows()
    referral.closed_on, referral.closed_value = dt.date(2026, 6, 1), Decimal("40")
    referral.save()
    assert_months_equal_the_rows()
    referral.closed_value = Decimal("55")
    referral.save()
    assert_months_equal_the_rows()
    referral.group = PeerGroupFactory(network=world.network, is_cng=True)
    referral.served_on = None
    referral.save()
    assert_months_equal_the_rows()
    assert ReferralMonth.objects.filter(group=referral.group_id, made=1).exists()


def test_deleting_referrals_and_groups_leaves_no_stale_month(world):
    for day in (3, 17, 28):
        ReferralFactory(group=world.group, made_on=dt.date(2026, 1, day))
    Referral.objects.filter(pk=Referral.objects.order_by("pk").first().pk).delete()
    assert_months_equal_the_rows()
    Referral.objects.filter(group=world.group).delete()  # a bulk delete still signals
    assert _months() == _network_months() == set()
    ReferralFactory(group=world.group, made_on=dt.date(2026, 1, 3))
    ReferralFactory(group=PeerGroupFactory(network=world.network), made_on=dt.date(2026, 1, 9))
    world.group.delete()
    assert_months_equal_the_rows()
    assert _network_months() == {(world.network.pk, dt.date(2026, 1, 1), 1, 0, Decimal(0))}


def test_a_save_that_changes_no_figure_refreshes_nothing(world, django_assert_num_queries):
    referral = ReferralFactory(group=world.group, made_on=dt.date(2026, 1, 3))
    referral.need = "A bookkeeper."
    with django_assert_num_queries(1):  # the UPDATE alone
        referral.save(update_fields=["need"])


def test_the_life_cycle_through_the_services_keeps_the_months(cng):  # noqa: F811
    referral = make_referral(cng)
    assert_months_equal_the_rows()
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    assert_months_equal_the_rows()
    referral_move(referral=referral, to="closed", by=cng.colleague, value=Decimal(900))
    assert_months_equal_the_rows()
    today = cng.group.network.today()
    assert (cng.group.pk, today.replace(day=1), 1, 1, Decimal("900.00")) in _months()


def test_the_rebuild_command_restores_referral_months_after_a_bulk_load(world):
    ReferralFactory(group=world.group, made_on=dt.date(2026, 1, 3))
    expected = _months()
    ReferralMonth.objects.all().delete()  # as a COPY that bypassed the signals would leave it
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert _months() == expected


# ---------------------------------------------------------------- the engine's two readers


@pytest.fixture
def referral_history(world):
    """Random referrals (and activities) in two networks over 18 months, objectives
    starting mid-month, days on and around month edges."""
    rng = random.Random(5)
    groups = [world.group, PeerGroupFactory(network=world.network, is_cng=True)]
    other = PeerGroupFactory(network=world.other_network, is_cng=True)
    objective = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 2, 17), due_on=dt.date(2027, 1, 1)
    )
    late = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 11, 3), due_on=dt.date(2027, 1, 1)
    )
    measures = [
        MeasureFactory(objective=o, source=s) for o in (objective, late) for s in REFERRAL_SOURCES
    ]
    MeasureFactory(
        objective=ObjectiveFactory(
            network=world.other_network, starts_on=dt.date(2025, 1, 1), due_on=dt.date(2027, 1, 1)
        ),
        source=Source.REFERRALS_MADE,
    )
    edges = [dt.date(2025, 3, 1), dt.date(2025, 3, 14), dt.date(2025, 12, 1), dt.date(2026, 7, 1)]
    edges += [dt.date(2025, 2, 17), dt.date(2025, 11, 3), dt.date(2026, 7, 9)]
    days = [e + dt.timedelta(days=d) for e in edges for d in (-1, 0, 1)]
    days += [dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(560)) for _ in range(90)]
    for made in days:
        group = rng.choice([*groups, other])
        served = made + dt.timedelta(days=rng.randrange(0, 50)) if rng.random() < 0.6 else None
        closed = (
            served + dt.timedelta(days=rng.randrange(0, 40))
            if served and rng.random() < 0.7
            else None
        )
        ReferralFactory(
            group=group,
            made_on=made,
            served_on=served,
            closed_on=closed,
            closed_value=Decimal(rng.randrange(0, 90000)) / 100 if closed else None,
        )
        ActivityFactory(group=group, kind=rng.choice(KINDS), occurred_on=made)
    return measures, groups


def test_the_engine_gives_the_same_referral_figures_from_rollups_as_from_rows(
    world, referral_history, monkeypatch
):
    measures, groups = referral_history
    from_rollups = every_figure(measures, groups, world.network)
    monkeypatch.setattr(figures, "ROLLUP", False)
    from_rows = every_figure(measures, groups, world.network)
    assert from_rollups == from_rows
    assert any(v for figure in from_rows for v in (figure.values() if figure else []))


def test_a_page_that_probes_once_reads_the_same_referral_figures(world, referral_history):
    measures, groups = referral_history
    with figures.probed_once():
        probed_once = every_figure(measures, groups, world.network)
    assert probed_once == every_figure(measures, groups, world.network)


def test_random_referral_writes_keep_the_months_equal_to_the_rows(
    world, referral_history, monkeypatch
):
    measures, groups = referral_history
    rng = random.Random(9)
    referrals = list(Referral.objects.order_by("pk"))
    for referral in rng.sample(referrals, 25):
        referral.made_on += dt.timedelta(days=rng.randrange(-40, 40))
        if referral.served_on is not None:
            referral.served_on = max(referral.made_on, referral.served_on)
        referral.save()
    for referral in rng.sample(referrals, 8):
        Referral.objects.filter(pk=referral.pk).delete()
    assert_months_equal_the_rows()
    from_rollups = every_figure(measures, groups, world.network)
    monkeypatch.setattr(figures, "ROLLUP", False)
    assert from_rollups == every_figure(measures, groups, world.network)
