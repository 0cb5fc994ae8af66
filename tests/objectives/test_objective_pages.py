import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import GroupMembership
from objectives.models import CheckIn, Measure, Objective
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
)
from tests.queries import MENU

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date.today()


def url(name: str, world, **kwargs) -> str:
    return reverse(f"objectives:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


@pytest.fixture
def objective(world) -> Objective:
    return ObjectiveFactory(
        network=world.network,
        title="Grow peer learning",
        starts_on=TODAY - dt.timedelta(days=50),
        due_on=TODAY + dt.timedelta(days=50),
    )


@pytest.fixture
def measure(objective) -> Measure:
    return MeasureFactory(
        objective=objective, name="Members with a new client", baseline=0, target=100
    )


def objective_data(**overrides) -> dict:
    data = {
        "term": "short",
        "title": "Teach what we know",
        "description": "Every group teaches once a month.",
        "starts_on": TODAY.isoformat(),
        "due_on": (TODAY + dt.timedelta(days=180)).isoformat(),
    }
    return data | overrides


def measure_data(**overrides) -> dict:
    data = {
        "name": "Courses taught",
        "unit": "courses",
        "baseline": "0",
        "target": "24",
        "direction": "increase",
        "source": "manual",
    }
    return data | overrides


def checkin_data(**overrides) -> dict:
    return {"value": "42", "recorded_on": TODAY.isoformat(), "group": "", "note": ""} | overrides


# ---------------------------------------------------------------- list


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_list_shows_active_objectives_to_everyone_in_the_network(
    world, as_user, persona, objective
):
    response = as_user(getattr(world, persona)).get(url("list", world))
    assert response.status_code == 200
    assert "Grow peer learning" in response.content.decode()


def test_list_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).get(url("list", world)).status_code == 404


