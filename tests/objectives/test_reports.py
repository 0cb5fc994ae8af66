import datetime as dt
from decimal import Decimal
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from networks.models import Membership
from objectives import services, tasks
from objectives.figures import last_closed_period
from objectives.models import Measure, ProgressReport, ReportDelivery
from referrals.models import Referral
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    MeasureFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    ReferralFactory,
    TouchpointFactory,
    UserFactory,
)
from tests.objectives.conftest import FlakyMailBackend
from tests.queries import MENU

D = Decimal
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 4, 1))


@pytest.fixture
def setup(world):
    """The world's network with one objective of three measures and some March data."""
    net, group = world.network, world.group
    objective = ObjectiveFactory(
        network=net, starts_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 12, 31)
    )
    count = MeasureFactory(
        objective=objective,
        name="Courses",
        source=Measure.Source.ACTIVITY_COUNT,
        activity_kinds=["course_taught"],
        target=D("40"),
    )
    reach = MeasureFactory(objective=objective, name="Reach", source=Measure.Source.ACTIVITY_SUM)
    made = MeasureFactory(objective=objective, name="Made", source=Measure.Source.REFERRALS_MADE)
    other = PeerGroupFactory(network=net)
    ActivityFactory(group=group, kind="course_taught", occurred_on=dt.date(2026, 2, 10))
    a1 = ActivityFactory(
        group=group,
        kind="course_taught",
        title="Grant writing",
        occurred_on=dt.date(2026, 3, 5),
        people_reached=12,
        led_by=world.gardener,
    )
    a1.participants.add(world.member)
    a2 = ActivityFactory(
        group=group,
        kind="meeting_hosted",
        title="Roundtable",
        occurred_on=dt.date(2026, 3, 20),
        people_reached=8,
        led_by=world.gardener,
    )
    ActivityFactory(group=other, kind="course_taught", occurred_on=dt.date(2026, 3, 7))
    ContributionFactory(activity=a1, measure=reach, amount=D("12"))
    ContributionFactory(activity=a2, measure=reach, amount=D("8"))
    cng = group
    followed = ReferralFactory(
        group=cng, referrer=world.member, receiver=world.gardener, made_on=dt.date(2026, 3, 2)
    )
    TouchpointFactory(referral=followed, happened_on=dt.date(2026, 3, 9))
    ReferralFactory(
        group=cng,
        referrer=world.gardener,
        receiver=world.member,
        made_on=dt.date(2026, 2, 2),
        served_on=dt.date(2026, 3, 3),
        closed_on=dt.date(2026, 3, 4),
        status=Referral.Status.CLOSED,
        closed_value=D("2500"),
    )
    return world, objective, (count, reach, made), other


def _measure(data: dict, name: str) -> dict:
    return next(m for o in data["objectives"] for m in o["measures"] if m["name"] == name)


def test_report_snapshot_holds_the_groups_figures(setup):
    world, _, _, _ = setup
    report, created = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    assert created
    data = report.data
    courses = _measure(data, "Courses")
    assert courses["value"] == "3"  # both groups, since the objective began
    assert courses["group_contribution"] == "1"  # this group, in March
    assert courses["target"] == "40"
    assert courses["status"] in {"on_track", "at_risk", "off_track"}
    assert courses["change"] is None
    assert _measure(data, "Reach")["group_contribution"] == "20"
    assert _measure(data, "Made")["value"] == "2"
    assert data["activities"]["total"] == 2
    assert data["activities"]["people_reached"] == 20
    assert {k["kind"]: k["count"] for k in data["activities"]["by_kind"]} == {
        "course_taught": 1,
        "meeting_hosted": 1,
    }
    assert data["referrals"] == {
        "made": 1,
        "served": 1,
        "closed_value": "2500",
        "followed": 1,
        "follow_through": 1.0,
        "accepted": 0,
        "declined": 0,
        "acceptance_rate": None,
        "rating": None,
        "rated": 0,
        "median_days_to_served": 29.0,  # made 2 Feb, served 3 Mar
        "first_touch_days": 7.0,  # made 2 Mar, first touch by the referrer 9 Mar
    }
    assert data["highlights"]["most_active"][0] == {
        "name": world.gardener.name,
        "led": 2,
        "joined": 0,
    }
    assert [a["title"] for a in data["highlights"]["newest_activities"]] == [
        "Roundtable",
        "Grant writing",
    ]


