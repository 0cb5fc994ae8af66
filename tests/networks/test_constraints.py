"""Rules the data must obey are enforced by the database, not only by forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from networks.models import Network, User
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    InvitationFactory,
    MeasureFactory,
    MembershipFactory,
    NetworkFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    ReferralFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_group_slug_is_unique_within_a_network():
    group = PeerGroupFactory(slug="founders")
    assert refused(lambda: PeerGroupFactory(network=group.network, slug="founders"))


def test_group_slug_may_repeat_across_networks():
    PeerGroupFactory(slug="founders")
    assert not refused(lambda: PeerGroupFactory(slug="founders"))


def test_network_slug_is_unique():
    NetworkFactory(slug="riverside")
    assert refused(lambda: NetworkFactory(slug="riverside"))


def test_one_report_per_group_and_period():
    report = ProgressReportFactory()
    assert refused(
        lambda: ProgressReportFactory(group=report.group, period_start=report.period_start)
    )


def test_report_period_must_end_after_it_starts():
    assert refused(
        lambda: ProgressReportFactory(
            period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 1)
        )
    )


def test_activity_people_reached_cannot_be_negative():
    assert refused(lambda: ActivityFactory(people_reached=-1))


def test_objective_due_date_must_follow_start():
    assert refused(
        lambda: ObjectiveFactory(starts_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 4, 30))
    )


def test_measure_target_equal_to_baseline_is_refused():
    assert refused(lambda: MeasureFactory(baseline=Decimal(10), target=Decimal(10)))


def test_measure_target_must_lie_in_its_direction():
    assert refused(
        lambda: MeasureFactory(baseline=Decimal(10), target=Decimal(5), direction="increase")
    )


def test_decreasing_measure_with_lower_target_is_accepted():
    assert not refused(
        lambda: MeasureFactory(baseline=Decimal(10), target=Decimal(5), direction="decrease")
    )


def test_check_in_value_cannot_be_negative():
    assert refused(lambda: CheckInFactory(value=Decimal("-1")))


def test_contribution_amount_cannot_be_negative():
    assert refused(lambda: ContributionFactory(amount=Decimal("-0.5")))


def test_activity_contributes_to_a_measure_once():
    contribution = ContributionFactory()
    assert refused(
        lambda: ContributionFactory(activity=contribution.activity, measure=contribution.measure)
    )


def test_member_cannot_refer_a_client_to_themselves():
    person = UserFactory()
    assert refused(lambda: ReferralFactory(referrer=person, receiver=person))


def test_closed_value_cannot_be_negative():
    assert refused(lambda: ReferralFactory(closed_value=Decimal("-100")))


def test_client_rating_is_one_to_five():
    assert refused(lambda: ReferralFactory(client_rating=6))


def test_referral_cannot_be_served_before_it_was_made():
    assert refused(
        lambda: ReferralFactory(made_on=dt.date(2026, 5, 2), served_on=dt.date(2026, 5, 1))
    )


def test_network_tolerance_must_be_a_share():
    assert refused(lambda: NetworkFactory(tolerance=Decimal("1.5")))


def test_membership_is_unique_per_network():
    membership = MembershipFactory()
    assert refused(lambda: MembershipFactory(user=membership.user, network=membership.network))


def test_email_is_unique_whatever_its_case():
    UserFactory(email="sam@example.org")
    assert refused(lambda: User.objects.create(email="SAM@example.org", name="Sam"))


def test_gardener_invitation_needs_a_group():
    assert refused(lambda: InvitationFactory(role="gardener", group=None))


def test_network_history_records_mission_changes():
    network = NetworkFactory(mission="Old")
    network.mission = "New"
    network.save()
    assert [h.mission for h in network.history.all()] == ["New", "Old"]


def test_str_names_are_readable():
    network = Network(name="Riverside")
    assert str(network) == "Riverside"