def test_list_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(url("list", world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_splits_short_and_long_term(world, as_user):
    ObjectiveFactory(network=world.network, title="This year", term="short")
    ObjectiveFactory(network=world.network, title="By 2030", term="long")
    body = as_user(world.member).get(url("list", world)).content.decode()
    assert body.index("Short term") < body.index("This year") < body.index("Long term")
    assert body.index("Long term") < body.index("By 2030")


def test_archived_objectives_are_on_their_own_tab(world, as_user):
    ObjectiveFactory(network=world.network, title="Old goal", archived_at=timezone.now())
    client = as_user(world.member)
    assert "Old goal" not in client.get(url("list", world)).content.decode()
    assert "Old goal" in client.get(url("list", world), {"archived": "1"}).content.decode()


def test_list_leaves_out_another_networks_objectives(world, as_user):
    ObjectiveFactory(network=world.other_network, title="Hilltop secret")
    assert "Hilltop secret" not in as_user(world.organiser).get(url("list", world)).content.decode()


def test_empty_list_tells_an_organiser_what_to_do(world, as_user):
    body = as_user(world.organiser).get(url("list", world)).content.decode()
    assert "Set the first objective" in body


def test_empty_list_for_a_member_has_no_create_button(world, as_user):
    body = as_user(world.member).get(url("list", world)).content.decode()
    assert "Set the first objective" not in body
    assert "New objective" not in body


def _fill(world, count: int) -> None:
    group = PeerGroupFactory(network=world.network)
    for _ in range(count):
        objective = ObjectiveFactory(network=world.network)
        for source in ["manual", "activity_count", "activity_sum", "referrals_made"]:
            m = MeasureFactory(objective=objective, source=source)
            if source == "manual":
                CheckInFactory(measure=m, group=group)
            if source == "activity_sum":
                ContributionFactory(measure=m, activity=ActivityFactory(group=group))


@pytest.mark.parametrize("count", [1, 8])
def test_list_runs_a_fixed_number_of_queries(world, as_user, django_assert_num_queries, count):
    _fill(world, count)
    client = as_user(world.member)
    client.get(url("list", world))
    # session, user, network, membership, group roles, objectives, measures, the manual
    # readings, whether anything is dated after today, the other measures' totals
    with django_assert_num_queries(10 + MENU):
        client.get(url("list", world))


# ---------------------------------------------------------------- create and edit


def test_organiser_gets_the_new_objective_form(world, as_user):
    response = as_user(world.organiser).get(url("create", world))
    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()


def test_creating_an_objective_goes_on_to_its_first_measure(world, as_user):
    response = as_user(world.organiser).post(url("create", world), objective_data())
    objective = Objective.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("measure_create", world, objective_id=objective.pk)
    assert (objective.network, objective.title) == (world.network, "Teach what we know")


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_creating_is_forbidden_to_non_organisers(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(url("create", world)).status_code == 403
    assert client.post(url("create", world), objective_data()).status_code == 403
    assert not Objective.objects.exists()


def test_creating_is_404_for_an_outsider(world, as_user):
    assert as_user(world.outsider).post(url("create", world), objective_data()).status_code == 404
    assert not Objective.objects.exists()


def test_creating_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).post(url("create", world), objective_data())
    assert response.status_code == 302
    assert not Objective.objects.exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "Give the objective a title"),
        ({"title": "   "}, "title", "Give the objective a title"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"description": "x" * 4001}, "description", "at most 4000 characters"),
        ({"term": ""}, "term", "Choose short or long term"),
        ({"term": "forever"}, "term", "valid choice"),
        ({"starts_on": ""}, "starts_on", "Give the start date"),
        ({"due_on": "2026-02-30"}, "due_on", "Enter a real date"),
        ({"due_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "due_on", "must come after"),
        ({"due_on": TODAY.isoformat()}, "due_on", "must come after"),
    ],
)
def test_bad_objective_is_refused_next_to_the_field(world, as_user, overrides, field, message):
    response = as_user(world.organiser).post(url("create", world), objective_data(**overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not Objective.objects.exists()


def test_editing_an_objective(world, as_user, objective):
    response = as_user(world.organiser).post(
        url("edit", world, objective_id=objective.pk), objective_data(title="Renamed")
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.title == "Renamed"


def test_bad_edit_changes_nothing(world, as_user, objective):
    response = as_user(world.organiser).post(
        url("edit", world, objective_id=objective.pk),
        objective_data(title="Renamed", due_on=(TODAY - dt.timedelta(days=400)).isoformat()),
    )
    assert 'id="id_due_on_error"' in response.content.decode()
    objective.refresh_from_db()
    assert objective.title == "Grow peer learning"


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_editing_is_forbidden_to_non_organisers(world, as_user, persona, objective):
    client = as_user(getattr(world, persona))
    response = client.post(url("edit", world, objective_id=objective.pk), objective_data())
    assert response.status_code == 403
    objective.refresh_from_db()
    assert objective.title == "Grow peer learning"


def test_another_networks_objective_is_404_even_for_an_organiser(world, as_user):
    theirs = ObjectiveFactory(network=world.other_network)
    client = as_user(world.organiser)
    assert client.get(url("detail", world, objective_id=theirs.pk)).status_code == 404
    assert (
        client.post(url("edit", world, objective_id=theirs.pk), objective_data()).status_code == 404
    )
    assert client.post(url("archive", world, objective_id=theirs.pk)).status_code == 404


# ---------------------------------------------------------------- archive


def test_archiving_and_restoring_an_objective(world, as_user, objective):
    client = as_user(world.organiser)
    response = client.post(url("archive", world, objective_id=objective.pk))
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.archived_at is not None
    client.post(url("archive", world, objective_id=objective.pk), {"restore": "1"})
    objective.refresh_from_db()
    assert objective.archived_at is None


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_archiving_is_forbidden_to_non_organisers(world, as_user, persona, objective):
    response = as_user(getattr(world, persona)).post(
        url("archive", world, objective_id=objective.pk)
    )
    assert response.status_code == 403
    objective.refresh_from_db()
    assert objective.archived_at is None


# ---------------------------------------------------------------- detail


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_detail_shows_measures_to_everyone_in_the_network(world, as_user, persona, measure):
    CheckInFactory(measure=measure, value=Decimal("30"))
    response = as_user(getattr(world, persona)).get(
        url("detail", world, objective_id=measure.objective_id)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Members with a new client" in body
    assert "<strong>30 members</strong>" in body
    assert 'class="bar"' in body


def test_detail_is_404_for_an_outsider(world, as_user, objective):
    assert (
        as_user(world.outsider).get(url("detail", world, objective_id=objective.pk)).status_code
        == 404
    )


def test_detail_sends_anonymous_visitors_to_login(world, as_user, objective):
    assert as_user(None).get(url("detail", world, objective_id=objective.pk)).status_code == 302


def test_detail_shows_each_groups_contribution(world, as_user, measure):
    other = PeerGroupFactory(network=world.network, name="Green Teachers")
    CheckInFactory(measure=measure, group=world.group, value=Decimal("12"))
    CheckInFactory(measure=measure, group=other, value=Decimal("7"))
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    section = body[body.index("By group") :]
    assert section.index("Founders Circle") < section.index("Green Teachers")


def _twelve_groups_reading(world, measure) -> None:
    for i in range(12):
        group = PeerGroupFactory(network=world.network, name=f"Group {i:02}")
        CheckInFactory(measure=measure, group=group, value=Decimal(100 - i))


def test_detail_lists_the_groups_adding_most_and_offers_them_all(world, as_user, measure):
    _twelve_groups_reading(world, measure)
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    parts = body[body.index('<ul class="group-parts">') :]
    parts = parts[: parts.index("</ul>")]
    assert "Group 09" in parts and "Group 10" not in parts
    assert "The 10 groups adding most, of 12." in body
    assert f"?groups=all#measure-{measure.pk}" in body


def test_detail_lists_every_group_on_request(world, as_user, measure):
    _twelve_groups_reading(world, measure)
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id) + "?groups=all")
        .content.decode()
    )
    parts = body[body.index('<ul class="group-parts">') :]
    assert "Group 11" in parts[: parts.index("</ul>")]
    assert "Show only the 10 groups adding most" in body


def test_detail_shows_the_check_in_history(world, as_user, measure):
    CheckInFactory(measure=measure, value=Decimal("12"), note="From the member survey")
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert "From the member survey" in body


def test_detail_shows_who_changed_what(world, as_user, objective):
    as_user(world.organiser).post(
        url("edit", world, objective_id=objective.pk), objective_data(title="Renamed goal")
    )
    body = (
        as_user(world.member).get(url("detail", world, objective_id=objective.pk)).content.decode()
    )
    assert "Olive Organiser" in body
    assert "<del>Grow peer learning</del>" in body
    assert "<ins>Renamed goal</ins>" in body


def test_detail_shows_measure_changes_in_the_history(world, as_user, measure):
    as_user(world.organiser).post(
        url("measure_edit", world, measure_id=measure.pk), measure_data(target="250")
    )
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert "<del>100</del>" in body or "<del>100.00</del>" in body
    assert "<ins>250" in body


def test_member_sees_no_check_in_or_edit_buttons(world, as_user, measure):
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert "Record a check-in" not in body
    assert "Edit measure" not in body


def test_gardener_sees_the_check_in_button(world, as_user, measure):
    body = (
        as_user(world.gardener)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert "Record a check-in" in body


def test_no_check_in_button_on_a_counted_measure(world, as_user, objective):
    MeasureFactory(objective=objective, source="activity_count")
    body = (
        as_user(world.organiser)
        .get(url("detail", world, objective_id=objective.pk))
        .content.decode()
    )
    assert "Record a check-in" not in body


# ---------------------------------------------------------------- measures


def test_adding_a_measure(world, as_user, objective):
    response = as_user(world.organiser).post(
        url("measure_create", world, objective_id=objective.pk), measure_data()
    )
    assert response.status_code == 302
    assert response["Location"] == objective.get_absolute_url()
    measure = Measure.objects.get()
    assert (measure.objective, measure.target) == (objective, Decimal("24"))


def test_add_and_add_another_returns_to_the_form(world, as_user, objective):
    response = as_user(world.organiser).post(
        url("measure_create", world, objective_id=objective.pk), measure_data(another="1")
    )
    assert response["Location"] == url("measure_create", world, objective_id=objective.pk)


def test_activity_kinds_are_kept_for_activity_counts(world, as_user, objective):
    data = measure_data(source="activity_count", activity_kinds=["course_taught", "expert_session"])
    as_user(world.organiser).post(url("measure_create", world, objective_id=objective.pk), data)
    assert Measure.objects.get().activity_kinds == ["course_taught", "expert_session"]


def test_activity_kinds_are_dropped_for_other_sources(world, as_user, objective):
    data = measure_data(source="manual", activity_kinds=["course_taught"])
    as_user(world.organiser).post(url("measure_create", world, objective_id=objective.pk), data)
    assert Measure.objects.get().activity_kinds == []


def test_a_decreasing_measure(world, as_user, objective):
    data = measure_data(baseline="9", target="4", direction="decrease")
    response = as_user(world.organiser).post(
        url("measure_create", world, objective_id=objective.pk), data
    )
    assert response.status_code == 302
    assert Measure.objects.get().direction == "decrease"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Name the measure"),
        ({"name": "  "}, "name", "Name the measure"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"unit": "x" * 41}, "unit", "at most 40 characters"),
        ({"target": ""}, "target", "Give the target"),
        ({"target": "lots"}, "target", "Enter a number"),
        ({"target": "0"}, "target", "must differ from the baseline"),
        ({"baseline": "10", "target": "10"}, "target", "must differ from the baseline"),
        ({"baseline": "10", "target": "5"}, "direction", "choose “Decrease”"),
        (
            {"baseline": "1", "target": "5", "direction": "decrease"},
            "direction",
            "choose “Increase”",
        ),
        ({"target": "1" * 15}, "target", "digits"),
        ({"source": "gut_feeling"}, "source", "valid choice"),
        (
            {"source": "activity_count", "activity_kinds": ["juggling"]},
            "activity_kinds",
            "valid choice",
        ),
    ],
)
def test_bad_measure_is_refused_next_to_the_field(
    world, as_user, objective, overrides, field, message
):
    response = as_user(world.organiser).post(
        url("measure_create", world, objective_id=objective.pk), measure_data(**overrides)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not Measure.objects.exists()


def test_editing_a_measure(world, as_user, measure):
    response = as_user(world.organiser).post(
        url("measure_edit", world, measure_id=measure.pk), measure_data(name="Renamed")
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.name == "Renamed"


def test_bad_measure_edit_changes_nothing(world, as_user, measure):
    as_user(world.organiser).post(
        url("measure_edit", world, measure_id=measure.pk), measure_data(name="Renamed", target="0")
    )
    measure.refresh_from_db()
    assert (measure.name, measure.target) == ("Members with a new client", Decimal("100"))


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_measures_are_forbidden_to_non_organisers(world, as_user, persona, measure):
    client = as_user(getattr(world, persona))
    objective_id = measure.objective_id
    assert (
        client.post(
            url("measure_create", world, objective_id=objective_id), measure_data()
        ).status_code
        == 403
    )
    assert (
        client.post(url("measure_edit", world, measure_id=measure.pk), measure_data()).status_code
        == 403
    )
    assert Measure.objects.count() == 1
    measure.refresh_from_db()
    assert measure.name == "Members with a new client"


def test_another_networks_measure_is_404(world, as_user):
    theirs = MeasureFactory(objective=ObjectiveFactory(network=world.other_network))
    client = as_user(world.organiser)
    assert (
        client.post(url("measure_edit", world, measure_id=theirs.pk), measure_data()).status_code
        == 404
    )
    assert (
        client.post(url("checkin_create", world, measure_id=theirs.pk), checkin_data()).status_code
        == 404
    )


def test_measures_are_404_for_an_outsider(world, as_user, measure):
    client = as_user(world.outsider)
    assert client.get(url("measure_edit", world, measure_id=measure.pk)).status_code == 404
    assert (
        client.get(url("measure_create", world, objective_id=measure.objective_id)).status_code
        == 404
    )


# ---------------------------------------------------------------- check-ins


def test_organiser_records_a_check_in_for_any_group(world, as_user, measure):
    other = PeerGroupFactory(network=world.network)
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk),
        checkin_data(group=other.pk, note="Survey"),
    )
    assert response.status_code == 302
    assert response["Location"] == measure.objective.get_absolute_url()
    check_in = CheckIn.objects.get()
    assert (check_in.value, check_in.group, check_in.recorded_by) == (
        Decimal("42"),
        other,
        world.organiser,
    )