def test_rerunning_a_report_changes_nothing(setup):
    world, _, _, _ = setup
    first, _ = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    ActivityFactory(group=world.group, kind="course_taught", occurred_on=dt.date(2026, 3, 30))
    again, created = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    assert not created
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.data == first.data
    assert ProgressReport.objects.count() == 1


def test_database_refuses_a_second_report_for_a_period(world):
    ProgressReportFactory(group=world.group, period_start=MARCH[0], period_end=MARCH[1])
    with pytest.raises(IntegrityError):
        ProgressReportFactory(group=world.group, period_start=MARCH[0], period_end=MARCH[1])


def test_report_shows_change_since_the_previous_report(setup):
    world, _, _, _ = setup
    services.report_create(
        group=world.group,
        period_start=dt.date(2026, 2, 1),
        period_end=MARCH[0],
        deliver=False,
    )
    report, _ = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    assert _measure(report.data, "Courses")["previous_value"] == "1"
    assert _measure(report.data, "Courses")["change"] == "2"
    shown = services.report_display(report.data)
    courses = next(m for m in shown["objectives"][0]["measures"] if m["name"] == "Courses")
    assert (courses["arrow"], courses["trend"]) == ("▲", "better")


def test_manual_measure_reports_the_groups_latest_reading(world):
    objective = ObjectiveFactory(
        network=world.network, starts_on=dt.date(2026, 1, 1), due_on=dt.date(2026, 12, 31)
    )
    m = MeasureFactory(objective=objective, name="Incomes")
    CheckInFactory(measure=m, group=world.group, value=D("7"), recorded_on=dt.date(2026, 3, 4))
    CheckInFactory(measure=m, group=None, value=D("41"), recorded_on=dt.date(2026, 3, 8))
    report, _ = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    assert _measure(report.data, "Incomes")["value"] == "41"
    assert _measure(report.data, "Incomes")["group_contribution"] == "7"


def test_catch_up_writes_every_missed_period_once(world):
    ObjectiveFactory(
        network=world.network, starts_on=dt.date(2026, 1, 10), due_on=dt.date(2026, 12, 31)
    )
    now = dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC)
    assert services.reports_catch_up(network=world.network, now=now) == 4  # Jan..Apr, 1 group
    starts = sorted(ProgressReport.objects.values_list("period_start", flat=True))
    assert starts == [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert services.reports_catch_up(network=world.network, now=now) == 0
    PeerGroupFactory(network=world.network)  # a new group gets the periods it lacks
    assert services.reports_catch_up(network=world.network, now=now) == 4


def test_catch_up_is_capped_to_the_last_twelve_periods(world):
    world.network.report_cadence = "weekly"
    world.network.save()
    ObjectiveFactory(
        network=world.network, starts_on=dt.date(2025, 1, 1), due_on=dt.date(2026, 12, 31)
    )
    now = dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC)
    assert services.reports_catch_up(network=world.network, now=now) == 12


def test_scheduler_writes_and_delivers_due_reports(setup, django_capture_on_commit_callbacks):
    world, _, _, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.schedule_due_reports()
    period = last_closed_period(world.network)
    assert queued == ProgressReport.objects.count() > 0
    assert ProgressReport.objects.filter(group=world.group, period_start=period.start).exists()
    # gardener and member are the group's members, both "every report by email" by default
    assert ReportDelivery.objects.filter(report__period_start=period.start).count() == 2
    assert tasks.schedule_due_reports() == 0


# ---------------------------------------------------------------- delivery


@pytest.fixture
def report(setup):
    world, _, _, _ = setup
    report, _ = services.report_create(
        group=world.group, period_start=MARCH[0], period_end=MARCH[1], deliver=False
    )
    return report


def _prefer(world, user, preference: str) -> None:
    Membership.objects.filter(user=user, network=world.network).update(report_delivery=preference)


