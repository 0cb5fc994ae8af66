import pytest
from django.core.management import call_command
from django.http import HttpRequest

from groups.models import Activity, PeerGroup
from networks.models import Membership, Network, User
from objectives.models import CheckIn, Measure, Objective, ProgressReport
from referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings) -> Network:
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Network.objects.get(slug="riverside")


def counts() -> tuple[int, ...]:
    models = [Network, User, PeerGroup, Activity, Objective, Measure, CheckIn, Referral]
    return tuple(model.objects.count() for model in models)


def test_running_twice_changes_nothing(demo):
    before = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before


def test_reset_rebuilds_the_same_network(demo):
    before = counts()
    call_command("seed_demo", "--reset", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before


def test_demo_has_short_and_long_term_objectives(demo):
    terms = list(demo.objectives.values_list("term", flat=True))
    assert terms.count("short") >= 2 and terms.count("long") >= 2


def test_demo_has_a_measure_of_every_source(demo):
    sources = set(Measure.objects.filter(objective__network=demo).values_list("source", flat=True))
    assert sources == set(Measure.Source.values)


def test_demo_has_six_groups_one_a_cng(demo):
    assert demo.groups.count() >= 6 and demo.groups.filter(is_cng=True).exists()


def test_demo_has_about_thirty_members_with_organisations(demo):
    members = User.objects.filter(memberships__network=demo).exclude(organisation="")
    assert 28 <= members.count() <= 40


def test_demo_has_hundreds_of_activities_over_six_months(demo):
    days = demo.activities.dates("occurred_on", "month")
    assert demo.activities.count() >= 200 and len(days) >= 6


def test_demo_has_referrals_in_every_status(demo):
    statuses = set(demo.referrals.values_list("status", flat=True))
    assert statuses == set(Referral.Status.values)


def test_demo_has_check_ins(demo):
    assert CheckIn.objects.filter(measure__objective__network=demo).count() >= 10


def test_demo_has_a_report_for_every_group_and_past_period(demo):
    periods = set(ProgressReport.objects.filter(network=demo).values_list("period_start"))
    groups = demo.groups.count()
    assert len(periods) >= 3
    assert ProgressReport.objects.filter(network=demo).count() == groups * len(periods)


def test_demo_logins_have_their_roles(demo):
    organiser = Membership.objects.get(user__email="organiser@grove.demo", network=demo)
    gardener = User.objects.get(email="gardener@grove.demo")
    assert organiser.role == "organiser"
    assert gardener.group_memberships.filter(role="gardener").exists()


def test_demo_password_works(demo, client):
    assert client.login(request=HttpRequest(), email="member@grove.demo", password="grove-demo")


def test_seeded_history_names_its_author(demo):
    organiser = User.objects.get(email="organiser@grove.demo")
    objective = demo.objectives.first()
    authors = {record.history_user for record in objective.history.all()}
    assert authors == {organiser}
    assert demo.history.get().history_user == organiser


def test_seeding_leaves_no_author_behind_for_later_changes(demo):
    objective = demo.objectives.first()
    objective.title = "Changed outside any request"
    objective.save()
    assert objective.history.latest().history_user is None