def test_gardener_records_a_check_in_for_their_group(world, as_user, measure):
    as_user(world.gardener).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(group=world.group.pk)
    )
    assert CheckIn.objects.get().group == world.group


def test_gardener_cannot_record_a_network_wide_reading(world, as_user, measure):
    response = as_user(world.gardener).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data()
    )
    body = response.content.decode()
    assert 'id="id_group_error"' in body
    assert "Choose the group this reading is for." in body
    assert not CheckIn.objects.exists()


def test_gardener_is_not_offered_the_whole_network(world, as_user, measure):
    response = as_user(world.gardener).get(url("checkin_create", world, measure_id=measure.pk))
    assert "The whole network" not in response.content.decode()


def test_gardener_records_a_reading_for_their_group(world, as_user, measure):
    as_user(world.gardener).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(group=world.group.pk)
    )
    assert CheckIn.objects.get().group == world.group


def test_organiser_records_a_network_wide_reading(world, as_user, measure):
    as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data()
    )
    assert CheckIn.objects.get().group is None


def test_gardener_cannot_record_for_a_group_they_do_not_garden(world, as_user, measure):
    other = PeerGroupFactory(network=world.network)
    GroupMembership.objects.create(group=other, user=world.gardener)  # a plain member there
    response = as_user(world.gardener).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(group=other.pk)
    )
    assert 'id="id_group_error"' in response.content.decode()
    assert not CheckIn.objects.exists()