def test_every_report_preference_sends_an_email_with_html_and_a_link(setup, report, settings):
    world = setup[0]
    _prefer(world, world.member, "every")
    _prefer(world, world.gardener, "in_app")
    tasks.deliver_report(report.pk)
    assert [m.to for m in mail.outbox] == [[world.member.email]]
    message = mail.outbox[0]
    assert settings.SITE_URL + report.get_absolute_url() in message.body
    assert message.alternatives[0][1] == "text/html"
    assert "Grant writing" in message.alternatives[0][0]
    delivery = ReportDelivery.objects.get(user=world.member)
    assert (delivery.state, delivery.channel, delivery.attempts) == ("sent", "email", 1)


def test_a_batch_renders_the_report_once_and_greets_each_person(
    setup, report, monkeypatch, django_assert_num_queries
):
    world = setup[0]
    rendered = []
    real = services.report_mail

    def counted(r):
        rendered.append(r.pk)
        return real(r)

    monkeypatch.setattr(services, "report_mail", counted)
    ids = services.report_deliveries_create(report=report)
    assert len(ids) == 2
    # claim (select + update), the busy check is skipped, deliveries with their people,
    # the report with group and network, one "sent" update per mail
    with django_assert_num_queries(2 + 1 + 1 + 2 + 2):
        assert services.deliveries_send(delivery_ids=ids) == (2, [])
    assert rendered == [report.pk]
    by_person = {m.to[0]: m for m in mail.outbox}
    for person in (world.member, world.gardener):
        message = by_person[person.email]
        greeting = f"Hello {person.get_short_name()},"
        assert message.body.startswith(greeting)
        assert f"<p>Hello {person.get_short_name()},</p>" in message.alternatives[0][0]
        assert "Grant writing" in message.alternatives[0][0]
        assert report.period_label in message.body
    bodies = {m.body.split("\n", 1)[1] for m in mail.outbox}
    assert len(bodies) == 1  # the same report for everyone after the greeting


def test_in_app_preference_sends_no_mail(setup, report):
    world = setup[0]
    _prefer(world, world.member, "in_app")
    _prefer(world, world.gardener, "in_app")
    tasks.deliver_report(report.pk)
    assert mail.outbox == []
    assert set(ReportDelivery.objects.values_list("channel", "state")) == {("in_app", "sent")}


def test_digest_preference_waits_for_the_digest(setup, report):
    world = setup[0]
    _prefer(world, world.member, "digest")
    _prefer(world, world.gardener, "in_app")
    second, _ = services.report_create(
        group=world.group,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 5, 1),
        deliver=False,
    )
    tasks.deliver_report(report.pk)
    tasks.deliver_report(second.pk)
    assert mail.outbox == []
    assert tasks.send_digests() == 0  # too fresh: the period's other reports may follow
    ProgressReport.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert tasks.send_digests() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("http") == 2
    assert not ReportDelivery.objects.filter(channel="digest").exclude(state="sent").exists()
    tasks.send_digests()
    assert len(mail.outbox) == 1


def test_delivering_twice_sends_each_person_one_mail(setup, report):
    tasks.deliver_report(report.pk)
    tasks.deliver_report(report.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [setup[0].member.email, setup[0].gardener.email]
    )
    assert ReportDelivery.objects.count() == 2


def test_a_delivery_claimed_by_a_live_task_is_left_to_it(setup, report):
    world = setup[0]
    _prefer(world, world.gardener, "in_app")
    services.report_deliveries_create(report=report)
    delivery = ReportDelivery.objects.get(user=world.member)
    ReportDelivery.objects.filter(pk=delivery.pk).update(
        state="sending", claimed_at=timezone.now()
    )  # another task is sending it now
    with pytest.raises(services.DeliveryBusy):
        services.delivery_send(delivery_id=delivery.pk)
    assert mail.outbox == []


def test_a_failing_mail_server_is_retried_and_mails_once(setup, report, settings):
    world = setup[0]
    _prefer(world, world.gardener, "in_app")
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 1
    # In-process, Celery retries at once; on a worker it waits with backoff (see worker tests).
    tasks.deliver_report(report.pk)
    delivery = ReportDelivery.objects.get(user=world.member)
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(FlakyMailBackend.sent) == 1


def test_the_last_failed_attempt_leaves_the_delivery_failed_with_its_error(setup, report, settings):
    world = setup[0]
    _prefer(world, world.gardener, "in_app")
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 1
    services.report_deliveries_create(report=report)
    delivery = ReportDelivery.objects.get(user=world.member)
    ReportDelivery.objects.filter(pk=delivery.pk).update(attempts=services.MAX_SEND_ATTEMPTS - 1)
    result = tasks.send_report_email.apply(args=[delivery.pk], throw=False)
    assert result.failed()
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert "SMTPServerDisconnected" in delivery.last_error
    assert FlakyMailBackend.sent == []


