"""Reliability of the report job with a real Celery worker on Redis."""

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from groups.models import GroupMembership, PeerGroup
from networks.models import Membership
from objectives import services, tasks
from objectives.figures import last_closed_period
from objectives.models import ProgressReport, ReportDelivery
from tests.factories import (
    GroupMembershipFactory,
    MeasureFactory,
    MembershipFactory,
    NetworkFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    UserFactory,
)
from tests.objectives.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _network_with_groups(n: int, *, days: int = 45):
    network = NetworkFactory(report_cadence="monthly")
    objective = ObjectiveFactory(
        network=network,
        starts_on=timezone.localdate() - dt.timedelta(days=days),
        due_on=timezone.localdate() + dt.timedelta(days=200),
    )
    MeasureFactory(objective=objective, source="activity_count")
    PeerGroup.objects.bulk_create(
        PeerGroup(network=network, name=f"Group {i}", slug=f"group-{i}") for i in range(n)
    )
    return network


def _reports() -> int:
    return ProgressReport.objects.count()


def _expected(network) -> int:
    return PeerGroup.objects.filter(network=network).count() * len(services.periods_due(network))


def test_a_report_run_completes_on_the_worker_and_a_rerun_creates_nothing(workers):
    network = _network_with_groups(5)
    total = _expected(network)
    assert total > 0
    workers.start()
    workers.send("objectives.tasks.schedule_due_reports")
    assert wait_for(lambda: _reports() == total, timeout=30), "the run did not complete"
    first = dict(ProgressReport.objects.values_list("pk", "created_at"))
    # Rerun the scheduler and every group's task by hand; a marker report for another
    # period, sent last on the same queue, shows when the worker has drained them.
    workers.send("objectives.tasks.schedule_due_reports")
    period = last_closed_period(network)
    for group_id in PeerGroup.objects.values_list("pk", flat=True):
        workers.send(
            "objectives.tasks.compute_group_report",
            group_id,
            period.start.isoformat(),
            period.end.isoformat(),
        )
    marker = PeerGroupFactory(network=NetworkFactory())
    workers.send("objectives.tasks.compute_group_report", marker.pk, "2020-01-01", "2020-02-01")
    assert wait_for(lambda: ProgressReport.objects.filter(group=marker).exists(), timeout=30)
    assert dict(ProgressReport.objects.exclude(group=marker).values_list("pk", "created_at")) == (
        first
    )


def test_a_worker_killed_mid_run_loses_nothing(workers):
    network = _network_with_groups(80)
    total = _expected(network)
    worker = workers.start()
    workers.send("objectives.tasks.schedule_due_reports")
    assert wait_for(lambda: _reports() >= 5, timeout=30, every=0.02)
    worker.kill()
    written = _reports()
    assert 0 < written < total, "the run should have been interrupted part way"
    # The next run (the next beat tick) on a fresh worker completes the period.
    workers.start()
    workers.send("objectives.tasks.schedule_due_reports")
    assert wait_for(lambda: _reports() == total, timeout=60), f"{_reports()} of {total}"
    per_group = ProgressReport.objects.values("group", "period_start").annotate(n=Count("id"))
    assert {row["n"] for row in per_group} == {1}


def test_periods_missed_while_no_worker_ran_are_caught_up(workers):
    # Four months of objective time; only the oldest period was reported before the
    # workers went down.
    network = _network_with_groups(3, days=125)
    periods = services.periods_due(network)
    assert len(periods) >= 3
    oldest = periods[0]
    services.reports_for_period(
        network=network, period_start=oldest.start, period_end=oldest.end, deliver=False
    )
    assert services.periods_due(network) == periods[1:]
    workers.start()
    workers.send("objectives.tasks.schedule_due_reports")
    total = 3 * len(periods)
    assert wait_for(lambda: _reports() == total, timeout=30), f"{_reports()} of {total}"
    reported = set(ProgressReport.objects.values_list("period_start", flat=True))
    assert reported == {p.start for p in periods}
    assert services.periods_due(network) == []