def test_check_in_form_offers_a_gardener_only_their_groups(world, as_user, measure):
    PeerGroupFactory(network=world.network, name="Not Gary's")
    body = (
        as_user(world.gardener)
        .get(url("checkin_create", world, measure_id=measure.pk))
        .content.decode()
    )
    assert "Founders Circle" in body
    assert "Not Gary&#x27;s" not in body and "Not Gary's" not in body


def test_organiser_cannot_record_for_another_networks_group(world, as_user, measure):
    theirs = PeerGroupFactory(network=world.other_network)
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(group=theirs.pk)
    )
    assert 'id="id_group_error"' in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"value": ""}, "value", "Give the reading"),
        ({"value": "-1"}, "value", "cannot be negative"),
        ({"value": "many"}, "value", "Enter a number"),
        ({"value": "1" * 15}, "value", "digits"),
        ({"recorded_on": ""}, "recorded_on", "Give the date"),
        ({"recorded_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "recorded_on", "future"),
        ({"note": "x" * 2001}, "note", "at most 2000 characters"),
    ],
)
def test_bad_check_in_is_refused_next_to_the_field(
    world, as_user, measure, overrides, field, message
):
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(**overrides)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body
    assert message in body
    assert not CheckIn.objects.exists()


def test_check_in_under_htmx_returns_the_updated_card(world, as_user, measure):
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(value="64"), **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="measure-{measure.pk}"' in body
    assert "<strong>64 members</strong>" in body
    assert "Check-in recorded." in body
    assert 'name="value"' not in body


