"""The life cycle: each allowed move by the party entitled to it, nothing else, all kept."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from referrals.models import MOVES, Referral, StatusChange
from referrals.services import referral_correct, referral_move
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db
S = Referral.Status

# The path to each status, by the colleague (c) or the concierge (r).
PATHS = {
    S.MADE: [],
    S.ACCEPTED: [(S.ACCEPTED, "c")],
    S.IN_PROGRESS: [(S.ACCEPTED, "c"), (S.IN_PROGRESS, "c")],
    S.SERVED: [(S.ACCEPTED, "c"), (S.IN_PROGRESS, "c"), (S.SERVED, "c")],
    S.CLOSED: [(S.ACCEPTED, "c"), (S.IN_PROGRESS, "c"), (S.SERVED, "c"), (S.CLOSED, "c")],
    S.DECLINED: [(S.DECLINED, "c")],
}


def _person(cng, party: str):
    return cng.colleague if party in ("c", Referral.Party.RECEIVER) else cng.concierge


def _at(cng, status: str) -> Referral:
    referral = make_referral(cng)
    for to, party in PATHS[status]:
        referral_move(referral=referral, to=to, by=_person(cng, party), reason="Too busy",
                      value=Decimal(100))  # fmt: skip
    return referral


@pytest.mark.parametrize("move", list(MOVES.values()), ids=repr)
def test_every_allowed_move_is_made_by_its_party(cng, move):
    referral = _at(cng, move.source)
    referral_move(referral=referral, to=move.target, by=_person(cng, move.party),
                  reason="Fully booked", value=Decimal(50))  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == move.target


@pytest.mark.parametrize("move", list(MOVES.values()), ids=repr)
def test_the_other_party_may_not_make_the_move(cng, move):
    referral = _at(cng, move.source)
    other = "r" if move.party == Referral.Party.RECEIVER else "c"
    with pytest.raises(ValidationError, match="Only the"):
        referral_move(referral=referral, to=move.target, by=_person(cng, other),
                      reason="x", value=Decimal(1))  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == move.source


@pytest.mark.parametrize("persona", ["gardener", "organiser"])
def test_a_gardener_or_organiser_moves_nothing(cng, persona):
    referral = _at(cng, S.MADE)
    with pytest.raises(ValidationError):
        referral_move(referral=referral, to=S.ACCEPTED, by=getattr(cng.world, persona))


@pytest.mark.parametrize(
    "source,target",
    [(S.MADE, S.SERVED), (S.MADE, S.CLOSED), (S.ACCEPTED, S.CLOSED), (S.DECLINED, S.ACCEPTED),
     (S.CLOSED, S.IN_PROGRESS), (S.SERVED, S.MADE), (S.IN_PROGRESS, S.DECLINED)],
)  # fmt: skip
def test_a_move_the_life_cycle_does_not_allow_is_refused_with_no_change(cng, source, target):
    referral = _at(cng, source)
    history = StatusChange.objects.filter(referral=referral).count()
    for person in (cng.colleague, cng.concierge):
        with pytest.raises(ValidationError, match="cannot become"):
            referral_move(referral=referral, to=target, by=person, reason="x", value=Decimal(1))
    referral.refresh_from_db()
    assert referral.status == source
    assert StatusChange.objects.filter(referral=referral).count() == history


def test_declining_needs_a_reason(cng):
    referral = _at(cng, S.MADE)
    with pytest.raises(ValidationError, match="Say why"):
        referral_move(referral=referral, to=S.DECLINED, by=cng.colleague, reason="  ")
    referral.refresh_from_db()
    assert referral.status == S.MADE


def test_a_negative_value_is_refused(cng):
    referral = _at(cng, S.SERVED)
    with pytest.raises(ValidationError, match="negative"):
        referral_move(referral=referral, to=S.CLOSED, by=cng.colleague, value=Decimal(-5))
    referral.refresh_from_db()
    assert (referral.status, referral.closed_value) == (S.SERVED, None)


def test_closing_credits_the_value_and_thanks_and_stamps_the_day(cng):
    referral = _at(cng, S.SERVED)
    referral_move(referral=referral, to=S.CLOSED, by=cng.colleague, value=Decimal(900),
                  thanks="Thank you!")  # fmt: skip
    referral.refresh_from_db()
    assert (referral.closed_value, referral.thanks) == (Decimal(900), "Thank you!")
    assert referral.closed_on == cng.world.network.today()


def test_closing_with_no_business_keeps_no_value(cng):
    referral = _at(cng, S.SERVED)
    referral_move(referral=referral, to=S.CLOSED, by=cng.colleague, value=None)
    referral.refresh_from_db()
    assert referral.status == S.CLOSED and referral.closed_value is None


def test_reopening_a_served_referral_clears_the_day_served(cng):
    referral = _at(cng, S.SERVED)
    referral_move(referral=referral, to=S.IN_PROGRESS, by=cng.concierge)
    referral.refresh_from_db()
    assert (referral.status, referral.served_on) == (S.IN_PROGRESS, None)


def test_every_move_is_kept_with_who_made_it(cng):
    referral = _at(cng, S.SERVED)
    history = list(referral.status_changes.values_list("from_status", "to_status", "changed_by"))
    assert history == [
        (S.MADE, S.MADE, cng.concierge.pk),
        (S.MADE, S.ACCEPTED, cng.colleague.pk),
        (S.ACCEPTED, S.IN_PROGRESS, cng.colleague.pk),
        (S.IN_PROGRESS, S.SERVED, cng.colleague.pk),
    ]


def test_a_correction_keeps_its_own_history_entry(cng):
    referral = _at(cng, S.CLOSED)
    referral_correct(referral=referral, by=cng.colleague, closed_value=Decimal(1500))
    referral.refresh_from_db()
    entry = referral.status_changes.last()
    assert referral.closed_value == Decimal(1500)
    assert entry.kind == StatusChange.Kind.CORRECTION
    assert entry.note == "Value: 100.00 → 1500"
    assert entry.changed_by == cng.colleague


def test_a_correction_to_a_negative_value_is_refused(cng):
    referral = _at(cng, S.CLOSED)
    with pytest.raises(ValidationError, match="negative"):
        referral_correct(referral=referral, by=cng.colleague, closed_value=Decimal(-1))
    referral.refresh_from_db()
    assert referral.closed_value == Decimal(100)


def test_a_correction_of_a_day_before_the_referral_was_made_is_refused(cng):
    referral = _at(cng, S.CLOSED)
    before = referral.made_on.replace(year=referral.made_on.year - 1)
    with pytest.raises(ValidationError, match="before the referral was made"):
        referral_correct(referral=referral, by=cng.colleague, closed_on=before)


def test_a_correction_that_changes_nothing_writes_no_history(cng):
    referral = _at(cng, S.CLOSED)
    count = referral.status_changes.count()
    assert referral_correct(referral=referral, by=cng.colleague, closed_value=Decimal(100)) is None
    assert referral.status_changes.count() == count