def test_a_failing_mail_server_is_retried_with_backoff_and_mails_each_person_once(
    workers, smtp_server
):
    network = _network_with_groups(1)
    group = PeerGroup.objects.get(network=network)
    people = UserFactory.create_batch(3)
    for person in people:
        MembershipFactory(user=person, network=network, report_delivery="every")
        GroupMembershipFactory(group=group, user=person, role=GroupMembership.Role.MEMBER)
    period = last_closed_period(network)
    report, _ = services.report_create(
        group=group, period_start=period.start, period_end=period.end, deliver=False
    )
    # The three mails go as one batch over one connection (tasks.MAIL_BATCH): one refused
    # connection fails all three, and one retry sends them together.
    smtp_server.refuse_first = 1
    workers.start(EMAIL_URL=smtp_server.url)
    workers.send("objectives.tasks.deliver_report", report.pk)

    def all_sent() -> bool:
        states = set(ReportDelivery.objects.values_list("state", flat=True))
        return states == {ReportDelivery.State.SENT}

    assert wait_for(all_sent, timeout=40), list(ReportDelivery.objects.values("state", "attempts"))
    # A redelivered or repeated task must not mail again.
    workers.send("objectives.tasks.deliver_report", report.pk)
    workers.send("objectives.tasks.deliver_report", report.pk)
    marker = PeerGroupFactory(network=NetworkFactory())
    workers.send("objectives.tasks.compute_group_report", marker.pk, "2020-01-01", "2020-02-01")
    assert wait_for(lambda: ProgressReport.objects.filter(group=marker).exists(), timeout=30)
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted(p.email for p in people)
    attempts = sum(ReportDelivery.objects.values_list("attempts", flat=True))
    assert attempts == 3 + 3  # each mail: the refused try and the retry
    assert smtp_server.connections == 2
    assert Membership.objects.filter(network=network).count() == 3


def _group_of_three():
    network = NetworkFactory()  # no objective: no period is due, so the sweep writes nothing
    group = PeerGroupFactory(network=network)
    people = UserFactory.create_batch(3)
    for person in people:
        MembershipFactory(user=person, network=network, report_delivery="every")
        GroupMembershipFactory(group=group, user=person, role=GroupMembership.Role.MEMBER)
    report, _ = services.report_create(
        group=group, period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 10, 1),
        deliver=False,
    )  # fmt: skip
    return report, people


def _an_hour_later() -> None:
    """The clock moves on past the lease and the sweep's wait (nothing else changes)."""
    earlier = timezone.now() - dt.timedelta(hours=2)
    ProgressReport.objects.update(created_at=earlier)
    ReportDelivery.objects.filter(claimed_at__isnull=False).update(claimed_at=earlier)


def test_a_worker_killed_between_claim_and_send_loses_no_mail_and_sends_none_twice(
    workers, smtp_server
):
    report, people = _group_of_three()
    smtp_server.stall_first = 1  # the first send hangs before the server greets it
    worker = workers.start(EMAIL_URL=smtp_server.url)
    workers.send("objectives.tasks.deliver_report", report.pk)

    def claimed_and_stalled() -> bool:
        sending = ReportDelivery.objects.filter(state=ReportDelivery.State.SENDING).exists()
        return sending and smtp_server.connections >= 1

    assert wait_for(claimed_and_stalled, timeout=30), worker.log[-20:]
    worker.kill()  # claimed, not sent
    assert not smtp_server.messages
    _an_hour_later()
    workers.start(EMAIL_URL=smtp_server.url)
    workers.send("objectives.tasks.schedule_due_reports")  # the periodic sweep

    def all_sent() -> bool:
        states = set(ReportDelivery.objects.values_list("state", flat=True))
        return states == {ReportDelivery.State.SENT}

    assert wait_for(all_sent, timeout=40), list(ReportDelivery.objects.values("state", "attempts"))
    # Let any stray duplicate task finish before counting.
    marker = PeerGroupFactory(network=NetworkFactory())
    workers.send("objectives.tasks.compute_group_report", marker.pk, "2020-01-01", "2020-02-01")
    assert wait_for(lambda: ProgressReport.objects.filter(group=marker).exists(), timeout=30)
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted(p.email for p in people)