def test_bad_check_in_under_htmx_returns_the_card_with_the_form_and_error(world, as_user, measure):
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data(value="-5"), **HX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'name="value"' in body
    assert "cannot be negative" in body
    assert not CheckIn.objects.exists()


def test_check_in_form_under_htmx_opens_inside_the_card(world, as_user, measure):
    body = (
        as_user(world.gardener)
        .get(url("checkin_create", world, measure_id=measure.pk), **HX)
        .content.decode()
    )
    assert "<html" not in body
    assert f'id="measure-{measure.pk}"' in body
    assert 'name="value"' in body


def test_cancel_under_htmx_closes_the_form(world, as_user, measure):
    response = as_user(world.gardener).get(
        url("checkin_create", world, measure_id=measure.pk) + "?cancel=1", **HX
    )
    assert 'name="value"' not in response.content.decode()


def test_a_check_in_under_htmx_keeps_every_group_listed(world, as_user, measure):
    _twelve_groups_reading(world, measure)
    checkin = url("checkin_create", world, measure_id=measure.pk)
    opened = as_user(world.organiser).get(checkin + "?groups=all", **HX).content.decode()
    assert f'hx-post="{checkin}?groups=all"' in opened
    assert "?cancel=1&amp;groups=all" in opened
    saved = (
        as_user(world.organiser)
        .post(checkin + "?groups=all", checkin_data(value="64"), **HX)
        .content.decode()
    )
    parts = saved[saved.index('<ul class="group-parts">') :]
    assert "Group 11" in parts[: parts.index("</ul>")]
    assert f'hx-get="{checkin}?groups=all"' in saved


