"""Every named rule of networks/policy.py for each persona: the table a newcomer reads to
learn who may do what. The outsider belongs to another network and never gets an Access
for this one (network_access answers 404: see test_access_policy)."""

import pytest
from django.test import RequestFactory

from groups.models import GroupMembership, PeerGroup
from networks.policy import network_access
from objectives.models import Measure, ProgressReport
from tests.factories import (
    GroupMembershipFactory,
    InvitationFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
)

pytestmark = pytest.mark.django_db
PERSONAS = ["organiser", "gardener", "member", "admin"]


def access(world, persona):
    request = RequestFactory().get("/")
    request.user = getattr(world, persona)
    return network_access(request, world.network.slug)[1]


def rule_table(world, rule) -> dict[str, bool]:
    return {persona: rule(access(world, persona)) for persona in PERSONAS}


def test_can_edit_group(world):
    table = rule_table(world, lambda a: a.can_edit_group(world.group))
    assert table == {"organiser": True, "gardener": False, "member": False, "admin": True}


def test_can_manage_group(world):
    table = rule_table(world, lambda a: a.can_manage_group(world.group))
    assert table == {"organiser": True, "gardener": True, "member": False, "admin": True}


def test_can_appoint_gardener(world):
    table = rule_table(world, lambda a: a.can_appoint_gardener)
    assert table == {"organiser": True, "gardener": False, "member": False, "admin": True}


def test_can_remove_member_but_only_organisers_remove_a_gardener(world):
    gardener = GroupMembership.objects.get(group=world.group, user=world.gardener)
    member = GroupMembership.objects.get(group=world.group, user=world.member)
    members = rule_table(world, lambda a: a.can_remove_member(world.group, member))
    gardeners = rule_table(world, lambda a: a.can_remove_member(world.group, gardener))
    assert members == {"organiser": True, "gardener": True, "member": False, "admin": True}
    assert gardeners == {"organiser": True, "gardener": False, "member": False, "admin": True}


def test_can_withdraw_invitation_but_only_organisers_a_gardener_one(world):
    plain = InvitationFactory(network=world.network, group=world.group, role="member")
    gardener = InvitationFactory(network=world.network, group=world.group, role="gardener")
    plains = rule_table(world, lambda a: a.can_withdraw_invitation(world.group, plain))
    gardeners = rule_table(world, lambda a: a.can_withdraw_invitation(world.group, gardener))
    assert plains == {"organiser": True, "gardener": True, "member": False, "admin": True}
    assert gardeners == {"organiser": True, "gardener": False, "member": False, "admin": True}


def test_can_use_console(world):
    table = rule_table(world, lambda a: a.can_use_console)
    assert table == {"organiser": True, "gardener": True, "member": False, "admin": True}


def test_console_groups_are_every_group_for_organisers_and_own_for_gardeners(world):
    other = PeerGroupFactory(network=world.network)
    groups = PeerGroup.objects.filter(network=world.network)
    table = rule_table(world, lambda a: set(a.console_groups(groups)))
    assert table["organiser"] == table["admin"] == {world.group, other}
    assert table["gardener"] == {world.group}


def test_can_check_in_only_manual_measures_of_active_objectives(world):
    objective = ObjectiveFactory(network=world.network)
    manual = MeasureFactory(objective=objective)
    counted = MeasureFactory(objective=objective, source=Measure.Source.ACTIVITY_COUNT)
    table = rule_table(world, lambda a: a.can_check_in(manual))
    assert table == {"organiser": True, "gardener": True, "member": False, "admin": True}
    assert not any(rule_table(world, lambda a: a.can_check_in(counted)).values())


def test_nobody_checks_in_on_an_archived_objective(world):
    from django.utils import timezone

    measure = MeasureFactory(
        objective=ObjectiveFactory(network=world.network, archived_at=timezone.now())
    )
    assert not any(rule_table(world, lambda a: a.can_check_in(measure)).values())


def test_only_organisers_record_a_network_wide_reading(world):
    table = rule_table(world, lambda a: a.can_record_network_reading)
    assert table == {"organiser": True, "gardener": False, "member": False, "admin": True}


def test_check_in_groups_are_a_gardeners_own(world):
    other = PeerGroupFactory(network=world.network)
    GroupMembershipFactory(group=other, user=world.gardener)  # member there, not gardener
    groups = PeerGroup.objects.filter(network=world.network)
    table = rule_table(world, lambda a: set(a.check_in_groups(groups)))
    assert table["organiser"] == {world.group, other}
    assert table["gardener"] == {world.group}
    assert table["member"] == set()


def test_visible_reports_are_all_for_organisers_and_own_groups_for_members(world):
    own = ProgressReportFactory(group=world.group)
    other = ProgressReportFactory(group=PeerGroupFactory(network=world.network))
    reports = ProgressReport.objects.filter(network=world.network)
    table = rule_table(world, lambda a: set(a.visible_reports(reports)))
    assert table["organiser"] == table["admin"] == {own, other}
    assert table["gardener"] == table["member"] == {own}


def test_can_see_group_reports(world):
    table = rule_table(world, lambda a: a.can_see_group_reports(world.group))
    assert table == {"organiser": True, "gardener": True, "member": True, "admin": True}


def test_rules_about_another_networks_group_are_all_false(world):
    elsewhere = PeerGroupFactory(network=world.other_network)
    for rule in ("can_edit_group", "can_manage_group", "can_log_activity", "can_see_group_reports"):
        table = rule_table(world, lambda a, rule=rule: getattr(a, rule)(elsewhere))
        assert not any(table.values()), rule


def test_gardening_an_archived_group_grants_no_console_or_check_ins(world):
    from django.utils import timezone

    world.group.archived_at = timezone.now()
    world.group.save()
    measure = MeasureFactory(objective=ObjectiveFactory(network=world.network))
    gardener = access(world, "gardener")
    assert not gardener.can_use_console
    assert not gardener.can_check_in(measure)