def test_a_task_finding_a_live_claim_tries_again_in_seconds(workers, smtp_server):
    report, people = _group_of_three()
    services.report_deliveries_create(report=report)
    held = ReportDelivery.objects.filter(user=people[0]).get()
    ReportDelivery.objects.filter(pk=held.pk).update(
        state=ReportDelivery.State.SENDING, claimed_at=timezone.now()
    )  # a sibling claimed it, then died
    worker = workers.start(EMAIL_URL=smtp_server.url)
    workers.send("objectives.tasks.send_report_email", held.pk)
    retrying = f"Retry in {tasks.BUSY_RETRY_SECONDS}s"
    assert wait_for(lambda: any(retrying in line for line in worker.log), timeout=15), worker.log
    assert ReportDelivery.objects.get(pk=held.pk).attempts == 0  # it did not take the claim
    # The sibling's lease runs out; the waiting task takes the delivery on its next look.
    ReportDelivery.objects.filter(pk=held.pk).update(
        claimed_at=timezone.now() - services.DELIVERY_LEASE - dt.timedelta(seconds=1)
    )
    sent = lambda: ReportDelivery.objects.get(pk=held.pk).state == ReportDelivery.State.SENT  # noqa: E731
    assert wait_for(sent, timeout=tasks.BUSY_RETRY_SECONDS * 2 + 10)
    assert [r for rcpts, _ in smtp_server.messages for r in rcpts] == [people[0].email]


def _group_of(n: int):
    network = NetworkFactory()  # no objective: no period is due, so the sweep writes nothing
    group = PeerGroupFactory(network=network)
    people = UserFactory.create_batch(n)
    Membership.objects.bulk_create(
        Membership(user=p, network=network, report_delivery="every") for p in people
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(group=group, user=p, role=GroupMembership.Role.MEMBER) for p in people
    )
    report, _ = services.report_create(
        group=group, period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 10, 1),
        deliver=False,
    )  # fmt: skip
    return report, people


def test_two_workers_mail_everyone_exactly_once_and_leave_nothing_pending(workers, smtp_server):
    report, people = _group_of(2 * tasks.MAIL_BATCH + 20)
    workers.start(EMAIL_URL=smtp_server.url)
    workers.start(EMAIL_URL=smtp_server.url)
    # The report's delivery task twice (a redelivered task), so both workers claim from the
    # same batches at the same time.
    workers.send("objectives.tasks.deliver_report", report.pk)
    workers.send("objectives.tasks.deliver_report", report.pk)

    def none_waiting() -> bool:
        states = set(ReportDelivery.objects.values_list("state", flat=True))
        return states == {ReportDelivery.State.SENT}

    assert wait_for(none_waiting, timeout=60), list(
        ReportDelivery.objects.values("state").annotate(n=Count("id"))
    )
    marker = PeerGroupFactory(network=NetworkFactory())
    workers.send("objectives.tasks.compute_group_report", marker.pk, "2020-01-01", "2020-02-01")
    workers.send("objectives.tasks.compute_group_report", marker.pk, "2020-01-01", "2020-02-01")
    assert wait_for(lambda: ProgressReport.objects.filter(group=marker).exists(), timeout=30)
    recipients = sorted(r for rcpts, _ in smtp_server.messages for r in rcpts)
    assert recipients == sorted(p.email for p in people)


def test_a_reports_mails_go_in_batches_over_one_connection_each(workers, smtp_server):
    report, people = _group_of(tasks.MAIL_BATCH + 5)
    workers.start(EMAIL_URL=smtp_server.url)
    workers.send("objectives.tasks.deliver_report", report.pk)
    sent = lambda: len(smtp_server.messages) == len(people)  # noqa: E731
    assert wait_for(sent, timeout=60), len(smtp_server.messages)
    assert smtp_server.connections == 2