def test_check_in_without_htmx_is_a_full_page_form(world, as_user, measure):
    body = (
        as_user(world.gardener)
        .get(url("checkin_create", world, measure_id=measure.pk))
        .content.decode()
    )
    assert "<html" in body
    assert 'name="value"' in body


def test_members_may_not_record_check_ins(world, as_user, measure):
    client = as_user(world.member)
    assert client.get(url("checkin_create", world, measure_id=measure.pk)).status_code == 403
    assert (
        client.post(url("checkin_create", world, measure_id=measure.pk), checkin_data()).status_code
        == 403
    )
    assert not CheckIn.objects.exists()


def test_check_ins_are_404_for_an_outsider(world, as_user, measure):
    response = as_user(world.outsider).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data()
    )
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_check_ins_send_anonymous_visitors_to_login(world, as_user, measure):
    response = as_user(None).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data()
    )
    assert response.status_code == 302
    assert not CheckIn.objects.exists()


def test_no_check_ins_on_a_counted_measure(world, as_user, objective):
    counted = MeasureFactory(objective=objective, source="activity_count")
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=counted.pk), checkin_data()
    )
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_no_check_ins_on_an_archived_objective(world, as_user, measure):
    Objective.objects.filter(pk=measure.objective_id).update(archived_at=timezone.now())
    response = as_user(world.organiser).post(
        url("checkin_create", world, measure_id=measure.pk), checkin_data()
    )
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_detail_draws_a_progress_chart_with_the_expected_line(world, as_user, measure):
    CheckInFactory(measure=measure, value=Decimal("30"))
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert "progress by month" in body
    assert "Expected" in body
    assert "<svg" in body


def test_detail_of_an_objective_without_measures_has_no_chart(world, as_user, objective):
    body = (
        as_user(world.member).get(url("detail", world, objective_id=objective.pk)).content.decode()
    )
    assert "progress by month" not in body
    assert "No measures yet" in body


def test_measure_card_shows_the_five_latest_check_ins(world, as_user, measure):
    for days in range(8):
        CheckInFactory(
            measure=measure,
            value=Decimal(days),
            recorded_on=TODAY - dt.timedelta(days=days),
            note=f"Reading {days}",
        )
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert all(f"Reading {d}" in body for d in range(5))
    assert "Reading 5" not in body


