"""Events reach a receiver signed, after the write commits; failures are retried, logged,
and an endpoint that keeps failing is turned off with a notice."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups.models import Activity
from objectives import services as objective_services
from objectives.models import CheckIn, Measure
from tests.factories import ActivityFactory, MeasureFactory, ObjectiveFactory
from webhooks import services
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def endpoint(world, receiver, events=(Event.ACTIVITY_LOGGED,)) -> WebhookEndpoint:
    hook = services.endpoint_create(
        network=world.network, url=receiver.url, events=list(events), created_by=world.organiser
    )
    receiver.secrets = [hook.secret]
    return hook


def log_activity(world) -> Activity:
    activity = Activity(
        group=world.group, kind="meeting_hosted", title="Breakfast",
        occurred_on=timezone.localdate(), led_by=world.member,
    )  # fmt: skip
    return objective_services.activity_save_with_contributions(
        activity=activity, participants=[], contributions={}
    )


def test_a_logged_activity_reaches_the_receiver_signed(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        activity = log_activity(world)
    assert receiver.refused == []
    [got] = receiver.received
    assert got["payload"]["type"] == "activity.logged"
    assert got["payload"]["data"]["id"] == activity.pk
    assert got["headers"]["webhook-id"].startswith("msg_")
    assert abs(int(got["headers"]["webhook-timestamp"]) - time.time()) < 60


def test_nothing_is_sent_before_the_write_commits(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log_activity(world)
    assert receiver.received == []
    assert callbacks  # queued for the commit


def test_an_edit_is_not_a_new_activity(world, receiver, django_capture_on_commit_callbacks):
    endpoint(world, receiver)
    activity = ActivityFactory(group=world.group, led_by=world.member)
    with django_capture_on_commit_callbacks(execute=True):
        objective_services.activity_save_with_contributions(
            activity=activity, participants=[], contributions={}
        )
    assert receiver.received == []


def test_an_endpoint_gets_only_its_events(world, receiver, django_capture_on_commit_callbacks):
    endpoint(world, receiver, events=[Event.REPORT_PUBLISHED])
    with django_capture_on_commit_callbacks(execute=True):
        log_activity(world)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_each_attempt_is_recorded_with_status_and_duration(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver)
    receiver.answer = 503
    with django_capture_on_commit_callbacks(execute=True):
        log_activity(world)
    delivery = WebhookDelivery.objects.get()
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code == 503 and attempt.duration_ms >= 0
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.next_attempt_at > timezone.now()


def test_the_retries_back_off_over_about_a_day():
    waits = [services.retry_delay(n) for n in range(1, services.MAX_ATTEMPTS)]
    assert waits[:3] == [5, 300, 1800]
    assert waits == sorted(waits)
    assert dt.timedelta(hours=20) < dt.timedelta(seconds=sum(waits)) < dt.timedelta(hours=30)


def test_a_failed_delivery_is_retried_and_then_delivered(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver)
    receiver.answer = 500
    with django_capture_on_commit_callbacks(execute=True):
        log_activity(world)
    delivery = WebhookDelivery.objects.get()
    receiver.answer = 200
    assert services.delivery_attempt(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.attempts == 2
    # Both tries carried the same id, so the receiver can tell a retry from a new event.
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1


def test_a_delivery_that_fails_every_try_is_failed_for_good(world, receiver):
    hook = endpoint(world, receiver)
    receiver.answer = 500
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    WebhookDelivery.objects.filter(pk=delivery_id).update(attempts=services.MAX_ATTEMPTS - 1)
    assert services.delivery_attempt(delivery_id=delivery_id) is None
    assert WebhookDelivery.objects.get(pk=delivery_id).state == WebhookDelivery.State.FAILED
    hook.refresh_from_db()
    assert hook.failures_in_a_row == 1 and hook.disabled_at is None


def test_an_endpoint_that_keeps_failing_is_disabled_with_a_notice(
    world, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint(world, receiver)
    receiver.answer = 500
    WebhookEndpoint.objects.filter(pk=hook.pk).update(failures_in_a_row=services.DISABLE_AFTER - 1)
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    WebhookDelivery.objects.filter(pk=delivery_id).update(attempts=services.MAX_ATTEMPTS - 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_attempt(delivery_id=delivery_id)
    hook.refresh_from_db()
    assert hook.disabled_at is not None
    assert mail.outbox and mail.outbox[0].to == [world.organiser.email]
    assert WebhookEndpoint.objects.listening(world.network, Event.ACTIVITY_LOGGED) == []


def test_a_replay_sends_the_same_delivery_again(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        log_activity(world)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_replay(delivery=delivery)
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [delivery.message_id] * 2


def test_after_a_rotation_both_secrets_verify_for_a_day(world, receiver):
    hook = endpoint(world, receiver)
    old = hook.secret
    services.endpoint_rotate_secret(endpoint=hook)
    for secret in (old, hook.secret):
        receiver.secrets = [secret]
        [delivery_id] = services.event_emit(
            network=world.network, event=Event.ACTIVITY_LOGGED, data={}
        )
        assert services.delivery_attempt(delivery_id=delivery_id) is True
    WebhookEndpoint.objects.filter(pk=hook.pk).update(
        previous_secret_until=timezone.now() - dt.timedelta(seconds=1)
    )
    receiver.secrets = [old]
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    assert services.delivery_attempt(delivery_id=delivery_id) is False
    assert receiver.refused == ["No matching signature found"]


def test_a_report_published_is_sent(world, receiver, django_capture_on_commit_callbacks):
    endpoint(world, receiver, events=[Event.REPORT_PUBLISHED])
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = objective_services.report_create(
            group=world.group, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 1),
            deliver=False,
        )  # fmt: skip
    [got] = receiver.received
    assert got["payload"]["data"]["id"] == report.pk
    assert got["payload"]["data"]["group"] == world.group.slug


def test_an_objectives_status_is_sent_when_it_changes(
    world, receiver, django_capture_on_commit_callbacks
):
    endpoint(world, receiver, events=[Event.OBJECTIVE_STATUS_CHANGED])
    objective = ObjectiveFactory(network=world.network)
    measure = MeasureFactory(objective=objective, source=Measure.Source.MANUAL, target=100)
    with django_capture_on_commit_callbacks(execute=True):
        assert objective_services.objective_status_events(network=world.network) == 1
        assert objective_services.objective_status_events(network=world.network) == 0  # same

    with django_capture_on_commit_callbacks(execute=True):
        objective_services.check_in_save(
            check_in=CheckIn(measure=measure, value=100, recorded_on=timezone.localdate())
        )
    statuses = [r["payload"]["data"] for r in receiver.received]
    assert [(s["previous_status"], s["status"]) for s in statuses] == [
        (None, "off_track"), ("off_track", "on_track"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.org/x", "https://127.0.0.1/x", "https://10.0.0.8/x",
     "https://169.254.169.254/latest", "https://[::1]/x", "https://localhost/x"],
)  # fmt: skip
def test_private_and_plain_targets_are_refused_outside_debug(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        services.check_target(url)


def test_the_target_is_checked_again_at_send_time(world, receiver, settings):
    endpoint(world, receiver)
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False  # as if the name now resolved to loopback
    assert services.delivery_attempt(delivery_id=delivery_id) is False
    assert receiver.received == []
    assert "https" in WebhookAttempt.objects.get().error


def test_the_signature_is_what_the_spec_says():
    # The example of the Standard Webhooks specification.
    signature = services.sign(
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body=b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_referral_event_carries_the_move_and_not_the_client(
    world, receiver, django_capture_on_commit_callbacks
):
    # The extension point the referrals service calls when a referral moves.
    from tests.factories import ReferralFactory

    endpoint(world, receiver, events=[Event.REFERRAL_STATUS_CHANGED])
    referral = ReferralFactory(group=world.group, referrer=world.member, receiver=world.gardener)
    referral.status = "accepted"
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_status_changed(referral=referral, from_status="made")
    [got] = receiver.received
    data = got["payload"]["data"]
    assert (data["from_status"], data["status"]) == ("made", "accepted")
    assert referral.client.name not in str(got["payload"])


def test_a_referral_move_sends_its_event(world, receiver, django_capture_on_commit_callbacks):
    from referrals.services import referral_move
    from tests.factories import GroupMembershipFactory, PeerGroupFactory, ReferralFactory

    endpoint(world, receiver, events=[Event.REFERRAL_STATUS_CHANGED])
    cng = PeerGroupFactory(network=world.network, is_cng=True)
    for person in (world.member, world.gardener):
        GroupMembershipFactory(group=cng, user=person)
    referral = ReferralFactory(group=cng, referrer=world.member, receiver=world.gardener)
    with django_capture_on_commit_callbacks(execute=True):
        referral_move(referral=referral, to="accepted", by=world.gardener)
    [got] = receiver.received
    assert got["payload"]["type"] == "referral.status_changed"
    assert (got["payload"]["data"]["from_status"], got["payload"]["data"]["status"]) == (
        "made", "accepted",
    )  # fmt: skip
