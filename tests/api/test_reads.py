"""Every read endpoint, for each persona: what the pages would show them, nothing more."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from objectives.models import Measure
from tests.api.conftest import base
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    GroupMembershipFactory,
    InvitationFactory,
    MeasureFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MEMBERS = ["organiser", "gardener", "member"]


@dataclass
class Data:
    activity_id: int
    objective_id: int
    measure_id: int
    report_id: int
    other_report_id: int


@pytest.fixture
def data(world) -> Data:
    objective = ObjectiveFactory(network=world.network, title="Grow peer learning")
    manual = MeasureFactory(objective=objective, name="Members helped", target=100)
    summed = MeasureFactory(
        objective=objective, name="Hours taught", source=Measure.Source.ACTIVITY_SUM, target=50
    )
    # The network's figure is its latest network-wide reading; a group's reading is its part.
    CheckInFactory(measure=manual, value=40, recorded_by=world.organiser)
    CheckInFactory(measure=manual, value=30, group=world.group, recorded_by=world.gardener)
    activity = ActivityFactory(group=world.group, led_by=world.member, title="Breakfast")
    activity.participants.add(world.gardener)
    ContributionFactory(activity=activity, measure=summed, amount=5)
    report = ProgressReportFactory(group=world.group)
    other = ProgressReportFactory(group=PeerGroupFactory(network=world.network, name="Other"))
    InvitationFactory(network=world.network, email="new@example.org")
    return Data(activity.pk, objective.pk, manual.pk, report.pk, other.pk)


def paths(world, d: Data) -> dict[str, str]:
    b = base(world)
    return {
        "network": b,
        "members": f"{b}members/",
        "groups": f"{b}groups/",
        "group": f"{b}groups/{world.group.slug}/",
        "memberships": f"{b}groups/{world.group.slug}/memberships/",
        "activities": f"{b}activities/",
        "activity": f"{b}activities/{d.activity_id}/",
        "objectives": f"{b}objectives/",
        "objective": f"{b}objectives/{d.objective_id}/",
        "measures": f"{b}objectives/{d.objective_id}/measures/",
        "figures": f"{b}measures/{d.measure_id}/figures/",
        "check_ins": f"{b}measures/{d.measure_id}/check-ins/",
        "reports": f"{b}reports/",
        "report": f"{b}reports/{d.report_id}/",
    }


EVERYONE_READS = [
    "network", "members", "groups", "group", "memberships", "activities", "activity",
    "objectives", "objective", "measures", "figures", "check_ins", "reports", "report",
]  # fmt: skip


@pytest.mark.parametrize("persona", MEMBERS)
@pytest.mark.parametrize("name", EVERYONE_READS)
def test_members_of_the_network_read_it(world, data, api, persona, name):
    assert api(getattr(world, persona)).get(paths(world, data)[name]).status_code == 200


@pytest.mark.parametrize("name", EVERYONE_READS)
def test_an_outsider_gets_404(world, data, api, name):
    assert api(world.outsider).get(paths(world, data)[name]).status_code == 404


@pytest.mark.parametrize("name", EVERYONE_READS)
def test_anonymous_gets_401(world, data, api, name):
    response = api(None).get(paths(world, data)[name])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_network_list_holds_only_ones_own_networks(world, api):
    slugs = [n["slug"] for n in api(world.member).get("/api/v1/networks/").json()["results"]]
    assert slugs == [world.network.slug]


def test_the_network_carries_its_statement(world, api):
    body = api(world.member).get(base(world)).json()
    assert body["mission"] == world.network.mission
    assert "sound_bites" in body and "vision" in body


@pytest.mark.parametrize(
    ("persona", "code"), [("organiser", 200), ("gardener", 403), ("member", 403)]
)
def test_invitations_are_for_those_who_invite(world, data, api, persona, code):
    assert api(getattr(world, persona)).get(f"{base(world)}invitations/").status_code == code


def test_a_member_reads_only_their_groups_reports(world, data, api):
    client = api(world.member)
    ids = [r["id"] for r in client.get(f"{base(world)}reports/").json()["results"]]
    assert ids == [data.report_id]
    assert client.get(f"{base(world)}reports/{data.other_report_id}/").status_code == 403


def test_an_organiser_reads_every_report(world, data, api):
    results = api(world.organiser).get(f"{base(world)}reports/").json()["results"]
    assert {r["id"] for r in results} == {data.report_id, data.other_report_id}


def test_an_activity_shows_its_people_and_contributions(world, data, api):
    body = api(world.member).get(paths(world, data)["activity"]).json()
    assert body["led_by"]["id"] == world.member.pk
    assert [p["id"] for p in body["participants"]] == [world.gardener.pk]
    assert [c["amount"] for c in body["contributions"]] == ["5.00"]
    assert body["can_edit"] is True


def test_objectives_carry_the_engines_figures(world, data, api):
    objective = api(world.member).get(paths(world, data)["objective"]).json()
    manual = next(m for m in objective["measures"] if m["id"] == data.measure_id)
    assert manual["figures"]["value"] == "40.00"
    assert manual["figures"]["progress"] == pytest.approx(0.4)
    assert objective["figures"]["status"] in {"on_track", "at_risk", "off_track"}


def test_figures_give_a_groups_part(world, data, api):
    url = paths(world, data)["figures"]
    body = api(world.member).get(url, {"group": world.group.slug}).json()
    assert body["value"] == "40.00"
    assert body["group_value"] == "30.00"
    assert body["status"] in {"on_track", "at_risk", "off_track"}


def test_figures_refuse_a_start_after_the_day(world, data, api):
    response = api(world.member).get(
        paths(world, data)["figures"], {"start": "2026-02-02", "on": "2026-02-01"}
    )
    assert response.status_code == 400
    assert "start" in response.json()


def test_activities_filter_as_on_the_page(world, data, api):
    ActivityFactory(group=world.group, led_by=world.gardener, kind="blog_written", title="Blog")
    client = api(world.member)
    blogs = client.get(f"{base(world)}activities/", {"kind": "blog_written"}).json()["results"]
    titles = [a["title"] for a in blogs]
    assert titles == ["Blog"]
    mine = client.get(f"{base(world)}activities/", {"member": world.member.pk}).json()["results"]
    assert [a["title"] for a in mine] == ["Breakfast"]
    advanced = client.get(f"{base(world)}activities/", {"objective": data.objective_id}).json()
    assert [a["title"] for a in advanced["results"]] == ["Breakfast"]


def test_a_bad_filter_names_the_field(world, data, api):
    response = api(world.member).get(
        f"{base(world)}activities/", {"start": "2026-03-01", "end": "2026-02-01", "kind": "x"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"end", "kind"}


def test_activities_page_by_cursor(world, data, api):
    for n in range(4):
        ActivityFactory(group=world.group, led_by=world.member, title=f"A{n}")
    client = api(world.member)
    first = client.get(f"{base(world)}activities/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    seen = [a["id"] for a in first["results"] + second["results"]]
    assert len(seen) == 5 == len(set(seen))
    assert second["next"] is None


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more(world, data) -> None:
    """Another of everything a list shows, with its relations."""
    for _ in range(3):
        person = UserFactory()
        MembershipFactory(user=person, network=world.network)
        group = PeerGroupFactory(network=world.network)
        GroupMembershipFactory(group=group, user=person)
        GroupMembershipFactory(group=world.group, user=person)
        activity = ActivityFactory(group=world.group, led_by=person)
        activity.participants.add(world.member, person)
        ContributionFactory(activity=activity, measure_id=data.measure_id + 1)
        objective = ObjectiveFactory(network=world.network)
        MeasureFactory(objective=objective)
        # Sources already present: the engine costs one query per kind of source.
        MeasureFactory(objective=objective, source=Measure.Source.ACTIVITY_SUM)
        CheckInFactory(measure_id=data.measure_id, group=group, recorded_by=person)
        ProgressReportFactory(group=group)


@pytest.mark.parametrize(
    "name", ["members", "groups", "memberships", "activities", "objectives", "check_ins", "reports"]
)
def test_lists_cost_a_fixed_number_of_queries(world, data, api, name):
    client = api(world.organiser)
    url = paths(world, data)[name]
    _queries(client, url)  # warm: the token's last use is written once a minute at most
    few = _queries(client, url)
    _more(world, data)
    assert _queries(client, url) == few


def test_activity_rows_are_what_the_serializer_writes(world, data):
    """The activity list's plain-Python rows equal ActivityOut's output, field for field,
    for each persona (can_edit differs by who asks) and for amounts, dates and people."""
    import datetime as dt
    from decimal import Decimal

    from groups.models import Activity
    from networks.policy import Access
    from objectives.api import ActivityOut, _activity_cards, _attach_parts, _listed, activity_rows

    other = ActivityFactory(group=world.group, led_by=world.gardener, title="Walk",
                            description="Café & <b>", occurred_on=dt.date(2026, 2, 28))  # fmt: skip
    other.participants.add(world.member, world.organiser)
    summed = Measure.objects.get(name="Hours taught")
    ContributionFactory(activity=other, measure=summed, amount=Decimal("1234.5"))
    for persona in MEMBERS:
        access = Access.load(getattr(world, persona), world.network)
        cards = list(_activity_cards(Activity.objects.for_network(world.network)))
        activities = _attach_parts(cards)
        assert len(activities) == 2
        fast = activity_rows(list(_listed(Activity.objects.for_network(world.network))), access)
        slow = [dict(ActivityOut(a, context={"access": access}).data) for a in activities]
        for row, expected in zip(fast, slow, strict=True):
            assert list(row) == list(expected)
            for name in expected:
                assert row[name] == expected[name], name
                assert type(row[name]) is type(expected[name]), name