@pytest.mark.parametrize("count", [2, 12])
def test_detail_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, objective, count
):
    measures = [MeasureFactory(objective=objective, source="manual") for _ in range(3)]
    MeasureFactory(objective=objective, source="activity_count")
    for m in measures:
        for days in range(count):
            CheckInFactory(
                measure=m, group=world.group, recorded_on=TODAY - dt.timedelta(days=days)
            )
    client = as_user(world.gardener)
    client.get(url("detail", world, objective_id=objective.pk))
    # session, user, network, membership, group roles, objective, measures; whether
    # anything is dated after today (once for the page); the chart's series (every month,
    # the opening values included: manual and activity count), whose last points are
    # today's values; by group (manual, then the activity count's totals) and the groups;
    # latest check-ins; history of the objective and of its measures
    with django_assert_num_queries(16 + MENU):
        client.get(url("detail", world, objective_id=objective.pk))


def test_money_is_written_with_the_currency_first(world, as_user, objective):
    m = MeasureFactory(objective=objective, unit="£", baseline=0, target=100000)
    CheckInFactory(measure=m, value=Decimal("49000"))
    body = (
        as_user(world.member).get(url("detail", world, objective_id=objective.pk)).content.decode()
    )
    assert "<strong>£49,000</strong>" in body


def test_check_in_form_opened_by_htmx_takes_the_keyboard_focus(world, as_user, measure):
    body = (
        as_user(world.gardener)
        .get(url("checkin_create", world, measure_id=measure.pk), **HX)
        .content.decode()
    )
    assert "autofocus" in body


# ---------------------------------------------------------------- check-in history


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_check_in_history_is_visible_to_everyone_in_the_network(world, as_user, persona, measure):
    CheckInFactory(measure=measure, note="From the member survey", group=world.group)
    response = as_user(getattr(world, persona)).get(
        url("checkin_list", world, measure_id=measure.pk)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "From the member survey" in body
    assert "Founders Circle" in body


def test_check_in_history_is_404_for_an_outsider(world, as_user, measure):
    response = as_user(world.outsider).get(url("checkin_list", world, measure_id=measure.pk))
    assert response.status_code == 404


def test_check_in_history_of_another_networks_measure_is_404(world, as_user):
    theirs = MeasureFactory(objective=ObjectiveFactory(network=world.other_network))
    response = as_user(world.organiser).get(url("checkin_list", world, measure_id=theirs.pk))
    assert response.status_code == 404


def test_check_in_history_sends_anonymous_visitors_to_login(world, as_user, measure):
    assert as_user(None).get(url("checkin_list", world, measure_id=measure.pk)).status_code == 302


def test_check_in_history_is_paginated_newest_first(world, as_user, measure):
    for days in range(30):
        CheckInFactory(
            measure=measure, note=f"Reading {days:02d}", recorded_on=TODAY - dt.timedelta(days=days)
        )
    client = as_user(world.member)
    first = client.get(url("checkin_list", world, measure_id=measure.pk)).content.decode()
    second = client.get(
        url("checkin_list", world, measure_id=measure.pk), {"page": 2}
    ).content.decode()
    assert "Reading 00" in first and "Reading 29" not in first
    assert "Reading 29" in second


def test_measure_card_links_to_the_full_history(world, as_user, measure):
    for days in range(6):
        CheckInFactory(measure=measure, recorded_on=TODAY - dt.timedelta(days=days))
    body = (
        as_user(world.member)
        .get(url("detail", world, objective_id=measure.objective_id))
        .content.decode()
    )
    assert url("checkin_list", world, measure_id=measure.pk) in body


@pytest.mark.parametrize("count", [2, 40])
def test_check_in_history_runs_a_fixed_number_of_queries(
    world, as_user, django_assert_num_queries, measure, count
):
    for days in range(count):
        CheckInFactory(measure=measure, group=world.group, recorded_by=world.organiser)
    client = as_user(world.member)
    client.get(url("checkin_list", world, measure_id=measure.pk))
    # session, user, network, membership, group roles, measure, count, page
    with django_assert_num_queries(8 + MENU):
        client.get(url("checkin_list", world, measure_id=measure.pk))