def test_the_scheduler_resends_stalled_emails_once(setup, report, settings):
    world = setup[0]
    _prefer(world, world.gardener, "in_app")
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 2
    tasks.deliver_report(report.pk)  # both in-process attempts fail
    assert ReportDelivery.objects.get(user=world.member).state == "pending"
    # Two hours later: the report is old and nothing has tried the delivery since.
    ProgressReport.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    ReportDelivery.objects.update(claimed_at=timezone.now() - dt.timedelta(hours=2))
    tasks.schedule_due_reports()
    tasks.schedule_due_reports()
    assert ReportDelivery.objects.get(user=world.member).state == "sent"
    assert len(FlakyMailBackend.sent) == 1


def test_a_mail_error_puts_the_delivery_back_to_pending(setup, report, settings):
    world = setup[0]
    _prefer(world, world.gardener, "in_app")
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 1
    services.report_deliveries_create(report=report)
    delivery = ReportDelivery.objects.get(user=world.member)
    with pytest.raises(SMTPServerDisconnected):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 1)


# ---------------------------------------------------------------- pages


def _url(name: str, world, **kwargs) -> str:
    return reverse(f"objectives:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


def test_report_page_for_each_persona(world, as_user):
    report = ProgressReportFactory(group=world.group, data={"period": {"label": "March"}})
    other_group = ProgressReportFactory(
        group=PeerGroupFactory(network=world.network), data={"period": {"label": "March"}}
    )
    url = _url("report", world, report_id=report.pk)
    for user in (world.organiser, world.gardener, world.member, world.admin):
        assert as_user(user).get(url).status_code == 200
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 302
    other_url = _url("report", world, report_id=other_group.pk)
    assert as_user(world.member).get(other_url).status_code == 403
    assert as_user(world.organiser).get(other_url).status_code == 200


def test_report_page_renders_the_snapshot_and_marks_it_read(setup, report, as_user):
    world = setup[0]
    services.report_deliveries_create(report=report)
    response = as_user(world.member).get(_url("report", world, report_id=report.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Courses" in body and "Grant writing" in body and "2,500" in body
    assert ReportDelivery.objects.get(user=world.member).read_at is not None
    assert ReportDelivery.objects.get(user=world.gardener).read_at is None


def test_report_page_and_mail_show_days_as_people_write_them(setup, report, as_user):
    world = setup[0]
    _prefer(world, world.member, "every")
    tasks.deliver_report(report.pk)
    body = as_user(world.member).get(_url("report", world, report_id=report.pk)).content.decode()
    assert "20 Mar 2026" in body and "due 31 Dec 2026" in body
    assert "2026-03-20" not in body
    assert "20 Mar 2026" in mail.outbox[0].body
    assert "20 Mar 2026" in mail.outbox[0].alternatives[0][0]


def test_report_list_shows_only_visible_reports(world, as_user):
    mine = ProgressReportFactory(group=world.group)
    theirs = ProgressReportFactory(group=PeerGroupFactory(network=world.network))
    url = _url("reports", world)
    member_page = as_user(world.member).get(url)
    assert list(member_page.context["page"]) == [mine]
    assert set(as_user(world.organiser).get(url).context["page"]) == {mine, theirs}
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 302


@pytest.mark.parametrize("n", [2, 30])
def test_report_list_runs_a_fixed_number_of_queries(world, as_user, n, django_assert_num_queries):
    start = dt.date(2024, 1, 1)
    for i in range(n):
        ProgressReportFactory(
            group=world.group,
            period_start=start + dt.timedelta(weeks=i),
            period_end=start + dt.timedelta(weeks=i, days=7),
        )
    client = as_user(world.member)
    # session, user, network, access (2), count, page, its deliveries: not per row
    with django_assert_num_queries(8 + MENU):
        response = client.get(_url("reports", world))
    assert response.status_code == 200


def test_preferences_page_saves_the_choice(world, as_user):
    url = _url("report_preferences", world)
    client = as_user(world.member)
    assert client.get(url).status_code == 200
    response = client.post(url, {"report_delivery": "digest"})
    assert response.status_code == 302
    assert Membership.objects.get(user=world.member, network=world.network).report_delivery == (
        "digest"
    )
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 302


def test_preferences_page_refuses_an_unknown_choice(world, as_user):
    response = as_user(world.member).post(
        _url("report_preferences", world), {"report_delivery": "pigeon"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


# ---------------------------------------------------------------- command


def test_compute_reports_writes_the_periods_reports(setup, capsys):
    world = setup[0]
    call_command(
        "compute_reports",
        "--network",
        world.network.slug,
        "--period-end",
        "2026-03-31",
        "--no-deliver",
    )
    assert set(ProgressReport.objects.values_list("period_start", flat=True)) == {MARCH[0]}
    assert ProgressReport.objects.count() == 2  # both groups
    call_command("compute_reports", "--network", world.network.slug, "--period-end", "2026-03-31")
    assert ProgressReport.objects.count() == 2
    assert mail.outbox == []


def test_compute_reports_refuses_an_unknown_network(db):
    with pytest.raises(CommandError, match="No network with the slug 'nope'"):
        call_command("compute_reports", "--network", "nope")


def test_compute_reports_refuses_a_bad_date(world):
    with pytest.raises(CommandError, match="not a date"):
        call_command("compute_reports", "--period-end", "31/03/2026")


def test_compute_reports_refuses_an_open_period(world):
    with pytest.raises(CommandError, match="has not closed"):
        call_command("compute_reports", "--period-end", timezone.now().date().isoformat())


def test_compute_reports_catches_up_all_networks(world):
    ObjectiveFactory(network=world.network, starts_on=timezone.localdate() - dt.timedelta(days=70))
    call_command("compute_reports", "--no-deliver")
    assert ProgressReport.objects.filter(group=world.group).count() >= 2


def test_seed_demo_shows_reports_for_past_periods(db):
    call_command("seed_demo", "--reset")
    assert ProgressReport.objects.filter(network__slug="riverside").count() > 0
    assert ReportDelivery.objects.count() == 0  # back-filled quietly


def test_reports_page_has_a_nav_link(world, as_user):
    body = as_user(world.member).get(_url("reports", world)).content.decode()
    assert f'href="{_url("reports", world)}"' in body


# ---------------------------------------------------------------- cost


def _busy_groups(setup, n: int) -> None:
    world = setup[0]
    for i in range(n):
        group = PeerGroupFactory(network=world.network)
        person = UserFactory()
        a = ActivityFactory(
            group=group,
            kind="course_taught",
            occurred_on=dt.date(2026, 3, 3 + i % 20),
            led_by=person,
        )
        a.participants.add(world.member)
        ReferralFactory(
            group=group, referrer=person, receiver=world.member, made_on=dt.date(2026, 3, 2)
        )
        ProgressReportFactory(
            group=group, period_start=dt.date(2026, 2, 1), period_end=MARCH[0], data={}
        )


@pytest.mark.parametrize("n", [1, 15])
def test_a_periods_reports_cost_a_fixed_number_of_queries(setup, n, django_assert_num_queries):
    world = setup[0]
    _busy_groups(setup, n)
    # groups missing; objectives, measures, 3 sources, 3 by group (stored figures read
    # exactly: no MeasureTotal, no check for rows after the period); then per batch:
    # previous, activities, referrals (figures and day spans), most active (led and joined
    # ranked in one query), names, newest, savepoint, insert, webhook endpoints listening
    # for report.published, release
    with django_assert_num_queries(1 + 2 + 3 + 3 + 11):
        written = services.reports_for_period(
            network=world.network, period_start=MARCH[0], period_end=MARCH[1], deliver=False
        )
    assert written == n + 2


def test_a_batch_meeting_a_concurrent_writer_keeps_both_sides_consistent(setup):
    world, _, _, other = setup
    groups = [world.group, other]
    period = services.ReportPeriod(*MARCH)
    figures = services.network_figures(network=world.network, period=period)
    services.report_create(group=other, period_start=MARCH[0], period_end=MARCH[1], deliver=False)
    written = services._write_batch(world.network, groups, period, figures, deliver=False)
    assert written == 1
    assert ProgressReport.objects.filter(period_start=MARCH[0]).count() == 2
